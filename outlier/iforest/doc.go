// Package iforest is an isolation forest (Liu, Ting & Zhou, "Isolation Forest", ICDM 2008)
// that makes scikit-learn's choices, so its scores rank inputs like
// sklearn.ensemble.IsolationForest:
//
//   - each tree sees ψ = min(256, rows) rows drawn without replacement, and grows to at most
//     ceil(log2 ψ) levels;
//   - a node splits on a feature drawn uniformly among the features that are not constant in
//     that node, at a threshold drawn uniformly in [min, max) of that feature there; x <= t
//     goes left; a node whose rows are all equal is a leaf. (scikit-learn copies the data to
//     float32 and calls a feature constant when its range is at most 1e-7, so it cannot split
//     features measured in tiny units at all; here constant means exactly equal, and scaling
//     the data by a power of two changes no score.)
//   - a row's path length in a tree is the depth of its leaf plus c(n) for the n training rows
//     in that leaf, where c(n) = 2(ln(n-1) + γ) - 2(n-1)/n, c(2) = 1, c(1) = c(0) = 0 is the
//     average path length of an unsuccessful search in a binary search tree;
//   - the score is s = 2^(-E[h(x)]/c(ψ)) in (0, 1]: higher is more anomalous, about 0.5 and
//     below is ordinary. scikit-learn's score_samples returns -s.
//
// With Options.Extended the trees split on random hyperplanes instead of single features
// (Hariri, Carrasco Kind & Brunner, "Extended Isolation Forest", IEEE TKDE 2019), which
// removes the axis-parallel artefacts of the standard forest's score map.
//
// Every tree draws from its own generator seeded by Options.Seed and the tree's index, so a
// forest is bit-for-bit the same whatever the number of workers that built it. Trees are stored
// as flat arrays of nodes; scoring walks them iteratively and allocates nothing.
//
// The package does no I/O. Fit and ScoreBatch run goroutines, bounded by Options.Workers
// (1 keeps everything on the caller's goroutine).
package iforest
