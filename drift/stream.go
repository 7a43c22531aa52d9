package drift

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/warden-ml/warden/dataset"
)

// Pane is a closed stretch of a stream: the merged partial summaries of every
// worker that saw part of it. Count panes hold a fixed number of events;
// time panes a fixed span of event time.
type Pane struct {
	Index    int64 // position in the stream: count panes number 0, 1, ...; time panes start/step
	Acc      *Accumulator
	FirstSeq int64     // sequence number of the first event (count panes)
	LastSeq  int64     // and of the last
	Start    time.Time // event time span: the pane's bounds for time panes,
	End      time.Time // the first and last event times for count panes
	Late     int       // events that arrived after the pane had closed
}

// WindowKind names how a window is cut from the stream.
type WindowKind string

const (
	CountWindow    WindowKind = "count"    // the last N events, evaluated every M
	TumblingWindow WindowKind = "tumbling" // consecutive, non-overlapping spans of event time
	SlidingWindow  WindowKind = "sliding"  // spans of event time advancing by a step
)

// WindowResult is one evaluated window.
type WindowResult struct {
	Kind     WindowKind `json:"kind"`
	Start    time.Time  `json:"start"`
	End      time.Time  `json:"end"`
	FirstSeq int64      `json:"first_seq"`
	LastSeq  int64      `json:"last_seq"`
	Events   int        `json:"events"`
	Late     int        `json:"late"`
	Report   *Report    `json:"report"`
}

// Series evaluates one kind of window over a stream of panes: each window is
// the last PanesPerWindow panes, tested against the reference once it holds
// at least MinEvents events. It is not safe for concurrent use.
type Series struct {
	Kind           WindowKind
	PanesPerWindow int
	MinEvents      int

	ref   *Profile
	opts  Options
	panes []Pane // oldest first, at most PanesPerWindow; numeric values sorted
	merge *Accumulator
	runs  []int     // run lengths while merging one column
	tmp   []float64 // merge buffer
}

// NewSeries returns a series testing windows against ref with opts.
func NewSeries(ref *Profile, kind WindowKind, panesPerWindow, minEvents int, opts Options) (*Series, error) {
	if panesPerWindow < 1 {
		return nil, errors.New("drift: a window needs at least one pane")
	}
	if minEvents < 1 {
		return nil, errors.New("drift: minimum events must be at least 1")
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return &Series{Kind: kind, PanesPerWindow: panesPerWindow, MinEvents: minEvents, ref: ref, opts: opts}, nil
}

// Add appends a closed pane and evaluates the window that ends with it. It
// returns nil when the window holds fewer than MinEvents events.
func (s *Series) Add(p Pane) (*WindowResult, error) {
	if p.Acc == nil {
		return nil, errors.New("drift: pane without data")
	}
	// Keep the panes of the window ending at p: a gap in the indexes (no
	// events for a while) leaves fewer panes in the window.
	keep := s.panes[:0]
	for _, q := range s.panes {
		if q.Index > p.Index-int64(s.PanesPerWindow) && q.Index < p.Index {
			keep = append(keep, q)
		}
	}
	// Each pane is sorted once; a window then merges its panes' sorted
	// runs instead of sorting every value again at each evaluation.
	sortValues(p.Acc)
	s.panes = append(keep, p)

	if s.merge == nil {
		s.merge = &Accumulator{Columns: make([]AccColumn, len(p.Acc.Columns))}
		for i, c := range p.Acc.Columns {
			s.merge.Columns[i] = AccColumn{Name: c.Name, Type: c.Type, Cats: map[string]int{}}
		}
	}
	s.merge.Reset()
	w := &WindowResult{Kind: s.Kind, FirstSeq: s.panes[0].FirstSeq, LastSeq: p.LastSeq, Start: s.panes[0].Start, End: p.End}
	for _, q := range s.panes {
		if len(q.Acc.Columns) != len(s.merge.Columns) {
			return nil, fmt.Errorf("drift: pane has %d columns, window %d", len(q.Acc.Columns), len(s.merge.Columns))
		}
		s.merge.Merge(q.Acc)
		w.Late += q.Late
		// Count panes of interleaved batches overlap in event time: the
		// window spans the earliest start to the latest end.
		if q.Start.Before(w.Start) {
			w.Start = q.Start
		}
		if q.End.After(w.End) {
			w.End = q.End
		}
	}
	w.Events = s.merge.Rows
	if w.Events < s.MinEvents {
		return nil, nil
	}
	for i := range s.merge.Columns {
		if s.merge.Columns[i].Type == dataset.Categorical {
			continue
		}
		s.runs = s.runs[:0]
		for _, q := range s.panes {
			s.runs = append(s.runs, len(q.Acc.Columns[i].Values))
		}
		s.tmp = mergeRuns(s.merge.Columns[i].Values, s.runs, s.tmp)
	}
	opts := s.opts
	if sent := s.merge.Sent(); len(sent) < len(s.merge.Columns) {
		if len(sent) == 0 {
			return nil, nil
		}
		opts.Columns = sent
	}
	rep, err := Compare(s.ref, s.merge.profile(true), opts)
	if err != nil {
		return nil, err
	}
	w.Report = rep
	return w, nil
}

// Panes returns the panes the series holds, oldest first, for checkpoints.
func (s *Series) Panes() []Pane { return s.panes }

// Restore replaces the held panes, as saved by Panes.
func (s *Series) Restore(panes []Pane) {
	s.panes = append(s.panes[:0], panes[max(0, len(panes)-s.PanesPerWindow):]...)
	for _, p := range s.panes {
		if p.Acc != nil {
			sortValues(p.Acc)
		}
	}
}

// sortValues sorts the numeric and boolean values of each column.
func sortValues(a *Accumulator) {
	for i := range a.Columns {
		if a.Columns[i].Type != dataset.Categorical {
			slices.Sort(a.Columns[i].Values)
		}
	}
}

// mergeRuns sorts v, the concatenation of sorted runs of the given lengths,
// by merging neighbouring runs until one is left (n log k for k runs, where
// sorting would cost n log n). tmp is scratch space, returned for reuse.
func mergeRuns(v []float64, runs []int, tmp []float64) []float64 {
	if len(v) == 0 {
		return tmp
	}
	if cap(tmp) < len(v) {
		tmp = make([]float64, len(v))
	}
	tmp = tmp[:len(v)]
	src, dst := v, tmp
	for len(runs) > 1 {
		at, next := 0, runs[:0]
		for r := 0; r < len(runs); r += 2 {
			if r+1 == len(runs) {
				copy(dst[at:], src[at:at+runs[r]])
				next = append(next, runs[r])
				at += runs[r]
				continue
			}
			a, b := src[at:at+runs[r]], src[at+runs[r]:at+runs[r]+runs[r+1]]
			out := dst[at : at+len(a)+len(b)]
			i, j := 0, 0
			for k := range out {
				if j == len(b) || (i < len(a) && a[i] <= b[j]) {
					out[k] = a[i]
					i++
				} else {
					out[k] = b[j]
					j++
				}
			}
			next = append(next, len(a)+len(b))
			at += len(out)
		}
		runs = next
		src, dst = dst, src
	}
	if &src[0] != &v[0] {
		copy(v, src)
	}
	return tmp
}
