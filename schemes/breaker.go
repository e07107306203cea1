package schemes

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Defaults of BreakerConfig's zero values.
const (
	DefaultBreakerFailures = 5
	DefaultBreakerOpenFor  = 5 * time.Second
	breakerProbeTimeout    = time.Second
)

// BreakerConfig configures an adapter's circuit breaker. The zero value
// takes the defaults named.
type BreakerConfig struct {
	// Failures is how many calls in a row must go unanswered by the adapter
	// (unreachable, or past the call timeout) to open the circuit. Default
	// DefaultBreakerFailures.
	Failures int
	// OpenFor is how long an open circuit refuses calls before the next
	// call probes the adapter's health service; SERVING closes the circuit,
	// anything else keeps it open for another OpenFor. Default
	// DefaultBreakerOpenFor.
	OpenFor time.Duration
}

// ErrCircuitOpen is wrapped by every call refused because the adapter's
// circuit is open. Such a call never left the gateway.
var ErrCircuitOpen = errors.New("circuit open")

// CircuitOpenError is the error of a call refused by an open circuit.
type CircuitOpenError struct {
	Scheme string
	Until  time.Time
}

func (e *CircuitOpenError) Error() string {
	return fmt.Sprintf("schemes: %s adapter unreachable, circuit open until %s", e.Scheme, e.Until.Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrCircuitOpen) true.
func (e *CircuitOpenError) Is(target error) bool { return target == ErrCircuitOpen }

// NotSent reports that the call was never sent, so nothing can have
// happened at the scheme; the payment engine relies on it.
func (e *CircuitOpenError) NotSent() bool { return true }

// breaker is a consecutive-failure circuit breaker whose half-open probe is
// a health check, so that no customer's payment is used to test an adapter.
type breaker struct {
	scheme string
	cfg    BreakerConfig
	now    func() time.Time

	mu        sync.Mutex // guards the fields below
	failures  int
	openUntil time.Time // zero: closed
	probing   bool
}

func newBreaker(scheme string, cfg BreakerConfig, now func() time.Time) *breaker {
	if cfg.Failures <= 0 {
		cfg.Failures = DefaultBreakerFailures
	}
	if cfg.OpenFor <= 0 {
		cfg.OpenFor = DefaultBreakerOpenFor
	}
	if now == nil {
		now = time.Now
	}
	return &breaker{scheme: scheme, cfg: cfg, now: now}
}

// allow lets a call through, or refuses it with a *CircuitOpenError. When
// the open period has passed, the first caller probes with probe; the others
// are refused until the probe has answered.
func (b *breaker) allow(ctx context.Context, probe func(context.Context) error) error {
	b.mu.Lock()
	if b.openUntil.IsZero() {
		b.mu.Unlock()
		return nil
	}
	if b.probing || b.now().Before(b.openUntil) {
		err := &CircuitOpenError{Scheme: b.scheme, Until: b.openUntil}
		b.mu.Unlock()
		return err
	}
	b.probing = true
	b.mu.Unlock()

	pctx, cancel := context.WithTimeout(ctx, breakerProbeTimeout)
	err := probe(pctx)
	cancel()

	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	if err != nil {
		b.openUntil = b.now().Add(b.cfg.OpenFor)
		return &CircuitOpenError{Scheme: b.scheme, Until: b.openUntil}
	}
	b.openUntil, b.failures = time.Time{}, 0
	return nil
}

// record counts a call's result. Only the adapter not answering counts as a
// failure: a FAILURE or UNKNOWN result is an answer, and a call the caller
// itself gave up on (its context ended) says nothing about the adapter.
func (b *breaker) record(ctx context.Context, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err == nil {
		b.failures = 0
		return
	}
	if ctx.Err() != nil {
		return
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
	default:
		return
	}
	b.failures++
	if b.failures >= b.cfg.Failures && b.openUntil.IsZero() {
		b.openUntil = b.now().Add(b.cfg.OpenFor)
	}
}

// open reports whether the circuit refuses calls now.
func (b *breaker) open() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !b.openUntil.IsZero()
}
