package conformance_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/conformance"
	"github.com/meridian-gw/meridian/schemes/conformance/example"
	"github.com/meridian-gw/meridian/schemes/emvco"
)

// A kit that cannot fail is worthless: each adapter here breaks one rule of
// the contract, by embedding the example adapter and overriding one method,
// and the kit must fail the check about that rule and pass the others.

// chargesTwice takes every Pay as a new payment, ignoring its key.
type chargesTwice struct {
	*example.Adapter
	mu     sync.Mutex
	n      int
	latest map[string]string // the caller's key to the last payment made for it
}

func (c *chargesTwice) Pay(ctx context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	if req.GetIdempotencyKey() == "" {
		return c.Adapter.Pay(ctx, req)
	}
	c.mu.Lock()
	c.n++
	inner := fmt.Sprintf("%s#%d", req.GetIdempotencyKey(), c.n)
	c.latest[req.GetIdempotencyKey()] = inner
	c.mu.Unlock()
	again := proto.CloneOf(req)
	again.IdempotencyKey = inner
	return c.Adapter.Pay(ctx, again)
}

func (c *chargesTwice) key(k string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if inner, ok := c.latest[k]; ok {
		return inner
	}
	return k
}

func (c *chargesTwice) Inquire(ctx context.Context, req *schemev1.InquireRequest) (*schemev1.InquireResponse, error) {
	return c.Adapter.Inquire(ctx, &schemev1.InquireRequest{IdempotencyKey: c.key(req.GetIdempotencyKey())})
}

func (c *chargesTwice) Cancel(ctx context.Context, req *schemev1.CancelRequest) (*schemev1.CancelResponse, error) {
	return c.Adapter.Cancel(ctx, &schemev1.CancelRequest{IdempotencyKey: c.key(req.GetIdempotencyKey())})
}

func (c *chargesTwice) Refund(ctx context.Context, req *schemev1.RefundRequest) (*schemev1.RefundResponse, error) {
	again := proto.CloneOf(req)
	again.PaymentIdempotencyKey = c.key(req.GetPaymentIdempotencyKey())
	return c.Adapter.Refund(ctx, again)
}

// refundsTooMuch approves refunds beyond what remains of the payment.
type refundsTooMuch struct{ *example.Adapter }

func (r refundsTooMuch) Refund(ctx context.Context, req *schemev1.RefundRequest) (*schemev1.RefundResponse, error) {
	resp, err := r.Adapter.Refund(ctx, req)
	if resp.GetResult().GetReason() == schemev1.FailureReason_FAILURE_REASON_REFUND_EXCEEDS_PAYMENT {
		return &schemev1.RefundResponse{Result: &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_SUCCESS},
			SchemeRefundId: "R-" + req.GetRefundIdempotencyKey()}, nil
	}
	return resp, err
}

// mismatchAsError answers a reused key with a gRPC error, not a Result.
type mismatchAsError struct{ *example.Adapter }

func (m mismatchAsError) Pay(ctx context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	resp, err := m.Adapter.Pay(ctx, req)
	if resp.GetResult().GetReason() == schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH {
		return nil, status.Error(codes.AlreadyExists, "idempotency key reused")
	}
	return resp, err
}

// streamAnswersOne serves PayStream by answering its first call and then
// ending the stream, the others lost.
type streamAnswersOne struct{ *example.Adapter }

func (a streamAnswersOne) PayStream(s schemev1.SchemeAdapter_PayStreamServer) error {
	req, err := s.Recv()
	if err != nil {
		return err
	}
	resp, err := a.Pay(s.Context(), req.GetPay())
	if err != nil {
		return err
	}
	return s.Send(&schemev1.PayStreamResponse{CallId: req.GetCallId(), Answer: &schemev1.PayStreamResponse_Pay{Pay: resp}})
}

// declinesWithoutReason answers every decline DO_NOT_HONOUR.
type declinesWithoutReason struct{ *example.Adapter }

func (d declinesWithoutReason) Pay(ctx context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	resp, err := d.Adapter.Pay(ctx, req)
	if resp.GetResult().GetStatus() == schemev1.ResultStatus_RESULT_STATUS_FAILURE {
		resp.Result.Reason = schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR
	}
	return resp, err
}

// failsInProcess answers a payment still in process as declined.
type failsInProcess struct{ *example.Adapter }

func (f failsInProcess) Pay(ctx context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	resp, err := f.Adapter.Pay(ctx, req)
	if resp.GetResult().GetStatus() == schemev1.ResultStatus_RESULT_STATUS_UNKNOWN {
		resp.Result = &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_FAILURE,
			Reason: schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR}
	}
	return resp, err
}

// cancelDoesNothing says SUCCESS and voids nothing.
type cancelDoesNothing struct{ *example.Adapter }

func (cancelDoesNothing) Cancel(context.Context, *schemev1.CancelRequest) (*schemev1.CancelResponse, error) {
	return &schemev1.CancelResponse{Result: &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_SUCCESS}}, nil
}

// hangsInProcess never answers a Pay whose outcome is in process.
type hangsInProcess struct{ *example.Adapter }

func (h hangsInProcess) Pay(ctx context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	if req.GetAmount().GetMinorUnits()%100 == 92 {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return h.Adapter.Pay(ctx, req)
}

// sloppyCapabilities reports a lower-case id, another contract version and
// a currency that does not exist.
type sloppyCapabilities struct{ *example.Adapter }

func (s sloppyCapabilities) GetCapabilities(ctx context.Context, req *schemev1.GetCapabilitiesRequest) (*schemev1.Capabilities, error) {
	caps, err := s.Adapter.GetCapabilities(ctx, req)
	caps.SchemeId, caps.ContractVersion = "examplepay", "v2"
	caps.ChargeCurrencies = append(caps.ChargeCurrencies, "XYZ")
	return caps, err
}

// internalOnBadInput answers a Pay without amount with Internal.
type internalOnBadInput struct{ *example.Adapter }

func (i internalOnBadInput) Pay(ctx context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	if req.GetAmount() == nil {
		return nil, status.Error(codes.Internal, "nil pointer dereference")
	}
	return i.Adapter.Pay(ctx, req)
}

// orderNeverPending answers UNKNOWN, not PENDING, for an order that waits.
type orderNeverPending struct{ *example.Adapter }

func (o orderNeverPending) Inquire(ctx context.Context, req *schemev1.InquireRequest) (*schemev1.InquireResponse, error) {
	resp, err := o.Adapter.Inquire(ctx, req)
	if resp.GetResult().GetStatus() == schemev1.ResultStatus_RESULT_STATUS_PENDING {
		resp.Result.Status = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN
	}
	return resp, err
}

// mpmOrders presents its orders as EMVCo merchant-presented payloads; with
// corrupt set, the payload's last character is changed, so its CRC fails.
type mpmOrders struct {
	*example.Adapter
	corrupt bool
}

func (m mpmOrders) GetCapabilities(ctx context.Context, req *schemev1.GetCapabilitiesRequest) (*schemev1.Capabilities, error) {
	caps, err := m.Adapter.GetCapabilities(ctx, req)
	caps.MerchantPresentedFormat = schemev1.QRFormat_QR_FORMAT_EMVCO_MPM
	return caps, err
}

func (m mpmOrders) CreateOrder(ctx context.Context, req *schemev1.CreateOrderRequest) (*schemev1.CreateOrderResponse, error) {
	resp, err := m.Adapter.CreateOrder(ctx, req)
	if resp.GetResult().GetStatus() != schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
		return resp, err
	}
	qr, err := emvco.BuildMPM(emvco.MPM{
		PointOfInitiation: emvco.PointOfInitiationDynamic,
		MerchantAccounts: []emvco.MerchantAccount{{Tag: "26", GUID: "com.example.pay",
			Fields: []emvco.Field{{ID: "01", Value: resp.GetSchemeTransactionId()}}}},
		MCC: "5812", Currency: "978", Amount: emvco.FormatAmount(req.GetAmount().GetMinorUnits(), 2),
		Country: "DE", MerchantName: "Meridian Conformance", MerchantCity: "Berlin",
	})
	if err != nil {
		return nil, err
	}
	if m.corrupt {
		last := "0"
		if strings.HasSuffix(qr, "0") {
			last = "1"
		}
		qr = qr[:len(qr)-1] + last
	}
	resp.QrPayload, resp.QrFormat = qr, schemev1.QRFormat_QR_FORMAT_EMVCO_MPM
	return resp, nil
}

func TestKitValidatesEMVCoMerchantPresentedPayloads(t *testing.T) {
	const name = "a merchant-presented order waits for the customer and can be cancelled"
	t.Run("A valid EMVCo payload passes", func(t *testing.T) {
		report := run(t, mpmOrders{Adapter: example.New(example.Config{})}, conformance.Config{})
		if c := result(t, report, name); c.Status != conformance.Pass {
			t.Errorf("%v, want PASS", c)
		}
	})
	t.Run("A payload whose CRC is wrong fails", func(t *testing.T) {
		report := run(t, mpmOrders{Adapter: example.New(example.Config{}), corrupt: true}, conformance.Config{})
		if c := result(t, report, name); c.Status != conformance.Fail || !strings.Contains(c.Reason, "not a valid EMVCo MPM") {
			t.Errorf("%v, want FAIL naming the invalid EMVCo MPM", c)
		}
	})
}

func TestKitFailsAdaptersThatBreakTheContract(t *testing.T) {
	cases := []struct {
		name    string
		adapter func(*example.Adapter) schemev1.SchemeAdapterServer
		// failing are the checks that must fail; every other must pass
		// or be skipped.
		failing []string
		// reason must appear in the first failing check's reason.
		reason   string
		noHealth bool
		timeout  time.Duration
	}{
		{name: "An adapter that charges again on a repeated key fails idempotency",
			adapter: func(a *example.Adapter) schemev1.SchemeAdapterServer {
				return &chargesTwice{Adapter: a, latest: map[string]string{}}
			},
			failing: []string{"pay is idempotent on its key", "a repeat with other content fails IDEMPOTENCY_MISMATCH",
				"a payment in process is voided by cancel", "pay on a stream answers every call as pay does"},
			reason: "not charge again"},
		{name: "An adapter whose stream stops answering fails the stream check",
			adapter: func(a *example.Adapter) schemev1.SchemeAdapterServer { return streamAnswersOne{a} },
			failing: []string{"pay on a stream answers every call as pay does"},
			reason:  "without answering call"},
		{name: "An adapter that refunds more than was charged fails the refund checks",
			adapter: func(a *example.Adapter) schemev1.SchemeAdapterServer { return refundsTooMuch{a} },
			failing: []string{"pay is idempotent on its key", "refunds never exceed the charge and are idempotent"},
			reason:  "want FAILURE REFUND_EXCEEDS_PAYMENT"},
		{name: "An adapter that answers a reused key with a gRPC error fails the mismatch check",
			adapter: func(a *example.Adapter) schemev1.SchemeAdapterServer { return mismatchAsError{a} },
			failing: []string{"a repeat with other content fails IDEMPOTENCY_MISMATCH"},
			reason:  "gRPC error AlreadyExists"},
		{name: "An adapter that declines without reasons fails the decline mapping",
			adapter: func(a *example.Adapter) schemev1.SchemeAdapterServer { return declinesWithoutReason{a} },
			failing: []string{"declines map to their failure reasons", "a repeat with other content fails IDEMPOTENCY_MISMATCH",
				"a currency not charged is declined INVALID_AMOUNT"},
			reason: "want FAILURE INSUFFICIENT_FUNDS"},
		{name: "An adapter that declines a payment in process fails the unknown-outcome checks",
			adapter: func(a *example.Adapter) schemev1.SchemeAdapterServer { return failsInProcess{a} },
			failing: []string{"an unknown outcome is resolved by inquiry", "a payment in process is voided by cancel"},
			reason:  "want UNKNOWN"},
		{name: "An adapter whose cancel does nothing fails the cancel checks",
			adapter: func(a *example.Adapter) schemev1.SchemeAdapterServer { return cancelDoesNothing{a} },
			failing: []string{"a payment in process is voided by cancel", "cancel of a paid payment returns the money",
				"a merchant-presented order waits for the customer and can be cancelled"},
			reason: "want FAILURE CANCELLED"},
		{name: "An adapter that never answers fails that check within its timeout",
			adapter: func(a *example.Adapter) schemev1.SchemeAdapterServer { return hangsInProcess{a} },
			failing: []string{"a payment in process is voided by cancel"},
			reason:  "answered nothing within the check's 2s timeout", timeout: 2 * time.Second},
		{name: "An adapter without the health service fails the health check",
			adapter:  func(a *example.Adapter) schemev1.SchemeAdapterServer { return a },
			failing:  []string{"health service answers SERVING"},
			reason:   "does not serve grpc.health.v1.Health",
			noHealth: true},
		{name: "An adapter with sloppy capabilities fails the capabilities check",
			adapter: func(a *example.Adapter) schemev1.SchemeAdapterServer { return sloppyCapabilities{a} },
			failing: []string{"capabilities are well-formed"},
			reason:  `scheme_id "examplepay" must be upper-case`},
		{name: "An adapter that answers bad input with Internal fails the bad-request check",
			adapter: func(a *example.Adapter) schemev1.SchemeAdapterServer { return internalOnBadInput{a} },
			failing: []string{"bad requests get clear errors"},
			reason:  "Pay with a missing amount answered gRPC error Internal"},
		{name: "An adapter whose waiting order is not PENDING fails the order check",
			adapter: func(a *example.Adapter) schemev1.SchemeAdapterServer { return orderNeverPending{a} },
			failing: []string{"a merchant-presented order waits for the customer and can be cancelled"},
			reason:  "want PENDING"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			adapter := tc.adapter(example.New(example.Config{}))
			addr := serve(t, adapter, tc.noHealth)
			report := run(t, adapter, conformance.Config{Target: addr, Timeout: tc.timeout})
			for _, c := range report.Checks {
				shouldFail := contains(tc.failing, c.Name)
				switch {
				case shouldFail && c.Status != conformance.Fail:
					t.Errorf("check %q: %s, want FAIL", c.Name, c.Status)
				case !shouldFail && c.Status == conformance.Fail:
					t.Errorf("check %q failed (%s); only %q should", c.Name, c.Reason, tc.failing)
				}
			}
			if first := result(t, report, tc.failing[0]); !strings.Contains(first.Reason, tc.reason) {
				t.Errorf("check %q failed with %q, want a reason containing %q", first.Name, first.Reason, tc.reason)
			}
			if report.OK() || report.Failed != len(tc.failing) {
				t.Errorf("report: %s, want %d failed", report.Summary(), len(tc.failing))
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
