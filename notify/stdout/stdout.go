// Package stdout is the receiver that writes notifications to standard
// output, one JSON line each (notify.JSONLine: the alerts of one
// evaluation of a model), for piping into other tools or a container's
// log collector.
package stdout

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/warden-ml/warden/notify"
	"github.com/warden-ml/warden/notify/internal/line"
)

// Sender writes each payload as one line. Writes are serialised, so lines
// from concurrent sends never mix.
type Sender struct {
	mu sync.Mutex
	w  io.Writer
	// broken is set when a write failed part way: the next line starts
	// with a line break so that it does not continue the fragment.
	broken bool
}

var _ notify.Sender = (*Sender)(nil)

// New returns a sender that writes to w, or to os.Stdout if w is nil.
func New(w io.Writer) *Sender {
	if w == nil {
		w = os.Stdout
	}
	return &Sender{w: w}
}

// Name implements notify.Sender.
func (s *Sender) Name() string { return "stdout" }

// Send writes payload, adding the final "\n" if it lacks one. A payload
// that is empty or holds a line break is refused as a permanent error;
// write errors are retryable.
func (s *Sender) Send(ctx context.Context, payload []byte) error {
	p, err := line.Terminated(payload)
	if err != nil {
		return notify.Permanent(fmt.Errorf("stdout: %w", err))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken {
		p = append([]byte{'\n'}, p...)
	}
	n, err := s.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		s.broken = s.broken || n > 0
		return fmt.Errorf("stdout: %w", err)
	}
	s.broken = false
	return nil
}
