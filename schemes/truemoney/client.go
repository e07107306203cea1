package truemoney

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
	"strconv"
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
	// ErrHTTPStatus: the wallet answered with an HTTP status other than
	// 200, 400 (a refusal) and 401 (token rejected).
	ErrHTTPStatus = errors.New("truemoney: unexpected HTTP status")
	// ErrUnauthorized: the wallet rejected the access token again after
	// the client had fetched a new one.
	ErrUnauthorized = errors.New("truemoney: access token rejected twice")
	// ErrMalformedResponse: the body was not the JSON expected, or the
	// signing headers were missing.
	ErrMalformedResponse = errors.New("truemoney: malformed response")
	// ErrResponseTooLarge: the body exceeded ClientConfig.MaxResponseBytes.
	ErrResponseTooLarge = errors.New("truemoney: response too large")
)

// ClientConfig configures a Client. Fields marked required have no default;
// for the others the zero value takes the default named.
type ClientConfig struct {
	// BaseURL is the scheme and host of the TrueMoney API, optionally with
	// a path prefix. Required.
	BaseURL string
	// ClientID and ClientSecret are the partner's OAuth client credentials
	// (see credentials.LoadSecret). Required.
	ClientID     string
	ClientSecret string
	// PrivateKey signs requests. Required.
	PrivateKey *rsa.PrivateKey
	// WalletPublicKey verifies response signatures. Required.
	WalletPublicKey *rsa.PublicKey
	// KeyVersion is sent in the Signature header. Default "1".
	KeyVersion string
	// Timeout bounds each call, from fetching a token to reading the whole
	// response, a retry after a rejected token included. The caller's
	// context can only shorten it. Default 10s.
	Timeout time.Duration
	// MaxResponseBytes bounds a response body. Default 1 MiB.
	MaxResponseBytes int64
	// MaxConnsPerHost bounds the connections to the wallet, idle or busy;
	// calls beyond it wait for a free connection within their timeout.
	// Default 64.
	MaxConnsPerHost int
	// TokenRefreshMargin is how long before its expiry the access token is
	// replaced. Default DefaultTokenRefreshMargin.
	TokenRefreshMargin time.Duration
	// Now stamps the Timestamp header and ages tokens. Default time.Now.
	Now func() time.Time
}

// Client calls the TrueMoney partner API: it obtains and renews the access
// token, signs every request, verifies every response signature, bounds
// every call in time and size, and reuses connections. It is safe for
// concurrent use.
type Client struct {
	baseURL string
	// pathPrefix is BaseURL's path, which the wallet sees in front of each
	// endpoint's path and signs its answers over.
	pathPrefix  string
	clientID    string
	privateKey  *rsa.PrivateKey
	walletKey   *rsa.PublicKey
	keyVersion  string
	timeout     time.Duration
	maxResponse int64
	now         func() time.Time
	transport   *http.Transport
	http        *http.Client
	tokens      *TokenSource
}

// NewClient checks cfg and returns a Client. No request is sent until the
// first call, which fetches the first token.
func NewClient(cfg ClientConfig) (*Client, error) {
	if err := checkClientConfig(cfg); err != nil {
		return nil, err
	}
	cfg = withClientDefaults(cfg)
	transport := newTransport(cfg.MaxConnsPerHost)
	httpClient := &http.Client{
		Transport: transport,
		// A signed POST is never followed elsewhere: a redirect would
		// resend money-moving requests, and the token request's secret.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	baseURL := strings.TrimSuffix(cfg.BaseURL, "/")
	u, _ := url.Parse(baseURL) // checked by checkClientConfig
	tokens, err := NewTokenSource(TokenSourceConfig{
		URL:              baseURL + PathToken,
		ClientID:         cfg.ClientID,
		ClientSecret:     cfg.ClientSecret,
		HTTPClient:       httpClient,
		RefreshMargin:    cfg.TokenRefreshMargin,
		Timeout:          cfg.Timeout,
		MaxResponseBytes: cfg.MaxResponseBytes,
		Now:              cfg.Now,
	})
	if err != nil {
		return nil, err
	}
	return &Client{
		baseURL:     baseURL,
		pathPrefix:  u.EscapedPath(),
		clientID:    cfg.ClientID,
		privateKey:  cfg.PrivateKey,
		walletKey:   cfg.WalletPublicKey,
		keyVersion:  cfg.KeyVersion,
		timeout:     cfg.Timeout,
		maxResponse: cfg.MaxResponseBytes,
		now:         cfg.Now,
		transport:   transport,
		http:        httpClient,
		tokens:      tokens,
	}, nil
}

func checkClientConfig(cfg ClientConfig) error {
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case cfg.BaseURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return fmt.Errorf("truemoney: BaseURL %q: want an absolute http(s) URL", cfg.BaseURL)
	case cfg.ClientID == "":
		return errors.New("truemoney: ClientID is required")
	case cfg.ClientSecret == "":
		return errors.New("truemoney: ClientSecret is required")
	case cfg.PrivateKey == nil:
		return errors.New("truemoney: PrivateKey is required")
	case cfg.WalletPublicKey == nil:
		return errors.New("truemoney: WalletPublicKey is required")
	case cfg.Timeout < 0 || cfg.MaxResponseBytes < 0 || cfg.MaxConnsPerHost < 0 || cfg.TokenRefreshMargin < 0:
		return errors.New("truemoney: Timeout, MaxResponseBytes, MaxConnsPerHost and TokenRefreshMargin must not be negative")
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

// PaymentByCode calls POST PathPaymentByCode.
func (c *Client) PaymentByCode(ctx context.Context, req *PaymentByCodeRequest) (*Response[Payment], error) {
	return call[Payment](ctx, c, PathPaymentByCode, req)
}

// Inquiry calls POST PathInquiry.
func (c *Client) Inquiry(ctx context.Context, req *InquiryRequest) (*Response[Payment], error) {
	return call[Payment](ctx, c, PathInquiry, req)
}

// Void calls POST PathVoid.
func (c *Client) Void(ctx context.Context, req *VoidRequest) (*Response[Payment], error) {
	return call[Payment](ctx, c, PathVoid, req)
}

// Refund calls POST PathRefund.
func (c *Client) Refund(ctx context.Context, req *RefundRequest) (*Response[Refund], error) {
	return call[Refund](ctx, c, PathRefund, req)
}

// CreateQROrder calls POST PathCreateQROrder.
func (c *Client) CreateQROrder(ctx context.Context, req *CreateQROrderRequest) (*Response[QROrder], error) {
	return call[QROrder](ctx, c, PathCreateQROrder, req)
}

// Tokens returns the client's token source.
func (c *Client) Tokens() *TokenSource {
	return c.tokens
}

// Close closes idle connections. Calls still under way are not affected.
func (c *Client) Close() {
	c.transport.CloseIdleConnections()
}

// reply is an HTTP answer read whole.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// tokenRejected reports whether the wallet refused the access token: HTTP
// 401, or TrueMoney's own form, HTTP 400 with an invalid- or expired-token
// status. The body is not trusted for anything else: resending with a new
// token is safe whoever sent the answer, as the request is idempotent.
func (r *reply) tokenRejected() bool {
	if r.status == http.StatusUnauthorized {
		return true
	}
	if r.status != http.StatusBadRequest {
		return false
	}
	var resp Response[struct{}]
	if json.Unmarshal(r.body, &resp) != nil {
		return false
	}
	return resp.Status.Code == StatusAccessTokenInvalid || resp.Status.Code == StatusAccessTokenExpired
}

// call sends req signed to path and decodes the verified answer. A token
// the wallet rejects is replaced once and the request sent again. Errors
// never contain the request body, which holds the payment code, nor the
// token.
func call[T any](ctx context.Context, c *Client, path string, req any) (*Response[T], error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("truemoney: %s: encode request: %w", path, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	for attempt := 1; ; attempt++ {
		token, err := c.tokens.Token(ctx)
		if err != nil {
			return nil, fmt.Errorf("truemoney: %s: %w", path, err)
		}
		r, err := c.send(ctx, path, token, body)
		if err != nil {
			return nil, err
		}
		if r.tokenRejected() {
			if attempt == 1 {
				c.tokens.Invalidate(token)
				continue
			}
			return nil, fmt.Errorf("%w: %s answered %d", ErrUnauthorized, path, r.status)
		}
		return decode[T](c, path, r)
	}
}

// send posts the signed body with token and reads the answer whole.
func (c *Client) send(ctx context.Context, path, token string, body []byte) (*reply, error) {
	timestamp := strconv.FormatInt(c.now().Unix(), 10)
	signature, err := Message{Timestamp: timestamp, Body: body}.Sign(c.privateKey, c.keyVersion)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("truemoney: %s: build request: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderAuthorization, "Bearer "+token)
	req.Header.Set(HeaderClientID, c.clientID)
	req.Header.Set(HeaderTimestamp, timestamp)
	req.Header.Set(HeaderSignature, signature)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("truemoney: %s: %w", path, redactURLError(err))
	}
	defer resp.Body.Close()
	data, err := readBounded(resp.Body, c.maxResponse)
	if err != nil {
		return nil, fmt.Errorf("truemoney: %s: read response: %w", path, err)
	}
	return &reply{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// decode verifies and decodes an answer. HTTP 200 carries outcomes and
// HTTP 400 refusals, both signed; any other status says nothing trustworthy.
func decode[T any](c *Client, path string, r *reply) (*Response[T], error) {
	if r.status != http.StatusOK && r.status != http.StatusBadRequest {
		return nil, fmt.Errorf("%w: %s answered %d", ErrHTTPStatus, path, r.status)
	}
	timestamp := r.header.Get(HeaderTimestamp)
	if timestamp == "" {
		return nil, fmt.Errorf("%w: %s: missing %s header", ErrMalformedResponse, path, HeaderTimestamp)
	}
	msg := Message{Timestamp: timestamp, Path: c.pathPrefix + path, Body: r.body}
	if err := msg.Verify(c.walletKey, r.header.Get(HeaderSignature)); err != nil {
		return nil, fmt.Errorf("truemoney: %s: response: %w", path, err)
	}
	var resp Response[T]
	if err := json.Unmarshal(r.body, &resp); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformedResponse, path, err)
	}
	switch {
	case resp.Status.Code == "":
		return nil, fmt.Errorf("%w: %s: no status code", ErrMalformedResponse, path)
	case r.status == http.StatusBadRequest && resp.Status.Code == StatusSuccess:
		return nil, fmt.Errorf("%w: %s: HTTP 400 with a success status", ErrMalformedResponse, path)
	}
	return &resp, nil
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
