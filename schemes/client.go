package schemes

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// DefaultCallTimeout bounds one adapter call when ClientConfig.CallTimeout is
// zero. The engine's own budget, usually shorter at the time of the call,
// still applies through the caller's context.
const DefaultCallTimeout = 10 * time.Second

// MaxConnections bounds ClientConfig.Connections.
const MaxConnections = 64

// DefaultConnections is how many gRPC connections a Client opens to its
// adapter when ClientConfig.Connections is zero: one per two cores
// (GOMAXPROCS when it is called), at least 1 and at most 4.
//
// One HTTP/2 connection has one reader and one writer goroutine at each
// end, so every call's frames pass through those four: on many cores they
// cap the calls per second (issue 7). On few cores one connection is the
// cheapest, its writer batching many calls' frames into one write
// (BenchmarkClientPayParallel, CPU per call, median of 5 runs: at
// GOMAXPROCS 1, 41 µs on 1 connection, 48 on 2, 60 on 4; at GOMAXPROCS 2,
// 57, 54 and 72).
func DefaultConnections() int { return min(max(runtime.GOMAXPROCS(0)/2, 1), 4) }

// ClientConfig configures a Client. The zero value of each optional field
// means its documented default.
type ClientConfig struct {
	// Scheme is the scheme id the adapter must report in its capabilities.
	Scheme string
	// Target is the adapter's gRPC address, e.g. "127.0.0.1:7001".
	Target string
	// CallTimeout bounds every call; default DefaultCallTimeout.
	CallTimeout time.Duration
	// DialOptions replace the default (plain-text transport). Set them for
	// TLS.
	DialOptions []grpc.DialOption
	// Connections is how many gRPC connections to the adapter the client
	// spreads its calls over, round-robin; default DefaultConnections(), at
	// most MaxConnections.
	Connections int
	// Breaker configures the circuit breaker that answers fast while the
	// adapter is unreachable.
	Breaker BreakerConfig
	// Now is the breaker's clock; default time.Now.
	Now func() time.Time
}

// Client calls one scheme adapter over a small pool of reused gRPC
// connections, one circuit breaker for them all. It is safe for concurrent
// use.
type Client struct {
	scheme      string
	target      string
	callTimeout time.Duration
	conns       []*grpc.ClientConn
	apis        []schemev1.SchemeAdapterClient // apis[i] calls over conns[i]
	muxes       []*payMux                      // muxes[i] streams Pay over conns[i]
	next        atomic.Uint64                  // round-robin position in apis
	breaker     *breaker
	// payStream is set once the adapter's capabilities say it serves
	// PayStream: Pay then goes over the muxes.
	payStream  atomic.Bool
	stopStream context.CancelFunc // ends every PayStream, at Close

	mu   sync.Mutex // guards caps
	caps *schemev1.Capabilities
}

// NewClient prepares a client; the connections are made on first use and
// re-made when they break.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.Scheme == "" {
		return nil, errors.New("schemes: client config: scheme id is empty")
	}
	if cfg.Target == "" {
		return nil, fmt.Errorf("schemes: client for %s: target address is empty", cfg.Scheme)
	}
	n := cfg.Connections
	if n == 0 {
		n = DefaultConnections()
	}
	if n < 0 || n > MaxConnections {
		return nil, fmt.Errorf("schemes: client for %s: %d connections: want 1 to %d, or 0 for the default", cfg.Scheme, cfg.Connections, MaxConnections)
	}
	opts := cfg.DialOptions
	if len(opts) == 0 {
		opts = []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	}
	timeout := cfg.CallTimeout
	if timeout <= 0 {
		timeout = DefaultCallTimeout
	}
	streamCtx, stopStream := context.WithCancel(context.Background())
	c := &Client{
		scheme:      cfg.Scheme,
		target:      cfg.Target,
		callTimeout: timeout,
		breaker:     newBreaker(cfg.Scheme, cfg.Breaker, cfg.Now),
		stopStream:  stopStream,
	}
	for range n {
		conn, err := grpc.NewClient(cfg.Target, opts...)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("schemes: client for %s at %s: %w", cfg.Scheme, cfg.Target, err)
		}
		api := schemev1.NewSchemeAdapterClient(conn)
		c.conns = append(c.conns, conn)
		c.apis = append(c.apis, api)
		c.muxes = append(c.muxes, &payMux{api: api, ctx: streamCtx})
	}
	return c, nil
}

// pick chooses the connection for the next call, round-robin. It takes no
// lock: the counter is the only state the callers share.
func (c *Client) pick() int {
	if len(c.apis) == 1 {
		return 0
	}
	return int(c.next.Add(1) % uint64(len(c.apis)))
}

func (c *Client) api() schemev1.SchemeAdapterClient { return c.apis[c.pick()] }

// Scheme is the scheme id this client serves.
func (c *Client) Scheme() string { return c.scheme }

// Target is the adapter's address.
func (c *Client) Target() string { return c.target }

// Capabilities asks the adapter what it can do and checks that it is the
// scheme configured. The answer is cached; Refresh asks again.
func (c *Client) Capabilities(ctx context.Context) (*schemev1.Capabilities, error) {
	c.mu.Lock()
	caps := c.caps
	c.mu.Unlock()
	if caps != nil {
		return caps, nil
	}
	return c.Refresh(ctx)
}

// Refresh fetches the adapter's capabilities again.
func (c *Client) Refresh(ctx context.Context) (*schemev1.Capabilities, error) {
	ctx, cancel := context.WithTimeout(ctx, c.callTimeout)
	defer cancel()
	caps, err := c.apis[0].GetCapabilities(ctx, &schemev1.GetCapabilitiesRequest{})
	if err != nil {
		return nil, fmt.Errorf("schemes: capabilities of %s at %s: %w", c.scheme, c.target, err)
	}
	if caps.GetSchemeId() != c.scheme {
		return nil, fmt.Errorf("schemes: adapter at %s says it is %q, configured as %q", c.target, caps.GetSchemeId(), c.scheme)
	}
	c.mu.Lock()
	c.caps = caps
	c.mu.Unlock()
	c.payStream.Store(caps.GetSupportsPayStream())
	return caps, nil
}

// Healthy reports whether the adapter's gRPC health service says SERVING,
// asked over the first connection.
func (c *Client) Healthy(ctx context.Context) error { return c.checkHealth(ctx, c.conns[0]) }

func (c *Client) checkHealth(ctx context.Context, conn *grpc.ClientConn) error {
	ctx, cancel := context.WithTimeout(ctx, c.callTimeout)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		return fmt.Errorf("schemes: health of %s at %s: %w", c.scheme, c.target, err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("schemes: %s at %s is %s", c.scheme, c.target, resp.GetStatus())
	}
	return nil
}

// CircuitOpen reports whether calls are being refused because the adapter
// stopped answering.
func (c *Client) CircuitOpen() bool { return c.breaker.open() }

// probe is the breaker's half-open check: every connection must answer
// SERVING, since once the circuit closes calls spread over all of them. It
// first wakes the connections waiting out a reconnect backoff, which after
// a long outage grows to minutes; one that has not reconnected yet fails
// this probe fast, and the next probe, OpenFor later, finds it connected.
func (c *Client) probe(ctx context.Context) error {
	for _, conn := range c.conns {
		conn.ResetConnectBackoff()
	}
	for _, conn := range c.conns {
		if err := c.checkHealth(ctx, conn); err != nil {
			return err
		}
	}
	return nil
}

// call runs one money-moving or inquiry call through the circuit breaker,
// with the per-call deadline.
func call[Resp any](ctx context.Context, c *Client, f func(context.Context) (Resp, error)) (Resp, error) {
	if err := c.breaker.allow(ctx, c.probe); err != nil {
		var zero Resp
		return zero, err
	}
	// The engine's calls carry a deadline sooner than callTimeout; adding
	// another (a timer and a context each) would only cost.
	cctx := ctx
	if deadline, ok := ctx.Deadline(); !ok || time.Until(deadline) > c.callTimeout {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeout(ctx, c.callTimeout)
		defer cancel()
	}
	resp, err := f(cctx)
	c.breaker.record(ctx, err)
	return resp, err
}

// Pay sends a payment: over PayStream once the adapter's capabilities (read
// by Capabilities or Refresh) say it serves it, else as a unary call. An
// error means the outcome is unknown, unless it wraps ErrCircuitOpen: then
// the call was never sent.
func (c *Client) Pay(ctx context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	return call(ctx, c, func(ctx context.Context) (*schemev1.PayResponse, error) {
		i := c.pick()
		if c.payStream.Load() {
			return c.muxes[i].pay(ctx, req)
		}
		return c.apis[i].Pay(ctx, req)
	})
}

// Inquire asks for the state of an earlier Pay.
func (c *Client) Inquire(ctx context.Context, req *schemev1.InquireRequest) (*schemev1.InquireResponse, error) {
	return call(ctx, c, func(ctx context.Context) (*schemev1.InquireResponse, error) { return c.api().Inquire(ctx, req) })
}

// Cancel voids an earlier Pay.
func (c *Client) Cancel(ctx context.Context, req *schemev1.CancelRequest) (*schemev1.CancelResponse, error) {
	return call(ctx, c, func(ctx context.Context) (*schemev1.CancelResponse, error) { return c.api().Cancel(ctx, req) })
}

// Refund returns all or part of a paid payment.
func (c *Client) Refund(ctx context.Context, req *schemev1.RefundRequest) (*schemev1.RefundResponse, error) {
	return call(ctx, c, func(ctx context.Context) (*schemev1.RefundResponse, error) { return c.api().Refund(ctx, req) })
}

// CreateOrder opens a merchant-presented order. An error means the outcome
// is unknown (the order may exist), unless it wraps ErrCircuitOpen.
func (c *Client) CreateOrder(ctx context.Context, req *schemev1.CreateOrderRequest) (*schemev1.CreateOrderResponse, error) {
	return call(ctx, c, func(ctx context.Context) (*schemev1.CreateOrderResponse, error) { return c.api().CreateOrder(ctx, req) })
}

// Close closes every connection; calls in flight end with Canceled.
func (c *Client) Close() error {
	c.stopStream()
	var errs []error
	for _, conn := range c.conns {
		if err := conn.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
