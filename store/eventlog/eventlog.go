// Package eventlog is the ingest write-ahead log: accepted event batches are
// appended and made durable before the server answers 202, the pipeline
// reads them back afterwards, and after a crash everything after the last
// checkpoint is read again.
//
// The log is a directory of segment files named by a 20-digit segment
// number ("00000000000000000001.wal"). Each segment starts with an 8-byte
// header (magic and format version) followed by records framed as
//
//	length  uint32 little endian, payload bytes
//	crc     uint32 little endian, CRC-32C (Castagnoli) of length and payload
//	payload
//
// Appends are group-committed: callers that arrive while a write is in
// flight are written together and synced once, so the cost of fsync is
// shared by everyone waiting for it.
package eventlog

import (
	"bufio"
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
	headerSize = 8 // segment header
	frameSize  = 8 // per-record length and CRC
	segmentExt = ".wal"
)

// magic starts every segment; the last byte is the format version.
var magic = [headerSize]byte{'W', 'D', 'N', 'E', 'L', 'O', 'G', 1}

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

// scanSegment reads a segment of size bytes and returns the length of its longest prefix
// that is a valid header followed by complete, intact records. torn reports
// a header that was never completely written (the segment was being created
// when the process died); such a segment holds no records.
func scanSegment(r io.Reader, size int64) (valid int64, torn bool, err error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var hdr [headerSize]byte
	if n, err := io.ReadFull(br, hdr[:]); err != nil {
		if n < headerSize && (err == io.EOF || err == io.ErrUnexpectedEOF) {
			return 0, true, nil
		}
		return 0, false, err
	}
	if hdr == ([headerSize]byte{}) {
		return 0, true, nil
	}
	if hdr != magic {
		return 0, false, errors.New("not an event log segment (bad header)")
	}
	valid = headerSize
	var frame [frameSize]byte
	var payload []byte
	for {
		if _, err := io.ReadFull(br, frame[:]); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return valid, false, nil
			}
			return valid, false, err
		}
		n := binary.LittleEndian.Uint32(frame[0:4])
		if n > MaxRecordBytes || valid+frameSize+int64(n) > size {
			return valid, false, nil
		}
		if cap(payload) < int(n) {
			payload = make([]byte, n)
		}
		payload = payload[:n]
		if _, err := io.ReadFull(br, payload); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return valid, false, nil
			}
			return valid, false, err
		}
		crc := crc32.Update(crc32.Checksum(frame[0:4], castagnoli), castagnoli, payload)
		if crc != binary.LittleEndian.Uint32(frame[4:8]) {
			return valid, false, nil
		}
		valid += frameSize + int64(n)
	}
}
