package eventlog

import (
	"fmt"
	"sync"
	"testing"
)

// BenchmarkAppend appends 1000-record batches of 200-byte records, the shape
// of an HTTP ingest request, from 1 and 8 goroutines, with and without fsync.
// Segments behind the writers are deleted as a retention policy would, so
// that the page cache's writeback of gigabytes of old segments does not
// throttle the run (or the next one).
func BenchmarkAppend(b *testing.B) {
	const batchRecords, recordBytes = 1000, 200
	batch := make([][]byte, batchRecords)
	for i := range batch {
		batch[i] = record("bench", i, recordBytes)[:recordBytes]
	}
	for _, noSync := range []bool{true, false} {
		for _, goroutines := range []int{1, 8} {
			b.Run(fmt.Sprintf("NoSync=%v/goroutines=%d", noSync, goroutines), func(b *testing.B) {
				l := mustOpen(b, Options{Dir: b.TempDir(), NoSync: noSync})
				defer l.Close()
				b.SetBytes(batchRecords * recordBytes)
				b.ResetTimer()
				var wg sync.WaitGroup
				work := make(chan struct{})
				for range goroutines {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for range work {
							first, _, err := l.Append(batch...)
							if err != nil {
								b.Error(err)
								return
							}
							if first.Offset == headerSize && first.Segment > 1 {
								if err := l.TruncateBefore(first); err != nil {
									b.Error(err)
									return
								}
							}
						}
					}()
				}
				for range b.N {
					work <- struct{}{}
				}
				close(work)
				wg.Wait()
				b.ReportMetric(float64(b.N*batchRecords)/b.Elapsed().Seconds(), "records/s")
			})
		}
	}
}
