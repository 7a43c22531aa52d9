package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/warden-ml/warden/internal/count"
	"github.com/warden-ml/warden/internal/safetext"
	"github.com/warden-ml/warden/internal/textfmt"
)

// TextOptions control the text form.
type TextOptions struct {
	Terminal bool // the lab's markers and rules
}

// WriteText writes the report in the lab's layout. Model names, user ids,
// event ids and column names come from the monitored traffic, so every
// string is escaped (package safetext) on its way to what may be a
// terminal; the JSON form stays exact.
func (r *Report) WriteText(out io.Writer, opts TextOptions) error {
	w := bufio.NewWriter(out)
	esc := safetext.Escape
	models := esc(strings.Join(r.Models, ", "))
	if models == "" {
		models = "none registered"
	}
	fmt.Fprintf(w, "%s\n", esc(r.Title))
	if r.To.IsZero() {
		fmt.Fprintf(w, "Period: %s (no events yet)   Model: %s\n", esc(r.Period), models)
	} else {
		fmt.Fprintf(w, "Period: %s (%s to %s UTC)   Model: %s\n", esc(r.Period),
			r.From.UTC().Format("2006-01-02 15:04"), r.To.UTC().Format("2006-01-02 15:04"), models)
		fmt.Fprintf(w, "Events monitored: %s\n", count.Thousands(r.Events))
	}
	for _, s := range r.Sections {
		fmt.Fprintln(w)
		textfmt.Heading(w, s.Title, opts.Terminal)
		switch s.Status {
		case StatusNotMonitored:
			fmt.Fprintln(w, "Not monitored")
			continue
		}
		if s.Summary != "" {
			fmt.Fprintln(w, esc(s.Summary))
		}
		for _, l := range s.Lines {
			fmt.Fprintf(w, "   %s\n", esc(l))
		}
		if s.Status == StatusClean {
			if s.Clean != "" {
				fmt.Fprintln(w, esc(s.Clean))
			} else {
				fmt.Fprintln(w, "No findings")
			}
			continue
		}
		for _, it := range s.Items {
			model := ""
			if len(r.Models) > 1 {
				model = " [" + esc(it.Model) + "]"
			}
			fmt.Fprintf(w, "%s: %s%s\n", textfmt.SeverityLabel(it.Severity, opts.Terminal), esc(it.Headline), model)
			for _, l := range it.Lines {
				fmt.Fprintf(w, "   %s\n", esc(l))
			}
		}
	}
	fmt.Fprintln(w)
	textfmt.Heading(w, "RECOMMENDATIONS", opts.Terminal)
	for i, rec := range r.Recommendations {
		fmt.Fprintf(w, "%d. %s\n", i+1, esc(rec.String()))
	}
	return w.Flush()
}
