// Package stats holds the statistical tests Warden's detectors rely on, written to agree with
// scipy 1.10.1 to 1e-9 relative on both statistic and p-value:
//
//   - the two-sample Kolmogorov-Smirnov test (scipy.stats.ks_2samp, two-sided, method 'auto'),
//     including scipy's exact lattice-path p-value, its fallback rules and the finite-n
//     Kolmogorov distribution (scipy.stats.kstwo) used by the asymptotic path;
//   - the chi-square test of independence on a 2xK table (scipy.stats.chi2_contingency);
//   - the pooled two-proportion z-test;
//   - Benjamini-Hochberg and Bonferroni adjustment of p-values.
//
// Everything is pure computation: no I/O, no clock, no package state. Bad input returns an
// error naming what is wrong and where; nothing here panics on user data.
//
// The parity claim is checked by the golden files under testdata/golden/stats, written by
// scripts/golden/stats_golden.py with Debian's python3-scipy.
package stats
