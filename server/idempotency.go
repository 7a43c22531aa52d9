package server

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/warden-ml/warden/event"
)

// recentIDs recognises events sent again: the ids of the last
// pipeline.dedupe_ids events logged, per model. A client that retries a
// batch after a lost answer (the server died between logging it and
// answering, a proxy timed out) has the events it already sent counted as
// duplicates, not processed twice. Events without an id cannot be
// recognised.
//
// Ids are kept as 64-bit hashes of model and id (by chance, two of a
// million distinct ids collide with a probability of about 3 in 10^8), in a ring: the
// oldest is forgotten when a new one comes. The ring is saved with every
// checkpoint, and the ids logged after it are read back from the log on
// start, so the horizon survives restarts.
type recentIDs struct {
	mu sync.Mutex
	// ids holds each id logged (0) and each id claimed by a batch being
	// logged (the claim's number): one map, so that a new id costs a
	// lookup, an insert, an update and the eviction of the oldest.
	ids    map[uint64]uint64
	ring   []uint64
	next   int    // where the next id goes
	claims uint64 // numbers the claims
}

func newRecentIDs(capacity int) *recentIDs {
	return &recentIDs{ids: make(map[uint64]uint64, min(capacity, 1<<16)), ring: make([]uint64, capacity)}
}

// idHash is the hash of an event's model and id: stable across restarts,
// and cryptographic, so that nobody can make up an id that passes for
// another client's and gets its events dropped as duplicates.
func idHash(model, id string) uint64 {
	var buf [256]byte
	b := append(append(append(buf[:0], model...), 0), id...)
	sum := sha256.Sum256(b)
	return binary.LittleEndian.Uint64(sum[:8])
}

// errIDsInFlight: another request carrying some of the same ids is being
// logged; which of the two gets them is decided when it ends.
var errIDsInFlight = errors.New("a request with some of the same event ids is being stored now; retry shortly")

// claim finds the events already logged (or repeated within the batch) and
// marks the others as being logged. It returns the indices of the
// duplicates and a release to call once the batch is logged or not.
func (r *recentIDs) claim(events []event.Event) (dups []int, release func(logged bool), err error) {
	if len(r.ring) == 0 {
		return nil, func(bool) {}, nil
	}
	// Hashed before the lock, which every ingest request takes.
	all := make([]uint64, len(events))
	for i := range events {
		if events[i].ID != "" {
			all[i] = idHash(events[i].Model, events[i].ID)
		}
	}
	claimed := make([]uint64, 0, len(events))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.claims++
	mine := r.claims
	for i, h := range all {
		if events[i].ID == "" {
			continue
		}
		switch holder, ok := r.ids[h]; {
		case !ok:
			r.ids[h] = mine
			claimed = append(claimed, h)
		case holder == 0 || holder == mine:
			dups = append(dups, i) // logged, or earlier in this batch
		default:
			for _, c := range claimed {
				delete(r.ids, c)
			}
			return nil, nil, errIDsInFlight
		}
	}
	return dups, func(logged bool) {
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, h := range claimed {
			if !logged {
				delete(r.ids, h)
				continue
			}
			r.ids[h] = 0
			r.push(h)
		}
	}, nil
}

// addEvents notes events read back from the log.
func (r *recentIDs) addEvents(events []event.Event) {
	if len(r.ring) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range events {
		if events[i].ID != "" {
			r.add(idHash(events[i].Model, events[i].ID))
		}
	}
}

// add notes a logged id unless it is known. Called with r.mu held.
func (r *recentIDs) add(h uint64) {
	if _, ok := r.ids[h]; ok {
		return
	}
	r.ids[h] = 0
	r.push(h)
}

// push puts a logged id in the ring, forgetting the oldest. Called with
// r.mu held.
func (r *recentIDs) push(h uint64) {
	if old := r.ring[r.next]; old != 0 {
		delete(r.ids, old)
	}
	r.ring[r.next] = h
	r.next = (r.next + 1) % len(r.ring)
}

// marshal is the ring, oldest first, for a checkpoint part.
func (r *recentIDs) marshal() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := make([]byte, 0, 8*len(r.ring))
	for i := range len(r.ring) {
		if h := r.ring[(r.next+i)%len(r.ring)]; h != 0 {
			b = binary.LittleEndian.AppendUint64(b, h)
		}
	}
	return b
}

// restore puts back a ring saved by marshal.
func (r *recentIDs) restore(b []byte) {
	if len(r.ring) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(b) >= 8 {
		r.add(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
}

// keyedAnswers are the answers given to batches sent with an
// Idempotency-Key: the same key with the same body gets the first answer
// back; with another body, 422. The last maxKeys keys of the last keyTTL,
// within maxKeyBytes of answers, are kept, and saved with the checkpoint.
type keyedAnswers struct {
	mu      sync.Mutex
	answers map[string]*keyedAnswer
	order   []string
	busy    map[string]bool
	bytes   int // of the keys and answers kept
}

type keyedAnswer struct {
	Body   [sha256.Size]byte `json:"body"`
	Status int               `json:"status"`
	Answer json.RawMessage   `json:"answer"`
	At     time.Time         `json:"at"`
}

// An answer lists up to 100 refused items, so 10,000 keys could hold
// hundreds of megabytes; maxKeyBytes bounds them whatever the answers.
const (
	maxKeys     = 10_000
	maxKeyBytes = 16 << 20
	keyTTL      = 24 * time.Hour
)

func (a *keyedAnswer) size(key string) int { return len(key) + len(a.Answer) + 64 }

func newKeyedAnswers() *keyedAnswers {
	return &keyedAnswers{answers: map[string]*keyedAnswer{}, busy: map[string]bool{}}
}

// begin looks key up: the answer given before, or a claim on the key until
// end is called. busy reports a request with the key in progress.
func (k *keyedAnswers) begin(key string, body [sha256.Size]byte, now time.Time) (prev *keyedAnswer, busy bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if a := k.answers[key]; a != nil && now.Sub(a.At) < keyTTL {
		return a, false
	}
	if k.busy[key] {
		return nil, true
	}
	k.busy[key] = true
	return nil, false
}

// end records the answer for key (status 0: none worth keeping, such as a
// refusal the client should retry) and frees it.
func (k *keyedAnswers) end(key string, a *keyedAnswer) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.busy, key)
	if a == nil {
		return
	}
	if prev, ok := k.answers[key]; ok {
		k.bytes -= prev.size(key)
	} else {
		k.order = append(k.order, key)
	}
	k.answers[key] = a
	k.bytes += a.size(key)
	for len(k.order) > maxKeys || k.bytes > maxKeyBytes {
		oldest := k.order[0]
		k.bytes -= k.answers[oldest].size(oldest)
		delete(k.answers, oldest)
		k.order = k.order[1:]
	}
}

func (k *keyedAnswers) marshal() ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	type entry struct {
		Key string `json:"key"`
		*keyedAnswer
	}
	out := make([]entry, 0, len(k.order))
	for _, key := range k.order {
		out = append(out, entry{key, k.answers[key]})
	}
	return json.Marshal(out)
}

func (k *keyedAnswers) restore(b []byte) error {
	var in []struct {
		Key string `json:"key"`
		keyedAnswer
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	for i := range in {
		k.end(in[i].Key, &in[i].keyedAnswer)
	}
	return nil
}

// Checkpoint parts of the ingest state, beside the detectors'.
const (
	partIDs  = "server.ids"
	partKeys = "server.keys"
)

// ingestParts adds the ingest state to a checkpoint's parts. The ids are
// those of events logged so far: the checkpoint is taken with the
// sequencer holding, so none are logged meanwhile.
func (s *Server) ingestParts(parts map[string][]byte) error {
	if parts == nil {
		return nil
	}
	parts[partIDs] = s.ids.marshal()
	keys, err := s.keys.marshal()
	if err != nil {
		return err
	}
	parts[partKeys] = keys
	return nil
}

func (s *Server) restoreIngestState(parts map[string][]byte) {
	s.ids.restore(parts[partIDs])
	if b := parts[partKeys]; len(b) > 0 {
		if err := s.keys.restore(b); err != nil {
			s.log.Warn("checkpoint: Idempotency-Key answers not usable; retries get fresh answers", "err", err)
		}
	}
}
