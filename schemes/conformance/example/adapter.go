// Package example is the smallest complete scheme adapter: it serves the
// Meridian adapter contract (schemev1.SchemeAdapterServer) over a wallet
// kept in memory, with the sandbox behaviours of
// shared/spec/wallet-simulators.md, and passes the conformance kit.
//
// It is the code docs/ADAPTERS.md shows a wallet partner. A real adapter
// replaces the map with calls to the partner's wallet API and keeps the rest:
// validation, idempotency by key and content, the closed set of failure
// reasons, UNKNOWN whenever the outcome is not known.
package example

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/contract"
)

// Defaults of Config.
const (
	DefaultSchemeID     = "EXAMPLEPAY"
	DefaultCodePrefix   = "9912"
	DefaultCodeLength   = 18
	DefaultCancelWindow = 24 * time.Hour
	DefaultOrderExpiry  = 5 * time.Minute
)

// Config configures an Adapter; the zero value of each field takes the
// default named.
type Config struct {
	// SchemeID is the id reported in capabilities. Default DefaultSchemeID.
	SchemeID string
	// ChargeCurrencies are the currencies Pay accepts. Default EUR.
	ChargeCurrencies []string
	// Now is the clock of cancel windows and order expiry. Default time.Now.
	Now func() time.Time
}

// state is where a payment stands in the wallet.
type state int

const (
	processing state = iota // the wallet has not decided: UNKNOWN
	waiting                 // an order awaiting the customer: PENDING
	paid
	failed
	cancelled
)

// payment is one payment or order under its idempotency key.
type payment struct {
	request  string // the first request, marshalled: a repeat must match it
	state    state
	reason   schemev1.FailureReason // when failed
	id       string
	amount   *schemev1.Money
	paidAt   time.Time
	refunded int64
	// inquiries left before a 91 payment is paid; -1: in process forever.
	inquiries int
	qr        string
	expiresAt time.Time
}

// refund is one refund under its idempotency key, with its answer.
type refund struct {
	request string
	answer  *schemev1.RefundResponse
}

// Adapter is the example adapter. It is safe for concurrent use.
type Adapter struct {
	schemev1.UnimplementedSchemeAdapterServer
	caps *schemev1.Capabilities
	now  func() time.Time

	mu       sync.Mutex // guards the fields below
	payments map[string]*payment
	refunds  map[string]*refund
	orders   map[string]string // QR payload to the order's key
	lastID   int
}

var _ schemev1.SchemeAdapterServer = (*Adapter)(nil)

// New returns an Adapter with an empty wallet.
func New(cfg Config) *Adapter {
	if cfg.SchemeID == "" {
		cfg.SchemeID = DefaultSchemeID
	}
	if len(cfg.ChargeCurrencies) == 0 {
		cfg.ChargeCurrencies = []string{"EUR"}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Adapter{
		caps: &schemev1.Capabilities{
			SchemeId:         cfg.SchemeID,
			ContractVersion:  "v1",
			ChargeCurrencies: cfg.ChargeCurrencies,
			CodeFormats: []*schemev1.CodeFormat{{Kind: schemev1.CodeKind_CODE_KIND_DIGITS,
				Prefixes: []string{DefaultCodePrefix}, MinLength: DefaultCodeLength, MaxLength: DefaultCodeLength}},
			SupportsCancel:            true,
			SupportsRefund:            true,
			SupportsPartialRefund:     true,
			SupportsMerchantPresented: true,
			SupportsPayStream:         true,
			CancelWindowSeconds:       int64(DefaultCancelWindow / time.Second),
			DisplayName:               "Example Pay",
			MerchantPresentedFormat:   schemev1.QRFormat_QR_FORMAT_URL,
		},
		now:      cfg.Now,
		payments: map[string]*payment{},
		refunds:  map[string]*refund{},
		orders:   map[string]string{},
	}
}

// GetCapabilities says what the adapter can do.
func (a *Adapter) GetCapabilities(context.Context, *schemev1.GetCapabilitiesRequest) (*schemev1.Capabilities, error) {
	return proto.CloneOf(a.caps), nil
}

// PayStream serves many Pay calls on one stream (the gateway's fast path);
// each call is exactly a Pay.
func (a *Adapter) PayStream(s schemev1.SchemeAdapter_PayStreamServer) error {
	return contract.ServePayStream(s, a.Pay)
}

// Pay charges a wallet code; the last two digits of the amount choose the
// outcome, as in every Meridian sandbox.
func (a *Adapter) Pay(_ context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	if err := a.checkPay(req); err != nil {
		return nil, err // InvalidArgument naming the field
	}
	if !a.charged(req.GetAmount().GetCurrency()) {
		return &schemev1.PayResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT)}, nil
	}
	if !a.claims(req.GetPaymentCode()) {
		return &schemev1.PayResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_INVALID_CODE)}, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	p, seen := a.payments[req.GetIdempotencyKey()]
	switch {
	case seen && p.request == "":
		// Cancelled before it arrived: it can never be paid.
	case seen && p.request != fingerprint(req):
		return &schemev1.PayResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH)}, nil
	case !seen:
		p = a.newPaymentLocked(req)
	}
	// A repeat answers the payment's state now; nothing is charged again.
	return &schemev1.PayResponse{Result: p.result(), SchemeTransactionId: p.id, PaidAt: p.paidAtText()}, nil
}

func (a *Adapter) newPaymentLocked(req *schemev1.PayRequest) *payment {
	p := &payment{request: fingerprint(req), id: a.nextIDLocked(), amount: proto.CloneOf(req.GetAmount())}
	switch suffix := req.GetAmount().GetMinorUnits() % 100; suffix {
	case 91:
		p.state, p.inquiries = processing, 2
	case 92:
		p.state, p.inquiries = processing, -1
	default:
		p.decide(suffix, a.now())
	}
	a.payments[req.GetIdempotencyKey()] = p
	return p
}

// declines are the sandbox's decline amounts by their last two digits.
var declines = map[int64]schemev1.FailureReason{
	51: schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS,
	54: schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED,
	5:  schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,
	59: schemev1.FailureReason_FAILURE_REASON_RISK_DECLINED,
	61: schemev1.FailureReason_FAILURE_REASON_LIMIT_EXCEEDED,
}

// decide pays p, or declines it when the amount's last two digits say so.
func (p *payment) decide(suffix int64, now time.Time) {
	if reason, ok := declines[suffix]; ok {
		p.state, p.reason = failed, reason
		return
	}
	p.state, p.paidAt = paid, now
}

// Inquire reports the state of a payment or order.
func (a *Adapter) Inquire(_ context.Context, req *schemev1.InquireRequest) (*schemev1.InquireResponse, error) {
	if req.GetIdempotencyKey() == "" {
		return nil, status.Error(codes.InvalidArgument, "idempotency_key is required")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.payments[req.GetIdempotencyKey()]
	if !ok {
		return &schemev1.InquireResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_NOT_FOUND)}, nil
	}
	if p.state == processing && p.inquiries > 0 {
		if p.inquiries--; p.inquiries == 0 {
			p.state, p.paidAt = paid, a.now()
		}
	}
	if p.state == waiting && !a.now().Before(p.expiresAt) {
		p.state, p.reason = failed, schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED
	}
	return &schemev1.InquireResponse{Result: p.result(), SchemeTransactionId: p.id, PaidAt: p.paidAtText()}, nil
}

// Cancel voids a payment whatever its state. A key never seen is recorded
// as cancelled, so that a Pay still on its way cannot charge later.
func (a *Adapter) Cancel(_ context.Context, req *schemev1.CancelRequest) (*schemev1.CancelResponse, error) {
	if req.GetIdempotencyKey() == "" {
		return nil, status.Error(codes.InvalidArgument, "idempotency_key is required")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.payments[req.GetIdempotencyKey()]
	switch {
	case !ok:
		a.payments[req.GetIdempotencyKey()] = &payment{state: cancelled, id: a.nextIDLocked()}
	case p.state == paid && a.now().Sub(p.paidAt) > DefaultCancelWindow:
		return &schemev1.CancelResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_CANCEL_WINDOW_CLOSED)}, nil
	case p.state == paid && p.refunded > 0:
		// Part of it went back already: the gateway refunds the rest.
		return &schemev1.CancelResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR)}, nil
	case p.state != failed:
		p.state = cancelled // a paid payment's money goes back in full
	}
	return &schemev1.CancelResponse{Result: success()}, nil
}

// Refund returns part or all of a paid payment, never more than remains.
func (a *Adapter) Refund(_ context.Context, req *schemev1.RefundRequest) (*schemev1.RefundResponse, error) {
	if err := checkRefund(req); err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if r, ok := a.refunds[req.GetRefundIdempotencyKey()]; ok {
		if r.request != fingerprint(req) {
			return &schemev1.RefundResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH)}, nil
		}
		return proto.CloneOf(r.answer), nil
	}
	answer := a.refundLocked(req)
	a.refunds[req.GetRefundIdempotencyKey()] = &refund{request: fingerprint(req), answer: answer}
	return proto.CloneOf(answer), nil
}

func (a *Adapter) refundLocked(req *schemev1.RefundRequest) *schemev1.RefundResponse {
	p, ok := a.payments[req.GetPaymentIdempotencyKey()]
	var reason schemev1.FailureReason
	switch {
	case !ok:
		reason = schemev1.FailureReason_FAILURE_REASON_NOT_FOUND
	case p.state == cancelled:
		reason = schemev1.FailureReason_FAILURE_REASON_CANCELLED
	case p.state != paid:
		reason = schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR
	case req.GetAmount().GetCurrency() != p.amount.GetCurrency():
		reason = schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT
	case req.GetAmount().GetMinorUnits() > p.amount.GetMinorUnits()-p.refunded:
		reason = schemev1.FailureReason_FAILURE_REASON_REFUND_EXCEEDS_PAYMENT
	default:
		p.refunded += req.GetAmount().GetMinorUnits()
		return &schemev1.RefundResponse{Result: success(), SchemeRefundId: a.nextIDLocked(), WalletAmount: proto.CloneOf(req.GetAmount())}
	}
	return &schemev1.RefundResponse{Result: failure(reason)}
}

// CreateOrder opens a merchant-presented order: a URL the customer's app
// opens. It waits for the customer (Scan) until it expires.
func (a *Adapter) CreateOrder(_ context.Context, req *schemev1.CreateOrderRequest) (*schemev1.CreateOrderResponse, error) {
	if err := checkOrder(req); err != nil {
		return nil, err
	}
	if !a.charged(req.GetAmount().GetCurrency()) {
		return &schemev1.CreateOrderResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT)}, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	p, seen := a.payments[req.GetIdempotencyKey()]
	switch {
	case seen && p.request == "":
		return &schemev1.CreateOrderResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_CANCELLED)}, nil
	case seen && p.request != fingerprint(req):
		return &schemev1.CreateOrderResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH)}, nil
	case !seen:
		expiry := DefaultOrderExpiry
		if s := req.GetExpiresInSeconds(); s > 0 && time.Duration(s)*time.Second < expiry {
			expiry = time.Duration(s) * time.Second
		}
		p = &payment{request: fingerprint(req), state: waiting, id: a.nextIDLocked(), amount: proto.CloneOf(req.GetAmount()),
			expiresAt: a.now().Add(expiry)}
		p.qr = "https://pay.example.com/o/" + p.id
		a.payments[req.GetIdempotencyKey()] = p
		a.orders[p.qr] = req.GetIdempotencyKey()
	}
	return &schemev1.CreateOrderResponse{Result: success(), SchemeTransactionId: p.id, QrPayload: p.qr,
		QrFormat: schemev1.QRFormat_QR_FORMAT_URL, ExpiresAt: p.expiresAt.UTC().Format(time.RFC3339)}, nil
}

// Scan is the customer paying an order from the app: the amount rule
// decides whether the wallet pays it.
func (a *Adapter) Scan(qr string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.payments[a.orders[qr]]
	if !ok || p.state != waiting || !a.now().Before(p.expiresAt) {
		return fmt.Errorf("example: no order waits for this QR")
	}
	p.decide(p.amount.GetMinorUnits()%100, a.now())
	return nil
}

func (a *Adapter) nextIDLocked() string {
	a.lastID++
	return fmt.Sprintf("EX%010d", a.lastID)
}

func (a *Adapter) charged(currency string) bool {
	for _, c := range a.caps.GetChargeCurrencies() {
		if c == currency {
			return true
		}
	}
	return false
}

func (a *Adapter) claims(code string) bool {
	return len(code) == DefaultCodeLength && strings.HasPrefix(code, DefaultCodePrefix) && strings.Trim(code, "0123456789") == ""
}

// result is the Result that reports p's state.
func (p *payment) result() *schemev1.Result {
	switch p.state {
	case paid:
		return success()
	case failed:
		return failure(p.reason)
	case cancelled:
		return failure(schemev1.FailureReason_FAILURE_REASON_CANCELLED)
	case waiting:
		return &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_PENDING}
	}
	return &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, Message: "in process"}
}

func (p *payment) paidAtText() string {
	if p.paidAt.IsZero() {
		return ""
	}
	return p.paidAt.UTC().Format(time.RFC3339)
}

func success() *schemev1.Result {
	return &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_SUCCESS}
}

func failure(reason schemev1.FailureReason) *schemev1.Result {
	return &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_FAILURE, Reason: reason}
}

// fingerprint is a request's content, to tell a repeat from a reuse of its
// key. Deterministic marshalling gives equal messages equal bytes.
func fingerprint(m proto.Message) string {
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	return string(b)
}
