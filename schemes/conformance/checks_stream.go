package conformance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/grpc/codes"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// streamCallTimeout is the timeout_ms the kit asks for on PayStream.
const streamCallTimeout = 10 * time.Second

// checkPayStream sends, on one PayStream, an approved pay, a decline and a
// call the adapter must refuse, all at once, and then the approved one
// again as a unary Pay: every answer must be what Pay would have said,
// matched by call_id.
func checkPayStream(ctx context.Context, r *runner, _ *notes) error {
	if !r.caps.GetSupportsPayStream() {
		return skip("the capabilities say supports_pay_stream is false")
	}
	good, err := r.newPay(approved)
	if err != nil {
		return err
	}
	declined, err := r.newPay(sandbox(51))
	if err != nil {
		return err
	}
	ms := streamCallTimeout.Milliseconds()
	answers, err := r.payStream(ctx, []*schemev1.PayStreamRequest{
		{CallId: 7, Pay: good, TimeoutMs: ms},
		{CallId: 8, Pay: declined, TimeoutMs: ms},
		{CallId: 9, TimeoutMs: ms}, // no pay
	})
	if err != nil {
		return err
	}
	first := answers[7].GetPay()
	if err := r.want("Pay on the stream (call 7)", first.GetResult(), schemev1.ResultStatus_RESULT_STATUS_SUCCESS); err != nil {
		return err
	}
	if err := r.wantFailure("Pay on the stream of an amount ending 51 (call 8)", answers[8].GetPay().GetResult(),
		schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS); err != nil {
		return err
	}
	if code := codes.Code(answers[9].GetError().GetCode()); code != codes.InvalidArgument {
		return fmt.Errorf("a call without pay (call 9) was answered %v; want a CallError InvalidArgument", answers[9])
	}
	again, err := r.pay(ctx, good)
	if err != nil {
		return err
	}
	if again.GetSchemeTransactionId() != first.GetSchemeTransactionId() {
		return fmt.Errorf("unary Pay of the key paid on the stream answered scheme_transaction_id %q, the stream %q: they are one payment",
			again.GetSchemeTransactionId(), first.GetSchemeTransactionId())
	}
	return nil
}

// payStream sends calls on a new PayStream, closes its side and collects
// the answers by call_id; each call must be answered exactly once.
func (r *runner) payStream(ctx context.Context, calls []*schemev1.PayStreamRequest) (map[uint64]*schemev1.PayStreamResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, streamCallTimeout)
	defer cancel()
	st, err := r.api.PayStream(ctx)
	if err != nil {
		return nil, fmt.Errorf("PayStream: %w", err)
	}
	for _, c := range calls {
		if err := st.Send(c); err != nil {
			return nil, fmt.Errorf("PayStream: send call %d: %w", c.GetCallId(), err)
		}
	}
	if err := st.CloseSend(); err != nil {
		return nil, fmt.Errorf("PayStream: close: %w", err)
	}
	answers := map[uint64]*schemev1.PayStreamResponse{}
	for {
		resp, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("PayStream ended with %w before answering every call (%d of %d answered)", err, len(answers), len(calls))
		}
		if _, seen := answers[resp.GetCallId()]; seen {
			return nil, fmt.Errorf("PayStream answered call %d twice", resp.GetCallId())
		}
		answers[resp.GetCallId()] = resp
	}
	for _, c := range calls {
		if answers[c.GetCallId()] == nil {
			return nil, fmt.Errorf("PayStream ended without answering call %d", c.GetCallId())
		}
	}
	return answers, nil
}
