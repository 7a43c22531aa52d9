package notify

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/warden-ml/warden/alert"
)

// Notification is what a receiver is told at once: the alerts one
// evaluation raised for one model, such as every drifted column of a
// window or every user flagged in a pane. Each alert keeps its own ID,
// subject and time; the notification only bundles them, so that a window
// with sixteen drifted columns is one message and not sixteen.
//
// Its alerts all have its Model. Group and Enqueue put them in a fixed
// order, most severe first (then by type, subject and ID), so that the
// same alerts always make the same notification whatever order they were
// raised in.
type Notification struct {
	Model  string
	Alerts []alert.Alert
}

// Group splits the alerts of one evaluation into notifications, one per
// model, in the order each model first appears. An alert ID seen twice is
// kept once, as first seen.
//
// An evaluation is what one pipeline Sink.Findings call reports: a closed
// pane of one detector for one model, or one event. Alerts from separate
// calls belong in separate notifications even when their times match,
// since every notification is enqueued once, keyed by its first alert.
func Group(alerts []alert.Alert) []Notification {
	var out []Notification
	seen := make(map[string]bool, len(alerts))
	for _, a := range alerts {
		if seen[a.ID] {
			continue
		}
		seen[a.ID] = true
		i := slices.IndexFunc(out, func(n Notification) bool { return n.Model == a.Model })
		if i < 0 {
			out = append(out, Notification{Model: a.Model})
			i = len(out) - 1
		}
		out[i].Alerts = append(out[i].Alerts, a)
	}
	for i := range out {
		sortAlerts(out[i].Alerts)
	}
	return out
}

// sortAlerts puts alerts in the notification order. Within one model,
// type and subject make the fingerprint, so the ID breaks ties only
// between alerts of one problem at different times.
func sortAlerts(as []alert.Alert) {
	slices.SortStableFunc(as, func(a, b alert.Alert) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.Type, b.Type),
			strings.Compare(a.Subject, b.Subject), strings.Compare(a.ID, b.ID))
	})
}

// normalized checks n and returns it with its alerts, in a new slice, in
// the notification order.
func (n Notification) normalized() (Notification, error) {
	if len(n.Alerts) == 0 {
		return n, fmt.Errorf("notification for %s: no alerts", n.Model)
	}
	seen := make(map[string]bool, len(n.Alerts))
	for _, a := range n.Alerts {
		switch {
		case a.ID == "":
			return n, fmt.Errorf("notification for %s: alert id is empty", n.Model)
		case seen[a.ID]:
			return n, fmt.Errorf("notification for %s: alert %s is in it twice", n.Model, a.ID)
		case a.Model != n.Model:
			return n, fmt.Errorf("notification for %s: alert %s is for %s (group alerts with Group)", n.Model, a.ID, a.Model)
		}
		seen[a.ID] = true
	}
	n.Alerts = slices.Clone(n.Alerts)
	sortAlerts(n.Alerts)
	return n, nil
}

// atLeast returns n with only the alerts at least min severe. They are a
// prefix of n's alerts, so the result keeps n's ID when it is not empty.
func (n Notification) atLeast(min alert.Severity) Notification {
	k := 0
	for k < len(n.Alerts) && n.Alerts[k].Severity >= min {
		k++
	}
	n.Alerts = n.Alerts[:k]
	return n
}

// ID identifies the notification: the ID of its first alert, which is its
// most severe. Every receiver's copy has the same ID, since whatever a
// receiver's minimum severity lets through includes that alert, and the
// outbox keys each receiver's item by it, so enqueueing the same alerts
// again adds nothing. It is "" for a notification without alerts.
func (n Notification) ID() string {
	if len(n.Alerts) == 0 {
		return ""
	}
	return n.Alerts[0].ID
}

// Time is the latest of the alerts' event times; for the alerts of a
// drift window, which all have the window's end, that end.
func (n Notification) Time() time.Time {
	var t time.Time
	for i, a := range n.Alerts {
		if i == 0 || a.Time.After(t) {
			t = a.Time
		}
	}
	return t
}

// Severity is the highest severity among the alerts.
func (n Notification) Severity() alert.Severity {
	var s alert.Severity
	for _, a := range n.Alerts {
		s = max(s, a.Severity)
	}
	return s
}

// Summary says in a line how many alerts of which severities the
// notification holds, most severe first: "3 alerts for fraud_detection_v2:
// 1 critical, 2 high".
func (n Notification) Summary() string {
	counts := make(map[alert.Severity]int, 4)
	for _, a := range n.Alerts {
		counts[a.Severity]++
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(len(n.Alerts)))
	if len(n.Alerts) == 1 {
		b.WriteString(" alert for ")
	} else {
		b.WriteString(" alerts for ")
	}
	b.WriteString(n.Model)
	sep := ": "
	for s := n.Severity(); ; s-- {
		if c := counts[s]; c > 0 {
			fmt.Fprintf(&b, "%s%d %s", sep, c, s)
			sep = ", "
		}
		if s == alert.None {
			break
		}
	}
	return b.String()
}
