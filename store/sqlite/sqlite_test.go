package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/store"
	"github.com/warden-ml/warden/store/storetest"
)

func openTemp(t testing.TB) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "warden.db"))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

func TestPragmas(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	ctx := context.Background()
	tests := []struct {
		db     *sql.DB
		pragma string
		want   string
	}{
		{db.write, "journal_mode", "wal"},
		{db.read, "journal_mode", "wal"},
		{db.write, "foreign_keys", "1"},
		{db.write, "busy_timeout", "10000"},
		{db.write, "synchronous", "2"}, // FULL between writes
		{db.read, "query_only", "1"},
	}
	for _, tc := range tests {
		var got string
		if err := tc.db.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("PRAGMA %s = %s, want %s", tc.pragma, got, tc.want)
		}
	}
	if _, err := db.read.ExecContext(ctx, "DELETE FROM models"); err == nil {
		t.Error("the read pool accepted a write")
	}
}

func TestFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(filepath.Join(dir, "warden.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PutModel(context.Background(), store.Model{Name: "m"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"warden.db", "warden.db-wal", "warden.db-shm"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v; want no access for group and others", name, st.Mode().Perm())
		}
	}
}

func TestOpenRefusesMemory(t *testing.T) {
	for _, path := range []string{"", ":memory:"} {
		if _, err := Open(path); err == nil {
			t.Errorf("Open(%q) succeeded", path)
		}
	}
}

func schemaVersion(t *testing.T, path string) int {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var v int
	if err := raw.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMigrations(t *testing.T) {
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "warden.db")

	t.Run("fresh", func(t *testing.T) {
		db, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.PutModel(context.Background(), store.Model{Name: "kept"}); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if v := schemaVersion(t, path); v != len(ms) {
			t.Fatalf("schema version %d, want %d", v, len(ms))
		}
	})
	t.Run("already migrated", func(t *testing.T) {
		db, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Model(context.Background(), "kept"); err != nil {
			t.Fatalf("data lost on reopening: %v", err)
		}
		if v := schemaVersion(t, path); v != len(ms) {
			t.Fatalf("schema version %d, want %d", v, len(ms))
		}
	})
	t.Run("newer database refused", func(t *testing.T) {
		newer := filepath.Join(t.TempDir(), "newer.db")
		db, err := Open(newer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.write.Exec(`INSERT INTO schema_migrations (version, name) VALUES (?, 'from_the_future')`, len(ms)+1); err != nil {
			t.Fatal(err)
		}
		db.Close()
		_, err = Open(newer)
		if err == nil || !strings.Contains(err.Error(), "newer than this build") {
			t.Fatalf("Open of a newer database: %v", err)
		}
	})
}

// TestMigrateSteps runs the migration runner over synthetic migrations:
// pending ones apply in order, and a failing one leaves nothing behind.
func TestMigrateSteps(t *testing.T) {
	files := fstest.MapFS{
		"migrations/0001_a.sql": {Data: []byte(`CREATE TABLE a (x INTEGER);`)},
		"migrations/0002_b.sql": {Data: []byte(`CREATE TABLE b (y INTEGER); INSERT INTO b VALUES (1);`)},
		"migrations/0003_c.sql": {Data: []byte(`CREATE TABLE c (z INTEGER); INSERT INTO nowhere VALUES (1);`)},
	}
	ms, err := loadMigrations(files)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tables := func() string {
		rows, err := conn.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			names = append(names, n)
		}
		return strings.Join(names, ",")
	}
	steps := []struct {
		upTo    int
		wantErr string
		tables  string
	}{
		{1, "", "a,schema_migrations"},
		{2, "", "a,b,schema_migrations"},
		{2, "", "a,b,schema_migrations"},
		{3, "migration 0003_c", "a,b,schema_migrations"},
		{1, "newer than this build", "a,b,schema_migrations"},
	}
	for _, st := range steps {
		err := migrate(ctx, conn, ms[:st.upTo])
		if st.wantErr == "" && err != nil || st.wantErr != "" && (err == nil || !strings.Contains(err.Error(), st.wantErr)) {
			t.Errorf("migrate up to %d: %v, want error %q", st.upTo, err, st.wantErr)
		}
		if got := tables(); got != st.tables {
			t.Errorf("migrate up to %d: tables %s, want %s", st.upTo, got, st.tables)
		}
	}

	bad := []fstest.MapFS{
		{"migrations/0002_gap.sql": {Data: []byte(`SELECT 1;`)}},
		{"migrations/first.sql": {Data: []byte(`SELECT 1;`)}},
	}
	for _, fsys := range bad {
		if _, err := loadMigrations(fsys); err == nil {
			t.Errorf("loadMigrations accepted %v", fsys)
		}
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "warden.db")
	ctx := context.Background()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2024, 5, 1, 0, 0, 0, 1, time.UTC)
	a := alert.Alert{ID: "a-1", Fingerprint: "f", Time: base, Type: alert.KindDrift, Severity: alert.High, Model: "m"}
	writes := []error{
		db.PutModel(ctx, store.Model{Name: "m", Config: []byte(`{}`), CreatedAt: base}),
		db.AddWindow(ctx, store.Window{Model: "m", Kind: store.WindowCount, End: base, LastSeq: 9}),
		db.RecordFinding(ctx, alert.Finding{Kind: alert.KindDrift, Model: "m", Time: base}),
		func() error { _, _, err := db.UpsertAlert(ctx, a); return err }(),
		db.Enqueue(ctx, store.Delivery{Receiver: "r", AlertID: "a-1"}),
		db.AddSilence(ctx, store.Silence{ID: "s", Matchers: map[string]string{"model": "m"}, StartsAt: base, EndsAt: base.Add(time.Hour)}),
		db.SaveCheckpoint(ctx, store.Checkpoint{Position: []byte("p"), At: base}),
	}
	if err := errors.Join(writes...); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checks := []struct {
		what string
		n    func() (int, error)
	}{
		{"models", func() (int, error) { m, err := db.Models(ctx); return len(m), err }},
		{"windows", func() (int, error) { w, err := db.Windows(ctx, store.WindowFilter{Model: "m"}); return len(w), err }},
		{"findings", func() (int, error) { f, err := db.Findings(ctx, "m", time.Time{}, 0); return len(f), err }},
		{"alerts", func() (int, error) { a, err := db.Alerts(ctx, store.AlertFilter{}); return len(a), err }},
		{"deliveries", func() (int, error) { d, err := db.Due(ctx, base, 0); return len(d), err }},
		{"silences", func() (int, error) { s, err := db.Silences(ctx); return len(s), err }},
		{"checkpoint", func() (int, error) {
			_, ok, err := db.LoadCheckpoint(ctx)
			if ok {
				return 1, err
			}
			return 0, err
		}},
	}
	for _, c := range checks {
		n, err := c.n()
		if err != nil || n != 1 {
			t.Errorf("%s after reopening: %d, %v; want 1", c.what, n, err)
		}
	}
}
