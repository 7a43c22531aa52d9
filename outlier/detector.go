package outlier

import (
	"errors"
	"fmt"
	"github.com/warden-ml/warden/internal/count"
	"math"
	"slices"
	"sync"

	"github.com/warden-ml/warden/dataset"
	"github.com/warden-ml/warden/outlier/iforest"
)

// The detectors whose calibrated scores are combined, in a fixed order.
const (
	detIsolation = iota
	detMahalanobis
	detKNN
	detRange
	detCategory
	numDetectors
)

// detectorNames are the keys of Verdict.Scores and the reason kinds of the
// multivariate detectors.
var detectorNames = [numDetectors]string{"isolation", "mahalanobis", "knn", "range", "category"}

// featureKind is how a feature is checked.
type featureKind uint8

const (
	kindNumeric featureKind = iota
	kindBoolean
	kindCategorical
)

func (k featureKind) String() string {
	switch k {
	case kindNumeric:
		return "numeric"
	case kindBoolean:
		return "boolean"
	default:
		return "categorical"
	}
}

// kindOf is how a column of type t is checked; false for types that are not
// checked (datetime, text).
func kindOf(t dataset.Type) (featureKind, bool) {
	switch t {
	case dataset.Numeric:
		return kindNumeric, true
	case dataset.Boolean:
		return kindBoolean, true
	case dataset.Categorical:
		return kindCategorical, true
	}
	return 0, false
}

// Candidates lists the columns of t that Fit may keep as features with
// exclude: the numeric, boolean and categorical ones not excluded. Fit drops
// those without a value among its fitting rows.
func Candidates(t *dataset.Table, exclude []string) []FeatureInfo {
	var out []FeatureInfo
	for _, c := range t.Columns {
		if kind, ok := kindOf(c.Type); ok && !slices.Contains(exclude, c.Name) {
			out = append(out, FeatureInfo{Name: c.Name, Kind: kind.String()})
		}
	}
	return out
}

type feature struct {
	name string
	kind featureKind
	slot int // index into numeric or categorical state
}

type category struct {
	levels map[string]int32
	names  []string
	share  []float64
}

// Fitting limits that bound the cost of Fit on large references.
const (
	minRows       = 40
	minSplitRows  = 20
	maxCalibrate  = 20000 // held-out rows scored for calibration
	maxCovariance = 20000 // rows the robust covariance is estimated from
	// clampScaled bounds robustly scaled values so that huge or infinite
	// inputs cannot overflow distances.
	clampScaled = 1e6
	topFeatures = 3
	// knnBudget bounds the values one neighbour search may read, which keeps
	// its worst case within the latency budget (about 1 ns a value).
	knnBudget          = 8192
	minNeighbourSample = 128
	minShrinkage       = 0.05
)

// Detector scores single inputs against a reference. It is safe for
// concurrent use once fitted or unmarshalled.
type Detector struct {
	opts     Options
	features []feature
	index    map[string]int // feature name -> index in features
	excluded map[string]bool

	numeric []marginal // per numeric or boolean feature
	numName []string
	multi   []int // numeric slots with spread, the multivariate detectors' columns
	cats    []category
	catName []string

	active [numDetectors]bool
	forest *iforest.Forest
	maha   mahalanobis
	// With skewed features (skewed) the Mahalanobis detector also measures
	// the distance with them symmetrised (sym); its raw score is then the
	// larger surprise, -ln p, of the two distances under their own held-out
	// calibrations (spaces), and without them the squared distance itself.
	skewed bool
	sym    mahalanobis
	spaces [2]calibration
	knn    knnIndex

	calib  [numDetectors]calibration
	limits [numDetectors]float64 // raw score at p = FPR, for reasons
	joint  calibration           // Fisher's statistic of the multivariate detectors
	final  calibration
	// finalLimit is the combined statistic at p = FPR.
	finalLimit float64

	pool sync.Pool // *scratch
}

// FeatureInfo describes a feature the detector checks.
type FeatureInfo struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // numeric, boolean or categorical
}

// Features lists the features the detector checks, in reference column order.
func (d *Detector) Features() []FeatureInfo {
	out := make([]FeatureInfo, len(d.features))
	for i, f := range d.features {
		out[i] = FeatureInfo{Name: f.name, Kind: f.kind.String()}
	}
	return out
}

// Options returns the options the detector was fitted with, defaults filled in.
func (d *Detector) Options() Options {
	o := d.opts
	o.Exclude = slices.Clone(o.Exclude)
	return o
}

// Fit learns a detector from reference rows.
//
// Rows are split deterministically (by Seed): a Holdout share calibrates the
// scores and the rest fits the detectors, so that calibration sees scores of
// rows the detectors never saw, as production inputs will be. Numeric and
// boolean columns feed the range checks and, when they vary, the isolation
// forest, the robust Mahalanobis distance and the k-nearest-neighbour
// distance on robustly scaled values; categorical columns feed the category
// checks. Date-time, text and all-missing columns are ignored, as are the
// columns named in Exclude.
func Fit(reference *dataset.Table, opts Options) (*Detector, error) {
	if reference == nil {
		return nil, errors.New("outlier detector: no reference table")
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	opts.Exclude = slices.Clone(opts.Exclude)
	d := &Detector{opts: opts, index: map[string]int{}, excluded: map[string]bool{}}
	for _, name := range opts.Exclude {
		if reference.Column(name) == nil {
			return nil, fmt.Errorf("excluded column %q is not in %s", name, reference.Source)
		}
		d.excluded[name] = true
	}
	n := reference.Rows
	if n < minRows {
		return nil, fmt.Errorf("%s has %s; an outlier detector needs at least %d", reference.Source, count.Plural(n, "row", "rows"), minRows)
	}

	// Split rows: a row is held out when its hash falls below the share.
	holdout := make([]bool, n)
	var fitRows, heldRows []int
	cut := uint64(opts.Holdout * (1 << 63) * 2)
	for i := range n {
		holdout[i] = splitmix64(opts.Seed^splitmix64(uint64(i))) < cut
		if holdout[i] {
			heldRows = append(heldRows, i)
		} else {
			fitRows = append(fitRows, i)
		}
	}
	if len(fitRows) < minSplitRows || len(heldRows) < minSplitRows {
		return nil, fmt.Errorf("outlier detector: %s: %d rows split into %d to fit and %d to calibrate; need %d of each (more rows or another Holdout)",
			reference.Source, n, len(fitRows), len(heldRows), minSplitRows)
	}

	if err := d.learn(reference, fitRows); err != nil {
		return nil, err
	}
	if err := d.calibrate(reference, heldRows); err != nil {
		return nil, err
	}
	return d, nil
}

// learn fits the marginals, the category shares and the multivariate
// detectors on the fitting rows of the reference.
func (d *Detector) learn(reference *dataset.Table, fitRows []int) error {
	for _, c := range reference.Columns {
		if d.excluded[c.Name] {
			continue
		}
		kind, ok := kindOf(c.Type)
		if !ok {
			d.excluded[c.Name] = true // date-times and free text are not checked
			continue
		}
		switch kind {
		case kindNumeric, kindBoolean:
			values := make([]float64, 0, len(fitRows))
			for _, i := range fitRows {
				if v := c.Floats[i]; !math.IsNaN(v) && !math.IsInf(v, 0) {
					values = append(values, v)
				}
			}
			if len(values) == 0 {
				d.excluded[c.Name] = true // nothing to learn from
				continue
			}
			d.addFeature(c.Name, kind, len(d.numeric))
			m := fitMarginal(values, d.opts.RangeMargin) // sorts values
			if kind == kindNumeric {
				m.shape = fitSymmetriser(values, m.median, m.scale)
			}
			d.numeric = append(d.numeric, m)
			d.numName = append(d.numName, c.Name)
		case kindCategorical:
			counts := make([]int, len(c.Levels))
			total := 0
			for _, i := range fitRows {
				if code := c.Codes[i]; code >= 0 {
					counts[code]++
					total++
				}
			}
			if total == 0 {
				d.excluded[c.Name] = true
				continue
			}
			cat := category{levels: map[string]int32{}}
			for code, cnt := range counts {
				if cnt == 0 {
					continue
				}
				cat.levels[c.Levels[code]] = int32(len(cat.names))
				cat.names = append(cat.names, c.Levels[code])
				cat.share = append(cat.share, float64(cnt)/float64(total))
			}
			d.addFeature(c.Name, kindCategorical, len(d.cats))
			d.cats = append(d.cats, cat)
			d.catName = append(d.catName, c.Name)
		}
	}
	if len(d.features) == 0 {
		return fmt.Errorf("%s has no numeric, boolean or categorical column for an outlier detector to learn from", reference.Source)
	}
	for slot, m := range d.numeric {
		if m.scale > 0 {
			d.multi = append(d.multi, slot)
		}
	}

	if err := d.fitMultivariate(reference, fitRows); err != nil {
		return err
	}
	d.active[detRange] = len(d.numeric) > 0
	d.active[detCategory] = len(d.cats) > 0
	d.initPool()
	return nil
}

func (d *Detector) addFeature(name string, kind featureKind, slot int) {
	d.index[name] = len(d.features)
	d.features = append(d.features, feature{name: name, kind: kind, slot: slot})
}

// scaledMatrix returns the rows' robustly scaled multivariate features,
// missing and infinite values imputed with the median.
func (d *Detector) scaledMatrix(t *dataset.Table, rows []int) []float64 {
	dim := len(d.multi)
	z := make([]float64, len(rows)*dim)
	for j, slot := range d.multi {
		col := t.Column(d.numName[slot]).Floats
		m := d.numeric[slot]
		for r, i := range rows {
			v := col[i]
			if math.IsInf(v, 0) {
				v = math.NaN() // ignored, as by the marginals
			}
			z[r*dim+j] = m.scaled(v)
		}
	}
	return z
}

// symmetrise writes the robustly scaled multivariate features z, with the
// skewed ones symmetrised, into w (which may be z).
func (d *Detector) symmetrise(z, w []float64) {
	for j, slot := range d.multi {
		w[j] = d.numeric[slot].shape.apply(z[j])
	}
}

// scaled maps a raw value into robust units; NaN (missing) becomes the median.
func (m *marginal) scaled(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return min(max((v-m.median)/m.scale, -clampScaled), clampScaled)
}

func (d *Detector) fitMultivariate(t *dataset.Table, fitRows []int) error {
	dim := len(d.multi)
	if dim == 0 {
		return nil
	}
	seed := d.opts.Seed
	z := d.scaledMatrix(t, fitRows)
	fo := d.opts.Forest
	fo.Seed = splitmix64(seed ^ 0x6966_6f72_6573_74) // "iforest"
	forest, err := iforest.Fit(iforest.Matrix{Rows: len(fitRows), Cols: dim, Data: z}, fo)
	if err != nil {
		return fmt.Errorf("outlier detector: isolation forest: %w", err)
	}
	d.forest = forest

	// The covariance and the neighbour sample use the rows with the smallest
	// hashes: a uniform sample that does not depend on row order.
	covRows := sampleRows(len(fitRows), maxCovariance, seed^0x636f76)
	zc := gather(z, dim, covRows)
	shrink := d.opts.Shrinkage
	if shrink == 0 {
		// The trimmed estimate uses about three quarters of the rows.
		shrink = max(minShrinkage, float64(dim)/float64(dim+len(covRows)*3/4))
	}
	maha, err := fitMahalanobis(zc, len(covRows), dim, shrink)
	if err != nil {
		return fmt.Errorf("outlier detector: robust covariance: %w", err)
	}
	d.maha = maha
	for _, slot := range d.multi {
		d.skewed = d.skewed || d.numeric[slot].shape.sign != 0
	}
	if d.skewed {
		for r := range covRows {
			row := zc[r*dim : (r+1)*dim]
			d.symmetrise(row, row)
		}
		if d.sym, err = fitMahalanobis(zc, len(covRows), dim, shrink); err != nil {
			return fmt.Errorf("outlier detector: robust covariance of the symmetrised features: %w", err)
		}
	}
	knnRows := sampleRows(len(fitRows), neighbourSample(d.opts, dim), seed^0x6b6e6e)
	d.knn = newKNNIndex(gather(z, dim, knnRows), dim, d.opts.Neighbours)
	d.active[detIsolation] = true
	d.active[detMahalanobis] = true
	d.active[detKNN] = true
	return nil
}

// neighbourSample is the size of the neighbour sample: NeighbourSample,
// lowered with many features so that a search that has to visit every row
// still reads at most knnBudget values, but never below minNeighbourSample
// rows (or NeighbourSample when that is smaller).
func neighbourSample(o Options, dim int) int {
	return min(o.NeighbourSample, max(knnBudget/dim, minNeighbourSample))
}

// sampleRows picks up to k of n row positions, those with the smallest
// seeded hashes, in ascending position order.
func sampleRows(n, k int, seed uint64) []int {
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
	}
	if n <= k {
		return rows
	}
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = splitmix64(seed ^ splitmix64(uint64(i)))
	}
	slices.SortFunc(rows, func(a, b int) int {
		switch {
		case keys[a] < keys[b]:
			return -1
		case keys[a] > keys[b]:
			return 1
		}
		return a - b
	})
	rows = rows[:k]
	slices.Sort(rows)
	return rows
}

func gather(z []float64, dim int, rows []int) []float64 {
	out := make([]float64, len(rows)*dim)
	for r, i := range rows {
		copy(out[r*dim:(r+1)*dim], z[i*dim:(i+1)*dim])
	}
	return out
}
