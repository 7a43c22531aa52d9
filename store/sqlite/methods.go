package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/store"
)

// PutModel inserts or replaces the model with m.Name.
func (d *DB) PutModel(ctx context.Context, m store.Model) error {
	if err := m.Validate(); err != nil {
		return err
	}
	err := d.inTx(ctx, durable, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO models (name, config, profile, created_ns, updated_ns)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET config = excluded.config, profile = excluded.profile,
				created_ns = excluded.created_ns, updated_ns = excluded.updated_ns`,
			m.Name, m.Config, m.Profile, toNanos(m.CreatedAt), toNanos(m.UpdatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: put model %q: %w", m.Name, err)
	}
	return nil
}

const modelColumns = `name, config, profile, created_ns, updated_ns`

func scanModel(row interface{ Scan(...any) error }) (store.Model, error) {
	var m store.Model
	var created, updated int64
	if err := row.Scan(&m.Name, &m.Config, &m.Profile, &created, &updated); err != nil {
		return store.Model{}, err
	}
	m.CreatedAt, m.UpdatedAt = fromNanos(created), fromNanos(updated)
	return m, nil
}

// Model returns the model called name.
func (d *DB) Model(ctx context.Context, name string) (store.Model, error) {
	m, err := scanModel(d.read.QueryRowContext(ctx, `SELECT `+modelColumns+` FROM models WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Model{}, notFound("model %q", name)
	}
	if err != nil {
		return store.Model{}, fmt.Errorf("sqlite: model %q: %w", name, err)
	}
	return m, nil
}

// Models lists all models by name.
func (d *DB) Models(ctx context.Context) ([]store.Model, error) {
	ms, err := query(ctx, d.read, scanModel, `SELECT `+modelColumns+` FROM models ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: models: %w", err)
	}
	return ms, nil
}

// DeleteModel deletes the model called name; its history stays.
func (d *DB) DeleteModel(ctx context.Context, name string) error {
	err := d.inTx(ctx, durable, func(tx *sql.Tx) error {
		return mustAffect(tx.ExecContext(ctx, `DELETE FROM models WHERE name = ?`, name))
	})
	if errors.Is(err, errNoRows) {
		return notFound("model %q", name)
	}
	if err != nil {
		return fmt.Errorf("sqlite: delete model %q: %w", name, err)
	}
	return nil
}

// AddWindow records w unless a window with its identity is stored.
func (d *DB) AddWindow(ctx context.Context, w store.Window) error {
	if err := w.Validate(); err != nil {
		return err
	}
	err := d.inTx(ctx, replayable, func(tx *sql.Tx) error { return addWindow(ctx, tx, w) })
	if err != nil {
		return fmt.Errorf("sqlite: add window of model %q: %w", w.Model, err)
	}
	return nil
}

func addWindow(ctx context.Context, tx *sql.Tx, w store.Window) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO windows
		(model, kind, end_ns, last_seq, start_ns, first_seq, events, late, drift, report)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
		w.Model, w.Kind, toNanos(w.End), w.LastSeq, toNanos(w.Start), w.FirstSeq, w.Events, w.Late, w.Drift, text(w.Report))
	return err
}

func scanWindow(row interface{ Scan(...any) error }) (store.Window, error) {
	var w store.Window
	var start, end int64
	var report sql.NullString
	if err := row.Scan(&w.Model, &w.Kind, &end, &w.LastSeq, &start, &w.FirstSeq, &w.Events, &w.Late, &w.Drift, &report); err != nil {
		return store.Window{}, err
	}
	w.Start, w.End = fromNanos(start), fromNanos(end)
	if report.Valid {
		w.Report = []byte(report.String)
	}
	return w, nil
}

// Windows lists the windows of model ("" for all), newest first.
func (d *DB) Windows(ctx context.Context, f store.WindowFilter) ([]store.Window, error) {
	n, err := limit("windows", f.Limit)
	if err != nil {
		return nil, err
	}
	q := `SELECT model, kind, end_ns, last_seq, start_ns, first_seq, events, late, drift, report FROM windows WHERE 1=1`
	var args []any
	if f.Model != "" {
		q += ` AND model = ?`
		args = append(args, f.Model)
	}
	if len(f.Kinds) > 0 {
		q += ` AND kind IN (?` + strings.Repeat(`, ?`, len(f.Kinds)-1) + `)`
		for _, k := range f.Kinds {
			args = append(args, k)
		}
	}
	if !f.EndAfter.IsZero() {
		q += ` AND end_ns > ?`
		args = append(args, toNanos(f.EndAfter))
	}
	if !f.EndUntil.IsZero() {
		q += ` AND end_ns <= ?`
		args = append(args, toNanos(f.EndUntil))
	}
	q += ` ORDER BY end_ns DESC, last_seq DESC, model, kind LIMIT ?`
	ws, err := query(ctx, d.read, scanWindow, q, append(args, n)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: windows of model %q: %w", f.Model, err)
	}
	return ws, nil
}

// RecordFinding keeps f unless a finding with its identity is stored.
func (d *DB) RecordFinding(ctx context.Context, f alert.Finding) error {
	if err := store.ValidateFinding(f); err != nil {
		return err
	}
	err := d.inTx(ctx, replayable, func(tx *sql.Tx) error { return recordFinding(ctx, tx, f) })
	if err != nil {
		return fmt.Errorf("sqlite: record finding %s of model %q: %w", f.Kind, f.Model, err)
	}
	return nil
}

func recordFinding(ctx context.Context, tx *sql.Tx, f alert.Finding) error {
	evidence, err := jsonText(f.Evidence)
	if err != nil {
		return fmt.Errorf("%w: finding %s of model %q: evidence: %v", store.ErrInvalid, f.Kind, f.Model, err)
	}
	var score sql.NullFloat64
	if !math.IsNaN(f.Score) {
		score = sql.NullFloat64{Float64: f.Score, Valid: true}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO findings (model, kind, subject, time_ns, severity, score, evidence)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
		f.Model, string(f.Kind), f.Subject, toNanos(f.Time), int(f.Severity), score, evidence)
	return err
}

// SaveResults stores windows and findings in one transaction: what the
// detectors produce, written in batches rather than one transaction each.
// Like AddWindow and RecordFinding it is idempotent.
func (d *DB) SaveResults(ctx context.Context, windows []store.Window, findings []alert.Finding) error {
	for _, w := range windows {
		if err := w.Validate(); err != nil {
			return err
		}
	}
	for _, f := range findings {
		if err := store.ValidateFinding(f); err != nil {
			return err
		}
	}
	err := d.inTx(ctx, replayable, func(tx *sql.Tx) error {
		for _, w := range windows {
			if err := addWindow(ctx, tx, w); err != nil {
				return err
			}
		}
		for _, f := range findings {
			if err := recordFinding(ctx, tx, f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: save %d windows and %d findings: %w", len(windows), len(findings), err)
	}
	return nil
}

func scanFinding(row interface{ Scan(...any) error }) (alert.Finding, error) {
	var f alert.Finding
	var kind string
	var at int64
	var severity int
	var score sql.NullFloat64
	var evidence sql.NullString
	if err := row.Scan(&f.Model, &kind, &f.Subject, &at, &severity, &score, &evidence); err != nil {
		return alert.Finding{}, err
	}
	f.Kind, f.Time, f.Severity, f.Score = alert.Kind(kind), fromNanos(at), alert.Severity(severity), math.NaN()
	if score.Valid {
		f.Score = score.Float64
	}
	if evidence.Valid {
		if err := json.Unmarshal([]byte(evidence.String), &f.Evidence); err != nil {
			return alert.Finding{}, fmt.Errorf("finding %s of model %q: evidence: %w", kind, f.Model, err)
		}
	}
	return f, nil
}

// Findings lists the findings of model ("" for all) at or after since,
// newest first.
func (d *DB) Findings(ctx context.Context, model string, since time.Time, n int) ([]alert.Finding, error) {
	n, err := limit("findings", n)
	if err != nil {
		return nil, err
	}
	if err := store.CheckTime("findings since", since); err != nil {
		return nil, err
	}
	const columns = `SELECT model, kind, subject, time_ns, severity, score, evidence FROM findings `
	var fs []alert.Finding
	if model == "" {
		fs, err = query(ctx, d.read, scanFinding, columns+`WHERE time_ns >= ? ORDER BY time_ns DESC, model, kind, subject LIMIT ?`, toNanos(since), n)
	} else {
		fs, err = query(ctx, d.read, scanFinding, columns+`WHERE model = ? AND time_ns >= ? ORDER BY time_ns DESC, kind, subject LIMIT ?`, model, toNanos(since), n)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: findings of model %q: %w", model, err)
	}
	return fs, nil
}

const alertColumns = `id, fingerprint, time_ns, type, severity, model, subject, source, summary, details,
	state, acked_by, acked_ns, first_seen_ns, count`

func scanAlert(row interface{ Scan(...any) error }) (store.AlertRecord, error) {
	var r store.AlertRecord
	var at, acked, firstSeen int64
	var typ, state string
	var severity int
	var details sql.NullString
	if err := row.Scan(&r.ID, &r.Fingerprint, &at, &typ, &severity, &r.Model, &r.Subject, &r.Source, &r.Summary, &details,
		&state, &r.AckedBy, &acked, &firstSeen, &r.Count); err != nil {
		return store.AlertRecord{}, err
	}
	r.Time, r.AckedAt, r.FirstSeen = fromNanos(at), fromNanos(acked), fromNanos(firstSeen)
	r.Type, r.Severity, r.State = alert.Kind(typ), alert.Severity(severity), store.AlertState(state)
	if details.Valid {
		if err := json.Unmarshal([]byte(details.String), &r.Details); err != nil {
			return store.AlertRecord{}, fmt.Errorf("alert %s: details: %w", r.ID, err)
		}
	}
	return r, nil
}

// UpsertAlert stores a new alert as firing; an ID already stored returns
// the stored record with created = false.
func (d *DB) UpsertAlert(ctx context.Context, a alert.Alert) (store.AlertRecord, bool, error) {
	if err := store.ValidateAlert(a); err != nil {
		return store.AlertRecord{}, false, err
	}
	details, err := jsonText(a.Details)
	if err != nil {
		return store.AlertRecord{}, false, fmt.Errorf("%w: alert %s: details: %v", store.ErrInvalid, a.ID, err)
	}
	var rec store.AlertRecord
	var created bool
	err = d.inTx(ctx, durable, func(tx *sql.Tx) error {
		var err error
		rec, err = scanAlert(tx.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = ?`, a.ID))
		if err != sql.ErrNoRows {
			return err
		}
		// Carry the fingerprint's history on from the newest alert at or
		// before this one.
		firstSeen, count := toNanos(a.Time), 1
		var prevFirst int64
		var prevCount int
		err = tx.QueryRowContext(ctx, `SELECT first_seen_ns, count FROM alerts
			WHERE fingerprint = ? AND time_ns <= ? ORDER BY time_ns DESC, id DESC LIMIT 1`,
			a.Fingerprint, toNanos(a.Time)).Scan(&prevFirst, &prevCount)
		switch {
		case err == nil:
			firstSeen, count = min(firstSeen, prevFirst), prevCount+1
		case err != sql.ErrNoRows:
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO alerts (`+alertColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)`,
			a.ID, a.Fingerprint, toNanos(a.Time), string(a.Type), int(a.Severity), a.Model, a.Subject, a.Source, a.Summary, details,
			string(store.StateFiring), unset, firstSeen, count); err != nil {
			return err
		}
		created = true
		rec, err = scanAlert(tx.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = ?`, a.ID))
		return err
	})
	if err != nil {
		return store.AlertRecord{}, false, fmt.Errorf("sqlite: upsert alert %s: %w", a.ID, err)
	}
	return rec, created, nil
}

// Alert returns the alert with id.
func (d *DB) Alert(ctx context.Context, id string) (store.AlertRecord, error) {
	r, err := scanAlert(d.read.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.AlertRecord{}, notFound("alert %q", id)
	}
	if err != nil {
		return store.AlertRecord{}, fmt.Errorf("sqlite: alert %q: %w", id, err)
	}
	return r, nil
}

// Alerts lists the alerts f selects, newest first.
func (d *DB) Alerts(ctx context.Context, f store.AlertFilter) ([]store.AlertRecord, error) {
	n, err := limit("alerts", f.Limit)
	if err != nil {
		return nil, err
	}
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.Model != "" {
		add("model = ?", f.Model)
	}
	if f.Type != "" {
		add("type = ?", string(f.Type))
	}
	if f.MinSeverity > alert.None {
		add("severity >= ?", int(f.MinSeverity))
	}
	if !f.Since.IsZero() {
		if err := store.CheckTime("alerts since", f.Since); err != nil {
			return nil, err
		}
		add("time_ns >= ?", toNanos(f.Since))
	}
	if f.State != "" {
		add("state = ?", string(f.State))
	}
	if c := f.After; c != nil {
		if err := store.CheckTime("alerts after", c.Time); err != nil {
			return nil, err
		}
		where = append(where, "(time_ns < ? OR (time_ns = ? AND id < ?))")
		args = append(args, toNanos(c.Time), toNanos(c.Time), c.ID)
	}
	q := `SELECT ` + alertColumns + ` FROM alerts`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY time_ns DESC, id DESC LIMIT ?`
	rs, err := query(ctx, d.read, scanAlert, q, append(args, n)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: alerts: %w", err)
	}
	return rs, nil
}

// LastAlert returns the newest alert with the fingerprint.
func (d *DB) LastAlert(ctx context.Context, fingerprint string) (store.AlertRecord, error) {
	r, err := scanAlert(d.read.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts
		WHERE fingerprint = ? ORDER BY time_ns DESC, id DESC LIMIT 1`, fingerprint))
	if errors.Is(err, sql.ErrNoRows) {
		return store.AlertRecord{}, notFound("alert with fingerprint %q", fingerprint)
	}
	if err != nil {
		return store.AlertRecord{}, fmt.Errorf("sqlite: last alert of %q: %w", fingerprint, err)
	}
	return r, nil
}

// AckAlert acknowledges the alert with id; a second acknowledgement keeps
// the first.
func (d *DB) AckAlert(ctx context.Context, id, by string, at time.Time) (store.AlertRecord, error) {
	if by == "" {
		return store.AlertRecord{}, fmt.Errorf("%w: acknowledge alert %s: who acknowledges it is empty", store.ErrInvalid, id)
	}
	if at.IsZero() {
		return store.AlertRecord{}, fmt.Errorf("%w: acknowledge alert %s: time is unset", store.ErrInvalid, id)
	}
	if err := store.CheckTime("acknowledge alert "+id+": time", at); err != nil {
		return store.AlertRecord{}, err
	}
	var rec store.AlertRecord
	err := d.inTx(ctx, durable, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET state = ?, acked_by = ?, acked_ns = ? WHERE id = ? AND state = ?`,
			string(store.StateAcknowledged), by, toNanos(at), id, string(store.StateFiring)); err != nil {
			return err
		}
		var err error
		rec, err = scanAlert(tx.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = ?`, id))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return store.AlertRecord{}, notFound("alert %q", id)
	}
	if err != nil {
		return store.AlertRecord{}, fmt.Errorf("sqlite: acknowledge alert %q: %w", id, err)
	}
	return rec, nil
}

// AddSilence stores s, replacing a silence with the same ID.
func (d *DB) AddSilence(ctx context.Context, s store.Silence) error {
	if err := s.Validate(); err != nil {
		return err
	}
	var enc [3]string
	for i, m := range []map[string]string{s.Matchers, s.MatchersRegex, s.MatchersNot} {
		if m == nil {
			m = map[string]string{}
		}
		b, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("%w: silence %s: matchers: %v", store.ErrInvalid, s.ID, err)
		}
		enc[i] = string(b)
	}
	err := d.inTx(ctx, durable, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO silences (id, matchers, matchers_regex, matchers_not, starts_ns, ends_ns, created_by, comment)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET matchers = excluded.matchers, matchers_regex = excluded.matchers_regex,
				matchers_not = excluded.matchers_not, starts_ns = excluded.starts_ns,
				ends_ns = excluded.ends_ns, created_by = excluded.created_by, comment = excluded.comment`,
			s.ID, enc[0], enc[1], enc[2], toNanos(s.StartsAt), toNanos(s.EndsAt), s.CreatedBy, s.Comment)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: add silence %s: %w", s.ID, err)
	}
	return nil
}

const silenceColumns = `id, matchers, matchers_regex, matchers_not, starts_ns, ends_ns, created_by, comment`

func scanSilence(row interface{ Scan(...any) error }) (store.Silence, error) {
	var s store.Silence
	var matchers, re, not string
	var starts, ends int64
	if err := row.Scan(&s.ID, &matchers, &re, &not, &starts, &ends, &s.CreatedBy, &s.Comment); err != nil {
		return store.Silence{}, err
	}
	s.StartsAt, s.EndsAt = fromNanos(starts), fromNanos(ends)
	for _, m := range []struct {
		text string
		into *map[string]string
	}{{matchers, &s.Matchers}, {re, &s.MatchersRegex}, {not, &s.MatchersNot}} {
		if err := json.Unmarshal([]byte(m.text), m.into); err != nil {
			return store.Silence{}, fmt.Errorf("silence %s: matchers: %w", s.ID, err)
		}
		if len(*m.into) == 0 {
			*m.into = nil
		}
	}
	return s, nil
}

// Silences lists every stored silence.
func (d *DB) Silences(ctx context.Context) ([]store.Silence, error) {
	ss, err := query(ctx, d.read, scanSilence, `SELECT `+silenceColumns+` FROM silences ORDER BY starts_ns, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: silences: %w", err)
	}
	return ss, nil
}

// ExpireSilence ends a silence at t.
func (d *DB) ExpireSilence(ctx context.Context, id string, t time.Time) (store.Silence, error) {
	if err := store.CheckTime("silence "+id+": expiry", t); err != nil {
		return store.Silence{}, err
	}
	var out store.Silence
	err := d.inTx(ctx, durable, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE silences SET ends_ns = max(starts_ns, ?) WHERE id = ? AND ends_ns > ?`,
			toNanos(t), id, toNanos(t)); err != nil {
			return err
		}
		var err error
		out, err = scanSilence(tx.QueryRowContext(ctx, `SELECT `+silenceColumns+` FROM silences WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: silence %q", store.ErrNotFound, id)
		}
		return err
	})
	if err != nil {
		return store.Silence{}, fmt.Errorf("sqlite: expire silence: %w", err)
	}
	return out, nil
}

// Enqueue adds outbox items, all or none; items already enqueued for the
// same receiver and alert are left alone.
func (d *DB) Enqueue(ctx context.Context, deliveries ...store.Delivery) error {
	for _, dl := range deliveries {
		if err := dl.Validate(); err != nil {
			return err
		}
	}
	err := d.inTx(ctx, durable, func(tx *sql.Tx) error {
		for _, dl := range deliveries {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM alerts WHERE id = ?`, dl.AlertID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("alert %q for receiver %s", dl.AlertID, dl.Receiver)
			}
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (receiver, alert_id, payload, attempts, next_ns, last_error, status)
				VALUES (?, ?, ?, ?, ?, ?, 'pending')
				ON CONFLICT (receiver, alert_id) DO NOTHING`,
				dl.Receiver, dl.AlertID, dl.Payload, dl.Attempts, toNanos(dl.NextAttempt), dl.LastError); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: enqueue: %w", err)
	}
	return nil
}

// Due lists pending items whose next attempt is at or before now.
func (d *DB) Due(ctx context.Context, now time.Time, n int) ([]store.Delivery, error) {
	n, err := limit("due deliveries", n)
	if err != nil {
		return nil, err
	}
	if err := store.CheckTime("due at", now); err != nil {
		return nil, err
	}
	ds, err := query(ctx, d.read, func(row interface{ Scan(...any) error }) (store.Delivery, error) {
		var dl store.Delivery
		var next int64
		err := row.Scan(&dl.ID, &dl.Receiver, &dl.AlertID, &dl.Payload, &dl.Attempts, &next, &dl.LastError)
		dl.NextAttempt = fromNanos(next)
		return dl, err
	}, `SELECT id, receiver, alert_id, payload, attempts, next_ns, last_error FROM deliveries
		WHERE status = 'pending' AND next_ns <= ? ORDER BY next_ns, id LIMIT ?`, toNanos(now), n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: due deliveries: %w", err)
	}
	return ds, nil
}

// Delivered marks the item done.
func (d *DB) Delivered(ctx context.Context, id int64) error {
	err := d.inTx(ctx, durable, func(tx *sql.Tx) error {
		return mustAffect(tx.ExecContext(ctx, `UPDATE deliveries SET status = 'delivered' WHERE id = ?`, id))
	})
	if errors.Is(err, errNoRows) {
		return notFound("delivery %d", id)
	}
	if err != nil {
		return fmt.Errorf("sqlite: delivered %d: %w", id, err)
	}
	return nil
}

// Retry counts a failed attempt and schedules the next.
func (d *DB) Retry(ctx context.Context, id int64, next time.Time, lastErr string) error {
	if err := store.CheckTime(fmt.Sprintf("retry delivery %d: next attempt", id), next); err != nil {
		return err
	}
	return d.failed(ctx, "retry", id, `UPDATE deliveries SET attempts = attempts + 1, next_ns = ?, last_error = ?
		WHERE id = ? AND status = 'pending'`, toNanos(next), lastErr, id)
}

// GiveUp counts a failed attempt and dead-letters the item.
func (d *DB) GiveUp(ctx context.Context, id int64, lastErr string) error {
	return d.failed(ctx, "give up", id, `UPDATE deliveries SET attempts = attempts + 1, last_error = ?, status = 'dead'
		WHERE id = ? AND status = 'pending'`, lastErr, id)
}

// failed runs an update that only applies to a pending item and tells a
// missing item from one no longer pending.
func (d *DB) failed(ctx context.Context, what string, id int64, update string, args ...any) error {
	var status string
	err := d.inTx(ctx, durable, func(tx *sql.Tx) error {
		err := mustAffect(tx.ExecContext(ctx, update, args...))
		if errors.Is(err, errNoRows) {
			if err := tx.QueryRowContext(ctx, `SELECT status FROM deliveries WHERE id = ?`, id).Scan(&status); err != nil {
				return err
			}
		}
		return err
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return notFound("delivery %d", id)
	case errors.Is(err, errNoRows):
		return fmt.Errorf("%s delivery %d: it is %s, not pending: %w", what, id, status, store.ErrConflict)
	case err != nil:
		return fmt.Errorf("sqlite: %s delivery %d: %w", what, id, err)
	}
	return nil
}

// SaveCheckpoint replaces the checkpoint, and of its parts those in
// c.Parts, in one transaction.
func (d *DB) SaveCheckpoint(ctx context.Context, c store.Checkpoint) error {
	if err := c.Validate(); err != nil {
		return err
	}
	err := d.inTx(ctx, durable, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO checkpoint (id, position, state, at_ns) VALUES (1, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET position = excluded.position, state = excluded.state, at_ns = excluded.at_ns`,
			c.Position, c.State, toNanos(c.At))
		for _, name := range slices.Sorted(maps.Keys(c.Parts)) {
			if err != nil {
				break
			}
			if part := c.Parts[name]; part == nil {
				_, err = tx.ExecContext(ctx, `DELETE FROM checkpoint_parts WHERE name = ?`, name)
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO checkpoint_parts (name, state) VALUES (?, ?)
					ON CONFLICT (name) DO UPDATE SET state = excluded.state`, name, part)
			}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: save checkpoint: %w", err)
	}
	return nil
}

// LoadCheckpoint returns the checkpoint, or false if none was saved.
func (d *DB) LoadCheckpoint(ctx context.Context) (store.Checkpoint, bool, error) {
	var c store.Checkpoint
	var at int64
	err := d.read.QueryRowContext(ctx, `SELECT position, state, at_ns FROM checkpoint WHERE id = 1`).Scan(&c.Position, &c.State, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Checkpoint{}, false, nil
	}
	if err != nil {
		return store.Checkpoint{}, false, fmt.Errorf("sqlite: load checkpoint: %w", err)
	}
	c.At = fromNanos(at)
	rows, err := d.read.QueryContext(ctx, `SELECT name, state FROM checkpoint_parts`)
	if err != nil {
		return store.Checkpoint{}, false, fmt.Errorf("sqlite: load checkpoint: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var part []byte
		if err := rows.Scan(&name, &part); err != nil {
			return store.Checkpoint{}, false, fmt.Errorf("sqlite: load checkpoint: %w", err)
		}
		if c.Parts == nil {
			c.Parts = map[string][]byte{}
		}
		c.Parts[name] = part
	}
	if err := rows.Err(); err != nil {
		return store.Checkpoint{}, false, fmt.Errorf("sqlite: load checkpoint: %w", err)
	}
	return c, true, nil
}

// Prune deletes what r says is too old, in one transaction.
func (d *DB) Prune(ctx context.Context, r store.Retention) (store.PruneStats, error) {
	for field, t := range map[string]time.Time{"windows": r.Windows, "alerts": r.Alerts, "findings": r.Findings, "silences": r.Silences, "audit": r.Audit} {
		if err := store.CheckTime("retention of "+field, t); err != nil {
			return store.PruneStats{}, err
		}
	}
	var st store.PruneStats
	err := d.inTx(ctx, durable, func(tx *sql.Tx) error {
		steps := []struct {
			cutoff time.Time
			count  *int64
			sql    string
		}{
			{r.Alerts, &st.Deliveries, `DELETE FROM deliveries WHERE alert_id IN (SELECT id FROM alerts WHERE time_ns < ?)`},
			{r.Alerts, &st.Alerts, `DELETE FROM alerts WHERE time_ns < ?`},
			{r.Windows, &st.Windows, `DELETE FROM windows WHERE end_ns < ?`},
			{r.Findings, &st.Findings, `DELETE FROM findings WHERE time_ns < ?`},
			{r.Silences, &st.Silences, `DELETE FROM silences WHERE ends_ns < ?`},
			{r.Audit, &st.Audit, `DELETE FROM audit WHERE time_ns < ?`},
		}
		for _, s := range steps {
			if s.cutoff.IsZero() {
				continue
			}
			res, err := tx.ExecContext(ctx, s.sql, toNanos(s.cutoff))
			if err != nil {
				return err
			}
			if *s.count, err = res.RowsAffected(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return store.PruneStats{}, fmt.Errorf("sqlite: prune: %w", err)
	}
	return st, nil
}

// query runs a read and scans every row.
func query[T any](ctx context.Context, db *sql.DB, scan func(interface{ Scan(...any) error }) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// errNoRows is what mustAffect returns when a statement changed nothing.
var errNoRows = errors.New("no rows affected")

func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return errNoRows
	}
	return nil
}

// jsonText encodes v as JSON text, or NULL for a nil map.
func jsonText[M ~map[K]V, K comparable, V any](v M) (sql.NullString, error) {
	if v == nil {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

// text stores JSON bytes as TEXT, or NULL when there are none.
func text(b []byte) sql.NullString {
	return sql.NullString{String: string(b), Valid: b != nil}
}
