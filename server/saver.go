package server

import (
	"context"
	"sync"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/store"
)

// saver writes the detectors' windows and findings off the goroutine that
// produces them, many to a transaction: the pipeline's merger hands them
// over and goes on evaluating. A checkpoint first waits for the saver to
// catch up (flush), so it never moves past a result not yet saved.
type saver struct {
	s    *Server
	mu   sync.Mutex
	cond sync.Cond // signalled when work arrives or a write ends

	windows  []store.Window
	findings []alert.Finding
	writing  bool // a batch is being written
	closed   bool
	done     chan struct{}
}

// maxSaveBatch bounds a transaction, so that one slow write does not hold
// a huge batch; maxQueued bounds what waits, so that a slow disk slows the
// detectors down rather than filling the memory.
const (
	maxSaveBatch = 512
	maxQueued    = 8192
)

func newSaver(s *Server) *saver {
	sv := &saver{s: s, done: make(chan struct{})}
	sv.cond.L = &sv.mu
	go sv.run()
	return sv
}

func (sv *saver) window(w store.Window) {
	sv.mu.Lock()
	sv.wait()
	sv.windows = append(sv.windows, w)
	sv.mu.Unlock()
	sv.cond.Broadcast()
}

func (sv *saver) finding(f alert.Finding) {
	sv.mu.Lock()
	sv.wait()
	sv.findings = append(sv.findings, f)
	sv.mu.Unlock()
	sv.cond.Broadcast()
}

// wait holds a producer while the queue is full. Called with sv.mu held.
func (sv *saver) wait() {
	for len(sv.windows)+len(sv.findings) >= maxQueued && !sv.closed {
		sv.cond.Wait()
	}
}

func (sv *saver) run() {
	defer close(sv.done)
	sv.mu.Lock()
	defer sv.mu.Unlock()
	for {
		for len(sv.windows) == 0 && len(sv.findings) == 0 && !sv.closed {
			sv.cond.Wait()
		}
		if len(sv.windows) == 0 && len(sv.findings) == 0 {
			return // closed and drained
		}
		nw := min(len(sv.windows), maxSaveBatch)
		nf := min(len(sv.findings), maxSaveBatch-nw)
		ws, fs := sv.windows[:nw:nw], sv.findings[:nf:nf]
		sv.windows, sv.findings = sv.windows[nw:], sv.findings[nf:]
		sv.writing = true
		sv.mu.Unlock()
		sv.write(ws, fs)
		sv.mu.Lock()
		sv.writing = false
		sv.cond.Broadcast()
	}
}

func (sv *saver) write(ws []store.Window, fs []alert.Finding) {
	s := sv.s
	// After a failed save nothing more is saved until recovery redoes it
	// all; these are counted among the results to redo.
	if n := s.health.unsaved.Load(); n > 0 {
		s.health.unsaved.Add(int64(len(ws) + len(fs)))
		return
	}
	if err := s.db.SaveResults(context.Background(), ws, fs); err != nil {
		s.health.unsaved.Add(int64(len(ws)+len(fs)) - 1)
		s.writeFailed("storing windows and findings", err, true)
	}
}

// flush waits until everything handed over so far is written (or counted
// as unsaved).
func (sv *saver) flush() {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	for len(sv.windows) > 0 || len(sv.findings) > 0 || sv.writing {
		sv.cond.Wait()
	}
}

// close writes what is left and stops the saver.
func (sv *saver) close() {
	sv.mu.Lock()
	sv.closed = true
	sv.mu.Unlock()
	sv.cond.Broadcast()
	<-sv.done
}
