package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/meridian-gw/meridian/fx"
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

func checkUnknownKey(ctx context.Context, r *runner, _ *notes) error {
	inq, err := r.inquire(ctx, r.key())
	if err != nil {
		return err
	}
	if err := r.wantFailure("Inquire of a key never paid", inq.GetResult(), schemev1.FailureReason_FAILURE_REASON_NOT_FOUND); err != nil {
		return err
	}
	if r.caps.GetSupportsCancel() {
		// The contract lets Cancel void a payment never seen, so that a Pay
		// still in flight cannot charge later: SUCCESS is right too.
		resp, err := r.cancel(ctx, r.key())
		if err != nil {
			return err
		}
		if resp.GetResult().GetStatus() != schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
			if err := r.wantFailure("Cancel of a key never paid", resp.GetResult(), schemev1.FailureReason_FAILURE_REASON_NOT_FOUND); err != nil {
				return fmt.Errorf("%w (or SUCCESS)", err)
			}
		}
	}
	if r.caps.GetSupportsRefund() {
		resp, err := r.refund(ctx, r.newRefund(r.key(), approved))
		if err != nil {
			return err
		}
		return r.wantFailure("Refund of a key never paid", resp.GetResult(), schemev1.FailureReason_FAILURE_REASON_NOT_FOUND)
	}
	return nil
}

// otherCurrencies are tried first for a currency the adapter does not
// charge: common ones, so the adapter cannot mistake them for nonsense.
var otherCurrencies = []string{"USD", "EUR", "GBP", "JPY", "CHF", "AUD", "CAD", "SGD"}

func checkCurrency(ctx context.Context, r *runner, _ *notes) error {
	listed := r.caps.GetChargeCurrencies()
	if len(listed) == 0 {
		return skip("the capabilities list no charge_currencies")
	}
	other := ""
	for _, c := range otherCurrencies {
		if !slices.Contains(listed, c) {
			other = c
			break
		}
	}
	for _, c := range fx.All() {
		if other == "" && !slices.Contains(listed, c.Code) {
			other = c.Code
		}
	}
	req, err := r.newPay(approved)
	if err != nil {
		return err
	}
	req.Amount.Currency, req.MerchantAmount.Currency = other, other
	resp, err := r.pay(ctx, req)
	if err != nil {
		return err
	}
	return r.wantFailure("Pay in "+other+", not a charge currency", resp.GetResult(),
		schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT)
}

// badRequest is one malformed Pay and what a clear answer to it is.
type badRequest struct {
	what string
	// field is what an InvalidArgument message must name.
	field string
	// reasons are the FAILURE reasons that answer it as well.
	reasons []schemev1.FailureReason
	spoil   func(*schemev1.PayRequest)
}

var badRequests = []badRequest{
	{"an empty idempotency key", "idempotency_key",
		[]schemev1.FailureReason{schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST},
		func(p *schemev1.PayRequest) { p.IdempotencyKey = "" }},
	{"a missing amount", "amount",
		[]schemev1.FailureReason{schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST, schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT},
		func(p *schemev1.PayRequest) { p.Amount = nil }},
	{"a negative amount", "amount",
		[]schemev1.FailureReason{schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST, schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT},
		func(p *schemev1.PayRequest) { p.Amount.MinorUnits = -approved }},
	{"an empty payment code", "payment_code",
		[]schemev1.FailureReason{schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST, schemev1.FailureReason_FAILURE_REASON_INVALID_CODE},
		func(p *schemev1.PayRequest) { p.PaymentCode = "" }},
}

func checkBadRequests(ctx context.Context, r *runner, _ *notes) error {
	var wrong []string
	for _, b := range badRequests {
		req, err := r.newPay(approved)
		if err != nil {
			return err
		}
		b.spoil(req)
		if err := r.answersClearly(ctx, req, b); err != nil {
			wrong = append(wrong, fmt.Sprintf("Pay with %s %v", b.what, err))
		}
	}
	if len(wrong) > 0 {
		return errors.New(strings.Join(wrong, "; "))
	}
	return nil
}

// answersClearly sends a malformed Pay and checks the answer: gRPC
// InvalidArgument naming the field, or FAILURE with one of b's reasons.
func (r *runner) answersClearly(ctx context.Context, req *schemev1.PayRequest, b badRequest) error {
	resp, err := r.api.Pay(ctx, req)
	r.logCall("Pay", req.GetIdempotencyKey(), b.what, resp.GetResult(), err)
	if err != nil {
		st, _ := status.FromError(err)
		switch {
		case ctx.Err() != nil || st.Code() == codes.DeadlineExceeded:
			return fmt.Errorf("answered nothing within the check's %s timeout", r.cfg.Timeout)
		case st.Code() != codes.InvalidArgument:
			return fmt.Errorf("answered %s, want InvalidArgument naming %s", r.describeError(err), b.field)
		case !namesField(st.Message(), b.field):
			return fmt.Errorf("answered InvalidArgument %q, which does not name the field %s", r.scrub(st.Message()), b.field)
		}
		return nil
	}
	res := resp.GetResult()
	if res.GetStatus() != schemev1.ResultStatus_RESULT_STATUS_FAILURE || !slices.Contains(b.reasons, res.GetReason()) {
		return fmt.Errorf("answered %s, want InvalidArgument or FAILURE %s", r.describe(res), reasonName(b.reasons[0]))
	}
	return nil
}

// namesField reports whether message names field, however it is spelled:
// "idempotency_key", "idempotency key", "IdempotencyKey".
func namesField(message, field string) bool {
	squash := strings.NewReplacer("_", "", " ", "", "-", "", ".", "")
	return strings.Contains(squash.Replace(strings.ToLower(message)), squash.Replace(field))
}
