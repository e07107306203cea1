package contract

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// PayStreamInFlightMax bounds the calls of one PayStream that an adapter
// works on at once. A gateway keeps fewer in flight than this (its own
// terminal limits bound them); past it the stream stops reading until one
// is answered, which holds the gateway back through gRPC flow control
// rather than through an unbounded pile of goroutines.
const PayStreamInFlightMax = 1024

// PayStreamTimeoutMax bounds the timeout_ms a call asks for; a gateway asks
// for seconds.
const PayStreamTimeoutMax = 5 * time.Minute

// PayFunc is an adapter's unary Pay.
type PayFunc func(ctx context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error)

// ServePayStream serves a PayStream with pay, the adapter's unary Pay:
// every call on the stream runs pay in its own goroutine, under the
// stream's context and the call's timeout, and its answer (or the status
// of its error) goes back under its call_id as soon as it is known. It
// returns once the gateway has closed its side and every call is answered,
// or when the stream fails; calls still running then end with the
// stream's context.
//
// An adapter serves PayStream with it in one line:
//
//	func (a *Adapter) PayStream(s schemev1.SchemeAdapter_PayStreamServer) error {
//		return contract.ServePayStream(s, a.Pay)
//	}
func ServePayStream(stream grpc.BidiStreamingServer[schemev1.PayStreamRequest, schemev1.PayStreamResponse], pay PayFunc) error {
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	s := &payStreamServer{stream: stream, slots: make(chan struct{}, PayStreamInFlightMax)}
	err := s.receive(ctx, pay)
	if err != nil {
		cancel() // the stream is gone: no answer can be sent
	}
	s.calls.Wait()
	if err != nil {
		return err
	}
	return s.sendErr
}

type payStreamServer struct {
	stream grpc.BidiStreamingServer[schemev1.PayStreamRequest, schemev1.PayStreamResponse]
	slots  chan struct{} // one per call running
	calls  sync.WaitGroup

	mu      sync.Mutex // guards sending on stream, and sendErr
	sendErr error
}

// receive reads calls until the gateway closes its side (nil) or the stream
// fails (its error).
func (s *payStreamServer) receive(ctx context.Context, pay PayFunc) error {
	for {
		req, err := s.stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		select {
		case s.slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		s.calls.Add(1)
		go func() {
			defer func() { <-s.slots; s.calls.Done() }()
			s.answer(req.GetCallId(), s.call(ctx, req, pay))
		}()
	}
}

// call runs one Pay and returns its answer, an error being carried as a
// CallError. A panic in pay is confined to its call, as ServerOptions
// confines one in a unary Pay: logged to slog.Default() and answered
// Internal, an outcome the gateway resolves by inquiry.
func (s *payStreamServer) call(ctx context.Context, req *schemev1.PayStreamRequest, pay PayFunc) (resp *schemev1.PayStreamResponse) {
	resp = &schemev1.PayStreamResponse{CallId: req.GetCallId()}
	defer func() {
		if p := recover(); p != nil {
			logPanic(slog.Default(), schemev1.SchemeAdapter_PayStream_FullMethodName, p)
			resp.Answer = callError(errPanicked)
		}
	}()
	if err := checkStreamCall(req); err != nil {
		resp.Answer = callError(err)
		return resp
	}
	callCtx, cancel := context.WithTimeout(ctx, time.Duration(req.GetTimeoutMs())*time.Millisecond)
	defer cancel()
	r, err := pay(callCtx, req.GetPay())
	if err != nil {
		resp.Answer = callError(err)
		return resp
	}
	resp.Answer = &schemev1.PayStreamResponse_Pay{Pay: r}
	return resp
}

func checkStreamCall(req *schemev1.PayStreamRequest) error {
	switch {
	case req.GetCallId() == 0:
		return status.Error(codes.InvalidArgument, "call_id: must not be 0")
	case req.GetPay() == nil:
		return status.Error(codes.InvalidArgument, "pay: missing")
	case req.GetTimeoutMs() <= 0 || req.GetTimeoutMs() > PayStreamTimeoutMax.Milliseconds():
		return status.Errorf(codes.InvalidArgument, "timeout_ms: %d, want 1 to %d", req.GetTimeoutMs(), PayStreamTimeoutMax.Milliseconds())
	}
	return nil
}

func callError(err error) *schemev1.PayStreamResponse_Error {
	st := status.Convert(err)
	code := st.Code()
	if code == codes.OK {
		code = codes.Unknown // an error is never OK
	}
	return &schemev1.PayStreamResponse_Error{Error: &schemev1.CallError{Code: int32(code), Message: st.Message()}}
}

// answer sends resp; gRPC allows one sender at a time. After a failed send
// the stream is broken and the others give up too.
func (s *payStreamServer) answer(callID uint64, resp *schemev1.PayStreamResponse) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sendErr != nil {
		return
	}
	if err := s.stream.Send(resp); err != nil {
		s.sendErr = status.Errorf(status.Code(err), "answer call %d: %v", callID, err)
	}
}
