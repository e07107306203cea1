package load

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// fakeClock stands still until a test moves it, or until the only worker
// of a run sleeps until a later time, which it jumps to.
type fakeClock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) sleepUntil(ctx context.Context, t time.Time) bool {
	c.mu.Lock()
	if t.After(c.t) {
		c.t = t
	}
	c.mu.Unlock()
	return ctx.Err() == nil
}

// stallingEcho echoes frames on 127.0.0.1, holding the first one's echo
// until release is closed; held is closed when the first frame arrived.
func stallingEcho(t *testing.T) (addr string, held, release chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held, release = make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		for first := true; ; first = false {
			header := make([]byte, 2)
			if _, err := io.ReadFull(r, header); err != nil {
				return
			}
			frame := make([]byte, 2+int(binary.BigEndian.Uint16(header)))
			copy(frame, header)
			if _, err := io.ReadFull(r, frame[2:]); err != nil {
				return
			}
			if first {
				close(held)
				<-release
			}
			if _, err := c.Write(frame); err != nil {
				return
			}
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String(), held, release
}

// runScheduled runs an open loop of one terminal sending one purchase at
// a time, 10 a second, 3 in all, on the fake clock; stall, when set, is
// how long the clock moves while the first purchase waits for its answer.
func runScheduled(t *testing.T, stall time.Duration) *Summary {
	t.Helper()
	addr, held, release := stallingEcho(t)
	r, err := New(Config{Addr: addr, MerchantID: "M", Echo: true, Rate: 10, Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	clock := newFakeClock()
	r.clock = clock
	go func() {
		<-held
		clock.advance(stall)
		close(release)
	}()
	s, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	if s.Sent != 3 || s.Approved != 3 || s.Unsent != 0 {
		t.Fatalf("sent %d, echoed unchanged %d, unsent %d; want 3, 3 and 0", s.Sent, s.Approved, s.Unsent)
	}
	return s
}

func TestScheduleCountsWhatWasDue(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		elapsed time.Duration
		want    int64
	}{
		{"The first purchase is due at the start", Config{Rate: 10, Count: 3}, 0, 1},
		{"One just before the next due time", Config{Rate: 10, Count: 3}, 99 * time.Millisecond, 1},
		{"One at its due time counts", Config{Rate: 10, Count: 3}, 100 * time.Millisecond, 2},
		{"Never more than Count", Config{Rate: 10, Count: 3}, time.Hour, 3},
		{"Nothing due at Duration or after it", Config{Rate: 1000, Duration: 200 * time.Millisecond}, time.Hour, 200},
		{"The last one before Duration", Config{Rate: 1000, Duration: 200 * time.Millisecond}, 199 * time.Millisecond, 200},
		{"A rate that does not divide a second", Config{Rate: 3, Duration: time.Hour}, time.Second, 4},
		{"Before the start", Config{Rate: 3, Duration: time.Hour}, -time.Second, 0},
		{"A closed loop has no schedule", Config{Count: 10}, time.Hour, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Runner{cfg: tc.cfg}
			if got := r.dueBy(tc.elapsed); got != tc.want {
				t.Errorf("dueBy(%s) = %d, want %d", tc.elapsed, got, tc.want)
			}
		})
	}
}

func TestOpenLoopCorrectsForCoordinatedOmission(t *testing.T) {
	t.Run("A connection that answers at once records no latency and no late purchase", func(t *testing.T) {
		s := runScheduled(t, 0)
		if s.Late != 0 || s.Latency.Max != 0 || s.Latency.Count != 3 {
			t.Errorf("late %d, latency %+v; want 0 late, 3 latencies of 0", s.Late, s.Latency)
		}
		if s.Mode != ModeOpen || s.Rate != 10 {
			t.Errorf("mode %q rate %v; want open at 10", s.Mode, s.Rate)
		}
	})
	t.Run("A stalled connection makes the purchases behind it late, their latencies counted from when they were due", func(t *testing.T) {
		// Due at 0, 100 ms and 200 ms; the first is answered at 1 s, and
		// the other two go out then and are answered at once: 1 s, 900 ms
		// and 800 ms. Measured from their sending they would be 1 s, 0, 0.
		s := runScheduled(t, time.Second)
		if s.Late != 2 {
			t.Errorf("late %d; want the 2 purchases due while the first was in flight", s.Late)
		}
		l := s.Latency
		if l.Max != time.Second || l.P50 < 900*time.Millisecond || l.P50 > time.Second || l.P90 != time.Second {
			t.Errorf("latency %+v; want max 1 s, p50 about 900 ms, p90 1 s", l)
		}
	})
}
