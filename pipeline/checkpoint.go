package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Stateful is a Detector whose state can be saved at a checkpoint and
// restored after a restart, so that only the events after the checkpoint
// need replaying. Snapshot and Restore are called while the pipeline is
// quiescent (Restore before it starts).
type Stateful interface {
	Detector
	Snapshot() ([]byte, error)
	Restore(state []byte) error
}

// Checkpoint waits until every batch submitted before it is processed,
// then calls save with the pipeline's state while nothing else moves: the
// caller records there how far its log goes (everything logged so far is
// processed, nothing later is). Ingest waits meanwhile, so save should be
// quick.
func (p *Pipeline) Checkpoint(ctx context.Context, save func(State) error) error {
	return p.send(ctx, &request{checkpoint: save})
}

// State is the pipeline's state at a checkpoint: Core holds the
// sequencer's (each model's numbering and open panes) and Parts each
// stateful detector's, named by PartName, so that a caller can store them
// apart and rewrite only those that changed.
type State struct {
	Core  []byte
	Parts map[string][]byte
}

// PartName names a detector's part of a State. Model names have no '/'.
func PartName(model, detector string) string { return model + "/" + detector }

type snapshot struct {
	Models map[string]modelSnapshot `json:"models"`
}

type modelSnapshot struct {
	Specs []PaneSpec     `json:"specs"`
	Seq   int64          `json:"seq"`
	State []specSnapshot `json:"state"`
	Clock *clockSnapshot `json:"clock,omitempty"` // absent before the watermark: set again by the traffic
	// Detectors held the detectors' state before it moved to State.Parts;
	// it is read from checkpoints that have it.
	Detectors map[string]json.RawMessage `json:"detectors,omitempty"`
}

type specSnapshot struct {
	Open        []paneSnapshot `json:"open,omitempty"`
	Closed      int64          `json:"closed"`
	Count       *paneSnapshot  `json:"count,omitempty"`
	CountNext   int64          `json:"count_next"`
	PendingLate int            `json:"pending_late,omitempty"`
}

type paneSnapshot struct {
	Index    int64     `json:"index"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	FirstSeq int64     `json:"first_seq"`
	LastSeq  int64     `json:"last_seq"`
	Events   int       `json:"events"`
	Late     int       `json:"late"`
}

func (op *openPane) snapshot() paneSnapshot {
	return paneSnapshot{op.index, op.start, op.end, op.firstSeq, op.last, op.events, op.late}
}

func (ps paneSnapshot) restore() *openPane {
	return &openPane{index: ps.Index, start: ps.Start, end: ps.End, firstSeq: ps.FirstSeq, last: ps.LastSeq, events: ps.Events, late: ps.Late}
}

// snapshot encodes the sequencer's and the detectors' state; the pipeline
// is quiescent.
func (p *Pipeline) snapshot() (State, error) {
	snap := snapshot{Models: map[string]modelSnapshot{}}
	st := State{Parts: map[string][]byte{}}
	for _, ms := range p.sortedModels() {
		clock := ms.clock.snapshot()
		m := modelSnapshot{Specs: ms.Specs, Seq: ms.seq, Clock: &clock}
		for _, st := range ms.specs {
			ss := specSnapshot{Closed: st.closed, CountNext: st.countNext, PendingLate: st.pendingLate}
			if st.count != nil {
				c := st.count.snapshot()
				ss.Count = &c
			}
			for _, idx := range sortedKeys(st.open) {
				ss.Open = append(ss.Open, st.open[idx].snapshot())
			}
			m.State = append(m.State, ss)
		}
		for _, d := range ms.Detectors {
			if sd, ok := d.(Stateful); ok {
				b, err := sd.Snapshot()
				if err != nil {
					return State{}, fmt.Errorf("pipeline: %s: %s: %w", ms.Name, d.Name(), err)
				}
				st.Parts[PartName(ms.Name, d.Name())] = b
			}
		}
		snap.Models[ms.Name] = m
	}
	var err error
	st.Core, err = json.Marshal(snap)
	return st, err
}

// restore applies a snapshot to the models before the pipeline starts. A
// model whose pane specs changed since starts afresh; the names of the
// models that did are returned.
func (p *Pipeline) restore(state *State) (fresh []string, err error) {
	var snap snapshot
	if err := json.Unmarshal(state.Core, &snap); err != nil {
		return nil, fmt.Errorf("pipeline: checkpoint: %w", err)
	}
	for _, ms := range p.sortedModels() {
		m, ok := snap.Models[ms.Name]
		if !ok || !slices.Equal(m.Specs, ms.Specs) || len(m.State) != len(ms.specs) {
			fresh = append(fresh, ms.Name)
			continue
		}
		ms.seq = m.Seq
		if m.Clock != nil {
			if err := ms.clock.restore(*m.Clock); err != nil {
				return nil, fmt.Errorf("pipeline: %s: checkpoint: clock: %w", ms.Name, err)
			}
		}
		for i, ss := range m.State {
			st := &ms.specs[i]
			st.closed, st.countNext, st.pendingLate = ss.Closed, ss.CountNext, ss.PendingLate
			if ss.Count != nil {
				st.count = ss.Count.restore()
			}
			for _, ps := range ss.Open {
				st.open[ps.Index] = ps.restore()
			}
		}
		for _, d := range ms.Detectors {
			sd, ok := d.(Stateful)
			if !ok {
				continue
			}
			raw, ok := state.Parts[PartName(ms.Name, d.Name())]
			if !ok {
				raw, ok = m.Detectors[d.Name()]
			}
			if ok {
				if err := sd.Restore(raw); err != nil {
					return nil, fmt.Errorf("pipeline: %s: %s: %w", ms.Name, d.Name(), err)
				}
			}
		}
	}
	return fresh, nil
}
