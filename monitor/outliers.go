package monitor

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"sync"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/outlier"
	"github.com/warden-ml/warden/pipeline"
	"github.com/warden-ml/warden/stats"
)

// Outliers screens every input of a model with its outlier detector. Each
// input is counted in a summary per pane of event time (OnSummary stores
// them); a flagged input raises an adversarial finding about its user when
// it is critical on its own, or when the user's flagged inputs in the hour
// are too many for normal traffic: one flag in 200 is what the detector's
// false-positive rate promises, so single flags are counted, not alerted.
type Outliers struct {
	opts    OutliersOptions
	shards  []outlierShard
	users   [userStripes]userStripe
	evicted int64 // users of hours before this are forgotten (merger only)
}

// OutliersOptions configure the adapter.
type OutliersOptions struct {
	Model    string
	Detector *outlier.Detector
	Settings config.Outliers
	Shards   int
	Spec     int // the pane spec summaries follow
	// OnSummary receives each closed pane's summary.
	OnSummary func(model string, s *OutlierSummary)
}

// OutlierSummary counts one pane's screened inputs; its JSON form is what
// the store keeps as the window's report.
type OutlierSummary struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	FirstSeq int64     `json:"first_seq"`
	LastSeq  int64     `json:"last_seq"`
	outlier.Summary
	// Unscored counts inputs the detector refused (wrong types).
	Unscored int `json:"unscored,omitempty"`
}

type outlierShard struct {
	verdict outlier.Verdict
	open    map[int64]*OutlierSummary
}

// User state is shared by the shards: a restart may send a user to another
// shard (the pipeline's sharding is seeded per process), so it cannot live
// in one. Stripes keep the shards from contending.
const userStripes = 64

type userStripe struct {
	mu    sync.Mutex
	users map[string]*userHour
}

// userHour counts a user's inputs in one hour of event time.
type userHour struct {
	Hour    int64 `json:"hour"` // Unix hours
	Inputs  int   `json:"inputs"`
	Flagged int   `json:"flagged"`
}

var stripeSeed = maphash.MakeSeed()

var _ pipeline.Stateful = (*Outliers)(nil)
var _ pipeline.Windowed = (*Outliers)(nil)

// NewOutliers returns the adapter.
func NewOutliers(opts OutliersOptions) (*Outliers, error) {
	if opts.Detector == nil {
		return nil, fmt.Errorf("model %q: no outlier detector", opts.Model)
	}
	if opts.Shards < 1 {
		opts.Shards = 1
	}
	o := &Outliers{opts: opts, shards: make([]outlierShard, opts.Shards)}
	for i := range o.shards {
		o.shards[i].open = map[int64]*OutlierSummary{}
	}
	for i := range o.users {
		o.users[i].users = map[string]*userHour{}
	}
	return o, nil
}

// Name implements pipeline.Detector.
func (o *Outliers) Name() string { return "outliers" }

// Observe scores the event's features.
func (o *Outliers) Observe(shard int, ev *pipeline.Sequenced) []alert.Finding {
	sh := &o.shards[shard]
	var sum *OutlierSummary
	if idx := ev.Panes[o.opts.Spec]; idx >= 0 {
		sum = sh.open[idx]
		if sum == nil {
			sum = newOutlierSummary()
			sh.open[idx] = sum
		}
		sum.add(ev)
	}
	v := &sh.verdict
	if err := o.opts.Detector.ScoreInto(ev.Features, v); err != nil {
		if sum != nil {
			sum.Unscored++
		}
		return nil
	}
	if sum != nil {
		sum.count(v)
	}
	if ev.Panes[o.opts.Spec] < 0 {
		// Too late to count in its user's hour (see evictUsers); an input
		// critical on its own still raises a finding.
		if v.Severity < alert.Critical {
			return nil
		}
		return []alert.Finding{o.finding(ev, v, 0, 0, 1)}
	}
	inputs, flagged := o.countUser(ev, v.Anomaly)
	if !v.Anomaly {
		return nil
	}
	burstP := stats.BinomialSF(flagged, inputs, o.opts.Settings.FPR)
	burst := flagged >= o.opts.Settings.BurstMin && burstP < o.opts.Settings.BurstAlpha
	if !burst && v.Severity < alert.Critical {
		return nil
	}
	return []alert.Finding{o.finding(ev, v, inputs, flagged, burstP)}
}

// countUser adds the input to its user's hour and returns the hour's counts.
func (o *Outliers) countUser(ev *pipeline.Sequenced, flagged bool) (inputs, flags int) {
	hour := ev.Time.Unix() / 3600
	st := &o.users[maphash.String(stripeSeed, ev.User)%userStripes]
	st.mu.Lock()
	defer st.mu.Unlock()
	u := st.users[ev.User]
	switch {
	case u == nil:
		u = &userHour{Hour: hour}
		st.users[ev.User] = u
	case hour > u.Hour:
		*u = userHour{Hour: hour}
	}
	// An input a little late counts in the user's current hour.
	u.Inputs++
	if flagged {
		u.Flagged++
	}
	return u.Inputs, u.Flagged
}

// evictUsers forgets the users whose hour ended before the hour preceding
// a closed pane's end. The merger calls it in pane order, so what is
// forgotten does not depend on how the shards interleave: an input older
// than that falls in a closed pane, is late, and is not counted.
func (o *Outliers) evictUsers(end time.Time) {
	hour := end.Unix()/3600 - 1
	if hour <= o.evicted {
		return
	}
	o.evicted = hour
	for i := range o.users {
		st := &o.users[i]
		st.mu.Lock()
		for u, h := range st.users {
			if h.Hour < hour {
				delete(st.users, u)
			}
		}
		st.mu.Unlock()
	}
}

func (o *Outliers) finding(ev *pipeline.Sequenced, v *outlier.Verdict, inputs, flagged int, burstP float64) alert.Finding {
	user := ev.User
	if user == "" {
		user = "(anonymous)"
	}
	reasons := make([]map[string]any, 0, len(v.Reasons))
	for _, r := range v.Reasons {
		m := map[string]any{"kind": r.Kind, "value": r.Value, "limit": r.Limit, "message": r.Message}
		if r.Feature != "" {
			m["feature"] = r.Feature
		}
		if r.Category != "" {
			m["category"] = r.Category
		}
		reasons = append(reasons, m)
	}
	top := make([]map[string]any, 0, len(v.Top))
	for _, c := range v.Top {
		top = append(top, map[string]any{"feature": c.Feature, "share": c.Share})
	}
	scores := make(map[string]any, len(v.Scores))
	for k, s := range v.Scores {
		scores[k] = s
	}
	evidence := map[string]any{
		"event_id": ev.ID, "user": ev.User, "score": v.Score, "isolation": v.Isolation,
		"fpr": o.opts.Settings.FPR, "inputs_in_hour": inputs, "flagged_in_hour": flagged, "burst_p": burstP,
		"reasons": reasons, "top": top, "scores": scores,
		"summary": fmt.Sprintf("%d of %d inputs from %s in the hour flagged as anomalous; isolation score %.2f",
			flagged, inputs, user, v.Isolation),
	}
	return alert.Finding{
		Kind: alert.KindAdversarial, Severity: v.Severity, Model: o.opts.Model, Subject: user,
		Score: v.Isolation, Time: ev.Time, Evidence: evidence,
	}
}

func newOutlierSummary() *OutlierSummary {
	return &OutlierSummary{Summary: outlier.Summary{
		BySeverity: map[string]int{}, ByReason: map[string]int{}, ByFeature: map[string]int{},
	}}
}

// add widens the summary's bounds to the event.
func (s *OutlierSummary) add(ev *pipeline.Sequenced) {
	if s.Inputs+s.Unscored == 0 {
		s.Start, s.End, s.FirstSeq, s.LastSeq = ev.Time, ev.Time, ev.Seq, ev.Seq
	} else {
		if ev.Time.Before(s.Start) {
			s.Start = ev.Time
		}
		if ev.Time.After(s.End) {
			s.End = ev.Time
		}
		s.FirstSeq, s.LastSeq = min(s.FirstSeq, ev.Seq), max(s.LastSeq, ev.Seq)
	}
}

// count adds a verdict as outlier.Summarize does.
func (s *OutlierSummary) count(v *outlier.Verdict) {
	s.Inputs++
	if !v.Anomaly {
		return
	}
	s.Anomalies++
	s.BySeverity[v.Severity.String()]++
	var kinds, features [8]string
	nk, nf := 0, 0
	seen := func(list []string, x string) bool {
		for _, y := range list {
			if y == x {
				return true
			}
		}
		return false
	}
	for _, r := range v.Reasons {
		if !seen(kinds[:nk], r.Kind) {
			s.ByReason[r.Kind]++
			if nk < len(kinds) {
				kinds[nk] = r.Kind
				nk++
			}
		}
		if r.Feature != "" && !seen(features[:nf], r.Feature) {
			s.ByFeature[r.Feature]++
			if nf < len(features) {
				features[nf] = r.Feature
				nf++
			}
		}
	}
}

// merge adds t's counts to s.
func (s *OutlierSummary) merge(t *OutlierSummary) {
	if t.Inputs+t.Unscored == 0 {
		return
	}
	if s.Inputs+s.Unscored == 0 {
		s.Start, s.End, s.FirstSeq, s.LastSeq = t.Start, t.End, t.FirstSeq, t.LastSeq
	} else {
		if t.Start.Before(s.Start) {
			s.Start = t.Start
		}
		if t.End.After(s.End) {
			s.End = t.End
		}
		s.FirstSeq, s.LastSeq = min(s.FirstSeq, t.FirstSeq), max(s.LastSeq, t.LastSeq)
	}
	s.Inputs += t.Inputs
	s.Anomalies += t.Anomalies
	s.Unscored += t.Unscored
	for k, n := range t.BySeverity {
		s.BySeverity[k] += n
	}
	for k, n := range t.ByReason {
		s.ByReason[k] += n
	}
	for k, n := range t.ByFeature {
		s.ByFeature[k] += n
	}
}

// Cut hands over the shard's partial of the closing pane.
func (o *Outliers) Cut(shard int, m *pipeline.Marker) any {
	if m.Spec != o.opts.Spec {
		return nil
	}
	sum := o.shards[shard].open[m.Index]
	delete(o.shards[shard].open, m.Index)
	return sum
}

// Close merges the shards' partials and hands the summary on.
func (o *Outliers) Close(m *pipeline.Marker, parts []any) ([]alert.Finding, error) {
	if m.Spec != o.opts.Spec {
		return nil, nil
	}
	o.evictUsers(m.End)
	merged := newOutlierSummary()
	for _, p := range parts {
		if s, _ := p.(*OutlierSummary); s != nil {
			merged.merge(s)
		}
	}
	if merged.Inputs+merged.Unscored == 0 {
		return nil, nil
	}
	if merged.Inputs > 0 {
		merged.Rate = float64(merged.Anomalies) / float64(merged.Inputs)
	}
	if o.opts.OnSummary != nil {
		o.opts.OnSummary(o.opts.Model, merged)
	}
	return nil, nil
}

// outliersState is what a checkpoint keeps: the open panes' partials and
// the users' hours.
type outliersState struct {
	Open    []map[int64]*OutlierSummary `json:"open"`
	Users   map[string]*userHour        `json:"users"`
	Evicted int64                       `json:"evicted"`
}

// Snapshot implements pipeline.Stateful.
func (o *Outliers) Snapshot() ([]byte, error) {
	st := outliersState{Users: map[string]*userHour{}, Evicted: o.evicted}
	for i := range o.shards {
		st.Open = append(st.Open, o.shards[i].open)
	}
	for i := range o.users {
		for u, h := range o.users[i].users {
			st.Users[u] = h
		}
	}
	return json.Marshal(st)
}

// Restore implements pipeline.Stateful. Partials saved by more shards than
// there are now are merged into the shards there are.
func (o *Outliers) Restore(b []byte) error {
	var st outliersState
	if err := json.Unmarshal(b, &st); err != nil {
		return err
	}
	for shard, open := range st.Open {
		target := o.shards[shard%len(o.shards)].open
		for idx, s := range open {
			if s == nil {
				continue
			}
			fixSummaryMaps(s)
			if prev := target[idx]; prev != nil {
				prev.merge(s)
			} else {
				target[idx] = s
			}
		}
	}
	o.evicted = st.Evicted
	for u, h := range st.Users {
		if h == nil {
			continue
		}
		o.users[maphash.String(stripeSeed, u)%userStripes].users[u] = h
	}
	return nil
}

func fixSummaryMaps(s *OutlierSummary) {
	if s.BySeverity == nil {
		s.BySeverity = map[string]int{}
	}
	if s.ByReason == nil {
		s.ByReason = map[string]int{}
	}
	if s.ByFeature == nil {
		s.ByFeature = map[string]int{}
	}
}
