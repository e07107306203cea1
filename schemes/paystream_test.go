package schemes

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/conformance/example"
	"github.com/meridian-gw/meridian/schemes/contract"
)

// streamServer serves an adapter on 127.0.0.1 and counts the unary Pay
// calls and the PayStream streams that reach it.
type streamServer struct {
	addr           string
	unary, streams atomic.Int64
}

func serveStreams(t testing.TB, adapter schemev1.SchemeAdapterServer) *streamServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ss := &streamServer{addr: ln.Addr().String()}
	s := grpc.NewServer(
		grpc.UnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			if info.FullMethod == schemev1.SchemeAdapter_Pay_FullMethodName {
				ss.unary.Add(1)
			}
			return h(ctx, req)
		}),
		grpc.StreamInterceptor(func(srv any, st grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			ss.streams.Add(1)
			return h(srv, st)
		}))
	schemev1.RegisterSchemeAdapterServer(s, adapter)
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(s.Stop)
	return ss
}

// streamingClient returns a client of addr that has read the adapter's
// capabilities and has its stream open, so that what follows goes over it.
func streamingClient(t testing.TB, addr string) *Client {
	t.Helper()
	c, err := NewClient(ClientConfig{Scheme: example.DefaultSchemeID, Target: addr, Connections: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	caps, err := c.Capabilities(context.Background())
	if err != nil || !caps.GetSupportsPayStream() {
		t.Fatalf("capabilities = %v, %v; want supports_pay_stream", caps, err)
	}
	for c.muxes[0].stream() == nil {
		time.Sleep(time.Millisecond)
	}
	return c
}

func examplePay(key string, minor int64) *schemev1.PayRequest {
	amount := &schemev1.Money{Currency: "EUR", MinorUnits: minor}
	return &schemev1.PayRequest{IdempotencyKey: key, PaymentCode: "991200000000000001",
		Amount: amount, MerchantAmount: amount, Merchant: &schemev1.MerchantInfo{MerchantId: "M-1"}}
}

func TestPayGoesOverTheStreamAndMeansWhatUnaryPayMeans(t *testing.T) {
	ss := serveStreams(t, example.New(example.Config{}))
	c := streamingClient(t, ss.addr)
	unaryBefore := ss.unary.Load()
	ctx := t.Context()

	first, err := c.Pay(ctx, examplePay("stream-1", 1250))
	if err != nil || first.GetResult().GetStatus() != schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
		t.Fatalf("Pay over the stream = %v, %v; want SUCCESS", first, err)
	}
	again, err := c.Pay(ctx, examplePay("stream-1", 1250))
	if err != nil || again.GetSchemeTransactionId() != first.GetSchemeTransactionId() {
		t.Errorf("repeat = %v, %v; want the first payment (%s) again", again, err, first.GetSchemeTransactionId())
	}
	mismatch, err := c.Pay(ctx, examplePay("stream-1", 1300))
	if err != nil || mismatch.GetResult().GetReason() != schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH {
		t.Errorf("same key, other amount = %v, %v; want IDEMPOTENCY_MISMATCH", mismatch, err)
	}
	declined, err := c.Pay(ctx, examplePay("stream-2", 1251))
	if err != nil || declined.GetResult().GetStatus() != schemev1.ResultStatus_RESULT_STATUS_FAILURE {
		t.Errorf("amount ending 51 = %v, %v; want FAILURE", declined, err)
	}
	bad := examplePay("", 1250)
	_, streamErr := c.Pay(ctx, bad)
	_, unaryErr := c.apis[0].Pay(ctx, bad)
	if status.Code(streamErr) != codes.InvalidArgument || status.Code(streamErr) != status.Code(unaryErr) ||
		status.Convert(streamErr).Message() != status.Convert(unaryErr).Message() {
		t.Errorf("bad request over the stream = %v; want what unary Pay says: %v", streamErr, unaryErr)
	}
	if n := ss.unary.Load() - unaryBefore; n != 1 { // the one comparison call above
		t.Errorf("%d unary Pay calls reached the adapter; want only the comparison's", n)
	}
	if n := ss.streams.Load(); n != 1 {
		t.Errorf("%d streams opened; want one carrying every call", n)
	}
}

// breakingAdapter is the example adapter whose PayStream, once armed, takes
// calls without answering them and then fails, as a stream whose adapter
// restarts does.
type breakingAdapter struct {
	*example.Adapter
	hold  int // calls to take before breaking
	taken chan string
}

func (a *breakingAdapter) PayStream(s schemev1.SchemeAdapter_PayStreamServer) error {
	for range a.hold {
		req, err := s.Recv()
		if err != nil {
			return err
		}
		// The payment is made; its answer is lost with the stream.
		if _, err := a.Pay(s.Context(), req.GetPay()); err != nil {
			return err
		}
		a.taken <- req.GetPay().GetIdempotencyKey()
	}
	return status.Error(codes.Unavailable, "adapter restarting")
}

func TestCallsOnABrokenStreamAreAskedAgainAndChargedOnce(t *testing.T) {
	adapter := &breakingAdapter{Adapter: example.New(example.Config{}), hold: 3, taken: make(chan string, 3)}
	ss := serveStreams(t, adapter)
	c := streamingClient(t, ss.addr)
	ctx := t.Context()
	var wg sync.WaitGroup
	results := make([]*schemev1.PayResponse, 3)
	errs := make([]error, 3)
	for i := range 3 {
		wg.Go(func() { results[i], errs[i] = c.Pay(ctx, examplePay(fmt.Sprintf("broken-%d", i), 1000+int64(i))) })
	}
	wg.Wait()
	for i := range 3 {
		if errs[i] != nil || results[i].GetResult().GetStatus() != schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
			t.Errorf("call %d = %v, %v; want SUCCESS learned by asking again", i, results[i], errs[i])
		}
		first, err := adapter.Pay(ctx, examplePay(fmt.Sprintf("broken-%d", i), 1000+int64(i)))
		if err != nil || first.GetSchemeTransactionId() != results[i].GetSchemeTransactionId() {
			t.Errorf("call %d: the wallet's payment %v (%v) is not the one answered, %v", i, first, err, results[i])
		}
	}
	if n := ss.unary.Load(); n != 3 {
		t.Errorf("%d unary Pay calls; want the 3 lost answers asked again", n)
	}
}

func TestServePayStreamAnswersABadCallAndGoesOn(t *testing.T) {
	ss := serveStreams(t, example.New(example.Config{}))
	c, err := NewClient(ClientConfig{Scheme: example.DefaultSchemeID, Target: ss.addr, Connections: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, err := c.apis[0].PayStream(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, req := range []*schemev1.PayStreamRequest{
		{CallId: 0, Pay: examplePay("k-0", 100), TimeoutMs: 1000},
		{CallId: 1, TimeoutMs: 1000},
		{CallId: 2, Pay: examplePay("k-2", 100)},
		{CallId: 3, Pay: examplePay("k-3", 100), TimeoutMs: 1000},
	} {
		if err := st.Send(req); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CloseSend(); err != nil {
		t.Fatal(err)
	}
	answers := map[uint64]*schemev1.PayStreamResponse{}
	for {
		resp, err := st.Recv()
		if err != nil {
			if status.Code(err) != codes.OK && !errors.Is(err, context.Canceled) && err.Error() != "EOF" {
				t.Fatalf("stream ended with %v; want a clean end once every call is answered", err)
			}
			break
		}
		answers[resp.GetCallId()] = resp
	}
	for _, id := range []uint64{0, 1, 2} {
		if code := codes.Code(answers[id].GetError().GetCode()); code != codes.InvalidArgument {
			t.Errorf("call %d answered %v; want InvalidArgument", id, answers[id])
		}
	}
	if answers[3].GetPay().GetResult().GetStatus() != schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
		t.Errorf("the good call after the bad ones answered %v; want SUCCESS", answers[3])
	}
}

// BenchmarkClientPayStream compares one Pay sent unary with one sent on
// the stream, from 64 callers per core to the example adapter on
// 127.0.0.1. cpu-µs/op is the process's CPU a call, client and server
// together, which on a shared machine varies less than ns/op.
//
//	go test -run '^$' -bench ClientPayStream -benchtime 2s -count 3 ./schemes/
func BenchmarkClientPayStream(b *testing.B) {
	ss := serveStreams(b, example.New(example.Config{}))
	for _, mode := range []string{"unary", "stream"} {
		b.Run(mode, func(b *testing.B) {
			c := streamingClient(b, ss.addr)
			c.payStream.Store(mode == "stream")
			var n atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(64)
			cpu := processCPU(b)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := c.Pay(context.Background(), examplePay(fmt.Sprintf("bench-%s-%d", mode, n.Add(1)), 1000))
					if err != nil || resp.GetResult().GetStatus() != schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
						b.Errorf("Pay = %v, %v", resp, err)
						return
					}
				}
			})
			b.ReportMetric(float64(processCPU(b)-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
		})
	}
}

func processCPU(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// panickingAdapter is the example adapter whose Pay panics on an amount of
// 66.66, as a bug in an adapter would.
type panickingAdapter struct{ *example.Adapter }

func (a panickingAdapter) Pay(ctx context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	if req.GetAmount().GetMinorUnits() == 6666 {
		panic("adapter bug")
	}
	return a.Adapter.Pay(ctx, req)
}

func (a panickingAdapter) PayStream(s schemev1.SchemeAdapter_PayStreamServer) error {
	return contract.ServePayStream(s, a.Pay)
}

func TestAPanicOnTheStreamIsConfinedToItsCall(t *testing.T) {
	ss := serveStreams(t, panickingAdapter{example.New(example.Config{})})
	c := streamingClient(t, ss.addr)
	_, err := c.Pay(t.Context(), examplePay("panics", 6666))
	if status.Code(err) != codes.Internal {
		t.Errorf("a Pay that panics in the adapter = %v; want Internal (outcome unknown)", err)
	}
	resp, err := c.Pay(t.Context(), examplePay("after", 1250))
	if err != nil || resp.GetResult().GetStatus() != schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
		t.Errorf("the next Pay = %v, %v; want SUCCESS on the same stream", resp, err)
	}
	if n := ss.streams.Load(); n != 1 {
		t.Errorf("%d streams opened; want the first still serving", n)
	}
}
