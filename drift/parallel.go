package drift

import (
	"runtime"
	"sync"
)

// forEach runs f(0..n-1) on up to GOMAXPROCS goroutines: columns are
// independent, and sorting or testing a million values per column is worth
// spreading over the cores.
func forEach(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
