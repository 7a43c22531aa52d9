// Package file is the receiver that appends notifications to a file, one
// JSON line each (notify.JSONLine: the alerts of one evaluation of a
// model), for log shippers and for keeping a local record.
//
// Every line is written with one write call and synced (fsync) before Send
// returns, because the dispatcher marks the notification delivered as soon
// as it does: a delivered notification is on disk. Notifications are few,
// so a sync per line costs little.
//
// The file is created with mode 0600 (alerts name models, users and
// inputs), its missing parent directories with 0700. It is reopened when
// a write fails and when the path no longer names the open file, as after
// log rotation by renaming. A write that fails part way is cut off again,
// and a file that does not end in a line break (a crash mid-write) gets
// one before the next line, so every notification is a whole line of its
// own.
package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/warden-ml/warden/notify"
	"github.com/warden-ml/warden/notify/internal/line"
)

// Config configures a file receiver.
type Config struct {
	Path string // the file to append to
}

// Validate checks the configuration without touching the file system.
func (c Config) Validate() error {
	switch {
	case strings.TrimSpace(c.Path) == "":
		return errors.New("file receiver: path is empty")
	case strings.ContainsRune(c.Path, 0):
		return fmt.Errorf("file receiver: path %q contains a NUL byte", c.Path)
	case strings.HasSuffix(c.Path, "/") || strings.HasSuffix(c.Path, string(filepath.Separator)):
		return fmt.Errorf("file receiver: path %q names a directory, want a file", c.Path)
	}
	return nil
}

// Sender appends payloads to the configured file. It is safe for
// concurrent use; lines are written one at a time.
type Sender struct {
	path string

	mu sync.Mutex
	f  *os.File // nil until the first Send and after a failure
	// unterminated: the file does not end in a line break, so the next
	// line starts with one.
	unterminated bool
}

var _ notify.Sender = (*Sender)(nil)

// New returns a sender for cfg. The file is opened by the first Send.
func New(cfg Config) (*Sender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Sender{path: cfg.Path}, nil
}

// Name implements notify.Sender.
func (s *Sender) Name() string { return "file " + s.path }

// Send appends payload as one line, adding the final "\n" if it lacks one,
// and syncs the file. A payload that is empty or holds a line break is
// refused as a permanent error; file system errors are retryable, since
// an operator can fix them while notifications wait in the outbox.
func (s *Sender) Send(ctx context.Context, payload []byte) error {
	p, err := line.Terminated(payload)
	if err != nil {
		return notify.Permanent(fmt.Errorf("%s: %w", s.Name(), err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.write(p); err != nil {
		return fmt.Errorf("%s: %w", s.Name(), err)
	}
	return nil
}

func (s *Sender) write(p []byte) error {
	if err := s.open(); err != nil {
		return err
	}
	info, err := s.f.Stat()
	if err != nil {
		s.closeFile()
		return err
	}
	if s.unterminated {
		p = append([]byte{'\n'}, p...)
	}
	n, err := s.f.Write(p)
	if err == nil {
		err = s.f.Sync()
	}
	if err != nil {
		if n > 0 {
			// Best effort: if the fragment stays, reopening sees that the
			// file does not end in a line break.
			s.f.Truncate(info.Size())
		}
		s.closeFile()
		return err
	}
	s.unterminated = false
	return nil
}

// open makes s.f the file at s.path, reopening it if the path now names
// another file or none.
func (s *Sender) open() error {
	if s.f != nil {
		cur, err := os.Stat(s.path)
		if old, err2 := s.f.Stat(); err == nil && err2 == nil && os.SameFile(cur, old) {
			return nil
		}
		s.closeFile()
	}
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = s.create()
	}
	if err != nil {
		return err
	}
	unterminated, err := endsUnterminated(f)
	if err != nil {
		f.Close()
		return err
	}
	s.f, s.unterminated = f, unterminated
	return nil
}

// create makes the file and any missing parent directories, and syncs the
// directory so that the new file's name survives a crash.
func (s *Sender) create() (*os.File, error) {
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// endsUnterminated reports whether f is non-empty and its last byte is not
// a line break.
func endsUnterminated(f *os.File) (bool, error) {
	info, err := f.Stat()
	if err != nil || info.Size() == 0 {
		return false, err
	}
	var last [1]byte
	if _, err := f.ReadAt(last[:], info.Size()-1); err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	return last[0] != '\n', nil
}

func (s *Sender) closeFile() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// Close closes the file; a later Send opens it again. Call it after the
// dispatcher has stopped.
func (s *Sender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}
