package schemes

import (
	"context"
	"errors"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// A unary Pay opens an HTTP/2 stream for every payment: headers encoded
// and decoded at both ends, a stream set up and torn down, a goroutine on
// the server. On a loopback connection that costs about 60 µs of CPU a
// call, client and server together, against about 12 µs for the same
// message on a stream that stays open (issue 7; see docs/PERFORMANCE.md).
// So to an adapter that supports it the client sends Pay over PayStream:
// one long-lived stream per connection, calls matched to their answers by
// call_id.
//
// Money stays safe when a stream breaks because Pay is idempotent: a call
// whose stream failed before its answer came is sent again as a unary Pay
// with the same idempotency key and content, which returns the first
// result and charges nothing twice (the contract, checked by the
// conformance kit).

// payMux sends Pay calls over one PayStream on one connection. It opens
// the stream in the background, so that no call waits for it (a stream
// cannot be opened under one call's deadline and outlive it), and sends
// unary Pay meanwhile: at start, and after a stream broke, for at least
// payStreamRetry.
type payMux struct {
	api schemev1.SchemeAdapterClient
	ctx context.Context // ends at Client.Close, ending every stream

	mu      sync.Mutex // guards cur, opening, retryAt
	cur     *payStream
	opening bool
	retryAt time.Time
}

// payStreamRetry is how long a client waits before it opens a stream again
// after one failed: meanwhile Pay goes unary. It keeps an adapter whose
// streams fail at once (one that claims PayStream but does not serve it)
// from being sent a new stream for every payment.
const payStreamRetry = time.Second

// payStream is one open PayStream and its calls waiting for an answer.
type payStream struct {
	stream schemev1.SchemeAdapter_PayStreamClient
	cancel context.CancelFunc
	done   chan struct{} // closed when the stream broke

	sendMu sync.Mutex // one sender at a time, as gRPC requires

	mu      sync.Mutex // guards nextID, pending, err
	nextID  uint64
	pending map[uint64]chan *schemev1.PayStreamResponse
	err     error
}

// errStreamBroken marks a call whose stream failed before it was answered:
// its outcome is unknown until it is asked again.
var errStreamBroken = errors.New("pay stream broke before the answer")

// pay sends req on the current stream and waits for its answer. A call
// whose stream could not be opened, or broke before the answer, is sent
// again as a unary Pay (see above).
func (m *payMux) pay(ctx context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	if s := m.stream(); s != nil {
		resp, err := s.call(ctx, req)
		if !errors.Is(err, errStreamBroken) {
			return resp, err
		}
		m.drop(s)
		if ctx.Err() != nil {
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
	return m.api.Pay(ctx, req)
}

// stream returns the open stream, or nil while there is none; then it
// starts opening one, unless that is under way or a stream failed less than
// payStreamRetry ago.
func (m *payMux) stream() *payStream {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur != nil || m.opening || time.Now().Before(m.retryAt) || m.ctx.Err() != nil {
		return m.cur
	}
	m.opening = true
	go m.open()
	return nil
}

// open opens a stream, waiting for the connection if need be, until the
// client closes.
func (m *payMux) open() {
	ctx, cancel := context.WithCancel(m.ctx)
	st, err := m.api.PayStream(ctx)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.opening = false
	if err != nil {
		cancel()
		m.retryAt = time.Now().Add(payStreamRetry)
		return
	}
	s := &payStream{stream: st, cancel: cancel, done: make(chan struct{}),
		pending: make(map[uint64]chan *schemev1.PayStreamResponse)}
	go s.receive()
	m.cur = s
}

// drop forgets s if it is still the current stream, so that a new one is
// opened after payStreamRetry.
func (m *payMux) drop(s *payStream) {
	m.mu.Lock()
	if m.cur == s {
		m.cur = nil
		m.retryAt = time.Now().Add(payStreamRetry)
	}
	m.mu.Unlock()
}

// call sends one Pay and waits for its answer, the context's end, or the
// stream's failure (errStreamBroken).
func (s *payStream) call(ctx context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	id, answer, err := s.register()
	if err != nil {
		return nil, err
	}
	msg := &schemev1.PayStreamRequest{CallId: id, Pay: req, TimeoutMs: timeoutMs(ctx)}
	s.sendMu.Lock()
	err = s.stream.Send(msg)
	s.sendMu.Unlock()
	if err != nil {
		s.fail(err)
		return nil, errStreamBroken
	}
	select {
	case resp := <-answer:
		return unwrap(resp)
	case <-s.done:
		select {
		case resp := <-answer: // answered just before the failure
			return unwrap(resp)
		default:
			return nil, errStreamBroken
		}
	case <-ctx.Done():
		s.forget(id)
		return nil, status.FromContextError(ctx.Err()).Err()
	}
}

func (s *payStream) register() (uint64, chan *schemev1.PayStreamResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, nil, errStreamBroken
	}
	s.nextID++
	answer := make(chan *schemev1.PayStreamResponse, 1) // receive never waits
	s.pending[s.nextID] = answer
	return s.nextID, answer, nil
}

func (s *payStream) forget(id uint64) {
	s.mu.Lock()
	delete(s.pending, id)
	s.mu.Unlock()
}

// receive hands each answer to its caller until the stream fails. An
// answer nobody waits for (its caller's deadline passed) is dropped: that
// caller already reported the outcome unknown, which the engine resolves.
func (s *payStream) receive() {
	for {
		resp, err := s.stream.Recv()
		if err != nil {
			s.fail(err)
			return
		}
		s.mu.Lock()
		answer, ok := s.pending[resp.GetCallId()]
		delete(s.pending, resp.GetCallId())
		s.mu.Unlock()
		if ok {
			answer <- resp
		}
	}
}

// fail marks the stream broken, once, and ends it.
func (s *payStream) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return
	}
	s.err = err
	close(s.done)
	s.cancel()
}

// unwrap turns an answer into what the unary Pay would have returned.
func unwrap(resp *schemev1.PayStreamResponse) (*schemev1.PayResponse, error) {
	if e := resp.GetError(); e != nil {
		code := codes.Code(e.GetCode())
		if code == codes.OK {
			code = codes.Unknown
		}
		return nil, status.Error(code, e.GetMessage())
	}
	if resp.GetPay() == nil {
		return nil, status.Errorf(codes.Internal, "pay stream: call %d answered with neither pay nor error", resp.GetCallId())
	}
	return resp.GetPay(), nil
}

// timeoutMs is what is left of ctx's deadline, in milliseconds, at least 1.
// Client calls always carry a deadline (call sets one).
func timeoutMs(ctx context.Context) int64 {
	deadline, ok := ctx.Deadline()
	if !ok {
		return DefaultCallTimeout.Milliseconds()
	}
	return max(time.Until(deadline).Milliseconds(), 1)
}
