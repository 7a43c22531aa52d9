package stdout_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/notify"
	"github.com/warden-ml/warden/notify/stdout"
)

func TestSendWritesLines(t *testing.T) {
	var buf bytes.Buffer
	s := stdout.New(&buf)
	for _, p := range []string{`{"n":1}` + "\n", `{"n":2}`} {
		if err := s.Send(context.Background(), []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := buf.String(), "{\"n\":1}\n{\"n\":2}\n"; got != want {
		t.Errorf("wrote %q, want %q", got, want)
	}
	if s.Name() != "stdout" {
		t.Errorf("Name = %q", s.Name())
	}
}

func TestSendRefusesNonLines(t *testing.T) {
	var buf bytes.Buffer
	s := stdout.New(&buf)
	for _, p := range []string{"", "\n", "a\nb"} {
		err := s.Send(context.Background(), []byte(p))
		if !notify.IsPermanent(err) {
			t.Errorf("Send(%q): %v, want a permanent error", p, err)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %q", buf.String())
	}
}

func TestSendCancelled(t *testing.T) {
	var buf bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := stdout.New(&buf).Send(ctx, []byte("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context: %v", err)
	}
}

// flaky writes only part of its first write, then fails; later writes
// succeed.
type flaky struct {
	bytes.Buffer
	failed bool
}

func (f *flaky) Write(p []byte) (int, error) {
	if !f.failed {
		f.failed = true
		n, _ := f.Buffer.Write(p[:3])
		return n, errors.New("disk full")
	}
	return f.Buffer.Write(p)
}

func TestPartialWriteDoesNotJoinLines(t *testing.T) {
	w := &flaky{}
	s := stdout.New(w)
	err := s.Send(context.Background(), []byte(`{"n":1}`))
	if err == nil || notify.IsPermanent(err) || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("first Send: %v, want a retryable error", err)
	}
	for _, p := range []string{`{"n":1}`, `{"n":2}`} {
		if err := s.Send(context.Background(), []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := w.String(), "{\"n\n{\"n\":1}\n{\"n\":2}\n"; got != want {
		t.Errorf("wrote %q, want the fragment on a line of its own: %q", got, want)
	}
}

// Concurrent sends to an unsynchronised writer still give whole lines.
func TestConcurrentSendsKeepLinesWhole(t *testing.T) {
	var buf bytes.Buffer
	s := stdout.New(&buf)
	var wg sync.WaitGroup
	const writers, each = 8, 50
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				line := fmt.Sprintf(`{"writer":%d,"i":%d,"pad":"%s"}`, w, i, strings.Repeat("x", 100*w))
				if err := s.Send(context.Background(), []byte(line)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != writers*each {
		t.Fatalf("%d lines, want %d", len(lines), writers*each)
	}
	for _, l := range lines {
		var w, i int
		var pad string
		if _, err := fmt.Sscanf(l, `{"writer":%d,"i":%d,"pad":%q}`, &w, &i, &pad); err != nil || len(pad) != 100*w {
			t.Fatalf("mixed line %q", l)
		}
	}
}

func BenchmarkSend(b *testing.B) {
	a := alert.Alert{ID: "abc-1", Fingerprint: "abc", Time: time.Unix(1700000000, 0), Type: alert.KindDrift,
		Severity: alert.High, Model: "m", Subject: "amount", Source: "drift/ks", Summary: "amount drifted"}
	p, err := notify.JSONLine(notify.Notification{Model: a.Model, Alerts: []alert.Alert{a}})
	if err != nil {
		b.Fatal(err)
	}
	s := stdout.New(io.Discard)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if err := s.Send(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
}
