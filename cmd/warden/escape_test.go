package main

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// Hostile names as they reach Warden: a user id that would retitle the
// operator's terminal and clear it, a column name that would print the rest
// of its line backwards, a column and a category holding escape sequences,
// an event id that would move the cursor up over the line before.
const (
	hostileUser     = "\x1b]0;owned\x07\x1b[2J"
	hostileAmount   = "amount\u202eusd"
	hostileMerchant = "merchant\x1b[2J"
	hostileCategory = "\x1b]0;owned\x07"
)

// hostileText reports the first control character or bidi control in
// out, which no text output may carry whatever its input.
func hostileText(out string) (int, bool) {
	if !utf8.ValidString(out) {
		return 0, true
	}
	i := strings.IndexFunc(out, func(r rune) bool {
		return r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r <= 0x9f || r == '\u202e'
	})
	return i, i >= 0
}

// hostileFiles writes simulated reference and production tables whose
// header names and one category are hostile, and a day of events with the
// same names, a probing user with a hostile id, and a configuration.
func hostileFiles(t *testing.T) (ref, cur, events, cfg string) {
	t.Helper()
	dir := t.TempDir()
	if r := warden(t, "simulate", "--dir", dir, "--seed", "5", "--rows", "3000",
		"--drift", "transaction_amount:scale=3", "--drift", "merchant_category:new=crypto_exchange,share=0.2"); r.code != 0 {
		t.Fatalf("simulate: exit %d: %s", r.code, r.stderr)
	}
	if r := warden(t, "simulate", "--current", filepath.Join(dir, "events.jsonl"), "--seed", "5", "--format", "events", "--rows", "20000",
		"--drift", "transaction_amount:scale=4,from=12h", "--burst", "prober:count=40,from=9h"); r.code != 0 {
		t.Fatalf("simulate events: exit %d: %s", r.code, r.stderr)
	}
	rewrite := func(from, to string, r *strings.Replacer) string {
		raw, err := os.ReadFile(filepath.Join(dir, from))
		if err != nil {
			t.Fatal(err)
		}
		return writeFile(t, dir, to, r.Replace(string(raw)))
	}
	csv := strings.NewReplacer("transaction_amount", hostileAmount, "merchant_category", hostileMerchant, "crypto_exchange", hostileCategory)
	ref = rewrite("reference.csv", "ref.csv", csv)
	cur = rewrite("production.csv", "cur.csv", csv)
	events = rewrite("events.jsonl", "hostile.jsonl", strings.NewReplacer(
		`"transaction_amount"`, `"amount\u202eusd"`, `"merchant_category"`, `"merchant\u001b[2J"`,
		`"prober"`, `"\u001b]0;owned\u0007\u001b[2J"`))
	cfg = writeFile(t, dir, "warden.yaml", "models:\n  - name: fraud_detection_v2\n    reference: ref.csv\n")
	return ref, cur, events, cfg
}

// Every text output of the CLI shows hostile names escaped, on stdout and
// stderr alike; no control character from the input reaches the terminal.
func TestTextOutputsEscapeInput(t *testing.T) {
	ref, cur, events, cfg := hostileFiles(t)
	prof := filepath.Join(filepath.Dir(ref), "ref.wprof")
	if r := warden(t, "profile", "build", "--data", ref, "--out", prof); r.code != 0 {
		t.Fatalf("profile build: exit %d: %s", r.code, r.stderr)
	}
	tests := []struct {
		name string
		args []string
		code int
		want []string // in stdout and stderr together
		// jsonl: stdout is JSON lines, which keep names exact (JSON escapes
		// control characters, not bidi controls); only stderr is text.
		jsonl bool
	}{
		{"drift", []string{"drift", "--reference", ref, "--current", cur}, 1,
			[]string{`Feature 'amount\u202eusd' drift detected`, `Feature 'merchant\x1b[2J' drift detected`, `Production share of '\x1b]0;owned\x07'`}, false},
		{"outliers text", []string{"outliers", "--train", ref, "--score", cur, "--exclude-columns", "score,label", "--format", "text"}, 1,
			[]string{`merchant\x1b[2J = "\x1b]0;owned\a" was never seen`, `  merchant\x1b[2J       `, `amount\u202eusd `}, false},
		{"outliers summary on stderr", []string{"outliers", "--train", ref, "--score", cur, "--exclude-columns", "score,label"}, 1,
			[]string{`  merchant\x1b[2J       `}, true},
		{"profile show", []string{"profile", "show", prof}, 0,
			[]string{"\n" + `amount\u202eusd   `, "\n" + `merchant\x1b[2J   `, `Features:             7 (5 numeric, 1 boolean, 1 categorical): amount\u202eusd, merchant\x1b[2J, `}, false},
		{"replay text", []string{"replay", "--config", cfg, "--events", events, "--format", "text"}, 1,
			[]string{`inputs from \x1b]0;owned\x07\x1b[2J in the hour`, `Feature 'amount\u202eusd' drift detected`}, false},
		{"error message", []string{"drift", "--reference", ref, "--current", cur, "--columns", hostileMerchant + "x"}, 2,
			[]string{`warden: --columns "merchant\x1b[2Jx": no such column`}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := warden(t, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tc.code, r.stderr)
			}
			for stream, out := range map[string]string{"stdout": r.stdout, "stderr": r.stderr} {
				if stream == "stdout" && tc.jsonl {
					continue
				}
				if i, bad := hostileText(out); bad {
					t.Errorf("%s carries a control character or invalid UTF-8 at %d: %q", stream, i, out[max(0, i-40):min(len(out), i+40)])
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout+r.stderr, w) {
					t.Errorf("output lacks %s:\n%s\n%s", w, r.stdout, r.stderr)
				}
			}
		})
	}
}

// The attack end to end: events with hostile user ids and feature names go
// into a running service; neither `warden report --server` nor
// GET /v1/report?format=text lets their control characters through, and
// the JSON report keeps them exact.
func TestReportFromServiceEscapesInput(t *testing.T) {
	ref, _, events, _ := hostileFiles(t)
	svc := startService(t, filepath.Join(t.TempDir(), "data"))
	if code, raw := svc.do(t, "POST", "/v1/models", "application/json", []byte(`{"name":"fraud_detection_v2"}`)); code != 201 {
		t.Fatalf("register: %d %s", code, raw)
	}
	refCSV, err := os.ReadFile(ref)
	if err != nil {
		t.Fatal(err)
	}
	if code, raw := svc.do(t, "PUT", "/v1/models/fraud_detection_v2/reference", "text/csv", refCSV); code != 200 {
		t.Fatalf("reference: %d %s", code, raw)
	}
	body, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	n := strings.Count(string(body), "\n")
	if code, raw := svc.do(t, "POST", "/v1/events", "application/x-ndjson", body); code != 202 {
		t.Fatalf("events: %d %s", code, raw)
	}
	svc.waitProcessed(t, n)

	r := warden(t, "report", "--server", svc.base)
	if r.code != 1 {
		t.Fatalf("report: exit %d: %s", r.code, r.stderr)
	}
	_, text := svc.do(t, "GET", "/v1/report?format=text", "", nil)
	for name, out := range map[string]string{"warden report": r.stdout, "GET /v1/report?format=text": string(text)} {
		if strings.IndexByte(out, 0x1b) >= 0 {
			t.Errorf("%s: a raw ESC reached the output", name)
		}
		if i, bad := hostileText(out); bad {
			t.Errorf("%s carries a control character at %d: %q", name, i, out[max(0, i-40):min(len(out), i+40)])
		}
		for _, want := range []string{`User \x1b]0;owned\x07\x1b[2J: `, `Feature 'amount\u202eusd' drift detected`, `Block \x1b]0;owned\x07\x1b[2J's anomalous inputs`} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %s:\n%s", name, want, out)
			}
		}
	}
	if _, js := svc.do(t, "GET", "/v1/report", "", nil); !strings.Contains(string(js), `"subject": "\u001b]0;owned\u0007\u001b[2J"`) {
		t.Errorf("the JSON report does not keep the user id exact:\n%s", js)
	}
}

// warden serve logs with log/slog's text handler, which quotes any value
// holding a control, format or non-printable character (strconv.Quote
// escapes them), message and errors included: names from the traffic
// cannot drive the terminal through the log either.
func TestServeLogQuotesInput(t *testing.T) {
	var buf strings.Builder
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Warn("model "+hostileMerchant, "model", hostileUser, "feature", hostileAmount,
		"err", errors.New("bad user "+hostileUser), hostileCategory, 1)
	if i, bad := hostileText(strings.TrimSuffix(buf.String(), "\n")); bad {
		t.Errorf("the log line carries a control character at %d: %q", i, buf.String())
	}
	for _, want := range []string{`msg="model merchant\x1b[2J"`, `model="\x1b]0;owned\a\x1b[2J"`, `feature="amount\u202eusd"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log line lacks %s: %s", want, buf.String())
		}
	}
}
