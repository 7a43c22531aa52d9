// Package eventlog is the ingest write-ahead log: accepted event batches are
// appended and made durable before the server answers 202, the pipeline
// reads them back afterwards, and after a crash everything after the last
// checkpoint is read again.
//
// The log is a directory of segment files named by a 20-digit segment
// number ("00000000000000000001.wal"). Each segment starts with a 32-byte
// header
//
//	magic    "WDNELOG" and the format version (2)
//	segment  uint64 little endian, the segment's own number
//	first    uint64 little endian, how many records all earlier segments hold
//	reserved uint32
//	crc      uint32 little endian, CRC-32C of the 28 bytes before it
//
// so that a renamed, reordered or missing segment is detected, followed by
// records framed as
//
//	length  uint32 little endian, payload bytes
//	crc     uint32 little endian, CRC-32C (Castagnoli) of length and payload
//	payload
//
// Segments of format version 1 (an 8-byte header: magic and version) are
// read as they are; new segments are always written in version 2.
//
// Appends are group-committed: callers that arrive while a write is in
// flight are written together and synced once, so the cost of fsync is
// shared by everyone waiting for it.
//
// Damage is told apart from a torn tail. A crash can only cut the final
// record short, and that record was never acknowledged. A checksum
// mismatch or a length pointing past the data, with an intact record after
// it or before the end the log last knew to be durable (the END file,
// written at most once a second), is corruption: Open refuses with a
// *CorruptError naming the segment and offset, Verify reports it and
// Repair quarantines it.
package eventlog

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
)

// MaxRecordBytes is the largest record payload. It bounds what a corrupt
// length field can make the recovery scan or a reader allocate.
const MaxRecordBytes = 64 << 20

// DefaultSegmentBytes is the segment size used when Options.SegmentBytes is 0.
const DefaultSegmentBytes = 64 << 20

const (
	headerV1   = 8  // format version 1: magic and version
	headerSize = 32 // format version 2, which new segments are written in
	frameSize  = 8  // per-record length and CRC
	segmentExt = ".wal"
)

// magic starts every segment; the last byte is the format version.
var magic = [8]byte{'W', 'D', 'N', 'E', 'L', 'O', 'G', 2}

// magicV1 starts the segments of format version 1.
var magicV1 = [8]byte{'W', 'D', 'N', 'E', 'L', 'O', 'G', 1}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrClosed is returned by operations on a closed Log.
var ErrClosed = errors.New("eventlog: log is closed")

// Position is where a record starts in the log, or, as returned for "next",
// where the record after it would start. Positions compare with == and are
// totally ordered by Compare. The zero Position means the oldest retained
// record.
type Position struct {
	Segment uint64 `json:"segment"`
	Offset  int64  `json:"offset"`
}

// Compare returns -1, 0 or +1 as p is before, equal to or after q.
func (p Position) Compare(q Position) int {
	switch {
	case p.Segment < q.Segment:
		return -1
	case p.Segment > q.Segment:
		return 1
	case p.Offset < q.Offset:
		return -1
	case p.Offset > q.Offset:
		return 1
	}
	return 0
}

// String formats p as "segment:offset".
func (p Position) String() string {
	return strconv.FormatUint(p.Segment, 10) + ":" + strconv.FormatInt(p.Offset, 10)
}

func segmentName(seg uint64) string {
	return fmt.Sprintf("%020d%s", seg, segmentExt)
}

// parseSegmentName returns the segment number of a file name, or false for
// files that are not segments.
func parseSegmentName(name string) (uint64, bool) {
	if len(name) != 20+len(segmentExt) || name[20:] != segmentExt {
		return 0, false
	}
	seg, err := strconv.ParseUint(name[:20], 10, 64)
	if err != nil || seg == 0 {
		return 0, false
	}
	return seg, true
}

// appendFrame appends one framed record to dst.
func appendFrame(dst, rec []byte) []byte {
	var hdr [frameSize]byte
	binary.LittleEndian.PutUint32(hdr[0:4], uint32(len(rec)))
	crc := crc32.Update(crc32.Checksum(hdr[0:4], castagnoli), castagnoli, rec)
	binary.LittleEndian.PutUint32(hdr[4:8], crc)
	dst = append(dst, hdr[:]...)
	return append(dst, rec...)
}

// frameError says why the bytes at an offset are not a complete, intact
// record.
type frameError string

func (e frameError) Error() string { return string(e) }

const (
	errShortFrame  frameError = "partial record header"
	errShortRecord frameError = "partial record payload"
	errTooLong     frameError = "record length exceeds MaxRecordBytes"
	errChecksum    frameError = "checksum mismatch"
)

// decodeFrame decodes the record at the start of b and returns its payload
// and total framed size.
func decodeFrame(b []byte) (rec []byte, size int, err error) {
	if len(b) < frameSize {
		return nil, 0, errShortFrame
	}
	n := binary.LittleEndian.Uint32(b[0:4])
	if n > MaxRecordBytes {
		return nil, 0, errTooLong
	}
	size = frameSize + int(n)
	if len(b) < size {
		return nil, 0, errShortRecord
	}
	rec = b[frameSize:size]
	crc := crc32.Update(crc32.Checksum(b[0:4], castagnoli), castagnoli, rec)
	if crc != binary.LittleEndian.Uint32(b[4:8]) {
		return nil, 0, errChecksum
	}
	return rec, size, nil
}

// segmentHeader is what a segment's header says.
type segmentHeader struct {
	version byte
	size    int64  // bytes before the first record
	segment uint64 // 0 in version 1, which does not say
	first   uint64 // records in all earlier segments; version 2 only
}

// encodeHeader is the version 2 header of segment seg whose first record is
// record number first of the log.
func encodeHeader(seg, first uint64) []byte {
	b := make([]byte, headerSize)
	copy(b, magic[:])
	binary.LittleEndian.PutUint64(b[8:], seg)
	binary.LittleEndian.PutUint64(b[16:], first)
	binary.LittleEndian.PutUint32(b[28:], crc32.Checksum(b[:28], castagnoli))
	return b
}

// errTornHeader is a header never completely written: the segment was
// being created when the process died, and holds no records.
var errTornHeader = errors.New("segment header never completely written")

// readHeader reads the header of the segment file f, numbered seg.
func readHeader(f io.ReaderAt, seg uint64) (segmentHeader, error) {
	var b [headerSize]byte
	n, err := f.ReadAt(b[:], 0)
	if err != nil && err != io.EOF {
		return segmentHeader{}, err
	}
	allZero := bytes.Count(b[:n], []byte{0}) == n
	m := min(n, 8)
	switch {
	case n >= headerV1 && [8]byte(b[:8]) == magicV1:
		return segmentHeader{version: 1, size: headerV1}, nil
	case allZero:
		return segmentHeader{}, errTornHeader
	case !bytes.Equal(b[:m], magic[:m]):
		return segmentHeader{}, errors.New("not an event log segment (bad header)")
	case n < headerSize:
		return segmentHeader{}, errTornHeader
	case binary.LittleEndian.Uint32(b[28:]) != crc32.Checksum(b[:28], castagnoli):
		return segmentHeader{}, errors.New("segment header checksum mismatch")
	}
	h := segmentHeader{version: 2, size: headerSize, segment: binary.LittleEndian.Uint64(b[8:]), first: binary.LittleEndian.Uint64(b[16:])}
	if h.segment != seg {
		return segmentHeader{}, fmt.Errorf("the header says segment %d: the file was renamed or moved", h.segment)
	}
	return h, nil
}

// scan is what a look through one segment found.
type scan struct {
	header  segmentHeader
	torn    bool  // the header was never completely written
	valid   int64 // end of the longest intact prefix: header and whole, intact records
	records int64 // records in that prefix
	size    int64 // the file's size
	bad     string
	// resumes is where the first intact record after valid starts, -1 when
	// none does: intact data after damage means corruption, not a tear.
	resumes int64
}

// scanSegment reads segment seg (file f, size bytes) and finds its intact
// prefix and, past damage, whether intact records follow.
func scanSegment(f io.ReaderAt, seg uint64, size int64) (scan, error) {
	sc := scan{size: size, resumes: -1}
	h, err := readHeader(f, seg)
	if errors.Is(err, errTornHeader) {
		sc.torn = true
		return sc, nil
	}
	if err != nil {
		return sc, err
	}
	sc.header, sc.valid = h, h.size
	br := bufio.NewReaderSize(io.NewSectionReader(f, h.size, size-h.size), 1<<20)
	var frame [frameSize]byte
	var payload []byte
	for sc.valid < size {
		if _, err := io.ReadFull(br, frame[:]); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				sc.bad = string(errShortFrame)
				break
			}
			return sc, err
		}
		n := binary.LittleEndian.Uint32(frame[0:4])
		if n > MaxRecordBytes {
			sc.bad = string(errTooLong)
			break
		}
		if sc.valid+frameSize+int64(n) > size {
			sc.bad = "record length points past the end of the segment"
			break
		}
		if cap(payload) < int(n) {
			payload = make([]byte, n)
		}
		payload = payload[:n]
		if _, err := io.ReadFull(br, payload); err != nil {
			return sc, err
		}
		crc := crc32.Update(crc32.Checksum(frame[0:4], castagnoli), castagnoli, payload)
		if crc != binary.LittleEndian.Uint32(frame[4:8]) {
			sc.bad = string(errChecksum)
			break
		}
		sc.valid += frameSize + int64(n)
		sc.records++
	}
	if sc.bad != "" {
		sc.resumes, err = nextIntact(f, sc.valid+1, size)
	}
	return sc, err
}

// nextIntact finds the first offset at or after from, before size, where an
// intact record starts; -1 when there is none. Records hold JSON text, which
// never has a zero byte, so only offsets whose length's high byte is zero
// are candidates and the search is quick.
func nextIntact(f io.ReaderAt, from, size int64) (int64, error) {
	if from+frameSize > size {
		return -1, nil
	}
	rest := make([]byte, size-from)
	if _, err := f.ReadAt(rest, from); err != nil && err != io.EOF {
		return -1, err
	}
	for i := 0; i+frameSize <= len(rest); i++ {
		if rest[i+3] != 0 {
			continue
		}
		n := int(binary.LittleEndian.Uint32(rest[i:]))
		if n > MaxRecordBytes || i+frameSize+n > len(rest) {
			continue
		}
		if _, _, err := decodeFrame(rest[i:]); err == nil {
			return from + int64(i), nil
		}
	}
	return -1, nil
}
