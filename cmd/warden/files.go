package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/warden-ml/warden/drift"
	"github.com/warden-ml/warden/outlier"
)

// fileKind is what a file holds, told by its content: users name files as
// they like, and a file given to the wrong flag deserves an error that says
// what it is rather than a parser's complaint about its bytes.
type fileKind uint8

const (
	kindData     fileKind = iota // text, maybe gzipped: CSV or JSON lines for package dataset
	kindProfile                  // written by warden profile build
	kindDetector                 // written by warden outliers --save
	kindOther                    // none of these (empty, binary, a damaged gzip)
)

// fileInfo is a file's kind and how messages name it ("a CSV data file").
type fileInfo struct {
	kind fileKind
	what string
}

// sniffLen is how much of a file, decompressed if need be, tells its kind.
const sniffLen = 512

// sniff tells what the file at path holds from its first bytes.
func sniff(path string) (fileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return fileInfo{}, usageErr(err)
	}
	defer f.Close()
	head, err := readHead(f)
	if err != nil {
		return fileInfo{}, usageErrf("%s: %w", path, err)
	}
	switch {
	case len(head) == 0:
		return fileInfo{kindOther, "an empty file"}, nil
	case outlier.IsEncoded(head):
		return fileInfo{kindDetector, "a saved outlier detector"}, nil
	case len(head) < 2 || head[0] != 0x1f || head[1] != 0x8b:
		if what := textKind(head); what != "" {
			return fileInfo{kindData, "a " + what}, nil
		}
		return fileInfo{kindOther, "a file of an unknown kind"}, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fileInfo{}, usageErrf("%s: %w", path, err)
	}
	if drift.IsProfile(bufio.NewReader(f)) {
		return fileInfo{kindProfile, "a Warden profile"}, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fileInfo{}, usageErrf("%s: %w", path, err)
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fileInfo{kindOther, "a damaged gzip file"}, nil
	}
	text, err := readHead(zr)
	if err != nil && len(text) == 0 {
		return fileInfo{kindOther, "a damaged gzip file"}, nil
	}
	if what := textKind(text); what != "" {
		return fileInfo{kindData, "a gzip-compressed " + what}, nil
	}
	return fileInfo{kindOther, "a gzip file of an unknown kind"}, nil
}

// readHead reads up to sniffLen bytes; a shorter input is not an error.
func readHead(r io.Reader) ([]byte, error) {
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(r, head)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil
	}
	return head[:n], err
}

// textKind names text as package dataset would read it, a JSON-lines file
// when it opens with '{', else CSV; "" when it is not text.
func textKind(b []byte) string {
	if len(b) == sniffLen {
		// The cut may fall inside a character.
		for i := 0; i < utf8.UTFMax-1 && !utf8.Valid(b); i++ {
			b = b[:len(b)-1]
		}
	}
	if bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b) {
		return ""
	}
	if t := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\uFEFF")), " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return "JSON-lines data file"
	}
	return "CSV data file"
}

// wrongFile is the error for a file given to flag that holds something
// else: what it is, what the flag takes, and what to do instead.
func wrongFile(flag, path string, info fileInfo, want, todo string) error {
	msg := fmt.Sprintf("%s %s is %s, not %s", flag, path, info.what, want)
	if todo != "" {
		msg += ": " + todo
	}
	return usageErr(errors.New(msg))
}

// checkData rejects a profile or a saved detector given to a flag that
// takes data; other files are left to package dataset, whose errors say
// where a data file goes wrong.
func checkData(flag, path string) error {
	info, err := sniff(path)
	if err != nil {
		return err
	}
	if info.kind != kindProfile && info.kind != kindDetector {
		return nil
	}
	var todo string
	switch {
	case flag == "--train":
		todo = "pass it as --detector"
		if info.kind == kindProfile {
			todo += ", which scores with the outlier detector inside it"
		}
	case flag == "--data" && info.kind == kindProfile:
		todo = "warden profile show " + path + " prints what it holds"
	case flag == "--current" && info.kind == kindProfile:
		todo = "a profile stands for reference data only (--reference)"
	}
	return wrongFile(flag, path, info, "data (CSV or JSON lines)", todo)
}
