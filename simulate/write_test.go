package simulate

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenRun is a tiny seeded run that exercises a new category and a null
// burst, small enough to read in a review.
func goldenRun(t *testing.T) (reference, production []Transaction) {
	g := mustGenerator(t, Options{Seed: 42, Rate: 0.5, Users: 50, Drifts: []Drift{
		mustDrift(t, "merchant_category:new=crypto_exchange,share=0.5,from=10s"),
		mustDrift(t, "distance_from_home_km:nulls=0.5,from=5s,until=30s"),
	}})
	return Reference(42, 6), g.Take(12)
}

func TestGolden(t *testing.T) {
	reference, production := goldenRun(t)
	tests := []struct {
		file  string
		write func(io.Writer, []Transaction) error
		txs   []Transaction
		must  []string // evidence that the run shows what it is meant to
	}{
		{"reference.csv", WriteCSV, reference, nil},
		{"production.csv", WriteCSV, production, []string{"crypto_exchange", ",,"}},
		{"production.jsonl", WriteJSONL, production, []string{"crypto_exchange", ":null"}},
		{"production.events.jsonl", WriteEvents, production, []string{"crypto_exchange", ":null", `"user":"user_000`}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b, tt.txs); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.file)
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s differs from the golden file (run go test -update after checking why):\n got %s\nwant %s", path, b.Bytes(), want)
			}
			for _, m := range tt.must {
				if !bytes.Contains(want, []byte(m)) {
					t.Errorf("%s does not contain %q", path, m)
				}
			}
		})
	}
}

// TestCSVRoundTrip reads the CSV back with encoding/csv and checks every
// field against the transaction, missing features as empty fields.
func TestCSVRoundTrip(t *testing.T) {
	txs := mustGenerator(t, Options{Seed: 6, Rate: 1, Drifts: []Drift{
		mustDrift(t, "merchant_category:nulls=0.1"), mustDrift(t, "num_tx_last_24h:nulls=0.1"),
		mustDrift(t, "card_present:nulls=0.1"), mustDrift(t, "hour:nulls=0.1"),
	}}).Take(3000)
	var b bytes.Buffer
	if err := WriteCSV(&b, txs); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var header []string
	for _, c := range Columns() {
		header = append(header, c.Name)
	}
	if strings.Join(records[0], ",") != strings.Join(header, ",") {
		t.Fatalf("header %q, want %q", records[0], header)
	}
	if len(records) != len(txs)+1 {
		t.Fatalf("%d records, want %d", len(records), len(txs)+1)
	}
	missing := 0
	for i, tx := range txs {
		rec := records[i+1]
		for j, want := range featureStrings(tx) {
			if rec[j] != want {
				t.Fatalf("row %d column %s: %q, want %q", i+1, header[j], rec[j], want)
			}
			if want == "" {
				missing++
			}
		}
		if score, _ := strconv.ParseFloat(rec[7], 64); score != tx.Score || len(rec[7]) != len("0.0000") {
			t.Fatalf("row %d score %q, want %v with four decimals", i+1, rec[7], tx.Score)
		}
		if rec[8] != strconv.Itoa(tx.Label) {
			t.Fatalf("row %d label %q, want %d", i+1, rec[8], tx.Label)
		}
	}
	if missing < 1000 {
		t.Errorf("only %d missing fields: the test does not exercise null bursts", missing)
	}
}

// featureStrings is how a reader should see each feature: the value parsed
// back from the text, or "" when missing.
func featureStrings(tx Transaction) []string {
	values := []string{
		strconv.FormatFloat(tx.TransactionAmount, 'f', 2, 64),
		tx.MerchantCategory,
		strconv.Itoa(tx.Hour),
		strconv.FormatFloat(tx.DistanceFromHomeKm, 'f', 1, 64),
		strconv.FormatBool(tx.CardPresent),
		strconv.Itoa(tx.AccountAgeDays),
		strconv.Itoa(tx.NumTxLast24h),
	}
	for i := range values {
		if tx.Missing.Has(1 << i) {
			values[i] = ""
		}
	}
	return values
}

type eventJSON struct {
	ID         string         `json:"id"`
	Model      string         `json:"model"`
	User       string         `json:"user"`
	Time       string         `json:"time"`
	Features   map[string]any `json:"features"`
	Prediction struct {
		Label *int     `json:"label"`
		Score *float64 `json:"score"`
	} `json:"prediction"`
	Label *int `json:"label"`
}

func TestJSONRoundTrip(t *testing.T) {
	start := time.Date(2026, 3, 29, 1, 30, 0, 0, time.FixedZone("UTC+5", 5*3600))
	txs := mustGenerator(t, Options{Seed: 6, Start: start, Rate: 3, Drifts: []Drift{
		mustDrift(t, "transaction_amount:nulls=0.2"), mustDrift(t, "account_age_days:nulls=0.2"),
	}}).Take(2000)
	var flat, events bytes.Buffer
	if err := WriteJSONL(&flat, txs); err != nil {
		t.Fatal(err)
	}
	if err := WriteEvents(&events, txs); err != nil {
		t.Fatal(err)
	}
	flatDec, eventDec := json.NewDecoder(&flat), json.NewDecoder(&events)
	flatDec.UseNumber()
	eventDec.UseNumber()
	var predicted int
	for i, tx := range txs {
		var row map[string]any
		if err := flatDec.Decode(&row); err != nil {
			t.Fatalf("JSONL line %d: %v", i+1, err)
		}
		var ev eventJSON
		if err := eventDec.Decode(&ev); err != nil {
			t.Fatalf("event line %d: %v", i+1, err)
		}
		if len(row) != len(columns) || len(ev.Features) != numFeatures {
			t.Fatalf("line %d: %d flat keys and %d features, want %d and %d", i+1, len(row), len(ev.Features), len(columns), numFeatures)
		}
		for j, want := range featureStrings(tx) {
			name := columns[j].Name
			if got := jsonText(row[name]); got != want {
				t.Fatalf("JSONL line %d %s: %q, want %q", i+1, name, got, want)
			}
			if got := jsonText(ev.Features[name]); got != want {
				t.Fatalf("event line %d %s: %q, want %q", i+1, name, got, want)
			}
		}
		if jsonText(row["score"]) != strconv.FormatFloat(tx.Score, 'f', 4, 64) || jsonText(row["label"]) != strconv.Itoa(tx.Label) {
			t.Fatalf("JSONL line %d: score %v label %v, want %v and %v", i+1, row["score"], row["label"], tx.Score, tx.Label)
		}
		wantTime := tx.Time.UTC().Format("2006-01-02T15:04:05.000Z")
		if ev.ID != tx.ID || ev.Model != ModelName || ev.User != tx.User || ev.Time != wantTime {
			t.Fatalf("event line %d: id %q model %q user %q time %q, want %q %q %q %q", i+1, ev.ID, ev.Model, ev.User, ev.Time, tx.ID, ModelName, tx.User, wantTime)
		}
		if parsed, err := time.Parse(time.RFC3339Nano, ev.Time); err != nil || !parsed.Equal(tx.Time) {
			t.Fatalf("event line %d: time %q parses to %v (%v), want %v", i+1, ev.Time, parsed, err, tx.Time)
		}
		if ev.Prediction.Score == nil || *ev.Prediction.Score != tx.Score || ev.Label == nil || *ev.Label != tx.Label || ev.Prediction.Label == nil {
			t.Fatalf("event line %d: prediction or label missing or wrong", i+1)
		}
		if want := tx.Score >= 0.5; (*ev.Prediction.Label == 1) != want || (*ev.Prediction.Label != 0 && *ev.Prediction.Label != 1) {
			t.Fatalf("event line %d: predicted label %d for score %v", i+1, *ev.Prediction.Label, tx.Score)
		}
		predicted += *ev.Prediction.Label
	}
	if predicted == 0 {
		t.Error("no event predicted fraudulent: the threshold is untested")
	}
}

// jsonText renders a decoded JSON value as featureStrings would, null as "".
func jsonText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case string:
		return v
	}
	return "?"
}

func TestWriteRejectsNonFinite(t *testing.T) {
	good := Reference(1, 1)[0]
	tests := []struct {
		name string
		edit func(*Transaction)
		want string // "" for no error
	}{
		{"NaN amount", func(tx *Transaction) { tx.TransactionAmount = math.NaN() }, "transaction 2 (tx-2): transaction_amount is NaN"},
		{"infinite distance", func(tx *Transaction) { tx.DistanceFromHomeKm = math.Inf(-1) }, "distance_from_home_km is -Inf"},
		{"NaN score", func(tx *Transaction) { tx.Score = math.NaN() }, "score is NaN"},
		{"NaN amount marked missing", func(tx *Transaction) {
			tx.TransactionAmount = math.NaN()
			tx.Missing = FeatureTransactionAmount
		}, ""},
	}
	for _, tt := range tests {
		for name, write := range map[string]func(io.Writer, []Transaction) error{"csv": WriteCSV, "jsonl": WriteJSONL, "events": WriteEvents} {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				bad := good
				bad.ID = "tx-2"
				tt.edit(&bad)
				err := write(io.Discard, []Transaction{good, bad})
				switch {
				case tt.want == "" && err != nil:
					t.Errorf("error %v, want none", err)
				case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
					t.Errorf("error %v, want one containing %q", err, tt.want)
				}
			})
		}
	}
}

type failingWriter struct{ after int }

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errDiskFull
	}
	w.after--
	return len(p), nil
}

func TestWriteReportsWriterErrors(t *testing.T) {
	txs := Reference(1, 5000) // several buffer flushes
	for name, write := range map[string]func(io.Writer, []Transaction) error{"csv": WriteCSV, "jsonl": WriteJSONL, "events": WriteEvents} {
		for _, after := range []int{0, 1} {
			if err := write(&failingWriter{after: after}, txs); !errors.Is(err, errDiskFull) {
				t.Errorf("%s, writer failing after %d writes: error %v, want %v", name, after, err, errDiskFull)
			}
		}
	}
}

func TestWriteEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, nil); err != nil || strings.Count(b.String(), "\n") != 1 || !strings.HasPrefix(b.String(), "transaction_amount,") {
		t.Errorf("WriteCSV(nil) = %q, %v; want the header alone", b.String(), err)
	}
	b.Reset()
	if err := WriteEvents(&b, nil); err != nil || b.Len() != 0 {
		t.Errorf("WriteEvents(nil) = %q, %v; want nothing", b.String(), err)
	}
}

func FuzzCSVField(f *testing.F) {
	for _, s := range []string{"grocery", "a,b", `say "hi"`, " padded ", "line\nbreak", "cr\rlf\r\n", "", "\xff\xfe"} {
		f.Add(s)
	}
	base := Reference(1, 1)[0]
	f.Fuzz(func(t *testing.T, s string) {
		tx := base
		tx.MerchantCategory = s
		var b bytes.Buffer
		if err := WriteCSV(&b, []Transaction{tx}); err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatalf("category %q: output %q does not parse: %v", s, b.String(), err)
		}
		// encoding/csv turns \r\n inside a quoted field into \n, as RFC 4180
		// readers may.
		want := strings.ReplaceAll(s, "\r\n", "\n")
		if len(records) != 2 || len(records[1]) != len(columns) || records[1][1] != want {
			t.Fatalf("category %q: read back %q", s, records)
		}
	})
}

func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"grocery", `quote " and \ backslash`, "tab\tnew\nline", "\x00\x1f\x7f", "\u2028\u2029", "\xff\xfe", "日本語"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s: %v", s, out, err)
		}
		// encoding/json replaces each invalid byte with U+FFFD; so must we.
		std, _ := json.Marshal(s)
		var want string
		if err := json.Unmarshal(std, &want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%q round-trips to %q, want %q", s, got, want)
		}
	})
}

func TestWriterStreamsLikeWriteAll(t *testing.T) {
	txs := mustGenerator(t, Options{Seed: 12}).Take(3000)
	for _, tt := range []struct {
		format Format
		all    func(io.Writer, []Transaction) error
	}{{FormatCSV, WriteCSV}, {FormatJSONL, WriteJSONL}, {FormatEvents, WriteEvents}} {
		var whole, streamed bytes.Buffer
		if err := tt.all(&whole, txs); err != nil {
			t.Fatal(err)
		}
		w, err := NewWriter(&streamed, tt.format)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(txs); i += 7 {
			if err := w.Write(txs[i:min(i+7, len(txs))]...); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(whole.Bytes(), streamed.Bytes()) {
			t.Errorf("%s: writing in batches differs from writing at once", tt.format)
		}
	}
	if _, err := NewWriter(io.Discard, "xml"); err == nil || !strings.Contains(err.Error(), `unknown format "xml"`) {
		t.Errorf("NewWriter(xml) error %v, want unknown format", err)
	}
}
