package truemoney

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/schemes/internal/adaptertest"
)

const (
	testClientID     = "TMN-PARTNER-0001"
	testClientSecret = "s3cr3t-never-logged"
)

// tokenServer is a token endpoint that counts the tokens it issues and can
// hold its answers until released.
type tokenServer struct {
	*httptest.Server
	expiresIn int64
	body      string // when set, answered instead of a token

	mu      sync.Mutex
	issued  int
	hold    chan struct{} // when set, each answer waits for it to close
	arrived chan struct{} // when set, signalled as each request arrives
}

func newTokenServer(t *testing.T, expiresIn int64) *tokenServer {
	t.Helper()
	s := &tokenServer{expiresIn: expiresIn}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *tokenServer) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" ||
		r.PostForm.Get("client_id") != testClientID || r.PostForm.Get("client_secret") != testClientSecret {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid_client","error_description":"Invalid client credentials"}`)
		return
	}
	s.mu.Lock()
	s.issued++
	n, hold, arrived := s.issued, s.hold, s.arrived
	s.mu.Unlock()
	if arrived != nil {
		arrived <- struct{}{}
	}
	if hold != nil {
		<-hold
	}
	if s.body != "" {
		fmt.Fprint(w, s.body)
		return
	}
	json.NewEncoder(w).Encode(TokenResponse{AccessToken: fmt.Sprintf("token-%d", n), TokenType: "bearer", ExpiresIn: s.expiresIn})
}

func (s *tokenServer) issuedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

func newTestTokenSource(t *testing.T, url string, clock *adaptertest.Clock) *TokenSource {
	t.Helper()
	src, err := NewTokenSource(TokenSourceConfig{URL: url, ClientID: testClientID, ClientSecret: testClientSecret,
		RefreshMargin: time.Minute, Now: clock.Now})
	if err != nil {
		t.Fatalf("NewTokenSource: %v", err)
	}
	return src
}

func mustToken(t *testing.T, src *TokenSource) string {
	t.Helper()
	token, err := src.Token(t.Context())
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	return token
}

func TestTokenIsReusedUntilTheRefreshMarginBeforeItsExpiry(t *testing.T) {
	server, clock := newTokenServer(t, 3600), adaptertest.NewClock()
	src := newTestTokenSource(t, server.URL, clock)
	first := mustToken(t, src)
	if again := mustToken(t, src); again != first || server.issuedCount() != 1 {
		t.Fatalf("second Token = %q after %d fetches, want %q from one", again, server.issuedCount(), first)
	}
	clock.Advance(time.Hour - time.Minute - time.Second)
	if still := mustToken(t, src); still != first {
		t.Fatalf("Token one second before the margin = %q, want the first %q", still, first)
	}
	clock.Advance(2 * time.Second)
	if renewed := mustToken(t, src); renewed == first || server.issuedCount() != 2 {
		t.Fatalf("Token inside the margin = %q after %d fetches, want a new one", renewed, server.issuedCount())
	}
}

func TestShortLivedTokenIsRenewedAtHalfItsLifetime(t *testing.T) {
	server, clock := newTokenServer(t, 60), adaptertest.NewClock()
	src := newTestTokenSource(t, server.URL, clock)
	first := mustToken(t, src)
	clock.Advance(29 * time.Second)
	if mustToken(t, src) != first {
		t.Fatal("token renewed before half its lifetime")
	}
	clock.Advance(time.Second)
	if mustToken(t, src) == first {
		t.Fatal("token of 60 s with a margin of 60 s still used at 30 s")
	}
}

func TestInvalidateDropsOnlyTheCurrentToken(t *testing.T) {
	server, clock := newTokenServer(t, 3600), adaptertest.NewClock()
	src := newTestTokenSource(t, server.URL, clock)
	first := mustToken(t, src)
	src.Invalidate(first)
	second := mustToken(t, src)
	if second == first || server.issuedCount() != 2 {
		t.Fatalf("after Invalidate: %q in %d fetches", second, server.issuedCount())
	}
	src.Invalidate(first) // a late report about the old token
	if mustToken(t, src) != second || server.issuedCount() != 2 {
		t.Fatal("invalidating a token already replaced fetched another")
	}
}

func TestConcurrentCallersShareOneTokenFetch(t *testing.T) {
	server, clock := newTokenServer(t, 3600), adaptertest.NewClock()
	server.hold, server.arrived = make(chan struct{}), make(chan struct{}, 100)
	src := newTestTokenSource(t, server.URL, clock)
	const callers = 50
	tokens := make(chan string, callers)
	var wg sync.WaitGroup
	call := func() {
		defer wg.Done()
		token, err := src.Token(t.Context())
		if err != nil {
			t.Errorf("Token: %v", err)
		}
		tokens <- token
	}
	wg.Add(1)
	go call()
	<-server.arrived // the fetch is under way and held
	for range callers - 1 {
		wg.Add(1)
		go call()
	}
	close(server.hold)
	wg.Wait()
	close(tokens)
	for token := range tokens {
		if token != "token-1" {
			t.Errorf("a caller got %q, want token-1", token)
		}
	}
	if n := server.issuedCount(); n != 1 || src.Fetches() != 1 {
		t.Fatalf("%d callers caused %d token requests (source counted %d), want 1", callers, n, src.Fetches())
	}
}

func TestTokenFailuresAreErrorsWithoutTheSecret(t *testing.T) {
	cases := map[string]func(*tokenServer, *TokenSourceConfig){
		"wrong secret":    func(_ *tokenServer, c *TokenSourceConfig) { c.ClientSecret = "wrong-" + testClientSecret },
		"no access token": func(s *tokenServer, _ *TokenSourceConfig) { s.body = `{"token_type":"bearer","expires_in":60}` },
		"other token type": func(s *tokenServer, _ *TokenSourceConfig) {
			s.body = `{"access_token":"x","token_type":"mac","expires_in":60}`
		},
		"no lifetime": func(s *tokenServer, _ *TokenSourceConfig) { s.body = `{"access_token":"x","token_type":"bearer"}` },
		"not JSON":    func(s *tokenServer, _ *TokenSourceConfig) { s.body = `<html>` },
		"unreachable": func(_ *tokenServer, c *TokenSourceConfig) { c.URL = "http://127.0.0.1:1/token" },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			server := newTokenServer(t, 3600)
			cfg := TokenSourceConfig{URL: server.URL, ClientID: testClientID, ClientSecret: testClientSecret}
			change(server, &cfg)
			src, err := NewTokenSource(cfg)
			if err != nil {
				t.Fatalf("NewTokenSource: %v", err)
			}
			_, err = src.Token(t.Context())
			if !errors.Is(err, ErrToken) {
				t.Fatalf("Token = %v, want ErrToken", err)
			}
			if strings.Contains(err.Error(), testClientSecret) {
				t.Fatalf("error shows the secret: %v", err)
			}
		})
	}
}

func TestNewTokenSourceRefusesIncompleteConfig(t *testing.T) {
	good := TokenSourceConfig{URL: "https://wallet.test/token", ClientID: "c", ClientSecret: "s"}
	bad := map[string]func(*TokenSourceConfig){
		"no URL":           func(c *TokenSourceConfig) { c.URL = "" },
		"relative URL":     func(c *TokenSourceConfig) { c.URL = "/token" },
		"no client id":     func(c *TokenSourceConfig) { c.ClientID = "" },
		"no secret":        func(c *TokenSourceConfig) { c.ClientSecret = "" },
		"negative margin":  func(c *TokenSourceConfig) { c.RefreshMargin = -time.Second },
		"negative timeout": func(c *TokenSourceConfig) { c.Timeout = -time.Second },
	}
	for name, change := range bad {
		cfg := good
		change(&cfg)
		if _, err := NewTokenSource(cfg); err == nil {
			t.Errorf("%s: NewTokenSource succeeded", name)
		}
	}
	if _, err := NewTokenSource(good); err != nil {
		t.Fatalf("NewTokenSource(good) = %v", err)
	}
}
