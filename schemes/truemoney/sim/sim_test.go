package sim_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/schemes/internal/adaptertest"
	"github.com/meridian-gw/meridian/schemes/simkit"
	"github.com/meridian-gw/meridian/schemes/truemoney"
	"github.com/meridian-gw/meridian/schemes/truemoney/sim"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

const (
	clientID     = "MERIDIAN-SIM-TEST"
	clientSecret = "sim-test-secret-41d2"
	code         = "576400001111222233"
)

type keySet struct{ partner, wallet, stranger *rsa.PrivateKey }

// keys are generated once per test binary: each takes tens of milliseconds.
var keys = sync.OnceValue(func() keySet {
	generate := func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	}
	return keySet{generate(), generate(), generate()}
})

func simConfig() sim.Config {
	return sim.Config{ClientID: clientID, ClientSecret: clientSecret,
		PartnerPublicKey: &keys().partner.PublicKey, WalletPrivateKey: keys().wallet}
}

// startSim serves a simulator on a real HTTP listener; every test ends
// with its ledger reconciling.
func startSim(t *testing.T, change func(*sim.Config)) (*sim.Simulator, *httptest.Server) {
	t.Helper()
	cfg := simConfig()
	if change != nil {
		change(&cfg)
	}
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		if err := s.Ledger().Check(); err != nil {
			t.Errorf("ledger does not reconcile: %v", err)
		}
		s.Close()
		srv.Close()
	})
	return s, srv
}

func newClient(t *testing.T, baseURL string) *truemoney.Client {
	t.Helper()
	c, err := truemoney.NewClient(truemoney.ClientConfig{BaseURL: baseURL, ClientID: clientID, ClientSecret: clientSecret,
		PrivateKey: keys().partner, WalletPublicKey: &keys().wallet.PublicKey, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func payRequest(id string, amount string) *truemoney.PaymentByCodeRequest {
	return &truemoney.PaymentByCodeRequest{ExternalRefID: id, PaymentCode: code, Amount: amount, Currency: "THB",
		Description: "test", Metadata: truemoney.Metadata{MerchantID: "M-1", MerchantName: "Test"}}
}

// fetchToken asks the token endpoint for a token with the form given.
func fetchToken(t *testing.T, baseURL string, form url.Values, basic bool) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, baseURL+truemoney.PathToken, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(clientID, clientSecret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func goodForm() url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {clientSecret}}
}

func token(t *testing.T, baseURL string) string {
	t.Helper()
	resp, body := fetchToken(t, baseURL, goodForm(), false)
	var tok truemoney.TokenResponse
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &tok) != nil || tok.AccessToken == "" {
		t.Fatalf("token endpoint = %d %s", resp.StatusCode, body)
	}
	return tok.AccessToken
}

func TestTokenEndpointIssuesBearerTokensForTheClientCredentials(t *testing.T) {
	_, srv := startSim(t, func(c *sim.Config) { c.TokenTTL = 90 * time.Second })
	for name, basic := range map[string]bool{"form fields": false, "basic authentication": true} {
		t.Run(name, func(t *testing.T) {
			form := goodForm()
			if basic {
				form = url.Values{"grant_type": {"client_credentials"}}
			}
			resp, body := fetchToken(t, srv.URL, form, basic)
			var tok truemoney.TokenResponse
			if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &tok) != nil {
				t.Fatalf("token endpoint = %d %s", resp.StatusCode, body)
			}
			if tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn != 90 {
				t.Fatalf("token = %+v, want a Bearer token for 90 s", tok)
			}
			if resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("Cache-Control = %q, want no-store", resp.Header.Get("Cache-Control"))
			}
		})
	}
}

func TestTokenEndpointRefusesWrongCredentials(t *testing.T) {
	_, srv := startSim(t, nil)
	cases := map[string]struct {
		form   url.Values
		status int
		error  string
	}{
		"wrong secret":   {url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {"guess"}}, 401, "invalid_client"},
		"unknown client": {url.Values{"grant_type": {"client_credentials"}, "client_id": {"OTHER"}, "client_secret": {clientSecret}}, 401, "invalid_client"},
		"other grant":    {url.Values{"grant_type": {"password"}, "client_id": {clientID}, "client_secret": {clientSecret}}, 400, "unsupported_grant_type"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			resp, body := fetchToken(t, srv.URL, c.form, false)
			var refusal truemoney.TokenError
			if resp.StatusCode != c.status || json.Unmarshal(body, &refusal) != nil || refusal.Error != c.error {
				t.Fatalf("token endpoint = %d %s, want %d %s", resp.StatusCode, body, c.status, c.error)
			}
			if strings.Contains(string(body), clientSecret) {
				t.Fatal("refusal echoes the secret")
			}
		})
	}
}

// signedPost sends body to path with a valid token and signature, then lets
// change spoil the request.
func signedPost(t *testing.T, baseURL, path, accessToken string, body []byte, change func(*http.Request)) (*http.Response, []byte) {
	t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sig, err := truemoney.Message{Timestamp: ts, Body: body}.Sign(keys().partner, "1")
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, baseURL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(truemoney.HeaderAuthorization, "Bearer "+accessToken)
	req.Header.Set(truemoney.HeaderClientID, clientID)
	req.Header.Set(truemoney.HeaderTimestamp, ts)
	req.Header.Set(truemoney.HeaderSignature, sig)
	if change != nil {
		change(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

// statusOf returns the status code of a signed answer, failing the test if
// its signature does not verify.
func statusOf(t *testing.T, path string, resp *http.Response, body []byte) string {
	t.Helper()
	msg := truemoney.Message{Timestamp: resp.Header.Get(truemoney.HeaderTimestamp), Path: path, Body: body}
	if err := msg.Verify(&keys().wallet.PublicKey, resp.Header.Get(truemoney.HeaderSignature)); err != nil {
		t.Fatalf("answer signature: %v (%s)", err, body)
	}
	var r truemoney.Response[json.RawMessage]
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
	return r.Status.Code
}

func TestRequestsThatDoNotAuthenticateAreRefusedWithSignedAnswers(t *testing.T) {
	clock := adaptertest.NewClock()
	s, srv := startSim(t, func(c *sim.Config) { c.Now = clock.Now; c.TokenTTL = time.Minute })
	expired := token(t, srv.URL)
	clock.Advance(30 * time.Second)
	good := token(t, srv.URL) // valid until 90 s, past every case below
	body, _ := json.Marshal(payRequest("auth-1", "100.00"))
	cases := []struct {
		name   string
		change func(*http.Request)
		status int
		code   string
	}{
		{"no Authorization", func(r *http.Request) { r.Header.Del(truemoney.HeaderAuthorization) }, 400, truemoney.StatusAuthorizationMissing},
		{"Authorization not Bearer", func(r *http.Request) { r.Header.Set(truemoney.HeaderAuthorization, "Basic abc") }, 400, truemoney.StatusAuthorizationInvalid},
		{"no Client-Id", func(r *http.Request) { r.Header.Del(truemoney.HeaderClientID) }, 400, truemoney.StatusClientIDMissing},
		{"unknown token", func(r *http.Request) { r.Header.Set(truemoney.HeaderAuthorization, "Bearer made-up") }, 401, truemoney.StatusAccessTokenInvalid},
		{"expired token", func(r *http.Request) {
			r.Header.Set(truemoney.HeaderAuthorization, "Bearer "+expired)
			clock.Advance(31 * time.Second) // 61 s after it was issued
		}, 401, truemoney.StatusAccessTokenExpired},
		{"token of another client", func(r *http.Request) { r.Header.Set(truemoney.HeaderClientID, "OTHER") }, 400, truemoney.StatusAccessTokenOfAnotherClient},
		{"no Timestamp", func(r *http.Request) { r.Header.Del(truemoney.HeaderTimestamp) }, 400, truemoney.StatusTimestampMissing},
		{"Timestamp not Unix seconds", func(r *http.Request) { r.Header.Set(truemoney.HeaderTimestamp, "2026-03-01T10:00:00Z") }, 400, truemoney.StatusTimestampInvalid},
		{"no Signature", func(r *http.Request) { r.Header.Del(truemoney.HeaderSignature) }, 400, truemoney.StatusSignatureMissing},
		{"other algorithm", func(r *http.Request) {
			r.Header.Set(truemoney.HeaderSignature, strings.Replace(r.Header.Get(truemoney.HeaderSignature), "rsa-sha256", "rsa-sha1", 1))
		}, 400, truemoney.StatusSignatureAlgorithmInvalid},
		{"Timestamp changed", func(r *http.Request) { r.Header.Set(truemoney.HeaderTimestamp, "1700000000") }, 400, truemoney.StatusSignatureInvalid},
		{"signed by a stranger", func(r *http.Request) {
			sig, _ := truemoney.Message{Timestamp: r.Header.Get(truemoney.HeaderTimestamp), Body: body}.Sign(keys().stranger, "1")
			r.Header.Set(truemoney.HeaderSignature, sig)
		}, 400, truemoney.StatusSignatureInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, data := signedPost(t, srv.URL, truemoney.PathPaymentByCode, good, body, c.change)
			if resp.StatusCode != c.status {
				t.Fatalf("HTTP %d, want %d (%s)", resp.StatusCode, c.status, data)
			}
			if got := statusOf(t, truemoney.PathPaymentByCode, resp, data); got != c.code {
				t.Fatalf("status %s, want %s", got, c.code)
			}
		})
	}
	if n := len(s.Ledger().Payments()); n != 0 {
		t.Fatalf("ledger has %d payments after refused requests", n)
	}
}

func TestTokenStoreIsBounded(t *testing.T) {
	_, srv := startSim(t, func(c *sim.Config) { c.MaxTokens = 2 })
	oldest := token(t, srv.URL)
	token(t, srv.URL)
	newest := token(t, srv.URL)
	body, _ := json.Marshal(&truemoney.InquiryRequest{ExternalRefID: "x"})
	resp, data := signedPost(t, srv.URL, truemoney.PathInquiry, oldest, body, nil)
	if resp.StatusCode != http.StatusUnauthorized || statusOf(t, truemoney.PathInquiry, resp, data) != truemoney.StatusAccessTokenInvalid {
		t.Fatalf("oldest token beyond the bound = %d %s, want 401 020006", resp.StatusCode, data)
	}
	resp, data = signedPost(t, srv.URL, truemoney.PathInquiry, newest, body, nil)
	if resp.StatusCode != http.StatusOK || statusOf(t, truemoney.PathInquiry, resp, data) != truemoney.StatusTransactionNotFound {
		t.Fatalf("newest token = %d %s, want an answer", resp.StatusCode, data)
	}
}

func TestMalformedRequestsAreInvalidRequest(t *testing.T) {
	s, srv := startSim(t, nil)
	tok := token(t, srv.URL)
	bad := map[string]func(*truemoney.PaymentByCodeRequest){
		"no external_ref_id":       func(r *truemoney.PaymentByCodeRequest) { r.ExternalRefID = "" },
		"external_ref_id too long": func(r *truemoney.PaymentByCodeRequest) { r.ExternalRefID = strings.Repeat("x", 65) },
		"amount without decimals":  func(r *truemoney.PaymentByCodeRequest) { r.Amount = "150" },
		"amount with one decimal":  func(r *truemoney.PaymentByCodeRequest) { r.Amount = "150.0" },
		"negative amount":          func(r *truemoney.PaymentByCodeRequest) { r.Amount = "-1.00" },
		"zero amount":              func(r *truemoney.PaymentByCodeRequest) { r.Amount = "0.00" },
		"no payment code":          func(r *truemoney.PaymentByCodeRequest) { r.PaymentCode = "" },
		"no merchant":              func(r *truemoney.PaymentByCodeRequest) { r.Metadata.MerchantID = "" },
		"merchant amount without currency": func(r *truemoney.PaymentByCodeRequest) {
			r.Metadata.MerchantAmount = "9.51"
		},
		"merchant amount with the wrong decimals": func(r *truemoney.PaymentByCodeRequest) {
			r.Metadata.MerchantAmount, r.Metadata.MerchantCurrency = "951", "EUR"
		},
	}
	for name, change := range bad {
		t.Run(name, func(t *testing.T) {
			req := payRequest("bad-1", "100.00")
			change(req)
			body, _ := json.Marshal(req)
			resp, data := signedPost(t, srv.URL, truemoney.PathPaymentByCode, tok, body, nil)
			if resp.StatusCode != http.StatusBadRequest || statusOf(t, truemoney.PathPaymentByCode, resp, data) != truemoney.StatusInvalidRequest {
				t.Fatalf("answer = %d %s, want 400 %s", resp.StatusCode, data, truemoney.StatusInvalidRequest)
			}
		})
	}
	t.Run("body too large", func(t *testing.T) {
		body := []byte(`{"external_ref_id":"` + strings.Repeat("x", sim.DefaultMaxBodyBytes) + `"}`)
		resp, data := signedPost(t, srv.URL, truemoney.PathPaymentByCode, tok, body, nil)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || statusOf(t, truemoney.PathPaymentByCode, resp, data) != truemoney.StatusInvalidRequest {
			t.Fatalf("answer = %d %s, want 413", resp.StatusCode, data)
		}
	})
	if n := len(s.Ledger().Payments()); n != 0 {
		t.Fatalf("ledger has %d payments after malformed requests", n)
	}
}

func TestPayAnswersInTrueMoneysTerms(t *testing.T) {
	s, srv := startSim(t, nil)
	c := newClient(t, srv.URL)
	cases := []struct {
		amount string
		code   string
		status string
	}{
		{"150.00", truemoney.StatusSuccess, truemoney.PaymentStatusSuccess},
		{"150.51", truemoney.StatusInsufficientBalance, truemoney.PaymentStatusFailed},
		{"150.92", truemoney.StatusTransactionInProcess, truemoney.PaymentStatusProcessing},
		{"0.99", truemoney.StatusAmountOutOfRange, truemoney.PaymentStatusFailed},
		{"30000.01", truemoney.StatusAmountOutOfRange, truemoney.PaymentStatusFailed},
	}
	for _, tc := range cases {
		t.Run(tc.amount+" THB", func(t *testing.T) {
			resp, err := c.PaymentByCode(t.Context(), payRequest("terms-"+tc.amount, tc.amount))
			if err != nil {
				t.Fatalf("PaymentByCode: %v", err)
			}
			if resp.Status.Code != tc.code || resp.Data == nil || resp.Data.PaymentStatus != tc.status || resp.Data.Amount != tc.amount {
				t.Fatalf("answer = %+v %+v, want %s %s of %s", resp.Status, resp.Data, tc.code, tc.status, tc.amount)
			}
		})
	}
	t.Run("currency other than THB", func(t *testing.T) {
		req := payRequest("terms-usd", "10.00")
		req.Currency = "USD"
		resp, err := c.PaymentByCode(t.Context(), req)
		if err != nil || resp.Status.Code != truemoney.StatusCurrencyNotSupported {
			t.Fatalf("answer = %+v, %v", resp, err)
		}
		if _, ok := s.Ledger().Payment("terms-usd"); ok {
			t.Fatal("a payment in USD was recorded")
		}
	})
}

func TestLedgerIsServedAsJSONWithMaskedCodes(t *testing.T) {
	_, srv := startSim(t, nil)
	if _, err := newClient(t, srv.URL).PaymentByCode(t.Context(), payRequest("ledger-1", "10.00")); err != nil {
		t.Fatalf("PaymentByCode: %v", err)
	}
	resp, err := http.Get(srv.URL + simkit.PathLedger)
	if err != nil {
		t.Fatalf("GET ledger: %v", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var snap simkit.Snapshot
	if err := json.Unmarshal(data, &snap); err != nil || len(snap.Payments) != 1 {
		t.Fatalf("ledger = %s (%v)", data, err)
	}
	if strings.Contains(string(data), code) || snap.Payments[0].Code != walletcode.Mask(code) {
		t.Fatalf("ledger shows the code as %q", snap.Payments[0].Code)
	}
}

func TestDurableLedgerAnswersRepeatsAfterARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "truemoney.jsonl")
	first, err := sim.New(func() sim.Config { c := simConfig(); c.LedgerPath = path; return c }())
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	srv := httptest.NewServer(first)
	resp, err := newClient(t, srv.URL).PaymentByCode(t.Context(), payRequest("durable-1", "42.00"))
	if err != nil || resp.Status.Code != truemoney.StatusSuccess {
		t.Fatalf("first PaymentByCode = %+v, %v", resp, err)
	}
	srv.Close()
	if err := first.CloseLedger(); err != nil {
		t.Fatalf("CloseLedger: %v", err)
	}
	s, srv2 := startSim(t, func(c *sim.Config) { c.LedgerPath = path })
	t.Cleanup(func() { s.CloseLedger() })
	again, err := newClient(t, srv2.URL).PaymentByCode(t.Context(), payRequest("durable-1", "42.00"))
	if err != nil || again.Status.Code != truemoney.StatusSuccess || again.Data.TransactionID != resp.Data.TransactionID {
		t.Fatalf("repeat after the restart = %+v, %v; want the first payment %s", again, err, resp.Data.TransactionID)
	}
	if p, _ := s.Ledger().Payment("durable-1"); p.Charges != 1 || p.PayCalls != 2 {
		t.Fatalf("ledger: charged %d times over %d calls, want 1 over 2", p.Charges, p.PayCalls)
	}
}

func TestConcurrentRepeatsOfOnePaymentChargeOnce(t *testing.T) {
	s, srv := startSim(t, nil)
	c := newClient(t, srv.URL)
	var wg sync.WaitGroup
	ids := make(chan string, 20)
	for range 20 {
		wg.Go(func() {
			resp, err := c.PaymentByCode(t.Context(), payRequest("concurrent", "77.00"))
			if err != nil || resp.Status.Code != truemoney.StatusSuccess {
				t.Errorf("PaymentByCode = %+v, %v", resp, err)
				return
			}
			ids <- resp.Data.TransactionID
		})
	}
	wg.Wait()
	close(ids)
	first := ""
	for id := range ids {
		if first == "" {
			first = id
		}
		if id != first {
			t.Fatalf("repeats answered transactions %s and %s", first, id)
		}
	}
	if p, _ := s.Ledger().Payment("concurrent"); p.Charges != 1 || p.PayCalls != 20 {
		t.Fatalf("ledger: charged %d times over %d calls, want 1 over 20", p.Charges, p.PayCalls)
	}
}

func TestShutdownReleasesHeldAnswers(t *testing.T) {
	s, srv := startSim(t, func(c *sim.Config) { c.SlowDelay = time.Hour })
	c := newClient(t, srv.URL)
	done := make(chan error, 1)
	go func() {
		_, err := c.PaymentByCode(t.Context(), payRequest("held", "10.93"))
		done <- err
	}()
	// Wait until the payment is recorded and held, then close.
	for {
		if _, ok := s.Ledger().Payment("held"); ok {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Close()
	if err := <-done; err == nil {
		t.Fatal("a held answer ended by Close came back as an answer")
	}
	if p, _ := s.Ledger().Payment("held"); p.Status != simkit.StatusProcessing || p.SettleAt.IsZero() {
		t.Fatalf("held payment = %s settling at %v, want processing with a settle time", p.Status, p.SettleAt)
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	bad := map[string]func(*sim.Config){
		"no client id":         func(c *sim.Config) { c.ClientID = "" },
		"no client secret":     func(c *sim.Config) { c.ClientSecret = "" },
		"no partner key":       func(c *sim.Config) { c.PartnerPublicKey = nil },
		"no wallet key":        func(c *sim.Config) { c.WalletPrivateKey = nil },
		"negative token TTL":   func(c *sim.Config) { c.TokenTTL = -time.Second },
		"sub-second token TTL": func(c *sim.Config) { c.TokenTTL = time.Millisecond },
		"negative body limit":  func(c *sim.Config) { c.MaxBodyBytes = -1 },
	}
	for name, change := range bad {
		cfg := simConfig()
		change(&cfg)
		if _, err := sim.New(cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
	if _, err := sim.New(simConfig()); err != nil {
		t.Fatalf("New(good) = %v", err)
	}
}

func ExampleSimulator() {
	partner, _ := rsa.GenerateKey(rand.Reader, 2048)
	wallet, _ := rsa.GenerateKey(rand.Reader, 2048)
	s, err := sim.New(sim.Config{ClientID: "MERIDIAN", ClientSecret: "secret",
		PartnerPublicKey: &partner.PublicKey, WalletPrivateKey: wallet})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	defer s.Close()
	fmt.Println(len(s.Ledger().Payments()))
	// Output: 0
}
