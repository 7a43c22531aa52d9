package event

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

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
