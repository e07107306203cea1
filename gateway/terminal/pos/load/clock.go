package load

import (
	"context"
	"time"
)

// clock is the time a run measures latencies and keeps its open-loop
// schedule by; tests replace the real one to make the schedule's
// arithmetic observable without waiting.
type clock interface {
	now() time.Time
	// sleepUntil waits until t; false when ctx ended first.
	sleepUntil(ctx context.Context, t time.Time) bool
}

type realClock struct{}

func (realClock) now() time.Time { return time.Now() }

func (realClock) sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	return sleep(ctx, d)
}
