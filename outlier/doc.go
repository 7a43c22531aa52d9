// Package outlier flags single model inputs that lie far from the reference
// (training) data: adversarial and out-of-distribution inputs. It is fast
// enough to call on every request of a model gateway.
//
// # Detectors
//
// Fit learns five detectors from a reference table:
//   - isolation: an isolation forest (package iforest) on robustly scaled
//     numeric and boolean features (median and IQR, so that unlabelled
//     outliers in the reference do not stretch the scale);
//   - mahalanobis: the squared distance under a robust, shrunk covariance
//     (concentration steps over the 75% most central rows, regularised
//     towards the identity, reweighted), frozen at fit time so that traffic
//     cannot poison it. When some numeric features are skewed in their
//     quartiles (Bowley skewness beyond 0.2), a second such distance is
//     measured with those features symmetrised by a shifted logarithm, and
//     the input's score is the more surprising of the two, each calibrated
//     on the held-out rows: the long tail of a skewed feature hides rows
//     that only break the correlations from the first distance, and the
//     logarithm compresses the extreme values the first one sees;
//   - knn: the mean distance to the k nearest rows of a small,
//     deterministic reference sample (256 rows and k = 16 by default, so
//     that a neighbourhood is a fixed share of the reference and groups of
//     outliers in it do not hide one another), found exactly with a k-d tree;
//   - range: per numeric feature, how unusual an excess beyond
//     [q0.5% - m·IQR, q99.5% + m·IQR] is for that feature's own tail;
//   - category: how rare a categorical value is, counting only levels never
//     seen (as a tenth of the rarest seen) or rarer than MinCategoryShare.
//
// # Calibration and the flag
//
// A share of the reference (Options.Holdout, chosen by a seeded hash of the
// row number) is kept out of fitting. Each detector's raw score becomes a
// conformal p-value, the share of held-out rows scoring at least as high,
// interpolated between held-out scores (so that inputs between two of them
// do not tie) and extended beyond the highest held-out score by an
// exponential tail. The p-values of the isolation forest, the Mahalanobis
// and the neighbour distances (three views of one numeric row, whose
// evidence adds up) are combined by a weighted Fisher statistic, -Σ w ln p,
// in which the two distances share one vote and the forest has the other,
// itself calibrated on the held-out rows. The least of that p-value and
// those of the range and category checks (each about something else) and of
// the three detectors themselves, each counted only when it alone would flag
// the input, is calibrated once more, so the final p-value does not depend
// on how the detectors correlate. For that last calibration each held-out
// row is scored against the other held-out rows, as an input is against all
// of them, so that the held-out statistics are distributed as inputs' are.
// An input is an anomaly when its final p-value is below Options.FPR: about
// FPR of inputs drawn like the reference are flagged. The detectors stay
// fitted on the fitting share only, so that held-out scores are
// out-of-sample like production inputs.
//
// How closely the flagged share follows FPR depends on the number n of
// held-out rows: the threshold is about the (n+1)·FPR-th highest held-out
// statistic, and when (n+1)·FPR is below 4 the share, which depends on
// which rows were held out, may exceed twice FPR (95% bound).
// Detector.Calibration gives the figures and Detector.Warnings says when the
// reference is too small for FPR.
//
// # Inputs
//
// Inputs are []event.Feature (what events carry); TableRow and ScoreTable
// serve tabular files. Missing and null features are imputed (median) and
// reported; unknown features are ignored and listed; wrong types are errors;
// ScoreStrict refuses anything but a complete, finite input.
package outlier
