package conformance

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/meridian-gw/meridian/fx"
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// check is one line of the report: a name that says what an adapter that
// passes does, and the code that finds out.
type check struct {
	name string
	// run returns nil when the adapter passes, a skip when the check does
	// not apply to it, and otherwise the reason it fails.
	run func(ctx context.Context, r *runner, n *notes) error
}

// checks run in this order. Each uses keys of its own, so none depends on
// another having passed.
var checks = []check{
	{"health service answers SERVING", checkHealth},
	{"capabilities are well-formed", checkCapabilities},
	{"an approved pay succeeds with a scheme transaction id", checkPayApproved},
	{"pay is idempotent on its key", checkPayIdempotent},
	{"a repeat with other content fails IDEMPOTENCY_MISMATCH", checkIdempotencyMismatch},
	{"declines map to their failure reasons", checkDeclines},
	{"an unknown outcome is resolved by inquiry", checkUnknownResolved},
	{"a payment in process is voided by cancel", checkCancelInProcess},
	{"cancel of a paid payment returns the money", checkCancelPaid},
	{"refunds never exceed the charge and are idempotent", checkRefunds},
	{"calls about an unknown key answer NOT_FOUND", checkUnknownKey},
	{"a currency not charged is declined INVALID_AMOUNT", checkCurrency},
	{"bad requests get clear errors", checkBadRequests},
	{"a merchant-presented order waits for the customer and can be cancelled", checkOrderLifecycle},
	{"a scanned merchant-presented order is paid", checkOrderScanned},
	{"pay on a stream answers every call as pay does", checkPayStream},
}

func checkHealth(ctx context.Context, r *runner, _ *notes) error {
	resp, err := r.health.Check(ctx, &healthpb.HealthCheckRequest{})
	switch {
	case status.Code(err) == codes.Unimplemented:
		return errors.New("the adapter does not serve grpc.health.v1.Health; register the standard health service " +
			"(google.golang.org/grpc/health) and set it SERVING once ready")
	case err != nil:
		return r.callError(ctx, "Health.Check", err)
	case resp.GetStatus() != healthpb.HealthCheckResponse_SERVING:
		return fmt.Errorf("Health.Check answered %s, want SERVING", resp.GetStatus())
	}
	return nil
}

func checkCapabilities(_ context.Context, r *runner, n *notes) error {
	if r.caps == nil {
		return r.capsErr
	}
	problems := capabilityProblems(r.caps)
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	if !r.caps.GetSupportsCancel() {
		n.add("supports_cancel is false: the gateway cannot void an unknown outcome and must refund instead")
	}
	return nil
}

// capabilityProblems lists what is wrong with caps, each a phrase.
func capabilityProblems(caps *schemev1.Capabilities) []string {
	var p []string
	id := caps.GetSchemeId()
	if id == "" || strings.ToUpper(id) != id || strings.TrimFunc(id, isIDRune) != "" {
		p = append(p, fmt.Sprintf("scheme_id %q must be upper-case letters, digits and underscores, not empty", id))
	}
	if v := caps.GetContractVersion(); v != "v1" {
		p = append(p, fmt.Sprintf("contract_version is %q, want \"v1\"", v))
	}
	seen := map[string]bool{}
	for _, c := range caps.GetChargeCurrencies() {
		if _, ok := fx.ByCode(c); !ok {
			p = append(p, fmt.Sprintf("charge currency %q is not an ISO 4217 alphabetic code", c))
		}
		if seen[c] {
			p = append(p, fmt.Sprintf("charge currency %s is listed twice", c))
		}
		seen[c] = true
	}
	if len(caps.GetCodeFormats()) == 0 && !caps.GetSupportsMerchantPresented() {
		p = append(p, "no code_formats: the gateway could route no wallet code to the adapter")
	}
	for i, f := range caps.GetCodeFormats() {
		p = append(p, formatProblems(i+1, f)...)
	}
	if caps.GetDisplayName() == "" {
		p = append(p, "display_name is empty (it is printed on receipts)")
	}
	if caps.GetCancelWindowSeconds() < 0 {
		p = append(p, fmt.Sprintf("cancel_window_seconds is %d, want 0 (not known) or more", caps.GetCancelWindowSeconds()))
	}
	if caps.GetSupportsPartialRefund() && !caps.GetSupportsRefund() {
		p = append(p, "supports_partial_refund without supports_refund")
	}
	if caps.GetSupportsMerchantPresented() && caps.GetMerchantPresentedFormat() == schemev1.QRFormat_QR_FORMAT_UNSPECIFIED {
		p = append(p, "supports_merchant_presented without merchant_presented_format")
	}
	return p
}

func isIDRune(c rune) bool {
	return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// formatProblems lists what is wrong with the i-th code format.
func formatProblems(i int, f *schemev1.CodeFormat) []string {
	var p []string
	switch f.GetKind() {
	case schemev1.CodeKind_CODE_KIND_DIGITS:
		lo, hi := f.GetMinLength(), f.GetMaxLength()
		if lo < 1 || hi < lo {
			p = append(p, fmt.Sprintf("code format %d: lengths %d..%d, want 1 <= min_length <= max_length", i, lo, hi))
		}
		if len(f.GetPrefixes()) == 0 {
			p = append(p, fmt.Sprintf("code format %d: DIGITS without prefixes", i))
		}
		for _, pre := range f.GetPrefixes() {
			if pre == "" || strings.Trim(pre, "0123456789") != "" || int32(len(pre)) > max(lo, 1) {
				p = append(p, fmt.Sprintf("code format %d: prefix %q must be 1 to min_length digits", i, pre))
			}
		}
	case schemev1.CodeKind_CODE_KIND_EMVCO_CPM:
		if len(f.GetAids()) == 0 {
			p = append(p, fmt.Sprintf("code format %d: EMVCO_CPM without aids", i))
		}
		for _, aid := range f.GetAids() {
			// An EMV AID is 5 to 16 bytes: a 5-byte RID and an optional PIX.
			b, err := hex.DecodeString(aid)
			if err != nil || len(b) < 5 || len(b) > 16 {
				p = append(p, fmt.Sprintf("code format %d: AID %q must be 10 to 32 hex digits", i, aid))
			}
		}
	default:
		p = append(p, fmt.Sprintf("code format %d: kind %s is not DIGITS or EMVCO_CPM", i, f.GetKind()))
	}
	return p
}

func checkPayApproved(ctx context.Context, r *runner, _ *notes) error {
	req, resp, err := r.payNew(ctx, approved)
	if err != nil {
		return err
	}
	if err := r.want("Pay of an amount ending 00", resp.GetResult(), schemev1.ResultStatus_RESULT_STATUS_SUCCESS); err != nil {
		return err
	}
	if resp.GetSchemeTransactionId() == "" {
		return errors.New("Pay answered SUCCESS without a scheme_transaction_id")
	}
	inq, err := r.inquire(ctx, req.GetIdempotencyKey())
	if err != nil {
		return err
	}
	if err := r.want("Inquire of the paid payment", inq.GetResult(), schemev1.ResultStatus_RESULT_STATUS_SUCCESS); err != nil {
		return err
	}
	if id := inq.GetSchemeTransactionId(); id != "" && id != resp.GetSchemeTransactionId() {
		return fmt.Errorf("Inquire reports scheme_transaction_id %q, Pay reported %q", id, resp.GetSchemeTransactionId())
	}
	return nil
}

func checkPayIdempotent(ctx context.Context, r *runner, n *notes) error {
	req, first, err := r.payNew(ctx, approved)
	if err != nil {
		return err
	}
	if err := r.want("Pay", first.GetResult(), schemev1.ResultStatus_RESULT_STATUS_SUCCESS); err != nil {
		return err
	}
	again, err := r.pay(ctx, req)
	if err != nil {
		return err
	}
	if err := r.want("The repeated Pay (same key, same content)", again.GetResult(), schemev1.ResultStatus_RESULT_STATUS_SUCCESS); err != nil {
		return err
	}
	if again.GetSchemeTransactionId() != first.GetSchemeTransactionId() {
		return fmt.Errorf("the repeated Pay answered scheme_transaction_id %q, the first %q: a repeat must return the first result, not charge again",
			again.GetSchemeTransactionId(), first.GetSchemeTransactionId())
	}
	if !r.caps.GetSupportsRefund() {
		n.add("supports_refund is false: the kit could not show by refunds that the repeat charged nothing")
		return nil
	}
	// Were the payment charged twice under its key, a second full refund
	// would find the money to return.
	if err := r.refundOK(ctx, req.GetIdempotencyKey(), approved); err != nil {
		return err
	}
	resp, err := r.refund(ctx, r.newRefund(req.GetIdempotencyKey(), approved))
	if err != nil {
		return err
	}
	return r.wantFailure("A second full refund of the repeated payment", resp.GetResult(),
		schemev1.FailureReason_FAILURE_REASON_REFUND_EXCEEDS_PAYMENT)
}

// refundOK refunds minorUnits of the payment under paymentKey and expects
// SUCCESS with a scheme refund id.
func (r *runner) refundOK(ctx context.Context, paymentKey string, minorUnits int64) error {
	resp, err := r.refund(ctx, r.newRefund(paymentKey, minorUnits))
	if err != nil {
		return err
	}
	if err := r.want(fmt.Sprintf("Refund of %d", minorUnits), resp.GetResult(), schemev1.ResultStatus_RESULT_STATUS_SUCCESS); err != nil {
		return err
	}
	if resp.GetSchemeRefundId() == "" {
		return errors.New("Refund answered SUCCESS without a scheme_refund_id")
	}
	return nil
}

func checkIdempotencyMismatch(ctx context.Context, r *runner, _ *notes) error {
	req, first, err := r.payNew(ctx, approved)
	if err != nil {
		return err
	}
	if err := r.want("Pay", first.GetResult(), schemev1.ResultStatus_RESULT_STATUS_SUCCESS); err != nil {
		return err
	}
	other := &schemev1.PayRequest{
		IdempotencyKey:   req.GetIdempotencyKey(),
		PaymentCode:      req.GetPaymentCode(),
		Amount:           r.money(approved + 100),
		Merchant:         req.GetMerchant(),
		OrderDescription: req.GetOrderDescription(),
		MerchantAmount:   r.money(approved + 100),
	}
	resp, err := r.pay(ctx, other)
	if err != nil {
		return fmt.Errorf("%w; the contract wants a Result of FAILURE IDEMPOTENCY_MISMATCH, which the gateway answers RC 94", err)
	}
	return r.wantFailure("Pay with the same key and another amount", resp.GetResult(),
		schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH)
}

// declines are the sandbox's decline amounts and the reason each maps to.
var declines = []struct {
	suffix int64
	reason schemev1.FailureReason
}{
	{51, schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS},
	{54, schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED},
	{5, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR},
	{59, schemev1.FailureReason_FAILURE_REASON_RISK_DECLINED},
	{61, schemev1.FailureReason_FAILURE_REASON_LIMIT_EXCEEDED},
}

func checkDeclines(ctx context.Context, r *runner, _ *notes) error {
	var wrong []string
	for _, d := range declines {
		_, resp, err := r.payNew(ctx, sandbox(d.suffix))
		if err != nil {
			return err
		}
		op := fmt.Sprintf("amount ending %02d", d.suffix)
		if err := r.wantFailure(op, resp.GetResult(), d.reason); err != nil {
			wrong = append(wrong, err.Error())
		}
	}
	if len(wrong) > 0 {
		return errors.New(strings.Join(wrong, "; "))
	}
	return nil
}

func checkUnknownResolved(ctx context.Context, r *runner, n *notes) error {
	req, resp, err := r.payNew(ctx, sandbox(91))
	if err != nil {
		return err
	}
	switch resp.GetResult().GetStatus() {
	case schemev1.ResultStatus_RESULT_STATUS_UNKNOWN:
	case schemev1.ResultStatus_RESULT_STATUS_SUCCESS:
		n.add("Pay of an amount ending 91 answered SUCCESS at once; the sandbox should answer UNKNOWN (in process) " +
			"so that the gateway's inquiry path is exercised")
	default:
		return fmt.Errorf("Pay of an amount ending 91 answered %s, want UNKNOWN (in process, paid after two inquiries)",
			r.describe(resp.GetResult()))
	}
	inq, err := r.inquireUntil(ctx, req.GetIdempotencyKey())
	if err != nil {
		return err
	}
	if inq.GetResult().GetStatus() != schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
		return fmt.Errorf("Inquire answered %s after %d tries, want SUCCESS (the sandbox pays an amount ending 91 after two inquiries)",
			r.describe(inq.GetResult()), r.cfg.InquiryAttempts)
	}
	if inq.GetSchemeTransactionId() == "" {
		n.add("Inquire answered SUCCESS without a scheme_transaction_id")
	}
	return nil
}
