package simwallet

import (
	"context"
	"sync"
	"time"
)

// Clock is a virtual clock: time moves only when someone advances it, and
// Sleep advances it at once instead of waiting. It implements the engine's
// payment.Clock.
//
// Contexts derive their deadlines from this clock but enforce them with real
// timers, so it must never run behind real time, or a deadline would fire
// early in real time and the run would no longer be reproducible. It starts
// at a real moment and only ever moves forward, much faster than real time.
type Clock struct {
	mu  sync.Mutex // guards now; the store's writer goroutine reads it too
	now time.Time
}

// NewClock returns a clock reading start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the virtual time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep advances the clock by d at once and reports true, unless ctx is
// already done.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) bool {
	if ctx.Err() != nil {
		return false
	}
	c.Advance(d)
	return true
}

// Advance moves the clock forward by d; a negative d is ignored.
func (c *Clock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// AdvanceTo moves the clock forward to t, if t is later than now.
func (c *Clock) AdvanceTo(t time.Time) {
	c.mu.Lock()
	if t.After(c.now) {
		c.now = t
	}
	c.mu.Unlock()
}
