package drift_test

import (
	"testing"
	"time"

	"github.com/warden-ml/warden/drift"
)

// A window spans the earliest start to the latest end of its panes, even
// when panes of interleaved batches overlap in event time.
func TestSeriesWindowSpansItsPanes(t *testing.T) {
	ref := profile(t, table(col("x", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})))
	s, err := drift.NewSeries(ref, drift.CountWindow, 3, 1, drift.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pane := func(i int64, start, end time.Duration) drift.Pane {
		acc := drift.NewAccumulator(ref, nil)
		acc.AddRow()
		acc.AddNumber(0, float64(i))
		return drift.Pane{Index: i, Acc: acc, FirstSeq: i, LastSeq: i, Start: t0.Add(start), End: t0.Add(end)}
	}
	var w *drift.WindowResult
	for i, span := range [][2]time.Duration{{10, 20}, {5, 30}, {15, 25}} {
		if w, err = s.Add(pane(int64(i), span[0]*time.Second, span[1]*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if !w.Start.Equal(t0.Add(5*time.Second)) || !w.End.Equal(t0.Add(30*time.Second)) {
		t.Errorf("window spans %s to %s, want 5s to 30s", w.Start.Sub(t0), w.End.Sub(t0))
	}
	if w.Events != 3 || w.FirstSeq != 0 || w.LastSeq != 2 {
		t.Errorf("window %+v", w)
	}
}
