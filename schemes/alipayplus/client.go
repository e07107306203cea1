package alipayplus

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/meridian-gw/meridian/schemes/partnerhttp"
)

// Defaults of ClientConfig.
const (
	DefaultKeyVersion       = "1"
	DefaultHTTPTimeout      = partnerhttp.DefaultTimeout
	DefaultMaxResponseBytes = partnerhttp.DefaultMaxResponseBytes
	DefaultMaxConnsPerHost  = partnerhttp.DefaultMaxConnsPerHost
)

// Errors of Client calls. Each of them, like any other error from a call,
// means the caller cannot know what the wallet did: the request may have been
// processed and money may have moved.
var (
	// ErrHTTPStatus: the wallet answered with an HTTP status other than 200.
	ErrHTTPStatus = errors.New("alipayplus: unexpected HTTP status")
	// ErrMalformedResponse: the body was not the JSON expected, or the
	// signing headers were missing.
	ErrMalformedResponse = errors.New("alipayplus: malformed response")
	// ErrResponseTooLarge: the body exceeded ClientConfig.MaxResponseBytes.
	// It is partnerhttp's, which every partner-API client shares.
	ErrResponseTooLarge = partnerhttp.ErrResponseTooLarge
)

// ClientConfig configures a Client. Fields marked required have no default;
// for the others the zero value takes the default named.
type ClientConfig struct {
	// BaseURL is the scheme and host of the Alipay+ API, optionally with a
	// path prefix, e.g. "https://open-sea-global.alipayplus.com". Required.
	BaseURL string
	// ClientID is the Client-Id Alipay+ assigned to the acquirer. Required.
	ClientID string
	// PrivateKey signs requests. Required.
	PrivateKey *rsa.PrivateKey
	// WalletPublicKey verifies response signatures. Required.
	WalletPublicKey *rsa.PublicKey
	// KeyVersion is sent in the Signature header. Default "1".
	KeyVersion string
	// Timeout bounds each call, from sending the request to reading the whole
	// response. The caller's context can only shorten it. Default 10s.
	Timeout time.Duration
	// MaxResponseBytes bounds a response body. Default 1 MiB.
	MaxResponseBytes int64
	// MaxConnsPerHost bounds the connections to the wallet, idle or busy;
	// calls beyond it wait for a free connection within their timeout.
	// Default 64.
	MaxConnsPerHost int
	// Now stamps Request-Time. Default time.Now.
	Now func() time.Time
}

// Client calls the Alipay+ acquirer API: it signs every request, verifies
// every response signature, bounds every call in time and size, and reuses
// connections (partnerhttp does the last two). It is safe for concurrent
// use.
type Client struct {
	baseURL    string
	clientID   string
	privateKey *rsa.PrivateKey
	walletKey  *rsa.PublicKey
	keyVersion string
	now        func() time.Time
	http       *partnerhttp.Client
}

// NewClient checks cfg and returns a Client.
func NewClient(cfg ClientConfig) (*Client, error) {
	if err := checkClientConfig(cfg); err != nil {
		return nil, err
	}
	cfg = withClientDefaults(cfg)
	httpClient, err := partnerhttp.New(partnerhttp.Config{
		Timeout:          cfg.Timeout,
		MaxResponseBytes: cfg.MaxResponseBytes,
		MaxConnsPerHost:  cfg.MaxConnsPerHost,
	})
	if err != nil {
		return nil, fmt.Errorf("alipayplus: %w", err)
	}
	return &Client{
		baseURL:    strings.TrimSuffix(cfg.BaseURL, "/"),
		clientID:   cfg.ClientID,
		privateKey: cfg.PrivateKey,
		walletKey:  cfg.WalletPublicKey,
		keyVersion: cfg.KeyVersion,
		now:        cfg.Now,
		http:       httpClient,
	}, nil
}

func checkClientConfig(cfg ClientConfig) error {
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case cfg.BaseURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return fmt.Errorf("alipayplus: BaseURL %q: want an absolute http(s) URL", cfg.BaseURL)
	case cfg.ClientID == "":
		return errors.New("alipayplus: ClientID is required")
	case cfg.PrivateKey == nil:
		return errors.New("alipayplus: PrivateKey is required")
	case cfg.WalletPublicKey == nil:
		return errors.New("alipayplus: WalletPublicKey is required")
	}
	return nil
}

// withClientDefaults fills in the defaults of the fields partnerhttp does
// not take.
func withClientDefaults(cfg ClientConfig) ClientConfig {
	if cfg.KeyVersion == "" {
		cfg.KeyVersion = DefaultKeyVersion
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// Pay calls POST /aps/api/v1/payments/pay.
func (c *Client) Pay(ctx context.Context, req *PayRequest) (*PayResponse, error) {
	return call[PayResponse](ctx, c, PathPay, req)
}

// InquiryPayment calls POST /aps/api/v1/payments/inquiryPayment.
func (c *Client) InquiryPayment(ctx context.Context, req *InquiryPaymentRequest) (*InquiryPaymentResponse, error) {
	return call[InquiryPaymentResponse](ctx, c, PathInquiryPayment, req)
}

// CancelPayment calls POST /aps/api/v1/payments/cancelPayment.
func (c *Client) CancelPayment(ctx context.Context, req *CancelPaymentRequest) (*CancelPaymentResponse, error) {
	return call[CancelPaymentResponse](ctx, c, PathCancelPayment, req)
}

// Refund calls POST /aps/api/v1/payments/refund.
func (c *Client) Refund(ctx context.Context, req *RefundRequest) (*RefundResponse, error) {
	return call[RefundResponse](ctx, c, PathRefund, req)
}

// Close closes idle connections. Calls still under way are not affected.
func (c *Client) Close() {
	c.http.Close()
}

// call sends req signed to path and decodes the verified response.
// Errors never contain the request body, which holds the payment code.
func call[T any](ctx context.Context, c *Client, path string, req any) (*T, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("alipayplus: %s: encode request: %w", path, err)
	}
	header, err := c.sign(path, body)
	if err != nil {
		return nil, err
	}
	answer, err := c.http.Post(ctx, c.baseURL+path, header, body)
	if err != nil {
		return nil, fmt.Errorf("alipayplus: %s: %w", path, err)
	}
	if answer.Status != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered %d", ErrHTTPStatus, path, answer.Status)
	}
	if err := c.verify(path, answer.Header, answer.Body); err != nil {
		return nil, err
	}
	var resp T
	if err := json.Unmarshal(answer.Body, &resp); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformedResponse, path, err)
	}
	return &resp, nil
}

// sign returns the headers of the signed request for body.
func (c *Client) sign(path string, body []byte) (http.Header, error) {
	requestTime := c.now().Format(time.RFC3339)
	msg := Message{Method: http.MethodPost, Path: path, ClientID: c.clientID, Time: requestTime, Body: body}
	signature, err := msg.Sign(c.privateKey, c.keyVersion)
	if err != nil {
		return nil, err
	}
	header := make(http.Header)
	header.Set("Content-Type", "application/json; charset=UTF-8")
	header.Set(HeaderClientID, c.clientID)
	header.Set(HeaderRequestTime, requestTime)
	header.Set(HeaderSignature, signature)
	return header, nil
}

// verify checks the response signature. It is signed over our own client id
// and the request's path, so an answer meant for another client or endpoint
// does not verify.
func (c *Client) verify(path string, header http.Header, body []byte) error {
	responseTime := header.Get(HeaderResponseTime)
	if responseTime == "" {
		return fmt.Errorf("%w: %s: missing %s header", ErrMalformedResponse, path, HeaderResponseTime)
	}
	msg := Message{Method: http.MethodPost, Path: path, ClientID: c.clientID, Time: responseTime, Body: body}
	if err := msg.Verify(c.walletKey, header.Get(HeaderSignature)); err != nil {
		return fmt.Errorf("alipayplus: %s: response: %w", path, err)
	}
	return nil
}
