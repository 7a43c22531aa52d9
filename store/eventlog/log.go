package eventlog

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Options configure a Log.
type Options struct {
	Dir          string // created if missing (mode 0700: events may carry personal data); one process owns it at a time
	SegmentBytes int64  // roll to a new segment file past this size (default 64 MiB)
	NoSync       bool   // tests and benchmarks only: skip fsync, so nothing is durable
	// Durable is a position the caller knows was durable (a checkpoint's):
	// Open refuses a log that ends before it, as it does one that ends
	// before its own END file says.
	Durable Position
}

// Log is an append-only, segmented, checksummed record log. Its methods are
// safe for concurrent use.
type Log struct {
	dir       string
	segBytes  int64
	noSync    bool
	recovered int64

	bufs sync.Pool // *[]byte encode buffers, one per concurrent Append

	mu       sync.Mutex
	cond     sync.Cond // broadcast when a flush ends
	tail     Position  // where the next batch goes
	pending  []chunk   // placed but not yet written, in log order
	spare    []chunk   // the previous flush's chunks, kept to reuse their buffers
	flushing bool
	durable  Position  // end of the written and synced prefix
	records  uint64    // records before tail, counted from the log's first
	synced   uint64    // records before durable
	endAt    time.Time // when the END file was last written
	oldest   uint64    // oldest retained segment
	err      error     // a write or sync failure not yet cleared by a rewind
	epoch    uint64    // counts rewinds: an Append placed before one has failed
	failed   error     // the failure the last rewind cleared
	rewound  int
	closed   bool

	// Only the goroutine that set flushing (or Open and Close, when none
	// has) touches the segment file being appended to.
	file    *os.File
	fileSeg uint64

	truncMu sync.Mutex // serialises TruncateBefore calls
	lock    *os.File   // holds the directory's lock while open

	injectFault func() error // tests: fail a write after its bytes are written, before the sync
}

// chunk is a run of framed records bound for one segment at one offset.
type chunk struct {
	seg   uint64
	off   int64
	data  []byte
	first uint64 // record number of its first record
	n     uint64 // records in it
}

// maxKeptBuffer bounds the encode and chunk buffers kept for reuse, so a
// burst of huge batches does not pin their memory for the log's lifetime.
const maxKeptBuffer = 16 << 20

// Open opens the log in opts.Dir, creating it if needed. It scans the last
// segment and cuts off a torn final record, which no Append acknowledged
// (Recovered reports how many bytes). Damage before that, a log shorter
// than it was known to be durable, or missing segments, is a
// *CorruptError: Open refuses, and Verify and Repair say more.
func Open(opts Options) (*Log, error) {
	if opts.Dir == "" {
		return nil, errors.New("eventlog: Options.Dir is empty")
	}
	switch {
	case opts.SegmentBytes == 0:
		opts.SegmentBytes = DefaultSegmentBytes
	case opts.SegmentBytes <= headerSize:
		return nil, fmt.Errorf("eventlog: Options.SegmentBytes is %d; want more than %d", opts.SegmentBytes, headerSize)
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("eventlog: %w", err)
	}
	lock, err := lockDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	l, err := open(opts, lock)
	if err != nil {
		lock.Close()
	}
	return l, err
}

func open(opts Options, lock *os.File) (*Log, error) {
	segs, err := listSegments(opts.Dir)
	if err != nil {
		return nil, err
	}
	expect := readEnd(opts.Dir)
	if opts.Durable.Compare(expect) > 0 {
		expect = opts.Durable
	}
	l := &Log{dir: opts.Dir, segBytes: opts.SegmentBytes, noSync: opts.NoSync, lock: lock}
	l.cond.L = &l.mu
	if len(segs) == 0 || expect.Segment > segs[len(segs)-1] {
		if expect.Segment > 0 {
			return nil, &CorruptError{Dir: opts.Dir, Segment: expect.Segment, Reason: fmt.Sprintf(
				"segment %s is missing: the log was durable up to %v", segmentName(expect.Segment), expect)}
		}
		f, err := l.createSegment(1, 0)
		if err != nil {
			return nil, err
		}
		l.file, l.fileSeg, l.oldest = f, 1, 1
		l.tail = Position{1, headerSize}
		l.durable = l.tail
		return l, nil
	}
	last := segs[len(segs)-1]
	f, end, records, err := l.recoverSegment(last, expect)
	if err != nil {
		return nil, err
	}
	l.file, l.fileSeg, l.oldest = f, last, segs[0]
	l.tail = Position{last, end}
	l.durable = l.tail
	l.records, l.synced = records, records
	return l, nil
}

// listSegments returns the segment numbers in dir in order, and refuses a
// gap: segments are only ever removed oldest first, so a gap means files
// were lost.
func listSegments(dir string) ([]uint64, error) {
	segs, err := segmentNumbers(dir)
	if err != nil {
		return nil, err
	}
	for i := 1; i < len(segs); i++ {
		if segs[i] != segs[i-1]+1 {
			return nil, &CorruptError{Dir: dir, Segment: segs[i-1] + 1, Reason: fmt.Sprintf("missing between %s and %s",
				segmentName(segs[i-1]), segmentName(segs[i]))}
		}
	}
	return segs, nil
}

// recoverSegment opens the newest segment for appending after cutting off a
// torn final record, and returns its end and the records before it.
func (l *Log) recoverSegment(seg uint64, expect Position) (*os.File, int64, uint64, error) {
	path := filepath.Join(l.dir, segmentName(seg))
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("eventlog: %w", err)
	}
	fail := func(err error) (*os.File, int64, uint64, error) {
		f.Close()
		var ce *CorruptError
		if errors.As(err, &ce) {
			return nil, 0, 0, err
		}
		return nil, 0, 0, fmt.Errorf("eventlog: %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	sc, err := scanSegment(f, seg, st.Size())
	if err != nil {
		return fail(err)
	}
	corrupt := func(off int64, why string) (*os.File, int64, uint64, error) {
		return fail(&CorruptError{Dir: l.dir, Segment: seg, Offset: off, Reason: why})
	}
	acked := int64(0) // what the log was known to hold of this segment
	if expect.Segment == seg {
		acked = expect.Offset
	}
	switch {
	case sc.torn:
		if acked > 0 {
			return corrupt(0, fmt.Sprintf("the header is missing, but the log was durable up to %v", expect))
		}
		// Created when the process died: write the header it was to get.
		first := uint64(0)
		if seg > 1 {
			if first, err = l.recordsThrough(seg - 1); err != nil {
				return fail(err)
			}
		}
		if err := f.Truncate(0); err != nil {
			return fail(err)
		}
		if _, err := f.WriteAt(encodeHeader(seg, first), 0); err != nil {
			return fail(err)
		}
		l.recovered = st.Size()
		sc.valid, sc.header.first = headerSize, first
	case sc.bad != "" && sc.resumes >= 0:
		return corrupt(sc.valid, fmt.Sprintf("%s, and an intact record follows at offset %d: damage, not a torn tail", sc.bad, sc.resumes))
	case acked > sc.valid:
		why := fmt.Sprintf("intact records end at offset %d, but the log was durable up to %v", sc.valid, expect)
		if sc.bad != "" {
			why = sc.bad + "; " + why
		}
		return corrupt(sc.valid, why)
	case sc.valid < st.Size():
		if err := f.Truncate(sc.valid); err != nil {
			return fail(err)
		}
		l.recovered = st.Size() - sc.valid
	}
	if l.recovered > 0 && !l.noSync {
		if err := f.Sync(); err != nil {
			return fail(err)
		}
	}
	return f, sc.valid, sc.header.first + uint64(sc.records), nil
}

// recordsThrough counts the records up to the end of segment seg.
func (l *Log) recordsThrough(seg uint64) (uint64, error) {
	f, err := os.Open(filepath.Join(l.dir, segmentName(seg)))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	sc, err := scanSegment(f, seg, st.Size())
	if err != nil {
		return 0, err
	}
	return sc.header.first + uint64(sc.records), nil
}

// createSegment creates a segment file with its header and makes its name
// durable. A crash before the header reaches the disk leaves a torn header,
// which Open repairs.
func (l *Log) createSegment(seg, first uint64) (*os.File, error) {
	path := filepath.Join(l.dir, segmentName(seg))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("eventlog: %w", err)
	}
	if _, err := f.WriteAt(encodeHeader(seg, first), 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("eventlog: %s: %w", path, err)
	}
	if err := l.syncDir(); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func (l *Log) syncDir() error {
	if l.noSync {
		return nil
	}
	d, err := os.Open(l.dir)
	if err != nil {
		return fmt.Errorf("eventlog: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("eventlog: sync %s: %w", l.dir, err)
	}
	return nil
}

// Recovered is the number of bytes Open cut off the end of the log.
func (l *Log) Recovered() int64 { return l.recovered }

// Append writes records and returns once they are durable: first is the
// position of the first record, next the position after the last one.
// Concurrent calls are committed together with one write and one fsync per
// segment touched. A call's records stay contiguous in one segment. A
// failed write or sync fails every Append waiting for it; the next Append
// first rewinds the log to its durable end (cutting off what the failed
// write may have left and removing segments it created) and fails too if
// that is not possible, so that the log recovers by itself once the disk
// takes writes again (after a disk-full error, for one). Append without
// records writes nothing and returns End twice.
func (l *Log) Append(records ...[]byte) (first, next Position, err error) {
	size := 0
	for i, rec := range records {
		if len(rec) > MaxRecordBytes {
			return Position{}, Position{}, fmt.Errorf("eventlog: record %d is %d bytes; the limit is %d", i, len(rec), MaxRecordBytes)
		}
		size += frameSize + len(rec)
	}
	if len(records) == 0 {
		end := l.End()
		return end, end, nil
	}
	bp, _ := l.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	buf := (*bp)[:0]
	for _, rec := range records {
		buf = appendFrame(buf, rec)
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return Position{}, Position{}, ErrClosed
	}
	if l.err != nil {
		if l.flushing {
			return Position{}, Position{}, l.err
		}
		if err := l.rewind(); err != nil {
			return Position{}, Position{}, err
		}
	}
	if l.tail.Offset > headerSize && l.tail.Offset+int64(size) > l.segBytes {
		l.tail = Position{l.tail.Segment + 1, headerSize}
	}
	first = l.tail
	l.place(buf, uint64(len(records)))
	l.tail.Offset += int64(size)
	l.records += uint64(len(records))
	next = l.tail
	epoch := l.epoch
	if cap(buf) <= maxKeptBuffer {
		*bp = buf
		l.bufs.Put(bp)
	}

	for l.durable.Compare(next) < 0 || l.epoch != epoch {
		if l.err != nil {
			return Position{}, Position{}, l.err
		}
		if l.epoch != epoch {
			return Position{}, Position{}, l.failed
		}
		if l.flushing {
			l.cond.Wait()
			continue
		}
		l.flush()
	}
	return first, next, nil
}

// rewind clears a write failure: it cuts the current segment back to the
// durable end, removes segments the failed write created, and drops what
// was placed and not written (their Appends have failed or will, seeing the
// epoch change). Called with l.mu held and no flush running; it does I/O
// under the lock, which only a failure makes it do.
func (l *Log) rewind() error {
	d := l.durable
	for l.fileSeg > d.Segment {
		l.file.Close()
		if err := os.Remove(filepath.Join(l.dir, segmentName(l.fileSeg))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("eventlog: after %v: %w", l.err, err)
		}
		l.fileSeg--
		f, err := os.OpenFile(filepath.Join(l.dir, segmentName(l.fileSeg)), os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("eventlog: after %v: %w", l.err, err)
		}
		l.file = f
	}
	// A segment the failed write was creating, before it was open.
	if err := os.Remove(filepath.Join(l.dir, segmentName(d.Segment+1))); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("eventlog: after %v: %w", l.err, err)
	}
	if err := l.file.Truncate(d.Offset); err != nil {
		return fmt.Errorf("eventlog: after %v: %w", l.err, err)
	}
	if err := l.sync(); err != nil {
		return fmt.Errorf("eventlog: after %v: %w", l.err, err)
	}
	l.failed, l.err = l.err, nil
	l.epoch++
	l.tail, l.records = d, l.synced
	for i := range l.pending {
		l.pending[i].data = l.pending[i].data[:0]
	}
	l.pending = l.pending[:0]
	l.rewound++
	return nil
}

// Rewound counts the write failures the log has recovered from.
func (l *Log) Rewound() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rewound
}

// Recover rewinds the log past a failed write now, rather than at the next
// Append; nil when there is none to rewind.
func (l *Log) Recover() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil || l.flushing || l.closed {
		return l.err
	}
	return l.rewind()
}

// place copies framed records at l.tail into the pending chunks. Called
// with l.mu held.
func (l *Log) place(framed []byte, records uint64) {
	if n := len(l.pending); n > 0 && l.pending[n-1].seg == l.tail.Segment {
		l.pending[n-1].data = append(l.pending[n-1].data, framed...)
		l.pending[n-1].n += records
		return
	}
	l.pending = append(l.pending, chunk{})
	c := &l.pending[len(l.pending)-1]
	// Reuse the buffer a previous flush left in this slot.
	c.seg, c.off, c.data = l.tail.Segment, l.tail.Offset, append(c.data[:0], framed...)
	c.first, c.n = l.records, records
}

// flush writes and syncs everything pending. Called with l.mu held; it
// releases the lock during I/O so that other callers can queue the next
// group meanwhile.
func (l *Log) flush() {
	l.flushing = true
	batch := l.pending
	l.pending = l.spare[:0]
	l.mu.Unlock()
	end, err := l.write(batch)
	l.mu.Lock()
	for i := range batch {
		if cap(batch[i].data) > maxKeptBuffer {
			batch[i].data = nil
		}
	}
	l.spare = batch
	l.flushing = false
	if err != nil {
		l.err = err
	} else {
		l.durable = end
		for i := range batch {
			l.synced += batch[i].n
		}
		if now := time.Now(); now.Sub(l.endAt) >= endEvery {
			l.endAt = now
			l.writeEnd(end)
		}
	}
	l.cond.Broadcast()
}

// write puts a batch on disk and syncs it, rolling segments as the chunks
// say. It returns the end of the last chunk.
func (l *Log) write(batch []chunk) (Position, error) {
	for _, c := range batch {
		if c.seg != l.fileSeg {
			if err := l.sync(); err != nil {
				return Position{}, err
			}
			if err := l.file.Close(); err != nil {
				return Position{}, fmt.Errorf("eventlog: %w", err)
			}
			f, err := l.createSegment(c.seg, c.first)
			if err != nil {
				return Position{}, err
			}
			l.file, l.fileSeg = f, c.seg
		}
		if _, err := l.file.WriteAt(c.data, c.off); err != nil {
			return Position{}, fmt.Errorf("eventlog: %w", err)
		}
	}
	if l.injectFault != nil {
		if err := l.injectFault(); err != nil {
			return Position{}, err
		}
	}
	if err := l.sync(); err != nil {
		return Position{}, err
	}
	last := batch[len(batch)-1]
	return Position{last.seg, last.off + int64(len(last.data))}, nil
}

func (l *Log) sync() error {
	if l.noSync {
		return nil
	}
	if err := l.file.Sync(); err != nil {
		return fmt.Errorf("eventlog: %w", err)
	}
	return nil
}

// End is the position after the last durable record.
func (l *Log) End() Position {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.durable
}

// Segment describes one segment file of the log.
type Segment struct {
	Number  uint64
	Size    int64
	ModTime time.Time // when it was last written
}

// Segments lists the retained segments, oldest first, for retention
// decisions.
func (l *Log) Segments() ([]Segment, error) {
	l.mu.Lock()
	oldest, closed := l.oldest, l.closed
	l.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	nums, err := listSegments(l.dir)
	if err != nil {
		return nil, err
	}
	var out []Segment
	for _, n := range nums {
		if n < oldest {
			continue // being removed by TruncateBefore
		}
		fi, err := os.Stat(filepath.Join(l.dir, segmentName(n)))
		if err != nil {
			return nil, fmt.Errorf("eventlog: %w", err)
		}
		out = append(out, Segment{Number: n, Size: fi.Size(), ModTime: fi.ModTime()})
	}
	return out, nil
}

// TruncateBefore deletes the segments that lie entirely before p, oldest
// first, so that every record at or after p stays readable.
func (l *Log) TruncateBefore(p Position) error {
	l.truncMu.Lock()
	defer l.truncMu.Unlock()
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	if p.Compare(l.durable) > 0 {
		end := l.durable
		l.mu.Unlock()
		return fmt.Errorf("eventlog: truncate before %v: past the end of the log (%v)", p, end)
	}
	from := l.oldest
	if p.Segment > from {
		l.oldest = p.Segment
	}
	l.mu.Unlock()
	for seg := from; seg < p.Segment; seg++ {
		if err := os.Remove(filepath.Join(l.dir, segmentName(seg))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("eventlog: %w", err)
		}
	}
	if p.Segment > from {
		return l.syncDir()
	}
	return nil
}

// Close waits for appends in flight, syncs and closes the log.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	for l.flushing || (len(l.pending) > 0 && l.err == nil) {
		l.cond.Wait()
	}
	if l.err != nil {
		// Cut off what a failed write left, which no Append acknowledged.
		l.rewind()
	}
	end := l.durable
	l.mu.Unlock()
	l.writeEnd(end)
	err := l.sync()
	if cerr := l.file.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("eventlog: %w", cerr)
	}
	l.lock.Close()
	return err
}

// Lock takes the lock of the log in dir, as Open does, for a tool that
// changes the directory (a restore) and must not run beside a server.
func Lock(dir string) (io.Closer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("eventlog: %w", err)
	}
	return lockDir(dir)
}

// lockDir takes the directory's lock file: one process has a log open at a
// time, and Repair never runs beside a server.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("eventlog: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("eventlog: %s is in use by another process (warden serve?): %w", dir, err)
	}
	return f, nil
}
