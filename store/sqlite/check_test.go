package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warden-ml/warden/store"
	"github.com/warden-ml/warden/store/sqlite"
)

// A damaged store is found by Check at once: cut in half, or overwritten in
// the middle. A sound one passes.
func TestCheckFindsDamage(t *testing.T) {
	build := func(t *testing.T) string {
		path := filepath.Join(t.TempDir(), "warden.db")
		db, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		report := []byte(`{"columns":"` + strings.Repeat("x", 4000) + `"}`)
		for i := range 400 {
			when := base.Add(time.Duration(i) * time.Minute)
			if err := db.AddWindow(ctx, store.Window{Model: "m", Kind: store.WindowCount, Start: when, End: when, FirstSeq: int64(i), LastSeq: int64(i), Events: 1, Report: report}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Check(ctx); err != nil {
			t.Fatalf("a sound store: %v", err)
		}
		db.Close()
		os.Remove(path + "-wal")
		os.Remove(path + "-shm")
		return path
	}
	for _, tc := range []struct {
		name   string
		damage func(path string)
	}{
		{"cut in half", func(path string) {
			st, _ := os.Stat(path)
			os.Truncate(path, st.Size()/2)
		}},
		{"overwritten in the middle", func(path string) {
			b, _ := os.ReadFile(path)
			for i := len(b) / 2; i < len(b)/2+8192 && i < len(b); i++ {
				b[i] = byte(i * 7)
			}
			os.WriteFile(path, b, 0o600)
		}},
		{"header overwritten", func(path string) {
			b, _ := os.ReadFile(path)
			copy(b, "this is not sqlite at all")
			os.WriteFile(path, b, 0o600)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := build(t)
			tc.damage(path)
			db, err := sqlite.Open(path)
			if err == nil {
				err = db.Check(context.Background())
				db.Close()
			}
			if err == nil || !sqlite.IsCorrupt(err) {
				t.Fatalf("damaged store: %v; want an error IsCorrupt recognises", err)
			}
			if errors.Is(err, sqlite.ErrCorrupt) || strings.Contains(err.Error(), "not a database") || strings.Contains(err.Error(), "malformed") {
				return
			}
			t.Fatalf("error does not say what is wrong: %v", err)
		})
	}
}
