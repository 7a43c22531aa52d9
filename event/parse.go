package event

import (
	"fmt"
	"strconv"
	"time"
)

const (
	// internLimit and internBytes bound the interned strings, in number and
	// in bytes (a name can be as long as an item); past either the table
	// starts over, so a stream of ever-new names cannot grow it without end.
	internLimit = 1 << 16
	internBytes = 4 << 20
	// internMaxLen is the longest string value interned; longer ones are
	// rarely repeated.
	internMaxLen = 64
	// featureSlab and probSlab are how many features and probabilities
	// one shared backing array holds.
	featureSlab = 1024
	probSlab    = 256
)

// parser decodes one item from a window of input that holds all of it.
// Problems that leave the JSON well-formed are kept in problem (the first
// one wins) and parsing goes on, so the item's end is always known; only
// malformed JSON stops it.
type parser struct {
	lim     Limits
	b       []byte
	problem string

	// Features and probabilities are parsed straight into shared backing
	// arrays: those of kept events before feats and probs, the current
	// item's after.
	feats    []Feature
	probs    []ClassProb
	featBase int
	probBase int
	featIDs  []uint32 // interned names of the current item's features
	prevIDs  []uint32 // featIDs of the last kept event: most events repeat them
	keyBuf   []byte
	valBuf   []byte
	stack    []byte

	ids        map[string]uint32
	names      []string
	nameBytes  int      // of names
	seen       []uint32 // per interned string, the key scope that last saw it
	scopeGen   uint32
	classNames []string // "0", "1", ... for probability arrays
}

func (p *parser) init(lim Limits) {
	p.lim = lim
	p.ids = make(map[string]uint32)
}

func (p *parser) startItem() {
	p.problem = ""
	p.feats, p.probs, p.featIDs = p.feats[:p.featBase], p.probs[:p.probBase], p.featIDs[:0]
	if len(p.names) > internLimit || p.nameBytes > internBytes {
		p.ids = make(map[string]uint32)
		clear(p.names)
		p.names, p.seen, p.prevIDs = p.names[:0], p.seen[:0], p.prevIDs[:0]
		p.nameBytes = 0
	}
}

// keep gives a good event its features and probabilities. Each slice is
// capped, so appending to it cannot overwrite the next event's.
func (p *parser) keep(ev *Event) {
	if n := len(p.feats); n > p.featBase {
		ev.Features = p.feats[p.featBase:n:n]
		p.featBase = n
		p.prevIDs, p.featIDs = p.featIDs, p.prevIDs
	}
	if n := len(p.probs); n > p.probBase {
		ev.Prediction.Probabilities = p.probs[p.probBase:n:n]
		p.probBase = n
	}
}

// addFeature appends a feature of the current item, moving the item's
// features to a new backing array when the shared one is full.
func (p *parser) addFeature(f Feature) {
	if len(p.feats) == cap(p.feats) {
		mine := p.feats[p.featBase:]
		p.feats = append(make([]Feature, 0, max(featureSlab, 2*len(mine))), mine...)
		p.featBase = 0
	}
	p.feats = append(p.feats, f)
}

func (p *parser) addProb(class string, f float64) {
	if len(p.probs)-p.probBase >= p.lim.MaxFeatures {
		p.rejectf("prediction.probabilities: more than %d classes", p.lim.MaxFeatures)
		return
	}
	if len(p.probs) == cap(p.probs) {
		mine := p.probs[p.probBase:]
		p.probs = append(make([]ClassProb, 0, max(probSlab, 2*len(mine))), mine...)
		p.probBase = 0
	}
	p.probs = append(p.probs, ClassProb{Class: class, P: f})
}

// rejectf records why the item is rejected, unless a reason is known.
func (p *parser) rejectf(format string, args ...any) {
	if p.problem == "" {
		p.problem = fmt.Sprintf(format, args...)
	}
}

// wrongType rejects the value at b[i] for its type and skips it.
func (p *parser) wrongType(i, depth int, path, want string) (int, error) {
	p.rejectf("%s: want %s, got %s", path, want, kindOf(p.b[i]))
	return p.skipValue(i, depth, "")
}

func (p *parser) intern(s []byte) uint32 {
	if id, ok := p.ids[string(s)]; ok {
		return id
	}
	id := uint32(len(p.names))
	name := string(s)
	p.names = append(p.names, name)
	p.nameBytes += len(name)
	p.seen = append(p.seen, 0)
	p.ids[name] = id
	return id
}

// short returns s as a string, shared with earlier copies when short.
func (p *parser) short(s []byte) string {
	if len(s) <= internMaxLen {
		return p.names[p.intern(s)]
	}
	return string(s)
}

// newScope starts a set of keys in which each may appear once.
func (p *parser) newScope() uint32 {
	p.scopeGen++
	if p.scopeGen == 0 {
		clear(p.seen)
		p.scopeGen = 1
	}
	return p.scopeGen
}

// firstInScope marks an interned key as seen and reports whether it was new.
func (p *parser) firstInScope(id, scope uint32) bool {
	if p.seen[id] == scope {
		return false
	}
	p.seen[id] = scope
	return true
}

// firstMember moves past the '{' or '[' at b[i] and its whitespace; done
// reports an empty container, whose end is then returned.
func (p *parser) firstMember(i int, closing byte) (next int, done bool, err error) {
	b := p.b
	i = skipSpace(b, i+1)
	if i >= len(b) {
		return i, false, errShort
	}
	if b[i] == closing {
		return i + 1, true, nil
	}
	return i, false, nil
}

// nextMember moves past the ',' after a member and its whitespace, or past
// the closing bracket (done).
func (p *parser) nextMember(i int, closing byte) (next int, done bool, err error) {
	b := p.b
	i = skipSpace(b, i)
	if i >= len(b) {
		return i, false, errShort
	}
	switch b[i] {
	case ',':
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return i, false, errShort
		}
		return i, false, nil
	case closing:
		return i + 1, true, nil
	}
	return i, false, p.syntax(i, fmt.Sprintf("',' or '%c'", closing))
}

// key reads an object key at b[i] and the ':' after it, and returns where
// the value starts. where names the object for messages.
func (p *parser) key(i int, where string, dst *[]byte) (key []byte, next int, err error) {
	b := p.b
	if b[i] != '"' {
		return nil, i, p.syntax(i, "a string key")
	}
	key, i, prob, err := p.str(i, dst)
	if err != nil {
		return nil, i, err
	}
	if prob != "" {
		p.rejectf("%s: key: %s", where, prob)
	}
	i = skipSpace(b, i)
	if i >= len(b) {
		return nil, i, errShort
	}
	if b[i] != ':' {
		return nil, i, p.syntax(i, "':' after a key")
	}
	i = skipSpace(b, i+1)
	if i >= len(b) {
		return nil, i, errShort
	}
	return key, i, nil
}

// parseItem parses the item at b[i]: an event object, or anything else,
// which is rejected once its end is found.
func (p *parser) parseItem(i int, ev *Event) (int, error) {
	if p.b[i] == '{' {
		return p.parseEvent(i, ev)
	}
	p.rejectf("want an event object, got %s", kindOf(p.b[i]))
	return p.skipValue(i, 0, "")
}

// Top-level keys, to catch duplicates.
const (
	fieldID uint16 = 1 << iota
	fieldModel
	fieldUser
	fieldTime
	fieldFeatures
	fieldPrediction
	fieldPrompt
	fieldOutput
	fieldLabel
)

// parseEvent parses the event object at b[i] == '{'.
func (p *parser) parseEvent(i int, ev *Event) (int, error) {
	var seen uint16
	var unknown uint32 // key scope for unknown keys, started on the first
	i, done, err := p.firstMember(i, '}')
	for !done && err == nil {
		var key []byte
		if key, i, err = p.key(i, "event", &p.keyBuf); err != nil {
			return i, err
		}
		// The key lives in keyBuf or the input; check for a duplicate
		// before the value, which may reuse keyBuf.
		var field uint16
		switch string(key) {
		case "id":
			field = fieldID
		case "model":
			field = fieldModel
		case "user":
			field = fieldUser
		case "time":
			field = fieldTime
		case "features":
			field = fieldFeatures
		case "prediction":
			field = fieldPrediction
		case "prompt":
			field = fieldPrompt
		case "output":
			field = fieldOutput
		case "label":
			field = fieldLabel
		}
		if seen&field != 0 {
			p.rejectf("duplicate key %q", key)
		}
		seen |= field
		switch field {
		case fieldID:
			ev.ID, i, err = p.text(i, "id", false)
		case fieldModel:
			ev.Model, i, err = p.model(i)
		case fieldUser:
			ev.User, i, err = p.text(i, "user", true)
		case fieldTime:
			ev.Time, i, err = p.time(i)
		case fieldFeatures:
			i, err = p.features(i)
		case fieldPrediction:
			i, err = p.prediction(i, &ev.Prediction)
		case fieldPrompt:
			ev.Prompt, i, err = p.longText(i, "prompt")
		case fieldOutput:
			ev.Output, i, err = p.longText(i, "output")
		case fieldLabel:
			ev.Label, i, err = p.label(i, 1, "label")
		default:
			// Unknown keys are skipped for forward compatibility.
			if unknown == 0 {
				unknown = p.newScope()
			}
			id := p.intern(key)
			if !p.firstInScope(id, unknown) {
				p.rejectf("duplicate key %q", key)
			}
			i, err = p.skipValue(i, 1, p.names[id])
		}
		if err != nil {
			return i, err
		}
		i, done, err = p.nextMember(i, '}')
	}
	if err == nil && seen&fieldModel == 0 {
		p.rejectf("model: missing")
	}
	return i, err
}

// model reads the model name: a non-empty string.
func (p *parser) model(i int) (string, int, error) {
	if p.b[i] != '"' {
		next, err := p.wrongType(i, 1, "model", "string")
		return "", next, err
	}
	s, next, prob, err := p.str(i, &p.valBuf)
	if err != nil {
		return "", next, err
	}
	if prob != "" {
		p.rejectf("model: %s", prob)
	}
	if len(s) == 0 {
		p.rejectf("model: empty")
	}
	return p.short(s), next, nil
}

// text reads an identifier: a string, or a number kept as written (user
// and request ids are often integers). Repeated ones share a copy when
// shared is set.
func (p *parser) text(i int, path string, shared bool) (string, int, error) {
	b := p.b
	switch c := b[i]; {
	case c == '"':
		s, next, prob, err := p.str(i, &p.valBuf)
		if err != nil {
			return "", next, err
		}
		if prob != "" {
			p.rejectf("%s: %s", path, prob)
		}
		if shared {
			return p.short(s), next, nil
		}
		return string(s), next, nil
	case c == '-' || isDigit(c):
		next, prob, err := p.scanNumber(i)
		if err != nil {
			return "", next, err
		}
		if prob != "" {
			p.rejectf("%s: %s", path, prob)
		}
		return string(b[i:next]), next, nil
	case c == 'n':
		next, err := p.null(i, path, "string")
		return "", next, err
	}
	next, err := p.wrongType(i, 1, path, "string")
	return "", next, err
}

// longText reads a prompt or output: a string or null.
func (p *parser) longText(i int, path string) (string, int, error) {
	switch p.b[i] {
	case '"':
		s, next, prob, err := p.str(i, &p.valBuf)
		if err != nil {
			return "", next, err
		}
		if prob != "" {
			p.rejectf("%s: %s", path, prob)
		}
		return string(s), next, nil
	case 'n':
		next, err := p.null(i, path, "string")
		return "", next, err
	}
	next, err := p.wrongType(i, 1, path, "string")
	return "", next, err
}

// null reads a word at b[i] that should be null, rejecting anything else.
func (p *parser) null(i int, path, want string) (int, error) {
	v, next, prob, err := p.word(i)
	switch {
	case err != nil:
		return next, err
	case prob != "":
		p.rejectf("%s: %s", path, prob)
	case v.Kind != Null:
		p.rejectf("%s: want %s, got bool", path, want)
	}
	return next, nil
}

// time reads the event time: an RFC 3339 string, Unix seconds or null.
func (p *parser) time(i int) (time.Time, int, error) {
	b := p.b
	switch c := b[i]; {
	case c == '"':
		s, next, prob, err := p.str(i, &p.valBuf)
		if err != nil {
			return time.Time{}, next, err
		}
		if prob != "" {
			p.rejectf("time: %s", prob)
			return time.Time{}, next, nil
		}
		t, prob := parseTime(s)
		if prob != "" {
			p.rejectf("time: %s", prob)
		}
		return t, next, nil
	case c == '-' || isDigit(c):
		next, prob, err := p.scanNumber(i)
		if err != nil {
			return time.Time{}, next, err
		}
		if prob != "" {
			p.rejectf("time: %s", prob)
			return time.Time{}, next, nil
		}
		t, prob := unixTime(b[i:next])
		if prob != "" {
			p.rejectf("time: %s", prob)
		}
		return t, next, nil
	case c == 'n':
		next, err := p.null(i, "time", "RFC 3339 string or Unix seconds")
		return time.Time{}, next, err
	}
	next, err := p.wrongType(i, 1, "time", "RFC 3339 string or Unix seconds")
	return time.Time{}, next, err
}

// features reads the features object into p.feats.
func (p *parser) features(i int) (int, error) {
	switch p.b[i] {
	case '{':
	case 'n':
		return p.null(i, "features", "object")
	default:
		return p.wrongType(i, 1, "features", "object")
	}
	scope := p.newScope()
	p.feats, p.featIDs = p.feats[:p.featBase], p.featIDs[:0]
	b := p.b
	i, done, err := p.firstMember(i, '}')
	for k := 0; !done && err == nil; k++ {
		if next, ok := p.plainFeature(i, k, scope); ok {
			// And the separator, when it is "," or ", ".
			if i = next; i+2 < len(b) && b[i] == ',' {
				j := i + 1
				if b[j] == ' ' {
					j++
				}
				if b[j] == '"' {
					i = j
					continue
				}
			}
			i, done, err = p.nextMember(i, '}')
			continue
		}
		var key []byte
		if key, i, err = p.key(i, "features", &p.keyBuf); err != nil {
			return i, err
		}
		// Most events send the same names in the same order as the last.
		var id uint32
		if k < len(p.prevIDs) && string(key) == p.names[p.prevIDs[k]] {
			id = p.prevIDs[k]
		} else {
			id = p.intern(key)
		}
		name := p.names[id]
		if !p.firstInScope(id, scope) {
			p.rejectf("%s: duplicate feature", featurePath(name))
		}
		var v Value
		if v, i, err = p.featureValue(i, name); err != nil {
			return i, err
		}
		if len(p.feats)-p.featBase < p.lim.MaxFeatures {
			p.addFeature(Feature{Name: name, Value: v})
			p.featIDs = append(p.featIDs, id)
		} else {
			p.rejectf("features: more than %d features", p.lim.MaxFeatures)
		}
		i, done, err = p.nextMember(i, '}')
	}
	return i, err
}

// plainFeature parses the feature at b[i] when it takes the common form: a
// key without escapes, ':' and at most one space, and a valid scalar. For
// anything else it reports false, having changed nothing, and the general
// path parses the member and explains what is wrong.
func (p *parser) plainFeature(i, k int, scope uint32) (next int, ok bool) {
	b := p.b
	if b[i] != '"' {
		return i, false
	}
	start := i + 1
	j := start
	for {
		if j+8 > len(b) {
			return i, false
		}
		if m := specialBytes(load8(b, j)); m != 0 {
			j += firstMarked(m)
			break
		}
		j += 8
	}
	if b[j] != '"' || j+3 > len(b) || b[j+1] != ':' {
		return i, false
	}
	key := b[start:j]
	if j += 2; b[j] == ' ' {
		if j++; j == len(b) {
			return i, false
		}
	}
	var v Value
	var prob string
	var err error
	switch c := b[j]; {
	case c == '-' || isDigit(c):
		v.Kind = Number
		v.Num, next, prob, err = p.number(j)
	case c == '"':
		var s []byte
		if s, next, prob, err = p.str(j, &p.valBuf); err == nil && prob == "" {
			v = Value{Kind: String, Str: p.short(s)}
		}
	default:
		v, next, prob, err = p.word(j)
	}
	if err != nil || prob != "" || len(p.feats)-p.featBase >= p.lim.MaxFeatures {
		return i, false
	}
	// Most events send the same names in the same order as the last.
	var id uint32
	if k < len(p.prevIDs) && string(key) == p.names[p.prevIDs[k]] {
		id = p.prevIDs[k]
	} else {
		id = p.intern(key)
	}
	if !p.firstInScope(id, scope) {
		p.rejectf("%s: duplicate feature", featurePath(p.names[id]))
	}
	p.addFeature(Feature{Name: p.names[id], Value: v})
	p.featIDs = append(p.featIDs, id)
	return next, true
}

// featureValue reads one feature value: a number, string, bool or null.
func (p *parser) featureValue(i int, name string) (Value, int, error) {
	switch c := p.b[i]; c {
	case '"':
		s, next, prob, err := p.str(i, &p.valBuf)
		if err != nil {
			return Value{}, next, err
		}
		if prob != "" {
			p.rejectf("%s: %s", featurePath(name), prob)
		}
		return Value{Kind: String, Str: p.short(s)}, next, nil
	case '{', '[':
		p.rejectf("%s: want number, string, bool or null, got %s (nested values are not supported)", featurePath(name), kindOf(c))
		next, err := p.skipValue(i, 2, "")
		return Value{}, next, err
	}
	v, next, prob, err := p.scalar(i)
	if prob != "" {
		p.rejectf("%s: %s", featurePath(name), prob)
	}
	return v, next, err
}

// label reads a label at depth: a string, number, bool or null.
func (p *parser) label(i, depth int, path string) (Value, int, error) {
	switch c := p.b[i]; c {
	case '"':
		s, next, prob, err := p.str(i, &p.valBuf)
		if err != nil {
			return Value{}, next, err
		}
		if prob != "" {
			p.rejectf("%s: %s", path, prob)
		}
		return Value{Kind: String, Str: p.short(s)}, next, nil
	case '{', '[':
		next, err := p.wrongType(i, depth, path, "string, number, bool or null")
		return Value{}, next, err
	}
	v, next, prob, err := p.scalar(i)
	if prob != "" {
		p.rejectf("%s: %s", path, prob)
	}
	return v, next, err
}

// Prediction keys, to catch duplicates.
const (
	predLabel uint8 = 1 << iota
	predScore
	predProbabilities
)

// prediction reads the prediction object.
func (p *parser) prediction(i int, pr *Prediction) (int, error) {
	switch p.b[i] {
	case '{':
	case 'n':
		return p.null(i, "prediction", "object")
	default:
		return p.wrongType(i, 1, "prediction", "object")
	}
	var seen uint8
	var unknown uint32
	i, done, err := p.firstMember(i, '}')
	for !done && err == nil {
		var key []byte
		if key, i, err = p.key(i, "prediction", &p.keyBuf); err != nil {
			return i, err
		}
		var field uint8
		switch string(key) {
		case "label":
			field = predLabel
		case "score":
			field = predScore
		case "probabilities":
			field = predProbabilities
		}
		if seen&field != 0 {
			p.rejectf("prediction: duplicate key %q", key)
		}
		seen |= field
		switch field {
		case predLabel:
			pr.Label, i, err = p.label(i, 2, "prediction.label")
		case predScore:
			pr.Score, pr.HasScore, i, err = p.score(i)
		case predProbabilities:
			i, err = p.probabilities(i)
		default:
			if unknown == 0 {
				unknown = p.newScope()
			}
			id := p.intern(key)
			if !p.firstInScope(id, unknown) {
				p.rejectf("prediction: duplicate key %q", key)
			}
			i, err = p.skipValue(i, 2, "prediction."+p.names[id])
		}
		if err != nil {
			return i, err
		}
		i, done, err = p.nextMember(i, '}')
	}
	return i, err
}

// score reads the prediction's score: a number or null.
func (p *parser) score(i int) (float64, bool, int, error) {
	const path = "prediction.score"
	switch c := p.b[i]; {
	case c == '-' || isDigit(c) || c == 'N' || c == 'I':
		v, next, prob, err := p.scalar(i)
		if prob != "" {
			p.rejectf("%s: %s", path, prob)
		}
		return v.Num, prob == "", next, err
	case c == 'n':
		next, err := p.null(i, path, "number")
		return 0, false, next, err
	}
	next, err := p.wrongType(i, 2, path, "number")
	return 0, false, next, err
}

// probabilities reads an array of numbers, whose classes are "0", "1", ...,
// or an object of class: number.
func (p *parser) probabilities(i int) (int, error) {
	const path = "prediction.probabilities"
	p.probs = p.probs[:p.probBase]
	switch p.b[i] {
	case '[':
		i, done, err := p.firstMember(i, ']')
		for k := 0; !done && err == nil; k++ {
			var f float64
			if f, i, err = p.probability(i, k, ""); err != nil {
				return i, err
			}
			p.addProb(p.className(k), f)
			i, done, err = p.nextMember(i, ']')
		}
		return i, err
	case '{':
		scope := p.newScope()
		i, done, err := p.firstMember(i, '}')
		for !done && err == nil {
			var key []byte
			if key, i, err = p.key(i, path, &p.keyBuf); err != nil {
				return i, err
			}
			id := p.intern(key)
			class := p.names[id]
			if !p.firstInScope(id, scope) {
				p.rejectf("%s: duplicate class %q", path, class)
			}
			var f float64
			if f, i, err = p.probability(i, 0, class); err != nil {
				return i, err
			}
			p.addProb(class, f)
			i, done, err = p.nextMember(i, '}')
		}
		return i, err
	case 'n':
		return p.null(i, path, "array or object")
	}
	return p.wrongType(i, 2, path, "array or object")
}

// probability reads the number for class, or for index k of an array when
// class is empty.
func (p *parser) probability(i, k int, class string) (float64, int, error) {
	c := p.b[i]
	if c == '-' || isDigit(c) || c == 'N' || c == 'I' {
		v, next, prob, err := p.scalar(i)
		if prob != "" {
			p.rejectf("%s: %s", probPath(k, class), prob)
		}
		return v.Num, next, err
	}
	p.rejectf("%s: want number, got %s", probPath(k, class), kindOf(c))
	next, err := p.skipValue(i, 3, "")
	return 0, next, err
}

func probPath(k int, class string) string {
	switch {
	case class == "":
		return fmt.Sprintf("prediction.probabilities[%d]", k)
	case plainName(class):
		return "prediction.probabilities." + class
	}
	return "prediction.probabilities." + strconv.Quote(class)
}

// className returns "k", made once per decoder.
func (p *parser) className(k int) string {
	for len(p.classNames) <= k {
		p.classNames = append(p.classNames, strconv.Itoa(len(p.classNames)))
	}
	return p.classNames[k]
}

// skipValue checks and skips the value at b[i], whose container is at
// depth; path names it when it nests too deep.
func (p *parser) skipValue(i, depth int, path string) (int, error) {
	next, stack, err := p.skip(i, depth, path, p.stack[:0])
	p.stack = stack[:0]
	return next, err
}

func (p *parser) skip(i, depth int, path string, stack []byte) (int, []byte, error) {
	b := p.b
	for {
		// A value starts at b[i].
		if i >= len(b) {
			return i, stack, errShort
		}
		var prob string
		var err error
		switch c := b[i]; {
		case c == '{' || c == '[':
			stack = append(stack, c)
			if depth+len(stack) > p.lim.MaxDepth {
				p.rejectf("%snesting deeper than %d levels", pathPrefix(path), p.lim.MaxDepth)
			}
			var done bool
			if i, done, err = p.firstMember(i, c+2); err != nil { // '{'+2 is '}', '['+2 is ']'
				return i, stack, err
			}
			if !done {
				if c == '{' {
					if _, i, err = p.key(i, "object", nil); err != nil {
						return i, stack, err
					}
				}
				continue
			}
			stack = stack[:len(stack)-1]
		case c == '"':
			_, i, prob, err = p.str(i, nil)
		case c == '-' || isDigit(c):
			i, prob, err = p.scanNumber(i)
		default:
			_, i, prob, err = p.word(i)
		}
		if err != nil {
			return i, stack, err
		}
		if prob != "" {
			p.rejectf("%s%s", pathPrefix(path), prob)
		}
		// After a value: close containers, or move on to the next member.
		for {
			if len(stack) == 0 {
				return i, stack, nil
			}
			top := stack[len(stack)-1]
			var done bool
			if i, done, err = p.nextMember(i, top+2); err != nil {
				return i, stack, err
			}
			if !done {
				break
			}
			stack = stack[:len(stack)-1]
		}
		if stack[len(stack)-1] == '{' {
			if _, i, err = p.key(i, "object", nil); err != nil {
				return i, stack, err
			}
		}
	}
}

func pathPrefix(path string) string {
	if path == "" {
		return ""
	}
	return path + ": "
}

// featurePath names a feature in a message, quoting odd names.
func featurePath(name string) string {
	if plainName(name) {
		return "features." + name
	}
	return "features." + strconv.Quote(name)
}

func plainName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && !isDigit(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}
