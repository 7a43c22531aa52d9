package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/warden-ml/warden/component"
	"github.com/warden-ml/warden/report"
	"github.com/warden-ml/warden/store"
	"github.com/warden-ml/warden/store/sqlite"
)

func newReportCmd() *cobra.Command {
	var serverURL, dataDir, model, since, format, out string
	var cf clientFlags
	cmd := &cobra.Command{
		Use:   "report [--server URL | --data DIR] [--model M] [--since 24h] [--format text|json] [--out FILE]",
		Short: "Print the ML security monitoring report",
		Long: `Print the ML security monitoring report: drift, adversarial inputs,
extraction attempts and prompt injection, with recommendations, for the period
that ends at the newest event time in the store. It reads a running service
(--server) or a store directory (--data, default ./warden-data). Exit status:
0 nothing to act on, 1 findings, 2 usage error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if serverURL != "" && dataDir != "" {
				return usageErrf("report takes --server or --data, not both")
			}
			if format != "text" && format != "json" {
				return usageErrf("--format %q: want text or json", format)
			}
			period, err := report.ParsePeriod(since)
			if err != nil {
				return usageErr(err)
			}
			var rep *report.Report
			if serverURL != "" {
				rep, err = fetchReport(&cf, serverURL, model, since)
			} else {
				rep, err = storeReport(cmd, dataDir, model, period)
			}
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if out != "" {
				f, err := os.Create(out)
				if err != nil {
					return usageErr(err)
				}
				defer f.Close()
				w = f
			}
			if err := writeReport(w, rep, format); err != nil {
				return err
			}
			if len(rep.Recommendations) > 0 && rep.Recommendations[0].Action != report.NoAction {
				return errFound
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&serverURL, "server", "", "URL of a running warden serve")
	f.StringVar(&dataDir, "data", "", "store directory of warden serve (default ./warden-data)")
	f.StringVar(&model, "model", "", "report on one model (default: every model)")
	f.StringVar(&since, "since", "24h", "period back from the newest event: 24h, 7d, 90m")
	f.StringVar(&format, "format", "text", "text or json")
	f.StringVar(&out, "out", "", "write to this file instead of stdout")
	cf.register(cmd)
	return cmd
}

func writeReport(w io.Writer, rep *report.Report, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(rep)
	}
	return rep.WriteText(w, report.TextOptions{Terminal: isTerminal(w)})
}

func storeReport(cmd *cobra.Command, dir, model string, period time.Duration) (*report.Report, error) {
	if dir == "" {
		dir = "./warden-data"
	}
	path := filepath.Join(dir, "warden.db")
	if _, err := os.Stat(path); err != nil {
		return nil, usageErrf("no Warden store in %s (warden serve keeps one in its --data directory); give --data DIR, or --server URL for a running service", dir)
	}
	db, err := sqlite.Open(path)
	if err != nil {
		return nil, usageErr(err)
	}
	defer db.Close()
	rep, err := report.Build(cmd.Context(), db, report.Options{Model: model, Period: period, Sections: component.Sections(components)})
	if errors.Is(err, store.ErrNotFound) {
		return nil, usageErr(err)
	}
	return rep, err
}

func fetchReport(cf *clientFlags, base, model, since string) (*report.Report, error) {
	q := url.Values{"since": {since}}
	if model != "" {
		q.Set("model", model)
	}
	body, err := cf.call(http.MethodGet, base, "/v1/report?"+q.Encode(), nil, "read")
	if err != nil {
		return nil, err
	}
	var rep report.Report
	if err := json.Unmarshal(body, &rep); err != nil {
		return nil, fmt.Errorf("%s: report: %w", base, err)
	}
	return &rep, nil
}
