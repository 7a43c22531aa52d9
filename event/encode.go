package event

import (
	"strconv"
	"time"

	"github.com/warden-ml/warden/internal/jsonw"
)

// AppendJSON appends e as one JSON object in the schema Decode reads, with
// keys in a fixed order: id, model, user, time, features, prediction,
// prompt, output, label. Empty optional fields are left out. The time is
// RFC 3339 in UTC with milliseconds, and more digits only when the time has
// them, so decoding gives back the same instant. Non-finite numbers, which
// JSON cannot hold, are written as null; invalid UTF-8 becomes U+FFFD.
func AppendJSON(dst []byte, e *Event) []byte {
	dst = append(dst, '{')
	if e.ID != "" {
		dst = jsonw.AppendString(append(dst, `"id":`...), e.ID)
		dst = append(dst, ',')
	}
	dst = jsonw.AppendString(append(dst, `"model":`...), e.Model)
	if e.User != "" {
		dst = jsonw.AppendString(append(dst, `,"user":`...), e.User)
	}
	if !e.Time.IsZero() {
		dst = appendTime(append(dst, `,"time":`...), e.Time)
	}
	if len(e.Features) > 0 {
		dst = append(dst, `,"features":{`...)
		for k, f := range e.Features {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = jsonw.AppendString(dst, f.Name)
			dst = appendValue(append(dst, ':'), f.Value)
		}
		dst = append(dst, '}')
	}
	if pr := &e.Prediction; pr.Label.Kind != Null || pr.HasScore || len(pr.Probabilities) > 0 {
		dst = append(dst, `,"prediction":{`...)
		comma := false
		if pr.Label.Kind != Null {
			dst = appendValue(append(dst, `"label":`...), pr.Label)
			comma = true
		}
		if pr.HasScore {
			if comma {
				dst = append(dst, ',')
			}
			dst = jsonw.AppendFloat(append(dst, `"score":`...), pr.Score)
			comma = true
		}
		if len(pr.Probabilities) > 0 {
			if comma {
				dst = append(dst, ',')
			}
			dst = appendProbabilities(append(dst, `"probabilities":`...), pr.Probabilities)
		}
		dst = append(dst, '}')
	}
	if e.Prompt != "" {
		dst = jsonw.AppendString(append(dst, `,"prompt":`...), e.Prompt)
	}
	if e.Output != "" {
		dst = jsonw.AppendString(append(dst, `,"output":`...), e.Output)
	}
	if e.Label.Kind != Null {
		dst = appendValue(append(dst, `,"label":`...), e.Label)
	}
	return append(dst, '}')
}

// appendProbabilities writes an array when the classes are "0", "1", ...
// in order, as Decode names the entries of an array, else an object.
func appendProbabilities(dst []byte, probs []ClassProb) []byte {
	indexed := true
	var index [20]byte
	for k, cp := range probs {
		if cp.Class != string(strconv.AppendInt(index[:0], int64(k), 10)) {
			indexed = false
			break
		}
	}
	if indexed {
		dst = append(dst, '[')
		for k, cp := range probs {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = jsonw.AppendFloat(dst, cp.P)
		}
		return append(dst, ']')
	}
	dst = append(dst, '{')
	for k, cp := range probs {
		if k > 0 {
			dst = append(dst, ',')
		}
		dst = jsonw.AppendString(dst, cp.Class)
		dst = jsonw.AppendFloat(append(dst, ':'), cp.P)
	}
	return append(dst, '}')
}

func appendValue(dst []byte, v Value) []byte {
	switch v.Kind {
	case Number:
		return jsonw.AppendFloat(dst, v.Num)
	case String:
		return jsonw.AppendString(dst, v.Str)
	case Bool:
		if v.Num != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	}
	return append(dst, "null"...)
}

// appendTime writes t in UTC as RFC 3339 with at least milliseconds. Times
// outside the years 1 to 9999, which RFC 3339 cannot write, are written as
// Unix seconds (which Decode rejects as out of range).
func appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	if y := t.Year(); y < 1 || y > 9999 {
		sec, ns := t.Unix(), t.Nanosecond()
		if sec < 0 && ns > 0 {
			// t.Unix() is the floor; a negative number is written from zero.
			sec, ns = sec+1, 1e9-ns
		}
		dst = strconv.AppendInt(dst, sec, 10)
		if ns != 0 {
			dst = append(dst, '.')
			dst = appendFraction(dst, ns, 9)
		}
		return dst
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, "2006-01-02T15:04:05")
	dst = append(dst, '.')
	ns := t.Nanosecond()
	switch {
	case ns%1e6 == 0:
		dst = appendFraction(dst, ns/1e6, 3)
	case ns%1e3 == 0:
		dst = appendFraction(dst, ns/1e3, 6)
	default:
		dst = appendFraction(dst, ns, 9)
	}
	return append(dst, `Z"`...)
}

// appendFraction writes v zero-padded to width digits.
func appendFraction(dst []byte, v, width int) []byte {
	start := len(dst)
	for range width {
		dst = append(dst, '0')
	}
	for k := len(dst) - 1; k >= start && v > 0; k-- {
		dst[k] = byte('0' + v%10)
		v /= 10
	}
	return dst
}
