package kakaopay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/contract"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// SchemeID is the scheme id of KakaoPay in Meridian's routing table.
const SchemeID = "KAKAOPAY"

// Currency is the only currency KakaoPay charges: won, ISO 4217 exponent 0,
// so an amount in won is an amount in minor units.
const Currency = "KRW"

// WalletBrand is the brand reported for every KakaoPay payment.
const WalletBrand = "KakaoPay"

// CodePrefix and CodeLength describe KakaoPay barcodes in the default
// routing table (spec/wallet-simulators.md).
const (
	CodePrefix = "5410"
	CodeLength = 20
)

// CPMApplicationID is the EMVCo consumer-presented application id claimed
// for KakaoPay: a proprietary AID, "KAKAO" in ASCII behind the F0 that marks
// a proprietary RID.
const CPMApplicationID = "F04B414B414F"

// Defaults of Config.
const (
	// DefaultCancelWindow is how long after payment Cancel works when
	// Config.CancelWindow is zero: the simulator's default window (a day,
	// as a same-day void). Past it the gateway refunds, which KakaoPay's
	// partial cancel does as surely.
	DefaultCancelWindow = 24 * time.Hour
	// DefaultOrderLifetime is the longest a merchant-presented order may be
	// paid: KakaoPay closes a ready payment the customer leaves unfinished,
	// and a QR on a terminal should not outlive the customer at the till.
	DefaultOrderLifetime = 15 * time.Minute
	// DefaultRedirectBaseURL is where KakaoPay's ready call is told to send
	// the customer's browser after an online payment. In store there is no
	// browser, but ready requires the URLs; the reserved .invalid domain
	// makes sure nothing is ever fetched from them.
	DefaultRedirectBaseURL = "https://meridian.invalid/kakaopay"
)

// Config configures an Adapter. Fields marked required have no default; for
// the others the zero value takes the default named.
type Config struct {
	// BaseURL is the scheme and host of the KakaoPay API, e.g.
	// "https://open-api.kakaopay.com". Required.
	BaseURL string
	// CID is the merchant (partner) code KakaoPay assigned; every request
	// carries it. Required.
	CID string
	// SecretKey authenticates to KakaoPay; load it with
	// credentials.LoadSecret from a file or "env:NAME". Required. Never
	// logged.
	SecretKey string
	// HTTPTimeout bounds each call to KakaoPay; a call that takes longer is
	// answered UNKNOWN. Keep it inside the gateway's own budget for the
	// adapter call. Default 10s.
	HTTPTimeout time.Duration
	// MaxResponseBytes bounds a KakaoPay response body. Default 1 MiB.
	MaxResponseBytes int64
	// MaxConnsPerHost bounds connections to KakaoPay. Default 64.
	MaxConnsPerHost int
	// CancelWindow is reported in Capabilities as how long after payment
	// Cancel works. Zero means DefaultCancelWindow; negative reports 0 ("not
	// known"), leaving the gateway to rely on CANCEL_WINDOW_CLOSED.
	CancelWindow time.Duration
	// OrderLifetime caps how long a CreateOrder may be paid; a shorter
	// expires_in_seconds is honoured. Default DefaultOrderLifetime.
	OrderLifetime time.Duration
	// RedirectBaseURL prefixes the approval, cancel and fail URLs the ready
	// call requires. Default DefaultRedirectBaseURL.
	RedirectBaseURL string
	// Logger receives one line per call whose outcome is unknown and debug
	// lines for the others. Default slog.Default().
	Logger *slog.Logger
}

// Adapter serves the scheme adapter contract for KakaoPay. It keeps no
// state of its own between calls, so any number of replicas can serve one
// gateway. It is safe for concurrent use.
type Adapter struct {
	schemev1.UnimplementedSchemeAdapterServer

	client          *Client
	cid             string
	orderLifetime   time.Duration
	redirectBaseURL string
	capabilities    *schemev1.Capabilities
	calls           *contract.CallLog
}

var _ schemev1.SchemeAdapterServer = (*Adapter)(nil)

// New checks cfg and returns an Adapter with its HTTP client ready.
func New(cfg Config) (*Adapter, error) {
	client, err := NewClient(ClientConfig{
		BaseURL:          cfg.BaseURL,
		SecretKey:        cfg.SecretKey,
		Timeout:          cfg.HTTPTimeout,
		MaxResponseBytes: cfg.MaxResponseBytes,
		MaxConnsPerHost:  cfg.MaxConnsPerHost,
	})
	if err != nil {
		return nil, fmt.Errorf("kakaopay: new adapter: %w", err)
	}
	if cfg.CID == "" || len(cfg.CID) > maxIDLength {
		return nil, errors.New("kakaopay: new adapter: CID is required, at most 100 characters")
	}
	if cfg.OrderLifetime < 0 {
		return nil, errors.New("kakaopay: new adapter: OrderLifetime must not be negative")
	}
	if cfg.OrderLifetime == 0 {
		cfg.OrderLifetime = DefaultOrderLifetime
	}
	if cfg.RedirectBaseURL == "" {
		cfg.RedirectBaseURL = DefaultRedirectBaseURL
	}
	if u, err := url.Parse(cfg.RedirectBaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("kakaopay: new adapter: RedirectBaseURL %q: want an absolute http(s) URL", cfg.RedirectBaseURL)
	}
	return &Adapter{
		client:          client,
		cid:             cfg.CID,
		orderLifetime:   cfg.OrderLifetime,
		redirectBaseURL: strings.TrimSuffix(cfg.RedirectBaseURL, "/"),
		capabilities:    capabilities(cfg.CancelWindow),
		calls:           contract.NewCallLog(cfg.Logger, SchemeID, "kakaopay"),
	}, nil
}

func capabilities(cancelWindow time.Duration) *schemev1.Capabilities {
	return &schemev1.Capabilities{
		SchemeId:         SchemeID,
		ContractVersion:  contract.Version,
		ChargeCurrencies: []string{Currency},
		CodeFormats: []*schemev1.CodeFormat{
			{Kind: schemev1.CodeKind_CODE_KIND_DIGITS, Prefixes: []string{CodePrefix}, MinLength: CodeLength, MaxLength: CodeLength},
			{Kind: schemev1.CodeKind_CODE_KIND_EMVCO_CPM, Aids: []string{CPMApplicationID}},
		},
		SupportsCancel:            true,
		SupportsRefund:            true,
		SupportsPartialRefund:     true,
		SupportsMerchantPresented: true,
		SupportsPayStream:         true,
		MerchantPresentedFormat:   schemev1.QRFormat_QR_FORMAT_URL,
		CancelWindowSeconds:       contract.CancelWindowSeconds(cancelWindow, DefaultCancelWindow),
		DisplayName:               "KakaoPay",
	}
}

// Close releases the adapter's idle connections.
func (a *Adapter) Close() {
	a.client.Close()
}

// GetCapabilities says what the KakaoPay adapter can do.
func (a *Adapter) GetCapabilities(context.Context, *schemev1.GetCapabilitiesRequest) (*schemev1.Capabilities, error) {
	return proto.CloneOf(a.capabilities), nil
}

// PayStream serves many Pay calls on one stream (the gateway's fast path);
// each call is exactly a Pay.
func (a *Adapter) PayStream(s schemev1.SchemeAdapter_PayStreamServer) error {
	return contract.ServePayStream(s, a.Pay)
}

// Pay charges the barcode the customer shows, through the modelled barcode
// payment.
func (a *Adapter) Pay(ctx context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	if err := limits.CheckPay(req); err != nil {
		return nil, err
	}
	key, masked := req.GetIdempotencyKey(), walletcode.Mask(req.GetPaymentCode())
	if req.GetAmount().GetCurrency() != Currency {
		return &schemev1.PayResponse{Result: contract.LocalFailure(schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT, "",
			"KakaoPay charges KRW only")}, nil
	}
	if len(req.GetPaymentCode()) > maxCodeLength {
		return &schemev1.PayResponse{Result: contract.LocalFailure(schemev1.FailureReason_FAILURE_REASON_INVALID_CODE, "",
			"payment code is too long to be a KakaoPay code")}, nil
	}
	resp, err := a.client.Barcode(ctx, a.barcodeRequestFor(req))
	if err == nil {
		err = samePartnerOrderID(resp.PartnerOrderID, key)
	}
	if err != nil {
		out := &schemev1.PayResponse{Result: a.failedCall(ctx, "pay", key, err, slog.String("code", masked))}
		return out, nil
	}
	out := &schemev1.PayResponse{
		Result:              paymentStatusResult(resp.Status, nil, resp.ApprovedAt, nil),
		SchemeTransactionId: resp.TID,
	}
	if out.Result.Status == schemev1.ResultStatus_RESULT_STATUS_PENDING {
		// A charged barcode never waits for the customer; a status that says
		// so is not one the adapter can trust.
		out.Result.Status = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN
	}
	if out.Result.Status == schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
		out.WalletAmount = wonMoney(resp.Amount.Total, contract.CopyMoney(req.GetAmount()))
		out.WalletBrand, out.PaidAt = WalletBrand, rfc3339(resp.ApprovedAt)
	}
	a.calls.Answered(ctx, "pay", key, out.Result, slog.String("code", masked))
	return out, nil
}

// Inquire reports the state of an earlier Pay or CreateOrder through the
// order API, looked up by partner_order_id.
func (a *Adapter) Inquire(ctx context.Context, req *schemev1.InquireRequest) (*schemev1.InquireResponse, error) {
	key := req.GetIdempotencyKey()
	if err := limits.CheckKey("idempotency_key", key); err != nil {
		return nil, err
	}
	order, err := a.order(ctx, key)
	if err != nil {
		return &schemev1.InquireResponse{Result: a.failedCall(ctx, "inquire", key, err)}, nil
	}
	out := &schemev1.InquireResponse{
		Result:              paymentStatusResult(order.Status, order.Extras, order.ApprovedAt, order.PaymentActionDetails),
		SchemeTransactionId: order.TID,
	}
	if out.Result.Status == schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
		out.WalletAmount = wonMoney(order.Amount.Total, nil)
		out.WalletBrand, out.PaidAt = WalletBrand, rfc3339(order.ApprovedAt)
	}
	a.calls.Answered(ctx, "inquire", key, out.Result)
	return out, nil
}

// order looks a payment up by the gateway's key.
func (a *Adapter) order(ctx context.Context, key string) (*OrderResponse, error) {
	order, err := a.client.Order(ctx, &OrderRequest{CID: a.cid, PartnerOrderID: key})
	if err != nil {
		return nil, err
	}
	if err := samePartnerOrderID(order.PartnerOrderID, key); err != nil {
		return nil, err
	}
	return order, nil
}

// errOtherRequest: an answer about another payment, e.g. from a confused
// proxy. What happened to ours is not known.
var errOtherRequest = errors.New("kakaopay: response is for another partner_order_id")

// samePartnerOrderID checks the partner_order_id an answer echoes, when it
// echoes one.
func samePartnerOrderID(got, want string) error {
	if got != "" && got != want {
		return errOtherRequest
	}
	return nil
}

// failedCall turns a call's error into its Result and logs it: KakaoPay's
// refusal by the results table, anything else UNKNOWN.
func (a *Adapter) failedCall(ctx context.Context, op, key string, err error, attrs ...slog.Attr) *schemev1.Result {
	var refusal *Error
	if !errors.As(err, &refusal) {
		a.calls.Unknown(ctx, op, key, err, attrs...)
		return contract.Unknown(err)
	}
	r := errorResult(refusal)
	if r.Status == schemev1.ResultStatus_RESULT_STATUS_UNKNOWN {
		a.calls.Unknown(ctx, op, key, err, attrs...)
	} else {
		a.calls.Answered(ctx, op, key, r, attrs...)
	}
	return r
}
