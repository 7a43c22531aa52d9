package iforest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/bits"
)

// Binary format, version 1, little-endian:
//
//	magic "WIFR", version uint16, flags uint16 (bit 0: extended)
//	cols, sampleSize, extensionLevel uint32; seed uint64
//	trees, planes, components uint32
//	per tree: node count uint32
//	per node, tree by tree: split int32 (-1 leaf), left uint32 (index within the tree),
//	    size uint32, value float64 (threshold or hyperplane offset; 0 for a leaf)
//	per hyperplane: end of its components uint32
//	per component: dimension uint32, coefficient float64
//	CRC-32C of all the above
//
// Leaf path lengths are not stored: they follow from the depth and size of each leaf.
const (
	magic         = "WIFR"
	formatVersion = 1
	headerSize    = 4 + 2 + 2 + 4*3 + 8 + 4*3
	nodeSize      = 4 + 4 + 4 + 8
	componentSize = 4 + 8
	flagExtended  = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MarshalBinary encodes the forest in a versioned binary format that UnmarshalBinary reads.
func (f *Forest) MarshalBinary() ([]byte, error) {
	if f == nil || len(f.roots) == 0 {
		return nil, errors.New("iforest: MarshalBinary: empty forest")
	}
	size := headerSize + 4*len(f.roots) + nodeSize*len(f.nodes) + 4*f.planes() +
		componentSize*len(f.planeDim) + 4
	b := make([]byte, 0, max(size, 0))
	le := binary.LittleEndian
	b = append(b, magic...)
	b = le.AppendUint16(b, formatVersion)
	var flags uint16
	if f.extended {
		flags |= flagExtended
	}
	b = le.AppendUint16(b, flags)
	b = le.AppendUint32(b, uint32(f.cols))
	b = le.AppendUint32(b, uint32(f.sampleSize))
	b = le.AppendUint32(b, uint32(f.extensionLevel))
	b = le.AppendUint64(b, f.seed)
	planes := f.planes()
	b = le.AppendUint32(b, uint32(len(f.roots)))
	b = le.AppendUint32(b, uint32(planes))
	b = le.AppendUint32(b, uint32(len(f.planeDim)))
	for t, root := range f.roots {
		end := int32(len(f.nodes))
		if t+1 < len(f.roots) {
			end = f.roots[t+1]
		}
		b = le.AppendUint32(b, uint32(end-root))
	}
	for t, root := range f.roots {
		end := int32(len(f.nodes))
		if t+1 < len(f.roots) {
			end = f.roots[t+1]
		}
		for i := root; i < end; i++ {
			n := f.nodes[i]
			split, left, value := int32(-1), uint32(0), 0.0
			if !f.isLeaf(i) {
				split, left, value = n.split, uint32(n.left-root), n.value
			}
			b = le.AppendUint32(b, uint32(split))
			b = le.AppendUint32(b, left)
			b = le.AppendUint32(b, uint32(f.sizes[i]))
			b = le.AppendUint64(b, math.Float64bits(value))
		}
	}
	if f.extended {
		for _, end := range f.planeOff[1 : 1+planes] {
			b = le.AppendUint32(b, uint32(end))
		}
	}
	for k, d := range f.planeDim {
		b = le.AppendUint32(b, uint32(d))
		b = le.AppendUint64(b, math.Float64bits(f.planeCoef[k]))
	}
	return le.AppendUint32(b, crc32.Checksum(b, castagnoli)), nil
}

// reader decodes little-endian fields, remembering only that it ran out.
type reader struct {
	b   []byte
	off int
}

// take returns the next n bytes, or nil (and marks the reader exhausted)
// when fewer remain.
func (r *reader) take(n int) []byte {
	if len(r.b)-r.off < n {
		r.off = len(r.b) + 1
		return nil
	}
	b := r.b[r.off : r.off+n]
	r.off += n
	return b
}

func (r *reader) u16() uint16 {
	if b := r.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *reader) remaining() int { return max(len(r.b)-r.off, 0) }

// UnmarshalBinary replaces f with the forest encoded in data by MarshalBinary. It checks the
// checksum and the structure of every tree, and returns an error rather than a forest that
// could misbehave; on error f is unchanged.
func (f *Forest) UnmarshalBinary(data []byte) error {
	g, err := decode(data)
	if err != nil {
		return fmt.Errorf("iforest: UnmarshalBinary: %w", err)
	}
	*f = *g
	return nil
}

func decode(data []byte) (*Forest, error) {
	if len(data) < headerSize+4 {
		return nil, fmt.Errorf("%d bytes, shorter than the %d-byte header", len(data), headerSize+4)
	}
	if string(data[:4]) != magic {
		return nil, fmt.Errorf("bad magic %q; want %q", data[:4], magic)
	}
	body := data[:len(data)-4]
	if got, want := crc32.Checksum(body, castagnoli), binary.LittleEndian.Uint32(data[len(data)-4:]); got != want {
		return nil, fmt.Errorf("checksum %08x, want %08x: the data is corrupt", got, want)
	}
	r := &reader{b: body, off: 4}
	if v := r.u16(); v != formatVersion {
		return nil, fmt.Errorf("format version %d; this build reads version %d", v, formatVersion)
	}
	flags := r.u16()
	if flags&^flagExtended != 0 {
		return nil, fmt.Errorf("unknown flags %#x", flags)
	}
	f := &Forest{extended: flags&flagExtended != 0}
	cols, psi, level := r.u32(), r.u32(), r.u32()
	f.seed = r.u64()
	trees, planes, comps := r.u32(), r.u32(), r.u32()
	switch {
	case cols == 0 || cols > maxCols:
		return nil, fmt.Errorf("%d columns; want 1 to %d", cols, maxCols)
	case psi == 0 || psi > maxSampleSize:
		return nil, fmt.Errorf("sample size %d; want 1 to %d", psi, maxSampleSize)
	case level >= cols || (level != 0 && !f.extended):
		return nil, fmt.Errorf("extension level %d with %d columns", level, cols)
	case trees == 0 || trees > maxTrees:
		return nil, fmt.Errorf("%d trees; want 1 to %d", trees, maxTrees)
	case !f.extended && (planes != 0 || comps != 0):
		return nil, fmt.Errorf("standard forest with %d hyperplanes", planes)
	case int64(trees)*4+int64(planes)*4+int64(comps)*componentSize > int64(r.remaining()):
		return nil, fmt.Errorf("%d trees, %d hyperplanes and %d components do not fit in %d bytes", trees, planes, comps, len(data))
	}
	f.cols, f.sampleSize, f.extensionLevel = int(cols), int(psi), int(level)
	f.norm = averagePathLength(f.sampleSize)

	counts := make([]int, trees)
	total, largest := 0, 0
	for t := range counts {
		c := int(r.u32())
		if c == 0 || c > 2*f.sampleSize-1 {
			return nil, fmt.Errorf("tree %d: %d nodes; want 1 to %d for sample size %d", t, c, 2*f.sampleSize-1, f.sampleSize)
		}
		counts[t] = c
		total += c
		largest = max(largest, c)
		if total*nodeSize > r.remaining() {
			return nil, fmt.Errorf("tree %d: %d nodes do not fit in %d bytes", t, total, len(data))
		}
	}
	f.roots = make([]int32, trees)
	f.nodes = make([]node, total)
	f.sizes = make([]int32, total)
	depth := make([]int32, 0, largest)
	maxDepth := int32(bits.Len(uint(max(f.sampleSize, 2) - 1)))
	base := 0
	for t, count := range counts {
		f.roots[t] = int32(base)
		depth = depth[:count]
		for i := range depth {
			depth[i] = -1
		}
		depth[0] = 0
		for i := range count {
			split, left, size := int32(r.u32()), r.u32(), r.u32()
			value := math.Float64frombits(r.u64())
			where := func(msg string, args ...any) error {
				return fmt.Errorf("tree %d, node %d: %s", t, i, fmt.Sprintf(msg, args...))
			}
			if depth[i] < 0 {
				return nil, where("not the child of any node")
			}
			if size > uint32(f.sampleSize) {
				return nil, where("%d rows, more than the sample size %d", size, f.sampleSize)
			}
			f.sizes[base+i] = int32(size)
			if split < 0 {
				if split != -1 || left != 0 || math.Float64bits(value) != 0 {
					return nil, where("malformed leaf")
				}
				f.nodes[base+i] = leafNode(int32(base + i))
				continue
			}
			switch {
			case depth[i] >= maxDepth:
				return nil, where("split below the depth limit %d", maxDepth)
			case left <= uint32(i) || left >= uint32(count-1):
				return nil, where("children %d and %d outside (%d, %d)", left, left+1, i, count)
			case depth[left] >= 0 || depth[left+1] >= 0:
				return nil, where("children %d and %d already have a parent", left, left+1)
			case f.extended && uint32(split) >= planes:
				return nil, where("hyperplane %d of %d", split, planes)
			case !f.extended && uint32(split) >= cols:
				return nil, where("feature %d of %d", split, cols)
			case math.IsNaN(value) || math.IsInf(value, 0):
				return nil, where("split value %v", value)
			}
			depth[left], depth[left+1] = depth[i]+1, depth[i]+1
			f.nodes[base+i] = node{value: value, split: split, left: int32(base) + int32(left)}
		}
		base += count
	}
	// Sizes are checked once all are known: a node holds exactly the rows of its children.
	for i, n := range f.nodes {
		if !f.isLeaf(int32(i)) && f.sizes[i] != f.sizes[n.left]+f.sizes[n.left+1] {
			return nil, fmt.Errorf("node %d: %d rows but its children hold %d and %d", i, f.sizes[i], f.sizes[n.left], f.sizes[n.left+1])
		}
	}
	if f.extended {
		f.planeOff = make([]int32, planes+1)
		for h := range planes {
			end := r.u32()
			if end <= uint32(f.planeOff[h]) || end > comps || end-uint32(f.planeOff[h]) > cols {
				return nil, fmt.Errorf("hyperplane %d: components end at %d after %d (of %d)", h, end, f.planeOff[h], comps)
			}
			f.planeOff[h+1] = int32(end)
		}
		if uint32(f.planeOff[planes]) != comps {
			return nil, fmt.Errorf("hyperplanes hold %d of %d components", f.planeOff[planes], comps)
		}
		f.planeDim = make([]int32, comps)
		f.planeCoef = make([]float64, comps)
		h := 0
		for k := range comps {
			d, c := r.u32(), math.Float64frombits(r.u64())
			for int32(k) >= f.planeOff[h+1] {
				h++
			}
			// Increasing dimensions within a hyperplane, which dot relies on.
			increasing := int32(k) == f.planeOff[h] || int32(d) > f.planeDim[k-1]
			if d >= cols || !increasing || math.IsNaN(c) || math.IsInf(c, 0) {
				return nil, fmt.Errorf("component %d: dimension %d of %d, coefficient %v", k, d, cols, c)
			}
			f.planeDim[k], f.planeCoef[k] = int32(d), c
		}
		f.addLeafPlane()
	}
	if r.off != len(body) {
		return nil, fmt.Errorf("%d bytes left over after the forest", len(body)-r.off)
	}
	f.index()
	return f, nil
}
