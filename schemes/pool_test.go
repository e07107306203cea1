package schemes

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// poolServer is an adapter served on 127.0.0.1 that records which client
// connection (the peer's address) each call came over, and how many
// connections are open at its end.
type poolServer struct {
	addr    string
	adapter *countingAdapter
	open    atomic.Int64

	mu    sync.Mutex
	peers map[string]int // calls per peer address; guarded by mu
}

func servePool(t *testing.T) *poolServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ps := &poolServer{addr: ln.Addr().String(), adapter: &countingAdapter{}, peers: map[string]int{}}
	s := grpc.NewServer(grpc.UnaryInterceptor(ps.record))
	schemev1.RegisterSchemeAdapterServer(s, ps.adapter)
	healthpb.RegisterHealthServer(s, health.NewServer())
	go func() { _ = s.Serve(&countingListener{Listener: ln, open: &ps.open}) }()
	t.Cleanup(s.Stop)
	return ps
}

func (ps *poolServer) record(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if p, ok := peer.FromContext(ctx); ok {
		ps.mu.Lock()
		ps.peers[p.Addr.String()]++
		ps.mu.Unlock()
	}
	return handler(ctx, req)
}

func (ps *poolServer) peerCount() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return len(ps.peers)
}

// countingListener counts the connections open at the server's end.
type countingListener struct {
	net.Listener
	open *atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.open.Add(1)
	return &countedConn{Conn: c, open: l.open}, nil
}

type countedConn struct {
	net.Conn
	open *atomic.Int64
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.open.Add(-1) })
	return c.Conn.Close()
}

func testPayRequest() *schemev1.PayRequest {
	return &schemev1.PayRequest{
		IdempotencyKey: "01JD6Z9S3W8XK2Q4M7N5P0R1TB",
		PaymentCode:    "281012345678901234",
		Amount:         &schemev1.Money{Currency: "EUR", MinorUnits: 1250},
		MerchantAmount: &schemev1.Money{Currency: "EUR", MinorUnits: 1250},
		Merchant: &schemev1.MerchantInfo{MerchantId: "SHOP0000000001", LegalName: "Example Retail GmbH",
			TradingName: "Example Store Munich", Mcc: "5411", Country: "DE", City: "Munich",
			StoreId: "STORE001", TerminalId: "TERM0001"},
		OrderDescription: "Example Store Munich",
	}
}

func TestClientPool(t *testing.T) {
	ps := servePool(t)
	c, err := NewClient(ClientConfig{Scheme: "TEST", Target: ps.addr, Connections: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	t.Run("concurrent calls are spread over all three connections and every one is answered", func(t *testing.T) {
		const calls = 30
		errs := make(chan error, calls)
		var wg sync.WaitGroup
		for range calls {
			wg.Go(func() {
				resp, err := c.Pay(context.Background(), testPayRequest())
				if err == nil && resp.GetResult().GetStatus() != schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
					err = fmt.Errorf("result %v", resp.GetResult())
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("Pay = %v", err)
			}
		}
		if got := ps.adapter.pays.Load(); got != calls {
			t.Errorf("the adapter received %d pays, want %d", got, calls)
		}
		if got := ps.peerCount(); got != 3 {
			t.Errorf("calls came over %d connections, want 3", got)
		}
		if got := ps.open.Load(); got != 3 {
			t.Errorf("the server has %d connections open, want 3", got)
		}
	})

	t.Run("Close closes every connection", func(t *testing.T) {
		if err := c.Close(); err != nil {
			t.Fatalf("Close = %v", err)
		}
		for i, conn := range c.conns {
			if st := conn.GetState(); st != connectivity.Shutdown {
				t.Errorf("connection %d is %v after Close, want SHUTDOWN", i, st)
			}
		}
		// The server sees each connection end when its read fails; wait
		// for that, bounded, rather than for a fixed time.
		deadline := time.Now().Add(10 * time.Second)
		for ps.open.Load() != 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := ps.open.Load(); got != 0 {
			t.Errorf("the server still has %d connections open after Close", got)
		}
		if _, err := c.Pay(context.Background(), testPayRequest()); err == nil {
			t.Error("Pay after Close succeeded")
		}
	})
}

func TestClientConnectionsSetting(t *testing.T) {
	for _, tc := range []struct {
		connections, want int
	}{{0, DefaultConnections()}, {1, 1}, {4, 4}, {MaxConnections, MaxConnections}} {
		c, err := NewClient(ClientConfig{Scheme: "TEST", Target: "127.0.0.1:1", Connections: tc.connections})
		if err != nil {
			t.Errorf("Connections %d: %v", tc.connections, err)
			continue
		}
		if len(c.conns) != tc.want {
			t.Errorf("Connections %d opened %d connections, want %d", tc.connections, len(c.conns), tc.want)
		}
		c.Close()
	}
	for _, n := range []int{-1, MaxConnections + 1} {
		if c, err := NewClient(ClientConfig{Scheme: "TEST", Target: "127.0.0.1:1", Connections: n}); err == nil {
			c.Close()
			t.Errorf("Connections %d accepted", n)
		}
	}
}

// After an outage every connection of the pool has failed to reconnect and
// waits out a backoff (here a minute, so that none reconnects on its own
// during the test). The probe that closes the circuit must have woken them
// all: no call after it may meet a connection still in its backoff.
func TestClientPoolRecoversEveryConnectionAfterAnOutage(t *testing.T) {
	adapter := &countingAdapter{}
	addr, stop := serveAdapter(t, "127.0.0.1:0", adapter)
	clock := &fakeClock{now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	slowBackoff := grpc.WithConnectParams(grpc.ConnectParams{
		Backoff:           backoff.Config{BaseDelay: time.Minute, Multiplier: 1.6, MaxDelay: 2 * time.Minute},
		MinConnectTimeout: 5 * time.Second,
	})
	c, err := NewClient(ClientConfig{Scheme: "TEST", Target: addr, Connections: 3, CallTimeout: time.Second,
		DialOptions: []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials()), slowBackoff},
		Breaker:     BreakerConfig{Failures: 3, OpenFor: 10 * time.Second}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	pay := func() error {
		_, err := c.Pay(ctx, testPayRequest())
		return err
	}
	for i := range 3 {
		if err := pay(); err != nil {
			t.Fatalf("call %d with the adapter up = %v", i+1, err)
		}
	}
	stop()
	for i := range 3 { // one per connection: each fails to reconnect
		if err := pay(); err == nil || errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("call %d with the adapter down = %v, want a transport error", i+1, err)
		}
	}
	if !c.CircuitOpen() {
		t.Fatal("circuit still closed after 3 failures in a row")
	}

	_, stop = serveAdapter(t, addr, adapter)
	defer stop()
	deadline := time.Now().Add(10 * time.Second)
	for {
		clock.Advance(11 * time.Second)
		err := pay()
		if err == nil {
			break
		}
		if !errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("call while the circuit was being probed = %v, want success or ErrCircuitOpen", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("circuit never closed with the adapter back: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i := range 6 { // twice round the pool
		if err := pay(); err != nil {
			t.Fatalf("call %d after the circuit closed = %v", i+1, err)
		}
	}
	if c.CircuitOpen() {
		t.Error("circuit open again after the adapter came back")
	}
}

// BenchmarkClientPayParallel measures one Pay through Client against a real
// gRPC server on 127.0.0.1 (in this process) whose adapter answers at once,
// for pool sizes 1, 2 and 4, with 8 callers per core: the gateway has many
// purchases in flight at once, not one per core.
//
//	go test -run '^$' -bench ClientPayParallel -benchtime 2s -count 3 ./schemes/
func BenchmarkClientPayParallel(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := grpc.NewServer()
	schemev1.RegisterSchemeAdapterServer(s, &countingAdapter{})
	go func() { _ = s.Serve(ln) }()
	defer s.Stop()
	for _, n := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("connections=%d", n), func(b *testing.B) {
			c, err := NewClient(ClientConfig{Scheme: "TEST", Target: ln.Addr().String(), Connections: n})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			for range n { // connect every connection before timing
				if _, err := c.Pay(context.Background(), testPayRequest()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				req := testPayRequest()
				for pb.Next() {
					if _, err := c.Pay(context.Background(), req); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
