package report

import (
	"bufio"
	"fmt"
	"github.com/warden-ml/warden/internal/count"
	"io"
	"strings"

	"github.com/warden-ml/warden/drift"
)

// TextOptions control the text form.
type TextOptions struct {
	Terminal bool // the lab's markers and rules
}

// WriteText writes the report in the lab's layout.
func (r *Report) WriteText(out io.Writer, opts TextOptions) error {
	w := bufio.NewWriter(out)
	models := strings.Join(r.Models, ", ")
	if models == "" {
		models = "none registered"
	}
	fmt.Fprintf(w, "%s\n", r.Title)
	if r.To.IsZero() {
		fmt.Fprintf(w, "Period: %s (no events yet)   Model: %s\n", r.Period, models)
	} else {
		fmt.Fprintf(w, "Period: %s (%s to %s UTC)   Model: %s\n", r.Period,
			r.From.UTC().Format("2006-01-02 15:04"), r.To.UTC().Format("2006-01-02 15:04"), models)
		fmt.Fprintf(w, "Events monitored: %s\n", count.Thousands(r.Events))
	}
	for _, s := range r.Sections {
		fmt.Fprintln(w)
		drift.Heading(w, s.Title, opts.Terminal)
		switch s.Status {
		case StatusNotMonitored:
			fmt.Fprintln(w, "Not monitored")
			continue
		}
		if s.Summary != "" {
			fmt.Fprintln(w, s.Summary)
		}
		for _, l := range s.Lines {
			fmt.Fprintf(w, "   %s\n", l)
		}
		if s.Status == StatusClean {
			if s.Clean != "" {
				fmt.Fprintln(w, s.Clean)
			} else {
				fmt.Fprintln(w, "No findings")
			}
			continue
		}
		for _, it := range s.Items {
			model := ""
			if len(r.Models) > 1 {
				model = " [" + it.Model + "]"
			}
			fmt.Fprintf(w, "%s: %s%s\n", drift.SeverityLabel(it.Severity, opts.Terminal), it.Headline, model)
			for _, l := range it.Lines {
				fmt.Fprintf(w, "   %s\n", l)
			}
		}
	}
	fmt.Fprintln(w)
	drift.Heading(w, "RECOMMENDATIONS", opts.Terminal)
	for i, rec := range r.Recommendations {
		fmt.Fprintf(w, "%d. %s\n", i+1, rec)
	}
	return w.Flush()
}
