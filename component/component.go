// Package component names what a detector brings to Warden besides its
// work on events: for now, its sections of the security report. Each
// detector package provides a Detector; the wiring in cmd/warden lists them
// (components.go), and the server and the report take what they need from
// that list, so that neither imports a detector.
package component

import "github.com/warden-ml/warden/report"

// Detector is a detector as the wiring knows it.
type Detector interface {
	// Name is the detector's key, as in its configuration: "drift".
	Name() string
	// Sections are its parts of the security report.
	Sections() []report.Section
}

// Sections gathers the report sections of the detectors, in their order.
func Sections(ds []Detector) []report.Section {
	var out []report.Section
	for _, d := range ds {
		out = append(out, d.Sections()...)
	}
	return out
}
