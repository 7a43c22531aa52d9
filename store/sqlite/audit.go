package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/warden-ml/warden/store"
)

// AddAudit records an audit entry; it must reach the disk, since it is
// evidence, so it is written durably.
func (d *DB) AddAudit(ctx context.Context, e store.AuditEntry) (int64, error) {
	if err := store.CheckTime("audit entry", e.Time); err != nil {
		return 0, err
	}
	if e.Action == "" {
		return 0, fmt.Errorf("%w: audit entry: action is empty", store.ErrInvalid)
	}
	detail, err := jsonText(e.Detail)
	if err != nil {
		return 0, fmt.Errorf("%w: audit entry %s: detail: %v", store.ErrInvalid, e.Action, err)
	}
	var id int64
	err = d.inTx(ctx, durable, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO audit (time_ns, actor, remote, action, target, detail)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			toNanos(e.Time), e.Actor, e.Remote, e.Action, e.Target, detail).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: add audit entry: %w", err)
	}
	return id, nil
}

// Audit lists the entries f selects, newest first.
func (d *DB) Audit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	n, err := limit("audit entries", f.Limit)
	if err != nil {
		return nil, err
	}
	q := `SELECT id, time_ns, actor, remote, action, target, detail FROM audit WHERE 1=1`
	var args []any
	if !f.Since.IsZero() {
		if err := store.CheckTime("audit since", f.Since); err != nil {
			return nil, err
		}
		q += ` AND time_ns >= ?`
		args = append(args, toNanos(f.Since))
	}
	switch {
	case strings.HasSuffix(f.Action, "."):
		q += ` AND substr(action, 1, ?) = ?`
		args = append(args, len(f.Action), f.Action)
	case f.Action != "":
		q += ` AND action = ?`
		args = append(args, f.Action)
	}
	if f.Before > 0 {
		q += ` AND id < ?`
		args = append(args, f.Before)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	es, err := query(ctx, d.read, scanAudit, q, append(args, n)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	return es, nil
}

func scanAudit(row interface{ Scan(...any) error }) (store.AuditEntry, error) {
	var e store.AuditEntry
	var at int64
	var detail sql.NullString
	if err := row.Scan(&e.ID, &at, &e.Actor, &e.Remote, &e.Action, &e.Target, &detail); err != nil {
		return store.AuditEntry{}, err
	}
	e.Time = fromNanos(at)
	if detail.Valid {
		if err := json.Unmarshal([]byte(detail.String), &e.Detail); err != nil {
			return store.AuditEntry{}, fmt.Errorf("audit entry %d: detail: %w", e.ID, err)
		}
	}
	return e, nil
}
