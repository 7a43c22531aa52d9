// Package simulate generates seeded, realistic traffic for the fraud model
// fraud_detection_v2: reference (training) data and a stream of production
// events, optionally with injected drift.
//
// No dataset ships with Warden, so the demo, the tests and the benchmarks of
// every package draw their data from here. The same Options always give the
// same transactions, byte for byte, and the random streams are split by
// purpose: reference data, production features, arrivals and users, and one
// stream per drift. Adding a drift therefore changes only the drifted feature
// (and the score the model computes from it) inside the drift's window, and
// never the reference data or the rest of the traffic; later sources of
// traffic (attackers) get streams of their own in the same way.
//
// The generative story of one transaction: a hidden flag says whether it is
// fraudulent (about 1.5% are); the features are drawn from the legitimate or
// the fraudulent profile; the deployed model scores the features with a fixed
// logistic model; the true outcome is drawn from the hidden flag, so the label
// correlates with the score without being a function of it.
package simulate
