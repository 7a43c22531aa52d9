package eventlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CorruptError is damage to the log that is not a torn tail: records that
// were acknowledged are unreadable or missing. The log will not open until
// Repair has quarantined the damage.
type CorruptError struct {
	Dir     string
	Segment uint64
	Offset  int64
	Reason  string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("eventlog: %s: segment %s, offset %d: %s", e.Dir, segmentName(e.Segment), e.Offset, e.Reason)
}

// endFile records where the log was durable, at most once every endEvery:
// a lower bound that tells a log cut short or missing its newest segment
// from one that only lost a torn final record. It is written without an
// fsync, since a stale value only makes the check weaker.
const (
	endFile  = "END"
	endEvery = time.Second
)

func (l *Log) writeEnd(p Position) {
	tmp := filepath.Join(l.dir, endFile+".tmp")
	data := fmt.Sprintf("eventlog end %d %d\n", p.Segment, p.Offset)
	if os.WriteFile(tmp, []byte(data), 0o600) == nil {
		os.Rename(tmp, filepath.Join(l.dir, endFile))
	}
}

// readEnd returns the position the END file records, zero when there is
// none or it cannot be read.
func readEnd(dir string) Position {
	b, err := os.ReadFile(filepath.Join(dir, endFile))
	if err != nil {
		return Position{}
	}
	f := strings.Fields(string(b))
	if len(f) != 4 || f[0] != "eventlog" || f[1] != "end" {
		return Position{}
	}
	seg, err1 := strconv.ParseUint(f[2], 10, 64)
	off, err2 := strconv.ParseInt(f[3], 10, 64)
	if err1 != nil || err2 != nil {
		return Position{}
	}
	return Position{seg, off}
}

// SegmentReport is what Verify found in one segment.
type SegmentReport struct {
	Number  uint64 `json:"number"`
	Version int    `json:"version"`
	Bytes   int64  `json:"bytes"`
	Records int64  `json:"records"` // intact ones
	// First is the log's record number of the segment's first record
	// (version 2 headers only).
	First uint64 `json:"first,omitempty"`
	// Damage, when there is any: where the intact records stop and why.
	DamageAt int64  `json:"damage_at,omitempty"`
	Damage   string `json:"damage,omitempty"`
	// Torn: the damage is a torn final record (or header), which a crash
	// leaves and Open drops by itself.
	Torn bool `json:"torn,omitempty"`
}

// Report is what Verify found in a log directory.
type Report struct {
	Dir      string          `json:"dir"`
	Segments []SegmentReport `json:"segments"`
	Records  int64           `json:"records"` // intact ones
	Bytes    int64           `json:"bytes"`
	// Durable is where the END file says the log was durable.
	Durable Position `json:"durable"`
	// Problems lists what keeps the log from opening, each naming a
	// segment: damage, missing segments, a log shorter than it was.
	Problems []string `json:"problems"`
}

// Verify reads every segment in dir and reports what the log holds and
// what is wrong with it. It changes nothing. durable is a position the
// caller knows was durable (zero when none), as for Options.Durable.
func Verify(dir string, durable Position) (*Report, error) {
	nums, err := segmentNumbers(dir)
	if err != nil {
		return nil, err
	}
	rep := &Report{Dir: dir, Durable: readEnd(dir), Problems: []string{}}
	if durable.Compare(rep.Durable) > 0 {
		rep.Durable = durable
	}
	for i, n := range nums {
		if i > 0 && n != nums[i-1]+1 {
			rep.Problems = append(rep.Problems, fmt.Sprintf("segments %s to %s are missing", segmentName(nums[i-1]+1), segmentName(n-1)))
		}
		sr, err := verifySegment(dir, n, i == len(nums)-1, rep.Durable)
		if err != nil {
			return nil, err
		}
		if i > 0 && sr.Version == 2 && rep.Segments[i-1].Version == 2 && n == nums[i-1]+1 {
			prev := rep.Segments[i-1]
			if want := prev.First + uint64(prev.Records); sr.First > want && prev.Damage == "" {
				rep.Problems = append(rep.Problems, fmt.Sprintf("segment %s starts at record %d, but %s ends at record %d: records are missing",
					segmentName(n), sr.First, segmentName(prev.Number), want))
			}
		}
		if sr.Damage != "" && !sr.Torn {
			rep.Problems = append(rep.Problems, fmt.Sprintf("segment %s, offset %d: %s", segmentName(n), sr.DamageAt, sr.Damage))
		}
		rep.Segments = append(rep.Segments, sr)
		rep.Records += sr.Records
		rep.Bytes += sr.Bytes
	}
	if len(nums) == 0 && rep.Durable.Segment > 0 || len(nums) > 0 && rep.Durable.Segment > nums[len(nums)-1] {
		rep.Problems = append(rep.Problems, fmt.Sprintf("segment %s is missing: the log was durable up to %v", segmentName(rep.Durable.Segment), rep.Durable))
	}
	if len(nums) > 0 && rep.Durable.Segment > 0 && rep.Durable.Segment < nums[0] {
		rep.Problems = append(rep.Problems, fmt.Sprintf("segment %s is missing: the log was durable up to %v, and the oldest segment is %s",
			segmentName(rep.Durable.Segment), rep.Durable, segmentName(nums[0])))
	}
	return rep, nil
}

func verifySegment(dir string, n uint64, newest bool, durable Position) (SegmentReport, error) {
	f, err := os.Open(filepath.Join(dir, segmentName(n)))
	if err != nil {
		return SegmentReport{}, fmt.Errorf("eventlog: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return SegmentReport{}, fmt.Errorf("eventlog: %w", err)
	}
	sr := SegmentReport{Number: n, Bytes: st.Size()}
	sc, err := scanSegment(f, n, st.Size())
	if err != nil {
		sr.Damage = err.Error()
		return sr, nil
	}
	sr.Version, sr.Records, sr.First = int(sc.header.version), sc.records, sc.header.first
	acked := int64(0)
	if durable.Segment == n {
		acked = durable.Offset
	} else if durable.Segment > n {
		acked = st.Size() + 1 // every byte of a segment before the durable end was
	}
	switch {
	case sc.torn:
		sr.Damage, sr.Torn = errTornHeader.Error(), newest && acked == 0
	case sc.bad != "":
		sr.DamageAt, sr.Damage = sc.valid, sc.bad
		if sc.resumes >= 0 {
			sr.Damage += fmt.Sprintf("; an intact record follows at offset %d", sc.resumes)
		}
		sr.Torn = newest && sc.resumes < 0 && acked <= sc.valid
	case acked > st.Size() && durable.Segment == n:
		sr.DamageAt, sr.Damage = st.Size(), fmt.Sprintf("the segment ends at offset %d, but the log was durable up to %v: it was cut", st.Size(), durable)
	}
	return sr, nil
}

// segmentNumbers lists the segment files in dir in order, gaps and all.
func segmentNumbers(dir string) ([]uint64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("eventlog: %w", err)
	}
	var segs []uint64
	for _, e := range entries {
		if seg, ok := parseSegmentName(e.Name()); ok && e.Type().IsRegular() {
			segs = append(segs, seg)
		}
	}
	slices.Sort(segs)
	return segs, nil
}

// Repaired is what Repair did.
type Repaired struct {
	Report
	// Quarantined lists the files the damaged bytes were moved to.
	Quarantined []string `json:"quarantined"`
	// LostBytes are the bytes given up; LostLines the newline characters
	// in them, about the events given up, since records are NDJSON.
	LostBytes int64 `json:"lost_bytes"`
	LostLines int64 `json:"lost_lines"`
	// Renumbered maps old segment numbers to new ones where gaps were
	// closed.
	Renumbered map[uint64]uint64 `json:"renumbered,omitempty"`

	cuts  []cut
	sizes map[uint64]int64 // each segment's size after the repair
	first uint64           // the oldest segment after the repair
}

// cut is a run of bytes removed from a segment (by its new number).
type cut struct {
	seg      uint64
	from, to int64
}

// Map gives a position in the log before the repair (a checkpoint's) its
// place after it: shifted past removed bytes and renumbered segments, and
// to the start of the first intact record after a removed run that held it.
func (r *Repaired) Map(p Position) Position {
	if n, ok := r.Renumbered[p.Segment]; ok {
		p.Segment = n
	}
	if p.Segment < r.first {
		// In a segment that is gone: the log resumes at the oldest left.
		return Position{Segment: r.first}
	}

	shift := int64(0)
	for _, c := range r.cuts {
		if c.seg != p.Segment || c.from >= p.Offset {
			continue
		}
		if p.Offset < c.to {
			return Position{p.Segment, c.from - shift}
		}
		shift += c.to - c.from
	}
	p.Offset -= shift
	if size, ok := r.sizes[p.Segment]; ok && p.Offset > size {
		p.Offset = size // the segment was cut short
	}
	return p
}

// Repair makes the log in dir open again, giving up as little as it can:
// damaged bytes in a segment are moved to a file under quarantine and the
// intact records after them kept; gaps in the segment numbers are closed;
// the END file is set to what the log now holds. Positions from before
// (a checkpoint's) go through Repaired.Map. durable is as for Verify.
func Repair(dir, quarantine string, durable Position) (*Repaired, error) {
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	before, err := Verify(dir, durable)
	if err != nil {
		return nil, err
	}
	out := &Repaired{Renumbered: map[uint64]uint64{}, Quarantined: []string{}, sizes: map[uint64]int64{}}
	nums, err := segmentNumbers(dir)
	if err != nil {
		return nil, err
	}
	// Close gaps first: later segments move down.
	for i := 1; i < len(nums); i++ {
		if nums[i] == nums[i-1]+1 {
			continue
		}
		want := nums[i-1] + 1
		if err := renumber(dir, nums[i], want); err != nil {
			return nil, err
		}
		for old, now := range out.Renumbered {
			if now == nums[i] {
				out.Renumbered[old] = want
			}
		}
		if _, ok := out.Renumbered[nums[i]]; !ok {
			out.Renumbered[nums[i]] = want
		}
		nums[i] = want
	}
	for i, n := range nums {
		if err := repairSegment(dir, quarantine, n, i == len(nums)-1, out); err != nil {
			return nil, err
		}
		if st, err := os.Stat(filepath.Join(dir, segmentName(n))); err == nil {
			out.sizes[n] = st.Size()
		}
	}
	// A segment being created when the process died holds nothing and is
	// gone now.
	if nums, err = segmentNumbers(dir); err != nil {
		return nil, err
	}
	if len(nums) > 0 {
		out.first = nums[0]
	}
	if err := renumberRecords(dir, nums); err != nil {
		return nil, err
	}
	// What the log holds now is what it is known to hold.
	end := Position{}
	if len(nums) > 0 {
		last := nums[len(nums)-1]
		st, err := os.Stat(filepath.Join(dir, segmentName(last)))
		if err != nil {
			return nil, fmt.Errorf("eventlog: %w", err)
		}
		end = Position{last, st.Size()}
	}
	l := &Log{dir: dir}
	l.writeEnd(end)
	after, err := Verify(dir, Position{})
	if err != nil {
		return nil, err
	}
	out.Report = *after
	out.Report.Problems = before.Problems
	return out, nil
}

// renumberRecords rewrites the record numbers in the headers after
// records were given up, so that they run on without a gap.
func renumberRecords(dir string, nums []uint64) error {
	next := uint64(0)
	for i, n := range nums {
		path := filepath.Join(dir, segmentName(n))
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("eventlog: %w", err)
		}
		st, err := f.Stat()
		if err == nil {
			var sc scan
			if sc, err = scanSegment(f, n, st.Size()); err == nil && sc.header.version == 2 {
				if i > 0 && sc.header.first != next {
					if _, err = f.WriteAt(encodeHeader(n, next), 0); err == nil {
						err = f.Sync()
					}
					sc.header.first = next
				}
				next = sc.header.first + uint64(sc.records)
			}
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("eventlog: %s: %w", path, err)
		}
	}
	return nil
}

// renumber renames segment from to to and rewrites its header's number.
func renumber(dir string, from, to uint64) error {
	src, dst := filepath.Join(dir, segmentName(from)), filepath.Join(dir, segmentName(to))
	f, err := os.OpenFile(src, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("eventlog: %w", err)
	}
	h, herr := readHeader(f, from)
	if herr == nil && h.version == 2 {
		_, err = f.WriteAt(encodeHeader(to, h.first), 0)
	}
	if err == nil {
		err = f.Sync()
	}
	f.Close()
	if err != nil {
		return fmt.Errorf("eventlog: %s: %w", src, err)
	}
	if err := os.Rename(src, dst); err != nil {
		return fmt.Errorf("eventlog: %w", err)
	}
	return nil
}

// repairSegment rewrites segment n without its damaged runs.
func repairSegment(dir, quarantine string, n uint64, newest bool, out *Repaired) error {
	path := filepath.Join(dir, segmentName(n))
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("eventlog: %w", err)
	}
	r := bytes.NewReader(data)
	h, err := readHeader(r, n)
	if errors.Is(err, errTornHeader) {
		h, err = segmentHeader{version: 2, size: headerSize, segment: n}, nil
		if newest && len(data) <= headerSize {
			return os.Remove(path) // a segment being created: nothing in it
		}
		data = append(encodeHeader(n, 0), data[min(len(data), headerSize):]...)
	}
	if err != nil {
		// A header that is not ours: the whole file is quarantined.
		return quarantineAll(path, quarantine, n, data, out)
	}
	kept := slices.Clone(data[:h.size])
	off := h.size
	var lost []byte
	for off < int64(len(data)) {
		rec, size, ferr := decodeFrame(data[off:])
		if ferr == nil {
			kept = appendFrame(kept, rec)
			off += int64(size)
			continue
		}
		next, _ := nextIntact(r, off+1, int64(len(data)))
		if next < 0 {
			next = int64(len(data))
		}
		out.cuts = append(out.cuts, cut{n, off, next})
		lost = append(lost, data[off:next]...)
		off = next
	}
	if len(lost) == 0 {
		return nil
	}
	if err := os.MkdirAll(quarantine, 0o700); err != nil {
		return fmt.Errorf("eventlog: %w", err)
	}
	q := filepath.Join(quarantine, fmt.Sprintf("%s.%s.bad", segmentName(n), time.Now().UTC().Format("20060102T150405")))
	if err := os.WriteFile(q, lost, 0o600); err != nil {
		return fmt.Errorf("eventlog: %w", err)
	}
	out.Quarantined = append(out.Quarantined, q)
	out.LostBytes += int64(len(lost))
	out.LostLines += int64(bytes.Count(lost, []byte("\n")))
	return replaceFile(path, kept)
}

func quarantineAll(path, quarantine string, n uint64, data []byte, out *Repaired) error {
	if err := os.MkdirAll(quarantine, 0o700); err != nil {
		return fmt.Errorf("eventlog: %w", err)
	}
	q := filepath.Join(quarantine, filepath.Base(path)+".bad")
	if err := os.Rename(path, q); err != nil {
		return fmt.Errorf("eventlog: %w", err)
	}
	out.Quarantined = append(out.Quarantined, q)
	out.LostBytes += int64(len(data))
	out.LostLines += int64(bytes.Count(data, []byte("\n")))
	out.cuts = append(out.cuts, cut{n, 0, int64(len(data))})
	return replaceFile(path, encodeHeader(n, 0))
}

// replaceFile writes data to path through a synced temporary file.
func replaceFile(path string, data []byte) error {
	tmp := path + ".repair"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("eventlog: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("eventlog: %w", err)
	}
	return nil
}

var _ io.ReaderAt = (*bytes.Reader)(nil)

// Copy copies the log in dir to dst (created), for a backup, while the log
// may be appended to: first the END file, then every segment as far as it
// is written at that moment. A record being written as the copy is made
// becomes a torn final record of the copy, which Open drops. Segments
// that retention deletes meanwhile are skipped; Verify on the copy says
// whether what is left still holds what the caller needs.
func Copy(dir, dst string) (segments int, err error) {
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return 0, fmt.Errorf("eventlog: %w", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, endFile)); err == nil {
		if err := os.WriteFile(filepath.Join(dst, endFile), b, 0o600); err != nil {
			return 0, fmt.Errorf("eventlog: %w", err)
		}
	}
	nums, err := segmentNumbers(dir)
	if err != nil {
		return 0, err
	}
	for _, n := range nums {
		err := copyFile(filepath.Join(dir, segmentName(n)), filepath.Join(dst, segmentName(n)))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return segments, fmt.Errorf("eventlog: %w", err)
		}
		segments++
	}
	return segments, nil
}

// copyFile copies what src holds now to dst and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, io.LimitReader(in, st.Size()))
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
