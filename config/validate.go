package config

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/auth"
	"github.com/warden-ml/warden/event"
)

// Problem is one thing wrong with a configuration.
type Problem struct {
	Path string // where, like "models[1].drift.window"; "" for the whole document
	Msg  string // what is wrong, like "must be > 0"
	Line int    // line in the file, from 1; 0 when unknown
}

func (p Problem) String() string {
	s := p.Msg
	if p.Path != "" {
		s = p.Path + ": " + s
	}
	if p.Line > 0 {
		s += fmt.Sprintf(" (line %d)", p.Line)
	}
	return s
}

// ValidationError lists every problem found, in document order.
type ValidationError struct {
	File     string // prefixes each line of Error when set
	Problems []Problem
}

// Error writes one line per problem.
func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		if e.File != "" {
			b.WriteString(e.File + ": ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// problems collects problems under a path prefix.
type problems []Problem

func (ps *problems) add(path, format string, a ...any) {
	*ps = append(*ps, Problem{Path: path, Msg: fmt.Sprintf(format, a...)})
}

// nest adds a section's problems under prefix.
func (ps *problems) nest(prefix string, sub []Problem) {
	for _, p := range sub {
		p.Path = joinPath(prefix, p.Path)
		*ps = append(*ps, p)
	}
}

func joinPath(prefix, path string) string {
	switch {
	case prefix == "":
		return path
	case path == "":
		return prefix
	case path[0] == '[':
		return prefix + path
	}
	return prefix + "." + path
}

func indexPath(prefix string, i int) string { return prefix + "[" + strconv.Itoa(i) + "]" }

// asError is nil without problems, so that callers can compare with nil.
func asError(ps problems) error {
	if len(ps) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps}
}

// Validate checks every section and returns a *ValidationError listing all
// problems, or nil.
func (c *Config) Validate() error { return asError(c.problems()) }

func (c *Config) problems() problems {
	var ps problems
	ps.nest("server", c.Server.problems())
	ps.nest("auth", c.Auth.problems())
	ps.nest("storage", c.Storage.problems())
	ps.nest("pipeline", c.Pipeline.problems())
	if need := c.Server.BatchBytes(); c.Pipeline.QueueBytes > 0 && c.Server.problems() == nil && c.Pipeline.QueueBytes < need {
		ps.add("pipeline.queue_bytes", "must hold one batch within the server's limits, at least %s (server.max_body_bytes, %d B per event of server.max_events, %d B per value of server.max_values), got %s",
			formatSize(roundUp(need, MiB)), event.EventFootprint, event.ValueFootprint, formatSize(c.Pipeline.QueueBytes))
	}
	ps.nest("alerting", c.Alerting.problems())
	if c.Server.MaxModels > 0 && len(c.Models) > c.Server.MaxModels {
		ps.add("models", "%d models, more than server.max_models (%d)", len(c.Models), c.Server.MaxModels)
	}
	first := map[string]int{}
	for i := range c.Models {
		path := indexPath("models", i)
		ps.nest(path, c.Models[i].problems())
		name := c.Models[i].Name
		if j, dup := first[name]; dup && name != "" {
			ps.add(path+".name", "duplicate name %q (also models[%d])", name, j)
		} else {
			first[name] = i
		}
	}
	return ps
}

// Validate checks the section; paths in the error are relative to it.
func (s *Server) Validate() error { return asError(s.problems()) }

func (s *Server) problems() problems {
	var ps problems
	if msg := checkAddr(s.Addr); msg != "" {
		ps.add("addr", "%s", msg)
	}
	positive(&ps, "read_timeout", s.ReadTimeout)
	positive(&ps, "write_timeout", s.WriteTimeout)
	positive(&ps, "shutdown_timeout", s.ShutdownTimeout)
	switch {
	case s.MaxBodyBytes <= 0:
		ps.add("max_body_bytes", "must be > 0")
	case s.MaxBodyBytes > GiB:
		ps.add("max_body_bytes", "must be <= 1GiB, got %s", formatSize(s.MaxBodyBytes))
	}
	intRange(&ps, "max_events", s.MaxEvents, 1, 10_000_000)
	intRange(&ps, "max_values", s.MaxValues, 1, 100_000_000)
	intRange(&ps, "max_features", s.MaxFeatures, 1, 65536)
	intRange(&ps, "max_models", s.MaxModels, 1, 100_000)
	switch {
	case s.MaxReferenceBytes <= 0:
		ps.add("max_reference_bytes", "must be > 0")
	case s.MaxReferenceBytes > GiB:
		ps.add("max_reference_bytes", "must be <= 1GiB, got %s", formatSize(s.MaxReferenceBytes))
	}
	intRange(&ps, "max_reference_rows", s.MaxReferenceRows, 1, 100_000_000)
	// "" is the default for a Server built in code rather than parsed.
	if s.ScreenDetail != "" && s.ScreenDetail != ScreenDetailReasons && s.ScreenDetail != ScreenDetailFull {
		ps.add("screen_detail", "want %s or %s, got %q", ScreenDetailReasons, ScreenDetailFull, s.ScreenDetail)
	}
	for i, h := range s.Hosts {
		if h == "" || strings.ContainsAny(h, "/ :@") {
			ps.add(indexPath("hosts", i), "want a host name or IP address without port, got %q", h)
		}
	}
	for i, o := range s.CORSOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			ps.add(indexPath("cors_origins", i), "want an origin such as https://console.example.com, got %q", o)
		}
	}
	switch t := s.TLS; {
	case (t.CertFile == "") != (t.KeyFile == ""):
		ps.add("tls", "cert_file and key_file go together")
	case t.ClientCAFile != "" && t.CertFile == "":
		ps.add("tls.client_ca_file", "needs cert_file and key_file: client certificates are asked for over TLS only")
	}
	return ps
}

// Validate checks the section; paths in the error are relative to it.
func (a *Auth) Validate() error { return asError(a.problems()) }

func (a *Auth) problems() problems {
	var ps problems
	first := map[string]int{}
	for i, t := range a.Tokens {
		path := indexPath("tokens", i)
		var tp problems
		checkName(&tp, t.Name)
		if j, dup := first[t.Name]; dup && t.Name != "" {
			tp.add("name", "duplicate name %q (also tokens[%d]): the audit log could not tell them apart", t.Name, j)
		} else {
			first[t.Name] = i
		}
		switch {
		case t.SHA256 == "" && t.Env == "":
			tp.add("sha256", "required: the hex SHA-256 of the token (warden token new prints it), or env naming a variable that holds the token")
		case t.SHA256 != "" && t.Env != "":
			tp.add("env", "set either sha256 or env, not both")
		case t.SHA256 != "":
			if _, err := auth.ParseHash(t.SHA256); err != nil {
				tp.add("sha256", "%v", err)
			}
		case !isEnvName(t.Env):
			tp.add("env", "want the name of an environment variable (letters, digits, _), got %q", t.Env)
		}
		if len(t.Roles) == 0 {
			tp.add("roles", "required: one or more of ingest, read, admin")
		}
		for j, r := range t.Roles {
			if _, err := auth.ParseRole(r); err != nil {
				tp.add(indexPath("roles", j), "%v", err)
			}
		}
		for j, m := range t.Models {
			var mp problems
			checkName(&mp, m)
			if len(mp) > 0 {
				tp.add(indexPath("models", j), "want a model name, got %q", m)
			}
		}
		ps.nest(path, tp)
	}
	return ps
}

// BatchBytes is the most memory one batch of events within the limits can
// take by the decoder's estimate (event.Event.Footprint): its body, and the
// fixed part of each event and each value.
func (s *Server) BatchBytes() int64 {
	return s.MaxBodyBytes + int64(s.MaxEvents)*event.EventFootprint + int64(s.MaxValues)*event.ValueFootprint
}

func roundUp(n, unit int64) int64 { return (n + unit - 1) / unit * unit }

// intRange adds a problem unless lo <= n <= hi.
func intRange(ps *problems, path string, n, lo, hi int) {
	if n < lo || n > hi {
		ps.add(path, "must be %d to %d, got %d", lo, hi, n)
	}
}

func checkAddr(addr string) string {
	if addr == "" {
		return "required (HOST:PORT, like 127.0.0.1:8080)"
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("want HOST:PORT, like 127.0.0.1:8080, got %q", addr)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || strconv.FormatUint(n, 10) != port {
		return fmt.Sprintf("want a port number 0-65535, got %q", port)
	}
	return ""
}

// Validate checks the section; paths in the error are relative to it.
func (s *Storage) Validate() error { return asError(s.problems()) }

func (s *Storage) problems() problems {
	var ps problems
	if strings.TrimSpace(s.Dir) == "" {
		ps.add("dir", "required")
	}
	if s.SegmentBytes != 0 && s.SegmentBytes < 64<<10 {
		ps.add("segment_bytes", "must be at least 64KiB, got %d", s.SegmentBytes)
	}
	if s.CheckpointEvery != 0 && s.CheckpointEvery < 100*time.Millisecond {
		ps.add("checkpoint_every", "must be at least 100ms, got %s", FormatDuration(s.CheckpointEvery))
	}
	nonNegative(&ps, "retention.events", s.Retention.Events)
	nonNegative(&ps, "retention.windows", s.Retention.Windows)
	nonNegative(&ps, "retention.alerts", s.Retention.Alerts)
	nonNegative(&ps, "retention.findings", s.Retention.Findings)
	nonNegative(&ps, "retention.audit", s.Retention.Audit)
	return ps
}

// maxShards bounds the shard count: more shards than this only adds
// goroutines and memory without adding parallelism on any real machine.
const maxShards = 1024

// Validate checks the section; paths in the error are relative to it.
func (p *Pipeline) Validate() error { return asError(p.problems()) }

func (p *Pipeline) problems() problems {
	var ps problems
	if p.Shards < 0 || p.Shards > maxShards {
		ps.add("shards", "must be 0 (one per CPU) to %d, got %d", maxShards, p.Shards)
	}
	if p.QueueSize <= 0 {
		ps.add("queue_size", "must be > 0")
	}
	positive(&ps, "max_future", p.MaxFuture)
	if p.QueueBytes <= 0 {
		ps.add("queue_bytes", "must be > 0")
	}
	if p.DedupeIDs < 0 || p.DedupeIDs > 100_000_000 {
		ps.add("dedupe_ids", "must be from 0 to 100000000, got %d", p.DedupeIDs)
	}
	return ps
}

// Validate checks the section; paths in the error are relative to it.
func (a *Alerting) Validate() error { return asError(a.problems()) }

func (a *Alerting) problems() problems {
	var ps problems
	nonNegative(&ps, "repeat_interval", a.RepeatInterval)
	ps.nest("thresholds", thresholdProblems(a.Thresholds))
	first := map[string]int{}
	for i := range a.Receivers {
		path := indexPath("receivers", i)
		ps.nest(path, a.Receivers[i].problems())
		name := a.Receivers[i].Name
		if j, dup := first[name]; dup && name != "" {
			ps.add(path+".name", "duplicate name %q (also receivers[%d])", name, j)
		} else {
			first[name] = i
		}
	}
	return ps
}

func knownKind(k string) bool { return slices.Contains(alert.Kinds, alert.Kind(k)) }

func kindList() string {
	names := make([]string, len(alert.Kinds))
	for i, k := range alert.Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// thresholdProblems checks a map of thresholds in sorted key order, so the
// report is the same every run.
func thresholdProblems(m map[string]Thresholds) problems {
	var ps problems
	for _, kind := range sortedKeys(m) {
		if !knownKind(kind) {
			ps.add(mapKeyPath("", kind), "unknown finding kind (want one of %s)", kindList())
			continue
		}
		ps.nest(mapKeyPath("", kind), m[kind].problems())
	}
	return ps
}

// Validate checks the thresholds; paths in the error are relative to them.
func (t Thresholds) Validate() error { return asError(t.problems()) }

func (t Thresholds) problems() problems {
	var ps problems
	if !(t.Warning >= 0) || math.IsInf(t.Warning, 0) {
		ps.add("warning", "must be a finite number >= 0, got %v", t.Warning)
	}
	if !(t.Critical >= 0) || math.IsInf(t.Critical, 0) {
		ps.add("critical", "must be a finite number >= 0, got %v", t.Critical)
	} else if t.Critical < t.Warning {
		ps.add("critical", "must be >= warning (%v), got %v", t.Warning, t.Critical)
	}
	return ps
}

// maxRetries bounds webhook retries; with backoff, more would keep an alert
// in flight for days.
const maxRetries = 100

// Validate checks the receiver; paths in the error are relative to it.
func (r *Receiver) Validate() error { return asError(r.problems()) }

func (r *Receiver) problems() problems {
	var ps problems
	checkName(&ps, r.Name)
	switch r.Type {
	case ReceiverStdout, ReceiverFile, ReceiverWebhook:
	case "":
		ps.add("type", "required (stdout, file or webhook)")
	default:
		ps.add("type", "want stdout, file or webhook, got %q", r.Type)
	}
	if r.MinSeverity < alert.Low || r.MinSeverity > alert.Critical {
		ps.add("min_severity", "want low, medium, high or critical, got %s", r.MinSeverity)
	}
	if r.Type == ReceiverFile {
		if strings.TrimSpace(r.Path) == "" {
			ps.add("path", "required for a file receiver")
		}
	} else if r.Path != "" {
		ps.add("path", "only for file receivers")
	}
	if r.Type == ReceiverWebhook {
		if msg := checkURL(r.URL); msg != "" {
			ps.add("url", "%s", msg)
		}
		if r.Secret != "" && r.SecretEnv != "" {
			ps.add("secret_env", "set either secret or secret_env, not both")
		}
		if r.SecretEnv != "" && !isEnvName(r.SecretEnv) {
			ps.add("secret_env", "want the name of an environment variable (letters, digits, _), got %q", r.SecretEnv)
		}
	} else {
		for _, f := range []struct{ key, val string }{{"url", r.URL}, {"secret", r.Secret}, {"secret_env", r.SecretEnv}} {
			if f.val != "" {
				ps.add(f.key, "only for webhook receivers")
			}
		}
	}
	positive(&ps, "timeout", r.Timeout)
	if r.MaxRetries < 0 || r.MaxRetries > maxRetries {
		ps.add("max_retries", "must be 0 to %d, got %d", maxRetries, r.MaxRetries)
	}
	return ps
}

func checkURL(raw string) string {
	if raw == "" {
		return "required for a webhook receiver"
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("want an absolute http or https URL, got %q", raw)
	}
	return ""
}

func isEnvName(s string) bool {
	for i, c := range s {
		if c != '_' && !('a' <= c && c <= 'z') && !('A' <= c && c <= 'Z') && (i == 0 || !('0' <= c && c <= '9')) {
			return false
		}
	}
	return s != ""
}

// maxNameLen bounds model and receiver names, which appear in URLs, metric
// labels and file names.
const maxNameLen = 64

func checkName(ps *problems, name string) {
	if name == "" {
		ps.add("name", "required")
		return
	}
	if len(name) > maxNameLen {
		ps.add("name", "at most %d characters, got %d", maxNameLen, len(name))
		return
	}
	for _, c := range name {
		if c != '_' && c != '.' && c != '-' && !('a' <= c && c <= 'z') && !('A' <= c && c <= 'Z') && !('0' <= c && c <= '9') {
			ps.add("name", "%q: only letters, digits, '_', '.' and '-' are allowed", name)
			return
		}
	}
}

// Validate checks the model; paths in the error are relative to it.
func (m *Model) Validate() error { return asError(m.problems()) }

func (m *Model) problems() problems {
	var ps problems
	checkName(&ps, m.Name)
	seen := map[string]int{}
	for i, col := range m.Columns {
		path := indexPath("columns", i)
		if strings.TrimSpace(col) == "" {
			ps.add(path, "empty column name")
		} else if j, dup := seen[col]; dup {
			ps.add(path, "duplicate column %q (also columns[%d])", col, j)
		} else {
			seen[col] = i
		}
	}
	ps.nest("drift", m.Drift.problems())
	ps.nest("outliers", m.Outliers.problems())
	if m.ExpectEvery != 0 && m.ExpectEvery < MinExpectEvery {
		ps.add("expect_every", "must be 0 (off) or at least %s, got %s", FormatDuration(MinExpectEvery), FormatDuration(m.ExpectEvery))
	}
	ps.nest("thresholds", thresholdProblems(m.ThresholdOverrides))
	return ps
}

// Validate checks the drift settings; paths in the error are relative to them.
func (d *Drift) Validate() error { return asError(d.problems()) }

func (d *Drift) problems() problems {
	var ps problems
	switch d.Method {
	case MethodAuto, MethodKS, MethodChi2, MethodZ:
	default:
		ps.add("method", "want auto, ks, chi2 or z, got %q", d.Method)
	}
	if !(d.Threshold > 0 && d.Threshold < 1) {
		ps.add("threshold", "must be a p-value between 0 and 1 (exclusive), got %v", d.Threshold)
	}
	if !(d.MinEffect >= 0 && d.MinEffect <= 1) {
		ps.add("min_effect", "must be 0 to 1, got %v", d.MinEffect)
	}
	if d.Window <= 0 {
		ps.add("window", "must be > 0")
	}
	switch {
	case d.Every <= 0:
		ps.add("every", "must be > 0")
	case d.Window > 0 && d.Every > d.Window:
		ps.add("every", "must be <= window (%d), got %d", d.Window, d.Every)
	}
	switch {
	case d.MinEvents <= 0:
		ps.add("min_events", "must be > 0")
	case d.Window > 0 && d.MinEvents > d.Window:
		ps.add("min_events", "must be <= window (%d), got %d", d.Window, d.MinEvents)
	}
	for i, w := range d.TimeWindows {
		ps.nest(indexPath("time_windows", i), w.problems())
	}
	nonNegative(&ps, "lateness", d.Lateness)
	return ps
}

// Validate checks the outlier settings; paths in the error are relative to
// them.
func (o *Outliers) Validate() error { return asError(o.problems()) }

func (o *Outliers) problems() problems {
	var ps problems
	if !(o.FPR > 0 && o.FPR < 0.5) {
		ps.add("fpr", "must be a share between 0 and 0.5 (exclusive), got %v", o.FPR)
	}
	if !(o.Contamination >= 0 && o.Contamination <= 0.25) {
		ps.add("contamination", "must be 0 to 0.25, got %v", o.Contamination)
	}
	for i, col := range o.Exclude {
		if strings.TrimSpace(col) == "" {
			ps.add(indexPath("exclude", i), "empty column name")
		}
	}
	if o.BurstMin < 1 {
		ps.add("burst_min", "must be >= 1, got %d", o.BurstMin)
	}
	if !(o.BurstAlpha > 0 && o.BurstAlpha < 1) {
		ps.add("burst_alpha", "must be a p-value between 0 and 1 (exclusive), got %v", o.BurstAlpha)
	}
	positive(&ps, "summary_every", o.SummaryEvery)
	atMostMaxStep(&ps, "summary_every", o.SummaryEvery)
	intRange(&ps, "max_users", o.MaxUsers, 1, 10_000_000)
	return ps
}

// atMostMaxStep refuses a window longer than MaxStep.
func atMostMaxStep(ps *problems, path string, d time.Duration) {
	if d > MaxStep {
		ps.add(path, "must be at most %s (%d days), got %s", FormatDuration(MaxStep), MaxStep/(24*time.Hour), FormatDuration(d))
	}
}

// Validate checks the window; paths in the error are relative to it.
func (w TimeWindow) Validate() error { return asError(w.problems()) }

func (w TimeWindow) problems() problems {
	var ps problems
	switch w.Type {
	case WindowTumbling, WindowSliding:
	case "":
		ps.add("type", "required (tumbling or sliding)")
	default:
		ps.add("type", "want tumbling or sliding, got %q", w.Type)
	}
	positive(&ps, "size", w.Size)
	atMostMaxStep(&ps, "size", w.Size)
	switch {
	case w.Type == WindowSliding && w.Step <= 0:
		ps.add("step", "must be > 0 for a sliding window")
	case w.Type == WindowSliding && w.Size > 0 && w.Step > w.Size:
		ps.add("step", "must be <= size (%s), got %s", FormatDuration(w.Size), FormatDuration(w.Step))
	case w.Type != WindowSliding && w.Step != 0:
		ps.add("step", "only for sliding windows")
	}
	return ps
}
