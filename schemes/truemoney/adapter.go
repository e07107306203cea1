package truemoney

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"google.golang.org/protobuf/proto"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/contract"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// SchemeID is the scheme id of TrueMoney in Meridian's routing table.
const SchemeID = "TRUEMONEY"

// DisplayName is the brand shown on receipts.
const DisplayName = "TrueMoney"

// DefaultCancelWindow is the cancel window reported when Config.CancelWindow
// is zero: a payment can be voided for a day, the simulator's default.
// TrueMoney voids within the settlement day; past it the gateway refunds,
// and VOID_WINDOW_EXPIRED covers any later attempt.
const DefaultCancelWindow = 24 * time.Hour

// Codes the default routing table gives TrueMoney (spec/wallet-simulators.md).
const (
	// CodePrefix and CodeLength: TrueMoney payment codes are 18 digits
	// starting 5764.
	CodePrefix = "5764"
	CodeLength = 18
	// CPMApplicationID is the AID of TrueMoney's EMVCo consumer-presented
	// codes: the proprietary AID F0 followed by "TRUE" in ASCII.
	CPMApplicationID = "F054525545"
)

// Config configures an Adapter. Fields marked required have no default; for
// the others the zero value takes the default named.
type Config struct {
	// BaseURL is the scheme and host of the TrueMoney partner API,
	// optionally with a path prefix. Required.
	BaseURL string
	// ClientID and ClientSecret are the OAuth client credentials TrueMoney
	// issued to the acquirer; see credentials.LoadSecret. Required. The
	// secret is never logged.
	ClientID     string
	ClientSecret string
	// PrivateKey signs requests; see credentials.LoadPrivateKey. Required.
	PrivateKey *rsa.PrivateKey
	// WalletPublicKey verifies TrueMoney's responses; see
	// credentials.LoadPublicKey. Required.
	WalletPublicKey *rsa.PublicKey
	// KeyVersion is sent in the Signature header. Default "1".
	KeyVersion string
	// HTTPTimeout bounds each call to TrueMoney, a token fetch and one
	// retry with a renewed token included; a call that takes longer is
	// answered UNKNOWN. Keep it inside the gateway's own budget for the
	// adapter call. Default 10s.
	HTTPTimeout time.Duration
	// MaxResponseBytes bounds a TrueMoney response body. Default 1 MiB.
	MaxResponseBytes int64
	// MaxConnsPerHost bounds connections to TrueMoney. Default 64.
	MaxConnsPerHost int
	// TokenRefreshMargin is how long before its expiry the access token is
	// replaced. Default one minute.
	TokenRefreshMargin time.Duration
	// CancelWindow is reported in Capabilities as how long after payment
	// Cancel works. Zero means DefaultCancelWindow; negative reports 0 ("not
	// known"), leaving the gateway to rely on CANCEL_WINDOW_CLOSED.
	CancelWindow time.Duration
	// Logger receives one line per call whose outcome is unknown and debug
	// lines for the others. Default slog.Default().
	Logger *slog.Logger
	// Now stamps the Timestamp header and ages access tokens. Default
	// time.Now.
	Now func() time.Time
}

// Adapter serves the scheme adapter contract for TrueMoney. It is safe for
// concurrent use.
type Adapter struct {
	schemev1.UnimplementedSchemeAdapterServer

	client       *Client
	capabilities *schemev1.Capabilities
	calls        *contract.CallLog
}

var _ schemev1.SchemeAdapterServer = (*Adapter)(nil)

// New checks cfg and returns an Adapter with its HTTP client ready. It sends
// nothing: the first call fetches the first access token.
func New(cfg Config) (*Adapter, error) {
	client, err := NewClient(ClientConfig{
		BaseURL:            cfg.BaseURL,
		ClientID:           cfg.ClientID,
		ClientSecret:       cfg.ClientSecret,
		PrivateKey:         cfg.PrivateKey,
		WalletPublicKey:    cfg.WalletPublicKey,
		KeyVersion:         cfg.KeyVersion,
		Timeout:            cfg.HTTPTimeout,
		MaxResponseBytes:   cfg.MaxResponseBytes,
		MaxConnsPerHost:    cfg.MaxConnsPerHost,
		TokenRefreshMargin: cfg.TokenRefreshMargin,
		Now:                cfg.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("truemoney: new adapter: %w", err)
	}
	return &Adapter{
		client:       client,
		capabilities: capabilities(cfg.CancelWindow),
		calls:        contract.NewCallLog(cfg.Logger, SchemeID, "truemoney"),
	}, nil
}

func capabilities(cancelWindow time.Duration) *schemev1.Capabilities {
	return &schemev1.Capabilities{
		SchemeId:         SchemeID,
		ContractVersion:  contract.Version,
		ChargeCurrencies: []string{CurrencyTHB},
		CodeFormats: []*schemev1.CodeFormat{
			{Kind: schemev1.CodeKind_CODE_KIND_DIGITS, Prefixes: []string{CodePrefix}, MinLength: CodeLength, MaxLength: CodeLength},
			{Kind: schemev1.CodeKind_CODE_KIND_EMVCO_CPM, Aids: []string{CPMApplicationID}},
		},
		SupportsCancel:            true,
		SupportsRefund:            true,
		SupportsPartialRefund:     true,
		SupportsMerchantPresented: true,
		SupportsPayStream:         true,
		CancelWindowSeconds:       contract.CancelWindowSeconds(cancelWindow, DefaultCancelWindow),
		DisplayName:               DisplayName,
		MerchantPresentedFormat:   schemev1.QRFormat_QR_FORMAT_EMVCO_MPM,
	}
}

// Close releases the adapter's idle connections.
func (a *Adapter) Close() {
	a.client.Close()
}

// Client returns the adapter's TrueMoney client.
func (a *Adapter) Client() *Client {
	return a.client
}

// GetCapabilities says what the TrueMoney adapter can do.
func (a *Adapter) GetCapabilities(context.Context, *schemev1.GetCapabilitiesRequest) (*schemev1.Capabilities, error) {
	return proto.CloneOf(a.capabilities), nil
}

// PayStream serves many Pay calls on one stream (the gateway's fast path);
// each call is exactly a Pay.
func (a *Adapter) PayStream(s schemev1.SchemeAdapter_PayStreamServer) error {
	return contract.ServePayStream(s, a.Pay)
}

// Pay charges a payment code through the payment-by-code endpoint.
func (a *Adapter) Pay(ctx context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	if err := checkPay(req); err != nil {
		return nil, err
	}
	key, masked := req.GetIdempotencyKey(), walletcode.Mask(req.GetPaymentCode())
	if req.GetAmount().GetCurrency() != CurrencyTHB {
		return &schemev1.PayResponse{Result: contract.LocalFailure(schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT,
			StatusCurrencyNotSupported, "TrueMoney charges THB only")}, nil
	}
	if len(req.GetPaymentCode()) > maxCodeLength {
		return &schemev1.PayResponse{Result: contract.LocalFailure(schemev1.FailureReason_FAILURE_REASON_INVALID_CODE,
			StatusInvalidPaymentCode, "payment code is too long to be a TrueMoney code")}, nil
	}
	resp, err := a.client.PaymentByCode(ctx, payRequestFor(req))
	if err == nil {
		err = samePayment(resp.Data, key)
	}
	if err != nil {
		a.calls.Unknown(ctx, "pay", key, err, slog.String("code", masked))
		return &schemev1.PayResponse{Result: contract.Unknown(err)}, nil
	}
	out := &schemev1.PayResponse{Result: payResult(resp)}
	if p := resp.Data; p != nil {
		out.SchemeTransactionId, out.WalletBrand, out.PaidAt = p.TransactionID, p.WalletBrand, p.PaidAt
		if out.Result.Status == schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
			out.WalletAmount = moneyFrom(p.Amount, p.Currency, contract.CopyMoney(req.GetAmount()))
		}
	}
	a.calls.Answered(ctx, "pay", key, out.Result, slog.String("code", masked))
	return out, nil
}

// Inquire reports the state of an earlier Pay or CreateOrder through the
// inquiry endpoint.
func (a *Adapter) Inquire(ctx context.Context, req *schemev1.InquireRequest) (*schemev1.InquireResponse, error) {
	key := req.GetIdempotencyKey()
	if err := limits.CheckKey("idempotency_key", key); err != nil {
		return nil, err
	}
	resp, err := a.client.Inquiry(ctx, &InquiryRequest{ExternalRefID: key})
	if err == nil {
		err = samePayment(resp.Data, key)
	}
	if err != nil {
		a.calls.Unknown(ctx, "inquire", key, err)
		return &schemev1.InquireResponse{Result: contract.Unknown(err)}, nil
	}
	out := &schemev1.InquireResponse{Result: inquiryResult(resp)}
	if p := resp.Data; p != nil {
		out.SchemeTransactionId, out.WalletBrand, out.PaidAt = p.TransactionID, p.WalletBrand, p.PaidAt
		if out.Result.Status == schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
			out.WalletAmount = moneyFrom(p.Amount, p.Currency, nil)
		}
	}
	a.calls.Answered(ctx, "inquire", key, out.Result)
	return out, nil
}

// Cancel voids an earlier Pay, or closes an order, through the void
// endpoint.
func (a *Adapter) Cancel(ctx context.Context, req *schemev1.CancelRequest) (*schemev1.CancelResponse, error) {
	key := req.GetIdempotencyKey()
	if err := limits.CheckKey("idempotency_key", key); err != nil {
		return nil, err
	}
	resp, err := a.client.Void(ctx, &VoidRequest{ExternalRefID: key})
	if err == nil {
		err = samePayment(resp.Data, key)
	}
	if err != nil {
		a.calls.Unknown(ctx, "cancel", key, err)
		return &schemev1.CancelResponse{Result: contract.Unknown(err)}, nil
	}
	out := &schemev1.CancelResponse{Result: voidResult(resp)}
	a.calls.Answered(ctx, "cancel", key, out.Result)
	return out, nil
}

// Refund returns all or part of a paid payment through the refund
// endpoint.
func (a *Adapter) Refund(ctx context.Context, req *schemev1.RefundRequest) (*schemev1.RefundResponse, error) {
	if err := limits.CheckRefund(req); err != nil {
		return nil, err
	}
	key := req.GetRefundIdempotencyKey()
	if req.GetAmount().GetCurrency() != CurrencyTHB {
		return &schemev1.RefundResponse{Result: contract.LocalFailure(schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT,
			StatusCurrencyNotSupported, "TrueMoney refunds THB only")}, nil
	}
	resp, err := a.client.Refund(ctx, refundRequestFor(req))
	if err == nil && resp.Data != nil && resp.Data.ExternalRefundRefID != "" && resp.Data.ExternalRefundRefID != key {
		err = errOtherRequest
	}
	if err != nil {
		a.calls.Unknown(ctx, "refund", key, err)
		return &schemev1.RefundResponse{Result: contract.Unknown(err)}, nil
	}
	out := &schemev1.RefundResponse{Result: statusResult(resp.Status, false)}
	if out.Result.Status == schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
		if resp.Data == nil {
			out.Result.Status, out.Result.Message = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, "refund answered without its data"
		} else {
			out.SchemeRefundId = resp.Data.RefundID
			out.WalletAmount = moneyFrom(resp.Data.Amount, resp.Data.Currency, contract.CopyMoney(req.GetAmount()))
		}
	}
	a.calls.Answered(ctx, "refund", key, out.Result)
	return out, nil
}

// errOtherRequest: a correctly signed answer about another request, e.g. a
// replayed response. What happened to ours is not known.
var errOtherRequest = errors.New("truemoney: response is for another request")

// samePayment checks the external_ref_id an answer echoes, when it echoes
// one.
func samePayment(p *Payment, key string) error {
	if p != nil && p.ExternalRefID != "" && p.ExternalRefID != key {
		return errOtherRequest
	}
	return nil
}
