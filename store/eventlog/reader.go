package eventlog

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Reader iterates over the durable records of a Log in order. It sees
// records appended after it was created, so it can follow the log: Next
// returns io.EOF at the current end and continues once more is appended.
// A Reader is not safe for concurrent use.
type Reader struct {
	log    *Log
	pos    Position // the next record
	f      *os.File
	limit  int64 // bytes of the current segment known to be readable
	sealed bool  // the current segment will not grow: limit is its size

	buf    []byte // file bytes [bufOff, bufOff+len(buf))
	bufOff int64
}

// readAhead is how much a Reader reads at once.
const readAhead = 256 << 10

// Reader returns a Reader that starts at from: a position returned by
// Append or Next, or the zero Position for the oldest retained record.
func (l *Log) Reader(from Position) (*Reader, error) {
	l.mu.Lock()
	closed, end, oldest := l.closed, l.durable, l.oldest
	l.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if from == (Position{}) {
		from = Position{Segment: oldest}
	}
	switch {
	case from.Segment < oldest:
		return nil, &CorruptError{Dir: l.dir, Segment: from.Segment, Offset: from.Offset,
			Reason: fmt.Sprintf("position %v is in a segment that is gone: the oldest retained segment is %d", from, oldest)}
	case from.Compare(end) > 0:
		return nil, fmt.Errorf("eventlog: position %v is past the end of the log (%v)", from, end)
	}
	r := &Reader{log: l, pos: from}
	hdr, err := r.open(from.Segment)
	if err != nil {
		return nil, err
	}
	if from.Offset == 0 {
		r.pos.Offset = hdr
	} else if from.Offset < hdr {
		r.Close()
		return nil, fmt.Errorf("eventlog: position %v is inside the segment header", from)
	}
	return r, nil
}

// open switches the reader to segment seg, checks its header and returns
// the header's size.
func (r *Reader) open(seg uint64) (int64, error) {
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
	path := filepath.Join(r.log.dir, segmentName(seg))
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("eventlog: segment %d was truncated while being read", seg)
	}
	if err != nil {
		return 0, fmt.Errorf("eventlog: %w", err)
	}
	h, err := readHeader(f, seg)
	if err != nil {
		f.Close()
		return 0, &CorruptError{Dir: r.log.dir, Segment: seg, Reason: err.Error()}
	}
	r.f, r.limit, r.sealed, r.buf, r.bufOff = f, 0, false, r.buf[:0], 0
	return h.size, nil
}

// Next returns the next record, its position and the position after it.
// rec is valid until the next call. At the end of the durable log Next
// returns io.EOF; a record that fails its checksum is an error naming its
// position.
func (r *Reader) Next() (rec []byte, pos, next Position, err error) {
	if r.f == nil {
		return nil, Position{}, Position{}, errors.New("eventlog: reader is closed")
	}
	for r.pos.Offset >= r.limit {
		if err := r.advance(); err != nil {
			return nil, Position{}, Position{}, err
		}
	}
	hdr, err := r.bytes(r.pos.Offset, frameSize)
	if err != nil {
		return nil, Position{}, Position{}, err
	}
	n := int64(hdr[0]) | int64(hdr[1])<<8 | int64(hdr[2])<<16 | int64(hdr[3])<<24
	if n > MaxRecordBytes {
		return nil, Position{}, Position{}, r.corrupt(errTooLong)
	}
	frame, err := r.bytes(r.pos.Offset, frameSize+int(n))
	if err != nil {
		return nil, Position{}, Position{}, err
	}
	rec, size, ferr := decodeFrame(frame)
	if ferr != nil {
		return nil, Position{}, Position{}, r.corrupt(ferr)
	}
	pos = r.pos
	r.pos.Offset += int64(size)
	return rec, pos, r.pos, nil
}

// advance is called at r.limit: it learns whether more of this segment is
// durable now, or moves on to the next segment, or reports io.EOF.
func (r *Reader) advance() error {
	l := r.log
	l.mu.Lock()
	end := l.durable
	l.mu.Unlock()
	switch {
	case r.pos.Segment == end.Segment:
		if r.pos.Offset >= end.Offset {
			return io.EOF
		}
		r.limit = end.Offset
		return nil
	case !r.sealed:
		// A segment before the durable end is complete and synced.
		st, err := r.f.Stat()
		if err != nil {
			return fmt.Errorf("eventlog: %w", err)
		}
		r.limit, r.sealed = st.Size(), true
		if r.pos.Offset > r.limit {
			return fmt.Errorf("eventlog: position %v is past the end of segment %d (%d bytes)", r.pos, r.pos.Segment, r.limit)
		}
		return nil
	default:
		hdr, err := r.open(r.pos.Segment + 1)
		if err != nil {
			return err
		}
		r.pos = Position{r.pos.Segment + 1, hdr}
		return nil
	}
}

// bytes returns n file bytes at off, reading ahead within r.limit.
func (r *Reader) bytes(off int64, n int) ([]byte, error) {
	if off+int64(n) > r.limit {
		return nil, r.corrupt(errShortRecord)
	}
	if off >= r.bufOff && off+int64(n) <= r.bufOff+int64(len(r.buf)) {
		return r.buf[off-r.bufOff : off-r.bufOff+int64(n)], nil
	}
	want := int64(max(n, readAhead))
	want = min(want, r.limit-off)
	if int64(cap(r.buf)) < want {
		r.buf = make([]byte, want)
	}
	r.buf = r.buf[:want]
	got, err := r.f.ReadAt(r.buf, off)
	if int64(got) < want {
		r.buf, r.bufOff = r.buf[:0], 0
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("eventlog: segment %d offset %d: %w", r.pos.Segment, off, err)
	}
	r.bufOff = off
	return r.buf[:n], nil
}

func (r *Reader) corrupt(why error) error {
	return &CorruptError{Dir: r.log.dir, Segment: r.pos.Segment, Offset: r.pos.Offset, Reason: "corrupt record: " + why.Error()}
}

// Close releases the reader's file.
func (r *Reader) Close() error {
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}
