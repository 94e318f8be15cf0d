package harness

import (
	"context"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pgmoon-go/pgmoon/bench/workload"
)

// A sample is one timed run of a workload on one driver.
type sample struct {
	ops     int64
	elapsed time.Duration
	mallocs uint64 // heap allocations during the sample (runtime.MemStats.Mallocs delta)
	bytes   uint64 // bytes allocated during the sample (TotalAlloc delta)
}

func (s sample) opsPerSec() float64   { return float64(s.ops) / s.elapsed.Seconds() }
func (s sample) allocsPerOp() float64 { return float64(s.mallocs) / float64(s.ops) }
func (s sample) bytesPerOp() float64  { return float64(s.bytes) / float64(s.ops) }

// measure runs op for about d (at least once), from parallel goroutines if
// parallel > 1, and returns what it did. The allocation counts are the
// whole process's, so they include the driver's background goroutines.
func measure(ctx context.Context, op workload.Op, parallel int, d time.Duration) (sample, error) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	deadline := start.Add(d)
	var ops int64
	var err error
	if parallel <= 1 {
		for {
			if err = op(ctx); err != nil {
				break
			}
			ops++
			if !time.Now().Before(deadline) {
				break
			}
		}
	} else {
		ops, err = measureParallel(ctx, op, parallel, deadline)
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if err != nil {
		return sample{}, err
	}
	return sample{
		ops:     ops,
		elapsed: elapsed,
		mallocs: after.Mallocs - before.Mallocs,
		bytes:   after.TotalAlloc - before.TotalAlloc,
	}, nil
}

func measureParallel(ctx context.Context, op workload.Op, parallel int, deadline time.Time) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		total    atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n int64
			for ctx.Err() == nil && time.Now().Before(deadline) {
				if err := op(ctx); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					break
				}
				n++
			}
			total.Add(n)
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return total.Load(), nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
