package monitor_test

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/event"
	"github.com/warden-ml/warden/monitor"
	"github.com/warden-ml/warden/outlier"
	"github.com/warden-ml/warden/pipeline"
	"github.com/warden-ml/warden/simulate"
)

// userReference is the simulator's reference with an outlier detector that
// grades inputs critical from an isolation score of 0.75 rather than 0.8,
// which far-out inputs reach with this reference.
func userReference(t testing.TB) *monitor.Reference {
	t.Helper()
	tab := referenceTable(t, 1, 5000)
	m := config.DefaultModel()
	opts := monitor.OutlierOptions(&m, tab)
	opts.Severity = alert.Thresholds{Warning: 0.5, Critical: 0.75}
	d, err := outlier.Fit(tab, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &monitor.Reference{Outlier: d}
}

// userRun drives an Outliers adapter on one shard minute by minute, with
// the bookkeeping OnUsers reports.
type userRun struct {
	o        *monitor.Outliers
	findings []alert.Finding
	stats    []monitor.UserStats
	seq      int64
}

func newUserRun(t testing.TB, ref *monitor.Reference, maxUsers int) *userRun {
	t.Helper()
	r := &userRun{}
	settings := config.DefaultModel().Outliers
	settings.MaxUsers = maxUsers
	o, err := monitor.NewOutliers(monitor.OutliersOptions{
		Model: simulate.ModelName, Detector: ref.Outlier, Settings: settings, Shards: 1,
		OnUsers: func(_ string, u monitor.UserStats) { r.stats = append(r.stats, u) },
	})
	if err != nil {
		t.Fatal(err)
	}
	r.o = o
	return r
}

// minute feeds one minute's inputs, given as (user, features), and closes it.
func (r *userRun) minute(t *testing.T, m int64, inputs []userInput) {
	t.Helper()
	at := simulate.DefaultStart().Add(time.Duration(m) * time.Minute)
	for _, in := range inputs {
		ev := event.Event{Model: simulate.ModelName, User: in.user, Time: at, Features: in.features}
		r.findings = append(r.findings, r.o.Observe(0, &pipeline.Sequenced{Event: &ev, Seq: r.seq, Panes: []int64{m}})...)
		r.seq++
	}
	mk := &pipeline.Marker{Model: simulate.ModelName, Index: m, End: at.Add(time.Minute)}
	fs, err := r.o.Close(mk, []any{r.o.Cut(0, mk)})
	if err != nil {
		t.Fatal(err)
	}
	r.findings = append(r.findings, fs...)
}

type userInput struct {
	user     string
	features []event.Feature
}

// kinds of input: an ordinary one, a probe the detector flags without
// grading it critical, and one far outside the reference (critical),
// found among candidates that go further and further out.
func inputKinds(t *testing.T, ref *monitor.Reference) (clean, probe, extreme []event.Feature) {
	t.Helper()
	base := traffic(t, simulate.Options{Seed: 3}, 1)[0].Features
	with := func(changes map[string]event.Value) []event.Feature {
		fs := append([]event.Feature(nil), base...)
		for i := range fs {
			if v, ok := changes[fs[i].Name]; ok {
				fs[i].Value = v
			}
		}
		return fs
	}
	verdict := func(fs []event.Feature) (anomaly, critical bool) {
		v, err := ref.Outlier.Score(fs)
		if err != nil {
			t.Fatal(err)
		}
		return v.Anomaly, v.Severity >= alert.Critical
	}
	if anomaly, _ := verdict(base); anomaly {
		t.Fatal("the ordinary input is flagged")
	}
	for _, x := range []float64{1, 2, 4, 8, 16, 32} {
		fs := with(map[string]event.Value{"transaction_amount": event.NumberValue(3000 * x), "distance_from_home_km": event.NumberValue(300 * x)})
		if anomaly, critical := verdict(fs); anomaly && !critical && probe == nil {
			probe = fs
		}
		fs = with(map[string]event.Value{"transaction_amount": event.NumberValue(50000 * x), "distance_from_home_km": event.NumberValue(5000 * x),
			"merchant_category": event.StringValue("electronics"), "hour": event.NumberValue(3), "card_present": event.BoolValue(false),
			"account_age_days": event.NumberValue(0), "num_tx_last_24h": event.NumberValue(20 * x)})
		if _, critical := verdict(fs); critical && extreme == nil {
			extreme = fs
		}
	}
	if probe == nil || extreme == nil {
		t.Fatalf("no probe (%v) or no critical input (%v) among the candidates", probe != nil, extreme != nil)
	}
	return base, probe, extreme
}

func repeat(user string, n int, features []event.Feature) []userInput {
	out := make([]userInput, n)
	for i := range out {
		out[i] = userInput{user, features}
	}
	return out
}

// newcomers is n users, named from first on, with one input each.
func newcomers(first, n int, features []event.Feature) []userInput {
	out := make([]userInput, n)
	for i := range out {
		out[i] = userInput{fmt.Sprintf("new_%06d", first+i), features}
	}
	return out
}

// reportedAbout lists the findings about user: flagged_in_hour for burst
// findings, "untracked" for a critical input reported at once.
func reportedAbout(fs []alert.Finding, user string) []string {
	var out []string
	for _, f := range fs {
		if f.Subject != user {
			continue
		}
		if f.Evidence["untracked"] == true {
			out = append(out, "untracked")
		} else {
			out = append(out, fmt.Sprint(f.Evidence["flagged_in_hour"]))
		}
	}
	return out
}

// A flood of new user ids cannot wash out an attacker's history: users with
// nothing flagged are forgotten first, and a full minute makes room for a
// flagged newcomer. The attacker's third probe, after the flood, is
// reported with all three in its hour.
func TestOutliersUserFlood(t *testing.T) {
	ref := userReference(t)
	clean, probe, _ := inputKinds(t, ref)
	const maxUsers = 100
	const attacker = "api_user_312"
	regulars := func(n int) []userInput { // ordinary traffic: the flood is not all there is
		var out []userInput
		for i := range 20 {
			out = append(out, repeat(fmt.Sprintf("regular_%02d", i), n, clean)...)
		}
		return out
	}
	tests := []struct {
		name    string
		minutes [][]userInput
		// what the attacker's findings say: flagged_in_hour of each
		want string
	}{
		{
			name: "flood of clean newcomers over ten minutes",
			minutes: func() [][]userInput {
				ms := [][]userInput{append(regulars(5), repeat(attacker, 2, probe)...)}
				for m := 1; m <= 10; m++ {
					ms = append(ms, append(regulars(5), newcomers(m*1000, 300, clean)...))
				}
				return append(ms, append(regulars(5), repeat(attacker, 1, probe)...))
			}(),
			want: "[3]",
		},
		{
			name: "flood before the probes in the same minute",
			minutes: [][]userInput{
				append(append(regulars(5), newcomers(0, 500, clean)...), repeat(attacker, 2, probe)...),
				append(regulars(5), repeat(attacker, 1, probe)...),
			},
			want: "[3]",
		},
		{
			name: "flood of newcomers with one flag each",
			minutes: func() [][]userInput {
				// Enough ordinary traffic that the flood's flags do not
				// raise the rate the attacker is compared with too far.
				ms := [][]userInput{append(regulars(200), repeat(attacker, 2, probe)...)}
				for m := 1; m <= 10; m++ {
					ms = append(ms, append(regulars(200), newcomers(m*1000, 30, probe)...))
				}
				return append(ms, append(regulars(200), repeat(attacker, 1, probe)...))
			}(),
			want: "[3]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newUserRun(t, ref, maxUsers)
			for m, inputs := range tt.minutes {
				r.minute(t, int64(m), inputs)
				if st := r.stats[len(r.stats)-1]; st.Tracked > maxUsers {
					t.Fatalf("minute %d: %d users tracked, more than %d", m, st.Tracked, maxUsers)
				}
			}
			if got := fmt.Sprint(reportedAbout(r.findings, attacker)); got != tt.want {
				t.Errorf("attacker's findings (flagged in the hour): %s, want %s", got, tt.want)
			}
			forgotten, untracked := 0, 0
			for _, st := range r.stats {
				forgotten += st.Forgotten
				untracked += st.Untracked
			}
			if forgotten+untracked == 0 {
				t.Error("the flood never filled the table: the test tests nothing")
			}
			t.Logf("%d users forgotten, %d inputs untracked", forgotten, untracked)
		})
	}
}

// Once a minute's users are all flagged, a newcomer is not tracked, but its
// input is still reported at once if it is critical.
func TestOutliersFullMinuteReportsCritical(t *testing.T) {
	ref := userReference(t)
	_, probe, extreme := inputKinds(t, ref)
	r := newUserRun(t, ref, 50)
	inputs := newcomers(0, 50, probe)
	inputs = append(inputs, userInput{"quiet", probe}, userInput{"loud", extreme})
	r.minute(t, 0, inputs)
	if got := fmt.Sprint(reportedAbout(r.findings, "loud")); got != "[untracked]" {
		t.Errorf("critical input of an untracked user: %s, want [untracked]", got)
	}
	if got := reportedAbout(r.findings, "quiet"); len(got) != 0 {
		t.Errorf("an untracked user's ordinary flag was reported: %v", got)
	}
	if st := r.stats[0]; st.Untracked != 2 || st.Tracked != 50 {
		t.Errorf("stats %+v, want 2 inputs untracked and 50 users", st)
	}
}

// The checkpoint holds at most max_users users however many came.
func TestOutliersCheckpointBounded(t *testing.T) {
	ref := userReference(t)
	clean, _, _ := inputKinds(t, ref)
	sizes := map[int]int{}
	for _, flood := range []int{1000, 10000} {
		r := newUserRun(t, ref, 200)
		for m := range 10 {
			r.minute(t, int64(m), newcomers(m*flood, flood, clean))
		}
		state, err := r.o.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Users map[string]json.RawMessage `json:"users"`
		}
		if err := json.Unmarshal(state, &st); err != nil {
			t.Fatal(err)
		}
		if len(st.Users) > 200 {
			t.Errorf("flood of %d a minute: %d users in the checkpoint", flood, len(st.Users))
		}
		sizes[flood] = len(state)
	}
	if sizes[10000] > sizes[1000]+1000 {
		t.Errorf("checkpoint grows with the flood: %v bytes", sizes)
	}
}

// A checkpoint holds each user's panes as [index, inputs, flagged], in name
// order, and still reads the objects older checkpoints held.
func TestOutliersUserHoursEncoding(t *testing.T) {
	ref := userReference(t)
	r := newUserRun(t, ref, 100)
	old := `{"open":[],"users":{"b":[{"index":5,"inputs":2,"flagged":1}],"a":[{"index":4,"inputs":1,"flagged":0},{"index":5,"inputs":3,"flagged":0}]},` +
		`"all":[{"index":4,"inputs":1,"flagged":0},{"index":5,"inputs":5,"flagged":1}],"swept":4}`
	if err := r.o.Restore([]byte(old)); err != nil {
		t.Fatal(err)
	}
	state, err := r.o.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Users json.RawMessage `json:"users"`
	}
	if err := json.Unmarshal(state, &st); err != nil {
		t.Fatal(err)
	}
	if want := `{"a":[[4,1,0],[5,3,0]],"b":[[5,2,1]]}`; string(st.Users) != want {
		t.Errorf("users encoded as %s, want %s", st.Users, want)
	}
	again, err := r.o.Snapshot()
	if err != nil || string(again) != string(state) {
		t.Errorf("the same state encodes differently: %v", err)
	}
	for _, bad := range []string{`{"users":{"a":[[1,2]]}}`, `{"users":{"a":[true]}}`, `{"users":[]}`} {
		if err := newUserRun(t, ref, 100).o.Restore([]byte(bad)); err == nil {
			t.Errorf("restored %s", bad)
		}
	}
}

// FuzzOutliersRestore: no checkpoint makes Restore panic, and one it takes
// encodes again to what it restores to.
func FuzzOutliersRestore(f *testing.F) {
	ref := userReference(f)
	f.Add([]byte(`{"open":[{"7":{"summary":{"inputs":2},"users":{"a":{"inputs":2,"flagged":1}},"untracked":3}}],"users":{"a":[[7,2,1]]},"reported":{"a":7},"all":[[7,2,1]],"swept":7}`))
	f.Add([]byte(`{"users":{"b":[{"index":5,"inputs":2,"flagged":1}]},"all":[{"index":5,"inputs":2,"flagged":1}]}`))
	f.Add([]byte(`{"open":[{"1":null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newUserRun(t, ref, 10)
		if r.o.Restore(data) != nil {
			return
		}
		state, err := r.o.Snapshot()
		if err != nil {
			t.Fatalf("restored %q, then: %v", data, err)
		}
		back := newUserRun(t, ref, 10)
		if err := back.o.Restore(state); err != nil {
			t.Fatalf("its own snapshot %s: %v", state, err)
		}
		if again, _ := back.o.Snapshot(); string(again) != string(state) {
			t.Fatalf("snapshot changed through a restore:\n%s\n%s", state, again)
		}
	})
}

// The most the burst test holds for one model: max_users users, each with
// an input in every minute of the hour. Its memory and checkpoint are
// bounded by max_users times the panes of an hour. The normal suite runs
// 1,000 users; WARDEN_MEASURE=1 the default 100,000 (6M inputs, about a
// minute), whose figures docs/resources.md records:
//
//	WARDEN_MEASURE=1 go test -run TestOutliersBusiestHour -v ./monitor
func TestOutliersBusiestHour(t *testing.T) {
	users, heapBound, stateBound := 1000, int64(8<<20), 1<<20
	if os.Getenv("WARDEN_MEASURE") == "1" {
		users, heapBound, stateBound = config.DefaultModel().Outliers.MaxUsers, 200<<20, 64<<20
	}
	ref := userReference(t)
	clean, _, _ := inputKinds(t, ref)
	r := newUserRun(t, ref, users)
	names := make([]string, users)
	for i := range names {
		names[i] = fmt.Sprintf("user_%06d", i)
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	began := time.Now()
	for m := range int64(60) {
		at := simulate.DefaultStart().Add(time.Duration(m) * time.Minute)
		ev := event.Event{Model: simulate.ModelName, Time: at, Features: clean}
		for _, name := range names {
			ev.User = name
			r.o.Observe(0, &pipeline.Sequenced{Event: &ev, Seq: r.seq, Panes: []int64{m}})
			r.seq++
		}
		mk := &pipeline.Marker{Model: simulate.ModelName, Index: m, End: at.Add(time.Minute)}
		if _, err := r.o.Close(mk, []any{r.o.Cut(0, mk)}); err != nil {
			t.Fatal(err)
		}
	}
	took := time.Since(began)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heap := int64(ms.HeapAlloc) - int64(base)
	began = time.Now()
	state, err := r.o.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d users in each of 60 minutes: %d inputs in %.1f s; %d users kept, live heap %d KiB, checkpoint %d KiB encoded in %.2f s",
		users, r.seq, took.Seconds(), r.stats[len(r.stats)-1].Tracked, heap>>10, len(state)>>10, time.Since(began).Seconds())
	if heap > heapBound || len(state) > stateBound {
		t.Errorf("live heap %d KiB (bound %d KiB), checkpoint %d KiB (bound %d KiB)", heap>>10, heapBound>>10, len(state)>>10, stateBound>>10)
	}
	runtime.KeepAlive(r)
}
