package event

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	`{"id": "tx-1", "model": "fraud_detection_v2", "user": "user_00042", "time": "2026-01-01T00:00:01.250Z", "features": {"transaction_amount": 12.5, "merchant_category": "grocery", "card_present": true, "x": null}, "prediction": {"label": 1, "score": 0.93, "probabilities": [0.07, 0.93]}, "prompt": "...", "output": "...", "label": "fraud"}`,
	"{\"model\":\"a\"}\n\n{\"model\":\"b\",\"features\":{\"x\":NaN}}\r\n[1]\n{\"model\":\"c\",\"time\":1767225601.5}",
	`[{"model":"a","features":{"a":"\ud83d\ude00","b":-0.0e-5}},{"model":"b","x":[[[[[[[1]]]]]]]},5,{"model":"c"}]`,
	`[{"model":"a"},{"model":"b",tru}]`,
	`{"model":"m","prediction":{"probabilities":{"a":1,"a":2}},"label":{"x":1}}`,
	"\xef\xbb\xbf[ ]",
	`{"model":"m","features":{"a":1e999,"b":"\u00zz","c":"\udc00"}}`,
	`{"model":"m","time":"2026-02-30T00:00:00+01:00"}`,
	`{"model": "m", "features": {"feature_00": 0.5, "feature_01": "x", "feature_02": true, "abcde": `,
	"[{\"model\":\"m\",\"features\":{\"a\":1,\"b\": 2, \"c\":\t3}},\n{\"model\":\"m\",\"features\":{\"a\":1,\"b\":2}}]",
}

// FuzzDecode: any input decodes without panicking; streaming it a byte at
// a time changes nothing; every kept event is valid, survives a round
// trip, and came from an item that is valid JSON.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add(gzipped(f, fuzzSeeds[1]))
	lim := Limits{MaxItemBytes: 512, MaxDepth: 5, MaxFeatures: 16, MaxItems: 64, MaxValues: 100}
	f.Fuzz(func(t *testing.T, data []byte) {
		events, rejected, err := NewDecoder(lim).Decode(bytes.NewReader(data), nil)

		streamed, streamedRejected, streamedErr := NewDecoder(lim).Decode(iotest.OneByteReader(bytes.NewReader(data)), nil)
		if len(streamed) != len(events) || len(streamedRejected) != len(rejected) || errText(streamedErr) != errText(err) {
			t.Fatalf("a byte at a time: %d events, %v, %v; at once: %d events, %v, %v",
				len(streamed), streamedRejected, streamedErr, len(events), rejected, err)
		}
		for k := range events {
			if !sameEvent(&events[k], &streamed[k]) {
				t.Fatalf("event %d differs when streamed", k)
			}
		}
		for k := range rejected {
			if rejected[k] != streamedRejected[k] {
				t.Fatalf("rejected %d differs when streamed: %v, %v", k, rejected[k], streamedRejected[k])
			}
		}

		items := len(events) + len(rejected)
		if items > lim.MaxItems {
			t.Fatalf("%d items, limit %d", items, lim.MaxItems)
		}
		values := 0
		for k := range events {
			values += len(events[k].Features) + len(events[k].Prediction.Probabilities)
		}
		if values > lim.MaxValues {
			t.Fatalf("%d values, limit %d", values, lim.MaxValues)
		}
		for k := 1; k < len(rejected); k++ {
			if rejected[k].Index <= rejected[k-1].Index || rejected[k].Line < rejected[k-1].Line {
				t.Fatalf("rejected items out of order: %v", rejected)
			}
		}
		for _, r := range rejected {
			if r.Index >= items || r.Line < 1 || r.Reason == "" {
				t.Fatalf("bad item error %#v of %d items", r, items)
			}
		}
		roundTrip := NewDecoder(lim)
		for k := range events {
			checkEvent(t, &events[k], lim, roundTrip)
		}

		body := bytes.TrimPrefix(data, utf8BOM)
		if len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b {
			return
		}
		switch first := skipSpace(body, 0); {
		case first < len(body) && body[first] == '{':
			lines := itemLines(body)
			if items > len(lines) {
				t.Fatalf("%d items from %d non-blank lines", items, len(lines))
			}
			bad := map[int]bool{}
			for _, r := range rejected {
				bad[r.Index] = true
			}
			for k := 0; k < items; k++ {
				if !bad[k] && !json.Valid(lines[k]) {
					t.Fatalf("kept item %d is not valid JSON: %q", k, lines[k])
				}
			}
		case first < len(body) && body[first] == '[':
			if items > bytes.Count(body, []byte{','})+1 {
				t.Fatalf("%d items from %d commas", items, bytes.Count(body, []byte{','}))
			}
			if err == nil && len(rejected) == 0 && !json.Valid(body) {
				t.Fatalf("accepted an array that is not valid JSON: %q", body)
			}
		}
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// itemLines splits an NDJSON body into its non-blank lines.
func itemLines(body []byte) [][]byte {
	var out [][]byte
	for _, line := range bytes.Split(body, []byte{'\n'}) {
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if skipSpace(line, 0) < len(line) {
			out = append(out, line)
		}
	}
	return out
}

// checkEvent checks what every decoded event promises, and that it
// survives AppendJSON and Decode unchanged.
func checkEvent(t *testing.T, e *Event, lim Limits, d *Decoder) {
	t.Helper()
	if e.Model == "" {
		t.Fatal("event without a model")
	}
	for _, s := range []string{e.ID, e.Model, e.User, e.Prompt, e.Output, e.Label.Str, e.Prediction.Label.Str} {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 %q", s)
		}
	}
	if len(e.Features) > lim.MaxFeatures || len(e.Prediction.Probabilities) > lim.MaxFeatures {
		t.Fatalf("%d features, %d classes", len(e.Features), len(e.Prediction.Probabilities))
	}
	finite := func(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
	names := map[string]bool{}
	for _, f := range e.Features {
		if names[f.Name] || !utf8.ValidString(f.Name) || !utf8.ValidString(f.Value.Str) || !finite(f.Value.Num) {
			t.Fatalf("bad feature %+v", f)
		}
		names[f.Name] = true
	}
	classes := map[string]bool{}
	for _, cp := range e.Prediction.Probabilities {
		if classes[cp.Class] || !finite(cp.P) {
			t.Fatalf("bad class %+v", cp)
		}
		classes[cp.Class] = true
	}
	if !finite(e.Prediction.Score) || !finite(e.Label.Num) || !finite(e.Prediction.Label.Num) {
		t.Fatal("non-finite number")
	}
	if !e.Time.IsZero() && (e.Time.Year() < 1 || e.Time.Year() > 9999) {
		t.Fatalf("time %v out of range", e.Time)
	}
	out := AppendJSON(nil, e)
	again, rejected, err := d.Decode(bytes.NewReader(out), nil)
	if err != nil || len(rejected) > 0 || len(again) != 1 || !sameEvent(e, &again[0]) {
		t.Fatalf("round trip of %s: %v %v %v", out, again, rejected, err)
	}
}

// FuzzRoundTrip: an event written by AppendJSON decodes to the same event,
// once its strings are made valid UTF-8 and its non-finite numbers null;
// or, when it breaks the schema, is rejected.
func FuzzRoundTrip(f *testing.F) {
	f.Add("tx-1", "fraud", "u1", int64(1767225601), int64(250000000), "amount", 12.5, "grocery", "fraud", 0.93, 0.07, "legit")
	f.Add("", "m\xff", "\u2028", int64(-62135596800), int64(1), "b", math.Inf(1), "\x00\"\\", "", math.NaN(), 0.5, "")
	f.Add("\xed\xa0\x80", "m", "", int64(253402300800), int64(0), "x", -0.0, "\U0001F600", "1", -1e-300, math.NaN(), "0")
	f.Fuzz(func(t *testing.T, id, model, user string, sec, nsec int64, name string, x float64, s, label string, score, p float64, class string) {
		in := Event{
			ID: id, Model: model, User: user,
			Time:     time.Unix(sec%(1<<40), nsec%1e9).UTC(),
			Features: []Feature{{name, num(x)}, {name + "_s", str(s)}, {"b", BoolValue(x > 0)}},
			Prediction: Prediction{Label: str(label), Score: score, HasScore: true,
				Probabilities: []ClassProb{{class, p}}},
			Prompt: s, Output: label, Label: num(score),
		}
		out := AppendJSON(nil, &in)
		if !json.Valid(out) {
			t.Fatalf("invalid JSON %s", out)
		}
		events, rejected, err := NewDecoder(Limits{}).Decode(bytes.NewReader(out), nil)
		if err != nil || len(events)+len(rejected) != 1 {
			t.Fatalf("%s: %d events, %v, %v", out, len(events), rejected, err)
		}

		want := normalized(in)
		var breaks []string // any of these may be the reason reported
		if want.Model == "" {
			breaks = append(breaks, "model: empty")
		}
		if want.Features[0].Name == "b" || want.Features[1].Name == "b" {
			breaks = append(breaks, "duplicate feature")
		}
		if math.IsNaN(p) || math.IsInf(p, 0) {
			breaks = append(breaks, "want number, got null")
		}
		if want.Time.Year() < 1 || want.Time.Year() > 9999 {
			breaks = append(breaks, "out of range")
		}
		if len(breaks) > 0 {
			if len(rejected) != 1 || !containsAny(rejected[0].Reason, breaks) {
				t.Fatalf("%s: want a rejection for one of %q, got %v %v", out, breaks, events, rejected)
			}
			return
		}
		if len(events) != 1 || !sameEvent(&events[0], &want) {
			t.Fatalf("%s:\n got %+v %v\nwant %+v", out, events, rejected, want)
		}
	})
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// normalized is what a round trip can keep of e: valid UTF-8 (each invalid
// byte becomes U+FFFD) and null for numbers JSON cannot hold.
func normalized(e Event) Event {
	valid := func(s string) string {
		var b []byte
		for len(s) > 0 {
			r, size := utf8.DecodeRuneInString(s)
			b = utf8.AppendRune(b, r)
			s = s[size:]
		}
		return string(b)
	}
	value := func(v Value) Value {
		if v.Kind == Number && (math.IsNaN(v.Num) || math.IsInf(v.Num, 0)) {
			return Value{}
		}
		v.Str = valid(v.Str)
		return v
	}
	out := e
	out.ID, out.Model, out.User, out.Prompt, out.Output = valid(e.ID), valid(e.Model), valid(e.User), valid(e.Prompt), valid(e.Output)
	out.Label = value(e.Label)
	out.Features = nil
	for _, f := range e.Features {
		out.Features = append(out.Features, Feature{valid(f.Name), value(f.Value)})
	}
	out.Prediction.Label = value(e.Prediction.Label)
	if math.IsNaN(e.Prediction.Score) || math.IsInf(e.Prediction.Score, 0) {
		out.Prediction.Score, out.Prediction.HasScore = 0, false
	}
	out.Prediction.Probabilities = nil
	for _, cp := range e.Prediction.Probabilities {
		out.Prediction.Probabilities = append(out.Prediction.Probabilities, ClassProb{valid(cp.Class), cp.P})
	}
	return out
}

// TestDecodeMutations decodes every truncation of some events, and every
// copy with one byte replaced by a byte that matters to JSON, in both
// forms: nothing panics, and what is kept is valid.
func TestDecodeMutations(t *testing.T) {
	events := []string{
		`{"id": "tx-1", "model": "fraud", "user": "u", "time": "2026-01-01T00:00:01.250Z", "features": {"abcde": 12.5, "feature_01": "grocery", "ab": true, "x": null, "y": -1.5e-3, "z": 0.12345678901234567}, "prediction": {"label": 1, "score": 0.93, "probabilities": [0.07, 0.93]}, "label": "fraud"}`,
		`{"model":"m","features":{"a":"\u00e9\ud83d\ude00\n","b":[1,{"c":2}],"abcdefgh":1},"prediction":{"probabilities":{"x":1e-7}},"extra":{"k":[true,false,null]},"time":1767225601.5}`,
	}
	replacements := []byte("\"\\ :,}]{[\n\x00\xff0e-.tn")
	lim := Limits{MaxItemBytes: 512, MaxDepth: 5, MaxFeatures: 16, MaxItems: 64}
	d, roundTrip := NewDecoder(lim), NewDecoder(lim)
	decode := func(body []byte) {
		got, _, _ := d.Decode(bytes.NewReader(body), nil)
		for k := range got {
			checkEvent(t, &got[k], lim, roundTrip)
		}
	}
	step := 1
	if testing.Short() {
		step = 3
	}
	for _, ev := range events {
		for _, wrap := range []func(string) string{
			func(s string) string { return s + "\n" + s },
			func(s string) string { return "[" + s + "," + s + "]" },
		} {
			body := []byte(wrap(ev))
			for cut := range len(body) {
				decode(body[:cut])
			}
			for pos := 0; pos < len(body); pos += step {
				for _, c := range replacements {
					mutated := bytes.Clone(body)
					mutated[pos] = c
					decode(mutated)
				}
			}
		}
	}
}
