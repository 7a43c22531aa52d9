package file_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/notify"
	"github.com/warden-ml/warden/notify/file"
)

func newSender(t *testing.T, path string) *file.Sender {
	t.Helper()
	s, err := file.New(file.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func send(t *testing.T, s *file.Sender, payloads ...string) {
	t.Helper()
	for _, p := range payloads {
		if err := s.Send(context.Background(), []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
}

func content(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestValidate(t *testing.T) {
	tests := []struct {
		path string
		want string
	}{
		{"/var/log/warden/alerts.jsonl", ""},
		{"alerts.jsonl", ""},
		{"", "path is empty"},
		{"   ", "path is empty"},
		{"a\x00b", "contains a NUL byte"},
		{"/var/log/warden/", "names a directory"},
	}
	for _, tc := range tests {
		err := file.Config{Path: tc.path}.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Validate(%q) = %v, want %q", tc.path, err, tc.want)
		}
		if _, err2 := file.New(file.Config{Path: tc.path}); (err == nil) != (err2 == nil) {
			t.Errorf("New(%q) = %v, Validate = %v", tc.path, err2, err)
		}
	}
}

func TestCreatesFileAndParents(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "alerts.jsonl")
	s := newSender(t, path)
	if s.Name() != "file "+path {
		t.Errorf("Name = %q", s.Name())
	}
	send(t, s, `{"n":1}`, `{"n":2}`+"\n")
	if got, want := content(t, path), "{\"n\":1}\n{\"n\":2}\n"; got != want {
		t.Errorf("file holds %q, want %q", got, want)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700 | os.ModeDir, filepath.Dir(dir): 0o700 | os.ModeDir} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode() != want {
			t.Errorf("%s: mode %s, want %s", p, info.Mode(), want)
		}
	}
}

func TestAppendsToExisting(t *testing.T) {
	tests := []struct {
		name, before, want string
	}{
		{"whole lines", "{\"old\":1}\n", "{\"old\":1}\n{\"n\":1}\n"},
		{"cut off by a crash", "{\"old\":1}\n{\"ol", "{\"old\":1}\n{\"ol\n{\"n\":1}\n"},
		{"empty", "", "{\"n\":1}\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "alerts.jsonl")
			if err := os.WriteFile(path, []byte(tc.before), 0o644); err != nil {
				t.Fatal(err)
			}
			send(t, newSender(t, path), `{"n":1}`)
			if got := content(t, path); got != tc.want {
				t.Errorf("file holds %q, want %q", got, tc.want)
			}
			if info, _ := os.Stat(path); info.Mode() != 0o644 {
				t.Errorf("mode of an existing file changed to %s", info.Mode())
			}
		})
	}
}

func TestReopensAfterRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "alerts.jsonl")
	s := newSender(t, path)
	send(t, s, `{"n":1}`)
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	send(t, s, `{"n":2}`)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	send(t, s, `{"n":3}`)
	if got := content(t, path+".1"); got != "{\"n\":1}\n" {
		t.Errorf("rotated file holds %q", got)
	}
	if got := content(t, path); got != "{\"n\":3}\n" {
		t.Errorf("new file holds %q", got)
	}
}

func TestRecoversFromOpenError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.jsonl")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	s := newSender(t, path)
	err := s.Send(context.Background(), []byte(`{"n":1}`))
	if err == nil || notify.IsPermanent(err) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Send to a directory: %v, want a retryable error naming the path", err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	send(t, s, `{"n":2}`)
	if got := content(t, path); got != "{\"n\":2}\n" {
		t.Errorf("file holds %q", got)
	}
}

func TestRefusesNonLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.jsonl")
	s := newSender(t, path)
	for _, p := range []string{"", "\n", "{}\n{}"} {
		if err := s.Send(context.Background(), []byte(p)); !notify.IsPermanent(err) {
			t.Errorf("Send(%q): %v, want a permanent error", p, err)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("refused payloads created the file: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, []byte("{}")); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context: %v", err)
	}
}

func TestCloseThenSend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.jsonl")
	s := newSender(t, path)
	send(t, s, "1")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	send(t, s, "2")
	if got := content(t, path); got != "1\n2\n" {
		t.Errorf("file holds %q", got)
	}
}

func TestConcurrentSendsKeepLinesWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.jsonl")
	s := newSender(t, path)
	const writers, each = 4, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				p := fmt.Sprintf(`{"w":%d,"i":%d,"pad":"%s"}`, w, i, strings.Repeat("x", 5000*w))
				if err := s.Send(context.Background(), []byte(p)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(content(t, path), "\n"), "\n")
	if len(lines) != writers*each {
		t.Fatalf("%d lines, want %d", len(lines), writers*each)
	}
	seen := map[[2]int]bool{}
	for _, l := range lines {
		var w, i int
		var pad string
		if _, err := fmt.Sscanf(l, `{"w":%d,"i":%d,"pad":%q}`, &w, &i, &pad); err != nil || len(pad) != 5000*w {
			t.Fatalf("mixed line %.80q", l)
		}
		seen[[2]int{w, i}] = true
	}
	if len(seen) != writers*each {
		t.Errorf("%d distinct lines, want %d", len(seen), writers*each)
	}
}

func BenchmarkSend(b *testing.B) {
	a := alert.Alert{ID: "abc-1", Fingerprint: "abc", Time: time.Unix(1700000000, 0), Type: alert.KindDrift,
		Severity: alert.High, Model: "m", Subject: "amount", Source: "drift/ks", Summary: "amount drifted"}
	p, err := notify.JSONLine(notify.Notification{Model: a.Model, Alerts: []alert.Alert{a}})
	if err != nil {
		b.Fatal(err)
	}
	s, err := file.New(file.Config{Path: filepath.Join(b.TempDir(), "alerts.jsonl")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if err := s.Send(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
}
