package simulate

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// WriteCSV writes a header and one row per transaction with the columns of
// Columns() only, so reference and production files compare column for
// column. Missing features are empty fields.
func WriteCSV(w io.Writer, txs []Transaction) error {
	out := newBufferedWriter(w)
	for i, c := range columns {
		if i > 0 {
			out.buf = append(out.buf, ',')
		}
		out.buf = append(out.buf, c.Name...)
	}
	out.buf = append(out.buf, '\n')
	for i := range txs {
		tx := &txs[i]
		if err := checkFinite(i, tx); err != nil {
			return err
		}
		out.buf = appendCSVRow(out.buf, tx)
		if err := out.maybeFlush(); err != nil {
			return err
		}
	}
	return out.flush()
}

// WriteJSONL writes one flat JSON object per transaction, with the keys of
// the CSV header in the same order. Missing features are null.
func WriteJSONL(w io.Writer, txs []Transaction) error {
	out := newBufferedWriter(w)
	for i := range txs {
		tx := &txs[i]
		if err := checkFinite(i, tx); err != nil {
			return err
		}
		b := append(out.buf, '{')
		b = appendFeaturesJSON(b, tx)
		b = append(b, `,"score":`...)
		b = strconv.AppendFloat(b, tx.Score, 'f', 4, 64)
		b = append(b, `,"label":`...)
		b = strconv.AppendInt(b, int64(tx.Label), 10)
		out.buf = append(b, "}\n"...)
		if err := out.maybeFlush(); err != nil {
			return err
		}
	}
	return out.flush()
}

// WriteEvents writes one production event per line, the shape Warden
// ingests: {"id","model","user","time","features":{...},
// "prediction":{"label","score"},"label"}. The predicted label is
// score >= 0.5; the time is RFC 3339 in UTC with milliseconds.
func WriteEvents(w io.Writer, txs []Transaction) error {
	out := newBufferedWriter(w)
	for i := range txs {
		tx := &txs[i]
		if err := checkFinite(i, tx); err != nil {
			return err
		}
		b := append(out.buf, `{"id":`...)
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
		out.buf = append(b, "}\n"...)
		if err := out.maybeFlush(); err != nil {
			return err
		}
	}
	return out.flush()
}

// checkFinite rejects values no output format can carry.
func checkFinite(i int, tx *Transaction) error {
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
			where := fmt.Sprintf("transaction %d", i+1)
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

// bufferedWriter batches rows into large writes, which unbuffered files and
// pipes need to reach the speed of the generator.
type bufferedWriter struct {
	w   io.Writer
	buf []byte
}

const flushSize = 64 << 10

func newBufferedWriter(w io.Writer) *bufferedWriter {
	return &bufferedWriter{w: w, buf: make([]byte, 0, flushSize+512)}
}

func (o *bufferedWriter) maybeFlush() error {
	if len(o.buf) < flushSize {
		return nil
	}
	return o.flush()
}

func (o *bufferedWriter) flush() error {
	_, err := o.w.Write(o.buf)
	o.buf = o.buf[:0]
	return err
}
