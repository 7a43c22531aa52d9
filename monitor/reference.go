package monitor

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/outlier"
)

// Reference is what a model's traffic is compared with: the drift profile
// and, when one could be fitted, the outlier detector.
type Reference struct {
	Profile *drift.Profile
	Outlier *outlier.Detector // nil: inputs are not screened
	// Warnings say why a part is missing (an outlier detector that could
	// not be fitted does not stop drift monitoring).
	Warnings []string
}

// outlierSeed fixes the outlier detector's sampling, so that the same
// reference always gives the same detector.
const outlierSeed = 1

// BuildReference profiles t and, when the model screens its inputs, fits
// the outlier detector on the same rows and keeps it in the profile.
func BuildReference(t *dataset.Table, m *config.Model) (*Reference, error) {
	if t.Rows == 0 {
		return nil, fmt.Errorf("%s: no data rows", filepath.Base(t.Source))
	}
	p, err := drift.NewProfile(t, drift.ProfileOptions{})
	if err != nil {
		return nil, err
	}
	ref := &Reference{Profile: p}
	if !m.Outliers.Enabled {
		return ref, nil
	}
	d, err := outlier.Fit(t, OutlierOptions(m, t))
	if err != nil {
		ref.Warnings = append(ref.Warnings, fmt.Sprintf("model %q: inputs are not screened for outliers: %v", m.Name, err))
		return ref, nil
	}
	if p.Outlier, err = d.MarshalBinary(); err != nil {
		return nil, err
	}
	ref.Outlier = d
	ref.Warnings = append(ref.Warnings, detectorWarnings(d)...)
	return ref, nil
}

// detectorWarnings are what a fitted detector says about itself: a
// reference too small for its false-positive rate.
func detectorWarnings(d *outlier.Detector) []string {
	var out []string
	for _, w := range d.Warnings() {
		out = append(out, "outlier screening: "+w)
	}
	return out
}

// OutlierOptions are the outlier detector's options for a model whose
// reference is t: the model's settings, and only its inputs (the watched
// columns, less the excluded ones and those events carry outside their
// features).
func OutlierOptions(m *config.Model, t *dataset.Table) outlier.Options {
	o := outlier.DefaultOptions()
	o.FPR = m.Outliers.FPR
	o.Contamination = m.Outliers.Contamination
	o.Seed = outlierSeed
	for _, c := range t.Columns {
		_, derived := eventFields[c.Name]
		watched := len(m.Columns) == 0 || slices.Contains(m.Columns, c.Name)
		if derived || !watched || slices.Contains(m.Outliers.Exclude, c.Name) {
			o.Exclude = append(o.Exclude, c.Name)
		}
	}
	return o
}

// DecodeReference gives back the reference kept in a profile.
func DecodeReference(p *drift.Profile) (*Reference, error) {
	ref := &Reference{Profile: p}
	if len(p.Outlier) > 0 {
		ref.Outlier = new(outlier.Detector)
		if err := ref.Outlier.UnmarshalBinary(p.Outlier); err != nil {
			return nil, fmt.Errorf("outlier detector in the profile: %w", err)
		}
		ref.Warnings = detectorWarnings(ref.Outlier)
	}
	return ref, nil
}

// LoadReference reads a model's reference: a saved profile, recognised by
// its content whatever its name, or CSV or JSON lines that are profiled and
// fitted on the spot.
func LoadReference(path string, m *config.Model) (*Reference, error) {
	isProfile, err := isProfileFile(path)
	if err != nil {
		return nil, err
	}
	if isProfile {
		p, err := drift.LoadProfile(path)
		if err != nil {
			return nil, err
		}
		ref, err := DecodeReference(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
		}
		if ref.Outlier == nil && m.Outliers.Enabled {
			ref.Warnings = append(ref.Warnings, fmt.Sprintf("model %q: %s holds no outlier detector; inputs are not screened (build the profile from the data, or give the CSV)", m.Name, filepath.Base(path)))
		}

		return ref, nil
	}
	t, err := dataset.ReadFile(path, dataset.Options{})
	if err != nil {
		return nil, err
	}
	return BuildReference(t, m)
}

// isProfileFile reports whether the file at path holds a profile.
func isProfileFile(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	return drift.IsProfile(bufio.NewReader(f)), nil
}
