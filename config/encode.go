package config

import (
	"bytes"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/warden-ml/warden/alert"
)

// redacted replaces inline secrets in YAML output.
const redacted = "<redacted>"

// YAML writes the effective configuration, every default included, in the
// file's own format. A relative path is written relative to what it was
// resolved against (a model reference to Dir, a receiver file to
// storage.dir) and an absolute one as it is, so parsing the output with Dir
// as its directory gives the same configuration back, except that inline
// webhook secrets are written as "<redacted>".
func (c *Config) YAML() ([]byte, error) {
	out := *c
	out.Models = slices.Clone(c.Models)
	for i := range out.Models {
		out.Models[i].Reference = relativeTo(c.Dir, out.Models[i].Reference)
	}
	tls := &out.Server.TLS
	for _, p := range []*string{&tls.CertFile, &tls.KeyFile, &tls.ClientCAFile} {
		*p = relativeTo(c.Dir, *p)
	}
	out.Alerting.Receivers = slices.Clone(c.Alerting.Receivers)
	for i := range out.Alerting.Receivers {
		out.Alerting.Receivers[i].Path = relativeTo(c.Storage.Dir, out.Alerting.Receivers[i].Path)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(encodeValue(reflect.ValueOf(out), "")); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// relativeTo undoes resolvePath where it can; an absolute path stays as it
// is, since it resolves to itself.
func relativeTo(base, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	rel, err := filepath.Rel(base, p)
	if err != nil {
		return p
	}
	return rel
}

func scalar(tag, value string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
}

// encodeValue turns a configuration value into a YAML node; unit is the
// field's config tag.
func encodeValue(v reflect.Value, unit string) *yaml.Node {
	switch v.Type() {
	case durationType:
		return scalar("!!str", FormatDuration(time.Duration(v.Int())))
	case severityType:
		return scalar("!!str", alert.Severity(v.Uint()).String())
	case timeType:
		return scalar("!!str", v.Interface().(time.Time).UTC().Format(time.RFC3339))
	}
	switch v.Kind() {
	case reflect.Struct:
		return encodeStruct(v)
	case reflect.Slice:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		if v.Len() == 0 || v.Type().Elem().Kind() == reflect.String {
			n.Style = yaml.FlowStyle
		}
		for i := range v.Len() {
			n.Content = append(n.Content, encodeValue(v.Index(i), ""))
		}
		return n
	case reflect.Map:
		n := &yaml.Node{Kind: yaml.MappingNode}
		if v.Len() == 0 {
			n.Style = yaml.FlowStyle
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			n.Content = append(n.Content, scalar("!!str", k.String()), encodeValue(v.MapIndex(k), ""))
		}
		return n
	case reflect.String:
		if unit == "secret" && v.String() != "" {
			return scalar("!!str", redacted)
		}
		return scalar("!!str", v.String())
	case reflect.Bool:
		return scalar("!!bool", strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int64:
		if unit == "bytes" {
			if s := formatSize(v.Int()); strings.HasSuffix(s, "B") {
				return scalar("!!str", s)
			}
		}
		return scalar("!!int", strconv.FormatInt(v.Int(), 10))
	case reflect.Float64:
		return scalar("", formatFloat(v.Float()))
	}
	// Only reachable if a field of an unsupported type is added to Config;
	// the round-trip tests catch it.
	return scalar("!!null", "~")
}

// encodeStruct writes fields in declaration order, which is the order of
// the documentation. Thresholds and time windows are short enough to read
// best on one line.
func encodeStruct(v reflect.Value) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	switch v.Type() {
	case reflect.TypeFor[Thresholds](), reflect.TypeFor[TimeWindow]():
		n.Style = yaml.FlowStyle
	}
	t := v.Type()
	for i := range t.NumField() {
		name, opts, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		f := v.Field(i)
		if opts == "omitempty" && f.IsZero() {
			continue
		}
		n.Content = append(n.Content, scalar("!!str", name), encodeValue(f, t.Field(i).Tag.Get("config")))
	}
	return n
}

// formatFloat writes the shortest decimal that reads back as the same
// number, without an exponent, untagged so that 100 reads as plain 100.
func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
