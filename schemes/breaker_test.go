package schemes

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// countingAdapter approves every Pay and counts the calls it received: the
// breaker's tests are about what reaches an adapter, not what it does.
type countingAdapter struct {
	schemev1.UnimplementedSchemeAdapterServer
	pays atomic.Int64
}

func (a *countingAdapter) Pay(context.Context, *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	a.pays.Add(1)
	return &schemev1.PayResponse{Result: &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_SUCCESS}}, nil
}

func serveAdapter(t *testing.T, addr string, a *countingAdapter) (string, func()) {
	t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the old server's port may take a moment to free
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	schemev1.RegisterSchemeAdapterServer(s, a)
	healthpb.RegisterHealthServer(s, health.NewServer())
	go func() { _ = s.Serve(ln) }()
	return ln.Addr().String(), s.Stop
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestCircuitBreaker(t *testing.T) {
	adapter := &countingAdapter{}
	addr, stop := serveAdapter(t, "127.0.0.1:0", adapter)
	clock := &fakeClock{now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	c, err := NewClient(ClientConfig{Scheme: "TEST", Target: addr, CallTimeout: time.Second,
		Breaker: BreakerConfig{Failures: 3, OpenFor: 10 * time.Second}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	pay := func() error {
		_, err := c.Pay(ctx, &schemev1.PayRequest{IdempotencyKey: "k"})
		return err
	}

	if err := pay(); err != nil {
		t.Fatalf("Pay with the adapter up = %v", err)
	}
	stop()

	t.Run("calls to an unreachable adapter fail as unknown until the threshold, then fast as not sent", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			err := pay()
			if err == nil || errors.Is(err, ErrCircuitOpen) {
				t.Fatalf("call %d = %v, want a transport error (outcome unknown)", i+1, err)
			}
		}
		if !c.CircuitOpen() {
			t.Fatal("circuit still closed after 3 failures in a row")
		}
		err := pay()
		var open *CircuitOpenError
		if !errors.As(err, &open) || !errors.Is(err, ErrCircuitOpen) || !open.NotSent() {
			t.Fatalf("call with the circuit open = %v, want a *CircuitOpenError that is NotSent", err)
		}
	})

	t.Run("after OpenFor a failing health probe keeps the circuit open", func(t *testing.T) {
		clock.Advance(11 * time.Second)
		if err := pay(); !errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("call after OpenFor with the adapter still down = %v, want ErrCircuitOpen", err)
		}
		if err := pay(); !errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("next call = %v, want ErrCircuitOpen until another OpenFor passes", err)
		}
	})

	t.Run("once the adapter is back, the probe after OpenFor closes the circuit and calls go through", func(t *testing.T) {
		before := adapter.pays.Load()
		_, stop := serveAdapter(t, addr, adapter)
		defer stop()
		if err := pay(); !errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("call before OpenFor passed = %v, want ErrCircuitOpen", err)
		}
		if got := adapter.pays.Load(); got != before {
			t.Fatalf("the adapter received %d pays while the circuit was open", got-before)
		}
		clock.Advance(11 * time.Second)
		deadline := time.Now().Add(10 * time.Second)
		for {
			err := pay()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("circuit never closed with the adapter back: %v", err)
			}
			clock.Advance(11 * time.Second) // the reconnect may miss one probe
			time.Sleep(50 * time.Millisecond)
		}
		if c.CircuitOpen() || adapter.pays.Load() != before+1 {
			t.Errorf("circuit open %v, pays %d; want closed and exactly one pay", c.CircuitOpen(), adapter.pays.Load()-before)
		}
	})
}

func TestBreakerIgnoresCallsTheCallerGaveUpOn(t *testing.T) {
	b := newBreaker("TEST", BreakerConfig{Failures: 1}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b.record(ctx, context.Canceled)
	if b.open() {
		t.Error("a call cancelled by its caller opened the circuit")
	}
}
