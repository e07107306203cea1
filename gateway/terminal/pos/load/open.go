package load

import (
	"context"
	"time"
)

// LateAfter is how far past its intended send time an open-loop request
// may go out and still count as on time: the precision of a timer on a
// busy machine. A request later than that was held up because its
// connection already had Concurrency requests in flight, was being made
// again, or the load generator itself had no CPU to spare.
const LateAfter = time.Millisecond

// RateMax bounds Config.Rate.
const RateMax = 10_000_000

// The open loop: request n of the run (counted from 0, across all
// terminals) is due at start + n/Rate, and terminal n mod Terminals sends
// it, so each connection carries Rate/Terminals a second, evenly spaced
// and staggered against the others. A terminal's Concurrency workers take
// its due requests in order; when all of them are waiting for answers the
// next request waits for one to be free, and its latency still counts
// from when it was due, so that a stall shows in the percentiles as the
// wait it imposed on every request behind it (the correction for
// coordinated omission).

// takeScheduled reserves the terminal's next request: its number in the
// run and when it is due; false when the run has sent all it should (by
// Count, by a due time at or past Duration, or because sending ended).
func (t *terminal) takeScheduled(ctx context.Context) (uint64, time.Time, bool) {
	if ctx.Err() != nil {
		return 0, time.Time{}, false
	}
	cfg := &t.r.cfg
	k := t.scheduled.Add(1) - 1
	n := k*uint64(cfg.Terminals) + uint64(t.index)
	if cfg.Count > 0 && n >= uint64(cfg.Count) {
		return 0, time.Time{}, false
	}
	due := dueAfter(n, cfg.Rate)
	if cfg.Duration > 0 && due >= cfg.Duration {
		return 0, time.Time{}, false
	}
	return n, t.start.Add(due), true
}

// dueAfter is when request n of an open loop at rate is due, from the start.
func dueAfter(n uint64, rate float64) time.Duration {
	return time.Duration(float64(n) / rate * float64(time.Second))
}

// dueBy counts the requests of the open loop's schedule due at or before
// elapsed from the start: those the run should have sent had sending
// ended then.
func (r *Runner) dueBy(elapsed time.Duration) int64 {
	cfg := &r.cfg
	if cfg.Rate <= 0 || elapsed < 0 {
		return 0
	}
	if cfg.Duration > 0 && elapsed >= cfg.Duration {
		elapsed = cfg.Duration - 1 // due times are before Duration
	}
	included := func(n uint64) bool {
		return (cfg.Count == 0 || n < uint64(cfg.Count)) && dueAfter(n, cfg.Rate) <= elapsed
	}
	// The estimate is off by rounding at most; the loops correct it.
	n := uint64(elapsed.Seconds()*cfg.Rate) + 1
	if cfg.Count > 0 {
		n = min(n, uint64(cfg.Count))
	}
	for n > 0 && !included(n-1) {
		n--
	}
	for included(n) {
		n++
	}
	return int64(n)
}

// unsent counts the requests that were due before sending ended, at
// stopped from the start, but never went out: the generator fell behind
// (every worker of their terminal waiting for an answer, or the connection
// being made again) and did not catch up before the end.
func (r *Runner) unsent(stopped time.Duration) int64 {
	return max(r.dueBy(stopped)-r.counts.sent.Load(), 0)
}

// workScheduled sends the terminal's requests on their schedule until the
// run has sent enough.
func (t *terminal) workScheduled(purchaseCtx, runCtx context.Context) {
	for {
		n, due, ok := t.takeScheduled(purchaseCtx)
		if !ok || !t.r.clock.sleepUntil(purchaseCtx, due) || !t.purchase(purchaseCtx, runCtx, n, due) {
			return
		}
	}
}
