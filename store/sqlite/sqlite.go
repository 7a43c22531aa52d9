// Package sqlite is the embedded Store: one SQLite database file in WAL
// mode, through the pure-Go modernc.org/sqlite driver (no cgo).
//
// Writes go through a single connection, so they are serialised here
// rather than fighting over SQLite's one write lock; reads use a small pool
// of read-only connections that WAL lets run beside the writer.
//
// Durability: models, alerts, silences, the outbox, checkpoints and pruning
// commit with synchronous=FULL, so they are on stable storage when the call
// returns. Windows and findings commit with synchronous=NORMAL: they are
// derived from events in the event log and written before the checkpoint
// that covers those events, and a FULL commit syncs the whole write-ahead
// file, earlier NORMAL commits included. So a power failure can lose only
// windows and findings newer than the last checkpoint, which replaying the
// event log from that checkpoint writes again (both writes are idempotent).
// Against a process crash (kill -9) every commit is durable.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/warden-ml/warden/store"
)

// DB is a Store in one SQLite file.
type DB struct {
	write *sql.DB // one connection
	read  *sql.DB // read-only pool
}

var _ store.Store = (*DB)(nil)

// readConns is the size of the read pool: enough for the API and dashboard
// beside the pipeline on a small machine.
const readConns = 4

// busyTimeout is how long a connection waits for another process's lock
// (a backup, "warden report" reading the file) before failing.
const busyTimeout = 10 * time.Second

// Open opens or creates the database at path (a file path, not ":memory:":
// the writer and the readers must see the same database) and migrates its
// schema.
func Open(path string) (*DB, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("sqlite: open %q: want a file path", path)
	}
	dsn := func(extra ...string) string {
		q := url.Values{}
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		for _, p := range extra {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	}
	// Alerts and profiles may describe personal data: create the file
	// private. SQLite gives its -wal and -shm files the same mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	f.Close()
	write, err := sql.Open("sqlite", dsn())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	d := &DB{write: write}
	ctx := context.Background()
	conn, err := write.Conn(ctx)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	ms, err := loadMigrations(migrationFiles)
	if err == nil {
		err = checkJournalMode(ctx, conn)
	}
	if err == nil {
		err = migrate(ctx, conn, ms)
	}
	conn.Close()
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	d.read, err = sql.Open("sqlite", dsn("query_only(1)"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	d.read.SetMaxOpenConns(readConns)
	d.read.SetMaxIdleConns(readConns)
	return d, nil
}

// checkJournalMode fails if SQLite could not switch the file to WAL (for
// example on a file system without shared memory), since concurrent reads
// and the durability argument above depend on it.
func checkJournalMode(ctx context.Context, conn *sql.Conn) error {
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if mode != "wal" {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	return nil
}

// Close closes the database.
func (d *DB) Close() error {
	return errors.Join(d.read.Close(), d.write.Close())
}

// durability selects the synchronous level of a write (see the package
// documentation).
type durability string

const (
	durable    durability = "FULL"
	replayable durability = "NORMAL"
)

// inTx runs fn in a write transaction and commits it.
func (d *DB) inTx(ctx context.Context, level durability, fn func(tx *sql.Tx) error) error {
	conn, err := d.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = "+string(level)); err != nil {
		return err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// unset stands for the zero time.Time.
const unset = math.MinInt64

func toNanos(t time.Time) int64 {
	if t.IsZero() {
		return unset
	}
	return t.UnixNano()
}

func fromNanos(ns int64) time.Time {
	if ns == unset {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// limit applies the default and refuses negative limits.
func limit(what string, n int) (int, error) {
	switch {
	case n < 0:
		return 0, fmt.Errorf("%w: %s: limit %d is negative", store.ErrInvalid, what, n)
	case n == 0:
		return store.DefaultLimit, nil
	}
	return n, nil
}

func notFound(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), store.ErrNotFound)
}

// ErrCorrupt marks a store that fails SQLite's integrity check or cannot be
// read as a database at all.
var ErrCorrupt = errors.New("sqlite: the store is damaged")

// Check runs SQLite's quick integrity check (every page and index entry
// readable and well formed, not the cross-checks of a full check), so that
// a damaged store is found at start rather than by the first query that
// touches the damage.
func (d *DB) Check(ctx context.Context) error {
	rows, err := d.write.QueryContext(ctx, `PRAGMA quick_check(20)`)
	if err != nil {
		return corrupt(err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return corrupt(err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return corrupt(err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrCorrupt, strings.Join(problems, "; "))
	}
	return nil
}

// corrupt marks errors that mean damage as ErrCorrupt.
func corrupt(err error) error {
	if IsCorrupt(err) {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return err
}

// IsCorrupt says whether err is SQLite finding the file damaged.
func IsCorrupt(err error) bool {
	if errors.Is(err, ErrCorrupt) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "malformed") || strings.Contains(msg, "not a database") || strings.Contains(msg, "SQLITE_CORRUPT") ||
		strings.Contains(msg, "SQLITE_NOTADB")
}

// Backup writes a consistent copy of the store at src to dst (which must
// not exist) with VACUUM INTO: one read transaction on a read-only
// connection, so a running service goes on writing meanwhile.
func Backup(ctx context.Context, src, dst string) error {
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("sqlite: backup to %s: the file exists", dst)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Set("mode", "ro")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: src}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return fmt.Errorf("sqlite: backup %s: %w", src, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		os.Remove(dst)
		return fmt.Errorf("sqlite: backup %s to %s: %w", src, dst, corrupt(err))
	}
	return os.Chmod(dst, 0o600)
}
