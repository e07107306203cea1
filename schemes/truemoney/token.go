package truemoney

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/meridian-gw/meridian/schemes/contract"
	"github.com/meridian-gw/meridian/schemes/partnerhttp"
)

// Defaults of TokenSourceConfig.
const (
	DefaultTokenRefreshMargin = time.Minute
	DefaultTokenTimeout       = 10 * time.Second
)

// maxTokenLength bounds an access token accepted from the token endpoint.
const maxTokenLength = 8 << 10

// maxTokenLifetimeSeconds caps the lifetime a token endpoint claims (a
// day), so a wrong expires_in cannot keep a token in use for ever.
const maxTokenLifetimeSeconds = 24 * 60 * 60

// ErrToken is wrapped by every failure to obtain an access token.
var ErrToken = errors.New("truemoney: no access token")

// TokenSourceConfig configures a TokenSource. Fields marked required have
// no default; for the others the zero value takes the default named.
type TokenSourceConfig struct {
	// URL is the token endpoint, e.g. BaseURL + PathToken. Required.
	URL string
	// ClientID and ClientSecret are the partner's OAuth client
	// credentials. Required. The secret is sent only to URL and never
	// appears in errors.
	ClientID     string
	ClientSecret string
	// HTTPClient sends the token requests. Default http.DefaultClient.
	HTTPClient *http.Client
	// RefreshMargin is how long before its expiry a token is replaced, so
	// that no request leaves with a token about to expire. A token whose
	// whole lifetime is shorter than twice the margin is replaced at half
	// its lifetime. Default one minute.
	RefreshMargin time.Duration
	// Timeout bounds one token request. Default 10s.
	Timeout time.Duration
	// MaxResponseBytes bounds a token response. Default 1 MiB.
	MaxResponseBytes int64
	// Now is the clock of token lifetimes. Default time.Now.
	Now func() time.Time
}

// TokenSource hands out access tokens of the OAuth 2.0 client-credentials
// grant: it keeps the current token and fetches a new one when it is close
// to its expiry or reported rejected. However many callers need a token at
// once, one fetch runs; the others wait for it. It is safe for concurrent
// use.
type TokenSource struct {
	cfg TokenSourceConfig

	mu        sync.Mutex
	token     string      // guarded by mu; "" when none is usable
	refreshAt time.Time   // guarded by mu; when token stops being handed out
	fetching  *tokenFetch // guarded by mu; the fetch under way, nil if none
	fetches   int         // guarded by mu; token requests sent, for tests and metrics
}

// tokenFetch is one token request that callers wait for.
type tokenFetch struct {
	done  chan struct{} // closed when token and err are set
	token string
	err   error
}

// NewTokenSource checks cfg and returns a TokenSource holding no token yet.
func NewTokenSource(cfg TokenSourceConfig) (*TokenSource, error) {
	u, err := url.Parse(cfg.URL)
	switch {
	case cfg.URL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return nil, fmt.Errorf("truemoney: token URL %q: want an absolute http(s) URL", cfg.URL)
	case cfg.ClientID == "" || cfg.ClientSecret == "":
		return nil, errors.New("truemoney: ClientID and ClientSecret are required")
	case cfg.RefreshMargin < 0 || cfg.Timeout < 0 || cfg.MaxResponseBytes < 0:
		return nil, errors.New("truemoney: RefreshMargin, Timeout and MaxResponseBytes must not be negative")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.RefreshMargin == 0 {
		cfg.RefreshMargin = DefaultTokenRefreshMargin
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTokenTimeout
	}
	if cfg.MaxResponseBytes == 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &TokenSource{cfg: cfg}, nil
}

// Token returns a usable access token, fetching one if there is none. It
// waits for the fetch at most until ctx ends; the fetch itself goes on for
// the callers still waiting, bounded by the configured Timeout.
func (s *TokenSource) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	if s.token != "" && s.cfg.Now().Before(s.refreshAt) {
		token := s.token
		s.mu.Unlock()
		return token, nil
	}
	f := s.fetching
	if f == nil {
		f = &tokenFetch{done: make(chan struct{})}
		s.fetching = f
		s.fetches++
		go s.fetch(f)
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		return "", fmt.Errorf("%w: %w", ErrToken, ctx.Err())
	}
}

// Invalidate reports that the wallet rejected token (HTTP 401, token
// invalid or expired): if it is still the current one it is dropped, and
// the next Token fetches another. A token already replaced is left alone,
// so many callers rejected at once cause one fetch, not one each.
func (s *TokenSource) Invalidate(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if token != "" && s.token == token {
		s.token = ""
	}
}

// Fetches returns how many token requests the source has sent.
func (s *TokenSource) Fetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

// fetch runs one token request and hands its result to every waiter.
func (s *TokenSource) fetch(f *tokenFetch) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
	defer cancel()
	issued := s.cfg.Now()
	resp, err := s.request(ctx)
	s.mu.Lock()
	if err == nil {
		s.token, s.refreshAt = resp.AccessToken, issued.Add(s.useFor(resp.ExpiresIn))
		f.token = resp.AccessToken
	}
	f.err = err
	s.fetching = nil
	s.mu.Unlock()
	close(f.done)
}

// useFor is how long a token that lives expiresIn seconds is handed out.
func (s *TokenSource) useFor(expiresIn int64) time.Duration {
	expiresIn = min(expiresIn, maxTokenLifetimeSeconds)
	lifetime := time.Duration(expiresIn) * time.Second
	if lifetime < 2*s.cfg.RefreshMargin {
		return lifetime / 2
	}
	return lifetime - s.cfg.RefreshMargin
}

// request sends the client-credentials request: the credentials as form
// fields, and the client id also as a header, as TrueMoney documents.
func (s *TokenSource) request(ctx context.Context) (*TokenResponse, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {s.cfg.ClientID},
		"client_secret": {s.cfg.ClientSecret},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%w: build request: %v", ErrToken, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("client_id", s.cfg.ClientID)
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrToken, redactURLError(err))
	}
	defer resp.Body.Close()
	data, err := partnerhttp.ReadBody(resp.Body, s.cfg.MaxResponseBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: read response: %v", ErrToken, err)
	}
	if resp.StatusCode != http.StatusOK {
		var refusal TokenError
		json.Unmarshal(data, &refusal)
		return nil, fmt.Errorf("%w: token endpoint answered %d %s", ErrToken, resp.StatusCode, contract.SchemeText(refusal.Error))
	}
	var token TokenResponse
	if err := json.Unmarshal(data, &token); err != nil {
		return nil, fmt.Errorf("%w: malformed response: %v", ErrToken, err)
	}
	switch {
	case token.AccessToken == "" || len(token.AccessToken) > maxTokenLength:
		return nil, fmt.Errorf("%w: response holds no usable access_token", ErrToken)
	case !strings.EqualFold(token.TokenType, "bearer"):
		return nil, fmt.Errorf("%w: token_type %q, want Bearer", ErrToken, contract.SchemeText(token.TokenType))
	case token.ExpiresIn <= 0:
		return nil, fmt.Errorf("%w: expires_in %d, want a positive lifetime", ErrToken, token.ExpiresIn)
	}
	return &token, nil
}

// redactURLError drops the URL from a transport error: it names only the
// token endpoint here, but the same care is taken for every call.
func redactURLError(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}
