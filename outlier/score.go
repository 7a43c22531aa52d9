package outlier

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/event"
)

// scratch is per-call working memory, pooled so that scoring does not
// allocate.
type scratch struct {
	x        []float64  // per numeric slot, raw value; NaN when missing
	share    []float64  // per categorical slot, reference share; -1 when missing
	catValue []string   // per categorical slot, the input's category
	z        []float64  // robustly scaled multivariate features
	w        []float64  // z with the skewed features symmetrised
	dist     [2]float64 // squared Mahalanobis distances of z and w
	white    []float64
	fc, mc   []float64 // forest and Mahalanobis contributions
	best     []float64 // k nearest squared distances
	off      []float64 // k-d tree cell offsets
	seen     []uint32  // per feature, gen when the input gave it
	gen      uint32
	raw      [numDetectors]float64
	pvals    [numDetectors]float64
	surp     [numDetectors]float64 // -ln pvals
}

func (d *Detector) initPool() {
	d.pool.New = func() any {
		dim := len(d.multi)
		return &scratch{
			x:        make([]float64, len(d.numeric)),
			share:    make([]float64, len(d.cats)),
			catValue: make([]string, len(d.cats)),
			z:        make([]float64, dim),
			w:        make([]float64, dim),
			white:    make([]float64, dim),
			fc:       make([]float64, dim),
			mc:       make([]float64, dim),
			best:     make([]float64, 0, d.knn.k),
			off:      make([]float64, dim),
			seen:     make([]uint32, len(d.features)),
		}
	}
}

func (d *Detector) getScratch() *scratch {
	s := d.pool.Get().(*scratch)
	s.gen++
	if s.gen == 0 { // wrapped: old marks could collide
		clear(s.seen)
		s.gen = 1
	}
	s.clearInput()
	return s
}

// clearInput marks every feature missing.
func (s *scratch) clearInput() {
	for i := range s.x {
		s.x[i] = math.NaN()
	}
	for i := range s.share {
		s.share[i] = -1
		s.catValue[i] = ""
	}
}

// distances fills s.z and the Mahalanobis distances from s.x.
func (d *Detector) distances(s *scratch) {
	for j, slot := range d.multi {
		s.z[j] = d.numeric[slot].scaled(s.x[slot])
	}
	s.dist[0] = d.maha.distance2(s.z)
	if d.skewed {
		d.symmetrise(s.z, s.w)
		s.dist[1] = d.sym.distance2(s.w)
	}
}

// rawScores fills s.raw for the active detectors from s.x and s.share.
func (d *Detector) rawScores(s *scratch) {
	if len(d.multi) > 0 {
		d.distances(s)
		s.raw[detIsolation] = d.forest.Score(s.z)
		s.raw[detMahalanobis] = s.dist[0]
		if d.skewed {
			// A skewed feature's long tail, which the covariance of the
			// central rows does not cover, makes the first distance of
			// ordinary rows large and hides rows that only break the
			// correlations; symmetrising it compresses the extreme values
			// that are many outliers' only sign. Either may find the input.
			s.raw[detMahalanobis] = max(d.spaces[0].surprise(s.dist[0]), d.spaces[1].surprise(s.dist[1]))
		}
		s.raw[detKNN] = d.knn.meanDistance(s.z, s.best, s.off)
	}
	if d.active[detRange] {
		worst := 0.0
		for slot, m := range d.numeric {
			worst = max(worst, m.surprise(s.x[slot]))
		}
		s.raw[detRange] = worst
	}
	if d.active[detCategory] {
		worst := 0.0
		for slot, share := range s.share {
			// Only unseen and rare levels count: an ordinary level is no
			// evidence, however small its share.
			if share >= 0 && share < d.opts.MinCategoryShare {
				worst = max(worst, d.cats[slot].surprise(share))
			}
		}
		s.raw[detCategory] = worst
	}
}

// surprise is -ln(share), an unseen category counting as a tenth of one row
// (of a reference of the size of this one).
func (c *category) surprise(share float64) float64 {
	if share == 0 {
		share = c.unseenShare()
	}
	return -math.Log(share)
}

func (c *category) unseenShare() float64 {
	// The smallest share is one row over the non-missing rows.
	smallest := 1.0
	for _, s := range c.share {
		smallest = min(smallest, s)
	}
	return smallest / 10
}

// combine turns the raw scores into per-detector p-values and the combined
// statistic, in two levels. The isolation forest, the Mahalanobis distance
// and the neighbour distance are three views of the same numeric row, so
// their evidence adds up: a weighted Fisher sum of -ln p, calibrated on
// held-out rows into one p-value whatever their dependence. The range and
// category checks are about other things (a value beyond what a feature
// took, which an isolation forest cannot tell from the feature's extreme; a
// level never seen). The least of the p-values decides, and the statistic is
// its -ln; its own held-out calibration turns it into the final p-value.
//
// Beside the multivariate block's p-value, a single detector or check
// speaks only when it would flag the input by itself (its p-value below
// FPR). Then one view that finds the input beyond anything in the reference
// is not diluted by the others' ordinary p-values in Fisher's sum; and
// weaker evidence, such as a value just beyond one feature's range, which
// with many features some feature of an ordinary row nearly always shows,
// is left to the block, which weighs it against the rest of the row, instead
// of lifting ordinary rows above rows the block finds unusual.
func (d *Detector) combine(s *scratch) float64 {
	for j := range numDetectors {
		if d.active[j] {
			s.pvals[j] = d.calib[j].pvalue(s.raw[j])
			s.surp[j] = -math.Log(s.pvals[j])
		}
	}
	var joint float64
	if d.active[detMahalanobis] {
		joint = -math.Log(d.joint.pvalue(d.fisher(s)))
	}
	return d.statistic(s, joint)
}

// statistic is the combined statistic from the multivariate block's
// surprise and the detectors' p-values and surprises in s.
func (d *Detector) statistic(s *scratch, joint float64) float64 {
	stat := joint
	for j := range numDetectors {
		if d.active[j] && s.pvals[j] < d.opts.FPR {
			stat = max(stat, s.surp[j])
		}
	}
	return stat
}

// fisherWeights weigh the multivariate detectors in Fisher's sum. The
// Mahalanobis and the neighbour distances measure the same thing, distance
// in the robustly scaled space (one from the bulk's ellipsoid, one from the
// nearest rows), and their p-values correlate strongly, so they share one
// vote; the isolation forest, which isolates by random axis-parallel cuts and
// ignores scale, has the other.
var fisherWeights = [...]float64{detIsolation: 1, detMahalanobis: 0.5, detKNN: 0.5}

// fisher is -Σ w ln p over the multivariate detectors.
func (d *Detector) fisher(s *scratch) float64 {
	var sum float64
	for _, j := range [...]int{detIsolation, detMahalanobis, detKNN} {
		if d.active[j] {
			sum += fisherWeights[j] * s.surp[j]
		}
	}
	return sum
}

func (d *Detector) calibrate(t *dataset.Table, heldRows []int) error {
	picked := sampleRows(len(heldRows), maxCalibrate, d.opts.Seed^0x63616c)
	b, err := d.bindTable(t)
	if err != nil {
		return err
	}
	var raws [numDetectors][]float64
	for j := range raws {
		if d.active[j] {
			raws[j] = make([]float64, len(picked))
		}
	}
	s := d.getScratch()
	defer d.pool.Put(s)
	load := func(pos int) error {
		s.clearInput()
		if err := d.loadTableRow(b, heldRows[pos], s); err != nil {
			return err
		}
		// Fitting ignored the reference's infinite values (data errors, not
		// values a feature takes); calibration treats them as missing too,
		// so that they do not teach it that anything short of infinity is
		// ordinary.
		for slot, x := range s.x {
			if math.IsInf(x, 0) {
				s.x[slot] = math.NaN()
			}
		}
		return nil
	}
	if d.skewed {
		// The two Mahalanobis distances are calibrated first: the
		// detector's raw score is made of their p-values.
		var dists [2][]float64
		for _, pos := range picked {
			if err := load(pos); err != nil {
				return err
			}
			d.distances(s)
			dists[0] = append(dists[0], s.dist[0])
			dists[1] = append(dists[1], s.dist[1])
		}
		d.spaces = [2]calibration{newCalibration(dists[0], 1), newCalibration(dists[1], 1)}
	}
	for r, pos := range picked {
		if err := load(pos); err != nil {
			return err
		}
		d.rawScores(s)
		if d.skewed {
			// Each distance against the other held-out rows' (see
			// calibration.heldOut), as rawScores measures a new input's.
			s.raw[detMahalanobis] = max(d.spaces[0].heldOut(s.dist[0], 1), d.spaces[1].heldOut(s.dist[1], 1))
		}
		for j := range raws {
			if d.active[j] {
				raws[j][r] = s.raw[j]
			}
		}
	}
	stats := d.calibrateOn(raws, s)
	if c := d.opts.Contamination; c > 0 {
		// Trust the reference only below its top c by the combined
		// statistic: recalibrate on the remaining, normal-ish rows.
		order := make([]int, len(stats))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmpFloat(stats[a], stats[b]) })
		keep := order[:len(order)-int(c*float64(len(order)))]
		slices.Sort(keep)
		for j := range raws {
			if raws[j] != nil {
				kept := make([]float64, len(keep))
				for i, r := range keep {
					kept[i] = raws[j][r]
				}
				raws[j] = kept
			}
		}
		d.calibrateOn(raws, s)
	}
	return nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// calibrateOn builds the per-detector and final calibrations from held-out
// raw scores and returns the rows' combined statistics. Each row's p-values
// and statistic are those it would get as a new input against the other
// held-out rows (calibration.heldOut), so that the final calibration sees
// held-out statistics distributed as new inputs' are.
func (d *Detector) calibrateOn(raws [numDetectors][]float64, s *scratch) []float64 {
	units := [numDetectors]float64{detIsolation: 0.01, detMahalanobis: 1, detKNN: 0.1, detRange: 1, detCategory: 1}
	n := 0
	for j := range raws {
		if d.active[j] {
			d.calib[j] = newCalibration(slices.Clone(raws[j]), units[j])
			d.limits[j] = d.calib[j].limit(d.opts.FPR)
			n = len(raws[j])
		}
	}
	load := func(r int) {
		for j := range raws {
			if d.active[j] {
				s.surp[j] = d.calib[j].heldOut(raws[j][r], units[j])
				s.pvals[j] = math.Exp(-s.surp[j])
			}
		}
	}
	var fishers []float64
	if d.active[detMahalanobis] {
		fishers = make([]float64, n)
		for r := range fishers {
			load(r)
			fishers[r] = d.fisher(s)
		}
		d.joint = newCalibration(slices.Clone(fishers), 1)
	}
	stats := make([]float64, n)
	for r := range stats {
		load(r)
		var joint float64
		if fishers != nil {
			joint = d.joint.heldOut(fishers[r], 1)
		}
		stats[r] = d.statistic(s, joint)
	}
	d.final = newCalibration(slices.Clone(stats), 1)
	d.finalLimit = d.final.limit(d.opts.FPR)
	return stats
}

// Score scores one input given as features, the shape events carry. A
// feature the reference lacks is ignored and listed in Verdict.Unknown; a
// missing or null feature is scored with the reference median (numeric) or
// as absent (categorical) and reported as a missing_feature reason. NaN is
// treated as missing; ±Inf is beyond the range, and the multivariate
// detectors see it clamped to ±1e6 robust scales from the median. A value of
// the wrong type, or a feature given twice, is an error.
func (d *Detector) Score(row []event.Feature) (Verdict, error) {
	var v Verdict
	err := d.ScoreInto(row, &v)
	return v, err
}

// ScoreStrict is Score that also refuses inputs with missing, null,
// non-finite or unknown features.
func (d *Detector) ScoreStrict(row []event.Feature) (Verdict, error) {
	var v Verdict
	s := d.getScratch()
	defer d.pool.Put(s)
	reset(&v)
	if err := d.loadEvent(row, s, &v, true); err != nil {
		return Verdict{}, err
	}
	d.evaluate(s, &v)
	return v, nil
}

// ScoreInto is Score writing into v, reusing its slices and map: scoring
// allocates nothing once v has grown to fit, except the messages of
// reasons. Copy out what must outlive the next call.
func (d *Detector) ScoreInto(row []event.Feature, v *Verdict) error {
	s := d.getScratch()
	defer d.pool.Put(s)
	reset(v)
	if err := d.loadEvent(row, s, v, false); err != nil {
		reset(v)
		return err
	}
	d.evaluate(s, v)
	return nil
}

// ScoreTable scores every row of t, reusing out's memory, and returns the
// verdicts. Columns are matched by name; a column the reference lacks is
// listed in each verdict's Unknown, a missing one is a missing feature in
// every row. A column of the wrong type is an error.
func (d *Detector) ScoreTable(t *dataset.Table, out []Verdict) ([]Verdict, error) {
	if t == nil {
		return out[:0], fmt.Errorf("outlier: ScoreTable: nil table")
	}
	b, err := d.bindTable(t)
	if err != nil {
		return out[:0], err
	}
	if cap(out) < t.Rows {
		out = append(out[:cap(out)], make([]Verdict, t.Rows-cap(out))...)
	}
	out = out[:t.Rows]
	s := d.getScratch()
	defer d.pool.Put(s)
	unknown := b.unknown[:len(b.unknown):len(b.unknown)]
	for i := range out {
		v := &out[i]
		reset(v)
		s.clearInput()
		if err := d.loadTableRow(b, i, s); err != nil {
			return out[:i], err
		}
		if len(unknown) > 0 {
			v.Unknown = unknown
		}
		d.evaluate(s, v)
	}
	return out, nil
}

func reset(v *Verdict) {
	scores := v.Scores
	clear(scores)
	*v = Verdict{Scores: scores, Reasons: v.Reasons[:0], Top: v.Top[:0], Unknown: v.Unknown[:0]}
}

// evaluate scores the loaded input and fills v.
func (d *Detector) evaluate(s *scratch, v *Verdict) {
	d.rawScores(s)
	stat := d.combine(s)
	p := d.final.pvalue(stat)
	fpr := d.opts.FPR
	v.Anomaly = p < fpr
	v.Score = 1 - p
	if d.active[detIsolation] {
		v.Isolation = s.raw[detIsolation]
	}
	if v.Scores == nil {
		v.Scores = make(map[string]float64, numDetectors)
	}
	for j := range numDetectors {
		if d.active[j] {
			v.Scores[detectorNames[j]] = 1 - s.pvals[j]
		}
	}
	d.ruleReasons(s, v)
	if !v.Anomaly {
		return
	}
	own := alert.Low
	if p < fpr/10 {
		own = alert.Medium
	}
	v.Severity = own
	if d.active[detIsolation] {
		v.Severity = d.opts.Severity.Severity(v.Isolation, own)
	}
	d.detectorReasons(s, v)
	d.top(s, v)
}

// ruleReasons reports range, category and missing-value findings.
func (d *Detector) ruleReasons(s *scratch, v *Verdict) {
	for _, f := range d.features {
		switch f.kind {
		case kindNumeric, kindBoolean:
			m := &d.numeric[f.slot]
			x := s.x[f.slot]
			switch {
			case math.IsNaN(x):
				v.Reasons = append(v.Reasons, Reason{Feature: f.name, Kind: ReasonMissing, Value: m.median,
					Message: fmt.Sprintf("%s is missing; scored with the reference median %.6g", f.name, m.median)})
			case x > m.hi:
				value, limit := apart(x, m.hi, 'g', 6)
				v.Reasons = append(v.Reasons, Reason{Feature: f.name, Kind: ReasonAboveRange, Value: finite(x), Limit: m.hi,
					Message: fmt.Sprintf("%s = %s is above the reference range (limit %s)", f.name, value, limit)})
			case x < m.lo:
				value, limit := apart(x, m.lo, 'g', 6)
				v.Reasons = append(v.Reasons, Reason{Feature: f.name, Kind: ReasonBelowRange, Value: finite(x), Limit: m.lo,
					Message: fmt.Sprintf("%s = %s is below the reference range (limit %s)", f.name, value, limit)})
			}
		case kindCategorical:
			share := s.share[f.slot]
			switch {
			case share < 0:
				v.Reasons = append(v.Reasons, Reason{Feature: f.name, Kind: ReasonMissing,
					Message: fmt.Sprintf("%s is missing", f.name)})
			case share == 0:
				v.Reasons = append(v.Reasons, Reason{Feature: f.name, Kind: ReasonUnseenCategory, Limit: d.opts.MinCategoryShare,
					Category: s.catValue[f.slot],
					Message:  fmt.Sprintf("%s = %q was never seen in the reference", f.name, s.catValue[f.slot])})
			case share < d.opts.MinCategoryShare:
				value, limit := apart(100*share, 100*d.opts.MinCategoryShare, 'g', 3)
				v.Reasons = append(v.Reasons, Reason{Feature: f.name, Kind: ReasonRareCategory, Value: share, Limit: d.opts.MinCategoryShare,
					Category: s.catValue[f.slot],
					Message: fmt.Sprintf("%s = %q is rare in the reference (%s%% of rows, limit %s%%)",
						f.name, s.catValue[f.slot], value, limit)})
			}
		}
	}
}

// apart formats a value and the limit it is compared with, in format 'f'
// or 'g' with prec digits, or more when prec would print two different
// numbers alike: "-3.25468 is below the range (limit -3.25468)" says
// nothing.
func apart(value, limit float64, format byte, prec int) (string, string) {
	for ; prec <= 17; prec++ {
		v, l := strconv.FormatFloat(value, format, prec, 64), strconv.FormatFloat(limit, format, prec, 64)
		if v != l || value == limit {
			return v, l
		}
	}
	// Only 'f' can get here, for numbers too small for 17 decimals.
	return strconv.FormatFloat(value, 'g', -1, 64), strconv.FormatFloat(limit, 'g', -1, 64)
}

func finite(x float64) float64 {
	return max(min(x, math.MaxFloat64), -math.MaxFloat64)
}

var detectorReasonKinds = [...]string{detIsolation: ReasonIsolation, detMahalanobis: ReasonMahalanobis, detKNN: ReasonKNN}

// detectorReasons names the multivariate detectors that alone would flag the
// input; when none would, the one closest to doing so, unless a rule-based
// reason already explains the verdict.
func (d *Detector) detectorReasons(s *scratch, v *Verdict) {
	if !d.active[detIsolation] {
		return
	}
	before := len(v.Reasons)
	best := detIsolation
	for j := range detectorReasonKinds {
		if s.pvals[j] < s.pvals[best] {
			best = j
		}
		if s.pvals[j] < d.opts.FPR {
			v.Reasons = append(v.Reasons, d.detectorReason(s, j))
		}
	}
	if len(v.Reasons) == before && before == 0 {
		v.Reasons = append(v.Reasons, d.detectorReason(s, best))
	}
}

func (d *Detector) detectorReason(s *scratch, j int) Reason {
	raw := s.raw[j]
	r := Reason{Kind: detectorReasonKinds[j], Value: raw, Limit: d.limits[j]}
	switch j {
	case detIsolation:
		value, limit := apart(raw, r.Limit, 'f', 3)
		r.Message = fmt.Sprintf("isolation score %s (limit %s at the false-positive rate)", value, limit)
	case detMahalanobis:
		value, limit := apart(raw, r.Limit, 'g', 4)
		r.Message = fmt.Sprintf("robust squared Mahalanobis distance %s (limit %s)", value, limit)
		if d.skewed {
			value, limit := apart(raw, r.Limit, 'g', 3)
			r.Message = fmt.Sprintf("robust squared Mahalanobis distance %.4g, %.4g with skewed features symmetrised (surprise -ln p %s, limit %s)",
				s.dist[0], s.dist[1], value, limit)
		}
	case detKNN:
		value, limit := apart(raw, r.Limit, 'g', 4)
		r.Message = fmt.Sprintf("mean distance to the %d nearest reference rows %s robust units (limit %s)", d.knn.k, value, limit)
	}
	return r
}

// top lists the features that contribute most to the isolation and the
// Mahalanobis distance: the mean of each detector's normalised shares.
func (d *Detector) top(s *scratch, v *Verdict) {
	dim := len(d.multi)
	if dim == 0 {
		return
	}
	d.forest.Contributions(s.z, s.fc)
	if d.skewed && d.spaces[1].surprise(s.dist[1]) > d.spaces[0].surprise(s.dist[0]) {
		d.sym.contributions(s.w, s.white, s.mc)
	} else {
		d.maha.contributions(s.z, s.white, s.mc)
	}
	normalise(s.fc)
	normalise(s.mc)
	for j := range dim {
		s.fc[j] = (s.fc[j] + s.mc[j]) / 2
	}
	for range min(topFeatures, dim) {
		best := -1
		for j, share := range s.fc {
			if share > 0 && (best < 0 || share > s.fc[best]) {
				best = j
			}
		}
		if best < 0 {
			break
		}
		v.Top = append(v.Top, Contribution{Feature: d.numName[d.multi[best]], Share: s.fc[best]})
		s.fc[best] = 0
	}
}

// normalise scales non-negative shares to sum to 1 (all zero when they do
// not sum to a positive finite number, as when the forest reports NaN).
func normalise(x []float64) {
	var sum float64
	for _, v := range x {
		sum += v
	}
	if !(sum > 0) || math.IsInf(sum, 0) {
		clear(x)
		return
	}
	for i := range x {
		x[i] /= sum
	}
}
