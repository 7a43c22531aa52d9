package monitor

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/internal/count"
	"github.com/warden-ml/warden/outlier"
	"github.com/warden-ml/warden/pipeline"
	"github.com/warden-ml/warden/stats"
)

// Outliers screens every input of a model with its outlier detector.
//
// Each input is counted in a summary per pane of event time (OnSummary
// stores them). Flags are expected: one in 1/FPR inputs of ordinary
// traffic, more while the traffic drifts. So when a pane closes, each user
// with flagged inputs in it is tested over the last hour of panes: an
// adversarial finding about the user when the user has at least BurstMin
// flags and that many are improbable (binomial tail below BurstAlpha) at the
// rate the rest of the traffic was flagged in that hour, or at FPR if that
// is higher; or when an input of the pane is critical on its own. The test
// runs in pane order on the merger, so its findings do not depend on how the
// shards interleave, and drift that raises every user's flags does not
// single anyone out. A finding shows the pane's most isolated input.
//
// The users kept are bounded by Settings.MaxUsers, so that a flood of new
// user ids costs neither memory nor checkpoint space without end, and
// cannot wash a suspect's history out:
//   - in a pane, each shard tracks up to its share of MaxUsers. A new user
//     past that is tracked only if its input is flagged, in place of the
//     earliest tracked user with nothing flagged in the pane, whose inputs
//     then count for the pane's traffic but no user's; with every user
//     tracked flagged, the newcomer is not tracked, and its input is
//     reported at once if it is critical;
//   - over the hour, past MaxUsers the merger forgets users until a
//     sixteenth of the room is free: first those with nothing flagged in
//     the hour, then those with the fewest flagged inputs, least recently
//     seen first, and users with a finding in the hour last of all.
//
// Which users of a flood a full pane keeps depends on how users are
// spread over the shards, so under a flood a restart may not give exactly
// the findings an uninterrupted run would have.
type Outliers struct {
	opts      OutliersOptions
	shards    []outlierShard
	hour      int // panes in the burst window
	paneUsers int // users one shard tracks in a pane

	// Merger state: the last hour of panes, per user and for everyone.
	users    map[string][]paneCount // each user's panes of the hour, oldest first
	reported map[string]int64       // users with a finding: the pane of the latest
	all      []paneCount            // oldest first
	swept    int64                  // the pane at which idle users were last forgotten
}

// OutliersOptions configure the adapter.
type OutliersOptions struct {
	Model    string
	Detector *outlier.Detector
	Settings config.Outliers
	Shards   int
	Spec     int // the pane spec summaries follow; its step is Settings.SummaryEvery
	// OnSummary receives each closed pane's summary.
	OnSummary func(model string, s *OutlierSummary)
	// OnUsers receives the burst test's bookkeeping when a pane closes.
	OnUsers func(model string, u UserStats)
}

// UserStats says how many users the burst test keeps and what it gave up
// for MaxUsers when a pane closed.
type UserStats struct {
	Tracked   int // users with an hour of panes kept
	Forgotten int // users forgotten at this pane for room
	Untracked int // inputs of the pane counted for no user, its shards being full
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
	open    map[int64]*outlierPart
}

// outlierPart is a shard's share of an open pane.
type outlierPart struct {
	Summary *OutlierSummary      `json:"summary"`
	Users   map[string]*userPane `json:"users"`
	// Untracked counts inputs of users the pane could not track.
	Untracked int `json:"untracked,omitempty"`

	order []string // users in the order they were tracked; before next, passed over for dropping
	next  int
}

// userPane is one user's inputs in a pane, with the most isolated flagged
// one as evidence.
type userPane struct {
	Inputs  int           `json:"inputs"`
	Flagged int           `json:"flagged"`
	Worst   *flaggedInput `json:"worst,omitempty"`
}

// flaggedInput is what a finding shows of an input.
type flaggedInput struct {
	ID        string                 `json:"id"`
	Time      time.Time              `json:"time"`
	Score     float64                `json:"score"`
	Isolation float64                `json:"isolation"`
	Severity  alert.Severity         `json:"severity"`
	Reasons   []outlier.Reason       `json:"reasons,omitempty"`
	Top       []outlier.Contribution `json:"top,omitempty"`
	Scores    map[string]float64     `json:"scores,omitempty"`
}

// paneCount is one closed pane's inputs and flags. The counts are 32-bit,
// saturating, because there is one paneCount per user and pane of the hour.
type paneCount struct {
	Index   int64 `json:"index"`
	Inputs  int32 `json:"inputs"`
	Flagged int32 `json:"flagged"`
}

func newPaneCount(index int64, inputs, flagged int) paneCount {
	return paneCount{index, int32(min(inputs, math.MaxInt32)), int32(min(flagged, math.MaxInt32))}
}

var _ pipeline.Stateful = (*Outliers)(nil)
var _ pipeline.Windowed = (*Outliers)(nil)

// NewOutliers returns the adapter.
func NewOutliers(opts OutliersOptions) (*Outliers, error) {
	if opts.Detector == nil {
		return nil, fmt.Errorf("model %q: no outlier detector", opts.Model)
	}
	if opts.Settings.SummaryEvery <= 0 {
		return nil, fmt.Errorf("model %q: outlier summaries need a positive step", opts.Model)
	}
	if opts.Shards < 1 {
		opts.Shards = 1
	}
	if opts.Settings.MaxUsers <= 0 { // a model stored before the setting existed
		opts.Settings.MaxUsers = config.DefaultModel().Outliers.MaxUsers
	}
	o := &Outliers{
		opts: opts, shards: make([]outlierShard, opts.Shards), users: map[string][]paneCount{}, reported: map[string]int64{},
		hour:      max(1, int((time.Hour+opts.Settings.SummaryEvery-1)/opts.Settings.SummaryEvery)),
		paneUsers: (opts.Settings.MaxUsers + opts.Shards - 1) / opts.Shards,
	}
	for i := range o.shards {
		o.shards[i].open = map[int64]*outlierPart{}
	}
	return o, nil
}

// Name implements pipeline.Detector.
func (o *Outliers) Name() string { return "outliers" }

// Observe scores the event's features.
func (o *Outliers) Observe(shard int, ev *pipeline.Sequenced) []alert.Finding {
	sh := &o.shards[shard]
	var part *outlierPart
	if idx := ev.Panes[o.opts.Spec]; idx != pipeline.Late {
		part = sh.open[idx]
		if part == nil {
			part = &outlierPart{Summary: &OutlierSummary{}, Users: map[string]*userPane{}}
			sh.open[idx] = part
		}
		part.Summary.add(ev)
	}
	v := &sh.verdict
	if err := o.opts.Detector.ScoreInto(ev.Features, v); err != nil {
		if part != nil {
			part.Summary.Unscored++
		}
		return nil
	}
	if part != nil {
		// Late inputs (in no pane) are scored but not counted.
		part.Summary.Count(v)
		u := part.Users[ev.User]
		if u == nil {
			if u = part.track(ev.User, v.Anomaly, o.paneUsers); u == nil {
				part.Untracked++
				if !v.Anomaly || v.Severity < alert.Critical {
					return nil
				}
				return []alert.Finding{o.finding(ev.User, evidenceOf(ev, v), nil, false, true)}
			}
		}
		u.Inputs++
		if v.Anomaly {
			u.Flagged++
			if u.Worst == nil || v.Isolation > u.Worst.Isolation {
				u.Worst = evidenceOf(ev, v)
			}
		}
	}
	if part != nil || !v.Anomaly || v.Severity < alert.Critical {
		return nil
	}
	// A late input's pane has closed: a critical one is reported at once.
	return []alert.Finding{o.finding(ev.User, evidenceOf(ev, v), nil, true, false)}
}

// track starts counting a user's inputs in the pane, within limit users:
// past it only a user whose input is flagged, in place of one with nothing
// flagged. It returns nil when the user cannot be tracked.
func (p *outlierPart) track(user string, flagged bool, limit int) *userPane {
	if len(p.Users) >= limit && (!flagged || !p.dropClean()) {
		return nil
	}
	u := &userPane{}
	p.Users[user] = u
	p.order = append(p.order, user)
	return u
}

// dropClean forgets the earliest tracked user with nothing flagged in the
// pane, its inputs counting as untracked; false when there is none.
func (p *outlierPart) dropClean() bool {
	for ; p.next < len(p.order); p.next++ {
		name := p.order[p.next]
		if u := p.Users[name]; u != nil && u.Flagged == 0 {
			delete(p.Users, name)
			p.Untracked += u.Inputs
			p.next++
			return true
		}
	}
	return false
}

func evidenceOf(ev *pipeline.Sequenced, v *outlier.Verdict) *flaggedInput {
	f := &flaggedInput{ID: ev.ID, Time: ev.Time, Score: v.Score, Isolation: v.Isolation, Severity: v.Severity,
		Reasons: slices.Clone(v.Reasons), Top: slices.Clone(v.Top), Scores: make(map[string]float64, len(v.Scores))}
	for k, s := range v.Scores {
		f.Scores[k] = s
	}
	return f
}

// hourView is what the burst test knew of a user's hour when it raised a
// finding.
type hourView struct {
	inputs, flagged int
	p, base         float64
	burst           bool
}

// finding is an adversarial finding about user from its flagged input:
// hour is the burst test's view of the user's hour (nil for a single
// input), late and untracked say why a single input was reported alone.
func (o *Outliers) finding(user string, in *flaggedInput, hour *hourView, late, untracked bool) alert.Finding {
	name := user
	if name == "" {
		name = "(anonymous)"
	}
	iso := in.Isolation
	ev := outlier.Evidence{
		EventID: in.ID, User: user, Score: in.Score, Isolation: &iso, FPR: o.opts.Settings.FPR,
		Reasons: append([]outlier.Reason{}, in.Reasons...), Top: append([]outlier.Contribution{}, in.Top...),
		Scores: maps.Clone(in.Scores), Late: late, Untracked: untracked,
	}
	if ev.Scores == nil {
		ev.Scores = map[string]float64{}
	}
	switch {
	case hour != nil:
		ev.InputsInHour, ev.FlaggedInHour, ev.BurstP, ev.BaseRate, ev.Burst = &hour.inputs, &hour.flagged, &hour.p, &hour.base, &hour.burst
		ev.Summary = fmt.Sprintf("%d of %s from %s in the hour flagged as anomalous; isolation score %.2f",
			hour.flagged, count.Plural(hour.inputs, "input", "inputs"), name, in.Isolation)
	case untracked:
		ev.Summary = fmt.Sprintf("an input from %s far outside the reference, in a minute with more users than can be tracked; isolation score %.2f", name, in.Isolation)
	default:
		ev.Summary = fmt.Sprintf("a late input from %s far outside the reference; isolation score %.2f", name, in.Isolation)
	}
	return alert.Finding{
		Kind: alert.KindAdversarial, Severity: in.Severity, Model: o.opts.Model, Subject: name,
		Score: in.Isolation, Time: in.Time, Evidence: alert.EvidenceOf(ev),
	}
}

// add widens the summary's bounds to the event.
func (s *OutlierSummary) add(ev *pipeline.Sequenced) { s.widen(ev.Time, ev.Time, ev.Seq, ev.Seq) }

// widen makes the bounds cover [start, end] and sequence numbers [first,
// last]; an empty summary takes them as they are.
func (s *OutlierSummary) widen(start, end time.Time, first, last int64) {
	if s.Inputs+s.Unscored == 0 {
		s.Start, s.End, s.FirstSeq, s.LastSeq = start, end, first, last
		return
	}
	if start.Before(s.Start) {
		s.Start = start
	}
	if end.After(s.End) {
		s.End = end
	}
	s.FirstSeq, s.LastSeq = min(s.FirstSeq, first), max(s.LastSeq, last)
}

// merge adds t's counts to s.
func (s *OutlierSummary) merge(t *OutlierSummary) {
	if t.Inputs+t.Unscored == 0 {
		return
	}
	s.widen(t.Start, t.End, t.FirstSeq, t.LastSeq)
	s.Summary.Add(t.Summary)
	s.Unscored += t.Unscored
}

// Cut hands over the shard's partial of the closing pane.
func (o *Outliers) Cut(shard int, m *pipeline.Marker) any {
	if m.Spec != o.opts.Spec {
		return nil
	}
	p := o.shards[shard].open[m.Index]
	delete(o.shards[shard].open, m.Index)
	return p
}

// Close merges the shards' partials, hands the summary on and tests the
// pane's users for bursts.
func (o *Outliers) Close(m *pipeline.Marker, parts []any) ([]alert.Finding, error) {
	if m.Spec != o.opts.Spec {
		return nil, nil
	}
	merged := &outlierPart{Summary: &OutlierSummary{}, Users: map[string]*userPane{}}
	for _, p := range parts {
		if part, _ := p.(*outlierPart); part != nil {
			merged.merge(part)
		}
	}
	if merged.Summary.Inputs+merged.Summary.Unscored > 0 && o.opts.OnSummary != nil {
		o.opts.OnSummary(o.opts.Model, merged.Summary)
	}
	findings := o.bursts(m.Index, merged.Summary, merged.Users)
	forgotten := o.forget(m.Index)
	if o.opts.OnUsers != nil {
		o.opts.OnUsers(o.opts.Model, UserStats{Tracked: len(o.users), Forgotten: forgotten, Untracked: merged.Untracked})
	}
	return findings, nil
}

// merge adds q's counts to p, keeping each user's most isolated input.
func (p *outlierPart) merge(q *outlierPart) {
	p.Summary.merge(q.Summary)
	p.Untracked += q.Untracked
	for u, up := range q.Users {
		have := p.Users[u]
		if have == nil {
			p.Users[u] = up
			continue
		}
		have.Inputs += up.Inputs
		have.Flagged += up.Flagged
		if up.Worst != nil && (have.Worst == nil || up.Worst.Isolation > have.Worst.Isolation) {
			have.Worst = up.Worst
		}
	}
}

// bursts adds the pane to the hour and tests each user flagged in it.
func (o *Outliers) bursts(index int64, pane *OutlierSummary, users map[string]*userPane) []alert.Finding {
	oldest := index - int64(o.hour) + 1
	keep := func(ps []paneCount) []paneCount {
		i := 0
		for i < len(ps) && ps[i].Index < oldest {
			i++
		}
		return ps[i:]
	}
	o.all = append(keep(o.all), newPaneCount(index, pane.Inputs, pane.Anomalies))
	for name, up := range users {
		o.users[name] = append(keep(o.users[name]), newPaneCount(index, up.Inputs, up.Flagged))
	}
	var allInputs, allFlagged int
	for _, p := range o.all {
		allInputs += int(p.Inputs)
		allFlagged += int(p.Flagged)
	}
	var findings []alert.Finding
	for _, name := range slices.Sorted(maps.Keys(users)) {
		up := users[name]
		if up.Flagged == 0 {
			continue
		}
		var inputs, flagged int
		for _, p := range o.users[name] {
			inputs += int(p.Inputs)
			flagged += int(p.Flagged)
		}
		// The rest of the traffic's rate, so that drift raising everyone's
		// flags does not single anyone out.
		base := o.opts.Settings.FPR
		if others := allInputs - inputs; others > 0 {
			base = max(base, float64(allFlagged-flagged)/float64(others))
		}
		p := stats.BinomialSF(flagged, inputs, base)
		burst := flagged >= o.opts.Settings.BurstMin && p < o.opts.Settings.BurstAlpha
		if !burst && up.Worst.Severity < alert.Critical {
			continue
		}
		findings = append(findings, o.finding(name, up.Worst, &hourView{inputs: inputs, flagged: flagged, p: p, base: base, burst: burst}, false, false))
		o.reported[name] = index
	}
	// Once an hour of panes, users with nothing in the hour are forgotten
	// (panes before 1970 have negative indices: they start the count too).
	if index-o.swept >= int64(o.hour) || index < o.swept {
		o.swept = index
		for name, ps := range o.users {
			if ps = keep(ps); len(ps) > 0 {
				o.users[name] = ps
			} else {
				delete(o.users, name)
			}
		}
		for name, at := range o.reported {
			if at < oldest {
				delete(o.reported, name)
			}
		}
	}
	return findings
}

// forget brings the users kept within MaxUsers once the pane at index has
// closed, freeing a sixteenth of the room so that a stream of new users
// sorts the table once in so many users, not at every pane. It forgets
// users with nothing flagged in the hour first, then those with the fewest
// flagged inputs, least recently seen first, and those with a finding in
// the hour last; it returns how many it forgot.
func (o *Outliers) forget(index int64) int {
	limit := o.opts.Settings.MaxUsers
	if len(o.users) <= limit {
		return 0
	}
	oldest := index - int64(o.hour) + 1
	type standing struct {
		name     string
		reported bool
		flagged  int
		last     int64
	}
	all := make([]standing, 0, len(o.users))
	for name, ps := range o.users {
		st := standing{name: name, last: math.MinInt64}
		for _, p := range ps {
			if p.Index >= oldest {
				st.flagged += int(p.Flagged)
				st.last = p.Index
			}
		}
		at, ok := o.reported[name]
		st.reported = ok && at >= oldest
		all = append(all, st)
	}
	slices.SortFunc(all, func(a, b standing) int {
		switch {
		case a.reported != b.reported:
			if a.reported {
				return 1
			}
			return -1
		case a.flagged != b.flagged:
			return cmp.Compare(a.flagged, b.flagged)
		case a.last != b.last:
			return cmp.Compare(a.last, b.last)
		}
		return strings.Compare(a.name, b.name)
	})
	n := len(all) - (limit - limit/16)
	for _, st := range all[:n] {
		delete(o.users, st.name)
		delete(o.reported, st.name)
	}
	return n
}

// outliersState is what a checkpoint keeps: the open panes' partials and
// the merger's hour.
type outliersState struct {
	Open     []map[int64]*outlierPart `json:"open"`
	Users    userHours                `json:"users"`
	Reported map[string]int64         `json:"reported,omitempty"`
	All      []paneCount              `json:"all"`
	Swept    int64                    `json:"swept"`
}

// userHours is each user's panes of the hour. In a checkpoint a pane is
// [index, inputs, flagged], not an object: there is one per user and pane,
// up to MaxUsers times the panes of an hour. Users are in name order, so
// that the same state always encodes the same.
type userHours map[string][]paneCount

func (u userHours) MarshalJSON() ([]byte, error) {
	names := slices.Sorted(maps.Keys(u))
	b := make([]byte, 0, 64*len(names)+2)
	b = append(b, '{')
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		key, err := json.Marshal(name)
		if err != nil {
			return nil, err
		}
		b = append(append(b, key...), ":["...)
		for k, p := range u[name] {
			if k > 0 {
				b = append(b, ',')
			}
			b = append(strconv.AppendInt(append(b, '['), p.Index, 10), ',')
			b = append(strconv.AppendInt(b, int64(p.Inputs), 10), ',')
			b = append(strconv.AppendInt(b, int64(p.Flagged), 10), ']')
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads panes as arrays, or as the objects checkpoints held
// before.
func (u *userHours) UnmarshalJSON(b []byte) error {
	var raw map[string][]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*u = make(userHours, len(raw))
	for name, panes := range raw {
		ps := make([]paneCount, len(panes))
		for i, p := range panes {
			var a []int64
			if json.Unmarshal(p, &a) == nil {
				if len(a) != 3 {
					return fmt.Errorf("user %q: pane %s: want [index, inputs, flagged]", name, p)
				}
				ps[i] = newPaneCount(a[0], int(max(a[1], 0)), int(max(a[2], 0)))
			} else if err := json.Unmarshal(p, &ps[i]); err != nil {
				return fmt.Errorf("user %q: %w", name, err)
			}
		}
		(*u)[name] = ps
	}
	return nil
}

// Snapshot implements pipeline.Stateful.
func (o *Outliers) Snapshot() ([]byte, error) {
	st := outliersState{Users: o.users, Reported: o.reported, All: o.all, Swept: o.swept}
	for i := range o.shards {
		st.Open = append(st.Open, o.shards[i].open)
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
		for idx, p := range open {
			if p == nil || p.Summary == nil {
				return fmt.Errorf("checkpoint: outlier pane %d has no summary", idx)
			}
			if p.Users == nil {
				p.Users = map[string]*userPane{}
			}
			if prev := target[idx]; prev != nil {
				prev.merge(p)
			} else {
				target[idx] = p
			}
		}
	}
	for i := range o.shards {
		for _, p := range o.shards[i].open {
			p.order, p.next = slices.Sorted(maps.Keys(p.Users)), 0
		}
	}
	o.all, o.swept = st.All, st.Swept
	o.users = map[string][]paneCount{}
	maps.Copy(o.users, st.Users)
	o.reported = map[string]int64{}
	maps.Copy(o.reported, st.Reported)
	return nil
}
