package simulate

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// Format is an output format of a Writer.
type Format string

// The output formats.
const (
	FormatCSV    Format = "csv"    // header and rows with the columns of Columns()
	FormatJSONL  Format = "jsonl"  // flat JSON objects with the CSV's keys
	FormatEvents Format = "events" // production events as Warden ingests them
)

// Writer streams transactions in one format, for runs too long to hold in
// memory. It buffers: call Flush at the end.
type Writer struct {
	w      io.Writer
	format Format
	buf    []byte
	rows   int  // transactions written so far, for error messages
	header bool // CSV header written
}

// NewWriter returns a Writer of the given format.
func NewWriter(w io.Writer, format Format) (*Writer, error) {
	switch format {
	case FormatCSV, FormatJSONL, FormatEvents:
	default:
		return nil, fmt.Errorf("unknown format %q (want csv, jsonl or events)", format)
	}
	return &Writer{w: w, format: format, buf: make([]byte, 0, flushSize+4096)}, nil
}

// Write appends transactions to the output. A transaction that no format
// can carry (a NaN or infinite value not marked missing) stops the writer
// with an error naming it.
func (w *Writer) Write(txs ...Transaction) error {
	w.writeHeader()
	for i := range txs {
		tx := &txs[i]
		w.rows++
		if err := checkFinite(w.rows, tx); err != nil {
			return err
		}
		switch w.format {
		case FormatCSV:
			w.buf = appendCSVRow(w.buf, tx)
		case FormatJSONL:
			w.buf = appendFlatJSON(w.buf, tx)
		case FormatEvents:
			w.buf = appendEventJSON(w.buf, tx)
		}
		if len(w.buf) >= flushSize {
			if err := w.flushBuffer(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Flush writes out what is buffered; a CSV output gets its header even
// when no transaction was written.
func (w *Writer) Flush() error {
	w.writeHeader()
	return w.flushBuffer()
}

func (w *Writer) writeHeader() {
	if w.header || w.format != FormatCSV {
		return
	}
	w.header = true
	for i, c := range columns {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = append(w.buf, c.Name...)
	}
	w.buf = append(w.buf, '\n')
}

// flushSize batches rows into large writes, which unbuffered files and
// pipes need to keep up with the generator.
const flushSize = 64 << 10

func (w *Writer) flushBuffer() error {
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.w.Write(w.buf)
	w.buf = w.buf[:0]
	return err
}

func writeAll(w io.Writer, format Format, txs []Transaction) error {
	out, err := NewWriter(w, format)
	if err != nil {
		return err
	}
	if err := out.Write(txs...); err != nil {
		return err
	}
	return out.Flush()
}

// WriteCSV writes a header and one row per transaction with the columns of
// Columns() only (no id, user or time), so reference and production files
// compare column for column. Missing features are empty fields.
func WriteCSV(w io.Writer, txs []Transaction) error { return writeAll(w, FormatCSV, txs) }

// WriteJSONL writes one flat JSON object per transaction, with the keys of
// the CSV header in the same order. Missing features are null.
func WriteJSONL(w io.Writer, txs []Transaction) error { return writeAll(w, FormatJSONL, txs) }

// WriteEvents writes one production event per line, the shape Warden
// ingests: {"id","model","user","time","features":{...},
// "prediction":{"label","score"},"label"}. The predicted label is
// score >= 0.5; the time is RFC 3339 in UTC with milliseconds. Missing
// features are null.
func WriteEvents(w io.Writer, txs []Transaction) error { return writeAll(w, FormatEvents, txs) }

func appendFlatJSON(b []byte, tx *Transaction) []byte {
	b = append(b, '{')
	b = appendFeaturesJSON(b, tx)
	b = append(b, `,"score":`...)
	b = strconv.AppendFloat(b, tx.Score, 'f', 4, 64)
	b = append(b, `,"label":`...)
	b = strconv.AppendInt(b, int64(tx.Label), 10)
	return append(b, "}\n"...)
}

func appendEventJSON(b []byte, tx *Transaction) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, tx.ID)
	b = append(b, `,"model":"`+ModelName+`","user":`...)
	b = appendJSONString(b, tx.User)
	b = append(b, `,"time":"`...)
	b = tx.Time.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	b = append(b, `","features":{`...)
	b = appendFeaturesJSON(b, tx)
	b = append(b, `},"prediction":{"label":`...)
	predicted := byte('0')
	if tx.Score >= 0.5 {
		predicted = '1'
	}
	b = append(b, predicted)
	b = append(b, `,"score":`...)
	b = strconv.AppendFloat(b, tx.Score, 'f', 4, 64)
	b = append(b, `},"label":`...)
	b = strconv.AppendInt(b, int64(tx.Label), 10)
	return append(b, "}\n"...)
}

// checkFinite rejects values no output format can carry.
func checkFinite(row int, tx *Transaction) error {
	for _, v := range [...]struct {
		name    string
		value   float64
		feature FeatureSet
	}{
		{ColTransactionAmount, tx.TransactionAmount, FeatureTransactionAmount},
		{ColDistanceFromHomeKm, tx.DistanceFromHomeKm, FeatureDistanceFromHomeKm},
		{ColScore, tx.Score, 0},
	} {
		if (v.feature == 0 || !tx.Missing.Has(v.feature)) && (math.IsNaN(v.value) || math.IsInf(v.value, 0)) {
			where := fmt.Sprintf("transaction %d", row)
			if tx.ID != "" {
				where += fmt.Sprintf(" (%s)", tx.ID)
			}
			return fmt.Errorf("%s: %s is %v: mark a missing value in Missing instead", where, v.name, v.value)
		}
	}
	return nil
}

func appendCSVRow(b []byte, tx *Transaction) []byte {
	m := tx.Missing
	if !m.Has(FeatureTransactionAmount) {
		b = strconv.AppendFloat(b, tx.TransactionAmount, 'f', 2, 64)
	}
	b = append(b, ',')
	if !m.Has(FeatureMerchantCategory) {
		b = appendCSVField(b, tx.MerchantCategory)
	}
	b = append(b, ',')
	if !m.Has(FeatureHour) {
		b = strconv.AppendInt(b, int64(tx.Hour), 10)
	}
	b = append(b, ',')
	if !m.Has(FeatureDistanceFromHomeKm) {
		b = strconv.AppendFloat(b, tx.DistanceFromHomeKm, 'f', 1, 64)
	}
	b = append(b, ',')
	if !m.Has(FeatureCardPresent) {
		b = strconv.AppendBool(b, tx.CardPresent)
	}
	b = append(b, ',')
	if !m.Has(FeatureAccountAgeDays) {
		b = strconv.AppendInt(b, int64(tx.AccountAgeDays), 10)
	}
	b = append(b, ',')
	if !m.Has(FeatureNumTxLast24h) {
		b = strconv.AppendInt(b, int64(tx.NumTxLast24h), 10)
	}
	b = append(b, ',')
	b = strconv.AppendFloat(b, tx.Score, 'f', 4, 64)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(tx.Label), 10)
	return append(b, '\n')
}

// appendFeaturesJSON appends the feature members of a JSON object, without
// braces.
func appendFeaturesJSON(b []byte, tx *Transaction) []byte {
	m := tx.Missing
	b = append(b, `"transaction_amount":`...)
	if m.Has(FeatureTransactionAmount) {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendFloat(b, tx.TransactionAmount, 'f', 2, 64)
	}
	b = append(b, `,"merchant_category":`...)
	if m.Has(FeatureMerchantCategory) {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, tx.MerchantCategory)
	}
	b = append(b, `,"hour":`...)
	if m.Has(FeatureHour) {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(tx.Hour), 10)
	}
	b = append(b, `,"distance_from_home_km":`...)
	if m.Has(FeatureDistanceFromHomeKm) {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendFloat(b, tx.DistanceFromHomeKm, 'f', 1, 64)
	}
	b = append(b, `,"card_present":`...)
	if m.Has(FeatureCardPresent) {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendBool(b, tx.CardPresent)
	}
	b = append(b, `,"account_age_days":`...)
	if m.Has(FeatureAccountAgeDays) {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(tx.AccountAgeDays), 10)
	}
	b = append(b, `,"num_tx_last_24h":`...)
	if m.Has(FeatureNumTxLast24h) {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(tx.NumTxLast24h), 10)
	}
	return b
}

// appendCSVField quotes a field when a CSV reader would otherwise split or
// trim it (RFC 4180), doubling inner quotes.
func appendCSVField(b []byte, s string) []byte {
	needsQuotes := s != "" && (s[0] == ' ' || s[0] == '\t' || s[len(s)-1] == ' ' || s[len(s)-1] == '\t')
	for i := 0; i < len(s) && !needsQuotes; i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			needsQuotes = true
		}
	}
	if !needsQuotes {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does, so the output is always valid JSON.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON, but they end lines in JavaScript.
			b = append(b, `\u202`...)
			b = append(b, hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
