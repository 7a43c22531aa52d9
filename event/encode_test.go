package event

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// jsonEncoding is encoding/json's output for v, without HTML escaping.
func jsonEncoding(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// TestAppendFloatMatchesEncodingJSON: numbers are written exactly as
// encoding/json writes them.
func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	cases := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e20, 1e21, 1e-6, 1e-7, 123456789e-15, math.MaxFloat64,
		math.SmallestNonzeroFloat64, -2.5e-8, 1e100, 12.5}
	for range 100000 {
		f := math.Float64frombits(rng.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		cases = append(cases, f, rng.NormFloat64()*math.Pow(10, float64(rng.IntN(50)-25)))
	}
	for _, f := range cases {
		if got, want := string(appendFloat(nil, f)), jsonEncoding(t, f); got != want {
			t.Fatalf("%v: got %s, want %s", f, got, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := string(appendFloat(nil, f)); got != "null" {
			t.Errorf("%v: got %s, want null", f, got)
		}
	}
}

// TestAppendStringMatchesEncodingJSON: strings are escaped exactly as
// encoding/json escapes them (without HTML escaping), invalid UTF-8
// included.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	pieces := []string{"a", "Z", " ", "\"", "\\", "/", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f", "<>&",
		"é", "€", "😀", "\u2028", "\u2029", "\ufffd", "\xff", "\xe2\x82", "\xed\xa0\x80", "\xc0\xaf"}
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(10) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := string(appendString(nil, s)), jsonEncoding(t, s); got != want {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	}
}

func TestAppendTime(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{at("2026-01-01T00:00:01Z"), `"2026-01-01T00:00:01.000Z"`},
		{at("2026-01-01T00:00:01.25Z"), `"2026-01-01T00:00:01.250Z"`},
		{at("2026-01-01T02:00:01.25+02:00").In(time.FixedZone("", 7200)), `"2026-01-01T00:00:01.250Z"`},
		{at("2026-01-01T00:00:01.000001Z"), `"2026-01-01T00:00:01.000001Z"`},
		{at("2026-01-01T00:00:01.000000001Z"), `"2026-01-01T00:00:01.000000001Z"`},
		{at("0001-01-01T00:00:00Z"), `"0001-01-01T00:00:00.000Z"`},
		{at("9999-12-31T23:59:59.999Z"), `"9999-12-31T23:59:59.999Z"`},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), `253402300800`},
		{time.Date(0, 12, 31, 23, 59, 59, 500000000, time.UTC), `-62135596800.500000000`},
	}
	for _, tt := range tests {
		if got := string(appendTime(nil, tt.in)); got != tt.want {
			t.Errorf("%v: got %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestAppendJSON(t *testing.T) {
	tests := []struct {
		name string
		in   Event
		want string
	}{
		{"model only", Event{Model: "m"}, `{"model":"m"}`},
		{"empty model is still written", Event{}, `{"model":""}`},
		{
			name: "every field",
			in: Event{
				ID: "tx-1", Model: "fraud", User: "u", Time: at("2026-01-01T00:00:01.25Z"),
				Features: []Feature{{"amount", num(12.5)}, {"cat", str("grocery")}, {"present", BoolValue(true)}, {"x", Value{}}, {"no", BoolValue(false)}},
				Prediction: Prediction{Label: num(1), Score: 0.93, HasScore: true,
					Probabilities: []ClassProb{{"0", 0.07}, {"1", 0.93}}},
				Prompt: "p", Output: "o", Label: str("fraud"),
			},
			want: `{"id":"tx-1","model":"fraud","user":"u","time":"2026-01-01T00:00:01.250Z","features":{"amount":12.5,"cat":"grocery","present":true,"x":null,"no":false},"prediction":{"label":1,"score":0.93,"probabilities":[0.07,0.93]},"prompt":"p","output":"o","label":"fraud"}`,
		},
		{
			name: "named classes",
			in:   Event{Model: "m", Prediction: Prediction{Probabilities: []ClassProb{{"legit", 0.25}, {"fraud", 0.75}}}},
			want: `{"model":"m","prediction":{"probabilities":{"legit":0.25,"fraud":0.75}}}`,
		},
		{
			name: "classes out of order are named",
			in:   Event{Model: "m", Prediction: Prediction{Probabilities: []ClassProb{{"1", 0.25}, {"0", 0.75}}}},
			want: `{"model":"m","prediction":{"probabilities":{"1":0.25,"0":0.75}}}`,
		},
		{
			name: "score zero is kept",
			in:   Event{Model: "m", Prediction: Prediction{HasScore: true}},
			want: `{"model":"m","prediction":{"score":0}}`,
		},
		{
			name: "non-finite numbers become null",
			in:   Event{Model: "m", Features: []Feature{{"a", num(math.NaN())}}, Prediction: Prediction{Score: math.Inf(1), HasScore: true}},
			want: `{"model":"m","features":{"a":null},"prediction":{"score":null}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendJSON([]byte("prefix "), &tt.in))
			if got != "prefix "+tt.want {
				t.Errorf("got  %s\nwant prefix %s", got, tt.want)
			}
			if !json.Valid([]byte(tt.want)) {
				t.Error("not valid JSON")
			}
		})
	}
}
