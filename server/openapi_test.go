package server_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/server"
	"github.com/warden-ml/warden/simulate"
)

// openAPIFile is the API's description, kept beside the code it describes.
const openAPIFile = "../api/openapi.yaml"

// openAPI is the document as YAML decodes it: maps, lists and scalars, so
// that the test reads exactly what a client generator would.
type openAPI struct {
	root map[string]any
}

func loadOpenAPI(t testing.TB) *openAPI {
	t.Helper()
	raw, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseOpenAPI(raw)
	if err != nil {
		t.Fatalf("%s: %v", openAPIFile, err)
	}
	return doc
}

func parseOpenAPI(raw []byte) (*openAPI, error) {
	var root map[string]any
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, err
	}
	return &openAPI{root: root}, nil
}

// pointer follows a local JSON pointer such as "#/components/schemas/Alert".
func (d *openAPI) pointer(ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("$ref %q: only local references (#/...) are used here", ref)
	}
	var node any = d.root
	for _, part := range strings.Split(rest, "/") {
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		m, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: %q is not inside an object", ref, part)
		}
		if node, ok = m[part]; !ok {
			return nil, fmt.Errorf("$ref %q: no %q", ref, part)
		}
	}
	return node, nil
}

// object returns node as an object, following a $ref (parameters,
// responses) first.
func (d *openAPI) object(node any) (map[string]any, error) {
	for range 16 {
		m, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("want an object, got %T", node)
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m, nil
		}
		var err error
		if node, err = d.pointer(ref); err != nil {
			return nil, err
		}
	}
	return nil, errors.New("$ref chain longer than 16")
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// operation is one (method, path) of the document.
type operation struct {
	Method string // upper case, as on the wire
	Path   string // the template, with {params}
	Spec   map[string]any
	Params []map[string]any // the path's and the operation's, resolved
}

func (o operation) String() string { return o.Method + " " + o.Path }

func (d *openAPI) operations() ([]operation, error) {
	paths, ok := d.root["paths"].(map[string]any)
	if !ok {
		return nil, errors.New("no paths")
	}
	var ops []operation
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		item, err := d.object(paths[path])
		if err != nil {
			return nil, fmt.Errorf("paths[%s]: %w", path, err)
		}
		shared, err := d.params(item["parameters"])
		if err != nil {
			return nil, fmt.Errorf("paths[%s].parameters: %w", path, err)
		}
		for _, m := range httpMethods {
			spec, ok := item[m]
			if !ok {
				continue
			}
			op, ok := spec.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("paths[%s].%s: not an object", path, m)
			}
			own, err := d.params(op["parameters"])
			if err != nil {
				return nil, fmt.Errorf("paths[%s].%s.parameters: %w", path, m, err)
			}
			ops = append(ops, operation{Method: strings.ToUpper(m), Path: path, Spec: op, Params: append(slices.Clone(shared), own...)})
		}
	}
	return ops, nil
}

func (d *openAPI) params(node any) ([]map[string]any, error) {
	if node == nil {
		return nil, nil
	}
	list, ok := node.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list, got %T", node)
	}
	out := make([]map[string]any, len(list))
	for i, p := range list {
		m, err := d.object(p)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out[i] = m
	}
	return out, nil
}

// findOperation returns the operation serving a request path; a template
// with more literal segments wins, as in http.ServeMux.
func findOperation(ops []operation, method, path string) (operation, bool) {
	segs := strings.Split(path, "/")
	best, bestLiterals := operation{}, -1
	for _, op := range ops {
		tsegs := strings.Split(op.Path, "/")
		if op.Method != method || len(tsegs) != len(segs) {
			continue
		}
		literals, match := 0, true
		for i, ts := range tsegs {
			switch {
			case strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}"):
				match = match && segs[i] != ""
			case ts == segs[i]:
				literals++
			default:
				match = false
			}
		}
		if match && literals > bestLiterals {
			best, bestLiterals = op, literals
		}
	}
	return best, bestLiterals >= 0
}

// fillPath puts a value in every {param} of a path template.
func fillPath(template, value string) string {
	return regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(template, value)
}

// The validator below implements the part of JSON Schema the document uses.
// Keywords it does not know are errors rather than ignored, so the document
// cannot claim a constraint the test never checks.

// schemaAnnotations carry no constraint.
var schemaAnnotations = map[string]bool{"description": true, "title": true, "default": true, "example": true, "examples": true}

var schemaKeywords = map[string]bool{
	"$ref": true, "type": true, "enum": true, "format": true,
	"required": true, "properties": true, "additionalProperties": true, "minProperties": true,
	"items": true, "maxItems": true, "anyOf": true, "oneOf": true,
	"minimum": true, "maximum": true, "exclusiveMinimum": true, "exclusiveMaximum": true,
	"minLength": true, "pattern": true,
}

// checkSchema reports keywords the validator does not implement, anywhere
// inside schema.
func checkSchema(schema any, at string) []error {
	m, ok := schema.(map[string]any)
	if !ok {
		return []error{fmt.Errorf("%s: a schema must be an object, got %T", at, schema)}
	}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		switch {
		case schemaAnnotations[k]:
		case !schemaKeywords[k]:
			errs = append(errs, fmt.Errorf("%s: keyword %q is not checked by this test's validator", at, k))
		case k == "format" && v != "date-time":
			errs = append(errs, fmt.Errorf("%s: format %v is not checked by this test's validator", at, v))
		case k == "properties":
			props, _ := v.(map[string]any)
			for _, name := range slices.Sorted(maps.Keys(props)) {
				errs = append(errs, checkSchema(props[name], at+".properties."+name)...)
			}
		case k == "items":
			errs = append(errs, checkSchema(v, at+".items")...)
		case k == "additionalProperties":
			if _, isBool := v.(bool); !isBool {
				errs = append(errs, checkSchema(v, at+".additionalProperties")...)
			}
		case k == "anyOf" || k == "oneOf":
			list, _ := v.([]any)
			for i, s := range list {
				errs = append(errs, checkSchema(s, fmt.Sprintf("%s.%s[%d]", at, k, i))...)
			}
		}
	}
	return errs
}

// validate checks a JSON value decoded with UseNumber against schema; at
// names the value in errors, like $.windows[0].kind.
func (d *openAPI) validate(schema any, v any, at string) error {
	s, ok := schema.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: schema is %T, not an object", at, schema)
	}
	var errs []error
	fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf(at+": "+format, a...)) }
	for _, k := range slices.Sorted(maps.Keys(s)) {
		want := s[k]
		switch k {
		case "$ref":
			target, err := d.pointer(fmt.Sprint(want))
			if err != nil {
				return err
			}
			if err := d.validate(target, v, at); err != nil {
				errs = append(errs, err)
			}
		case "type":
			types := []any{want}
			if list, ok := want.([]any); ok {
				types = list
			}
			if !slices.ContainsFunc(types, func(t any) bool { return hasType(v, fmt.Sprint(t)) }) {
				fail("want type %v, got %s", want, jsonType(v))
			}
		case "enum":
			list, _ := want.([]any)
			if !slices.ContainsFunc(list, func(e any) bool { return sameEnumValue(e, v) }) {
				fail("%s is not one of %v", abbrev(v), list)
			}
		case "format":
			if str, ok := v.(string); ok {
				if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
					fail("%q is not an RFC 3339 date-time", str)
				}
			}
		case "required":
			obj, ok := v.(map[string]any)
			list, _ := want.([]any)
			for _, name := range list {
				if _, has := obj[fmt.Sprint(name)]; ok && !has {
					fail("missing required property %q", name)
				}
			}
		case "properties":
			obj, _ := v.(map[string]any)
			props, _ := want.(map[string]any)
			for _, name := range slices.Sorted(maps.Keys(obj)) {
				if ps, ok := props[name]; ok {
					if err := d.validate(ps, obj[name], at+"."+name); err != nil {
						errs = append(errs, err)
					}
				}
			}
		case "additionalProperties":
			obj, _ := v.(map[string]any)
			props, _ := s["properties"].(map[string]any)
			for _, name := range slices.Sorted(maps.Keys(obj)) {
				if _, declared := props[name]; declared {
					continue
				}
				if allowed, isBool := want.(bool); isBool {
					if !allowed {
						fail("property %q is not in the schema", name)
					}
				} else if err := d.validate(want, obj[name], at+"."+name); err != nil {
					errs = append(errs, err)
				}
			}
		case "minProperties":
			if obj, ok := v.(map[string]any); ok && float64(len(obj)) < yamlNumber(want) {
				fail("%d properties, want at least %v", len(obj), want)
			}
		case "items":
			list, _ := v.([]any)
			for i, item := range list {
				if err := d.validate(want, item, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					errs = append(errs, err)
				}
			}
		case "maxItems":
			if list, ok := v.([]any); ok && float64(len(list)) > yamlNumber(want) {
				fail("%d items, want at most %v", len(list), want)
			}
		case "anyOf", "oneOf":
			list, _ := want.([]any)
			var matched int
			var why []string
			for _, alt := range list {
				if err := d.validate(alt, v, at); err != nil {
					why = append(why, err.Error())
				} else {
					matched++
				}
			}
			if matched == 0 || (k == "oneOf" && matched > 1) {
				fail("%s: %d of %d alternatives match (%s)", k, matched, len(list), strings.Join(why, "; "))
			}
		case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
			n, ok := v.(json.Number)
			if !ok {
				continue
			}
			f, _ := n.Float64()
			bound := yamlNumber(want)
			if (k == "minimum" && f < bound) || (k == "maximum" && f > bound) ||
				(k == "exclusiveMinimum" && f <= bound) || (k == "exclusiveMaximum" && f >= bound) {
				fail("%v is outside %s %v", n, k, want)
			}
		case "minLength":
			if str, ok := v.(string); ok && float64(utf8.RuneCountInString(str)) < yamlNumber(want) {
				fail("%q is shorter than %v", str, want)
			}
		case "pattern":
			re, err := regexp.Compile(fmt.Sprint(want))
			if err != nil {
				return fmt.Errorf("%s: pattern: %w", at, err)
			}
			if str, ok := v.(string); ok && !re.MatchString(str) {
				fail("%q does not match %s", str, want)
			}
		default:
			if !schemaAnnotations[k] {
				return fmt.Errorf("%s: unsupported schema keyword %q", at, k)
			}
		}
	}
	return errors.Join(errs...)
}

func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func hasType(v any, want string) bool {
	got := jsonType(v)
	switch {
	case got == want, want == "number" && got == "integer":
		return true
	case want == "integer" && got == "number":
		// 1.0 and 1e3 are integers too.
		f, err := v.(json.Number).Float64()
		return err == nil && f == math.Trunc(f) && !math.IsInf(f, 0)
	}
	return false
}

// sameEnumValue compares a YAML scalar from the document with a JSON value.
func sameEnumValue(doc, v any) bool {
	if n, ok := v.(json.Number); ok {
		f, _ := n.Float64()
		switch d := doc.(type) {
		case int:
			return float64(d) == f
		case float64:
			return d == f
		}
		return false
	}
	return doc == v
}

func yamlNumber(v any) float64 {
	switch n := v.(type) {
	case int:
		return float64(n)
	case float64:
		return n
	}
	return math.NaN()
}

func abbrev(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}

func decodeJSONNumbers(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more than one JSON value")
	}
	return v, nil
}

func TestSchemaValidator(t *testing.T) {
	doc, err := parseOpenAPI([]byte(`
components:
  schemas:
    Point:
      type: object
      required: [x]
      additionalProperties: false
      properties:
        x: {type: integer, minimum: 0}
        label: {type: [string, "null"], minLength: 1}
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		schema string
		value  string
		ok     bool
	}{
		{`{$ref: "#/components/schemas/Point"}`, `{"x": 1}`, true},
		{`{$ref: "#/components/schemas/Point"}`, `{"x": 1, "label": null}`, true},
		{`{$ref: "#/components/schemas/Point"}`, `{"x": 1.0}`, true},
		{`{$ref: "#/components/schemas/Point"}`, `{"x": 1.5}`, false},
		{`{$ref: "#/components/schemas/Point"}`, `{"x": -1}`, false},
		{`{$ref: "#/components/schemas/Point"}`, `{"label": "a"}`, false},
		{`{$ref: "#/components/schemas/Point"}`, `{"x": 1, "y": 2}`, false},
		{`{$ref: "#/components/schemas/Point"}`, `{"x": 1, "label": ""}`, false},
		{`{$ref: "#/components/schemas/Point"}`, `[{"x": 1}]`, false},
		{`{$ref: "#/components/schemas/Nope"}`, `{"x": 1}`, false},
		{`{type: array, items: {type: string}, maxItems: 2}`, `["a", "b"]`, true},
		{`{type: array, items: {type: string}, maxItems: 2}`, `["a", 1]`, false},
		{`{type: array, items: {type: string}, maxItems: 2}`, `["a", "b", "c"]`, false},
		{`{type: object, additionalProperties: {type: number}}`, `{"a": 1, "b": 2.5}`, true},
		{`{type: object, additionalProperties: {type: number}}`, `{"a": "1"}`, false},
		{`{type: object, minProperties: 1}`, `{}`, false},
		{`{type: string, enum: [low, high]}`, `"high"`, true},
		{`{type: string, enum: [low, high]}`, `"urgent"`, false},
		{`{type: string, format: date-time}`, `"2026-01-02T03:04:05.5Z"`, true},
		{`{type: string, format: date-time}`, `"yesterday"`, false},
		{`{type: string, pattern: "^[a-z]{1,3}$"}`, `"abcd"`, false},
		{`{type: number, exclusiveMinimum: 0, exclusiveMaximum: 1}`, `0.5`, true},
		{`{type: number, exclusiveMinimum: 0, exclusiveMaximum: 1}`, `1`, false},
		{`{type: number, maximum: 1}`, `1`, true},
		{`{anyOf: [{$ref: "#/components/schemas/Point"}, {type: "null"}]}`, `null`, true},
		{`{anyOf: [{$ref: "#/components/schemas/Point"}, {type: "null"}]}`, `{"x": "1"}`, false},
		{`{oneOf: [{type: number}, {type: integer}]}`, `1`, false},
		{`{oneOf: [{type: number}, {type: integer}]}`, `1.5`, true},
		{`{type: string, uniqueItems: true}`, `"a"`, false},
	}
	for _, tc := range tests {
		t.Run(tc.schema+" "+tc.value, func(t *testing.T) {
			var schema any
			if err := yaml.Unmarshal([]byte(tc.schema), &schema); err != nil {
				t.Fatal(err)
			}
			v, err := decodeJSONNumbers([]byte(tc.value))
			if err != nil {
				t.Fatal(err)
			}
			err = doc.validate(schema, v, "$")
			if (err == nil) != tc.ok {
				t.Errorf("valid = %v, want %v (%v)", err == nil, tc.ok, err)
			}
		})
	}
	if errs := checkSchema(map[string]any{"type": "array", "uniqueItems": true}, "s"); len(errs) != 1 {
		t.Errorf("an unchecked keyword went unnoticed: %v", errs)
	}
}

// TestOpenAPIDocument checks the document on its own: version, references,
// operation ids, path parameters, the schemas the API is known by.
func TestOpenAPIDocument(t *testing.T) {
	doc := loadOpenAPI(t)
	if v, _ := doc.root["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi: %q, want 3.1.x", v)
	}
	var walk func(node any, at string)
	walk = func(node any, at string) {
		switch n := node.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(n)) {
				switch k {
				case "$ref":
					if _, err := doc.pointer(fmt.Sprint(n[k])); err != nil {
						t.Errorf("%s: %v", at, err)
					}
				case "schema":
					for _, err := range checkSchema(n[k], at+".schema") {
						t.Error(err)
					}
				}
				walk(n[k], at+"."+k)
			}
		case []any:
			for i, v := range n {
				walk(v, fmt.Sprintf("%s[%d]", at, i))
			}
		}
	}
	walk(doc.root, "$")
	schemas, _ := doc.root["components"].(map[string]any)["schemas"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(schemas)) {
		for _, err := range checkSchema(schemas[name], "components.schemas."+name) {
			t.Error(err)
		}
	}
	for _, name := range []string{"Alert", "Model", "DriftWindow", "IngestResult", "Error", "Silence"} {
		if _, ok := schemas[name]; !ok {
			t.Errorf("components.schemas lacks %s", name)
		}
	}

	ops, err := doc.operations()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, op := range ops {
		id, _ := op.Spec["operationId"].(string)
		if id == "" {
			t.Errorf("%s: no operationId", op)
		} else if prev, dup := ids[id]; dup {
			t.Errorf("%s: operationId %q is also %s's", op, id, prev)
		}
		ids[id] = op.String()

		responses, _ := op.Spec["responses"].(map[string]any)
		if len(responses) == 0 {
			t.Errorf("%s: no responses", op)
		}
		for code, r := range responses {
			if n, err := strconv.Atoi(code); err != nil || n < 100 || n > 599 {
				t.Errorf("%s: rawResponse %q is not a status code", op, code)
			}
			if resp, err := doc.object(r); err != nil {
				t.Errorf("%s: rawResponse %s: %v", op, code, err)
			} else if d, _ := resp["description"].(string); d == "" {
				t.Errorf("%s: rawResponse %s has no description", op, code)
			}
		}

		inTemplate := map[string]bool{}
		for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(op.Path, -1) {
			inTemplate[m[1]] = true
		}
		declared := map[string]bool{}
		for _, p := range op.Params {
			if p["in"] != "path" {
				continue
			}
			name := fmt.Sprint(p["name"])
			declared[name] = true
			if !inTemplate[name] {
				t.Errorf("%s: path parameter %q is not in the path", op, name)
			}
			if p["required"] != true {
				t.Errorf("%s: path parameter %q must be required", op, name)
			}
		}
		for name := range inTemplate {
			if !declared[name] {
				t.Errorf("%s: {%s} is not declared as a path parameter", op, name)
			}
		}
	}
}

// muxRoute is a pattern registered on the service's mux and the code that
// handles it.
type muxRoute struct {
	Pattern string
	Handler ast.Node                  // the handler's body when this package defines it; nil otherwise
	Methods map[string]*ast.BlockStmt // the package's methods by name, for the helpers a handler calls
	Pos     token.Position
}

// muxRoutes reads the patterns from the package's source: every
// Handle/HandleFunc call on a variable assigned from http.NewServeMux.
func muxRoutes(t *testing.T) []muxRoute {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var parsed []*ast.File
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, f)
	}
	methods := map[string]*ast.BlockStmt{}
	for _, f := range parsed {
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv != nil {
				methods[fn.Name.Name] = fn.Body
			}
		}
	}
	var routes []muxRoute
	for _, f := range parsed {
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			muxes := map[string]bool{}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
					for i, rhs := range as.Rhs {
						if isCall(rhs, "http", "NewServeMux") {
							if id, ok := as.Lhs[i].(*ast.Ident); ok {
								muxes[id.Name] = true
							}
						}
					}
				}
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) != 2 {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
					return true
				}
				if recv, ok := sel.X.(*ast.Ident); !ok || !muxes[recv.Name] {
					return true
				}
				pos := fset.Position(call.Pos())
				lit, ok := call.Args[0].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Errorf("%s: a route pattern that is not a string literal; this test cannot read it", pos)
					return true
				}
				pattern, _ := strconv.Unquote(lit.Value)
				r := muxRoute{Pattern: pattern, Pos: pos, Methods: methods}
				switch h := call.Args[1].(type) {
				case *ast.FuncLit:
					r.Handler = h.Body
				case *ast.SelectorExpr:
					if body, ok := methods[h.Sel.Name]; ok {
						r.Handler = body
					}
				}
				routes = append(routes, r)
				return true
			})
		}
	}
	return routes
}

func isCall(e ast.Expr, pkg, name string) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == pkg && sel.Sel.Name == name
}

// statusConstants maps net/http's constant names to codes. The names follow
// the status texts ("Too Many Requests" is StatusTooManyRequests) except for
// a few the table fails to find, which then fail the test by name.
func statusConstants() map[string]int {
	out := map[string]int{}
	for code := 100; code < 600; code++ {
		if text := http.StatusText(code); text != "" {
			out["Status"+strings.NewReplacer(" ", "", "-", "", "'", "").Replace(text)] = code
		}
	}
	return out
}

// handlerStatuses lists the http.Status* constants a handler's body names,
// and the bodies of the package's methods it calls (helpers that answer for
// it), transitively. Statuses written by other helpers are not seen here;
// the calls in TestOpenAPIResponses check those against the document.
func handlerStatuses(t *testing.T, body ast.Node, methods map[string]*ast.BlockStmt, at token.Position) []string {
	names := statusConstants()
	set := map[string]bool{}
	seen := map[string]bool{}
	var inspect func(ast.Node)
	inspect = func(body ast.Node) {
		ast.Inspect(body, func(n ast.Node) bool {
			if e, ok := n.(ast.Expr); ok && isCall(e, "promhttp", "HandlerFor") {
				// Prometheus's handler answers the metrics or its error.
				set["200"], set["500"] = true, true
			}
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
					if m, ok := methods[sel.Sel.Name]; ok && !seen[sel.Sel.Name] {
						seen[sel.Sel.Name] = true
						inspect(m)
					}
				}
			}
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "http" && strings.HasPrefix(sel.Sel.Name, "Status") && sel.Sel.Name != "StatusText" {
				code, known := names[sel.Sel.Name]
				if !known {
					t.Errorf("%s: http.%s: add its code to statusConstants", at, sel.Sel.Name)
				}
				set[strconv.Itoa(code)] = true
			}
			return true
		})
	}
	inspect(body)
	return slices.Sorted(maps.Keys(set))
}

// guardStatuses are what the guard may answer before a route's handler
// runs: a foreign Host (421) or Origin (403) on every route; no or a bad
// token (401) and a missing role (403) where a role is needed; a body of
// another media type (415) where the route takes one; the dashboard's
// redirect to the login page (303).
func guardStatuses(pattern, role string, types []string) []string {
	out := []string{"403", "421"}
	if role != "" {
		out = append(out, "401")
	}
	if types != nil {
		out = append(out, "415")
	}
	if pattern == "GET /" {
		out = append(out, "303")
	}
	return out
}

// checkPolicy compares an operation's declared role and body media types
// with the guard's policy for its route, so that a route added later
// cannot be left open by mistake.
func checkPolicy(t *testing.T, op operation, role string, bodyTypes []string) {
	t.Helper()
	declared := role
	if declared == "" {
		declared = "none"
	}
	if got := op.Spec["x-warden-role"]; got != declared {
		t.Errorf("%s: x-warden-role %v, the guard requires %q", op, got, declared)
	}
	security, set := op.Spec["security"].([]any)
	if open := set && len(security) == 0; open != (role == "") {
		t.Errorf("%s: open in the document (security: []) %v, in the guard %v", op, open, role == "")
	}
	var types []string
	if rb, ok := op.Spec["requestBody"].(map[string]any); ok {
		content, _ := rb["content"].(map[string]any)
		types = slices.Sorted(maps.Keys(content))
	}
	if want := slices.Sorted(slices.Values(bodyTypes)); !slices.Equal(types, want) {
		t.Errorf("%s: the document takes bodies of %v, the guard %v", op, types, want)
	}
}

func documentedStatuses(op operation) []string {
	responses, _ := op.Spec["responses"].(map[string]any)
	return slices.Sorted(maps.Keys(responses))
}

// TestOpenAPIRoutesMatchMux checks that the document describes exactly the
// routes the service serves, in two ways.
//
// From the source: the patterns given to the mux in Handler are read with
// go/parser and compared with the document's (method, path) pairs, and the
// status codes each handler's body names with the responses documented for
// it.
//
// From outside, against a running server, which catches what the source
// reading cannot (a pattern built at run time, a catch-all handler):
//   - every documented operation, with its path parameters filled in, is
//     answered by a handler, not by the mux's own "404 page not found" or
//     "Method Not Allowed" (both text/plain; handlers answer JSON);
//   - a request with a method nobody registers makes the mux answer 405 with
//     an Allow header listing every method it serves on that path: on
//     documented paths that list must be the documented methods (plus HEAD,
//     which the mux serves for every GET), and on plausible undocumented
//     paths the mux must answer its plain 404.
func TestOpenAPIRoutesMatchMux(t *testing.T) {
	doc := loadOpenAPI(t)
	ops, err := doc.operations()
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]operation{}
	for _, op := range ops {
		documented[op.String()] = op
	}

	routes := muxRoutes(t)
	served := map[string]bool{}
	for _, r := range routes {
		// "/{$}" is how the mux says exactly "/".
		r.Pattern = strings.TrimSuffix(r.Pattern, "{$}")
		served[r.Pattern] = true
		op, ok := documented[r.Pattern]
		if !ok {
			t.Errorf("%s: the mux serves %q, which the document lacks", r.Pos, r.Pattern)
			continue
		}
		role, types, ok := server.RoutePolicy(r.Pattern + map[bool]string{true: "{$}", false: ""}[r.Pattern == "GET /"])
		if !ok {
			t.Errorf("%s: %s has no access policy in guard.go", r.Pos, r.Pattern)
		}
		checkPolicy(t, op, role, types)
		if r.Handler == nil {
			t.Logf("%s: handler not defined in this package; its statuses are checked by calls only", r.Pattern)
			continue
		}
		got := handlerStatuses(t, r.Handler, r.Methods, r.Pos)
		got = slices.Compact(slices.Sorted(slices.Values(append(got, guardStatuses(r.Pattern, role, types)...))))
		if want := documentedStatuses(op); !slices.Equal(got, want) {
			t.Errorf("%s: the handler and the guard answer %v, the document %v", r.Pattern, got, want)
		}
	}
	if len(routes) == 0 {
		t.Error("found no routes in the source")
	}
	for _, op := range ops {
		if !served[op.String()] {
			t.Errorf("the document has %s, which the mux does not register", op)
		}
	}

	_, hs := newServer(t, t.TempDir(), nil)
	for _, op := range ops {
		resp := rawCall(t, op.Method, hs.URL+fillPath(op.Path, "x"), "", nil)
		if isMuxAnswer(resp) {
			t.Errorf("%s: the mux answers %d %q", op, resp.StatusCode, resp.body)
		}
	}

	methodsAt := map[string][]string{} // filled path -> documented methods
	for _, op := range ops {
		p := fillPath(op.Path, "x")
		methodsAt[p] = append(methodsAt[p], op.Method)
		if op.Method == http.MethodGet {
			methodsAt[p] = append(methodsAt[p], http.MethodHead)
		}
	}
	probes := slices.Collect(maps.Keys(methodsAt))
	for path := range methodsAt {
		// A sub-resource and the parent of every documented path.
		probes = append(probes, path+"/x", path[:strings.LastIndex(path, "/")+1])
	}
	probes = append(probes,
		"/", "/v1", "/v1/", "/v1/screen", "/v1/findings", "/v1/windows", "/v1/reports", "/v1/profiles",
		"/v1/events/x", "/v1/alerts/x", "/v1/silences/x/y", "/v1/alerts/x/unack", "/v1/models/x/profile",
		"/v1/models/x/alerts", "/v1/models/x/findings", "/v1/models/x/windows", "/v1/models/x/reference/x",
		"/dashboard", "/ui/", "/debug/pprof/", "/debug/vars", "/version", "/v1/version", "/livez",
		"/openapi.yaml", "/v1/openapi.json", "/api/v1/events", "/v2/events",
	)
	slices.Sort(probes)
	for _, path := range slices.Compact(probes) {
		resp := rawCall(t, "WARDENPROBE", hs.URL+path, "", nil)
		want := methodsAt[path]
		switch {
		case len(want) == 0 && !(resp.StatusCode == http.StatusNotFound && isMuxAnswer(resp)):
			t.Errorf("%s is not documented, yet something serves it: %d %s %q", path, resp.StatusCode, resp.Header.Get("Allow"), resp.body)
		case len(want) > 0 && !(resp.StatusCode == http.StatusMethodNotAllowed && isMuxAnswer(resp)):
			t.Errorf("%s: an unknown method got %d %q, not the mux's 405", path, resp.StatusCode, resp.body)
		case len(want) > 0:
			allow := strings.Split(resp.Header.Get("Allow"), ", ")
			slices.Sort(allow)
			slices.Sort(want)
			if !slices.Equal(allow, want) {
				t.Errorf("%s: the mux serves %v, the document %v", path, allow, want)
			}
		}
	}
}

type rawResponse struct {
	*http.Response
	body []byte
}

func rawCall(t *testing.T, method, url, contentType string, body []byte) rawResponse {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResponse{resp, raw}
}

// noRedirects shows a handler's redirect (303 See Other) as the answer it
// is, and follows the mux's own redirects of unclean paths.
var noRedirects = &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
	if req.Response != nil && req.Response.StatusCode == http.StatusSeeOther {
		return http.ErrUseLastResponse
	}
	return nil
}}

// isMuxAnswer tells the mux's own 404 and 405 from a handler's: the mux
// answers plain text, the handlers JSON.
func isMuxAnswer(r rawResponse) bool {
	return (r.StatusCode == http.StatusNotFound || r.StatusCode == http.StatusMethodNotAllowed) &&
		strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain")
}

// apiClient calls a test server and checks every exchange against the
// document: the request body against the documented request schema (for
// calls meant to be valid), the status against the operation's responses,
// the media type, the required headers, and a JSON body against the
// response schema.
type apiClient struct {
	t    *testing.T
	doc  *openAPI
	ops  []operation
	base string
	seen map[string]map[string]bool // operation -> statuses answered
}

func newAPIClient(t *testing.T, doc *openAPI, base string) *apiClient {
	ops, err := doc.operations()
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{t: t, doc: doc, ops: ops, base: base, seen: map[string]map[string]bool{}}
}

// apiRequest says what to send; Invalid marks a request that is meant to
// break the documented request schema.
type apiRequest struct {
	Method, Path, ContentType string
	Body                      []byte
	Invalid                   bool
}

// do sends req and returns the status and the decoded JSON body (nil for
// other media types).
func (c *apiClient) do(req apiRequest) (int, any) {
	t := c.t
	t.Helper()
	path, _, _ := strings.Cut(req.Path, "?")
	op, ok := findOperation(c.ops, req.Method, path)
	if !ok {
		t.Fatalf("%s %s: not in the document", req.Method, req.Path)
	}
	if !req.Invalid && len(req.Body) > 0 {
		if err := c.checkRequest(op, req); err != nil {
			t.Errorf("%s %s: the apiRequest breaks the documented apiRequest body: %v", req.Method, req.Path, err)
		}
	}
	resp := rawCall(t, req.Method, c.base+req.Path, req.ContentType, req.Body)
	code := strconv.Itoa(resp.StatusCode)
	if c.seen[op.String()] == nil {
		c.seen[op.String()] = map[string]bool{}
	}
	c.seen[op.String()][code] = true
	fail := func(format string, a ...any) {
		t.Helper()
		t.Errorf("%s %s -> %d: %s\n%s", req.Method, req.Path, resp.StatusCode, fmt.Sprintf(format, a...), abbrev(string(resp.body)))
	}
	responses, _ := op.Spec["responses"].(map[string]any)
	spec, ok := responses[code]
	if !ok {
		fail("status not documented for %s (documented: %v)", op, documentedStatuses(op))
		return resp.StatusCode, nil
	}
	def, err := c.doc.object(spec)
	if err != nil {
		t.Fatal(err)
	}
	headers, _ := def["headers"].(map[string]any)
	for name, h := range headers {
		hdr, err := c.doc.object(h)
		if err != nil {
			t.Fatal(err)
		}
		value := resp.Header.Get(name)
		if value == "" {
			if hdr["required"] == true {
				fail("required header %s is missing", name)
			}
			continue
		}
		if err := c.doc.validate(hdr["schema"], headerValue(value), "header "+name); err != nil {
			fail("%v", err)
		}
	}
	content, _ := def["content"].(map[string]any)
	if len(content) == 0 {
		if len(resp.body) > 0 {
			fail("a body where the document has none")
		}
		return resp.StatusCode, nil
	}
	media := strings.TrimSpace(strings.Split(resp.Header.Get("Content-Type"), ";")[0])
	mt, ok := content[media].(map[string]any)
	if !ok {
		fail("Content-Type %q is not documented (%v)", media, slices.Sorted(maps.Keys(content)))
		return resp.StatusCode, nil
	}
	if media != "application/json" {
		return resp.StatusCode, nil
	}
	v, err := decodeJSONNumbers(resp.body)
	if err != nil {
		fail("not JSON: %v", err)
		return resp.StatusCode, nil
	}
	if err := c.doc.validate(mt["schema"], v, "$"); err != nil {
		fail("the body breaks the documented schema:\n%v", err)
	}
	return resp.StatusCode, v
}

// headerValue reads a header as the JSON value its schema describes.
func headerValue(s string) any {
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return json.Number(s)
	}
	return s
}

// checkRequest validates a request body against the documented one; NDJSON
// bodies are validated line by line, as the document describes them.
func (c *apiClient) checkRequest(op operation, req apiRequest) error {
	rb, err := c.doc.object(op.Spec["requestBody"])
	if err != nil {
		return fmt.Errorf("no documented apiRequest body: %w", err)
	}
	content, _ := rb["content"].(map[string]any)
	media := strings.TrimSpace(strings.Split(req.ContentType, ";")[0])
	mt, ok := content[media].(map[string]any)
	if !ok {
		return fmt.Errorf("Content-Type %q is not documented (%v)", media, slices.Sorted(maps.Keys(content)))
	}
	body := req.Body
	if len(body) > 2 && body[0] == 0x1f && body[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return err
		}
		if body, err = io.ReadAll(zr); err != nil {
			return err
		}
	}
	switch {
	case strings.HasSuffix(media, "ndjson"):
		for i, line := range bytes.Split(body, []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			v, err := decodeJSONNumbers(line)
			if err != nil {
				return fmt.Errorf("line %d: %w", i+1, err)
			}
			if err := c.doc.validate(mt["schema"], v, fmt.Sprintf("line %d", i+1)); err != nil {
				return err
			}
		}
	case media == "application/json":
		v, err := decodeJSONNumbers(body)
		if err != nil {
			return err
		}
		return c.doc.validate(mt["schema"], v, "$")
	}
	return nil
}

func gzipped(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// jsonArray turns NDJSON into a JSON array of the same events.
func jsonArray(ndjson []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(ndjson), []byte("\n"))
	return append(append([]byte("["), bytes.Join(lines, []byte(",\n"))...), ']')
}

func jsonField(v any, name string) any {
	m, _ := v.(map[string]any)
	return m[name]
}

// TestOpenAPIResponses drives a test server through the API, valid and bad
// requests alike, and checks every answer against the document.
func TestOpenAPIResponses(t *testing.T) {
	doc := loadOpenAPI(t)
	_, hs := newServer(t, t.TempDir(), nil)
	c := newAPIClient(t, doc, hs.URL)
	const other = "reference_by_lines"
	const appJSON, ndjson = "application/json", "application/x-ndjson"

	var refCSV, refLines bytes.Buffer
	if err := simulate.WriteCSV(&refCSV, simulate.Reference(1, 3000)); err != nil {
		t.Fatal(err)
	}
	if err := simulate.WriteJSONL(&refLines, simulate.Reference(2, 500)); err != nil {
		t.Fatal(err)
	}
	events := eventsBody(t, 3000,
		simulate.Drift{Feature: "transaction_amount", From: 12 * time.Hour, Scale: 3},
		simulate.Drift{Feature: "merchant_category", From: 12 * time.Hour, NewCategory: "crypto_exchange", NewShare: 0.3})
	lines := bytes.SplitAfter(events, []byte("\n"))
	firstHalf, secondHalf := bytes.Join(lines[:1500], nil), bytes.Join(lines[1500:], nil)
	good := `{"model":"` + model + `","time":"2026-01-01T00:00:00Z","features":{"transaction_amount":12.5}}`
	// Every field of an event, in each spelling the decoder takes.
	full := `[{"id":17,"model":"` + model + `","user":42,"time":1767225600.5,` +
		`"features":{"transaction_amount":null,"card_present":true,"merchant_category":"grocery"},` +
		`"prediction":{"label":1,"score":0.9,"probabilities":[0.1,0.9]},"label":true,"prompt":null,"output":"ok"},` +
		`{"id":"r-2","model":"` + model + `","user":null,"time":"2026-01-01 00:00:01Z","features":null,` +
		`"prediction":{"label":"fraud","score":null,"probabilities":{"fraud":0.7,"ok":0.3}},"prompt":"hi","label":null}]`
	// More bad items than the answer lists, then an array that never
	// closes: the answer lists the first 100 and where the body broke off.
	manyBad := append([]byte("["), bytes.Repeat([]byte(`{"model":"nope"},`), 150)...)

	setup := []struct {
		req  apiRequest
		code int
	}{
		{apiRequest{Method: "GET", Path: "/healthz"}, 200},
		{apiRequest{Method: "GET", Path: "/readyz"}, 200},
		{apiRequest{Method: "GET", Path: "/v1/models"}, 200},
		{apiRequest{Method: "GET", Path: "/v1/models/" + model}, 404},
		{apiRequest{Method: "PUT", Path: "/v1/models/" + model + "/reference", ContentType: "text/csv", Body: refCSV.Bytes()}, 404},
		{apiRequest{Method: "POST", Path: "/v1/models", ContentType: appJSON, Body: []byte(`{"name":"` + model + `"}`)}, 201},
		{apiRequest{Method: "POST", Path: "/v1/models", ContentType: appJSON, Body: []byte(`{"name":"` + model + `","columns":null,"drift":{"enabled":true,"method":"auto","threshold":null}}`)}, 200},
		{apiRequest{Method: "POST", Path: "/v1/models", ContentType: appJSON, Body: []byte(`{"name":"bad name!"}`), Invalid: true}, 400},
		{apiRequest{Method: "POST", Path: "/v1/models", ContentType: appJSON, Body: []byte(`{"name":"m","colour":"red"}`), Invalid: true}, 400},
		{apiRequest{Method: "POST", Path: "/v1/models", ContentType: appJSON, Body: []byte(`{"name":"m","drift":{"every":5000}}`)}, 400},
		{apiRequest{Method: "POST", Path: "/v1/models", ContentType: appJSON, Body: []byte(`{"name":"m","outliers":{"fpr":0.7}}`), Invalid: true}, 400},
		{apiRequest{Method: "POST", Path: "/v1/models", ContentType: appJSON, Body: []byte(`{"name":"m","outliers":{"exclude":["label",""]}}`), Invalid: true}, 400},
		{apiRequest{Method: "POST", Path: "/v1/models", ContentType: appJSON, Body: []byte(`{"name":`), Invalid: true}, 400},
		{apiRequest{Method: "PUT", Path: "/v1/models/" + model + "/reference", ContentType: "text/csv", Body: refCSV.Bytes()}, 200},
		{apiRequest{Method: "PUT", Path: "/v1/models/" + model + "/reference", ContentType: "text/csv", Body: []byte("a,b\n1,2,3\n")}, 400},
		{apiRequest{Method: "PUT", Path: "/v1/models/" + model + "/reference", ContentType: "text/csv", Body: []byte("a,b\n")}, 400},
		{apiRequest{Method: "POST", Path: "/v1/models", ContentType: appJSON, Body: []byte(`{"name":"` + other + `","columns":["transaction_amount","hour"],"drift":{"window":500,"every":50,"min_events":50},"outliers":{"enabled":true,"fpr":0.01,"contamination":0.02,"exclude":["label"],"burst_min":4,"burst_alpha":0.001}}`)}, 201},
		{apiRequest{Method: "PUT", Path: "/v1/models/" + other + "/reference", ContentType: ndjson, Body: refLines.Bytes()}, 200},
		{apiRequest{Method: "GET", Path: "/v1/models"}, 200},
		{apiRequest{Method: "GET", Path: "/v1/models/" + other}, 200},
		{apiRequest{Method: "GET", Path: "/v1/models/" + model + "/drift"}, 200},
		{apiRequest{Method: "POST", Path: "/v1/events", ContentType: ndjson, Body: gzipped(t, firstHalf)}, 202},
		{apiRequest{Method: "POST", Path: "/v1/events", ContentType: appJSON, Body: jsonArray(secondHalf)}, 202},
		{apiRequest{Method: "POST", Path: "/v1/events", ContentType: ndjson, Body: nil}, 400},
		{apiRequest{Method: "POST", Path: "/v1/events", ContentType: ndjson, Body: []byte(good + "\n" + `{"model":"nope"}` + "\n" + `{"model":"` + model + `","features":{"x":[1]}}` + "\n"), Invalid: true}, 202},
		{apiRequest{Method: "POST", Path: "/v1/events", ContentType: ndjson, Body: []byte(good + "\n" + `{"model":`), Invalid: true}, 202},
		{apiRequest{Method: "POST", Path: "/v1/events", ContentType: ndjson, Body: []byte(`{"model":"nope"}`)}, 400},
		{apiRequest{Method: "POST", Path: "/v1/events", ContentType: ndjson, Body: []byte("hello"), Invalid: true}, 400},
		{apiRequest{Method: "POST", Path: "/v1/events", ContentType: appJSON, Body: []byte(`[` + good + `, {"model": 3}]`), Invalid: true}, 202},
		{apiRequest{Method: "POST", Path: "/v1/events", ContentType: ndjson, Body: gzipped(t, []byte(good))[:20], Invalid: true}, 400},
	}
	for _, s := range setup {
		if code, body := c.do(s.req); code != s.code {
			t.Errorf("%s %s: %d, want %d: %s", s.req.Method, s.req.Path, code, s.code, abbrev(body))
		}
	}

	if _, v := c.do(apiRequest{Method: "POST", Path: "/v1/events", ContentType: appJSON, Body: []byte(full)}); jsonField(v, "accepted") != json.Number("2") {
		t.Errorf("every field of an event: %s", abbrev(v))
	}
	_, v := c.do(apiRequest{Method: "POST", Path: "/v1/events", ContentType: appJSON, Body: manyBad, Invalid: true})
	if errs, _ := jsonField(v, "errors").([]any); jsonField(v, "rejected") != json.Number("150") || len(errs) != 101 {
		t.Errorf("150 bad items and a broken array: %s", abbrev(v))
	}

	var alerts []any
	for deadline := time.Now().Add(10 * time.Second); len(alerts) == 0 && time.Now().Before(deadline); {
		_, v := c.do(apiRequest{Method: "GET", Path: "/v1/alerts?model=" + model + "&severity=high"})
		if alerts, _ = v.([]any); len(alerts) == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if len(alerts) == 0 {
		t.Fatal("no alert from the drifted traffic")
	}
	id, _ := jsonField(alerts[0], "id").(string)

	checks := []struct {
		req  apiRequest
		code int
	}{
		{apiRequest{Method: "GET", Path: "/v1/alerts"}, 200},
		{apiRequest{Method: "GET", Path: "/v1/alerts?type=drift&state=firing&since=2026-01-01T12:00:00Z&limit=5"}, 200},
		{apiRequest{Method: "GET", Path: "/v1/alerts?type=data_quality&severity=low"}, 200},
		{apiRequest{Method: "POST", Path: "/v1/alerts/" + id + "/ack", ContentType: appJSON, Body: []byte(`{"by":"oncall"}`)}, 200},
		{apiRequest{Method: "POST", Path: "/v1/alerts/" + id + "/ack", ContentType: appJSON}, 200},
		{apiRequest{Method: "POST", Path: "/v1/alerts/" + id + "/ack", ContentType: "text/plain", Body: []byte(`{"by":"x"}`), Invalid: true}, 415},
		{apiRequest{Method: "POST", Path: "/v1/alerts/" + id + "/ack", ContentType: appJSON, Body: []byte(`{"by":`), Invalid: true}, 400},
		{apiRequest{Method: "POST", Path: "/v1/alerts/nope/ack", ContentType: appJSON}, 404},
		{apiRequest{Method: "POST", Path: "/v1/events", ContentType: "application/x-www-form-urlencoded", Body: []byte("a=b"), Invalid: true}, 415},
		{apiRequest{Method: "GET", Path: "/v1/audit"}, 200},
		{apiRequest{Method: "GET", Path: "/v1/audit?action=refused.&limit=5"}, 200},
		{apiRequest{Method: "GET", Path: "/v1/audit?since=yesterday"}, 400},
		{apiRequest{Method: "GET", Path: "/v1/audit?before=0"}, 400},
		{apiRequest{Method: "GET", Path: "/login"}, 200},
		{apiRequest{Method: "POST", Path: "/login", ContentType: "application/x-www-form-urlencoded", Body: []byte("token=anything")}, 303},
		{apiRequest{Method: "POST", Path: "/logout", ContentType: "application/x-www-form-urlencoded", Body: []byte("csrf=x")}, 403},
		{apiRequest{Method: "GET", Path: "/v1/alerts?state=acknowledged"}, 200},
		{apiRequest{Method: "GET", Path: "/v1/alerts?severity=urgent"}, 400},
		{apiRequest{Method: "GET", Path: "/v1/alerts?since=yesterday"}, 400},
		{apiRequest{Method: "GET", Path: "/v1/alerts?state=open"}, 400},
		{apiRequest{Method: "GET", Path: "/v1/alerts?limit=0"}, 400},
		{apiRequest{Method: "GET", Path: "/v1/alerts?type=weather"}, 400},
		{apiRequest{Method: "GET", Path: "/v1/models/" + model + "/drift?limit=3"}, 200},
		{apiRequest{Method: "GET", Path: "/v1/models/" + other + "/drift"}, 200},
		{apiRequest{Method: "GET", Path: "/v1/models/" + model + "/drift?limit=0"}, 400},
		{apiRequest{Method: "GET", Path: "/v1/models/nope/drift"}, 404},
		{apiRequest{Method: "GET", Path: "/v1/models/" + model + "/outliers"}, 200},
		{apiRequest{Method: "GET", Path: "/v1/models/" + model + "/outliers?limit=0"}, 400},
		{apiRequest{Method: "GET", Path: "/v1/models/nope/outliers"}, 404},
		{apiRequest{Method: "POST", Path: "/v1/screen", ContentType: appJSON, Body: []byte(`{"model":"` + model + `","user":"u1","features":{"transaction_amount":80.5,"merchant_category":"grocery","hour":13,"distance_from_home_km":3.2,"card_present":true,"account_age_days":900,"num_tx_last_24h":2}}`)}, 200},
		{apiRequest{Method: "POST", Path: "/v1/screen", ContentType: appJSON, Body: []byte(`{"model":"` + model + `","user":"u2","id":"q-9","features":{"transaction_amount":250000,"merchant_category":"space_travel","hour":3,"distance_from_home_km":19000,"card_present":false,"account_age_days":0,"num_tx_last_24h":80}}`)}, 200},
		{apiRequest{Method: "POST", Path: "/v1/screen", ContentType: appJSON, Body: []byte(`{"model":"` + model + `","prompt":"hello"}`)}, 200},
		{apiRequest{Method: "POST", Path: "/v1/screen", ContentType: appJSON, Body: []byte(`{"model":"` + model + `","features":{"transaction_amount":"lots"}}`)}, 400},
		{apiRequest{Method: "POST", Path: "/v1/screen", ContentType: appJSON, Body: []byte(`{"model":"` + model + `"}` + "\n" + `{"model":"` + model + `"}`), Invalid: true}, 400},
		{apiRequest{Method: "POST", Path: "/v1/screen", ContentType: appJSON, Body: []byte(`{"model":`), Invalid: true}, 400},
		{apiRequest{Method: "POST", Path: "/v1/screen", ContentType: appJSON, Body: []byte(`{"model":"nope","features":{"x":1}}`)}, 404},
		{apiRequest{Method: "POST", Path: "/v1/silences", ContentType: appJSON, Body: []byte(`{"matchers":{"model":"` + model + `","type":"drift"},"starts_at":"2026-01-01T00:00:00Z","ends_at":"2026-01-03T00:00:00Z","created_by":"oncall","comment":"known release"}`)}, 201},
		{apiRequest{Method: "POST", Path: "/v1/silences", ContentType: appJSON, Body: []byte(`{"id":"s1","matchers":{"subject":"hour"},"ends_at":"2027-01-01T00:00:00Z"}`)}, 201},
		{apiRequest{Method: "POST", Path: "/v1/silences", ContentType: appJSON, Body: []byte(`{"matchers":{"colour":"red"},"ends_at":"2026-01-03T00:00:00Z"}`), Invalid: true}, 400},
		{apiRequest{Method: "POST", Path: "/v1/silences", ContentType: appJSON, Body: []byte(`{"matchers":{"model":"m"},"ends_at":"2026-01-03T00:00:00Z","until":"never"}`), Invalid: true}, 400},
		{apiRequest{Method: "POST", Path: "/v1/silences", ContentType: appJSON, Body: []byte(`{"matchers":{"model":"m"},"starts_at":"2026-01-03T00:00:00Z","ends_at":"2026-01-01T00:00:00Z"}`)}, 400},
		{apiRequest{Method: "POST", Path: "/v1/silences", ContentType: appJSON, Body: []byte(`{"matchers":{},"ends_at":"2026-01-03T00:00:00Z"}`), Invalid: true}, 400},
		{apiRequest{Method: "POST", Path: "/v1/silences", ContentType: appJSON, Body: []byte(`{"matchers_regex":{"subject":"amount|merchant_.*"},"matchers_not":{"severity":"critical"},"ends_at":"2026-01-03T00:00:00Z"}`)}, 201},
		{apiRequest{Method: "POST", Path: "/v1/silences", ContentType: appJSON, Body: []byte(`{"matchers_regex":{"subject":"("},"ends_at":"2026-01-03T00:00:00Z"}`)}, 400},
		{apiRequest{Method: "POST", Path: "/v1/silences", ContentType: appJSON, Body: []byte(`{"matchers_not":{"model":"m"},"ends_at":"2026-01-03T00:00:00Z"}`)}, 400},
		{apiRequest{Method: "GET", Path: "/v1/silences"}, 200},
		{apiRequest{Method: "GET", Path: "/v1/silences?state=active"}, 200},
		{apiRequest{Method: "GET", Path: "/v1/silences?state=gone"}, 400},
		{apiRequest{Method: "DELETE", Path: "/v1/silences/s1"}, 200},
		{apiRequest{Method: "DELETE", Path: "/v1/silences/nope"}, 404},
		{apiRequest{Method: "GET", Path: "/metrics"}, 200},
		{apiRequest{Method: "GET", Path: "/v1/report"}, 200},
		{apiRequest{Method: "GET", Path: "/"}, 200},
		{apiRequest{Method: "GET", Path: "/v1/report?model=" + model + "&since=7d&format=text"}, 200},
		{apiRequest{Method: "GET", Path: "/v1/report?since=soon"}, 400},
		{apiRequest{Method: "GET", Path: "/v1/report?format=xml"}, 400},
		{apiRequest{Method: "GET", Path: "/v1/report?model=nope"}, 404},
	}
	for _, s := range checks {
		if code, body := c.do(s.req); code != s.code {
			t.Errorf("%s %s: %d, want %d: %s", s.req.Method, s.req.Path, code, s.code, abbrev(body))
		}
	}
	_, windows := c.do(apiRequest{Method: "GET", Path: "/v1/models/" + model + "/drift?limit=3"})
	if list, _ := jsonField(windows, "windows").([]any); len(list) != 3 || jsonField(windows, "current") == nil {
		t.Errorf("drift windows: %s", abbrev(windows))
	}

	// Limits: small body, reference and model limits and a small queue make
	// 413, 409 and 429 reachable; a closed service answers 503.
	s, small := newServer(t, t.TempDir(), func(cfg *config.Config) {
		cfg.Server.MaxBodyBytes = 64 << 10
		cfg.Server.MaxReferenceBytes = 64 << 10
		cfg.Server.MaxModels = 1
		cfg.Pipeline.Shards = 1
		cfg.Pipeline.QueueSize = 10
	})
	lc := newAPIClient(t, doc, small.URL)
	lc.seen = c.seen
	var smallRef bytes.Buffer
	if err := simulate.WriteCSV(&smallRef, simulate.Reference(1, 200)); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte(good+"\n"), (128<<10)/len(good))
	limits := []struct {
		req  apiRequest
		code int
	}{
		{apiRequest{Method: "POST", Path: "/v1/models", ContentType: appJSON, Body: []byte(`{"name":"` + model + `"}`)}, 201},
		{apiRequest{Method: "POST", Path: "/v1/models", ContentType: appJSON, Body: []byte(`{"name":"` + model + `_2"}`)}, 409},
		{apiRequest{Method: "PUT", Path: "/v1/models/" + model + "/reference", ContentType: "text/csv", Body: smallRef.Bytes()}, 200},
		{apiRequest{Method: "PUT", Path: "/v1/models/" + model + "/reference", ContentType: "text/csv", Body: bytes.Repeat(smallRef.Bytes(), 8)}, 413},
		{apiRequest{Method: "POST", Path: "/v1/events", ContentType: ndjson, Body: big}, 413},
		{apiRequest{Method: "POST", Path: "/v1/screen", ContentType: appJSON, Body: bytes.Repeat([]byte(" "), 2<<20), Invalid: true}, 413},
		{apiRequest{Method: "POST", Path: "/v1/events", ContentType: ndjson, Body: bytes.Join(lines[:20], nil)}, 413}, // more than a shard's queue
		{apiRequest{Method: "POST", Path: "/v1/events", ContentType: ndjson, Body: bytes.Join(lines[:5], nil)}, 202},
	}
	for _, l := range limits {
		if code, body := lc.do(l.req); code != l.code {
			t.Errorf("%s %s: %d, want %d: %s", l.req.Method, l.req.Path, code, l.code, abbrev(body))
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if code, body := lc.do(apiRequest{Method: "POST", Path: "/v1/events", ContentType: ndjson, Body: bytes.Join(lines[:5], nil)}); code != 503 {
		t.Errorf("events after Close: %d, want 503: %s", code, abbrev(body))
	}
	if code, body := lc.do(apiRequest{Method: "POST", Path: "/v1/screen", ContentType: appJSON, Body: []byte(good)}); code != 503 {
		t.Errorf("screen after Close: %d, want 503: %s", code, abbrev(body))
	}
	// A queue with no memory to spare: 429, retry later.
	_, spent := newServer(t, t.TempDir(), func(cfg *config.Config) { cfg.Pipeline.QueueBytes = 512 << 10 })
	fc := newAPIClient(t, doc, spent.URL)
	fc.seen = c.seen
	fc.do(apiRequest{Method: "POST", Path: "/v1/models", ContentType: appJSON, Body: []byte(`{"name":"` + model + `"}`)})
	if code, body := fc.do(apiRequest{Method: "POST", Path: "/v1/events", ContentType: ndjson, Body: bytes.Join(lines[:5], nil)}); code != 429 {
		t.Errorf("events with the queue's memory spent: %d, want 429: %s", code, abbrev(body))
	}

	// Every documented operation was called; list the documented statuses
	// no call reached, which only faults inside the service produce.
	var unreached []string
	for _, op := range c.ops {
		if c.seen[op.String()] == nil {
			t.Errorf("%s is documented but never called here", op)
			continue
		}
		for _, code := range documentedStatuses(op) {
			if !c.seen[op.String()][code] {
				unreached = append(unreached, op.String()+" "+code)
			}
		}
	}
	sort.Strings(unreached)
	t.Logf("documented statuses no call reached: %v", unreached)
}
