package alipayplus

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/contract"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// SchemeID is the scheme id of Alipay+ in Meridian's routing table.
const SchemeID = "ALIPAYPLUS"

// DefaultCancelWindow is the cancel window reported when Config.CancelWindow
// is zero. Alipay+ documents that a payment can be cancelled until 00:15
// UTC+8 on the day after it was made, so a payment made at 23:59 UTC+8 can
// be cancelled for only 16 minutes; 15 minutes is the window every payment
// is guaranteed. Past it the gateway refunds, which returns a paid payment
// as surely, and CANCEL_WINDOW_EXCEED covers any later attempt.
const DefaultCancelWindow = 15 * time.Minute

// DefaultChargeCurrencies are the merchant currencies charged when
// Config.ChargeCurrencies is empty. Alipay+ takes the merchant's currency and
// converts to the wallet's on its side.
var DefaultChargeCurrencies = []string{"EUR", "GBP", "CHF", "SEK", "DKK", "NOK", "PLN", "CZK", "HUF", "USD"}

// codePrefixes are the first two digits of Alipay+ payment codes in the
// default routing table (spec/wallet-simulators.md).
var codePrefixes = []string{"25", "26", "27", "28", "29", "30"}

// CPMApplicationID is the AID of Alipay+ EMVCo consumer-presented codes in
// the default routing table (schemes.DefaultAIDRoutes): the proprietary
// AID F0 followed by "ALIPAY+" in ASCII. A code whose first application's
// AID starts so is an Alipay+ code, as EMV's partial selection allows.
const CPMApplicationID = "F0414C495041592B"

// Config configures an Adapter. Fields marked required have no default; for
// the others the zero value takes the default named.
type Config struct {
	// BaseURL is the scheme and host of the Alipay+ API, e.g.
	// "https://open-sea-global.alipayplus.com". Required.
	BaseURL string
	// ClientID is the Client-Id Alipay+ assigned to the acquirer. Required.
	ClientID string
	// PrivateKey signs requests; see credentials.LoadPrivateKey. Required.
	PrivateKey *rsa.PrivateKey
	// WalletPublicKey verifies Alipay+'s responses; see
	// credentials.LoadPublicKey. Required.
	WalletPublicKey *rsa.PublicKey
	// KeyVersion is sent in the Signature header. Default "1".
	KeyVersion string
	// HTTPTimeout bounds each call to Alipay+; a call that takes longer is
	// answered UNKNOWN. Keep it inside the gateway's own budget for the
	// adapter call. Default 10s.
	HTTPTimeout time.Duration
	// MaxResponseBytes bounds an Alipay+ response body. Default 1 MiB.
	MaxResponseBytes int64
	// MaxConnsPerHost bounds connections to Alipay+. Default 64.
	MaxConnsPerHost int
	// CancelWindow is reported in Capabilities as how long after payment
	// Cancel works. Zero means DefaultCancelWindow; negative reports 0 ("not
	// known"), leaving the gateway to rely on CANCEL_WINDOW_CLOSED.
	CancelWindow time.Duration
	// ChargeCurrencies are the ISO 4217 codes Pay accepts; others are
	// declined with INVALID_AMOUNT without calling Alipay+. Default
	// DefaultChargeCurrencies.
	ChargeCurrencies []string
	// Logger receives one line per call whose outcome is unknown and debug
	// lines for the others. Default slog.Default().
	Logger *slog.Logger
	// Now stamps Request-Time. Default time.Now.
	Now func() time.Time
}

// Adapter serves the scheme adapter contract for Alipay+. It is safe for
// concurrent use.
type Adapter struct {
	schemev1.UnimplementedSchemeAdapterServer

	client       *Client
	capabilities *schemev1.Capabilities
	currencies   map[string]bool
	calls        *contract.CallLog
	now          func() time.Time
}

var _ schemev1.SchemeAdapterServer = (*Adapter)(nil)

// New checks cfg and returns an Adapter with its HTTP client ready.
func New(cfg Config) (*Adapter, error) {
	client, err := NewClient(ClientConfig{
		BaseURL:          cfg.BaseURL,
		ClientID:         cfg.ClientID,
		PrivateKey:       cfg.PrivateKey,
		WalletPublicKey:  cfg.WalletPublicKey,
		KeyVersion:       cfg.KeyVersion,
		Timeout:          cfg.HTTPTimeout,
		MaxResponseBytes: cfg.MaxResponseBytes,
		MaxConnsPerHost:  cfg.MaxConnsPerHost,
		Now:              cfg.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("alipayplus: new adapter: %w", err)
	}
	currencies := cfg.ChargeCurrencies
	if len(currencies) == 0 {
		currencies = DefaultChargeCurrencies
	}
	set := make(map[string]bool, len(currencies))
	for _, c := range currencies {
		if !contract.IsCurrencyCode(c) {
			return nil, fmt.Errorf("alipayplus: new adapter: charge currency %q is not an ISO 4217 code", c)
		}
		set[c] = true
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Adapter{
		now:          now,
		client:       client,
		capabilities: capabilities(currencies, cfg.CancelWindow),
		currencies:   set,
		calls:        contract.NewCallLog(cfg.Logger, SchemeID, "alipayplus"),
	}, nil
}

func capabilities(currencies []string, cancelWindow time.Duration) *schemev1.Capabilities {
	return &schemev1.Capabilities{
		SchemeId:         SchemeID,
		ContractVersion:  contract.Version,
		ChargeCurrencies: slices.Clone(currencies),
		CodeFormats: []*schemev1.CodeFormat{
			{Kind: schemev1.CodeKind_CODE_KIND_DIGITS, Prefixes: slices.Clone(codePrefixes), MinLength: 16, MaxLength: 24},
			{Kind: schemev1.CodeKind_CODE_KIND_EMVCO_CPM, Aids: []string{CPMApplicationID}},
		},
		SupportsCancel:            true,
		SupportsRefund:            true,
		SupportsPartialRefund:     true,
		SupportsMerchantPresented: true,
		SupportsPayStream:         true,
		MerchantPresentedFormat:   schemev1.QRFormat_QR_FORMAT_EMVCO_MPM,
		CancelWindowSeconds:       contract.CancelWindowSeconds(cancelWindow, DefaultCancelWindow),
		DisplayName:               "Alipay+",
	}
}

// Close releases the adapter's idle connections.
func (a *Adapter) Close() {
	a.client.Close()
}

// GetCapabilities says what the Alipay+ adapter can do.
func (a *Adapter) GetCapabilities(context.Context, *schemev1.GetCapabilitiesRequest) (*schemev1.Capabilities, error) {
	return proto.CloneOf(a.capabilities), nil
}

// PayStream serves many Pay calls on one stream (the gateway's fast path);
// each call is exactly a Pay.
func (a *Adapter) PayStream(s schemev1.SchemeAdapter_PayStreamServer) error {
	return contract.ServePayStream(s, a.Pay)
}

// Pay charges a payment code through POST /payments/pay.
func (a *Adapter) Pay(ctx context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	if err := limits.CheckPay(req); err != nil {
		return nil, err
	}
	key, masked := req.GetIdempotencyKey(), walletcode.Mask(req.GetPaymentCode())
	if !a.currencies[req.GetAmount().GetCurrency()] {
		return &schemev1.PayResponse{Result: contract.LocalFailure(schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT,
			CodeCurrencyNotSupport, "currency is not charged through Alipay+")}, nil
	}
	if len(req.GetPaymentCode()) > maxCodeLength {
		return &schemev1.PayResponse{Result: contract.LocalFailure(schemev1.FailureReason_FAILURE_REASON_INVALID_CODE,
			CodeInvalidCode, "payment code is too long to be an Alipay+ code")}, nil
	}
	resp, err := a.client.Pay(ctx, payRequestFor(req))
	if err == nil {
		err = sameRequestID(resp.PaymentRequestID, key)
	}
	if err != nil {
		a.calls.Unknown(ctx, "pay", key, err, slog.String("code", masked))
		return &schemev1.PayResponse{Result: contract.Unknown(err)}, nil
	}
	out := &schemev1.PayResponse{
		Result:              callResult(resp.Result),
		SchemeTransactionId: resp.PaymentID,
		WalletBrand:         resp.WalletBrandName,
		PaidAt:              resp.PaymentTime,
	}
	if out.Result.Status == schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
		// Until FX arrives the wallet amount is the payment amount as charged.
		out.WalletAmount = moneyFrom(resp.PaymentAmount, contract.CopyMoney(req.GetAmount()))
	}
	a.calls.Answered(ctx, "pay", key, out.Result, slog.String("code", masked))
	return out, nil
}

// Inquire reports the state of an earlier Pay through POST
// /payments/inquiryPayment.
func (a *Adapter) Inquire(ctx context.Context, req *schemev1.InquireRequest) (*schemev1.InquireResponse, error) {
	key := req.GetIdempotencyKey()
	if err := limits.CheckKey("idempotency_key", key); err != nil {
		return nil, err
	}
	resp, err := a.client.InquiryPayment(ctx, &InquiryPaymentRequest{PaymentRequestID: key})
	if err == nil {
		err = sameRequestID(resp.PaymentRequestID, key)
	}
	if err != nil {
		a.calls.Unknown(ctx, "inquire", key, err)
		return &schemev1.InquireResponse{Result: contract.Unknown(err)}, nil
	}
	out := &schemev1.InquireResponse{
		Result:              inquiryResult(resp),
		SchemeTransactionId: resp.PaymentID,
		WalletBrand:         resp.WalletBrandName,
		PaidAt:              resp.PaymentTime,
	}
	if out.Result.Status == schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
		out.WalletAmount = moneyFrom(resp.PaymentAmount, nil)
	}
	a.calls.Answered(ctx, "inquire", key, out.Result)
	return out, nil
}

// Cancel voids an earlier Pay through POST /payments/cancelPayment.
func (a *Adapter) Cancel(ctx context.Context, req *schemev1.CancelRequest) (*schemev1.CancelResponse, error) {
	key := req.GetIdempotencyKey()
	if err := limits.CheckKey("idempotency_key", key); err != nil {
		return nil, err
	}
	resp, err := a.client.CancelPayment(ctx, &CancelPaymentRequest{PaymentRequestID: key})
	if err == nil {
		err = sameRequestID(resp.PaymentRequestID, key)
	}
	if err != nil {
		a.calls.Unknown(ctx, "cancel", key, err)
		return &schemev1.CancelResponse{Result: contract.Unknown(err)}, nil
	}
	out := &schemev1.CancelResponse{Result: callResult(resp.Result)}
	a.calls.Answered(ctx, "cancel", key, out.Result)
	return out, nil
}

// Refund returns all or part of a paid payment through POST
// /payments/refund.
func (a *Adapter) Refund(ctx context.Context, req *schemev1.RefundRequest) (*schemev1.RefundResponse, error) {
	if err := limits.CheckRefund(req); err != nil {
		return nil, err
	}
	key := req.GetRefundIdempotencyKey()
	resp, err := a.client.Refund(ctx, refundRequestFor(req))
	if err == nil {
		err = sameRequestID(resp.RefundRequestID, key)
	}
	if err != nil {
		a.calls.Unknown(ctx, "refund", key, err)
		return &schemev1.RefundResponse{Result: contract.Unknown(err)}, nil
	}
	out := &schemev1.RefundResponse{Result: callResult(resp.Result), SchemeRefundId: resp.RefundID}
	if out.Result.Status == schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
		out.WalletAmount = moneyFrom(resp.RefundAmount, contract.CopyMoney(req.GetAmount()))
	}
	a.calls.Answered(ctx, "refund", key, out.Result)
	return out, nil
}

// errOtherRequest: a correctly signed answer about another request, e.g. a
// replayed response. What happened to ours is not known.
var errOtherRequest = errors.New("alipayplus: response is for another request")

// sameRequestID checks the request id a response echoes, when it echoes one.
func sameRequestID(got, want string) error {
	if got != "" && got != want {
		return errOtherRequest
	}
	return nil
}
