package main

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// numFeatures is the width of every event: f0 .. f19.
const numFeatures = 20

// Fixed-width slots that are rewritten in place each time a batch is sent,
// so cycling a few hundred pre-encoded batches costs a copy and a few bytes
// per event instead of encoding JSON again.
const (
	idDigits   = 12
	timeLayout = "2006-01-02T15:04:05.000000Z" // microseconds keep 10 µs steps strictly increasing
	timeWidth  = len(timeLayout)
	maxSeq     = 1e12 // idDigits decimal digits
)

// featureNames are f0 .. f19, the reference CSV's header.
var featureNames = func() [numFeatures]string {
	var names [numFeatures]string
	for i := range names {
		names[i] = "f" + strconv.Itoa(i)
	}
	return names
}()

// draw fills row with one event's features. The columns mix shapes a model
// really sees (a log-normal amount, counts with ties, bounded ratios, wide
// and narrow normals) so the KS tests and the number parser both meet the
// cases they have to handle. drifted shifts three columns after the change.
func draw(rng *rand.Rand, row *[numFeatures]float64, drifted bool) {
	shift := 0.0
	if drifted {
		shift = 1
	}
	row[0] = round(math.Exp(3+rng.NormFloat64()+0.3*shift), 2) // amount
	for i := 1; i < 16; i++ {
		row[i] = round(float64(i)+(1+float64(i)/10)*rng.NormFloat64(), 4)
	}
	row[1] += 0.5 * shift                                    // mean shift of half a standard deviation
	row[5] = round(5+1.5*(1+0.5*shift)*rng.NormFloat64(), 4) // wider spread
	row[16] = float64(poisson(rng, 3))
	row[17] = float64(poisson(rng, 12+3*shift))
	row[18] = round(rng.Float64(), 6)
	row[19] = round(-250+1000*rng.NormFloat64(), 3)
}

func round(v float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(v*p) / p
}

// poisson draws by Knuth's multiplication method, fine for small means.
func poisson(rng *rand.Rand, mean float64) int {
	limit, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= limit {
			return k
		}
		k++
	}
}

// template is one pre-encoded NDJSON batch and where its id and time slots
// are.
type template struct {
	body  []byte
	ids   []int32 // offset of each event's idDigits-digit id
	times []int32 // offset of each event's timeWidth-byte time
}

// genOptions say what batches look like.
type genOptions struct {
	Model string
	Batch int     // events per batch
	Users int     // distinct users
	Zipf  float64 // user popularity exponent (> 1); a few heavy users, a long tail
	Seed  uint64
}

// templates encodes n distinct batches, drifted or not. Users are drawn
// from a Zipf law so that some users are heavy and most are rare, as in
// real traffic.
func templates(o genOptions, n int, drifted bool) []template {
	stream := uint64(1)
	if drifted {
		stream = 2
	}
	rng := rand.New(rand.NewPCG(o.Seed, stream))
	users := rand.NewZipf(rng, o.Zipf, 1, uint64(o.Users-1))
	var row [numFeatures]float64
	out := make([]template, n)
	for b := range out {
		t := template{ids: make([]int32, o.Batch), times: make([]int32, o.Batch)}
		body := make([]byte, 0, o.Batch*420)
		for i := 0; i < o.Batch; i++ {
			draw(rng, &row, drifted)
			body = append(body, `{"id":"e`...)
			t.ids[i] = int32(len(body))
			body = append(body, "000000000000"...)
			body = append(body, `","model":`...)
			body = strconv.AppendQuote(body, o.Model)
			body = append(body, `,"user":"u`...)
			body = strconv.AppendUint(body, users.Uint64(), 10)
			body = append(body, `","time":"`...)
			t.times[i] = int32(len(body))
			body = append(body, timeLayout...)
			body = append(body, `","features":{`...)
			for f, v := range row {
				if f > 0 {
					body = append(body, ',')
				}
				body = append(body, '"')
				body = append(body, featureNames[f]...)
				body = append(body, `":`...)
				body = strconv.AppendFloat(body, v, 'f', -1, 64)
			}
			body = append(body, `},"prediction":{"score":`...)
			body = strconv.AppendFloat(body, round(rng.Float64(), 4), 'f', -1, 64)
			body = append(body, "}}\n"...)
		}
		t.body = body
		out[b] = t
	}
	return out
}

// stamp copies t into dst and gives its events the ids first, first+1, ...
// and the times base + id*step.
func stamp(dst []byte, t *template, first int64, base time.Time, step time.Duration) []byte {
	dst = append(dst[:0], t.body...)
	for i := range t.ids {
		seq := first + int64(i)
		putDigits(dst[t.ids[i]:t.ids[i]+idDigits], seq)
		putTime(dst[t.times[i]:t.times[i]+int32(timeWidth)], base.Add(time.Duration(seq)*step))
	}
	return dst
}

// putDigits writes n right-aligned with leading zeros; n fits (checked by
// the flags).
func putDigits(dst []byte, n int64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte('0' + n%10)
		n /= 10
	}
}

// putTime writes t (UTC) as timeLayout without time.AppendFormat's
// generality, which would be most of the generator's CPU.
func putTime(dst []byte, t time.Time) {
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	putDigits(dst[0:4], int64(year))
	putDigits(dst[5:7], int64(month))
	putDigits(dst[8:10], int64(day))
	putDigits(dst[11:13], int64(hour))
	putDigits(dst[14:16], int64(minute))
	putDigits(dst[17:19], int64(sec))
	putDigits(dst[20:26], int64(t.Nanosecond()/1000))
}

// writeCSV writes rows events' features as CSV with the f0..f19 header:
// the reference for the server, and the same stream for the lab's
// baseline. With driftAt >= 0, rows from driftAt on are drifted.
func writeCSV(w io.Writer, seed uint64, rows, driftAt int) error {
	rng := rand.New(rand.NewPCG(seed, 3))
	var row [numFeatures]float64
	var buf bytes.Buffer
	for f, name := range featureNames {
		if f > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(name)
	}
	buf.WriteByte('\n')
	line := make([]byte, 0, 256)
	for r := 0; r < rows; r++ {
		draw(rng, &row, driftAt >= 0 && r >= driftAt)
		line = line[:0]
		for f, v := range row {
			if f > 0 {
				line = append(line, ',')
			}
			line = strconv.AppendFloat(line, v, 'f', -1, 64)
		}
		line = append(line, '\n')
		buf.Write(line)
		if buf.Len() > 1<<20 {
			if _, err := w.Write(buf.Bytes()); err != nil {
				return fmt.Errorf("writing CSV row %d: %w", r+1, err)
			}
			buf.Reset()
		}
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing CSV: %w", err)
	}
	return nil
}
