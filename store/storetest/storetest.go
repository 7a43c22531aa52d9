// Package storetest is the conformance suite for store.Store
// implementations: every implementation runs Run from its own tests.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/store"
)

// Run tests an implementation. open returns a new, empty store for each
// subtest; Run closes it.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s store.Store)
	}{
		{"Models", testModels},
		{"Windows", testWindows},
		{"Findings", testFindings},
		{"Alerts", testAlerts},
		{"AlertFilters", testAlertFilters},
		{"AckAlert", testAckAlert},
		{"Silences", testSilences},
		{"Outbox", testOutbox},
		{"OutboxErrors", testOutboxErrors},
		{"Checkpoint", testCheckpoint},
		{"Audit", testAudit},
		{"Prune", testPrune},
		{"Times", testTimes},
		{"Concurrent", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.run(t, s)
		})
	}
}

// base has nanoseconds so that a store rounding to micro- or milliseconds
// fails.
var base = time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)

func at(d time.Duration) time.Time { return base.Add(d) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr checks that err wraps target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want one wrapping %v", what, err, target)
	}
}

// equal compares after normalising what a store may legitimately change:
// time zones and monotonic readings, and nil versus empty byte slices.
func equal(got, want any) bool {
	return reflect.DeepEqual(normalise(reflect.ValueOf(got)).Interface(), normalise(reflect.ValueOf(want)).Interface())
}

var timeType = reflect.TypeFor[time.Time]()

func normalise(v reflect.Value) reflect.Value {
	switch {
	case v.Type() == timeType:
		return reflect.ValueOf(v.Interface().(time.Time).UTC())
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
		if v.Len() == 0 {
			return reflect.Zero(v.Type())
		}
		return v
	case v.Kind() == reflect.Slice:
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(normalise(v.Index(i)))
		}
		return out
	case v.Kind() == reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			out.Field(i).Set(normalise(v.Field(i)))
		}
		return out
	}
	return v
}

func testModels(t *testing.T, s store.Store) {
	ctx := context.Background()
	models := []store.Model{
		{Name: "fraud", Config: []byte(`{"window":1000}`), Profile: []byte{0, 1, 2, 255}, CreatedAt: at(0), UpdatedAt: at(time.Hour)},
		{Name: "churn", Config: []byte(`{}`), CreatedAt: at(time.Minute), UpdatedAt: at(time.Minute)},
		{Name: "ads/ctr v2", CreatedAt: at(2 * time.Minute)},
	}
	for _, m := range models {
		must(t, s.PutModel(ctx, m))
	}
	for _, m := range models {
		got, err := s.Model(ctx, m.Name)
		must(t, err)
		if !equal(got, m) {
			t.Errorf("Model(%q) = %+v, want %+v", m.Name, got, m)
		}
	}
	list, err := s.Models(ctx)
	must(t, err)
	if names := modelNames(list); !slices.Equal(names, []string{"ads/ctr v2", "churn", "fraud"}) {
		t.Errorf("Models = %v, want them by name", names)
	}

	replaced := store.Model{Name: "fraud", Config: []byte(`{"window":5000}`), CreatedAt: at(0), UpdatedAt: at(2 * time.Hour)}
	must(t, s.PutModel(ctx, replaced))
	got, err := s.Model(ctx, "fraud")
	must(t, err)
	if !equal(got, replaced) {
		t.Errorf("after replacing: %+v, want %+v", got, replaced)
	}

	must(t, s.DeleteModel(ctx, "churn"))
	_, err = s.Model(ctx, "churn")
	wantErr(t, "Model of a deleted model", err, store.ErrNotFound)
	wantErr(t, "DeleteModel twice", s.DeleteModel(ctx, "churn"), store.ErrNotFound)
	wantErr(t, "Model never stored", func() error { _, err := s.Model(ctx, "nope"); return err }(), store.ErrNotFound)
	list, err = s.Models(ctx)
	must(t, err)
	if names := modelNames(list); !slices.Equal(names, []string{"ads/ctr v2", "fraud"}) {
		t.Errorf("Models after delete = %v", names)
	}

	invalid := []struct {
		name string
		m    store.Model
	}{
		{"empty name", store.Model{}},
		{"time before 1678", store.Model{Name: "old", CreatedAt: time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"time after 2262", store.Model{Name: "future", UpdatedAt: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for _, tc := range invalid {
		wantErr(t, "PutModel with "+tc.name, s.PutModel(ctx, tc.m), store.ErrInvalid)
	}
}

func modelNames(ms []store.Model) []string {
	var names []string
	for _, m := range ms {
		names = append(names, m.Name)
	}
	return names
}

func testWindows(t *testing.T, s store.Store) {
	ctx := context.Background()
	w := func(model, kind string, end time.Duration, lastSeq int64) store.Window {
		return store.Window{
			Model: model, Kind: kind, Start: at(end - time.Minute), End: at(end),
			FirstSeq: lastSeq - 99, LastSeq: lastSeq, Events: 100, Late: int(lastSeq % 3), Drift: lastSeq%2 == 0,
			Report: []byte(fmt.Sprintf(`{"last_seq":%d}`, lastSeq)),
		}
	}
	windows := []store.Window{
		w("fraud", store.WindowTumbling, time.Minute, 100),
		w("fraud", store.WindowTumbling, 3*time.Minute, 300),
		w("fraud", store.WindowCount, 3*time.Minute, 350), // same End, later LastSeq: newer
		w("fraud", store.WindowSliding, 2*time.Minute, 200),
		w("churn", store.WindowCount, 10*time.Minute, 1000),
		w("churn", store.WindowOutliers, 30*time.Second, 120),
		w("churn", store.WindowTraffic, 0, 99),
	}
	for _, win := range windows {
		must(t, s.AddWindow(ctx, win))
	}
	// Replay adds the same windows again, possibly with different contents:
	// the first stays.
	for _, win := range windows {
		again := win
		again.Events, again.Report = 1, []byte(`{"replayed":true}`)
		must(t, s.AddWindow(ctx, again))
	}
	tests := []struct {
		filter store.WindowFilter
		want   []int // indexes into windows
	}{
		{store.WindowFilter{Model: "fraud"}, []int{2, 1, 3, 0}},
		{store.WindowFilter{Model: "fraud", Limit: 2}, []int{2, 1}},
		{store.WindowFilter{Model: "churn"}, []int{4, 5, 6}},
		{store.WindowFilter{}, []int{4, 2, 1, 3, 0, 5, 6}},
		{store.WindowFilter{Limit: 1}, []int{4}},
		{store.WindowFilter{Model: "nobody"}, nil},
		{store.WindowFilter{Model: "fraud", Kinds: []string{store.WindowTumbling}}, []int{1, 0}},
		{store.WindowFilter{Kinds: []string{store.WindowCount, store.WindowSliding}}, []int{4, 2, 3}},
		{store.WindowFilter{Kinds: []string{store.WindowOutliers}}, []int{5}},
		{store.WindowFilter{Model: "fraud", Kinds: []string{"none"}}, nil},
		{store.WindowFilter{EndAfter: at(time.Minute)}, []int{4, 2, 1, 3}},
		{store.WindowFilter{EndUntil: at(2 * time.Minute)}, []int{3, 0, 5, 6}},
		{store.WindowFilter{Model: "fraud", EndAfter: at(time.Minute), EndUntil: at(2 * time.Minute)}, []int{3}},
		{store.WindowFilter{Kinds: []string{store.WindowTraffic}}, []int{6}},
	}
	for _, tc := range tests {
		got, err := s.Windows(ctx, tc.filter)
		must(t, err)
		var want []store.Window
		for _, i := range tc.want {
			want = append(want, windows[i])
		}
		if !equal(got, want) {
			t.Errorf("Windows(%+v):\n got %+v\nwant %+v", tc.filter, got, want)
		}
	}
	_, err := s.Windows(ctx, store.WindowFilter{Model: "fraud", Limit: -1})
	wantErr(t, "Windows with a negative limit", err, store.ErrInvalid)

	invalid := []struct {
		name string
		edit func(*store.Window)
	}{
		{"empty model", func(w *store.Window) { w.Model = "" }},
		{"unknown kind", func(w *store.Window) { w.Kind = "hopping" }},
		{"end before start", func(w *store.Window) { w.End = w.Start.Add(-time.Nanosecond) }},
		{"last before first", func(w *store.Window) { w.LastSeq = w.FirstSeq - 1 }},
		{"negative events", func(w *store.Window) { w.Events = -1 }},
		{"negative late", func(w *store.Window) { w.Late = -1 }},
	}
	for _, tc := range invalid {
		bad := w("fraud", store.WindowCount, time.Hour, 5000)
		tc.edit(&bad)
		wantErr(t, "AddWindow with "+tc.name, s.AddWindow(ctx, bad), store.ErrInvalid)
	}
	if got, _ := s.Windows(ctx, store.WindowFilter{}); len(got) != len(windows) {
		t.Errorf("%d windows after refused adds, want %d", len(got), len(windows))
	}
}

func testFindings(t *testing.T, s store.Store) {
	ctx := context.Background()
	f := func(model string, kind alert.Kind, subject string, d time.Duration, score float64) alert.Finding {
		return alert.Finding{
			Kind: kind, Severity: alert.High, Model: model, Subject: subject, Score: score, Time: at(d),
			Evidence: map[string]any{"statistic": score, "test": "ks", "bins": []any{1.0, 2.5}},
		}
	}
	findings := []alert.Finding{
		f("fraud", alert.KindDrift, "amount", 0, 0.45),
		f("fraud", alert.KindDrift, "country", 0, 0.2),
		f("fraud", alert.KindAdversarial, "input-17", time.Minute, 0.91),
		f("churn", alert.KindDrift, "tenure", 2*time.Minute, 0.31),
		f("fraud", alert.KindExtraction, "user-9", 3*time.Minute, 1200),
	}
	findings[4].Evidence = nil
	// Some one by one, the rest in a batch with a window, and one of the
	// first again in it: the same as one by one.
	for _, fi := range findings[:3] {
		must(t, s.RecordFinding(ctx, fi))
	}
	batchWindow := store.Window{Model: "batch", Kind: store.WindowCount, End: at(time.Hour), LastSeq: 1}
	must(t, s.SaveResults(ctx, []store.Window{batchWindow}, []alert.Finding{findings[3], findings[4], findings[1]}))
	if ws, err := s.Windows(ctx, store.WindowFilter{Model: "batch"}); err != nil || len(ws) != 1 {
		t.Fatalf("SaveResults stored windows %v, %v", ws, err)
	}
	bad := findings[0]
	bad.Time = time.Time{}
	wantErr(t, "SaveResults with an invalid finding", s.SaveResults(ctx, nil, []alert.Finding{bad}), store.ErrInvalid)
	dup := findings[0]
	dup.Score, dup.Severity = 0.99, alert.Critical
	must(t, s.RecordFinding(ctx, dup)) // same identity: ignored

	tests := []struct {
		model string
		since time.Time
		limit int
		want  []int
	}{
		{"fraud", time.Time{}, 0, []int{4, 2, 0, 1}},
		{"fraud", at(time.Minute), 0, []int{4, 2}},
		{"fraud", at(time.Minute + 1), 0, []int{4}},
		{"fraud", time.Time{}, 3, []int{4, 2, 0}},
		{"", time.Time{}, 0, []int{4, 3, 2, 0, 1}},
		{"", at(2 * time.Minute), 0, []int{4, 3}},
		{"churn", at(time.Hour), 0, nil},
	}
	for _, tc := range tests {
		got, err := s.Findings(ctx, tc.model, tc.since, tc.limit)
		must(t, err)
		var want []alert.Finding
		for _, i := range tc.want {
			want = append(want, findings[i])
		}
		if !equal(got, want) {
			t.Errorf("Findings(%q, %v, %d):\n got %+v\nwant %+v", tc.model, tc.since, tc.limit, got, want)
		}
	}

	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), -0.5}
	for i, score := range special {
		sf := f("scores", alert.KindAdversarial, fmt.Sprint(i), time.Duration(i), score)
		sf.Evidence = nil // JSON has no NaN or infinities
		must(t, s.RecordFinding(ctx, sf))
	}
	got, err := s.Findings(ctx, "scores", time.Time{}, 0)
	must(t, err)
	if len(got) != len(special) {
		t.Fatalf("%d findings with special scores, want %d", len(got), len(special))
	}
	for _, g := range got {
		i := int(g.Time.Sub(base))
		if want := special[i]; !(g.Score == want || math.IsNaN(g.Score) && math.IsNaN(want)) {
			t.Errorf("score %v came back as %v", want, g.Score)
		}
	}

	invalid := []struct {
		name string
		f    alert.Finding
	}{
		{"empty kind", alert.Finding{Model: "fraud", Time: base}},
		{"unset time", alert.Finding{Kind: alert.KindDrift, Model: "fraud"}},
		{"evidence that is not JSON", alert.Finding{Kind: alert.KindDrift, Model: "fraud", Time: base, Evidence: map[string]any{"p": math.NaN()}}},
	}
	for _, tc := range invalid {
		wantErr(t, "RecordFinding with "+tc.name, s.RecordFinding(ctx, tc.f), store.ErrInvalid)
	}
	_, err = s.Findings(ctx, "", time.Time{}, -3)
	wantErr(t, "Findings with a negative limit", err, store.ErrInvalid)
}

func newAlert(model string, kind alert.Kind, subject string, sev alert.Severity, d time.Duration) alert.Alert {
	fp := alert.Fingerprint(model, kind, subject)
	return alert.Alert{
		ID: alert.AlertID(fp, at(d)), Fingerprint: fp, Time: at(d), Type: kind, Severity: sev,
		Model: model, Subject: subject, Source: "drift/tumbling",
		Summary: fmt.Sprintf("%s %s on %s", sev, kind, subject),
		Details: map[string]any{"score": 0.45, "columns": []any{"amount"}},
	}
}

func testAlerts(t *testing.T, s store.Store) {
	ctx := context.Background()
	first := newAlert("fraud", alert.KindDrift, "amount", alert.High, 0)
	second := newAlert("fraud", alert.KindDrift, "amount", alert.Critical, time.Hour)
	third := newAlert("fraud", alert.KindDrift, "amount", alert.High, 2*time.Hour)
	other := newAlert("fraud", alert.KindDrift, "country", alert.Medium, 30*time.Minute)
	other.Details = nil

	steps := []struct {
		name        string
		a           alert.Alert
		wantCreated bool
		wantCount   int
		wantFirst   time.Time
		want        alert.Alert // the stored alert
	}{
		{"new alert", first, true, 1, first.Time, first},
		{"same ID again, changed", func() alert.Alert { a := first; a.Summary, a.Severity = "changed", alert.Low; return a }(), false, 1, first.Time, first},
		{"same fingerprint, new ID", second, true, 2, first.Time, second},
		{"other fingerprint", other, true, 1, other.Time, other},
		{"same fingerprint again", third, true, 3, first.Time, third},
		{"third replayed", third, false, 3, first.Time, third},
	}
	for _, st := range steps {
		rec, created, err := s.UpsertAlert(ctx, st.a)
		must(t, err)
		want := store.AlertRecord{Alert: st.want, State: store.StateFiring, FirstSeen: st.wantFirst, Count: st.wantCount}
		if created != st.wantCreated || !equal(rec, want) {
			t.Errorf("%s: created %v, record %+v; want %v, %+v", st.name, created, rec, st.wantCreated, want)
		}
		got, err := s.Alert(ctx, st.a.ID)
		must(t, err)
		if !equal(got, rec) {
			t.Errorf("%s: Alert(%s) = %+v, UpsertAlert returned %+v", st.name, st.a.ID, got, rec)
		}
	}
	_, err := s.Alert(ctx, "no-such-alert")
	wantErr(t, "Alert of an unknown ID", err, store.ErrNotFound)

	last, err := s.LastAlert(ctx, first.Fingerprint)
	must(t, err)
	if last.ID != third.ID {
		t.Errorf("LastAlert = %s, want the newest, %s", last.ID, third.ID)
	}
	last, err = s.LastAlert(ctx, other.Fingerprint)
	must(t, err)
	if last.ID != other.ID {
		t.Errorf("LastAlert = %s, want %s", last.ID, other.ID)
	}
	_, err = s.LastAlert(ctx, "0000000000000000")
	wantErr(t, "LastAlert of an unknown fingerprint", err, store.ErrNotFound)

	invalid := []struct {
		name string
		edit func(*alert.Alert)
	}{
		{"empty ID", func(a *alert.Alert) { a.ID = "" }},
		{"empty fingerprint", func(a *alert.Alert) { a.Fingerprint = "" }},
		{"unset time", func(a *alert.Alert) { a.Time = time.Time{} }},
		{"details that are not JSON", func(a *alert.Alert) { a.Details = map[string]any{"x": math.Inf(1)} }},
	}
	for _, tc := range invalid {
		a := newAlert("bad", alert.KindDrift, "x", alert.Low, 0)
		tc.edit(&a)
		_, _, err := s.UpsertAlert(ctx, a)
		wantErr(t, "UpsertAlert with "+tc.name, err, store.ErrInvalid)
	}
}

func testAlertFilters(t *testing.T, s store.Store) {
	ctx := context.Background()
	alerts := []alert.Alert{
		newAlert("fraud", alert.KindDrift, "amount", alert.Critical, 0),
		newAlert("fraud", alert.KindAdversarial, "input-1", alert.High, time.Minute),
		newAlert("churn", alert.KindDrift, "tenure", alert.Medium, 2*time.Minute),
		newAlert("fraud", alert.KindExtraction, "user-9", alert.Low, 3*time.Minute),
		newAlert("churn", alert.KindDrift, "plan", alert.High, 4*time.Minute),
	}
	for _, a := range alerts {
		if _, _, err := s.UpsertAlert(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AckAlert(ctx, alerts[1].ID, "oncall", at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    store.AlertFilter
		want []int
	}{
		{"all, newest first", store.AlertFilter{}, []int{4, 3, 2, 1, 0}},
		{"model", store.AlertFilter{Model: "fraud"}, []int{3, 1, 0}},
		{"type", store.AlertFilter{Type: alert.KindDrift}, []int{4, 2, 0}},
		{"min severity high", store.AlertFilter{MinSeverity: alert.High}, []int{4, 1, 0}},
		{"min severity critical", store.AlertFilter{MinSeverity: alert.Critical}, []int{0}},
		{"since is inclusive", store.AlertFilter{Since: at(2 * time.Minute)}, []int{4, 3, 2}},
		{"firing", store.AlertFilter{State: store.StateFiring}, []int{4, 3, 2, 0}},
		{"acknowledged", store.AlertFilter{State: store.StateAcknowledged}, []int{1}},
		{"limit", store.AlertFilter{Limit: 2}, []int{4, 3}},
		{"combined", store.AlertFilter{Model: "churn", Type: alert.KindDrift, MinSeverity: alert.High}, []int{4}},
		{"nothing matches", store.AlertFilter{Model: "fraud", Type: alert.KindPromptInjection}, nil},
		{"after", store.AlertFilter{After: &store.AlertCursor{Time: alerts[3].Time, ID: alerts[3].ID}}, []int{2, 1, 0}},
		{"after, with filters", store.AlertFilter{Model: "fraud", After: &store.AlertCursor{Time: alerts[3].Time, ID: alerts[3].ID}}, []int{1, 0}},
		{"after the last", store.AlertFilter{After: &store.AlertCursor{Time: alerts[0].Time, ID: alerts[0].ID}}, nil},
	}
	for _, tc := range tests {
		got, err := s.Alerts(ctx, tc.f)
		must(t, err)
		var ids, want []string
		for _, r := range got {
			ids = append(ids, r.ID)
		}
		for _, i := range tc.want {
			want = append(want, alerts[i].ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%s: %v, want %v", tc.name, ids, want)
		}
	}
	many := 0
	for i := range store.DefaultLimit + 5 {
		a := newAlert("bulk", alert.KindUsage, fmt.Sprint(i), alert.Low, time.Duration(i)*time.Second)
		if _, _, err := s.UpsertAlert(ctx, a); err != nil {
			t.Fatal(err)
		}
		many++
	}
	got, err := s.Alerts(ctx, store.AlertFilter{Model: "bulk"})
	must(t, err)
	if len(got) != store.DefaultLimit {
		t.Errorf("limit 0 gave %d of %d alerts, want DefaultLimit (%d)", len(got), many, store.DefaultLimit)
	}
	_, err = s.Alerts(ctx, store.AlertFilter{Limit: -1})
	wantErr(t, "Alerts with a negative limit", err, store.ErrInvalid)

	// Paging with After visits every alert once, alerts at one time too.
	for i := range 5 {
		a := newAlert("ties", alert.KindUsage, fmt.Sprint(i), alert.Low, time.Duration(i/3)*time.Second)
		if _, _, err := s.UpsertAlert(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for _, model := range []string{"bulk", "ties"} {
		all, err := s.Alerts(ctx, store.AlertFilter{Model: model, Limit: 1000})
		must(t, err)
		var paged []store.AlertRecord
		f := store.AlertFilter{Model: model, Limit: 2}
		for {
			page, err := s.Alerts(ctx, f)
			must(t, err)
			paged = append(paged, page...)
			if len(page) < f.Limit {
				break
			}
			last := page[len(page)-1]
			f.After = &store.AlertCursor{Time: last.Time, ID: last.ID}
		}
		if !equal(paged, all) {
			t.Errorf("%s: paging by two gave %d alerts, listing all %d", model, len(paged), len(all))
		}
	}
}

func testAckAlert(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := newAlert("fraud", alert.KindDrift, "amount", alert.High, 0)
	if _, _, err := s.UpsertAlert(ctx, a); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		id, by  string
		at      time.Time
		wantErr error
		wantBy  string
		wantAt  time.Time
	}{
		{"unknown alert", "nope", "alice", at(time.Hour), store.ErrNotFound, "", time.Time{}},
		{"nobody", a.ID, "", at(time.Hour), store.ErrInvalid, "", time.Time{}},
		{"unset time", a.ID, "alice", time.Time{}, store.ErrInvalid, "", time.Time{}},
		{"first acknowledgement", a.ID, "alice", at(time.Hour), nil, "alice", at(time.Hour)},
		{"second acknowledgement keeps the first", a.ID, "bob", at(2 * time.Hour), nil, "alice", at(time.Hour)},
	}
	for _, st := range steps {
		rec, err := s.AckAlert(ctx, st.id, st.by, st.at)
		if st.wantErr != nil {
			wantErr(t, st.name, err, st.wantErr)
			continue
		}
		must(t, err)
		if rec.State != store.StateAcknowledged || rec.AckedBy != st.wantBy || !rec.AckedAt.Equal(st.wantAt) {
			t.Errorf("%s: state %s by %q at %v; want acknowledged by %q at %v", st.name, rec.State, rec.AckedBy, rec.AckedAt, st.wantBy, st.wantAt)
		}
		stored, err := s.Alert(ctx, a.ID)
		must(t, err)
		if !equal(stored, rec) {
			t.Errorf("%s: stored %+v, returned %+v", st.name, stored, rec)
		}
	}
	// Acknowledging does not change the alert itself, and the same ID is
	// still not created again.
	rec, created, err := s.UpsertAlert(ctx, a)
	must(t, err)
	if created || rec.State != store.StateAcknowledged || !equal(rec.Alert, a) {
		t.Errorf("UpsertAlert after ack: created %v, %+v", created, rec)
	}
}

func testSilences(t *testing.T, s store.Store) {
	ctx := context.Background()
	silences := []store.Silence{
		{ID: "maint", Matchers: map[string]string{"model": "fraud"}, StartsAt: at(0), EndsAt: at(time.Hour), CreatedBy: "alice", Comment: "retraining"},
		{ID: "noisy", Matchers: map[string]string{"model": "churn", "subject": "plan"}, StartsAt: at(30 * time.Minute), EndsAt: at(2 * time.Hour), CreatedBy: "bob"},
		{ID: "later", Matchers: map[string]string{"type": "usage"}, MatchersRegex: map[string]string{"subject": "user_.*"},
			MatchersNot: map[string]string{"severity": "critical"}, StartsAt: at(3 * time.Hour), EndsAt: at(4 * time.Hour)},
	}
	for _, sl := range silences {
		must(t, s.AddSilence(ctx, sl))
	}
	list := func(label string, want ...store.Silence) {
		t.Helper()
		got, err := s.Silences(ctx)
		must(t, err)
		if !equal(got, want) {
			t.Errorf("%s: Silences:\n got %+v\nwant %+v", label, got, want)
		}
	}
	// Every silence is listed, by start, whatever the time: they match on
	// event time.
	list("added", silences[0], silences[1], silences[2])

	// Ending a silence early replaces it by ID.
	silences[1].EndsAt = at(50 * time.Minute)
	must(t, s.AddSilence(ctx, silences[1]))
	list("ended early", silences[0], silences[1], silences[2])

	// Expiring ends a silence at the time given, at its start when it has
	// not started, and leaves one already ended as it was.
	for _, tc := range []struct {
		id   string
		at   time.Time
		want time.Time
	}{
		{"maint", at(20 * time.Minute), at(20 * time.Minute)},
		{"maint", at(40 * time.Minute), at(20 * time.Minute)},
		{"later", at(time.Hour), at(3 * time.Hour)},
	} {
		got, err := s.ExpireSilence(ctx, tc.id, tc.at)
		must(t, err)
		if !got.EndsAt.Equal(tc.want) {
			t.Errorf("ExpireSilence(%s, %v): ends_at %v, want %v", tc.id, tc.at.Sub(base), got.EndsAt.Sub(base), tc.want.Sub(base))
		}
	}
	silences[0].EndsAt, silences[2].EndsAt = at(20*time.Minute), at(3*time.Hour)
	list("expired", silences[0], silences[1], silences[2])
	_, err := s.ExpireSilence(ctx, "nope", at(0))
	wantErr(t, "ExpireSilence of an unknown id", err, store.ErrNotFound)

	invalid := []struct {
		name string
		edit func(*store.Silence)
	}{
		{"empty ID", func(s *store.Silence) { s.ID = "" }},
		{"no matchers", func(s *store.Silence) { s.Matchers = nil }},
		{"empty matcher name", func(s *store.Silence) { s.Matchers = map[string]string{"": "x"} }},
		{"ends at its start", func(s *store.Silence) { s.EndsAt = s.StartsAt }},
		{"unset start", func(s *store.Silence) { s.StartsAt = time.Time{} }},
	}
	for _, tc := range invalid {
		bad := store.Silence{ID: "bad", Matchers: map[string]string{"model": "x"}, StartsAt: at(0), EndsAt: at(time.Hour)}
		tc.edit(&bad)
		wantErr(t, "AddSilence with "+tc.name, s.AddSilence(ctx, bad), store.ErrInvalid)
	}
}

func testOutbox(t *testing.T, s store.Store) {
	ctx := context.Background()
	a1 := newAlert("fraud", alert.KindDrift, "amount", alert.High, 0)
	a2 := newAlert("fraud", alert.KindDrift, "country", alert.High, 0)
	for _, a := range []alert.Alert{a1, a2} {
		if _, _, err := s.UpsertAlert(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	must(t, s.Enqueue(ctx,
		store.Delivery{Receiver: "webhook", AlertID: a1.ID, Payload: []byte(`{"n":1}`), NextAttempt: at(2 * time.Second)},
		store.Delivery{Receiver: "syslog", AlertID: a1.ID, Payload: []byte("<14>CEF:0|n=2"), NextAttempt: at(time.Second)},
		store.Delivery{Receiver: "webhook", AlertID: a2.ID, Payload: []byte(`{"n":3}`)}, // zero NextAttempt: at once
	))
	// Enqueueing the same (receiver, alert) again changes nothing.
	must(t, s.Enqueue(ctx, store.Delivery{Receiver: "webhook", AlertID: a1.ID, Payload: []byte(`{"n":"dup"}`)}))

	due, err := s.Due(ctx, at(5*time.Second), 0)
	must(t, err)
	if got := payloads(due); !slices.Equal(got, []string{`{"n":3}`, "<14>CEF:0|n=2", `{"n":1}`}) {
		t.Fatalf("Due = %v, want oldest NextAttempt first", got)
	}
	ids := map[string]int64{}
	for _, d := range due {
		if d.ID <= 0 || d.Attempts != 0 || d.LastError != "" {
			t.Errorf("new delivery %+v", d)
		}
		ids[string(d.Payload)] = d.ID
	}
	if len(ids) != 3 || ids[`{"n":1}`] == ids[`{"n":3}`] {
		t.Fatalf("delivery IDs are not distinct: %v", ids)
	}
	web1, sys1, web2 := ids[`{"n":1}`], ids["<14>CEF:0|n=2"], ids[`{"n":3}`]

	steps := []struct {
		name string
		do   func() error
		now  time.Time
		want []string // payloads due at now
	}{
		{"before the first scheduled", nil, at(time.Second - 1), []string{`{"n":3}`}},
		{"limit", nil, at(5 * time.Second), []string{`{"n":3}`, "<14>CEF:0|n=2"}},
		{"retry moves it later", func() error { return s.Retry(ctx, web2, at(time.Minute), "503 Service Unavailable") }, at(5 * time.Second), []string{"<14>CEF:0|n=2", `{"n":1}`}},
		{"retried item due again", nil, at(time.Minute), []string{"<14>CEF:0|n=2", `{"n":1}`, `{"n":3}`}},
		{"delivered", func() error { return s.Delivered(ctx, sys1) }, at(time.Minute), []string{`{"n":1}`, `{"n":3}`}},
		{"delivered twice", func() error { return s.Delivered(ctx, sys1) }, at(time.Minute), []string{`{"n":1}`, `{"n":3}`}},
		{"given up", func() error { return s.GiveUp(ctx, web1, "400 Bad Request") }, at(time.Minute), []string{`{"n":3}`}},
		{"re-enqueue after delivery", func() error {
			return s.Enqueue(ctx, store.Delivery{Receiver: "syslog", AlertID: a1.ID, Payload: []byte("again")})
		}, at(time.Minute), []string{`{"n":3}`}},
		{"dead letters never come back", nil, at(1000 * time.Hour), []string{`{"n":3}`}},
	}
	for _, st := range steps {
		if st.do != nil {
			must(t, st.do())
		}
		n := 0
		if st.name == "limit" {
			n = 2
		}
		due, err := s.Due(ctx, st.now, n)
		must(t, err)
		if got := payloads(due); !slices.Equal(got, st.want) {
			t.Errorf("%s: Due = %v, want %v", st.name, got, st.want)
		}
	}
	due, err = s.Due(ctx, at(time.Minute), 0)
	must(t, err)
	if len(due) != 1 || due[0].Attempts != 1 || due[0].LastError != "503 Service Unavailable" || !due[0].NextAttempt.Equal(at(time.Minute)) {
		t.Errorf("retried delivery = %+v, want 1 attempt, its error and the new time", due)
	}
	must(t, s.Retry(ctx, web2, at(2*time.Minute), "timeout"))
	due, err = s.Due(ctx, at(2*time.Minute), 0)
	must(t, err)
	if len(due) != 1 || due[0].Attempts != 2 || due[0].LastError != "timeout" {
		t.Errorf("twice retried delivery = %+v", due)
	}
}

func payloads(ds []store.Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, string(d.Payload))
	}
	return out
}

func testOutboxErrors(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := newAlert("fraud", alert.KindDrift, "amount", alert.High, 0)
	if _, _, err := s.UpsertAlert(ctx, a); err != nil {
		t.Fatal(err)
	}
	// A batch with one bad item enqueues nothing.
	err := s.Enqueue(ctx,
		store.Delivery{Receiver: "webhook", AlertID: a.ID},
		store.Delivery{Receiver: "webhook", AlertID: "no-such-alert"})
	wantErr(t, "Enqueue for an unknown alert", err, store.ErrNotFound)
	wantErr(t, "Enqueue without receiver", s.Enqueue(ctx, store.Delivery{AlertID: a.ID}), store.ErrInvalid)
	wantErr(t, "Enqueue without alert", s.Enqueue(ctx, store.Delivery{Receiver: "webhook"}), store.ErrInvalid)
	if due, _ := s.Due(ctx, at(time.Hour), 0); len(due) != 0 {
		t.Fatalf("refused batches left %d deliveries", len(due))
	}

	must(t, s.Enqueue(ctx, store.Delivery{Receiver: "webhook", AlertID: a.ID}, store.Delivery{Receiver: "splunk", AlertID: a.ID}))
	due, err := s.Due(ctx, at(0), 0)
	must(t, err)
	if len(due) != 2 {
		t.Fatalf("%d due, want 2", len(due))
	}
	done, dead := due[0].ID, due[1].ID
	must(t, s.Delivered(ctx, done))
	must(t, s.GiveUp(ctx, dead, "401 Unauthorized"))
	unknown := max(done, dead) + 1000
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"Delivered unknown", s.Delivered(ctx, unknown), store.ErrNotFound},
		{"Retry unknown", s.Retry(ctx, unknown, at(time.Hour), "x"), store.ErrNotFound},
		{"GiveUp unknown", s.GiveUp(ctx, unknown, "x"), store.ErrNotFound},
		{"Retry delivered", s.Retry(ctx, done, at(time.Hour), "x"), store.ErrConflict},
		{"GiveUp delivered", s.GiveUp(ctx, done, "x"), store.ErrConflict},
		{"Retry dead", s.Retry(ctx, dead, at(time.Hour), "x"), store.ErrConflict},
		{"GiveUp dead", s.GiveUp(ctx, dead, "x"), store.ErrConflict},
	}
	for _, tc := range tests {
		wantErr(t, tc.name, tc.err, tc.want)
	}
	_, err = s.Due(ctx, at(0), -1)
	wantErr(t, "Due with a negative limit", err, store.ErrInvalid)
}

func testCheckpoint(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, ok, err := s.LoadCheckpoint(ctx); err != nil || ok {
		t.Fatalf("LoadCheckpoint of a new store: ok %v, %v", ok, err)
	}
	for i, c := range []store.Checkpoint{
		{Position: []byte(`{"segment":1,"offset":8}`), State: []byte{1, 2, 3}, At: at(0)},
		{Position: []byte(`{"segment":7,"offset":65536}`), State: bytes.Repeat([]byte{0xAB}, 1<<16), At: at(time.Hour)},
		{Position: []byte(`{"segment":7,"offset":70000}`), At: at(2 * time.Hour)},
	} {
		must(t, s.SaveCheckpoint(ctx, c))
		got, ok, err := s.LoadCheckpoint(ctx)
		must(t, err)
		if !ok || !equal(got, c) {
			t.Errorf("checkpoint %d: loaded %v %+v, want %+v", i, ok, got, c)
		}
	}
	// Parts are replaced when given, deleted when given nil, kept otherwise.
	for i, step := range []struct {
		parts, want map[string][]byte
	}{
		{map[string][]byte{"m/drift": {1}, "m/outliers": {2}}, map[string][]byte{"m/drift": {1}, "m/outliers": {2}}},
		{map[string][]byte{"m/outliers": {3, 3}}, map[string][]byte{"m/drift": {1}, "m/outliers": {3, 3}}},
		{nil, map[string][]byte{"m/drift": {1}, "m/outliers": {3, 3}}},
		{map[string][]byte{"m/drift": nil, "n/drift": {}}, map[string][]byte{"m/outliers": {3, 3}, "n/drift": {}}},
	} {
		c := store.Checkpoint{Position: []byte(fmt.Sprint(i)), State: []byte{byte(i)}, Parts: step.parts, At: at(time.Duration(i) * time.Minute)}
		must(t, s.SaveCheckpoint(ctx, c))
		got, ok, err := s.LoadCheckpoint(ctx)
		must(t, err)
		if !ok || string(got.Position) != fmt.Sprint(i) || len(got.Parts) != len(step.want) {
			t.Fatalf("parts step %d: loaded %v %+v, want parts %v", i, ok, got, step.want)
		}
		for name, want := range step.want {
			if part, ok := got.Parts[name]; !ok || !bytes.Equal(part, want) {
				t.Errorf("parts step %d: part %q is %v (%v), want %v", i, name, part, ok, want)
			}
		}
	}
}

func testAudit(t *testing.T, s store.Store) {
	ctx := context.Background()
	entries := []store.AuditEntry{
		{Time: at(0), Actor: "ops", Remote: "10.0.0.7:51234", Action: "model.register", Target: "fraud", Detail: map[string]any{"drift": map[string]any{"window": 500.0}}},
		{Time: at(time.Minute), Actor: "anonymous", Remote: "203.0.113.9:4000", Action: "refused.token", Detail: map[string]any{"detail": "unknown"}},
		{Time: at(2 * time.Minute), Actor: "ops", Remote: "10.0.0.7:51234", Action: "silence.create", Target: "s1"},
		{Time: at(3 * time.Minute), Actor: "ci", Remote: "10.0.0.8:1", Action: "refused.role"},
	}
	for i := range entries {
		id, err := s.AddAudit(ctx, entries[i])
		must(t, err)
		if i > 0 && id <= entries[i-1].ID {
			t.Errorf("entry %d: id %d after %d", i, id, entries[i-1].ID)
		}
		entries[i].ID = id
	}
	tests := []struct {
		name string
		f    store.AuditFilter
		want []int
	}{
		{"all, newest first", store.AuditFilter{}, []int{3, 2, 1, 0}},
		{"since", store.AuditFilter{Since: at(2 * time.Minute)}, []int{3, 2}},
		{"one action", store.AuditFilter{Action: "model.register"}, []int{0}},
		{"a family of actions", store.AuditFilter{Action: "refused."}, []int{3, 1}},
		{"next page", store.AuditFilter{Before: entries[2].ID, Limit: 1}, []int{1}},
	}
	for _, tc := range tests {
		got, err := s.Audit(ctx, tc.f)
		must(t, err)
		var want []store.AuditEntry
		for _, i := range tc.want {
			want = append(want, entries[i])
		}
		if !equal(got, want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, want)
		}
	}
	_, err := s.AddAudit(ctx, store.AuditEntry{Time: at(0), Actor: "x"})
	wantErr(t, "an entry without action", err, store.ErrInvalid)
	st, err := s.Prune(ctx, store.Retention{Audit: at(2 * time.Minute)})
	must(t, err)
	if left, _ := s.Audit(ctx, store.AuditFilter{}); st.Audit != 2 || len(left) != 2 {
		t.Errorf("prune before minute 2: deleted %d, %d left", st.Audit, len(left))
	}
}

func testPrune(t *testing.T, s store.Store) {
	ctx := context.Background()
	for h := range 4 {
		d := time.Duration(h) * time.Hour
		must(t, s.AddWindow(ctx, store.Window{Model: "fraud", Kind: store.WindowTumbling, Start: at(d - time.Hour), End: at(d), LastSeq: int64(h)}))
		must(t, s.RecordFinding(ctx, alert.Finding{Kind: alert.KindDrift, Model: "fraud", Subject: "amount", Time: at(d)}))
		a := newAlert("fraud", alert.KindDrift, fmt.Sprint(h), alert.High, d)
		if _, _, err := s.UpsertAlert(ctx, a); err != nil {
			t.Fatal(err)
		}
		must(t, s.Enqueue(ctx, store.Delivery{Receiver: "webhook", AlertID: a.ID}, store.Delivery{Receiver: "syslog", AlertID: a.ID}))
		must(t, s.AddSilence(ctx, store.Silence{ID: fmt.Sprint(h), Matchers: map[string]string{"model": "x"}, StartsAt: at(d - time.Hour), EndsAt: at(d)}))
	}
	count := func() (windows, findings, alerts, deliveries, silences int) {
		w, err := s.Windows(ctx, store.WindowFilter{})
		must(t, err)
		f, err := s.Findings(ctx, "", time.Time{}, 0)
		must(t, err)
		a, err := s.Alerts(ctx, store.AlertFilter{})
		must(t, err)
		d, err := s.Due(ctx, at(1000*time.Hour), 0)
		must(t, err)
		ss, err := s.Silences(ctx)
		must(t, err)
		return len(w), len(f), len(a), len(d), len(ss)
	}
	steps := []struct {
		name string
		r    store.Retention
		want store.PruneStats
		left [5]int
	}{
		{"zero keeps everything", store.Retention{}, store.PruneStats{}, [5]int{4, 4, 4, 8, 4}},
		{"cutoffs are exclusive", store.Retention{Windows: at(time.Hour), Alerts: at(2 * time.Hour), Findings: at(3 * time.Hour), Silences: at(time.Hour)},
			store.PruneStats{Windows: 1, Alerts: 2, Deliveries: 4, Findings: 3, Silences: 1}, [5]int{3, 1, 2, 4, 3}},
		{"again, nothing more", store.Retention{Windows: at(time.Hour), Alerts: at(2 * time.Hour)}, store.PruneStats{}, [5]int{3, 1, 2, 4, 3}},
		{"only windows", store.Retention{Windows: at(10 * time.Hour)}, store.PruneStats{Windows: 3}, [5]int{0, 1, 2, 4, 3}},
	}
	for _, st := range steps {
		got, err := s.Prune(ctx, st.r)
		must(t, err)
		if got != st.want {
			t.Errorf("%s: Prune = %+v, want %+v", st.name, got, st.want)
		}
		w, f, a, d, sl := count()
		if left := [5]int{w, f, a, d, sl}; left != st.left {
			t.Errorf("%s: left windows, findings, alerts, deliveries, silences = %v, want %v", st.name, left, st.left)
		}
	}
	_, err := s.Prune(ctx, store.Retention{Alerts: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)})
	wantErr(t, "Prune with an unrepresentable cutoff", err, store.ErrInvalid)
}

// testTimes checks that times keep their nanoseconds and instant whatever
// their zone, and that the zero time means unset.
func testTimes(t *testing.T, s store.Store) {
	ctx := context.Background()
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	tests := []struct {
		name string
		t    time.Time
	}{
		{"zero", time.Time{}},
		{"nanoseconds", time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC)},
		{"other zone", time.Date(2024, 3, 1, 5, 29, 59, 1, zone)},
		{"before 1970", time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC)},
		{"epoch", time.Unix(0, 0)},
		{"far future", time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		must(t, s.PutModel(ctx, store.Model{Name: tc.name, CreatedAt: tc.t, UpdatedAt: tc.t}))
		m, err := s.Model(ctx, tc.name)
		must(t, err)
		if !m.CreatedAt.Equal(tc.t) || m.CreatedAt.IsZero() != tc.t.IsZero() {
			t.Errorf("%s: %v came back as %v", tc.name, tc.t, m.CreatedAt)
		}
		if !tc.t.IsZero() && m.CreatedAt.Location() != time.UTC {
			t.Errorf("%s: came back in %v, want UTC", tc.name, m.CreatedAt.Location())
		}
	}
	// Instants order exactly across zones.
	a := newAlert("z", alert.KindDrift, "a", alert.High, 0)
	a.Time = time.Date(2024, 3, 1, 5, 30, 0, 0, zone) // 00:00:00 UTC
	b := newAlert("z", alert.KindDrift, "b", alert.High, 0)
	b.Time = time.Date(2024, 3, 1, 0, 0, 0, 1, time.UTC)
	for _, x := range []alert.Alert{b, a} {
		if _, _, err := s.UpsertAlert(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Alerts(ctx, store.AlertFilter{Model: "z", Since: time.Date(2024, 3, 1, 0, 0, 0, 1, time.UTC)})
	must(t, err)
	if len(got) != 1 || got[0].ID != b.ID {
		t.Errorf("Since one nanosecond after a: got %d alerts, want only b", len(got))
	}
}

func testConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	const writers, each = 6, 15
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range each {
				a := newAlert("busy", alert.KindDrift, fmt.Sprintf("%d-%d", g, i), alert.High, time.Duration(i)*time.Second)
				if _, _, err := s.UpsertAlert(ctx, a); err != nil {
					t.Error(err)
					return
				}
				if err := s.AddWindow(ctx, store.Window{Model: "busy", Kind: store.WindowCount, End: at(time.Duration(i)), LastSeq: int64(g*each + i)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range each {
				if _, err := s.Alerts(ctx, store.AlertFilter{Model: "busy"}); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.Windows(ctx, store.WindowFilter{Model: "busy", Limit: 10}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got, err := s.Alerts(ctx, store.AlertFilter{Model: "busy", Limit: 1000})
	must(t, err)
	if len(got) != writers*each {
		t.Errorf("%d alerts after concurrent writes, want %d", len(got), writers*each)
	}
	ws, err := s.Windows(ctx, store.WindowFilter{Model: "busy", Limit: 1000})
	must(t, err)
	if len(ws) != writers*each {
		t.Errorf("%d windows after concurrent writes, want %d", len(ws), writers*each)
	}
}
