package kakaopay

import (
	"bytes"
	"context"
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

	"github.com/meridian-gw/meridian/schemes/credentials"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// Defaults of ClientConfig.
const (
	DefaultHTTPTimeout      = 10 * time.Second
	DefaultMaxResponseBytes = 1 << 20
	DefaultMaxConnsPerHost  = 64
)

// Errors of Client calls other than *Error. Each of them means the caller
// cannot know what KakaoPay did: the request may have been processed and
// money may have moved.
var (
	// ErrHTTPStatus: KakaoPay answered with a server error (5xx), or with a
	// status that is neither success nor one of its error answers.
	ErrHTTPStatus = errors.New("kakaopay: unexpected HTTP status")
	// ErrMalformedResponse: the body was not the JSON expected.
	ErrMalformedResponse = errors.New("kakaopay: malformed response")
	// ErrResponseTooLarge: the body exceeded ClientConfig.MaxResponseBytes.
	ErrResponseTooLarge = errors.New("kakaopay: response too large")
)

// Error is KakaoPay's refusal of a request: an HTTP 4xx status with its
// error body. Unlike the other errors of a call it is an answer: KakaoPay
// read the request and says what it did not do (results.go says which codes
// still leave the outcome open).
type Error struct {
	HTTPStatus int
	Path       string
	ErrorResponse
}

func (e *Error) Error() string {
	s := fmt.Sprintf("kakaopay: %s answered %d, error_code %d: %s", e.Path, e.HTTPStatus, e.ErrorCode, walletcode.Scrub(e.ErrorMessage))
	if e.Extras != nil && e.Extras.MethodResultCode != "" {
		s += " (" + walletcode.Scrub(e.Extras.MethodResultCode) + ")"
	}
	return s
}

// ClientConfig configures a Client. Fields marked required have no default;
// for the others the zero value takes the default named.
type ClientConfig struct {
	// BaseURL is the scheme and host of the KakaoPay API, optionally with a
	// path prefix, e.g. "https://open-api.kakaopay.com". Required.
	BaseURL string
	// SecretKey authenticates every request ("Authorization: SECRET_KEY
	// ..."); see credentials.LoadSecret. Required. Never logged.
	SecretKey string
	// Timeout bounds each call, from sending the request to reading the whole
	// response. The caller's context can only shorten it. Default 10s.
	Timeout time.Duration
	// MaxResponseBytes bounds a response body. Default 1 MiB.
	MaxResponseBytes int64
	// MaxConnsPerHost bounds the connections to KakaoPay, idle or busy;
	// calls beyond it wait for a free connection within their timeout.
	// Default 64.
	MaxConnsPerHost int
}

// Client calls the KakaoPay partner API with JSON bodies and the secret key
// header, bounding every call in time and size and reusing connections. It
// is safe for concurrent use.
type Client struct {
	baseURL       string
	authorization string
	timeout       time.Duration
	maxResponse   int64
	transport     *http.Transport
	http          *http.Client
}

// NewClient checks cfg and returns a Client.
func NewClient(cfg ClientConfig) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case cfg.BaseURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return nil, fmt.Errorf("kakaopay: BaseURL %q: want an absolute http(s) URL", cfg.BaseURL)
	case credentials.CheckSecret(cfg.SecretKey) != nil:
		return nil, errors.New("kakaopay: SecretKey is required, without spaces")
	case cfg.Timeout < 0 || cfg.MaxResponseBytes < 0 || cfg.MaxConnsPerHost < 0:
		return nil, errors.New("kakaopay: Timeout, MaxResponseBytes and MaxConnsPerHost must not be negative")
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
	transport := newTransport(cfg.MaxConnsPerHost)
	return &Client{
		baseURL:       strings.TrimSuffix(cfg.BaseURL, "/"),
		authorization: AuthorizationScheme + " " + cfg.SecretKey,
		timeout:       cfg.Timeout,
		maxResponse:   cfg.MaxResponseBytes,
		transport:     transport,
		http: &http.Client{
			Transport: transport,
			// A money-moving POST is never followed elsewhere: a redirect
			// would resend it, with the secret, to another place.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// newTransport keeps up to maxConns connections to KakaoPay open for reuse:
// a TLS handshake costs more than a payment's own round trip.
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

// Ready calls POST /online/v1/payment/ready.
func (c *Client) Ready(ctx context.Context, req *ReadyRequest) (*ReadyResponse, error) {
	var resp ReadyResponse
	if err := c.call(ctx, PathReady, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Barcode calls the modelled POST /offline/v1/payment/barcode.
func (c *Client) Barcode(ctx context.Context, req *BarcodeRequest) (*PaymentResponse, error) {
	var resp PaymentResponse
	if err := c.call(ctx, PathBarcode, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Order calls POST /online/v1/payment/order.
func (c *Client) Order(ctx context.Context, req *OrderRequest) (*OrderResponse, error) {
	var resp OrderResponse
	if err := c.call(ctx, PathOrder, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Cancel calls POST /online/v1/payment/cancel.
func (c *Client) Cancel(ctx context.Context, req *CancelRequest) (*CancelResponse, error) {
	var resp CancelResponse
	if err := c.call(ctx, PathCancel, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Close closes idle connections. Calls still under way are not affected.
func (c *Client) Close() {
	c.transport.CloseIdleConnections()
}

// call posts req as JSON to path and decodes a 200 answer into resp. A 4xx
// answer with KakaoPay's error body is returned as *Error. Errors never
// contain the request body, which may hold a barcode, nor the secret.
func (c *Client) call(ctx context.Context, path string, req, resp any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("kakaopay: %s: encode request: %w", path, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("kakaopay: %s: build request: %w", path, err)
	}
	httpReq.Header.Set("Authorization", c.authorization)
	httpReq.Header.Set("Content-Type", "application/json")
	httpResp, err := c.http.Do(httpReq)
	if err != nil {
		return fmt.Errorf("kakaopay: %s: %w", path, err)
	}
	defer httpResp.Body.Close()
	data, err := readBounded(httpResp.Body, c.maxResponse)
	if err != nil {
		return fmt.Errorf("kakaopay: %s: read response: %w", path, err)
	}
	switch status := httpResp.StatusCode; {
	case status == http.StatusOK:
		if err := json.Unmarshal(data, resp); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrMalformedResponse, path, err)
		}
		return nil
	case status >= 400 && status < 500:
		return apiError(path, status, data)
	default:
		return fmt.Errorf("%w: %s answered %d%s", ErrHTTPStatus, path, status, errorCodeOf(data))
	}
}

// apiError reads KakaoPay's error body of a 4xx answer. A 4xx without one
// (a proxy's page, say) is not KakaoPay's answer, so its outcome is unknown.
func apiError(path string, status int, data []byte) error {
	var body ErrorResponse
	if err := json.Unmarshal(data, &body); err != nil || body.ErrorCode >= 0 {
		return fmt.Errorf("%w: %s answered %d without a KakaoPay error body", ErrHTTPStatus, path, status)
	}
	return &Error{HTTPStatus: status, Path: path, ErrorResponse: body}
}

// errorCodeOf names the error code of a server error's body, when it has
// one, for logs.
func errorCodeOf(data []byte) string {
	var body ErrorResponse
	if json.Unmarshal(data, &body) != nil || body.ErrorCode == 0 {
		return ""
	}
	return fmt.Sprintf(", error_code %d", body.ErrorCode)
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
