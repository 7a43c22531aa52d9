package event

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unsafe"
)

func num(f float64) Value { return NumberValue(f) }
func str(s string) Value  { return StringValue(s) }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// sameEvent compares events field by field: times by instant, nil and
// empty slices alike, numbers by bits.
func sameEvent(a, b *Event) bool {
	if a.ID != b.ID || a.Model != b.Model || a.User != b.User || !a.Time.Equal(b.Time) ||
		a.Prompt != b.Prompt || a.Output != b.Output || !sameValue(a.Label, b.Label) ||
		len(a.Features) != len(b.Features) || !sameValue(a.Prediction.Label, b.Prediction.Label) ||
		a.Prediction.HasScore != b.Prediction.HasScore ||
		math.Float64bits(a.Prediction.Score) != math.Float64bits(b.Prediction.Score) ||
		len(a.Prediction.Probabilities) != len(b.Prediction.Probabilities) {
		return false
	}
	for k := range a.Features {
		if a.Features[k].Name != b.Features[k].Name || !sameValue(a.Features[k].Value, b.Features[k].Value) {
			return false
		}
	}
	for k, cp := range a.Prediction.Probabilities {
		other := b.Prediction.Probabilities[k]
		if cp.Class != other.Class || math.Float64bits(cp.P) != math.Float64bits(other.P) {
			return false
		}
	}
	return true
}

func sameValue(a, b Value) bool {
	return a.Kind == b.Kind && a.Str == b.Str && math.Float64bits(a.Num) == math.Float64bits(b.Num)
}

func decodeAll(t *testing.T, lim Limits, body string) ([]Event, []ItemError, error) {
	t.Helper()
	return NewDecoder(lim).Decode(strings.NewReader(body), nil)
}

// TestDecodeFields decodes one event per case and checks every field.
func TestDecodeFields(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Event
	}{
		{
			name: "spec example",
			in: `{"id": "tx-1", "model": "fraud_detection_v2", "user": "user_00042", "time": "2026-01-01T00:00:01.250Z",
 "features": {"transaction_amount": 12.5, "merchant_category": "grocery", "card_present": true, "x": null},
 "prediction": {"label": 1, "score": 0.93, "probabilities": [0.07, 0.93]},
 "prompt": "...", "output": "...", "label": "fraud"}`,
			want: Event{
				ID: "tx-1", Model: "fraud_detection_v2", User: "user_00042", Time: at("2026-01-01T00:00:01.25Z"),
				Features: []Feature{
					{"transaction_amount", num(12.5)}, {"merchant_category", str("grocery")},
					{"card_present", BoolValue(true)}, {"x", Value{}},
				},
				Prediction: Prediction{Label: num(1), Score: 0.93, HasScore: true,
					Probabilities: []ClassProb{{"0", 0.07}, {"1", 0.93}}},
				Prompt: "...", Output: "...", Label: str("fraud"),
			},
		},
		{"model only", `{"model":"m"}`, Event{Model: "m"}},
		{"nulls are absent", `{"model":"m","id":null,"user":null,"time":null,"features":null,"prediction":null,"prompt":null,"output":null,"label":null}`, Event{Model: "m"}},
		{"empty features", `{"model":"m","features":{}}`, Event{Model: "m"}},
		{"numeric ids kept as written", `{"model":"m","id":12345,"user":-7.50}`, Event{Model: "m", ID: "12345", User: "-7.50"}},
		{"unknown keys ignored", `{"v":2,"model":"m","meta":{"a":[1,{"b":null}],"c":"d"},"extra":[]}`, Event{Model: "m"}},
		{"time with offset", `{"model":"m","time":"2026-01-01T02:00:01+02:00"}`, Event{Model: "m", Time: at("2026-01-01T00:00:01Z")}},
		{"naive time is UTC", `{"model":"m","time":"2026-01-01T00:00:01.123456789"}`, Event{Model: "m", Time: at("2026-01-01T00:00:01.123456789Z")}},
		{"ISO 8601 variants", `{"model":"m","time":"2026-01-01 05:30:01,5-0530"}`, Event{Model: "m", Time: at("2026-01-01T11:00:01.5Z")}},
		{"lower case t and z", `{"model":"m","time":"2026-01-01t00:00:01z"}`, Event{Model: "m", Time: at("2026-01-01T00:00:01Z")}},
		{"offset hours only", `{"model":"m","time":"2026-01-01T00:00:01-01"}`, Event{Model: "m", Time: at("2026-01-01T01:00:01Z")}},
		{"leap day", `{"model":"m","time":"2024-02-29T12:00:00Z"}`, Event{Model: "m", Time: at("2024-02-29T12:00:00Z")}},
		{"unix seconds", `{"model":"m","time":1767225601}`, Event{Model: "m", Time: at("2026-01-01T00:00:01Z")}},
		{"unix seconds exact fraction", `{"model":"m","time":1767225601.123456789}`, Event{Model: "m", Time: at("2026-01-01T00:00:01.123456789Z")}},
		{"unix seconds before 1970", `{"model":"m","time":-1.25}`, Event{Model: "m", Time: at("1969-12-31T23:59:58.75Z")}},
		{"unix seconds with exponent", `{"model":"m","time":1.7672256e9}`, Event{Model: "m", Time: at("2026-01-01T00:00:00Z")}},
		{
			name: "feature values",
			in:   `{"model":"m","features":{"i":-3,"f":1.5e-3,"big":1e300,"zero":-0.0,"s":"","t":true,"fl":false,"n":null}}`,
			want: Event{Model: "m", Features: []Feature{
				{"i", num(-3)}, {"f", num(0.0015)}, {"big", num(1e300)}, {"zero", num(math.Copysign(0, -1))},
				{"s", str("")}, {"t", BoolValue(true)}, {"fl", BoolValue(false)}, {"n", Value{}},
			}},
		},
		{
			name: "escapes and unicode",
			in:   `{"model":"m\u00e9","features":{"a\"b":"\ud83d\ude00 \\ \/ \b\f\n\r\t","ключ":"значение"},"prompt":"line\none"}`,
			want: Event{Model: "mé", Features: []Feature{
				{"a\"b", str("😀 \\ / \b\f\n\r\t")}, {"ключ", str("значение")},
			}, Prompt: "line\none"},
		},
		{"escaped known key", `{"mod\u0065l":"m"}`, Event{Model: "m"}},
		{"long values are not shared", `{"model":"m","features":{"s":"` + strings.Repeat("long ", 20) + `"},"label":"` + strings.Repeat("x", 65) + `"}`,
			Event{Model: "m", Features: []Feature{{"s", str(strings.Repeat("long ", 20))}}, Label: str(strings.Repeat("x", 65))}},
		{
			name: "labels of every kind",
			in:   `{"model":"m","prediction":{"label":"fraud","score":-1e-7},"label":true}`,
			want: Event{Model: "m", Prediction: Prediction{Label: str("fraud"), Score: -1e-7, HasScore: true}, Label: BoolValue(true)},
		},
		{
			name: "probabilities object",
			in:   `{"model":"m","prediction":{"probabilities":{"legit":0.25,"fraud":0.75},"model_version":"3"},"label":0}`,
			want: Event{Model: "m", Prediction: Prediction{Probabilities: []ClassProb{{"legit", 0.25}, {"fraud", 0.75}}}, Label: num(0)},
		},
		{"null score", `{"model":"m","prediction":{"score":null,"probabilities":null,"label":null}}`, Event{Model: "m"}},
		{"whitespace everywhere", " \t{ \"model\" \t: \"m\" , \"features\" : { \"a\" : 1 , \"b\" : \"x\" } } \t", Event{Model: "m", Features: []Feature{{"a", num(1)}, {"b", str("x")}}}},
		{
			name: "numbers near the limits",
			in:   `{"model":"m","features":{"max":1.7976931348623157e308,"tiny":5e-324,"under":1e-400,"long":0.30000000000000004441,"digits":12345678901234567890123}}`,
			want: Event{Model: "m", Features: []Feature{
				{"max", num(math.MaxFloat64)}, {"tiny", num(5e-324)}, {"under", num(0)},
				{"long", num(0.30000000000000004)}, {"digits", num(1.2345678901234568e22)},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, form := range []string{"ndjson", "array"} {
				body := strings.ReplaceAll(tt.in, "\n", " ")
				if form == "array" {
					body = "[" + body + "]"
				}
				events, rejected, err := decodeAll(t, Limits{}, body)
				if err != nil || len(rejected) > 0 || len(events) != 1 {
					t.Fatalf("%s: %d events, rejected %v, err %v", form, len(events), rejected, err)
				}
				if !sameEvent(&events[0], &tt.want) {
					t.Errorf("%s:\n got %+v\nwant %+v", form, events[0], tt.want)
				}
			}
		})
	}
}

// TestDecodeItemErrors checks that each kind of bad item is rejected with
// its index, line and reason, and that the items around it survive.
func TestDecodeItemErrors(t *testing.T) {
	tests := []struct {
		name   string
		item   string
		reason string
	}{
		{"model missing", `{"id":"a"}`, "model: missing"},
		{"model empty", `{"model":""}`, "model: empty"},
		{"model not a string", `{"model":7}`, "model: want string, got number"},
		{"model null", `{"model":null}`, "model: want string, got null"},
		{"duplicate key", `{"model":"m","model":"n"}`, `duplicate key "model"`},
		{"duplicate unknown key", `{"model":"m","x":1,"x":2}`, `duplicate key "x"`},
		{"duplicate escaped key", `{"model":"m","\u0078":1,"x":2}`, `duplicate key "x"`},
		{"duplicate feature", `{"model":"m","features":{"a":1,"b":2,"a":3}}`, "features.a: duplicate feature"},
		{"duplicate prediction key", `{"model":"m","prediction":{"score":1,"score":2}}`, `prediction: duplicate key "score"`},
		{"duplicate class", `{"model":"m","prediction":{"probabilities":{"a":0.5,"a":0.5}}}`, `prediction.probabilities: duplicate class "a"`},
		{"nested object feature", `{"model":"m","features":{"amount":{"v":1}}}`, "features.amount: want number, string, bool or null, got object (nested values are not supported)"},
		{"nested array feature", `{"model":"m","features":{"x":[1,2]}}`, "features.x: want number, string, bool or null, got array (nested values are not supported)"},
		{"odd feature name quoted", `{"model":"m","features":{"a b":[1]}}`, `features."a b": want number, string, bool or null, got array (nested values are not supported)`},
		{"NaN", `{"model":"m","features":{"x":NaN}}`, "features.x: NaN is not a JSON number"},
		{"Infinity", `{"model":"m","prediction":{"score":Infinity}}`, "prediction.score: Infinity is not a JSON number"},
		{"minus Infinity", `{"model":"m","features":{"x":-Infinity}}`, "features.x: -Infinity is not a JSON number"},
		{"overflow", `{"model":"m","features":{"x":1e999}}`, `features.x: number out of range: "1e999"`},
		{"negative overflow", `{"model":"m","prediction":{"probabilities":[-1e400]}}`, `prediction.probabilities[0]: number out of range: "-1e400"`},
		{"leading zero", `{"model":"m","features":{"x":012}}`, `features.x: invalid number "012"`},
		{"bare point", `{"model":"m","features":{"x":1.}}`, `features.x: invalid number "1."`},
		{"empty exponent", `{"model":"m","features":{"x":2e}}`, `features.x: invalid number "2e"`},
		{"invalid UTF-8", "{\"model\":\"m\",\"features\":{\"x\":\"caf\xe9\"}}", "features.x: invalid UTF-8 in string"},
		{"invalid UTF-8 in key", "{\"model\":\"m\",\"features\":{\"\xff\":1}}", "features: key: invalid UTF-8 in string"},
		{"overlong UTF-8", "{\"model\":\"m\",\"prompt\":\"\xc0\xaf\"}", "prompt: invalid UTF-8 in string"},
		{"lone high surrogate", `{"model":"m","output":"\ud800x"}`, `output: lone UTF-16 surrogate \ud800 in string`},
		{"lone low surrogate", `{"model":"m","user":"\udc00"}`, `user: lone UTF-16 surrogate \udc00 in string`},
		{"high surrogate then non-surrogate", `{"model":"m","id":"\ud800\u0041"}`, `id: lone UTF-16 surrogate \ud800 in string`},
		{"invalid escape", `{"model":"m","label":"\q"}`, `label: invalid escape \q in string`},
		{"short unicode escape", `{"model":"m","label":"\u12x4"}`, `label: invalid \u escape in string: want 4 hex digits`},
		{"raw control character", "{\"model\":\"m\",\"prompt\":\"a\tb\"}", "prompt: control character 0x09 in string (must be escaped)"},
		{"bad time", `{"model":"m","time":"yesterday"}`, `time: want RFC 3339 like 2026-01-01T00:00:01.250Z or Unix seconds, got "yesterday"`},
		{"bad month", `{"model":"m","time":"2026-13-01T00:00:00Z"}`, `time: want RFC 3339 like 2026-01-01T00:00:01.250Z or Unix seconds, got "2026-13-01T00:00:00Z"`},
		{"no leap day", `{"model":"m","time":"2025-02-29T00:00:00Z"}`, `time: want RFC 3339 like 2026-01-01T00:00:01.250Z or Unix seconds, got "2025-02-29T00:00:00Z"`},
		{"bad offset", `{"model":"m","time":"2026-01-01T00:00:00+05:"}`, `time: want RFC 3339 like 2026-01-01T00:00:01.250Z or Unix seconds, got "2026-01-01T00:00:00+05:"`},
		{"time past 9999", `{"model":"m","time":"9999-12-31T23:59:59-01:00"}`, `time: "9999-12-31T23:59:59-01:00" is out of range (years 1 to 9999 in UTC)`},
		{"milliseconds", `{"model":"m","time":1767225601250}`, "time: 1767225601250 Unix seconds is out of range (years 1 to 9999); milliseconds? want seconds"},
		{"time of wrong type", `{"model":"m","time":true}`, "time: want RFC 3339 string or Unix seconds, got bool"},
		{"features of wrong type", `{"model":"m","features":[1]}`, "features: want object, got array"},
		{"features true", `{"model":"m","features":true}`, "features: want object, got bool"},
		{"prediction NaN", `{"model":"m","prediction":NaN}`, "prediction: want object, got NaN"},
		{"prediction of wrong type", `{"model":"m","prediction":"yes"}`, "prediction: want object, got string"},
		{"score of wrong type", `{"model":"m","prediction":{"score":"0.9"}}`, "prediction.score: want number, got string"},
		{"probabilities of wrong type", `{"model":"m","prediction":{"probabilities":0.9}}`, "prediction.probabilities: want array or object, got number"},
		{"probability null", `{"model":"m","prediction":{"probabilities":[0.1,null]}}`, "prediction.probabilities[1]: want number, got null"},
		{"class probability string", `{"model":"m","prediction":{"probabilities":{"fraud":"high"}}}`, "prediction.probabilities.fraud: want number, got string"},
		{"label object", `{"model":"m","label":{"v":1}}`, "label: want string, number, bool or null, got object"},
		{"prompt number", `{"model":"m","prompt":5}`, "prompt: want string, got number"},
		{"id bool", `{"model":"m","id":false}`, "id: want string, got bool"},
		{"not an object", `[{"model":"m"}]`, "want an event object, got array"},
		{"a string", `"model"`, "want an event object, got string"},
		{"nesting too deep", `{"model":"m","meta":[[[[[[[[1]]]]]]]]}`, "meta: nesting deeper than 8 levels"},
		{"truncated", `{"model":"m","features":{"a":1`, "invalid JSON: the line ends inside the object (column 31)"},
		{"truncated after a key", `{"model":"m","features":{"abcde": `, "invalid JSON: the line ends inside the object (column 35)"},
		{"truncated after a colon", `{"model":"m","features":{"abcdef":`, "invalid JSON: the line ends inside the object (column 35)"},
		{"unterminated string", `{"model":"m","id":"abc}`, "invalid JSON: the line ends inside the object (column 24)"},
		{"missing colon", `{"model" "m"}`, `invalid JSON at column 10: want ':' after a key, got '"'`},
		{"missing comma", `{"model":"m" "id":"x"}`, `invalid JSON at column 14: want ',' or '}', got '"'`},
		{"trailing comma", `{"model":"m",}`, `invalid JSON at column 14: want a string key, got '}'`},
		{"bad literal", `{"model":"m","label":tru}`, `invalid JSON at column 22: want a value, got "tru"`},
		{"single quotes", `{'model':'m'}`, `invalid JSON at column 2: want a string key, got '\''`},
		{"garbage after the object", `{"model":"m"} {"model":"n"}`, "unexpected '{' after the object at column 15"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := "{\"model\":\"before\"}\n\n" + tt.item + "\n{\"model\":\"after\"}\n"
			events, rejected, err := decodeAll(t, Limits{}, body)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 2 || events[0].Model != "before" || events[1].Model != "after" {
				t.Errorf("neighbours: got %d events %v", len(events), events)
			}
			want := ItemError{Index: 1, Line: 3, Offset: int64(len("{\"model\":\"before\"}\n\n")), Reason: tt.reason}
			if len(rejected) != 1 || rejected[0] != want {
				t.Fatalf("rejected:\n got %#v\nwant %#v", rejected, want)
			}
		})
	}
}

func TestItemErrorMessage(t *testing.T) {
	e := ItemError{Index: 3, Line: 4, Reason: "features.amount: want number, string, bool or null, got object"}
	if got, want := e.Error(), "item 3 (line 4): features.amount: want number, string, bool or null, got object"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := (ItemError{Index: 2, Reason: "model: missing"}).Error(), "item 2: model: missing"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestDecodeArray checks that a well-formed element that is not a valid
// event is rejected alone, and that malformed JSON ends the batch.
func TestDecodeArray(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		models   []string
		rejected []ItemError
		err      string // substring of the body error; "" for none
	}{
		{name: "empty", in: " [ ] ", models: nil},
		{name: "one", in: `[{"model":"a"}]`, models: []string{"a"}},
		{
			name:   "pretty printed with bad items",
			in:     "[\n  {\"model\":\"a\"},\n  {\"model\":\"b\",\"features\":{\"x\":[1]}},\n  5,\n  {\"model\":\"c\",\"time\":\"soon\"},\n  {\"model\":\"d\"}\n]\n",
			models: []string{"a", "d"},
			rejected: []ItemError{
				{Index: 1, Line: 3, Offset: 21, Reason: "features.x: want number, string, bool or null, got array (nested values are not supported)"},
				{Index: 2, Line: 4, Offset: 59, Reason: "want an event object, got number"},
				{Index: 3, Line: 5, Offset: 64, Reason: `time: want RFC 3339 like 2026-01-01T00:00:01.250Z or Unix seconds, got "soon"`},
			},
		},
		{name: "null element", in: `[null,{"model":"a"}]`, models: []string{"a"}, rejected: []ItemError{{Index: 0, Line: 1, Offset: 1, Reason: "want an event object, got null"}}},
		{
			name:   "malformed element ends the batch",
			in:     "[{\"model\":\"a\"},\n{\"model\":\"b\",\"id\":tru},{\"model\":\"c\"}]",
			models: []string{"a"},
			err:    `body unusable at line 2 (byte 34): item 1 is not valid JSON: want a value, got "tru"`,
		},
		{name: "never closes", in: `[{"model":"a"},{"model":"b"}`, models: []string{"a", "b"}, err: "line 1 (byte 28): unexpected end of input: the array never closes"},
		{name: "never closes inside an item", in: `[{"model":"a"},{"model":"b`, models: []string{"a"}, err: "unexpected end of input: the array never closes"},
		{name: "unterminated string", in: `[{"model":"a"},{"model":"b}]`, models: []string{"a"}, err: "the array never closes"},
		{name: "trailing comma", in: `[{"model":"a"},]`, models: []string{"a"}, err: `byte 15): item 1 is not valid JSON: want a value, got ']'`},
		{name: "missing comma", in: `[{"model":"a"} {"model":"b"}]`, models: []string{"a"}, err: `byte 15): want ',' or ']' after item 0, got '{'`},
		{name: "data after the array", in: `[{"model":"a"}] x`, models: []string{"a"}, err: `byte 16): unexpected 'x' after the array`},
		{name: "two arrays", in: `[{"model":"a"}][]`, models: []string{"a"}, err: `unexpected '[' after the array`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, rejected, err := decodeAll(t, Limits{}, tt.in)
			checkBatch(t, events, rejected, err, tt.models, tt.rejected, tt.err)
		})
	}
}

func checkBatch(t *testing.T, events []Event, rejected []ItemError, err error, models []string, wantRejected []ItemError, wantErr string) {
	t.Helper()
	var got []string
	for _, e := range events {
		got = append(got, e.Model)
	}
	if strings.Join(got, ",") != strings.Join(models, ",") {
		t.Errorf("models: got %q, want %q", got, models)
	}
	if len(rejected) != len(wantRejected) {
		t.Errorf("rejected: got %v, want %v", rejected, wantRejected)
	} else {
		for k := range rejected {
			if rejected[k] != wantRejected[k] {
				t.Errorf("rejected[%d]:\n got %#v\nwant %#v", k, rejected[k], wantRejected[k])
			}
		}
	}
	switch {
	case wantErr == "" && err != nil:
		t.Errorf("unexpected error %v", err)
	case wantErr != "" && err == nil:
		t.Errorf("no error, want %q", wantErr)
	case wantErr != "" && !strings.Contains(err.Error(), wantErr):
		t.Errorf("error %q, want it to contain %q", err, wantErr)
	}
	var be *BodyError
	if err != nil && !errors.As(err, &be) {
		t.Errorf("error %T is not a *BodyError", err)
	}
}

// TestDecodeBody covers what makes a whole body unusable, and what does not.
func TestDecodeBody(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		lim      Limits
		models   []string
		rejected []ItemError
		err      string
	}{
		{name: "empty body", in: ""},
		{name: "only whitespace", in: " \n\r\n\t "},
		{name: "byte order mark", in: "\xef\xbb\xbf{\"model\":\"a\"}\n", models: []string{"a"}},
		{name: "not JSON", in: "model=a", err: "line 1 (byte 0): not JSON events: want '[' (an array) or '{' (NDJSON), got 'm'"},
		{name: "not JSON after space", in: "\n\n  <html>", err: "line 3 (byte 4): not JSON events"},
		{name: "a bare string", in: `"x"`, err: `got '"'`},
		{name: "CRLF and blank lines", in: "{\"model\":\"a\"}\r\n\r\n   \r\n{\"model\":\"b\"}\r\n{\"id\":1}", models: []string{"a", "b"},
			rejected: []ItemError{{Index: 2, Line: 5, Offset: 37, Reason: "model: missing"}}},
		{name: "last line without newline", in: "{\"model\":\"a\"}\n{\"model\":\"b\"}", models: []string{"a", "b"}},
		{name: "NDJSON with an array line", in: "{\"model\":\"a\"}\n[{\"model\":\"b\"}]\n", models: []string{"a"},
			rejected: []ItemError{{Index: 1, Line: 2, Offset: 14, Reason: "want an event object, got array"}}},
		{
			name: "too many items NDJSON", in: "{\"model\":\"a\"}\n\n{\"model\":\"b\"}\n{\"model\":\"c\"}\n", lim: Limits{MaxItems: 2},
			models: []string{"a", "b"}, err: "line 4 (byte 29): more than 2 items",
		},
		{
			name: "too many items counts rejected ones", in: "[{\"model\":\"a\"},{},{\"model\":\"c\"}]", lim: Limits{MaxItems: 2},
			models: []string{"a"}, rejected: []ItemError{{Index: 1, Line: 1, Offset: 15, Reason: "model: missing"}}, err: "byte 18): more than 2 items",
		},
		{
			name: "item too large NDJSON", in: "{\"model\":\"a\"}\n{\"model\":\"b\",\"prompt\":\"" + strings.Repeat("x", 100) + "\"}\n{\"model\":\"c\"}\n",
			lim: Limits{MaxItemBytes: 64}, models: []string{"a", "c"},
			rejected: []ItemError{{Index: 1, Line: 2, Offset: 14, Reason: "item larger than 64 bytes"}},
		},
		{
			name: "item too large array", in: "[{\"model\":\"a\"},\n {\"model\":\"b\",\"prompt\":\"" + strings.Repeat("x]}\\\"", 40) + "\"}, {\"model\":\"c\"}]",
			lim: Limits{MaxItemBytes: 64}, models: []string{"a", "c"},
			rejected: []ItemError{{Index: 1, Line: 2, Offset: 17, Reason: "item larger than 64 bytes"}},
		},
		{
			name: "too many features", in: `{"model":"m","features":{"a":1,"b":2,"c":3}}`, lim: Limits{MaxFeatures: 2},
			rejected: []ItemError{{Index: 0, Line: 1, Reason: "features: more than 2 features"}},
		},
		{
			name: "too many classes", in: `{"model":"m","prediction":{"probabilities":[0.1,0.2,0.7]}}`, lim: Limits{MaxFeatures: 2},
			rejected: []ItemError{{Index: 0, Line: 1, Reason: "prediction.probabilities: more than 2 classes"}},
		},
		{
			name: "depth limit", in: "{\"model\":\"a\",\"x\":{\"y\":{}}}\n{\"model\":\"b\",\"x\":{\"y\":{\"z\":{}}}}\n", lim: Limits{MaxDepth: 3},
			models: []string{"a"}, rejected: []ItemError{{Index: 1, Line: 2, Offset: 27, Reason: "x: nesting deeper than 3 levels"}},
		},
		{
			name: "depth limit is at least the schema's", in: `{"model":"a","prediction":{"probabilities":{"x":1}}}`, lim: Limits{MaxDepth: 1},
			models: []string{"a"},
		},
		{
			name: "body too large", in: "{\"model\":\"a\"}\n{\"model\":\"b\"}\n", lim: Limits{MaxBodyBytes: 20},
			models: []string{"a"}, err: "body larger than 20 bytes",
		},
		{
			name: "too many values NDJSON", lim: Limits{MaxValues: 4},
			in:     "{\"model\":\"a\",\"features\":{\"x\":1,\"y\":2}}\n{\"model\":\"b\",\"features\":{\"x\":1},\"prediction\":{\"probabilities\":[0.5,0.5]}}\n",
			models: []string{"a"}, err: "line 2 (byte 39): more than 4 values (features and class probabilities)",
		},
		{
			name: "too many values array", lim: Limits{MaxValues: 2},
			in:     `[{"model":"a","features":{"x":1}}, {"model":"b","features":{"x":1,"y":2}}]`,
			models: []string{"a"}, err: "byte 35): more than 2 values",
		},
		{
			name: "values of rejected items do not count", lim: Limits{MaxValues: 2},
			in:       "{\"features\":{\"x\":1,\"y\":2}}\n{\"model\":\"b\",\"features\":{\"x\":1,\"y\":2}}\n",
			models:   []string{"b"},
			rejected: []ItemError{{Index: 0, Line: 1, Reason: "model: missing"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, rejected, err := decodeAll(t, tt.lim, tt.in)
			checkBatch(t, events, rejected, err, tt.models, tt.rejected, tt.err)
		})
	}
}

// A batch over a limit stops with a *BodyError wrapping a *LimitError that
// names the limit, so that a server can refuse the batch whole.
func TestDecodeLimitError(t *testing.T) {
	line := "{\"model\":\"m\",\"features\":{\"a\":1,\"b\":2}}\n"
	tests := []struct {
		name  string
		lim   Limits
		body  []byte
		limit string
		max   int64
	}{
		{"bytes", Limits{MaxBodyBytes: 100}, []byte(strings.Repeat(line, 10)), "bytes", 100},
		{"bytes after gzip", Limits{MaxBodyBytes: 100}, gzipped(t, strings.Repeat(line, 10)), "bytes", 100},
		{"items", Limits{MaxItems: 3}, []byte(strings.Repeat(line, 10)), "items", 3},
		{"values", Limits{MaxValues: 5}, []byte(strings.Repeat(line, 10)), "values", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := NewDecoder(tt.lim).Decode(bytes.NewReader(tt.body), nil)
			var le *LimitError
			if !errors.As(err, &le) || le.Limit != tt.limit || le.Max != tt.max {
				t.Fatalf("err %v (%#v), want a %s limit of %d", err, le, tt.limit, tt.max)
			}
			var be *BodyError
			if !errors.As(err, &be) || be.Reason != le.Error() {
				t.Errorf("err %#v, want a *BodyError saying %q", err, le.Error())
			}
		})
	}
}

// Decoder.Reserve is asked for memory ahead of the kept events, in steps,
// and a refusal stops the batch with its error.
func TestDecodeReserve(t *testing.T) {
	prompt := strings.Repeat("p", 20000)
	line := `{"model":"m","features":{"a":1,"b":"x"},"prompt":"` + prompt + "\"}\n"
	body := strings.Repeat(line, 200) // about 4 MB of items
	errFull := errors.New("budget spent")
	tests := []struct {
		name    string
		budget  int64
		events  int
		refused bool
	}{
		{"granted", 1 << 30, 200, false},
		{"refused part way", 2 << 20, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(DefaultLimits())
			var asked []int64
			var granted int64
			d.Reserve = func(n int64) error {
				asked = append(asked, n)
				if granted+n > tt.budget {
					return errFull
				}
				granted += n
				return nil
			}
			events, _, err := d.Decode(strings.NewReader(body), nil)
			if tt.refused != errors.Is(err, errFull) {
				t.Fatalf("err %v", err)
			}
			if d.Reserved() != granted || d.Footprint() > d.Reserved() && !tt.refused {
				t.Errorf("reserved %d, footprint %d, granted %d", d.Reserved(), d.Footprint(), granted)
			}
			var sum int64
			for i := range events {
				sum += events[i].Footprint()
			}
			if sum > d.Footprint() {
				t.Errorf("events hold %d bytes, the decoder counted %d", sum, d.Footprint())
			}
			for _, n := range asked {
				if n < reserveStep {
					t.Errorf("asked for %d bytes, less than a step", n)
				}
			}
			if !tt.refused && (len(events) != tt.events || int64(len(body)) > d.Footprint()) {
				t.Errorf("%d events, footprint %d for a body of %d", len(events), d.Footprint(), len(body))
			}
		})
	}
}

// Footprint counts every string and value of an event.
func TestFootprint(t *testing.T) {
	small := Event{Model: "m"}
	big := Event{ID: "id", Model: "m", User: "u", Prompt: strings.Repeat("p", 1000), Output: "o",
		Features:   []Feature{{Name: "f", Value: StringValue(strings.Repeat("v", 500))}, {Name: "g", Value: NumberValue(1)}},
		Prediction: Prediction{Label: StringValue("yes"), Probabilities: []ClassProb{{Class: "yes", P: 1}}}, Label: StringValue("no")}
	if got := small.Footprint(); got != EventFootprint+1 {
		t.Errorf("small event: %d", got)
	}
	want := int64(EventFootprint + 2 + 1 + 1 + 1000 + 1 + 3 + 2 + 3*ValueFootprint + 1 + 500 + 1 + 3)
	if got := big.Footprint(); got != want {
		t.Errorf("event with text: %d, want %d", got, want)
	}
}

func gzipped(t testing.TB, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodeGzip(t *testing.T) {
	body := "{\"model\":\"a\"}\n{\"id\":1}\n[1]\n{\"model\":\"b\"}\n"
	z := gzipped(t, body)
	d := NewDecoder(Limits{})
	events, rejected, err := d.Decode(bytes.NewReader(z), nil)
	plainEvents, plainRejected, plainErr := NewDecoder(Limits{}).Decode(strings.NewReader(body), nil)
	if err != nil || plainErr != nil || len(events) != 2 || len(events) != len(plainEvents) || len(rejected) != len(plainRejected) {
		t.Fatalf("gzip: %v %v %v; plain: %v %v %v", events, rejected, err, plainEvents, plainRejected, plainErr)
	}
	for k := range rejected {
		if rejected[k] != plainRejected[k] {
			t.Errorf("rejected[%d]: gzip %v, plain %v", k, rejected[k], plainRejected[k])
		}
	}

	t.Run("concatenated members", func(t *testing.T) {
		two := append(gzipped(t, "{\"model\":\"a\"}\n"), gzipped(t, "{\"model\":\"b\"}\n")...)
		events, _, err := d.Decode(bytes.NewReader(two), nil)
		checkBatch(t, events, nil, err, []string{"a", "b"}, nil, "")
	})
	t.Run("truncated", func(t *testing.T) {
		events, _, err := d.Decode(bytes.NewReader(z[:len(z)-12]), nil)
		if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "reading gzip body") {
			t.Errorf("err %v, want a gzip read error wrapping io.ErrUnexpectedEOF", err)
		}
		if len(events) == 0 {
			t.Error("the events before the damage are lost")
		}
	})
	t.Run("bad checksum", func(t *testing.T) {
		bad := bytes.Clone(z)
		bad[len(bad)-8] ^= 0xff
		events, _, err := d.Decode(bytes.NewReader(bad), nil)
		if !errors.Is(err, gzip.ErrChecksum) {
			t.Errorf("err %v, want gzip.ErrChecksum", err)
		}
		if len(events) != 2 {
			t.Errorf("%d events, want the 2 decoded before the checksum", len(events))
		}
	})
	t.Run("bad header", func(t *testing.T) {
		_, _, err := d.Decode(bytes.NewReader([]byte{0x1f, 0x8b, 0, 0}), nil)
		if err == nil || !strings.Contains(err.Error(), "gzip: ") {
			t.Errorf("err %v, want a gzip header error", err)
		}
	})
	t.Run("bomb stopped by the body limit", func(t *testing.T) {
		bomb := gzipped(t, "{\"model\":\"a\"}\n"+strings.Repeat("\n", 10<<20))
		_, _, err := NewDecoder(Limits{MaxBodyBytes: 1 << 20}).Decode(bytes.NewReader(bomb), nil)
		if err == nil || !strings.Contains(err.Error(), "body larger than 1048576 bytes") {
			t.Errorf("err %v", err)
		}
	})
}

type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestDecodeReadError(t *testing.T) {
	boom := errors.New("connection reset")
	tests := []struct {
		body   string
		events int
	}{
		// The last line may have been cut short by the failure: it is dropped.
		{"{\"model\":\"a\"}\n{\"model\":\"b\"}", 1},
		// A complete element is complete.
		{"[{\"model\":\"a\"},{\"model\":\"b\"}", 2},
		{"[{\"model\":\"a\"},{\"model\":\"b\"", 1},
	}
	for _, tt := range tests {
		events, _, err := NewDecoder(Limits{}).Decode(&failingReader{data: []byte(tt.body), err: boom}, nil)
		if !errors.Is(err, boom) || !strings.Contains(err.Error(), "reading body: connection reset") {
			t.Errorf("%q: err %v, want the read error", tt.body, err)
		}
		if len(events) != tt.events {
			t.Errorf("%q: %d events, want %d", tt.body, len(events), tt.events)
		}
	}
}

// TestDecodeStreaming decodes batches through readers that return little
// at a time, with buffers small enough that items straddle refills: the
// result must not depend on how the body arrives.
func TestDecodeStreaming(t *testing.T) {
	var nd strings.Builder
	for k := range 300 {
		switch k % 7 {
		case 3:
			nd.WriteString(`{"model":"m","features":{"x":{"nested":1}}}`)
		case 5:
			nd.WriteString(`{"model":"m","prompt":"` + strings.Repeat("long ", 300) + `"}`)
		default:
			nd.WriteString(`{"id":"` + strings.Repeat("i", k) + `","model":"m","features":{"a":1.5,"b":"x\u00e9"},"prediction":{"probabilities":[0.5,0.5]}}`)
		}
		nd.WriteString("\n")
	}
	lines := strings.Split(strings.TrimSpace(nd.String()), "\n")
	bodies := map[string]string{
		"ndjson": nd.String(),
		"array":  "[\n" + strings.Join(lines, ",\n") + "\n]",
	}
	lim := Limits{MaxItemBytes: 1000}
	for name, body := range bodies {
		want, wantRejected, err := NewDecoder(lim).Decode(strings.NewReader(body), nil)
		if err != nil || len(want)+len(wantRejected) != 300 || len(wantRejected) != 2*300/7+1 {
			t.Fatalf("%s: %d events, %d rejected, %v", name, len(want), len(wantRejected), err)
		}
		readers := map[string]func() io.Reader{
			"one byte":   func() io.Reader { return iotest.OneByteReader(strings.NewReader(body)) },
			"half":       func() io.Reader { return iotest.HalfReader(strings.NewReader(body)) },
			"data error": func() io.Reader { return iotest.DataErrReader(strings.NewReader(body)) },
			"gzip":       func() io.Reader { return iotest.OneByteReader(bytes.NewReader(gzipped(t, body))) },
		}
		for rname, r := range readers {
			got, rejected, err := NewDecoder(lim).Decode(r(), nil)
			if err != nil || len(got) != len(want) || len(rejected) != len(wantRejected) {
				t.Fatalf("%s, %s: %d events, %d rejected, %v", name, rname, len(got), len(rejected), err)
			}
			for k := range got {
				if !sameEvent(&got[k], &want[k]) {
					t.Fatalf("%s, %s: event %d differs", name, rname, k)
				}
			}
			for k := range rejected {
				if rejected[k] != wantRejected[k] {
					t.Fatalf("%s, %s: rejected %v, want %v", name, rname, rejected[k], wantRejected[k])
				}
			}
		}
	}
}

// TestDecoderReuse checks that a second batch leaves the first batch's
// events alone, and that appending to an event's features copies.
func TestDecoderReuse(t *testing.T) {
	d := NewDecoder(Limits{})
	first, _, err := d.Decode(strings.NewReader("{\"model\":\"a\",\"features\":{\"x\":1,\"y\":\"u\"}}\n{\"model\":\"a\",\"features\":{\"x\":2,\"y\":\"v\"}}\n"), nil)
	if err != nil || len(first) != 2 {
		t.Fatal(first, err)
	}
	before := string(AppendJSON(nil, &first[0])) + string(AppendJSON(nil, &first[1]))
	first[0].Features = append(first[0].Features, Feature{"z", num(3)})
	second, _, err := d.Decode(strings.NewReader("[{\"model\":\"b\",\"features\":{\"x\":3,\"y\":\"w\"}},{\"features\":{\"q\":1}}]"), first[:0:0])
	if err != nil || len(second) != 1 {
		t.Fatal(second, err)
	}
	first[0].Features = first[0].Features[:2]
	if after := string(AppendJSON(nil, &first[0])) + string(AppendJSON(nil, &first[1])); after != before {
		t.Errorf("first batch changed:\n%s\n%s", before, after)
	}
}

// TestInterning checks that names are shared between events rather than
// copied for each.
func TestInterning(t *testing.T) {
	body := strings.Repeat(`{"model":"fraud","user":"u1","features":{"amount":1,"category":"grocery"},"label":"fraud"}`+"\n", 3) +
		`{"model":"fraud","features":{"category":"grocery","amount":2}}` + "\n"
	events, _, err := NewDecoder(Limits{}).Decode(strings.NewReader(body), nil)
	if err != nil || len(events) != 4 {
		t.Fatal(events, err)
	}
	same := func(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }
	for k := 1; k < len(events); k++ {
		a, b := &events[0], &events[k]
		if !same(a.Model, b.Model) {
			t.Errorf("event %d: model not shared", k)
		}
		if v, _ := b.Feature("category"); !same(v.Str, a.Features[1].Value.Str) {
			t.Errorf("event %d: string value not shared", k)
		}
		for _, f := range b.Features {
			if g, ok := a.Feature(f.Name); !ok || !same(f.Name, a.Features[indexOf(a, f.Name)].Name) {
				t.Errorf("event %d: feature name %q not shared (%v)", k, f.Name, g)
			}
		}
	}
}

func indexOf(e *Event, name string) int {
	for k, f := range e.Features {
		if f.Name == name {
			return k
		}
	}
	return -1
}

// TestDecodeAllocations bounds allocations per event for a batch of events
// with the same names: the request id's string, and amortised backing
// arrays.
func TestDecodeAllocations(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage counters change allocation counts")
	}
	body := benchBatch(1000, false)
	d := NewDecoder(Limits{})
	dst := make([]Event, 0, 1000)
	allocs := testing.AllocsPerRun(5, func() {
		if _, _, err := d.Decode(bytes.NewReader(body), dst[:0]); err != nil {
			t.Fatal(err)
		}
	})
	if perEvent := allocs / 1000; perEvent > 1.1 {
		t.Errorf("%.2f allocations per event, want at most 1.1", perEvent)
	}
}

// TestDecodeTrickle checks that a body arriving a byte at a time costs
// about as much as one arriving at once: items are not parsed again from
// their start for every byte.
func TestDecodeTrickle(t *testing.T) {
	// Thousands of tiny values: parsing the item again for every byte
	// that arrives would take minutes.
	item := `{"model":"m","x":[` + strings.Repeat("1,", 30000) + `1]}`
	for _, body := range []string{"[" + item + "," + item + "]", item + "\n" + item + "\n"} {
		r := &countingReader{r: iotest.OneByteReader(strings.NewReader(body))}
		events, _, err := NewDecoder(Limits{}).Decode(r, nil)
		if err != nil || len(events) != 2 {
			t.Fatal(len(events), err)
		}
		start := time.Now()
		NewDecoder(Limits{}).Decode(iotest.OneByteReader(strings.NewReader(body)), nil)
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("%d bytes a byte at a time took %v", len(body), elapsed)
		}
		if r.reads < len(body) {
			t.Errorf("%d reads for %d bytes", r.reads, len(body))
		}
	}
}

type countingReader struct {
	r     io.Reader
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	return c.r.Read(p)
}

// TestInternTableStartsOver decodes more distinct names than the intern
// table keeps, so that it starts over mid-batch, and checks that names,
// the positional cache and duplicate detection survive it.
func TestInternTableStartsOver(t *testing.T) {
	var body strings.Builder
	const events, perEvent = 80, 1000 // 80000 names > internLimit
	for e := range events {
		body.WriteString(`{"model":"m","features":{`)
		for f := range perEvent {
			if f > 0 {
				body.WriteByte(',')
			}
			fmt.Fprintf(&body, `"e%d_f%d":%d`, e, f, f)
		}
		body.WriteString("}}\n")
		// The same names again, then with a duplicate.
		body.WriteString(`{"model":"m","features":{"e` + strconv.Itoa(e) + `_f0":1,"e` + strconv.Itoa(e) + `_f1":2}}` + "\n")
		body.WriteString(`{"model":"m","features":{"e` + strconv.Itoa(e) + `_f0":1,"e` + strconv.Itoa(e) + `_f0":2}}` + "\n")
	}
	d := NewDecoder(Limits{})
	got, rejected, err := d.Decode(strings.NewReader(body.String()), nil)
	if err != nil || len(got) != 2*events || len(rejected) != events {
		t.Fatalf("%d events, %d rejected, %v", len(got), len(rejected), err)
	}
	if len(d.names) > internLimit+perEvent+10 {
		t.Errorf("intern table holds %d names", len(d.names))
	}
	for e := range events {
		full, short := got[2*e], got[2*e+1]
		for f, feat := range full.Features {
			if want := fmt.Sprintf("e%d_f%d", e, f); feat.Name != want || feat.Value.Num != float64(f) {
				t.Fatalf("event %d feature %d: %+v, want %s", e, f, feat, want)
			}
		}
		if len(short.Features) != 2 || short.Features[1].Name != fmt.Sprintf("e%d_f1", e) {
			t.Fatalf("event %d: %+v", e, short.Features)
		}
		if r := rejected[e]; r.Index != 3*e+2 || r.Reason != fmt.Sprintf("features.e%d_f0: duplicate feature", e) {
			t.Fatalf("rejected %v", r)
		}
	}
}

// Long names fill the intern table by bytes before they fill it by number:
// it starts over then too.
func TestInternTableBytes(t *testing.T) {
	var body strings.Builder
	long := strings.Repeat("n", 30000)
	for e := range 400 { // 12 MB of distinct names
		fmt.Fprintf(&body, `{"model":"m","features":{"%s%d":1}}`+"\n", long, e)
	}
	d := NewDecoder(Limits{})
	got, rejected, err := d.Decode(strings.NewReader(body.String()), nil)
	if err != nil || len(got) != 400 || len(rejected) != 0 {
		t.Fatalf("%d events, %v, %v", len(got), rejected, err)
	}
	if d.nameBytes > internBytes+40000 {
		t.Errorf("intern table holds %d bytes of names", d.nameBytes)
	}
	if name := got[399].Features[0].Name; name != long+"399" {
		t.Errorf("last name %.10q... of %d bytes", name, len(name))
	}
}

// TestKeyScopesWrapAround starts the key scope counter just before it wraps,
// where stale marks could hide or invent duplicates.
func TestKeyScopesWrapAround(t *testing.T) {
	d := NewDecoder(Limits{})
	body := strings.Repeat(`{"model":"m","features":{"a":1,"b":2},"x":1}`+"\n", 3) + `{"model":"m","features":{"a":1,"a":2}}` + "\n"
	d.scopeGen = math.MaxUint32 - 4
	got, rejected, err := d.Decode(strings.NewReader(body+body), nil)
	if err != nil || len(got) != 6 || len(rejected) != 2 {
		t.Fatalf("%d events, rejected %v, %v", len(got), rejected, err)
	}
	if d.scopeGen > 100 {
		t.Errorf("scope counter at %d: did not wrap", d.scopeGen)
	}
}

// Decoder.Check rejects well-formed events like malformed ones, with the
// same item numbering, in NDJSON and arrays alike.
func TestDecodeCheck(t *testing.T) {
	check := func(ev *Event) string {
		if ev.Time.IsZero() {
			return "no time"
		}
		return ""
	}
	for _, tc := range []struct{ name, body string }{
		{"ndjson", "{\"model\":\"m\",\"time\":1}\n{\"model\":\"m\"}\n{\"model\":7}\n{\"model\":\"m\",\"time\":2}\n"},
		{"array", "[{\"model\":\"m\",\"time\":1},\n{\"model\":\"m\"},\n{\"model\":7},\n{\"model\":\"m\",\"time\":2}]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(DefaultLimits())
			d.Check = check
			events, rejected, err := d.Decode(strings.NewReader(tc.body), nil)
			if err != nil || len(events) != 2 || events[1].Time.Unix() != 2 {
				t.Fatalf("events %+v, err %v", events, err)
			}
			if len(rejected) != 2 || rejected[0].Index != 1 || rejected[0].Line != 2 || rejected[0].Reason != "no time" || rejected[1].Index != 2 {
				t.Errorf("rejected %+v", rejected)
			}
		})
	}
}
