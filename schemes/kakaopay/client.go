package kakaopay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/meridian-gw/meridian/schemes/credentials"
	"github.com/meridian-gw/meridian/schemes/partnerhttp"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// Defaults of ClientConfig.
const (
	DefaultHTTPTimeout      = partnerhttp.DefaultTimeout
	DefaultMaxResponseBytes = partnerhttp.DefaultMaxResponseBytes
	DefaultMaxConnsPerHost  = partnerhttp.DefaultMaxConnsPerHost
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
	// It is partnerhttp's, which every partner-API client shares.
	ErrResponseTooLarge = partnerhttp.ErrResponseTooLarge
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
// header, bounding every call in time and size and reusing connections
// (partnerhttp does those). It is safe for concurrent use.
type Client struct {
	baseURL       string
	authorization string
	http          *partnerhttp.Client
}

// NewClient checks cfg and returns a Client.
func NewClient(cfg ClientConfig) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case cfg.BaseURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return nil, fmt.Errorf("kakaopay: BaseURL %q: want an absolute http(s) URL", cfg.BaseURL)
	case credentials.CheckSecret(cfg.SecretKey) != nil:
		return nil, errors.New("kakaopay: SecretKey is required, without spaces")
	}
	httpClient, err := partnerhttp.New(partnerhttp.Config{
		Timeout:          cfg.Timeout,
		MaxResponseBytes: cfg.MaxResponseBytes,
		MaxConnsPerHost:  cfg.MaxConnsPerHost,
	})
	if err != nil {
		return nil, fmt.Errorf("kakaopay: %w", err)
	}
	return &Client{
		baseURL:       strings.TrimSuffix(cfg.BaseURL, "/"),
		authorization: AuthorizationScheme + " " + cfg.SecretKey,
		http:          httpClient,
	}, nil
}

// Ready calls POST /online/v1/payment/ready.
func (c *Client) Ready(ctx context.Context, req *ReadyRequest) (*ReadyResponse, error) {
	return call[ReadyResponse](ctx, c, PathReady, req)
}

// Barcode calls the modelled POST /offline/v1/payment/barcode.
func (c *Client) Barcode(ctx context.Context, req *BarcodeRequest) (*PaymentResponse, error) {
	return call[PaymentResponse](ctx, c, PathBarcode, req)
}

// Order calls POST /online/v1/payment/order.
func (c *Client) Order(ctx context.Context, req *OrderRequest) (*OrderResponse, error) {
	return call[OrderResponse](ctx, c, PathOrder, req)
}

// Cancel calls POST /online/v1/payment/cancel.
func (c *Client) Cancel(ctx context.Context, req *CancelRequest) (*CancelResponse, error) {
	return call[CancelResponse](ctx, c, PathCancel, req)
}

// Close closes idle connections. Calls still under way are not affected.
func (c *Client) Close() {
	c.http.Close()
}

// call posts req as JSON to path and decodes a 200 answer. A 4xx answer
// with KakaoPay's error body is returned as *Error. Errors never contain
// the request body, which may hold a barcode, nor the secret.
func call[T any](ctx context.Context, c *Client, path string, req any) (*T, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("kakaopay: %s: encode request: %w", path, err)
	}
	header := make(http.Header)
	header.Set("Authorization", c.authorization)
	header.Set("Content-Type", "application/json")
	answer, err := c.http.Post(ctx, c.baseURL+path, header, body)
	if err != nil {
		return nil, fmt.Errorf("kakaopay: %s: %w", path, err)
	}
	switch status := answer.Status; {
	case status == http.StatusOK:
		var resp T
		if err := json.Unmarshal(answer.Body, &resp); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrMalformedResponse, path, err)
		}
		return &resp, nil
	case status >= 400 && status < 500:
		return nil, apiError(path, status, answer.Body)
	default:
		return nil, fmt.Errorf("%w: %s answered %d%s", ErrHTTPStatus, path, status, errorCodeOf(answer.Body))
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
