package alipayplus

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults of ClientConfig.
const (
	DefaultKeyVersion       = "1"
	DefaultHTTPTimeout      = 10 * time.Second
	DefaultMaxResponseBytes = 1 << 20
	DefaultMaxConnsPerHost  = 64
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
	ErrResponseTooLarge = errors.New("alipayplus: response too large")
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
// connections. It is safe for concurrent use.
type Client struct {
	baseURL     string
	clientID    string
	privateKey  *rsa.PrivateKey
	walletKey   *rsa.PublicKey
	keyVersion  string
	timeout     time.Duration
	maxResponse int64
	now         func() time.Time
	transport   *http.Transport
	http        *http.Client
}

// NewClient checks cfg and returns a Client.
func NewClient(cfg ClientConfig) (*Client, error) {
	if err := checkClientConfig(cfg); err != nil {
		return nil, err
	}
	cfg = withClientDefaults(cfg)
	transport := newTransport(cfg.MaxConnsPerHost)
	return &Client{
		baseURL:     strings.TrimSuffix(cfg.BaseURL, "/"),
		clientID:    cfg.ClientID,
		privateKey:  cfg.PrivateKey,
		walletKey:   cfg.WalletPublicKey,
		keyVersion:  cfg.KeyVersion,
		timeout:     cfg.Timeout,
		maxResponse: cfg.MaxResponseBytes,
		now:         cfg.Now,
		transport:   transport,
		http: &http.Client{
			Transport: transport,
			// A signed POST is never followed elsewhere: the signature covers
			// the path, and a redirect would resend money-moving requests.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
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
	case cfg.Timeout < 0 || cfg.MaxResponseBytes < 0 || cfg.MaxConnsPerHost < 0:
		return errors.New("alipayplus: Timeout, MaxResponseBytes and MaxConnsPerHost must not be negative")
	}
	return nil
}

func withClientDefaults(cfg ClientConfig) ClientConfig {
	if cfg.KeyVersion == "" {
		cfg.KeyVersion = DefaultKeyVersion
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultHTTPTimeout
	}
	if cfg.MaxResponseBytes == 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.MaxConnsPerHost == 0 {
		cfg.MaxConnsPerHost = DefaultMaxConnsPerHost
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// newTransport keeps up to maxConns connections to the wallet open for
// reuse: a TLS handshake costs more than a payment's own round trip.
func newTransport(maxConns int) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   5 * time.Second,
		MaxConnsPerHost:       maxConns,
		MaxIdleConns:          maxConns,
		MaxIdleConnsPerHost:   maxConns,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// Pay calls POST /aps/api/v1/payments/pay.
func (c *Client) Pay(ctx context.Context, req *PayRequest) (*PayResponse, error) {
	var resp PayResponse
	if err := c.call(ctx, PathPay, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// InquiryPayment calls POST /aps/api/v1/payments/inquiryPayment.
func (c *Client) InquiryPayment(ctx context.Context, req *InquiryPaymentRequest) (*InquiryPaymentResponse, error) {
	var resp InquiryPaymentResponse
	if err := c.call(ctx, PathInquiryPayment, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// CancelPayment calls POST /aps/api/v1/payments/cancelPayment.
func (c *Client) CancelPayment(ctx context.Context, req *CancelPaymentRequest) (*CancelPaymentResponse, error) {
	var resp CancelPaymentResponse
	if err := c.call(ctx, PathCancelPayment, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Refund calls POST /aps/api/v1/payments/refund.
func (c *Client) Refund(ctx context.Context, req *RefundRequest) (*RefundResponse, error) {
	var resp RefundResponse
	if err := c.call(ctx, PathRefund, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Close closes idle connections. Calls still under way are not affected.
func (c *Client) Close() {
	c.transport.CloseIdleConnections()
}

// call sends req signed to path and decodes the verified response into resp.
// Errors never contain the request body, which holds the payment code.
func (c *Client) call(ctx context.Context, path string, req, resp any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("alipayplus: %s: encode request: %w", path, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	httpReq, err := c.newRequest(ctx, path, body)
	if err != nil {
		return err
	}
	httpResp, err := c.http.Do(httpReq)
	if err != nil {
		return fmt.Errorf("alipayplus: %s: %w", path, err)
	}
	defer httpResp.Body.Close()
	data, err := readBounded(httpResp.Body, c.maxResponse)
	if err != nil {
		return fmt.Errorf("alipayplus: %s: read response: %w", path, err)
	}
	if httpResp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s answered %d", ErrHTTPStatus, path, httpResp.StatusCode)
	}
	if err := c.verify(path, httpResp.Header, data); err != nil {
		return err
	}
	if err := json.Unmarshal(data, resp); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformedResponse, path, err)
	}
	return nil
}

// newRequest builds the signed HTTP request for body.
func (c *Client) newRequest(ctx context.Context, path string, body []byte) (*http.Request, error) {
	requestTime := c.now().Format(time.RFC3339)
	msg := Message{Method: http.MethodPost, Path: path, ClientID: c.clientID, Time: requestTime, Body: body}
	signature, err := msg.Sign(c.privateKey, c.keyVersion)
	if err != nil {
		return nil, err
	}
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("alipayplus: %s: build request: %w", path, err)
	}
	httpReq.Header.Set("Content-Type", "application/json; charset=UTF-8")
	httpReq.Header.Set(HeaderClientID, c.clientID)
	httpReq.Header.Set(HeaderRequestTime, requestTime)
	httpReq.Header.Set(HeaderSignature, signature)
	return httpReq, nil
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

// readBounded reads all of r, failing once more than limit bytes arrive.
func readBounded(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: over %d bytes", ErrResponseTooLarge, limit)
	}
	return data, nil
}
