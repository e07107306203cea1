package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// Sandbox amounts: the last two digits choose the outcome
// (spec/wallet-simulators.md). approved is the one the money checks use.
const (
	amountBase       = 2500 // 25.00 in a two-decimal currency
	approved   int64 = amountBase
)

// sandbox returns an amount whose last two digits are suffix.
func sandbox(suffix int64) int64 { return amountBase + suffix }

// key returns a new idempotency key, unique to this run.
func (r *runner) key() string {
	return fmt.Sprintf("conf-%s-%d", r.runID, r.seq.Add(1))
}

func (r *runner) money(minorUnits int64) *schemev1.Money {
	return &schemev1.Money{Currency: r.currency, MinorUnits: minorUnits}
}

// newPay builds a Pay of amount with a fresh key and a fresh code.
func (r *runner) newPay(minorUnits int64) (*schemev1.PayRequest, error) {
	code, err := r.newCode()
	if err != nil {
		return nil, err
	}
	return &schemev1.PayRequest{
		IdempotencyKey:   r.key(),
		PaymentCode:      code,
		Amount:           r.money(minorUnits),
		Merchant:         r.cfg.Merchant,
		OrderDescription: "Meridian conformance kit",
		MerchantAmount:   r.money(minorUnits),
	}, nil
}

func (r *runner) pay(ctx context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	resp, err := r.api.Pay(ctx, req)
	r.logCall("Pay", req.GetIdempotencyKey(), fmt.Sprintf("code %s amount %s", maskCode(req.GetPaymentCode()), moneyText(req.GetAmount())),
		resp.GetResult(), err)
	return resp, r.callError(ctx, "Pay", err)
}

// payNew makes a new Pay of amount and sends it.
func (r *runner) payNew(ctx context.Context, minorUnits int64) (*schemev1.PayRequest, *schemev1.PayResponse, error) {
	req, err := r.newPay(minorUnits)
	if err != nil {
		return nil, nil, err
	}
	resp, err := r.pay(ctx, req)
	return req, resp, err
}

func (r *runner) inquire(ctx context.Context, key string) (*schemev1.InquireResponse, error) {
	resp, err := r.api.Inquire(ctx, &schemev1.InquireRequest{IdempotencyKey: key})
	r.logCall("Inquire", key, "", resp.GetResult(), err)
	return resp, r.callError(ctx, "Inquire", err)
}

func (r *runner) cancel(ctx context.Context, key string) (*schemev1.CancelResponse, error) {
	resp, err := r.api.Cancel(ctx, &schemev1.CancelRequest{IdempotencyKey: key})
	r.logCall("Cancel", key, "", resp.GetResult(), err)
	return resp, r.callError(ctx, "Cancel", err)
}

func (r *runner) refund(ctx context.Context, req *schemev1.RefundRequest) (*schemev1.RefundResponse, error) {
	resp, err := r.api.Refund(ctx, req)
	r.logCall("Refund", req.GetRefundIdempotencyKey(),
		fmt.Sprintf("of %s amount %s", req.GetPaymentIdempotencyKey(), moneyText(req.GetAmount())), resp.GetResult(), err)
	return resp, r.callError(ctx, "Refund", err)
}

// newRefund builds a refund of minorUnits of the payment under paymentKey.
func (r *runner) newRefund(paymentKey string, minorUnits int64) *schemev1.RefundRequest {
	return &schemev1.RefundRequest{
		RefundIdempotencyKey:  r.key(),
		PaymentIdempotencyKey: paymentKey,
		Amount:                r.money(minorUnits),
		Reason:                "Meridian conformance kit",
	}
}

func (r *runner) createOrder(ctx context.Context, req *schemev1.CreateOrderRequest) (*schemev1.CreateOrderResponse, error) {
	resp, err := r.api.CreateOrder(ctx, req)
	r.logCall("CreateOrder", req.GetIdempotencyKey(), "amount "+moneyText(req.GetAmount()), resp.GetResult(), err)
	return resp, r.callError(ctx, "CreateOrder", err)
}

// inquireUntil inquires until the payment leaves UNKNOWN and PENDING, at
// most InquiryAttempts times, and returns the last answer.
func (r *runner) inquireUntil(ctx context.Context, key string) (*schemev1.InquireResponse, error) {
	var resp *schemev1.InquireResponse
	for attempt := 1; ; attempt++ {
		var err error
		if resp, err = r.inquire(ctx, key); err != nil {
			return nil, err
		}
		switch resp.GetResult().GetStatus() {
		case schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, schemev1.ResultStatus_RESULT_STATUS_PENDING:
		default:
			return resp, nil
		}
		if attempt >= r.cfg.InquiryAttempts {
			return resp, nil
		}
		select {
		case <-ctx.Done():
			return nil, r.callError(ctx, "Inquire", ctx.Err())
		case <-time.After(r.cfg.InquiryInterval):
		}
	}
}

func (r *runner) logCall(op, key, detail string, res *schemev1.Result, err error) {
	answer := r.describe(res)
	if err != nil {
		answer = r.describeError(err)
	}
	if detail != "" {
		detail = " " + detail
	}
	r.cfg.Logf("%s %s%s -> %s", op, key, detail, r.scrub(answer))
}

// callError turns a call's error into the reason a check fails; nil stays
// nil. A call cut short by the check's deadline is named as such. The
// deadline travels with the call, so the adapter's side may end it a moment
// before the kit's: DeadlineExceeded is the same timeout.
func (r *runner) callError(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if status.Code(err) == codes.DeadlineExceeded || (ctx.Err() != nil && (errors.Is(err, ctx.Err()) || status.Code(err) == codes.Canceled)) {
		return fmt.Errorf("%s answered nothing within the check's %s timeout (every call must answer in time; "+
			"an adapter that cannot learn the outcome in time answers UNKNOWN)", op, r.cfg.Timeout)
	}
	return fmt.Errorf("%s answered %s", op, r.describeError(err))
}

// describeError names a call's error: its gRPC code and message.
func (r *runner) describeError(err error) string {
	if st, ok := status.FromError(err); ok {
		return r.scrub(fmt.Sprintf("gRPC error %s: %s", st.Code(), st.Message()))
	}
	return r.scrub(err.Error())
}

// describe renders a Result as "FAILURE INSUFFICIENT_FUNDS (scheme code X:
// message)".
func (r *runner) describe(res *schemev1.Result) string {
	if res == nil {
		return "no result"
	}
	s := strings.TrimPrefix(res.GetStatus().String(), "RESULT_STATUS_")
	if res.GetStatus() == schemev1.ResultStatus_RESULT_STATUS_FAILURE || res.GetReason() != 0 {
		s += " " + reasonName(res.GetReason())
	}
	var detail []string
	if res.GetSchemeCode() != "" {
		detail = append(detail, "scheme code "+res.GetSchemeCode())
	}
	if res.GetMessage() != "" {
		detail = append(detail, res.GetMessage())
	}
	if len(detail) > 0 {
		s += " (" + strings.Join(detail, ": ") + ")"
	}
	return r.scrub(s)
}

func reasonName(reason schemev1.FailureReason) string {
	return strings.TrimPrefix(reason.String(), "FAILURE_REASON_")
}

func statusName(s schemev1.ResultStatus) string {
	return strings.TrimPrefix(s.String(), "RESULT_STATUS_")
}

func moneyText(m *schemev1.Money) string {
	if m == nil {
		return "none"
	}
	return fmt.Sprintf("%s %d", m.GetCurrency(), m.GetMinorUnits())
}

// want checks that a call's Result has status want.
func (r *runner) want(op string, res *schemev1.Result, want schemev1.ResultStatus) error {
	if res.GetStatus() != want {
		return fmt.Errorf("%s answered %s, want %s", op, r.describe(res), statusName(want))
	}
	return nil
}

// wantFailure checks that a call's Result is FAILURE with one of reasons.
func (r *runner) wantFailure(op string, res *schemev1.Result, reasons ...schemev1.FailureReason) error {
	if res.GetStatus() == schemev1.ResultStatus_RESULT_STATUS_FAILURE && slices.Contains(reasons, res.GetReason()) {
		return nil
	}
	names := make([]string, len(reasons))
	for i, reason := range reasons {
		names[i] = reasonName(reason)
	}
	return fmt.Errorf("%s answered %s, want FAILURE %s", op, r.describe(res), strings.Join(names, " or "))
}
