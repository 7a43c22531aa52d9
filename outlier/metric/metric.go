// Package metric measures how well anomaly scores separate labelled
// outliers from inliers, as the detection figures in docs/detection.md
// report them: the ROC-AUC and the recall at a false-positive rate. Higher
// scores are more anomalous.
package metric

import (
	"cmp"
	"math"
	"slices"
)

// ROCAUC is the Mann-Whitney probability that a random positive scores
// above a random negative, ties counting half. NaN scores rank below every
// number (a score that could not be computed is no evidence). It is 0.5
// when either class is empty, and 0.5 when the lengths differ.
func ROCAUC(scores []float64, positive []bool) float64 {
	if len(scores) != len(positive) {
		return 0.5
	}
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	// cmp.Compare orders NaN first and treats NaNs as equal, so they form
	// one tie group at the bottom.
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(scores[a], scores[b]) })
	var rankSum float64
	pos := 0
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && cmp.Compare(scores[idx[j]], scores[idx[i]]) == 0 {
			j++
		}
		mid := float64(i+j+1) / 2 // average 1-based rank of the tie group
		for _, k := range idx[i:j] {
			if positive[k] {
				rankSum += mid
				pos++
			}
		}
		i = j
	}
	neg := len(scores) - pos
	if pos == 0 || neg == 0 {
		return 0.5
	}
	return (rankSum - float64(pos)*float64(pos+1)/2) / (float64(pos) * float64(neg))
}

// RecallAtFPR is the share of positives scoring strictly above the (1-fpr)
// quantile of the negatives' scores (the negatives' score at rank
// ⌊n(1-fpr)⌋ of n, ascending): the detection rate of a threshold that
// passes about fpr of the negatives. NaN scores never exceed it. It is 0
// without positives or negatives, or when the lengths differ.
func RecallAtFPR(scores []float64, positive []bool, fpr float64) float64 {
	if len(scores) != len(positive) {
		return 0
	}
	var neg []float64
	for i, s := range scores {
		if !positive[i] {
			neg = append(neg, s)
		}
	}
	if len(neg) == 0 || len(neg) == len(scores) {
		return 0
	}
	slices.SortFunc(neg, cmp.Compare[float64])
	at := int(float64(len(neg)) * (1 - fpr))
	limit := neg[max(0, min(len(neg)-1, at))]
	hit, pos := 0, 0
	for i, s := range scores {
		if positive[i] {
			pos++
			if s > limit || (math.IsNaN(limit) && !math.IsNaN(s)) {
				hit++
			}
		}
	}
	return float64(hit) / float64(pos)
}
