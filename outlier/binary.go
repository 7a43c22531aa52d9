package outlier

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"sync"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/outlier/iforest"
)

// Binary format, version 3, little-endian. Strings and byte blocks are a
// uint32 length and the bytes; float lists a uint32 count and float64s.
//
//	magic "WOUT", version uint16
//	options: FPR, Contamination, Holdout float64; Seed uint64; Trees, SampleSize, Workers uint32;
//	    Extended byte; ExtensionLevel, Neighbours, NeighbourSample uint32;
//	    Shrinkage, RangeMargin, MinCategoryShare, Severity.Warning, Severity.Critical float64;
//	    Exclude: count uint32, strings
//	excluded columns: count uint32, strings
//	features: count uint32, per feature: name, kind byte, slot uint32
//	numeric marginals: count uint32, per slot: median, scale, lo, hi float64, fit values uint32,
//	    excesses above and below the range: each a float list and a tail scale float64;
//	    the Mahalanobis space's transform: sign, shift, knee, scale float64 (all 0: none)
//	categories: count uint32, per slot: levels uint32, per level: name, share float64
//	multivariate slots: count uint32, slots uint32
//	when there are multivariate slots: forest block; Mahalanobis centre and whitening
//	    float lists; neighbours k uint32, points float list, nodes: count uint32, per node:
//	    value float64, split int32, left, lo, hi uint32; skewed byte; when skewed: the
//	    symmetrised Mahalanobis centre and whitening float lists, then the held-out
//	    distances in both spaces, each a float list and a tail scale
//	per detector (isolation, mahalanobis, knn, range, category): active byte; when active:
//	    held-out scores float list, tail scale, limit float64
//	with the multivariate detectors: their held-out Fisher statistics float list, tail scale
//	combined: held-out statistics float list, tail scale, limit float64
//	CRC-32C of all the above
const (
	binaryMagic   = "WOUT"
	binaryVersion = 3
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// IsEncoded reports whether data begins as MarshalBinary's output does, of
// any version: enough to tell a saved detector from other files, not to
// promise that it decodes.
func IsEncoded(data []byte) bool {
	return len(data) >= len(binaryMagic) && string(data[:len(binaryMagic)]) == binaryMagic
}

// Detectors lists the detectors the fit kept, in the order of Verdict.Scores
// in the documentation: isolation, mahalanobis and knn when some numeric
// feature varies, range with numeric or boolean features, category with
// categorical ones.
func (d *Detector) Detectors() []string {
	var out []string
	for j, on := range d.active {
		if on {
			out = append(out, detectorNames[j])
		}
	}
	return out
}

type writer struct{ b []byte }

func (w *writer) u8(v byte)      { w.b = append(w.b, v) }
func (w *writer) u32(v int)      { w.b = binary.LittleEndian.AppendUint32(w.b, uint32(v)) }
func (w *writer) u64(v uint64)   { w.b = binary.LittleEndian.AppendUint64(w.b, v) }
func (w *writer) f64(v float64)  { w.u64(math.Float64bits(v)) }
func (w *writer) str(s string)   { w.u32(len(s)); w.b = append(w.b, s...) }
func (w *writer) bytes(p []byte) { w.u32(len(p)); w.b = append(w.b, p...) }
func (w *writer) floats(x []float64) {
	w.u32(len(x))
	for _, v := range x {
		w.f64(v)
	}
}
func (w *writer) flag(v bool) {
	if v {
		w.u8(1)
	} else {
		w.u8(0)
	}
}

// MarshalBinary encodes the fitted detector in a versioned binary format
// that UnmarshalBinary reads; it holds no reference rows beyond the
// neighbour sample and the held-out scores.
func (d *Detector) MarshalBinary() ([]byte, error) {
	if d == nil || len(d.features) == 0 {
		return nil, errors.New("outlier: MarshalBinary: detector is not fitted")
	}
	w := &writer{}
	w.b = append(w.b, binaryMagic...)
	w.b = binary.LittleEndian.AppendUint16(w.b, binaryVersion)
	o := d.opts
	w.f64(o.FPR)
	w.f64(o.Contamination)
	w.f64(o.Holdout)
	w.u64(o.Seed)
	w.u32(o.Forest.Trees)
	w.u32(o.Forest.SampleSize)
	w.u32(o.Forest.Workers)
	w.flag(o.Forest.Extended)
	w.u32(o.Forest.ExtensionLevel)
	w.u32(o.Neighbours)
	w.u32(o.NeighbourSample)
	w.f64(o.Shrinkage)
	w.f64(o.RangeMargin)
	w.f64(o.MinCategoryShare)
	w.f64(o.Severity.Warning)
	w.f64(o.Severity.Critical)
	w.u32(len(o.Exclude))
	for _, s := range o.Exclude {
		w.str(s)
	}
	excluded := make([]string, 0, len(d.excluded))
	for name := range d.excluded {
		excluded = append(excluded, name)
	}
	slices.Sort(excluded)
	w.u32(len(excluded))
	for _, s := range excluded {
		w.str(s)
	}
	w.u32(len(d.features))
	for _, f := range d.features {
		w.str(f.name)
		w.u8(byte(f.kind))
		w.u32(f.slot)
	}
	w.u32(len(d.numeric))
	for _, m := range d.numeric {
		w.f64(m.median)
		w.f64(m.scale)
		w.f64(m.lo)
		w.f64(m.hi)
		w.u32(m.count)
		for _, t := range [...]tail{m.above, m.below} {
			w.floats(t.excess)
			w.f64(t.scale)
		}
		w.f64(m.shape.sign)
		w.f64(m.shape.b)
		w.f64(m.shape.knee)
		w.f64(m.shape.scale)
	}
	w.u32(len(d.cats))
	for _, c := range d.cats {
		w.u32(len(c.names))
		for i, name := range c.names {
			w.str(name)
			w.f64(c.share[i])
		}
	}
	w.u32(len(d.multi))
	for _, slot := range d.multi {
		w.u32(slot)
	}
	if len(d.multi) > 0 {
		forest, err := d.forest.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("outlier: MarshalBinary: %w", err)
		}
		w.bytes(forest)
		w.floats(d.maha.center)
		w.floats(d.maha.whiten)
		w.u32(d.knn.k)
		w.floats(d.knn.points)
		w.u32(len(d.knn.nodes))
		for _, n := range d.knn.nodes {
			w.f64(n.value)
			w.u32(int(n.split))
			w.u32(int(n.left))
			w.u32(int(n.lo))
			w.u32(int(n.hi))
		}
		w.flag(d.skewed)
		if d.skewed {
			w.floats(d.sym.center)
			w.floats(d.sym.whiten)
			for _, c := range d.spaces {
				w.floats(c.sorted)
				w.f64(c.scale)
			}
		}
	}
	for j := range numDetectors {
		w.flag(d.active[j])
		if d.active[j] {
			w.floats(d.calib[j].sorted)
			w.f64(d.calib[j].scale)
			w.f64(d.limits[j])
		}
	}
	if d.active[detMahalanobis] {
		w.floats(d.joint.sorted)
		w.f64(d.joint.scale)
	}
	w.floats(d.final.sorted)
	w.f64(d.final.scale)
	w.f64(d.finalLimit)
	w.b = binary.LittleEndian.AppendUint32(w.b, crc32.Checksum(w.b, castagnoli))
	return w.b, nil
}

// reader decodes with bounds checks; the first problem sticks.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("not a valid detector: byte %d: %s", r.off, fmt.Sprintf(format, args...))
	}
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.fail("truncated (want %d more bytes, %d left)", n, len(r.b)-r.off)
		return nil
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

func (r *reader) u8() byte {
	if p := r.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (r *reader) u32() int {
	if p := r.take(4); p != nil {
		return int(binary.LittleEndian.Uint32(p))
	}
	return 0
}

func (r *reader) u64() uint64 {
	if p := r.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

func (r *reader) f64() float64 { return math.Float64frombits(r.u64()) }

// count reads a length of items of at least size bytes each, refusing one
// the remaining input cannot hold.
func (r *reader) count(size int, what string) int {
	n := r.u32()
	if r.err == nil && n > (len(r.b)-r.off)/size {
		r.fail("%s count %d exceeds the remaining input", what, n)
		return 0
	}
	return n
}

func (r *reader) str(what string) string { return string(r.take(r.count(1, what))) }

func (r *reader) flag() bool {
	switch v := r.u8(); v {
	case 0:
		return false
	case 1:
		return true
	default:
		r.fail("flag byte %d is neither 0 nor 1", v)
		return false
	}
}

func (r *reader) floats(what string) []float64 {
	n := r.count(8, what)
	if r.err != nil {
		return nil
	}
	x := make([]float64, n)
	for i := range x {
		x[i] = r.f64()
	}
	return x
}

// UnmarshalBinary replaces d with a detector encoded by MarshalBinary,
// checking every count, index and value so that corrupt input is an error
// and never a panic.
func (d *Detector) UnmarshalBinary(data []byte) error {
	nd, err := decodeDetector(data)
	if err != nil {
		return err
	}
	d.opts, d.features, d.index, d.excluded = nd.opts, nd.features, nd.index, nd.excluded
	d.numeric, d.numName, d.multi, d.cats, d.catName = nd.numeric, nd.numName, nd.multi, nd.cats, nd.catName
	d.active, d.forest, d.maha, d.knn = nd.active, nd.forest, nd.maha, nd.knn
	d.skewed, d.sym, d.spaces = nd.skewed, nd.sym, nd.spaces
	d.calib, d.limits, d.joint, d.final, d.finalLimit = nd.calib, nd.limits, nd.joint, nd.final, nd.finalLimit
	d.pool = sync.Pool{}
	d.initPool()
	return nil
}

func decodeDetector(data []byte) (*Detector, error) {
	const head = len(binaryMagic) + 2
	if len(data) < head+4 || string(data[:len(binaryMagic)]) != binaryMagic {
		return nil, errors.New("not an encoded outlier detector")
	}
	if v := binary.LittleEndian.Uint16(data[len(binaryMagic):]); v != binaryVersion {
		return nil, fmt.Errorf("not a valid detector: format version %d; this build reads version %d", v, binaryVersion)
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return nil, errors.New("not a valid detector: checksum mismatch (the data is damaged)")
	}
	r := &reader{b: body, off: head}
	d := &Detector{index: map[string]int{}, excluded: map[string]bool{}}
	o := &d.opts
	o.FPR = r.f64()
	o.Contamination = r.f64()
	o.Holdout = r.f64()
	o.Seed = r.u64()
	o.Forest = iforest.Options{Trees: r.u32(), SampleSize: r.u32(), Workers: r.u32(), Extended: r.flag(), ExtensionLevel: r.u32()}
	o.Neighbours = r.u32()
	o.NeighbourSample = r.u32()
	o.Shrinkage = r.f64()
	o.RangeMargin = r.f64()
	o.MinCategoryShare = r.f64()
	o.Severity = alert.Thresholds{Warning: r.f64(), Critical: r.f64()}
	for range r.count(4, "exclude") {
		o.Exclude = append(o.Exclude, r.str("exclude name"))
	}
	for range r.count(4, "excluded column") {
		d.excluded[r.str("excluded name")] = true
	}
	if r.err != nil {
		return nil, r.err
	}
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("not a valid detector: %w", err)
	}
	nf := r.count(9, "feature")
	for range nf {
		name := r.str("feature name")
		kind := featureKind(r.u8())
		slot := r.u32()
		if r.err != nil {
			return nil, r.err
		}
		if kind > kindCategorical {
			return nil, fmt.Errorf("not a valid detector: feature %q: unknown kind %d", name, kind)
		}
		if _, dup := d.index[name]; dup || d.excluded[name] {
			return nil, fmt.Errorf("not a valid detector: feature %q given twice", name)
		}
		d.addFeature(name, kind, slot)
	}
	nn := r.count(92, "numeric feature")
	for range nn {
		m := marginal{median: r.f64(), scale: r.f64(), lo: r.f64(), hi: r.f64(), count: r.u32()}
		m.above, m.below = r.tail(), r.tail()
		m.shape = symmetriser{sign: r.f64(), b: r.f64(), knee: r.f64(), scale: r.f64()}
		d.numeric = append(d.numeric, m)
	}
	nc := r.count(4, "categorical feature")
	for range nc {
		cat := category{levels: map[string]int32{}}
		for range r.count(12, "category level") {
			name, share := r.str("level"), r.f64()
			if _, dup := cat.levels[name]; dup {
				r.fail("category level %q given twice", name)
			}
			if !(share > 0 && share <= 1) {
				r.fail("category level %q has share %v", name, share)
			}
			cat.levels[name] = int32(len(cat.names))
			cat.names = append(cat.names, name)
			cat.share = append(cat.share, share)
		}
		if len(cat.names) == 0 {
			r.fail("categorical feature without levels")
		}
		d.cats = append(d.cats, cat)
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(d.features) == 0 || len(d.features) != len(d.numeric)+len(d.cats) {
		return nil, fmt.Errorf("not a valid detector: %d features for %d numeric and %d categorical slots", len(d.features), len(d.numeric), len(d.cats))
	}
	d.numName = make([]string, len(d.numeric))
	d.catName = make([]string, len(d.cats))
	seenNum, seenCat := make([]bool, len(d.numeric)), make([]bool, len(d.cats))
	for _, f := range d.features {
		names, seen := d.numName, seenNum
		if f.kind == kindCategorical {
			names, seen = d.catName, seenCat
		}
		if f.slot < 0 || f.slot >= len(names) || seen[f.slot] {
			return nil, fmt.Errorf("not a valid detector: feature %q has a bad slot %d", f.name, f.slot)
		}
		seen[f.slot] = true
		names[f.slot] = f.name
	}
	for slot, m := range d.numeric {
		if !finite4(m.median, m.scale, m.lo, m.hi) || m.scale < 0 || m.lo > m.hi || m.count < 1 ||
			len(m.above.excess) > m.count || len(m.below.excess) > m.count || !m.shape.valid() {
			return nil, fmt.Errorf("not a valid detector: feature %q has invalid statistics", d.numName[slot])
		}
	}
	inMulti := make([]bool, len(d.numeric))
	for range r.count(4, "multivariate slot") {
		slot := r.u32()
		if r.err == nil && (slot >= len(d.numeric) || inMulti[slot] || d.numeric[slot].scale == 0) {
			r.fail("bad multivariate slot %d", slot)
		}
		if r.err == nil {
			inMulti[slot] = true
			d.multi = append(d.multi, slot)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if dim := len(d.multi); dim > 0 {
		if err := d.decodeMultivariate(r, dim); err != nil {
			return nil, err
		}
	}
	for j := range numDetectors {
		d.active[j] = r.flag()
		if d.active[j] {
			d.calib[j] = r.calibration(detectorNames[j])
			d.limits[j] = r.f64()
		}
	}
	if d.active[detMahalanobis] {
		d.joint = r.calibration("multivariate")
	}
	d.final = r.calibration("combined")
	d.finalLimit = r.f64()
	if r.err != nil {
		return nil, r.err
	}
	if r.off != len(body) {
		return nil, fmt.Errorf("not a valid detector: %d bytes left over", len(body)-r.off)
	}
	multi := len(d.multi) > 0
	want := [numDetectors]bool{multi, multi, multi, len(d.numeric) > 0, len(d.cats) > 0}
	if d.active != want {
		return nil, errors.New("not a valid detector: active detectors do not match the features")
	}
	d.initPool()
	return d, nil
}

func finite4(a, b, c, e float64) bool {
	for _, v := range [...]float64{a, b, c, e} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func (d *Detector) decodeMultivariate(r *reader, dim int) error {
	block := r.take(r.count(1, "forest"))
	if r.err != nil {
		return r.err
	}
	d.forest = &iforest.Forest{}
	if err := d.forest.UnmarshalBinary(block); err != nil {
		return fmt.Errorf("not a valid detector: %w", err)
	}
	// The forest scores NaN for a row of the wrong width.
	if math.IsNaN(d.forest.Score(make([]float64, dim))) {
		return fmt.Errorf("not a valid detector: forest does not fit %d features", dim)
	}
	d.maha = r.mahalanobis(dim)
	k := r.u32()
	points := r.floats("neighbour points")
	if r.err != nil {
		return r.err
	}
	n := len(points) / dim
	if k < 1 || n < k || len(points) != n*dim || !allFinite(points) {
		return errors.New("not a valid detector: neighbour sample is malformed")
	}
	nodes := make([]kdNode, r.count(24, "tree node"))
	for i := range nodes {
		nodes[i] = kdNode{value: r.f64(), split: int32(r.u32()), left: int32(r.u32()), lo: int32(r.u32()), hi: int32(r.u32())}
	}
	if r.err != nil {
		return r.err
	}
	if err := checkTree(nodes, n, dim); err != nil {
		return err
	}
	d.knn = knnIndex{k: k, dim: dim, points: points, nodes: nodes}
	d.skewed = r.flag()
	if d.skewed {
		d.sym = r.mahalanobis(dim)
		d.spaces = [2]calibration{r.calibration("Mahalanobis"), r.calibration("symmetrised Mahalanobis")}
	}
	if r.err != nil {
		return r.err
	}
	shaped := false
	for _, slot := range d.multi {
		shaped = shaped || d.numeric[slot].shape.sign != 0
	}
	if shaped != d.skewed {
		return errors.New("not a valid detector: symmetrised distance does not match the features")
	}
	return nil
}

func (r *reader) mahalanobis(dim int) mahalanobis {
	center, whiten := r.floats("centre"), r.floats("whitening")
	if r.err == nil && (len(center) != dim || len(whiten) != dim*dim || !allFinite(center) || !allFinite(whiten)) {
		r.fail("Mahalanobis state does not fit %d features", dim)
	}
	return mahalanobis{dim: dim, center: center, whiten: whiten}
}

// checkTree verifies that the nodes form a tree whose children come after
// their parent (so a search always ends) and whose leaves cover the points.
func checkTree(nodes []kdNode, points, dim int) error {
	bad := errors.New("not a valid detector: neighbour tree is malformed")
	if len(nodes) == 0 {
		return bad
	}
	covered := 0
	for id, nd := range nodes {
		switch {
		case nd.split < 0:
			if nd.split != -1 || nd.lo < 0 || nd.lo > nd.hi || int(nd.hi) > points {
				return bad
			}
			covered += int(nd.hi - nd.lo)
		case int(nd.split) >= dim || int(nd.left) <= id || int(nd.left)+1 >= len(nodes) || math.IsNaN(nd.value):
			return bad
		}
	}
	if covered != points {
		return bad
	}
	return nil
}

func allFinite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func (r *reader) calibration(what string) calibration {
	sorted := r.floats(what + " scores")
	scale := r.f64()
	if r.err != nil {
		return calibration{}
	}
	if len(sorted) == 0 || !slices.IsSorted(sorted) || slices.ContainsFunc(sorted, math.IsNaN) || !(scale > 0) || math.IsInf(scale, 0) {
		r.fail("%s calibration is malformed", what)
	}
	return calibration{sorted: sorted, scale: scale}
}

func (r *reader) tail() tail {
	t := tail{excess: r.floats("range excess"), scale: r.f64()}
	if r.err == nil && (!slices.IsSorted(t.excess) || slices.ContainsFunc(t.excess, func(e float64) bool { return !(e > 0) }) ||
		!(t.scale > 0) || math.IsInf(t.scale, 0)) {
		r.fail("range tail is malformed")
	}
	return t
}
