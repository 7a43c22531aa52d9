package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/warden-ml/warden/internal/safetext"
	"github.com/warden-ml/warden/report"
	"github.com/warden-ml/warden/silence"
)

// defaultServer is where warden serve listens without a configuration.
const defaultServer = "http://127.0.0.1:8080"

func newSilenceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "silence add|list|expire",
		Short: "Mute matching alerts for a while, list silences, end one early",
		Long: `Manage the silences of a running service. A silence mutes the alerts whose
labels (model, type, subject, severity) equal all of its matchers, for findings
dated from its start up to its end: event time, so a silence for last night
mutes a replay of last night. Silences are stored and survive restarts.`,
	}
	cmd.AddCommand(newSilenceAddCmd(), newSilenceListCmd(), newSilenceExpireCmd())
	return cmd
}

// silenceTarget is the service a silence command talks to.
type silenceTarget struct {
	server string
	cf     clientFlags
}

func (t *silenceTarget) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&t.server, "server", defaultServer, "URL of a running warden serve")
	t.cf.register(cmd)
}

func newSilenceAddCmd() *cobra.Command {
	var (
		target            silenceTarget
		matchers          []string
		starts, ends, dur string
		id, by, comment   string
	)
	cmd := &cobra.Command{
		Use:   "add --matcher LABEL=VALUE|LABEL=~REGEX|LABEL!=VALUE... (--for 2h | --ends TIME) [--starts TIME]",
		Short: "Create a silence (admin role)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req := map[string]any{}
			eq, re, not := map[string]string{}, map[string]string{}, map[string]string{}
			for _, kv := range matchers {
				k, op, v, ok := parseMatcher(kv)
				if !ok {
					return usageErrf("--matcher %q: want LABEL=VALUE, LABEL=~REGEX or LABEL!=VALUE, with LABEL one of %s", kv, strings.Join(silence.Labels, ", "))
				}
				map[string]map[string]string{"=": eq, "=~": re, "!=": not}[op][k] = v
			}
			if len(eq)+len(re) == 0 {
				return usageErrf("give at least one --matcher LABEL=VALUE or LABEL=~REGEX: a silence without them would mute every alert")
			}
			req["matchers"] = eq
			if len(re) > 0 {
				req["matchers_regex"] = re
			}
			if len(not) > 0 {
				req["matchers_not"] = not
			}
			start := time.Now().UTC()
			if starts != "" {
				t, err := time.Parse(time.RFC3339, starts)
				if err != nil {
					return usageErrf("--starts %q: want an RFC 3339 time such as 2026-01-01T00:00:00Z", starts)
				}
				start = t
				req["starts_at"] = t
			}
			switch {
			case (dur == "") == (ends == ""):
				return usageErrf("give one of --for (a duration such as 2h or 7d) and --ends (an RFC 3339 time)")
			case dur != "":
				d, err := report.ParsePeriod(dur)
				if err != nil {
					return usageErrf("--for: %v", err)
				}
				req["ends_at"] = start.Add(d)
			default:
				t, err := time.Parse(time.RFC3339, ends)
				if err != nil {
					return usageErrf("--ends %q: want an RFC 3339 time such as 2026-01-02T00:00:00Z", ends)
				}
				req["ends_at"] = t
			}
			for k, v := range map[string]string{"id": id, "created_by": by, "comment": comment} {
				if v != "" {
					req[k] = v
				}
			}
			body, err := json.Marshal(req)
			if err != nil {
				return err
			}
			out, err := target.cf.call(http.MethodPost, target.server, "/v1/silences", body, "admin")
			if err != nil {
				return err
			}
			var s silence.View
			if err := json.Unmarshal(out, &s); err != nil {
				return fmt.Errorf("%s: silence: %w", target.server, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), s.ID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&matchers, "matcher", nil, "LABEL=VALUE, LABEL=~REGEX or LABEL!=VALUE, repeatable; LABEL: model, type, subject or severity")
	f.StringVar(&starts, "starts", "", "start, RFC 3339 event time (default now)")
	f.StringVar(&ends, "ends", "", "end, RFC 3339 event time (exclusive)")
	f.StringVar(&dur, "for", "", "length from the start: 90m, 2h, 7d")
	f.StringVar(&id, "id", "", "id; an existing id replaces that silence (default: derived from the matchers and start)")
	f.StringVar(&by, "by", "", "who creates it (default: the token's name)")
	f.StringVar(&comment, "comment", "", "why")
	target.register(cmd)
	return cmd
}

// parseMatcher splits LABEL=VALUE, LABEL=~REGEX and LABEL!=VALUE at the
// first operator; the label is what comes before it, the value all after.
func parseMatcher(s string) (label, op, value string, ok bool) {
	i := strings.IndexAny(s, "=!")
	if i <= 0 {
		return "", "", "", false
	}
	switch {
	case strings.HasPrefix(s[i:], "!="):
		return s[:i], "!=", s[i+2:], true
	case strings.HasPrefix(s[i:], "=~"):
		return s[:i], "=~", s[i+2:], true
	case s[i] == '=':
		return s[:i], "=", s[i+1:], true
	}
	return "", "", "", false
}

func newSilenceListCmd() *cobra.Command {
	var (
		target        silenceTarget
		state, format string
	)
	cmd := &cobra.Command{
		Use:   "list [--state pending|active|expired] [--format text|json]",
		Short: "List silences (read role)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return usageErrf("--format %q: want text or json", format)
			}
			path := "/v1/silences"
			if state != "" {
				path += "?state=" + url.QueryEscape(state)
			}
			out, err := target.cf.call(http.MethodGet, target.server, path, nil, "read")
			if err != nil {
				return err
			}
			var list struct {
				Silences []silence.View `json:"silences"`
			}
			if err := json.Unmarshal(out, &list); err != nil {
				return fmt.Errorf("%s: silences: %w", target.server, err)
			}
			w := cmd.OutOrStdout()
			if format == "json" {
				_, err := w.Write(out)
				return err
			}
			return writeSilences(w, list.Silences)
		},
	}
	cmd.Flags().StringVar(&state, "state", "", "only silences in this state, by the server's clock")
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	target.register(cmd)
	return cmd
}

func writeSilences(w io.Writer, ss []silence.View) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tSTARTS\tENDS\tMATCHERS\tBY\tCOMMENT")
	for _, s := range ss {
		var m []string
		for _, k := range silence.Labels {
			if v, ok := s.Matchers[k]; ok {
				m = append(m, k+"="+v)
			}
			if v, ok := s.MatchersRegex[k]; ok {
				m = append(m, k+"=~"+v)
			}
			if v, ok := s.MatchersNot[k]; ok {
				m = append(m, k+"!="+v)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", safetext.Escape(s.ID), s.State, s.StartsAt.UTC().Format(time.RFC3339),
			s.EndsAt.UTC().Format(time.RFC3339), safetext.Escape(strings.Join(m, ",")), safetext.Escape(s.CreatedBy), safetext.Escape(s.Comment))
	}
	return tw.Flush()
}

func newSilenceExpireCmd() *cobra.Command {
	var target silenceTarget
	cmd := &cobra.Command{
		Use:   "expire ID...",
		Short: "End silences now (admin role)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, ids []string) error {
			for _, id := range ids {
				if _, err := target.cf.call(http.MethodDelete, target.server, "/v1/silences/"+url.PathEscape(id), nil, "admin"); err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), "expired", safetext.Escape(id))
			}
			return nil
		},
	}
	target.register(cmd)
	return cmd
}
