package truemoney

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
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
	// It is partnerhttp's, which every partner-API client shares.
	ErrResponseTooLarge = partnerhttp.ErrResponseTooLarge
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
// every call in time and size, and reuses connections (partnerhttp does
// the last two). It is safe for concurrent use.
type Client struct {
	baseURL string
	// pathPrefix is BaseURL's path, which the wallet sees in front of each
	// endpoint's path and signs its answers over.
	pathPrefix string
	clientID   string
	privateKey *rsa.PrivateKey
	walletKey  *rsa.PublicKey
	keyVersion string
	now        func() time.Time
	http       *partnerhttp.Client
	tokens     *TokenSource
}

// NewClient checks cfg and returns a Client. No request is sent until the
// first call, which fetches the first token.
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
		return nil, fmt.Errorf("truemoney: %w", err)
	}
	baseURL := strings.TrimSuffix(cfg.BaseURL, "/")
	u, _ := url.Parse(baseURL) // checked by checkClientConfig
	limits := httpClient.Config()
	tokens, err := NewTokenSource(TokenSourceConfig{
		URL:          baseURL + PathToken,
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		// No redirect is followed for the token request either: it
		// carries the client secret.
		HTTPClient:       httpClient.HTTPClient(),
		RefreshMargin:    cfg.TokenRefreshMargin,
		Timeout:          limits.Timeout,
		MaxResponseBytes: limits.MaxResponseBytes,
		Now:              cfg.Now,
	})
	if err != nil {
		return nil, err
	}
	return &Client{
		baseURL:    baseURL,
		pathPrefix: u.EscapedPath(),
		clientID:   cfg.ClientID,
		privateKey: cfg.PrivateKey,
		walletKey:  cfg.WalletPublicKey,
		keyVersion: cfg.KeyVersion,
		now:        cfg.Now,
		http:       httpClient,
		tokens:     tokens,
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
	case cfg.TokenRefreshMargin < 0:
		return errors.New("truemoney: TokenRefreshMargin must not be negative")
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
	c.http.Close()
}

// tokenRejected reports whether the wallet refused the access token: HTTP
// 401, or TrueMoney's own form, HTTP 400 with an invalid- or expired-token
// status. The body is not trusted for anything else: resending with a new
// token is safe whoever sent the answer, as the request is idempotent.
func tokenRejected(r *partnerhttp.Response) bool {
	if r.Status == http.StatusUnauthorized {
		return true
	}
	if r.Status != http.StatusBadRequest {
		return false
	}
	var resp Response[struct{}]
	if json.Unmarshal(r.Body, &resp) != nil {
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
	// The call's timeout covers the token fetch and a resend too; each
	// Post's own bound, as long, starts later and so never ends first.
	ctx, cancel := context.WithTimeout(ctx, c.http.Config().Timeout)
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
		if tokenRejected(r) {
			if attempt == 1 {
				c.tokens.Invalidate(token)
				continue
			}
			return nil, fmt.Errorf("%w: %s answered %d", ErrUnauthorized, path, r.Status)
		}
		return decode[T](c, path, r)
	}
}

// send posts the signed body with token and reads the answer whole.
func (c *Client) send(ctx context.Context, path, token string, body []byte) (*partnerhttp.Response, error) {
	timestamp := strconv.FormatInt(c.now().Unix(), 10)
	signature, err := Message{Timestamp: timestamp, Body: body}.Sign(c.privateKey, c.keyVersion)
	if err != nil {
		return nil, err
	}
	header := make(http.Header)
	header.Set("Content-Type", "application/json")
	header.Set(HeaderAuthorization, "Bearer "+token)
	header.Set(HeaderClientID, c.clientID)
	header.Set(HeaderTimestamp, timestamp)
	header.Set(HeaderSignature, signature)
	answer, err := c.http.Post(ctx, c.baseURL+path, header, body)
	if err != nil {
		return nil, fmt.Errorf("truemoney: %s: %w", path, redactURLError(err))
	}
	return answer, nil
}

// decode verifies and decodes an answer. HTTP 200 carries outcomes and
// HTTP 400 refusals, both signed; any other status says nothing trustworthy.
func decode[T any](c *Client, path string, r *partnerhttp.Response) (*Response[T], error) {
	if r.Status != http.StatusOK && r.Status != http.StatusBadRequest {
		return nil, fmt.Errorf("%w: %s answered %d", ErrHTTPStatus, path, r.Status)
	}
	timestamp := r.Header.Get(HeaderTimestamp)
	if timestamp == "" {
		return nil, fmt.Errorf("%w: %s: missing %s header", ErrMalformedResponse, path, HeaderTimestamp)
	}
	msg := Message{Timestamp: timestamp, Path: c.pathPrefix + path, Body: r.Body}
	if err := msg.Verify(c.walletKey, r.Header.Get(HeaderSignature)); err != nil {
		return nil, fmt.Errorf("truemoney: %s: response: %w", path, err)
	}
	var resp Response[T]
	if err := json.Unmarshal(r.Body, &resp); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformedResponse, path, err)
	}
	switch {
	case resp.Status.Code == "":
		return nil, fmt.Errorf("%w: %s: no status code", ErrMalformedResponse, path)
	case r.Status == http.StatusBadRequest && resp.Status.Code == StatusSuccess:
		return nil, fmt.Errorf("%w: %s: HTTP 400 with a success status", ErrMalformedResponse, path)
	}
	return &resp, nil
}
