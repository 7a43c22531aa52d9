package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/warden-ml/warden/auth"
)

// Overrides are command-line values that take precedence over the file.
// They are applied before paths are resolved and the result validated, so
// that receiver files follow a store moved with --data.
type Overrides struct {
	Addr    string // server.addr (--addr); "" keeps the file's
	DataDir string // storage.dir (--data); "" keeps the file's
}

func (o Overrides) apply(c *Config) {
	if o.Addr != "" {
		c.Server.Addr = o.Addr
	}
	if o.DataDir != "" {
		c.Storage.Dir = o.DataDir
	}
}

// Load reads the configuration file at path; path "" means defaults only.
// It applies defaults, resolves relative paths (model references against
// the file's directory, receiver files against storage.dir), validates the
// result and checks that every model's reference file exists. A file that
// does not parse is a *SyntaxError; one that parses but is wrong is a
// *ValidationError listing every problem.
func Load(path string) (*Config, error) { return LoadWith(path, Overrides{}) }

// LoadWith is Load with command-line overrides.
func LoadWith(path string, o Overrides) (*Config, error) {
	if path == "" {
		return parse(nil, "", "", o, nil)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	return parse(data, path, dir, o, environmentProblems)
}

// Parse is Load from memory: name labels errors and dir is the directory
// relative model references are resolved against ("" leaves them relative
// to the working directory). It touches no file.
func Parse(data []byte, name, dir string) (*Config, error) {
	return parse(data, name, dir, Overrides{}, nil)
}

func parse(data []byte, name, dir string, o Overrides, check func(*Config) problems) (*Config, error) {
	c := Default()
	c.Dir = dir
	d := newDecoder()
	if se := d.document(data, c); se != nil {
		se.File = name
		return nil, se
	}
	fillThresholds(c, d.lines)
	o.apply(c)
	c.resolvePaths()

	ps := d.problems
	for _, p := range c.problems() {
		if !d.failedUnder(p.Path) {
			ps = append(ps, p)
		}
	}
	if check != nil {
		ps = append(ps, check(c)...)
	}
	if len(ps) == 0 {
		return c, nil
	}
	for i := range ps {
		if ps[i].Line == 0 {
			ps[i].Line = d.lineOf(ps[i].Path)
		}
	}
	// Document order; problems with no line (from overrides) come first.
	slices.SortStableFunc(ps, func(a, b Problem) int { return a.Line - b.Line })
	return nil, &ValidationError{File: name, Problems: ps}
}

// comparedWith names the sibling each field is checked against.
var comparedWith = map[string]string{
	"every":      "window",
	"min_events": "window",
	"critical":   "warning",
	"step":       "size",
}

// failedUnder reports whether path, one of its parents or the sibling it is
// compared with could not be decoded: checking the default left in its
// place would only add noise.
func (d *decoder) failedUnder(path string) bool {
	parent := parentPath(path)
	if sibling, ok := comparedWith[strings.TrimPrefix(path, parent+".")]; ok && d.failed[joinPath(parent, sibling)] {
		return true
	}
	for p := path; p != ""; p = parentPath(p) {
		if d.failed[p] {
			return true
		}
	}
	return false
}

// lineOf is the line that sets path or its nearest parent.
func (d *decoder) lineOf(path string) int {
	for p := path; p != ""; p = parentPath(p) {
		if line, ok := d.lines[p]; ok {
			return line
		}
	}
	return 0
}

// parentPath strips the last element of a path: ".key", "[3]" or "[\"key\"]".
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		for i := len(p) - 2; i >= 0; i-- {
			if p[i] != '[' {
				continue
			}
			inner := p[i+1 : len(p)-1]
			if strings.Trim(inner, "0123456789") == "" && inner != "" {
				return p[:i]
			}
			if _, err := strconv.Unquote(inner); err == nil && strings.HasPrefix(inner, `"`) {
				return p[:i]
			}
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

// fillThresholds completes per-model thresholds given with only one level
// from the global ones.
func fillThresholds(c *Config, lines map[string]int) {
	for i := range c.Models {
		prefix := indexPath("models", i) + ".thresholds"
		for kind, t := range c.Models[i].ThresholdOverrides {
			p := mapKeyPath(prefix, kind)
			global := c.Alerting.Thresholds[kind]
			if _, set := lines[p+".warning"]; !set {
				t.Warning = global.Warning
			}
			if _, set := lines[p+".critical"]; !set {
				t.Critical = global.Critical
			}
			c.Models[i].ThresholdOverrides[kind] = t
		}
	}
}

// resolvePaths makes model references relative to the configuration's
// directory and receiver files relative to the store.
func (c *Config) resolvePaths() {
	for i := range c.Models {
		c.Models[i].Reference = resolvePath(c.Dir, c.Models[i].Reference)
	}
	for i := range c.Alerting.Receivers {
		c.Alerting.Receivers[i].Path = resolvePath(c.Storage.Dir, c.Alerting.Receivers[i].Path)
	}
	tls := &c.Server.TLS
	for _, p := range []*string{&tls.CertFile, &tls.KeyFile, &tls.ClientCAFile} {
		*p = resolvePath(c.Dir, *p)
	}
}

func resolvePath(base, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

// environmentProblems checks what a loaded file depends on outside itself:
// that each model's reference is a file and that each secret_env names a
// variable that is set, so that 'config check' finds what would stop
// 'serve'.
func environmentProblems(c *Config) problems {
	var ps problems
	for i, r := range c.Alerting.Receivers {
		if r.SecretEnv != "" && os.Getenv(r.SecretEnv) == "" {
			ps.add(indexPath("alerting.receivers", i)+".secret_env", "environment variable %s is not set or empty", r.SecretEnv)
		}
	}
	for i, t := range c.Auth.Tokens {
		if t.Env == "" {
			continue
		}
		if n := len(os.Getenv(t.Env)); n < auth.MinSecretLen {
			ps.add(indexPath("auth.tokens", i)+".env", "environment variable %s holds %d characters; a token needs at least %d (warden token new makes one)", t.Env, n, auth.MinSecretLen)
		}
	}
	tls := c.Server.TLS
	for _, f := range []struct{ key, path string }{{"cert_file", tls.CertFile}, {"key_file", tls.KeyFile}, {"client_ca_file", tls.ClientCAFile}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			ps.add("server.tls."+f.key, "%v", err)
		}
	}
	for i, m := range c.Models {
		if m.Reference == "" {
			continue
		}
		path := indexPath("models", i) + ".reference"
		info, err := os.Stat(m.Reference)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			ps.add(path, "file not found: %s", m.Reference)
		case err != nil:
			ps.add(path, "%v", err)
		case info.IsDir():
			ps.add(path, "want a file, %s is a directory", m.Reference)
		}
	}
	return ps
}
