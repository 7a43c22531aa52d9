package simulate

import (
	"math"
	"math/rand/v2"
)

// merchant holds one category's traffic profile. Shares are of transaction
// counts; medians are of the legitimate profile.
type merchant struct {
	name           string
	share          float64 // of legitimate transactions
	fraudShare     float64 // of fraudulent transactions
	amountMedian   float64 // $
	distanceMedian float64 // km
	cardPresent    float64 // probability the card is present
}

// merchants follows the rough shape of card spending: many small grocery,
// restaurant and fuel payments, few large travel and electronics ones; fraud
// concentrates where the card need not be present and goods resell well.
var merchants = [...]merchant{
	{"grocery", 0.22, 0.05, 123, 4, 0.97},
	{"gas_station", 0.12, 0.08, 69, 7, 0.96},
	{"restaurant", 0.16, 0.04, 90, 5, 0.93},
	{"online_retail", 0.15, 0.35, 190, 12, 0.01},
	{"travel", 0.03, 0.12, 670, 250, 0.45},
	{"entertainment", 0.06, 0.06, 140, 10, 0.70},
	{"electronics", 0.04, 0.18, 540, 15, 0.60},
	{"health", 0.05, 0.02, 200, 6, 0.92},
	{"utilities", 0.04, 0.02, 215, 8, 0.25},
	{"other", 0.13, 0.08, 168, 8, 0.75},
}

// hourWeights is the legitimate diurnal profile of the cardholder's local
// hour: quiet at night, a lunch peak and a larger early-evening one.
var hourWeights = [24]float64{
	1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 3.5, 4.0, 4.5, 5.5,
	6.5, 5.8, 4.8, 4.5, 5.0, 6.0, 6.6, 6.0, 4.6, 3.4, 2.4, 1.6,
}

// The legitimate profile, the fraudulent one relative to it, and label noise.
const (
	fraudRate              = 0.015 // share of transactions that are fraudulent
	amountSigma            = 0.8   // log-scale spread of amounts within a category
	fraudAmountFactor      = 2.5   // fraud medians are this much larger
	distanceSigma          = 1.0
	fraudDistanceFactor    = 4.0
	fraudCardPresentFactor = 0.3 // fraud mostly happens card-not-present
	fraudHourUniformShare  = 0.5 // half of fraud ignores the diurnal rhythm

	accountAgeShape      = 1.3 // legitimate accounts: mean about three years
	accountAgeScale      = 850.0
	fraudAccountAgeShape = 0.7 // fraud favours new and synthetic accounts
	fraudAccountAgeScale = 200.0

	numTxMean       = 3.0 // transactions by the card in the last 24 hours
	fraudNumTxMean  = 9.0 // card testing and draining come in bursts
	numTxDispersion = 2.0

	// Not every fraudulent transaction is reported, and some legitimate ones
	// are charged back anyway: the label is noisy even given the truth.
	labelIfFraud = 0.85
	labelIfLegit = 0.002
)

// Cumulative shares for sampling, derived once from the tables above.
var (
	legitCategoryCDF = cumulate(merchantShares(false))
	fraudCategoryCDF = cumulate(merchantShares(true))
	legitHourCDF     = cumulate(hourWeights[:])
	fraudHourCDF     = cumulate(fraudHourWeights())
)

func merchantShares(fraud bool) []float64 {
	w := make([]float64, len(merchants))
	for i, m := range merchants {
		w[i] = m.share
		if fraud {
			w[i] = m.fraudShare
		}
	}
	return w
}

func fraudHourWeights() []float64 {
	var total float64
	for _, w := range hourWeights {
		total += w
	}
	out := make([]float64, 24)
	for h, w := range hourWeights {
		out[h] = (1-fraudHourUniformShare)*w/total + fraudHourUniformShare/24
	}
	return out
}

// draw fills the features and label of one transaction from r, in a fixed
// order of draws. Values are rounded to the precision they are printed with,
// so what is written is what was scored.
func draw(r *rand.Rand, tx *Transaction) {
	fraud := r.Float64() < fraudRate
	cdf, hours := legitCategoryCDF, legitHourCDF
	if fraud {
		cdf, hours = fraudCategoryCDF, fraudHourCDF
	}
	m := &merchants[pick(r, cdf)]
	tx.MerchantCategory = m.name

	amountMedian, distanceMedian, cardPresent := m.amountMedian, m.distanceMedian, m.cardPresent
	ageShape, ageScale, numTx := accountAgeShape, float64(accountAgeScale), float64(numTxMean)
	if fraud {
		amountMedian *= fraudAmountFactor
		distanceMedian *= fraudDistanceFactor
		cardPresent *= fraudCardPresentFactor
		ageShape, ageScale, numTx = fraudAccountAgeShape, fraudAccountAgeScale, fraudNumTxMean
	}
	tx.TransactionAmount = round(logNormal(r, amountMedian, amountSigma), 100)
	tx.Hour = pick(r, hours)
	tx.DistanceFromHomeKm = round(logNormal(r, distanceMedian, distanceSigma), 10)
	tx.CardPresent = r.Float64() < cardPresent
	tx.AccountAgeDays = int(gamma(r, ageShape, ageScale))
	tx.NumTxLast24h = negBinomial(r, numTx, numTxDispersion)

	pTrue := labelIfLegit
	if fraud {
		pTrue = labelIfFraud
	}
	tx.Label = 0
	if r.Float64() < pTrue {
		tx.Label = 1
	}
}

// round rounds v to 1/scale (scale 100 keeps cents).
func round(v, scale float64) float64 { return math.Round(v*scale) / scale }

// The deployed model: a logistic model whose weights are the naive-Bayes
// log-likelihood ratios between the fraudulent and legitimate profiles above.
// It is deliberately not exact, as a real model would not be: a night
// indicator stands in for the hourly ratio, and card presence is scored
// without its interaction with the category.
type logisticModel struct {
	intercept   float64
	logAmount   float64
	logDistance float64
	cardPresent float64
	logAge      float64 // weight of ln(1+age)
	age         float64
	numTx       float64
	night       float64 // local hour before 6
	category    map[string]float64
}

var model = deriveModel()

func deriveModel() logisticModel {
	lnAmount, lnDistance := math.Log(fraudAmountFactor), math.Log(fraudDistanceFactor)
	m := logisticModel{
		// Log-normal ratios with a common sigma are linear in ln(x).
		logAmount:   lnAmount / (amountSigma * amountSigma),
		logDistance: lnDistance / (distanceSigma * distanceSigma),
		cardPresent: math.Log(fraudCardPresentFactor),
		// Gamma ratio: (k1-k0)·ln(age) - age·(1/θ1 - 1/θ0).
		logAge: fraudAccountAgeShape - accountAgeShape,
		age:    1.0/accountAgeScale - 1.0/fraudAccountAgeScale,
		// Negative binomial ratio with a common dispersion r:
		// n·ln(p1/p0) + r·ln((1-p1)/(1-p0)), p = mean/(mean+r).
		numTx:    math.Log(fraudNumTxMean/(fraudNumTxMean+numTxDispersion)) - math.Log(numTxMean/(numTxMean+numTxDispersion)),
		category: make(map[string]float64, len(merchants)),
	}
	lgLegit, _ := math.Lgamma(accountAgeShape)
	lgFraud, _ := math.Lgamma(fraudAccountAgeShape)
	// Cumulative shares at index 5: the share of hours 0 to 5.
	nightLegit, nightFraud := legitHourCDF[5], fraudHourCDF[5]
	m.night = math.Log(nightFraud/nightLegit) - math.Log((1-nightFraud)/(1-nightLegit))
	m.intercept = math.Log(fraudRate/(1-fraudRate)) -
		lnAmount*lnAmount/(2*amountSigma*amountSigma) -
		lnDistance*lnDistance/(2*distanceSigma*distanceSigma) +
		lgLegit + accountAgeShape*math.Log(accountAgeScale) -
		lgFraud - fraudAccountAgeShape*math.Log(fraudAccountAgeScale) +
		numTxDispersion*(math.Log(numTxDispersion/(fraudNumTxMean+numTxDispersion))-math.Log(numTxDispersion/(numTxMean+numTxDispersion))) +
		math.Log((1-nightFraud)/(1-nightLegit))
	// Each category adds its log share ratio and centres amount and
	// distance on its own medians.
	for _, c := range merchants {
		m.category[c.name] = math.Log(c.fraudShare/c.share) -
			m.logAmount*math.Log(c.amountMedian) -
			m.logDistance*math.Log(c.distanceMedian)
	}
	return m
}

// Values the model imputes for a missing feature: the medians of the
// reference data (card present, its mode), and for the category the "other"
// bucket, where the model also puts categories it never saw.
const (
	imputeAmount      = 142.0
	imputeCategory    = len(merchants) - 1
	imputeHour        = 14
	imputeDistance    = 7.2
	imputeAge         = 820
	imputeNumTx       = 2
	imputeCardPresent = true
)

// score is the model's fraud probability for a transaction, rounded to four
// decimals.
func (m *logisticModel) score(tx *Transaction) float64 {
	miss := tx.Missing
	amount, category, hour := tx.TransactionAmount, tx.MerchantCategory, tx.Hour
	distance, cardPresent := tx.DistanceFromHomeKm, tx.CardPresent
	age, numTx := tx.AccountAgeDays, tx.NumTxLast24h
	if miss.Has(FeatureTransactionAmount) {
		amount = imputeAmount
	}
	if miss.Has(FeatureMerchantCategory) {
		category = merchants[imputeCategory].name
	}
	if miss.Has(FeatureHour) {
		hour = imputeHour
	}
	if miss.Has(FeatureDistanceFromHomeKm) {
		distance = imputeDistance
	}
	if miss.Has(FeatureCardPresent) {
		cardPresent = imputeCardPresent
	}
	if miss.Has(FeatureAccountAgeDays) {
		age = imputeAge
	}
	if miss.Has(FeatureNumTxLast24h) {
		numTx = imputeNumTx
	}
	categoryWeight, ok := m.category[category]
	if !ok {
		categoryWeight = m.category[merchants[imputeCategory].name]
	}
	logit := m.intercept + categoryWeight +
		m.logAmount*math.Log(math.Max(amount, 0.01)) +
		m.logDistance*math.Log(math.Max(distance, 0.1)) +
		m.logAge*math.Log1p(float64(age)) + m.age*float64(age) +
		m.numTx*float64(numTx)
	if cardPresent {
		logit += m.cardPresent
	}
	if hour < 6 {
		logit += m.night
	}
	return round(1/(1+math.Exp(-logit)), 1e4)
}
