// Package textfmt is the style every text report of Warden shares: section
// headings, severity labels with the lab's markers on a terminal, and
// p-values.
package textfmt

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/internal/safetext"
)

var markers = map[alert.Severity]string{
	alert.Critical: "🔴 ", alert.High: "🟠 ", alert.Medium: "🟡 ", alert.Low: "⚪ ",
}

// SeverityLabel is "CRITICAL", with the lab's marker on a terminal.
func SeverityLabel(s alert.Severity, terminal bool) string {
	label := strings.ToUpper(s.String())
	if terminal {
		return markers[s] + label
	}
	return label
}

// Heading writes a section title with a rule under it: ━ on a terminal,
// - otherwise.
func Heading(w io.Writer, title string, terminal bool) {
	rule := "-"
	if terminal {
		rule = "━"
	}
	title = safetext.Escape(title)
	fmt.Fprintf(w, "%s\n%s\n", title, strings.Repeat(rule, len(title)))
}

// P writes a p-value the way a report reads best: "p < 1e-10" for
// anything that small, otherwise three significant digits.
func P(p float64) string {
	switch {
	case p < 1e-10:
		return "p < 1e-10"
	case p < 0.001:
		return "p = " + strconv.FormatFloat(p, 'e', 1, 64)
	}
	return "p = " + strconv.FormatFloat(p, 'g', 3, 64)
}
