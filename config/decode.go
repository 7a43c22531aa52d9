package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/warden-ml/warden/alert"
)

// SyntaxError is YAML that does not parse.
type SyntaxError struct {
	File   string
	Line   int // from 1
	Column int // from 1; 0 when it could not be placed
	Msg    string
}

func (e *SyntaxError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	fmt.Fprintf(&b, "line %d", e.Line)
	if e.Column > 0 {
		fmt.Fprintf(&b, ", column %d", e.Column)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// maxValues bounds the values one document may expand to, counting every
// use of an alias: a few lines of nested aliases would otherwise expand to
// billions of values.
const maxValues = 1 << 20

// decoder overlays a YAML document on a Config, recording where each path
// was set and every problem met on the way.
type decoder struct {
	problems problems
	lines    map[string]int // path -> line where the document sets it
	failed   map[string]bool
	budget   int
}

func newDecoder() *decoder {
	return &decoder{lines: map[string]int{}, failed: map[string]bool{}, budget: maxValues}
}

func (d *decoder) fail(n *yaml.Node, path, format string, a ...any) {
	d.problems = append(d.problems, Problem{Path: path, Msg: fmt.Sprintf(format, a...), Line: n.Line})
	d.failed[path] = true
}

// spend counts one value against the budget, reporting once when it runs out.
func (d *decoder) spend(n *yaml.Node) bool {
	d.budget--
	if d.budget == 0 {
		d.problems = append(d.problems, Problem{Msg: fmt.Sprintf("document too large: more than %d values, counting each use of an alias", maxValues), Line: n.Line})
	}
	return d.budget > 0
}

// document decodes data onto c. It returns the error of a document that
// does not parse; every other problem is recorded in d.problems.
func (d *decoder) document(data []byte, c *Config) *SyntaxError {
	root, extra, err := parseYAML(data)
	if err != nil {
		return locateSyntaxError(data, err)
	}
	if extra != nil {
		d.problems = append(d.problems, Problem{Msg: "want one YAML document, found another", Line: extra.Line})
	}
	if root != nil {
		d.value(root, reflect.ValueOf(c).Elem(), "", "")
	}
	return nil
}

// parseYAML parses the first document of data and reports whether another
// follows; root is nil for an empty document.
func parseYAML(data []byte) (root, extra *yaml.Node, err error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, nil
		}
		return nil, nil, err
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		extra = &next
	case !errors.Is(err, io.EOF):
		return nil, nil, err
	}
	if len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	return root, extra, nil
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	severityType = reflect.TypeFor[alert.Severity]()
	timeType     = reflect.TypeFor[time.Time]()
)

// value decodes n onto v. A null leaves v as it was, so that `key:` with
// nothing after it keeps the default. unit is the field's config tag.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path, unit string) {
	if !d.spend(n) {
		return
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if isNull(n) {
		return
	}
	switch {
	case v.Type() == durationType:
		d.duration(n, v, path)
		return
	case v.Type() == severityType:
		d.severity(n, v, path)
		return
	case v.Type() == timeType:
		t, err := time.Parse(time.RFC3339, n.Value)
		if n.Kind != yaml.ScalarNode || err != nil {
			d.fail(n, path, "want an RFC 3339 time such as 2027-01-31T00:00:00Z, got %s", describe(n))
			return
		}
		v.Set(reflect.ValueOf(t.UTC()))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.structure(n, v, path)
	case reflect.Slice:
		d.list(n, v, path)
	case reflect.Map:
		d.mapping(n, v, path)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.fail(n, path, "want a string, got %s", describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.fail(n, path, "want true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		d.integer(n, v, path, unit)
	case reflect.Float64:
		var f float64
		tag := n.ShortTag()
		if n.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float") || n.Decode(&f) != nil {
			d.fail(n, path, "want a number, got %s", describe(n))
			return
		}
		v.SetFloat(f)
	default:
		// Only reachable if a field of an unsupported type is added to Config.
		d.fail(n, path, "cannot decode into %s", v.Type())
	}
}

func (d *decoder) integer(n *yaml.Node, v reflect.Value, path, unit string) {
	var i int64
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int":
		if n.Decode(&i) != nil {
			d.fail(n, path, "integer out of range: %s", describe(n))
			return
		}
	case unit == "bytes" && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str":
		size, err := parseSize(n.Value)
		if err != nil {
			d.fail(n, path, "%v, got %s", err, describe(n))
			return
		}
		i = size
	case unit == "bytes":
		d.fail(n, path, "want a size like 32MiB, got %s", describe(n))
		return
	default:
		d.fail(n, path, "want an integer, got %s", describe(n))
		return
	}
	if v.OverflowInt(i) {
		d.fail(n, path, "integer out of range: %s", describe(n))
		return
	}
	v.SetInt(i)
}

func (d *decoder) duration(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "want a duration like 10s, got %s", describe(n))
		return
	}
	dur, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if err != nil {
		d.fail(n, path, "want a duration like 10s, got %s", describe(n))
		return
	}
	v.SetInt(int64(dur))
}

func (d *decoder) severity(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.ScalarNode {
		if s, err := alert.ParseSeverity(n.Value); err == nil && s != alert.None {
			v.SetUint(uint64(s))
			return
		}
	}
	d.fail(n, path, "want low, medium, high or critical, got %s", describe(n))
}

// fieldsOf maps each YAML key of a struct type, and each alias a field's
// `alias` tag gives it, to the field index; names lists the keys.
func fieldsOf(t reflect.Type) (index map[string]int, names []string) {
	index = map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		index[name] = i
		names = append(names, name)
		if alias := t.Field(i).Tag.Get("alias"); alias != "" {
			index[alias] = i
		}
	}
	return index, names
}

func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping, got %s", describe(n))
		return
	}
	index, names := fieldsOf(v.Type())
	given := map[int]string{} // field index -> the key that set it
	for _, kv := range d.pairs(n, path) {
		i, ok := index[kv.key]
		if !ok {
			msg := "unknown field"
			if s := suggest(kv.key, names); s != "" {
				msg += fmt.Sprintf(", did you mean %s?", s)
			}
			d.fail(kv.keyNode, mapKeyPath(path, kv.key), "%s", msg)
			continue
		}
		// An alias is recorded under the field's own key, which the
		// rest of loading (lines, defaults, problems) knows it by.
		key, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
		p := mapKeyPath(path, key)
		if other, dup := given[i]; dup && other != kv.key {
			d.fail(kv.keyNode, p, "%s and %s are the same setting; give one", other, kv.key)
			continue
		}
		given[i] = kv.key
		if isNull(kv.value) {
			continue
		}
		d.lines[p] = kv.keyNode.Line
		d.value(kv.value, v.Field(i), p, v.Type().Field(i).Tag.Get("config"))
	}
}

// isNull reports an explicit null or a key with nothing after it.
func isNull(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// defaulter is a list item with defaults of its own.
type defaulter interface{ setDefaults() }

func (d *decoder) list(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "want a list, got %s", describe(n))
		return
	}
	if len(n.Content) == 0 {
		v.SetZero()
		return
	}
	out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		p := indexPath(path, i)
		d.lines[p] = item.Line
		e := out.Index(i)
		if def, ok := e.Addr().Interface().(defaulter); ok {
			def.setDefaults()
		}
		d.value(item, e, p, "")
	}
	v.Set(out)
}

// mapping overlays entries on the map, so that a file naming one kind of
// threshold keeps the defaults of the others.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping, got %s", describe(n))
		return
	}
	for _, kv := range d.pairs(n, path) {
		if isNull(kv.value) {
			continue
		}
		p := mapKeyPath(path, kv.key)
		d.lines[p] = kv.keyNode.Line
		key := reflect.ValueOf(kv.key)
		e := reflect.New(v.Type().Elem()).Elem()
		if old := v.MapIndex(key); old.IsValid() {
			e.Set(old)
		}
		d.value(kv.value, e, p, "")
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		v.SetMapIndex(key, e)
	}
}

type pair struct {
	key            string
	keyNode, value *yaml.Node
}

// pairs lists a mapping's entries with YAML merge keys (<<) expanded:
// merged entries first, so that the mapping's own keys override them.
func (d *decoder) pairs(n *yaml.Node, path string) []pair {
	var merged, own []pair
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if !d.spend(k) {
			return nil
		}
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, d.merge(val, path)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "want a plain key, got %s", describe(k))
			continue
		}
		if line, dup := seen[k.Value]; dup {
			d.fail(k, mapKeyPath(path, k.Value), "duplicate key (first at line %d)", line)
			continue
		}
		seen[k.Value] = k.Line
		own = append(own, pair{k.Value, k, val})
	}
	return append(merged, own...)
}

// merge expands the value of a merge key: one mapping, or a list of them
// where earlier mappings take precedence.
func (d *decoder) merge(val *yaml.Node, path string) []pair {
	if val.Kind == yaml.AliasNode {
		val = val.Alias
	}
	switch val.Kind {
	case yaml.MappingNode:
		return d.pairs(val, path)
	case yaml.SequenceNode:
		var out []pair
		for i := len(val.Content) - 1; i >= 0; i-- {
			item := val.Content[i]
			if item.Kind == yaml.AliasNode {
				item = item.Alias
			}
			if item.Kind != yaml.MappingNode {
				d.fail(item, path, "merge (<<) wants mappings, got %s", describe(item))
				continue
			}
			out = append(out, d.pairs(item, path)...)
		}
		return out
	}
	d.fail(val, path, "merge (<<) wants a mapping or a list of mappings, got %s", describe(val))
	return nil
}

// describe names what a node holds, for "want X, got Y".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	const max = 40
	s := n.Value
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "..."
	}
	return strconv.Quote(s)
}

// suggest returns the name closest to key when it is a likely misspelling.
func suggest(key string, names []string) string {
	best, bestDist := "", 3
	for _, name := range names {
		if dist := editDistance(key, name); dist < bestDist && dist < len(name) {
			best, bestDist = name, dist
		}
	}
	return best
}

// editDistance is the optimal string alignment distance (Levenshtein with
// adjacent transpositions), which catches the usual typing slips.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// yamlErrorPrefix is how the YAML parser starts its messages.
var yamlErrorPrefix = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// splitYAMLError separates the parser's message from the line it reports
// (1 when it reports none, which it does for the first line).
func splitYAMLError(err error) (msg string, line int) {
	msg, line = err.Error(), 1
	if m := yamlErrorPrefix.FindStringSubmatch(msg); m != nil {
		msg = msg[len(m[0]):]
		if m[1] != "" {
			line, _ = strconv.Atoi(m[1])
		}
	}
	return msg, line
}

// maxLocate bounds the input whose syntax errors are placed exactly: each
// step of the search parses a prefix of the input again.
const maxLocate = 1 << 20

// locateSyntaxError finds the line and column of a parse error. The parser
// reports no column and, for errors inside a construct, the line where the
// construct starts, so the error is placed at the shortest prefix of the
// input that fails with the same message: first the line, then the column,
// each by bisection.
func locateSyntaxError(data []byte, err error) *SyntaxError {
	msg, line := splitYAMLError(err)
	se := &SyntaxError{Line: line, Msg: msg}
	if len(data) > maxLocate {
		return se
	}
	same := func(end int) bool {
		_, _, err := parseYAML(data[:end])
		if err == nil {
			return false
		}
		m, _ := splitYAMLError(err)
		return m == msg
	}
	ends := lineEnds(data) // ends[i]: offset just past line i+1
	if line > len(ends) {
		line = len(ends)
	}
	if line < 1 {
		return se
	}
	lo, hi := line, len(ends)
	for lo < hi {
		mid := (lo + hi) / 2
		if same(ends[mid-1]) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	se.Line = lo
	start := 0
	if lo > 1 {
		start = ends[lo-2]
	}
	// Smallest cut inside the line that still fails the same way.
	a, b := start+1, ends[lo-1]
	for a < b {
		mid := (a + b) / 2
		if same(mid) {
			b = mid
		} else {
			a = mid + 1
		}
	}
	if a > start && same(a) {
		se.Column = utf8.RuneCount(data[start:a-1]) + 1
	}
	return se
}

// lineEnds returns the offset just past each line, the last line included
// whether or not it ends in a newline.
func lineEnds(data []byte) []int {
	var ends []int
	for i, c := range data {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		ends = append(ends, len(data))
	}
	return ends
}
