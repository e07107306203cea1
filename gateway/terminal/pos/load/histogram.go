package load

import (
	"math"
	"math/bits"
	"sync"
	"time"
)

// The latency histogram is log-linear, in microseconds, in a fixed array:
// exact below histogramSub µs, then histogramSub/2 buckets per power of two,
// so a reported percentile is at most 1/64 (1.6 %) above the true value.
// Latencies above about 2.4 hours count in the last bucket (max stays
// exact). It is a stand-in for an HDR histogram with the same guarantees of
// bounded memory and bounded relative error.
const (
	histogramSubBits = 7
	histogramSub     = 1 << histogramSubBits // exact microseconds below this
	histogramHalf    = histogramSub / 2
	histogramExpMax  = 26 // up to 2^(26+7) µs
	histogramBuckets = histogramSub + histogramExpMax*histogramHalf
)

type histogram struct {
	counts   [histogramBuckets]uint64
	count    uint64
	maxMicro int64
}

func (h *histogram) record(d time.Duration) {
	us := max(d.Microseconds(), 0)
	h.counts[histogramBucket(us)]++
	h.count++
	h.maxMicro = max(h.maxMicro, us)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.count += o.count
	h.maxMicro = max(h.maxMicro, o.maxMicro)
}

// quantile returns the latency at or below which fraction q of the
// recorded ones are: the upper edge of the bucket holding that rank, never
// above the maximum seen.
func (h *histogram) quantile(q float64) time.Duration {
	if h.count == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.count))) // the nearest-rank method
	rank = min(max(rank, 1), h.count)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank && i < histogramBuckets-1 { // the last bucket holds the clamped ones
			return time.Duration(min(histogramBucketHigh(i), h.maxMicro)) * time.Microsecond
		}
	}
	return time.Duration(h.maxMicro) * time.Microsecond
}

func (h *histogram) summary() Latency {
	return Latency{
		Count: int64(h.count),
		P50:   h.quantile(0.50),
		P90:   h.quantile(0.90),
		P99:   h.quantile(0.99),
		P999:  h.quantile(0.999),
		Max:   time.Duration(h.maxMicro) * time.Microsecond,
	}
}

func histogramBucket(us int64) int {
	if us < histogramSub {
		return int(us)
	}
	shift := bits.Len64(uint64(us)) - histogramSubBits // at least 1
	if shift > histogramExpMax {
		return histogramBuckets - 1
	}
	mantissa := int(us >> shift) // histogramHalf to histogramSub-1
	return histogramSub + (shift-1)*histogramHalf + mantissa - histogramHalf
}

// histogramBucketHigh is the largest value in bucket i.
func histogramBucketHigh(i int) int64 {
	if i < histogramSub {
		return int64(i)
	}
	j := i - histogramSub
	shift := j/histogramHalf + 1
	mantissa := int64(j%histogramHalf + histogramHalf)
	return (mantissa+1)<<shift - 1
}

// latencyShards spreads recording over a fixed number of locked histograms,
// so that terminals rarely wait on one another and memory does not grow
// with the number of terminals.
type latencyShards struct {
	shards [8]struct {
		mu sync.Mutex // guards h
		h  histogram
	}
}

func (l *latencyShards) record(shard int, d time.Duration) {
	s := &l.shards[shard%len(l.shards)]
	s.mu.Lock()
	s.h.record(d)
	s.mu.Unlock()
}

func (l *latencyShards) merged() *histogram {
	var all histogram
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		all.merge(&s.h)
		s.mu.Unlock()
	}
	return &all
}
