package simulate

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Drift changes one feature of the production traffic from From to Until.
//
// Numeric features take Scale and Shift (value·Scale + Shift, clamped at zero;
// the hour shifts round the clock and cannot be scaled). The merchant category
// takes NewCategory with NewShare: that share of the traffic is moved to the
// category, usually one the model never saw. Card presence takes NewCategory
// "true" or "false" with NewShare the same way. Any feature takes NullRate.
type Drift struct {
	Feature     string
	From, Until time.Duration // offsets from Options.Start; Until 0 = to the end
	Ramp        time.Duration // optional: effect grows linearly from 0 to full over Ramp after From (gradual drift)
	Shift       float64       // numeric: added (in the feature's units)
	Scale       float64       // numeric: multiplied (0 or 1 = unchanged)
	NewCategory string        // categorical: an unseen category ...
	NewShare    float64       // ... taking this share of the traffic
	NullRate    float64       // share of values made missing
}

// Bounds that keep drifted values finite and representable as integers.
const (
	maxDriftScale = 1e6
	maxDriftShift = 1e9
	maxNameLength = 64
)

// featureKind says which drifts make sense for a feature.
type featureKind uint8

const (
	kindReal        featureKind = iota // transaction_amount, distance_from_home_km
	kindCount                          // account_age_days, num_tx_last_24h
	kindHour                           // cyclic
	kindCategorical                    // merchant_category
	kindBoolean                        // card_present
)

func kindOf(feature string) (featureKind, error) {
	switch feature {
	case ColTransactionAmount, ColDistanceFromHomeKm:
		return kindReal, nil
	case ColAccountAgeDays, ColNumTxLast24h:
		return kindCount, nil
	case ColHour:
		return kindHour, nil
	case ColMerchantCategory:
		return kindCategorical, nil
	case ColCardPresent:
		return kindBoolean, nil
	case ColScore, ColLabel:
		return 0, fmt.Errorf("%s is computed from the features, not drawn: drift a feature instead", feature)
	}
	names := make([]string, numFeatures)
	for i := range names {
		names[i] = columns[i].Name
	}
	return 0, fmt.Errorf("unknown feature %q (want one of %s)", feature, strings.Join(names, ", "))
}

// Validate reports the first setting of d that is out of range or makes no
// sense for the feature's type.
func (d Drift) Validate() error {
	if err := d.validate(); err != nil {
		if d.Feature == "" {
			return fmt.Errorf("drift: %w", err)
		}
		return fmt.Errorf("drift on %s: %w", d.Feature, err)
	}
	return nil
}

func (d Drift) validate() error {
	kind, err := kindOf(d.Feature)
	if err != nil {
		return err
	}
	switch {
	case d.From < 0:
		return fmt.Errorf("from %v is negative", d.From)
	case d.Until < 0:
		return fmt.Errorf("until %v is negative", d.Until)
	case d.Until != 0 && d.Until <= d.From:
		return fmt.Errorf("until %v is not after from %v", d.Until, d.From)
	case d.Ramp < 0:
		return fmt.Errorf("ramp %v is negative", d.Ramp)
	case d.Until != 0 && d.Ramp > d.Until-d.From:
		return fmt.Errorf("ramp %v is longer than the drift window %v..%v, so the full effect is never reached", d.Ramp, d.From, d.Until)
	case !(d.Scale >= 0 && d.Scale <= maxDriftScale):
		return fmt.Errorf("scale %v is not between 0 and %g", d.Scale, float64(maxDriftScale))
	case !(math.Abs(d.Shift) <= maxDriftShift):
		return fmt.Errorf("shift %v is not between -%g and %g", d.Shift, float64(maxDriftShift), float64(maxDriftShift))
	case !(d.NullRate >= 0 && d.NullRate <= 1):
		return fmt.Errorf("null rate %v is not between 0 and 1", d.NullRate)
	case !(d.NewShare >= 0 && d.NewShare <= 1):
		return fmt.Errorf("share %v is not between 0 and 1", d.NewShare)
	}
	scaled := d.Scale != 0 && d.Scale != 1
	switch kind {
	case kindHour:
		if scaled {
			return errors.New("the hour is cyclic and cannot be scaled: use shift (hours, wrapping round the clock)")
		}
	case kindCategorical, kindBoolean:
		if scaled || d.Shift != 0 {
			return fmt.Errorf("%s is %s: scale and shift make no sense, use new and share", d.Feature, columnType(d.Feature))
		}
	}
	if (kind == kindHour || kind == kindCount) && d.Shift != math.Trunc(d.Shift) {
		return fmt.Errorf("shift %v must be a whole number for %s, which is an integer", d.Shift, d.Feature)
	}
	if d.NewCategory != "" || d.NewShare != 0 {
		if kind != kindCategorical && kind != kindBoolean {
			return fmt.Errorf("%s is numeric: new and share apply to categorical and boolean features, use scale or shift", d.Feature)
		}
		if d.NewCategory == "" {
			return fmt.Errorf("share %v needs new=VALUE to say which value takes it", d.NewShare)
		}
		if d.NewShare == 0 {
			return fmt.Errorf("new=%s needs share=S (0 < S <= 1) to say how much traffic it takes", d.NewCategory)
		}
		if kind == kindBoolean && d.NewCategory != "true" && d.NewCategory != "false" {
			return fmt.Errorf("new=%q: %s is boolean, want true or false", d.NewCategory, d.Feature)
		}
		if kind == kindCategorical {
			if err := checkCategoryName(d.NewCategory); err != nil {
				return err
			}
		}
	}
	if !scaled && d.Shift == 0 && d.NewCategory == "" && d.NullRate == 0 {
		return errors.New("no effect: give scale, shift, new and share, or nulls")
	}
	return nil
}

func columnType(name string) string {
	for _, c := range columns {
		if c.Name == name {
			return c.Type
		}
	}
	return ""
}

// checkCategoryName keeps new categories to plain identifiers, which need no
// quoting in any output format or in the drift syntax itself.
func checkCategoryName(name string) error {
	if len(name) > maxNameLength {
		return fmt.Errorf("new category %.20q... is longer than %d characters", name, maxNameLength)
	}
	for i, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
		if !ok {
			return fmt.Errorf("new category %q: character %q at byte %d is not allowed (use letters, digits, '_', '-' and '.')", name, c, i)
		}
	}
	return nil
}

// ParseDrift parses the command-line form of a drift,
// FEATURE:KEY=VALUE[,KEY=VALUE...], with keys scale, shift, new, share, nulls
// (numbers; share and nulls between 0 and 1) and from, until, ramp (Go
// durations such as 90m or 12h). For example:
//
//	transaction_amount:scale=2.1,from=12h
//	merchant_category:new=crypto_exchange,share=0.2,from=6h
//	distance_from_home_km:nulls=0.4,from=3h,until=4h
//	hour:shift=3,ramp=2h
func ParseDrift(spec string) (Drift, error) {
	d, err := parseDrift(spec)
	if err != nil {
		return Drift{}, fmt.Errorf("drift %q: %w", spec, err)
	}
	return d, nil
}

func parseDrift(spec string) (Drift, error) {
	feature, settings, ok := strings.Cut(spec, ":")
	if !ok {
		return Drift{}, errors.New("want FEATURE:KEY=VALUE[,KEY=VALUE...], e.g. transaction_amount:scale=2,from=12h")
	}
	d := Drift{Feature: strings.TrimSpace(feature)}
	if _, err := kindOf(d.Feature); err != nil {
		return Drift{}, err
	}
	_, err := parseSettings(settings, "scale, shift, new, share, nulls, from, until or ramp", func(key, value string) (bool, error) {
		var err error
		switch key {
		case "scale":
			d.Scale, err = parseNumber(value)
			if err == nil && !(d.Scale > 0) {
				err = errors.New("must be greater than 0")
			}
		case "shift":
			d.Shift, err = parseNumber(value)
		case "share":
			d.NewShare, err = parseShare(value)
		case "nulls":
			d.NullRate, err = parseShare(value)
		case "new":
			d.NewCategory = value
		case "from":
			d.From, err = parseOffset(value)
		case "until":
			d.Until, err = parseOffset(value)
			if err == nil && d.Until == 0 {
				err = errors.New("must be after the start (leave until out to drift to the end)")
			}
		case "ramp":
			d.Ramp, err = parseOffset(value)
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return Drift{}, err
	}
	return d, d.validate()
}

// parseSettings reads KEY=VALUE[,KEY=VALUE...], spaces trimmed, handing
// each setting to set, which says whether it knows the key. A setting
// without both parts, a key given twice, an unknown key (want lists the
// known ones) or a value set refuses is an error naming it. It returns the
// keys given.
func parseSettings(settings, want string, set func(key, value string) (known bool, err error)) (map[string]bool, error) {
	seen := make(map[string]bool)
	for i, setting := range strings.Split(settings, ",") {
		key, value, ok := strings.Cut(setting, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" || value == "" {
			return nil, fmt.Errorf("setting %d %q: want KEY=VALUE", i+1, setting)
		}
		if seen[key] {
			return nil, fmt.Errorf("%s given twice", key)
		}
		seen[key] = true
		known, err := set(key, value)
		if !known {
			return nil, fmt.Errorf("unknown key %q (want %s)", key, want)
		}
		if err != nil {
			return nil, fmt.Errorf("%s=%s: %w", key, value, err)
		}
	}
	return seen, nil
}

func parseNumber(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("not a finite number")
	}
	return v, nil
}

func parseShare(s string) (float64, error) {
	v, err := parseNumber(s)
	if err == nil && !(v > 0 && v <= 1) {
		err = errors.New("must be greater than 0 and at most 1")
	}
	return v, err
}

func parseOffset(s string) (time.Duration, error) {
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("not a duration (use units such as 30m, 6h or 1h30m)")
	}
	if v < 0 {
		return 0, errors.New("must not be negative")
	}
	return v, nil
}

// String returns d in the syntax ParseDrift reads.
func (d Drift) String() string {
	var b strings.Builder
	b.WriteString(d.Feature)
	sep := byte(':')
	add := func(key, value string) {
		b.WriteByte(sep)
		sep = ','
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(value)
	}
	number := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	if d.Scale != 0 {
		add("scale", number(d.Scale))
	}
	if d.Shift != 0 {
		add("shift", number(d.Shift))
	}
	if d.NewCategory != "" {
		add("new", d.NewCategory)
	}
	if d.NewShare != 0 {
		add("share", number(d.NewShare))
	}
	if d.NullRate != 0 {
		add("nulls", number(d.NullRate))
	}
	if d.From != 0 {
		add("from", d.From.String())
	}
	if d.Until != 0 {
		add("until", d.Until.String())
	}
	if d.Ramp != 0 {
		add("ramp", d.Ramp.String())
	}
	return b.String()
}

// activeDrift is a validated drift bound to a generator, with its own random
// stream so that it never disturbs the draws of the undrifted traffic.
type activeDrift struct {
	Drift
	feature FeatureSet
	scale   float64
	rng     *rand.Rand
}

func newActiveDrift(d Drift, rng *rand.Rand) activeDrift {
	feature, _ := FeatureByName(d.Feature)
	scale := d.Scale
	if scale == 0 {
		scale = 1
	}
	return activeDrift{Drift: d, feature: feature, scale: scale, rng: rng}
}

// strength is how much of the drift applies at an offset from the start: 0
// outside the window, rising over the ramp to 1.
func (a *activeDrift) strength(offset time.Duration) float64 {
	if offset < a.From || (a.Until != 0 && offset >= a.Until) {
		return 0
	}
	if a.Ramp > 0 && offset-a.From < a.Ramp {
		return float64(offset-a.From) / float64(a.Ramp)
	}
	return 1
}

func (a *activeDrift) apply(tx *Transaction, offset time.Duration) {
	f := a.strength(offset)
	if f == 0 || tx.Missing.Has(a.feature) {
		return
	}
	scale, shift := 1+f*(a.scale-1), f*a.Shift
	switch a.Feature {
	case ColTransactionAmount:
		tx.TransactionAmount = math.Max(0, round(tx.TransactionAmount*scale+shift, 100))
	case ColDistanceFromHomeKm:
		tx.DistanceFromHomeKm = math.Max(0, round(tx.DistanceFromHomeKm*scale+shift, 10))
	case ColAccountAgeDays:
		tx.AccountAgeDays = int(math.Max(0, math.Round(float64(tx.AccountAgeDays)*scale+shift)))
	case ColNumTxLast24h:
		tx.NumTxLast24h = int(math.Max(0, math.Round(float64(tx.NumTxLast24h)*scale+shift)))
	case ColHour:
		tx.Hour = ((tx.Hour+int(math.Round(math.Mod(shift, 24))))%24 + 24) % 24
	case ColMerchantCategory:
		if a.NewCategory != "" && a.rng.Float64() < f*a.NewShare {
			tx.MerchantCategory = a.NewCategory
		}
	case ColCardPresent:
		if a.NewCategory != "" && a.rng.Float64() < f*a.NewShare {
			tx.CardPresent = a.NewCategory == "true"
		}
	}
	if a.NullRate > 0 && a.rng.Float64() < f*a.NullRate {
		tx.Missing |= a.feature
		clearFeature(tx, a.feature)
	}
}

// clearFeature zeroes a missing feature so no stale value can leak out.
func clearFeature(tx *Transaction, f FeatureSet) {
	switch f {
	case FeatureTransactionAmount:
		tx.TransactionAmount = 0
	case FeatureMerchantCategory:
		tx.MerchantCategory = ""
	case FeatureHour:
		tx.Hour = 0
	case FeatureDistanceFromHomeKm:
		tx.DistanceFromHomeKm = 0
	case FeatureCardPresent:
		tx.CardPresent = false
	case FeatureAccountAgeDays:
		tx.AccountAgeDays = 0
	case FeatureNumTxLast24h:
		tx.NumTxLast24h = 0
	}
}
