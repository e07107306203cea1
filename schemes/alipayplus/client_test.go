package alipayplus

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testClientID = "TEST_CLIENT"

// walletServer answers every request with body, signed by the wallet key
// unless sign is false, after checking the request signature.
func walletServer(t *testing.T, status int, body string, sign bool) *httptest.Server {
	t.Helper()
	keys := SharedTestKeys()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqBody := readAll(t, r)
		msg := Message{Method: r.Method, Path: r.URL.Path, ClientID: r.Header.Get(HeaderClientID), Time: r.Header.Get(HeaderRequestTime), Body: reqBody}
		if err := msg.Verify(&keys.Acquirer.PublicKey, r.Header.Get(HeaderSignature)); err != nil {
			t.Errorf("request signature: %v", err)
		}
		if sign {
			signResponse(t, w, r.URL.Path, body)
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func signResponse(t *testing.T, w http.ResponseWriter, path, body string) {
	t.Helper()
	now := time.Now().Format(time.RFC3339)
	sig, err := Message{Method: "POST", Path: path, ClientID: testClientID, Time: now, Body: []byte(body)}.Sign(SharedTestKeys().Wallet, "1")
	if err != nil {
		t.Errorf("sign response: %v", err)
	}
	w.Header().Set(HeaderResponseTime, now)
	w.Header().Set(HeaderSignature, sig)
}

func readAll(t *testing.T, r *http.Request) []byte {
	t.Helper()
	data, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("read request: %v", err)
	}
	return data
}

func newTestClient(t *testing.T, baseURL string, change func(*ClientConfig)) *Client {
	t.Helper()
	keys := SharedTestKeys()
	cfg := ClientConfig{BaseURL: baseURL, ClientID: testClientID, PrivateKey: keys.Acquirer, WalletPublicKey: &keys.Wallet.PublicKey}
	if change != nil {
		change(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestClientDecodesAVerifiedResponse(t *testing.T) {
	srv := walletServer(t, http.StatusOK, `{"result":{"resultStatus":"S","resultCode":"SUCCESS"},"paymentId":"P1","walletBrandName":"GCash"}`, true)
	resp, err := newTestClient(t, srv.URL, nil).Pay(context.Background(), &PayRequest{PaymentRequestID: "p-1"})
	if err != nil {
		t.Fatalf("Pay: %v", err)
	}
	if resp.Result.ResultStatus != "S" || resp.PaymentID != "P1" || resp.WalletBrandName != "GCash" {
		t.Fatalf("Pay = %+v", resp)
	}
}

func TestClientTreatsEveryUntrustworthyAnswerAsAnError(t *testing.T) {
	valid := `{"result":{"resultStatus":"S","resultCode":"SUCCESS"}}`
	cases := []struct {
		name   string
		status int
		body   string
		sign   bool
		want   error
	}{
		{"server error", http.StatusInternalServerError, valid, true, ErrHTTPStatus},
		{"bad gateway unsigned", http.StatusBadGateway, "upstream down", false, ErrHTTPStatus},
		{"client error", http.StatusBadRequest, valid, true, ErrHTTPStatus},
		{"unsigned success", http.StatusOK, valid, false, ErrMalformedResponse},
		{"malformed JSON", http.StatusOK, `{"result":`, true, ErrMalformedResponse},
		{"too large", http.StatusOK, `{"x":"` + strings.Repeat("a", 2048) + `"}`, true, ErrResponseTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := walletServer(t, c.status, c.body, c.sign)
			client := newTestClient(t, srv.URL, func(cfg *ClientConfig) { cfg.MaxResponseBytes = 1024 })
			_, err := client.Pay(context.Background(), &PayRequest{PaymentRequestID: "p-1"})
			if !errors.Is(err, c.want) {
				t.Fatalf("Pay error = %v, want %v", err, c.want)
			}
		})
	}
}

func TestClientRejectsAResponseSignedByAnotherKey(t *testing.T) {
	body := `{"result":{"resultStatus":"S","resultCode":"SUCCESS"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now().Format(time.RFC3339)
		sig, _ := Message{Method: "POST", Path: r.URL.Path, ClientID: testClientID, Time: now, Body: []byte(body)}.Sign(SharedTestKeys().Stranger, "1")
		w.Header().Set(HeaderResponseTime, now)
		w.Header().Set(HeaderSignature, sig)
		w.Write([]byte(body))
	}))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL, nil).Pay(context.Background(), &PayRequest{})
	if !errors.Is(err, ErrSignature) {
		t.Fatalf("Pay error = %v, want ErrSignature", err)
	}
}

func TestClientRejectsAResponseSignedForAnotherPath(t *testing.T) {
	body := `{"result":{"resultStatus":"S","resultCode":"SUCCESS"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		signResponse(t, w, PathCancelPayment, body)
		w.Write([]byte(body))
	}))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL, nil).Pay(context.Background(), &PayRequest{})
	if !errors.Is(err, ErrSignature) {
		t.Fatalf("Pay error = %v, want ErrSignature", err)
	}
}

func TestClientCallEndsAtItsTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	client := newTestClient(t, srv.URL, func(cfg *ClientConfig) { cfg.Timeout = 100 * time.Millisecond })
	_, err := client.Pay(context.Background(), &PayRequest{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Pay error = %v, want a deadline error", err)
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	var redirected atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { redirected.Add(1) }))
	defer target.Close()
	srv := httptest.NewServer(http.RedirectHandler(target.URL+PathPay, http.StatusTemporaryRedirect))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL, nil).Pay(context.Background(), &PayRequest{})
	if !errors.Is(err, ErrHTTPStatus) || redirected.Load() != 0 {
		t.Fatalf("Pay error = %v and %d redirected requests, want ErrHTTPStatus and none", err, redirected.Load())
	}
}

func TestNewClientRefusesIncompleteConfig(t *testing.T) {
	keys := SharedTestKeys()
	good := ClientConfig{BaseURL: "https://example.test", ClientID: "C", PrivateKey: keys.Acquirer, WalletPublicKey: &keys.Wallet.PublicKey}
	cases := map[string]func(*ClientConfig){
		"no base URL":       func(c *ClientConfig) { c.BaseURL = "" },
		"relative base URL": func(c *ClientConfig) { c.BaseURL = "/aps" },
		"other scheme":      func(c *ClientConfig) { c.BaseURL = "ftp://example.test" },
		"no client id":      func(c *ClientConfig) { c.ClientID = "" },
		"no private key":    func(c *ClientConfig) { c.PrivateKey = nil },
		"no wallet key":     func(c *ClientConfig) { c.WalletPublicKey = nil },
		"negative timeout":  func(c *ClientConfig) { c.Timeout = -time.Second },
	}
	for name, change := range cases {
		cfg := good
		change(&cfg)
		if _, err := NewClient(cfg); err == nil {
			t.Errorf("%s: NewClient succeeded", name)
		}
	}
	if _, err := NewClient(good); err != nil {
		t.Fatalf("NewClient(good) = %v", err)
	}
}
