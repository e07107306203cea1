// Package partnerhttp is the HTTP transport every partner-API client of a
// scheme adapter uses: bounded connections to the wallet, kept for reuse; no
// redirects followed; every exchange bounded in time; every answer read
// whole and bounded in size.
//
// It knows nothing of a wallet's API: the caller builds and signs the body
// and headers, and maps the answer's status, headers and body to its own
// results and errors. Every error of a Post, like every status the caller
// does not expect, leaves the outcome unknown: the request may have reached
// the wallet and money may have moved.
//
//	hc, err := partnerhttp.New(partnerhttp.Config{Timeout: cfg.Timeout})
//	defer hc.Close()
//	answer, err := hc.Post(ctx, baseURL+path, header, body)
//	if err != nil {
//		return fmt.Errorf("wallet: %s: %w", path, err)
//	}
package partnerhttp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"time"
)

// Defaults of Config.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultMaxResponseBytes = 1 << 20
	DefaultMaxConnsPerHost  = 64
)

// ErrResponseTooLarge is wrapped by a Post, or a ReadBody, whose answer
// exceeded the size limit.
var ErrResponseTooLarge = errors.New("partnerhttp: response too large")

// Config configures a Client. The zero value of each field takes the
// default named.
type Config struct {
	// Timeout bounds each Post, from sending the request to reading the
	// whole answer. The caller's context can only shorten it. Default 10s.
	Timeout time.Duration
	// MaxResponseBytes bounds an answer's body. Default 1 MiB.
	MaxResponseBytes int64
	// MaxConnsPerHost bounds the connections to the wallet, idle or busy;
	// calls beyond it wait for a free connection within their timeout.
	// Default 64.
	MaxConnsPerHost int
}

// Client posts requests to one partner API. It is safe for concurrent use.
type Client struct {
	cfg       Config // defaults applied
	transport *http.Transport
	http      *http.Client
}

// Response is an answer read whole, whatever its status.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// New checks cfg and returns a Client. No connection is opened until the
// first Post.
func New(cfg Config) (*Client, error) {
	if cfg.Timeout < 0 || cfg.MaxResponseBytes < 0 || cfg.MaxConnsPerHost < 0 {
		return nil, errors.New("partnerhttp: Timeout, MaxResponseBytes and MaxConnsPerHost must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxResponseBytes == 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.MaxConnsPerHost == 0 {
		cfg.MaxConnsPerHost = DefaultMaxConnsPerHost
	}
	transport := newTransport(cfg.MaxConnsPerHost)
	return &Client{
		cfg:       cfg,
		transport: transport,
		http: &http.Client{
			Transport: transport,
			// A money-moving POST is never followed elsewhere: a redirect
			// would resend it, with its signature or secret, to another
			// place. The redirect itself is returned as the answer.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
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

// Config returns the client's configuration with its defaults applied, for
// a caller that bounds a sequence of exchanges (a token fetch and a retry,
// say) by the same limits.
func (c *Client) Config() Config {
	return c.cfg
}

// HTTPClient returns the client's *http.Client, for a request Post does not
// make (a form-encoded token request, say). It shares the connections and
// follows no redirects, but bounds neither time nor size: the caller does,
// with its context and ReadBody.
func (c *Client) HTTPClient() *http.Client {
	return c.http
}

// Post sends body to url with header, bounded by Config.Timeout, and reads
// the answer whole. Any status is an answer, a redirect's included; an
// error means no answer was read. A transport error is the *url.Error of
// http.Client.Do, which names url; the others say what failed ("build
// request", "read response"). None contains body or header, which may hold
// a payment code or a secret; the caller adds its own name and the path.
func (c *Client) Post(ctx context.Context, url string, header http.Header, body []byte) (*Response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	maps.Copy(req.Header, header)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := ReadBody(resp.Body, c.cfg.MaxResponseBytes)
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// Close closes idle connections. Posts still under way are not affected.
func (c *Client) Close() {
	c.transport.CloseIdleConnections()
}

// ReadBody reads all of r, failing with ErrResponseTooLarge once more than
// limit bytes arrive: a wallet, or whatever answers in its place, cannot
// make the caller hold more.
func ReadBody(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: over %d bytes", ErrResponseTooLarge, limit)
	}
	return data, nil
}
