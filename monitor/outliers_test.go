package monitor_test

import (
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/monitor"
	"github.com/warden-ml/warden/pipeline"
	"github.com/warden-ml/warden/simulate"
)

// outlierReference fits the default model's reference from simulated rows.
func outlierReference(t testing.TB, n int) *monitor.Reference {
	t.Helper()
	m := config.DefaultModel()
	m.Name = simulate.ModelName
	ref, err := monitor.BuildReference(referenceTable(t, 1, n), &m)
	if err != nil || ref.Outlier == nil {
		t.Fatalf("reference: %v %v", err, ref)
	}
	return ref
}

// screen feeds events straight to an Outliers adapter on one shard, with a
// pane per minute, closing each pane when the next begins, and returns the
// findings and the summaries.
type screenRun struct {
	o         *monitor.Outliers
	findings  []alert.Finding
	summaries []*monitor.OutlierSummary
	pane      int64
	seq       int64
}

func newScreenRun(t testing.TB, ref *monitor.Reference) *screenRun {
	return newScreenRunWith(t, ref, config.DefaultModel().Outliers)
}

func newScreenRunWith(t testing.TB, ref *monitor.Reference, settings config.Outliers) *screenRun {
	r := &screenRun{pane: -1}
	o, err := monitor.NewOutliers(monitor.OutliersOptions{
		Model: simulate.ModelName, Detector: ref.Outlier, Settings: settings, Shards: 1,
		OnSummary: func(_ string, s *monitor.OutlierSummary) { r.summaries = append(r.summaries, s) },
	})
	if err != nil {
		t.Fatal(err)
	}
	r.o = o
	return r
}

func (r *screenRun) feed(t testing.TB, evs []event.Event) {
	for i := range evs {
		idx := evs[i].Time.Unix() / 60
		if r.pane >= 0 && idx > r.pane {
			r.close(t)
		}
		r.pane = idx
		r.findings = append(r.findings, r.o.Observe(0, &pipeline.Sequenced{Event: &evs[i], Seq: r.seq, Panes: []int64{idx}})...)
		r.seq++
	}
}

func (r *screenRun) close(t testing.TB) {
	m := &pipeline.Marker{Model: simulate.ModelName, Index: r.pane, End: time.Unix((r.pane+1)*60, 0).UTC()}
	fs, err := r.o.Close(m, []any{r.o.Cut(0, m)})
	if err != nil {
		t.Fatal(err)
	}
	r.findings = append(r.findings, fs...)
}

// Ordinary days: inputs are flagged at about the false-positive rate, and
// no user is reported.
func TestOutliersStableDays(t *testing.T) {
	ref := outlierReference(t, 10000)
	days := 5
	if testing.Short() {
		days = 2
	}
	inputs, flagged := 0, 0
	for day := range days {
		r := newScreenRun(t, ref)
		r.feed(t, traffic(t, simulate.Options{Seed: uint64(100 + day)}, 20000))
		for _, f := range r.findings {
			t.Errorf("day %d: finding on ordinary traffic: %s %s %v", day, f.Severity, f.Subject, f.Evidence["summary"])
		}
		for _, s := range r.summaries {
			inputs += s.Inputs
			flagged += s.Anomalies
		}
	}
	rate := float64(flagged) / float64(inputs)
	t.Logf("%d ordinary days: %d of %d inputs flagged (%.3f%%), no finding", days, flagged, inputs, 100*rate)
	if rate > 0.012 {
		t.Errorf("%.2f%% of ordinary inputs flagged at a false-positive rate of 0.5%%", 100*rate)
	}
}

// An attacker's burst is reported about the attacker, critical, while the
// burst lasts; the summaries count every input.
func TestOutliersBurst(t *testing.T) {
	ref := outlierReference(t, 10000)
	const n = 20000
	attack := simulate.Burst{User: "api_user_312", From: 9 * time.Hour, Until: 9*time.Hour + 30*time.Minute, Count: 40}
	r := newScreenRun(t, ref)
	r.feed(t, traffic(t, simulate.Options{Seed: 7, Bursts: []simulate.Burst{attack}}, n))
	r.close(t)
	worst := map[string]alert.Severity{}
	for _, f := range r.findings {
		if f.Kind != alert.KindAdversarial || f.Model != simulate.ModelName {
			t.Errorf("finding %+v", f)
		}
		worst[f.Subject] = max(worst[f.Subject], f.Severity)
	}
	if worst[attack.User] != alert.Critical {
		t.Errorf("attacker's worst finding %v, want critical; findings by user %v", worst[attack.User], worst)
	}
	for u, s := range worst {
		if u != attack.User && s == alert.Critical {
			t.Errorf("ordinary user %s reported critical", u)
		}
	}
	var first time.Time
	for _, f := range r.findings {
		if f.Subject == attack.User {
			first = f.Time
			break
		}
	}
	start := simulate.DefaultStart().Add(attack.From)
	others := 0
	for _, f := range r.findings {
		if f.Subject != attack.User {
			others++
		}
	}
	t.Logf("%d probes over 30 minutes in a day of %d transactions: first finding about the attacker %v after the first probe; %d findings about it, %d about other users",
		attack.Count, n, first.Sub(start), len(r.findings)-others, others)
	if first.Before(start) || first.After(start.Add(5*time.Minute)) {
		t.Errorf("first finding about the attacker at %v, want within 5 minutes of %v", first, start)
	}
	inputs := 0
	for _, s := range r.summaries {
		inputs += s.Inputs + s.Unscored
	}
	if inputs != n {
		t.Errorf("summaries count %d inputs, want %d", inputs, n)
	}
}

// A checkpoint mid-stream and a restore into a new adapter give the same
// findings and summaries as an uninterrupted run.
func TestOutliersSnapshotRestore(t *testing.T) {
	ref := outlierReference(t, 5000)
	attack := simulate.Burst{User: "prober", From: 11*time.Hour + 50*time.Minute, Until: 12*time.Hour + 20*time.Minute, Count: 30}
	evs := traffic(t, simulate.Options{Seed: 9, Bursts: []simulate.Burst{attack}}, 10000)
	whole := newScreenRun(t, ref)
	whole.feed(t, evs)

	cut := len(evs) / 2
	first := newScreenRun(t, ref)
	first.feed(t, evs[:cut])
	state, err := first.o.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	second := newScreenRun(t, ref)
	if err := second.o.Restore(state); err != nil {
		t.Fatal(err)
	}
	second.pane, second.seq = first.pane, first.seq
	second.feed(t, evs[cut:])
	findings := append(first.findings, second.findings...)
	summaries := append(first.summaries, second.summaries...)
	if len(whole.findings) == 0 {
		t.Fatal("no finding to compare")
	}
	if !reflect.DeepEqual(fmt.Sprint(findings), fmt.Sprint(whole.findings)) {
		t.Errorf("findings after a restore differ: %d against %d uninterrupted", len(findings), len(whole.findings))
	}
	if !reflect.DeepEqual(summaries, whole.summaries) {
		t.Errorf("summaries after a restore differ: %d against %d uninterrupted", len(summaries), len(whole.summaries))
	}
	if err := second.o.Restore([]byte(`{"open":[{"1":{"inputs":"many"}}]}`)); err == nil {
		t.Error("a broken checkpoint was accepted")
	}
}

// Inputs with features of the wrong type are counted as unscored, never
// flagged; a late input is scored but not counted in its user's hour.
func TestOutliersBadAndLateInputs(t *testing.T) {
	ref := outlierReference(t, 5000)
	r := newScreenRun(t, ref)
	at := simulate.DefaultStart()
	bad := event.Event{Model: simulate.ModelName, User: "u", Time: at,
		Features: []event.Feature{{Name: "transaction_amount", Value: event.StringValue("lots")}}}
	r.feed(t, []event.Event{bad})
	r.close(t)
	if len(r.summaries) != 1 || r.summaries[0].Unscored != 1 || r.summaries[0].Inputs != 0 {
		t.Fatalf("summary of a bad input: %+v", r.summaries)
	}
	extreme := []event.Feature{
		{Name: "transaction_amount", Value: event.NumberValue(250000)}, {Name: "merchant_category", Value: event.StringValue("electronics")},
		{Name: "hour", Value: event.NumberValue(3)}, {Name: "distance_from_home_km", Value: event.NumberValue(19000)},
		{Name: "card_present", Value: event.BoolValue(false)}, {Name: "account_age_days", Value: event.NumberValue(0)},
		{Name: "num_tx_last_24h", Value: event.NumberValue(80)},
	}
	// Late inputs are scored but left out of the user's hour: after five
	// late ones, the user's burst counts the on-time ones only.
	late := event.Event{Model: simulate.ModelName, User: "late", Time: at.Add(time.Minute), Features: extreme}
	for i := range 5 {
		for _, f := range r.o.Observe(0, &pipeline.Sequenced{Event: &late, Panes: []int64{-1}}) {
			if f.Severity != alert.Critical || f.Evidence["late"] != true {
				t.Errorf("late extreme input %d: finding %+v", i, f)
			}
		}
	}
	r.pane = late.Time.Unix() / 60
	for i := range 3 {
		if fs := r.o.Observe(0, &pipeline.Sequenced{Event: &late, Seq: int64(i), Panes: []int64{r.pane}}); len(fs) > 0 {
			t.Errorf("on-time input %d: finding %+v before its pane closed", i, fs[0])
		}
	}
	before := len(r.findings)
	r.close(t)
	var flaggedInHour []any
	for _, f := range r.findings[before:] {
		flaggedInHour = append(flaggedInHour, f.Evidence["flagged_in_hour"])
	}
	if fmt.Sprint(flaggedInHour) != "[3]" {
		t.Errorf("flagged_in_hour of the burst finding: %v, want [3]", flaggedInHour)
	}
}

// Drift raises every user's flags; the burst test compares a user with the
// rest of the traffic, so heavy users are not singled out, while an
// attacker in the same traffic still is.
func TestOutliersDriftDoesNotSingleOutUsers(t *testing.T) {
	ref := outlierReference(t, 10000)
	attack := simulate.Burst{User: "prober", From: 15 * time.Hour, Until: 15*time.Hour + 20*time.Minute, Count: 30}
	opts := simulate.Options{Seed: 12, Users: 40, Bursts: []simulate.Burst{attack},
		Drifts: []simulate.Drift{{Feature: simulate.ColTransactionAmount, From: 6 * time.Hour, Scale: 3}}}
	r := newScreenRun(t, ref)
	r.feed(t, traffic(t, opts, 30000))
	r.close(t)
	flagged, inputs := 0, 0
	for _, s := range r.summaries {
		flagged += s.Anomalies
		inputs += s.Inputs
	}
	t.Logf("drifted day of 40 users: %.2f%% of inputs flagged", 100*float64(flagged)/float64(inputs))
	for _, f := range r.findings {
		if f.Subject != attack.User {
			t.Errorf("user %s singled out under drift: %v", f.Subject, f.Evidence["summary"])
		}
	}
	if len(r.findings) == 0 {
		t.Error("the attacker was not reported")
	}
}

// TestBurstOverDays measures, over twenty simulated days of 40 users with a
// prober, how many days single out an ordinary user and how soon the prober
// is found, on ordinary traffic and with transaction amounts tripled from
// 6 a.m. (WARDEN_MEASURE=1; figures in docs/detection.md).
func TestBurstOverDays(t *testing.T) {
	if os.Getenv("WARDEN_MEASURE") == "" {
		t.Skip("a measurement: WARDEN_MEASURE=1 go test ./monitor -run TestBurstOverDays -v")
	}
	ref := outlierReference(t, 10000)
	for _, scale := range []float64{1, 3} {
		for _, alpha := range []float64{1e-4, 1e-5} {
			falseDays, bursts, criticals, missed := 0, 0, 0, 0
			var slowest time.Duration
			for seed := uint64(1); seed <= 20; seed++ {
				attack := simulate.Burst{User: "prober", From: 15 * time.Hour, Until: 15*time.Hour + 20*time.Minute, Count: 30}
				opts := simulate.Options{Seed: seed, Users: 40, Bursts: []simulate.Burst{attack}}
				if scale != 1 {
					opts.Drifts = []simulate.Drift{{Feature: simulate.ColTransactionAmount, From: 6 * time.Hour, Scale: scale}}
				}
				settings := config.DefaultModel().Outliers
				settings.BurstAlpha = alpha
				r := newScreenRunWith(t, ref, settings)
				evs := traffic(t, opts, 30000)
				r.feed(t, evs)
				r.close(t)
				singled, found := false, false
				for _, f := range r.findings {
					switch {
					case f.Subject != attack.User:
						singled = true
						if f.Evidence["burst"] == true {
							bursts++
						} else {
							criticals++
						}
					case !found:
						found = true
						slowest = max(slowest, f.Time.Sub(evs[0].Time.Truncate(24*time.Hour))-attack.From)
					}
				}
				if singled {
					falseDays++
				}
				if !found {
					missed++
				}
			}
			t.Logf("amounts x%g, burst_alpha %g: %d of 20 days single out an ordinary user (%d burst, %d critical-input findings); prober missed on %d days, found within %s",
				scale, alpha, falseDays, bursts, criticals, missed, slowest)
		}
	}
}
