package report

// Recommend is recommend, for the tests of package report_test, which use
// the detectors' sections and so cannot be in package report.
var Recommend = recommend
