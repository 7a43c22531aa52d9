package event

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// randomJSON writes random valid events in many spellings: shuffled keys,
// odd whitespace, every number form, escaped and raw Unicode.
type randomJSON struct {
	rng   *rand.Rand
	buf   bytes.Buffer
	lines bool // NDJSON: an item cannot span lines
}

func (g *randomJSON) space(newlines bool) {
	for range g.rng.IntN(3) {
		switch g.rng.IntN(4) {
		case 0:
			g.buf.WriteByte('\t')
		case 1:
			if newlines {
				g.buf.WriteString("\r\n")
				continue
			}
			fallthrough
		default:
			g.buf.WriteByte(' ')
		}
	}
}

var sampleRunes = []rune("aZ09 _-.:/\\\"\n\t\x00\x1f\x7féß€ключ中文😀𝄞\u2028\ufffd")

func (g *randomJSON) text() string {
	var b strings.Builder
	for range g.rng.IntN(12) {
		b.WriteRune(sampleRunes[g.rng.IntN(len(sampleRunes))])
	}
	return b.String()
}

// str writes s as a JSON string, escaping at random what may be escaped.
func (g *randomJSON) str(s string) {
	g.buf.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			g.buf.WriteByte('\\')
			g.buf.WriteRune(r)
		case r < 0x20 || g.rng.IntN(5) == 0:
			if r == '/' && g.rng.IntN(2) == 0 {
				g.buf.WriteString(`\/`)
				continue
			}
			if r > 0xffff {
				r1, r2 := utf16Pair(r)
				fmt.Fprintf(&g.buf, `\u%04x\u%04X`, r1, r2)
				continue
			}
			if r == '\n' && g.rng.IntN(2) == 0 {
				g.buf.WriteString(`\n`)
				continue
			}
			fmt.Fprintf(&g.buf, `\u%04x`, r)
		default:
			g.buf.WriteRune(r)
		}
	}
	g.buf.WriteByte('"')
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + r>>10, 0xdc00 + r&0x3ff
}

// number writes a random JSON number in one of many spellings.
func (g *randomJSON) number() {
	neg := ""
	if g.rng.IntN(3) == 0 {
		neg = "-"
	}
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + g.rng.IntN(10)))
		}
		return b.String()
	}
	intPart := "0"
	if g.rng.IntN(4) > 0 {
		intPart = strconv.Itoa(1+g.rng.IntN(9)) + digits(g.rng.IntN(22))
	}
	s := neg + intPart
	if g.rng.IntN(2) == 0 {
		s += "." + digits(1+g.rng.IntN(25))
	}
	if g.rng.IntN(3) == 0 {
		e := "eE"[g.rng.IntN(2):][:1] + []string{"", "+", "-"}[g.rng.IntN(3)]
		s += e + strconv.Itoa(g.rng.IntN(280)) // no overflow past 1e308
	}
	if g.rng.IntN(4) == 0 {
		s = strconv.FormatFloat(g.rng.NormFloat64()*math.Pow(10, float64(g.rng.IntN(40)-20)), 'g', -1, 64)
	}
	g.buf.WriteString(s)
}

func (g *randomJSON) scalar() {
	switch g.rng.IntN(5) {
	case 0:
		g.str(g.text())
	case 1:
		g.buf.WriteString([]string{"true", "false", "null"}[g.rng.IntN(3)])
	default:
		g.number()
	}
}

func (g *randomJSON) timeValue() {
	sec := g.rng.Int64N(maxUnix-minUnix) + minUnix
	if g.rng.IntN(3) == 0 {
		fmt.Fprintf(&g.buf, "%d.%03d", sec, g.rng.IntN(1000))
		return
	}
	t := time.Unix(sec, g.rng.Int64N(1e9))
	offset := time.FixedZone("", (g.rng.IntN(48)-24)*1800)
	if y := t.In(offset).Year(); y < 1 || y > 9999 {
		offset = time.UTC
	}
	fmt.Fprintf(&g.buf, "%q", t.In(offset).Format(time.RFC3339Nano))
}

func (g *randomJSON) object(members []func()) {
	g.rng.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	g.buf.WriteByte('{')
	for k, m := range members {
		if k > 0 {
			g.space(g.nl())
			g.buf.WriteByte(',')
		}
		g.space(g.nl())
		m()
	}
	g.space(g.nl())
	g.buf.WriteByte('}')
}

func (g *randomJSON) nl() bool { return !g.lines }

func (g *randomJSON) member(key string, value func()) func() {
	return func() {
		g.str(key)
		g.space(g.nl())
		g.buf.WriteByte(':')
		g.space(g.nl())
		value()
	}
}

func (g *randomJSON) event() {
	var members []func()
	members = append(members, g.member("model", func() { g.str("m" + g.text()) }))
	if g.rng.IntN(2) == 0 {
		members = append(members, g.member("id", func() { g.str(g.text()) }))
	}
	if g.rng.IntN(2) == 0 {
		members = append(members, g.member("user", func() { g.str(g.text()) }))
	}
	if g.rng.IntN(4) > 0 {
		members = append(members, g.member("time", g.timeValue))
	}
	if g.rng.IntN(4) > 0 {
		members = append(members, g.member("features", func() {
			seen := map[string]bool{}
			var fs []func()
			for range g.rng.IntN(25) {
				name := g.text()
				if g.rng.IntN(2) == 0 {
					name = "f" + strconv.Itoa(g.rng.IntN(30))
				}
				if !seen[name] {
					seen[name] = true
					fs = append(fs, g.member(name, g.scalar))
				}
			}
			g.object(fs)
		}))
	}
	if g.rng.IntN(2) == 0 {
		members = append(members, g.member("prediction", func() {
			var ps []func()
			if g.rng.IntN(2) == 0 {
				ps = append(ps, g.member("label", func() {
					if g.rng.IntN(2) == 0 {
						g.str(g.text())
					} else {
						g.number()
					}
				}))
			}
			if g.rng.IntN(2) == 0 {
				ps = append(ps, g.member("score", g.number))
			}
			if g.rng.IntN(2) == 0 {
				ps = append(ps, g.member("probabilities", func() {
					n := g.rng.IntN(5)
					if g.rng.IntN(2) == 0 {
						g.buf.WriteByte('[')
						for k := range n {
							if k > 0 {
								g.buf.WriteByte(',')
							}
							g.space(g.nl())
							g.number()
						}
						g.buf.WriteByte(']')
						return
					}
					var cs []func()
					for k := range n {
						cs = append(cs, g.member("class"+strconv.Itoa(k), g.number))
					}
					g.object(cs)
				}))
			}
			g.object(ps)
		}))
	}
	for _, key := range []string{"prompt", "output"} {
		if g.rng.IntN(3) == 0 {
			members = append(members, g.member(key, func() { g.str(g.text()) }))
		}
	}
	if g.rng.IntN(3) == 0 {
		members = append(members, g.member("label", g.scalar))
	}
	if g.rng.IntN(3) == 0 {
		members = append(members, g.member("unknown", func() {
			g.buf.WriteString(`{"a":[1,"x",{"b":null}],"c":-0.5e3}`)
		}))
	}
	g.object(members)
}

// TestEquivalentToEncodingJSON decodes random valid events and checks every
// value against encoding/json's reading of the same item.
func TestEquivalentToEncodingJSON(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 500
	}
	g := &randomJSON{rng: rand.New(rand.NewPCG(7, 8))}
	d := NewDecoder(Limits{})
	for _, form := range []string{"ndjson", "array"} {
		g.lines = form == "ndjson"
		g.buf.Reset()
		var items []string
		for k := range n {
			start := g.buf.Len()
			g.event()
			items = append(items, g.buf.String()[start:])
			if form == "ndjson" {
				g.buf.WriteByte('\n')
			} else if k < n-1 {
				g.buf.WriteByte(',')
				g.space(true)
			}
		}
		body := g.buf.String()
		if form == "array" {
			body = "[" + body + "]"
		}
		events, rejected, err := d.Decode(strings.NewReader(body), nil)
		if err != nil || len(rejected) > 0 || len(events) != n {
			t.Fatalf("%s: %d events, rejected %v, err %v", form, len(events), rejected, err)
		}
		for k := range events {
			var want map[string]any
			if err := json.Unmarshal([]byte(items[k]), &want); err != nil {
				t.Fatalf("%s item %d: encoding/json: %v\n%s", form, k, err, items[k])
			}
			if msg := compareWithJSON(&events[k], want, items[k]); msg != "" {
				t.Fatalf("%s item %d: %s\n%s", form, k, msg, items[k])
			}
			// What AppendJSON writes, encoding/json reads the same way.
			out := AppendJSON(nil, &events[k])
			var again map[string]any
			if err := json.Unmarshal(out, &again); err != nil {
				t.Fatalf("%s item %d: AppendJSON wrote invalid JSON: %v\n%s", form, k, err, out)
			}
			if msg := compareWithJSON(&events[k], again, string(out)); msg != "" {
				t.Fatalf("%s item %d: after AppendJSON: %s\n%s", form, k, msg, out)
			}
		}
	}
}

// compareWithJSON says how e differs from encoding/json's reading j of the
// item src, or returns "".
func compareWithJSON(e *Event, j map[string]any, src string) string {
	for key, got := range map[string]string{"model": e.Model, "id": e.ID, "user": e.User, "prompt": e.Prompt, "output": e.Output} {
		want, _ := j[key].(string)
		if got != want {
			return fmt.Sprintf("%s: got %q, want %q", key, got, want)
		}
	}
	switch tv := j["time"].(type) {
	case nil:
		if !e.Time.IsZero() {
			return "time: want none"
		}
	case string:
		want, err := time.Parse(time.RFC3339Nano, tv)
		if err != nil || !e.Time.Equal(want) {
			return fmt.Sprintf("time: got %v, want %v (%v)", e.Time, want, err)
		}
	case float64:
		// float64 seconds hold about 16 digits; the decoder reads them exactly.
		got := float64(e.Time.Unix()) + float64(e.Time.Nanosecond())/1e9
		if math.Abs(got-tv) > math.Max(1e-6, math.Abs(tv)*1e-15) {
			return fmt.Sprintf("time: got %v, want %v", e.Time, tv)
		}
	}
	features, _ := j["features"].(map[string]any)
	if len(features) != len(e.Features) {
		return fmt.Sprintf("features: got %d, want %d", len(e.Features), len(features))
	}
	order := featureOrder(src)
	if len(order) != len(e.Features) {
		return fmt.Sprintf("features: got %d, want %d in order", len(e.Features), len(order))
	}
	for k, f := range e.Features {
		// Features keep the order they were sent in.
		if order[k] != f.Name {
			return fmt.Sprintf("feature %d: got %q, want %q", k, f.Name, order[k])
		}
		want, ok := features[f.Name]
		if !ok {
			return fmt.Sprintf("feature %q: not in encoding/json's reading", f.Name)
		}
		if msg := compareValue(f.Value, want); msg != "" {
			return fmt.Sprintf("feature %q: %s", f.Name, msg)
		}
	}
	if msg := compareValue(e.Label, j["label"]); msg != "" {
		return "label: " + msg
	}
	pred, _ := j["prediction"].(map[string]any)
	if msg := compareValue(e.Prediction.Label, pred["label"]); msg != "" {
		return "prediction.label: " + msg
	}
	score, hasScore := pred["score"].(float64)
	if hasScore != e.Prediction.HasScore || math.Float64bits(score) != math.Float64bits(e.Prediction.Score) {
		return fmt.Sprintf("prediction.score: got %v %v, want %v %v", e.Prediction.Score, e.Prediction.HasScore, score, hasScore)
	}
	probs := e.Prediction.Probabilities
	switch pv := pred["probabilities"].(type) {
	case []any:
		if len(pv) != len(probs) {
			return "probabilities: wrong length"
		}
		for k, p := range pv {
			if probs[k].Class != strconv.Itoa(k) || math.Float64bits(probs[k].P) != math.Float64bits(p.(float64)) {
				return fmt.Sprintf("probabilities[%d]: got %v, want %v", k, probs[k], p)
			}
		}
	case map[string]any:
		if len(pv) != len(probs) {
			return "probabilities: wrong length"
		}
		for _, cp := range probs {
			if p, ok := pv[cp.Class].(float64); !ok || math.Float64bits(p) != math.Float64bits(cp.P) {
				return fmt.Sprintf("probabilities.%s: got %v, want %v", cp.Class, cp.P, pv[cp.Class])
			}
		}
	case nil:
		if len(probs) > 0 {
			return "probabilities: want none"
		}
	}
	return ""
}

// featureOrder lists the keys of the item's features object in order, as
// encoding/json's tokenizer reads them (the generator writes only scalars
// there, so keys and values alternate).
func featureOrder(src string) []string {
	var top map[string]json.RawMessage
	if json.Unmarshal([]byte(src), &top) != nil || top["features"] == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(top["features"]))
	var names []string
	if _, err := dec.Token(); err != nil { // '{'
		return nil
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return names
		}
		names = append(names, key.(string))
		if _, err := dec.Token(); err != nil {
			return names
		}
	}
	return names
}

func compareValue(v Value, want any) string {
	ok := false
	switch w := want.(type) {
	case nil:
		ok = v.Kind == Null
	case float64:
		ok = v.Kind == Number && math.Float64bits(v.Num) == math.Float64bits(w)
	case string:
		ok = v.Kind == String && v.Str == w && utf8.ValidString(v.Str)
	case bool:
		ok = v.Kind == Bool && (v.Num != 0) == w
	}
	if !ok {
		return fmt.Sprintf("got %+v, want %#v", v, want)
	}
	return ""
}
