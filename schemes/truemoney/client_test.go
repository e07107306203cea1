package truemoney

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeWallet issues tokens and answers the inquiry endpoint, signed, for
// requests whose bearer token it still accepts.
type fakeWallet struct {
	*httptest.Server
	t *testing.T

	mu       sync.Mutex
	issued   int
	accepted map[string]bool // guarded by mu
	// rejectAs answers a rejected token: "401", or "400" for TrueMoney's
	// own form (HTTP 400, status 020007).
	rejectAs string
	// answer, when set, replaces the normal answer: status and body.
	answerStatus int
	answerBody   string
	unsigned     bool
}

func newFakeWallet(t *testing.T) *fakeWallet {
	t.Helper()
	w := &fakeWallet{t: t, accepted: map[string]bool{}, rejectAs: "401"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathToken, w.token)
	mux.HandleFunc("POST "+PathInquiry, w.inquiry)
	w.Server = httptest.NewServer(mux)
	t.Cleanup(w.Close)
	return w
}

func (w *fakeWallet) token(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	w.issued++
	token := fmt.Sprintf("token-%d", w.issued)
	w.accepted[token] = true
	w.mu.Unlock()
	json.NewEncoder(rw).Encode(TokenResponse{AccessToken: token, TokenType: "Bearer", ExpiresIn: 3600})
}

// revokeAll makes every token issued so far invalid, as a wallet that
// rotated its signing keys or lost its sessions would.
func (w *fakeWallet) revokeAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	clear(w.accepted)
}

func (w *fakeWallet) tokensIssued() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.issued
}

func (w *fakeWallet) inquiry(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	msg := Message{Timestamp: r.Header.Get(HeaderTimestamp), Body: body}
	if err := msg.Verify(&SharedTestKeys().Partner.PublicKey, r.Header.Get(HeaderSignature)); err != nil {
		w.t.Errorf("request signature: %v", err)
	}
	w.mu.Lock()
	ok := w.accepted[strings.TrimPrefix(r.Header.Get(HeaderAuthorization), "Bearer ")]
	status, answer := w.answerStatus, w.answerBody
	w.mu.Unlock()
	switch {
	case !ok && w.rejectAs == "400":
		w.reply(rw, http.StatusBadRequest, `{"status":{"code":"020007","message":"Access token has been expired"}}`)
	case !ok:
		w.reply(rw, http.StatusUnauthorized, `{"status":{"code":"020006","message":"Access token is invalid"}}`)
	case answer != "":
		w.reply(rw, status, answer)
	default:
		w.reply(rw, http.StatusOK, `{"status":{"code":"000001","message":"Success"},"data":{"external_ref_id":"k-1","payment_status":"SUCCESS"}}`)
	}
}

func (w *fakeWallet) reply(rw http.ResponseWriter, status int, body string) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sig, err := Message{Timestamp: ts, Path: PathInquiry, Body: []byte(body)}.Sign(SharedTestKeys().Wallet, "1")
	if err != nil {
		w.t.Errorf("sign: %v", err)
	}
	if !w.unsigned {
		rw.Header().Set(HeaderTimestamp, ts)
		rw.Header().Set(HeaderSignature, sig)
	}
	rw.WriteHeader(status)
	io.WriteString(rw, body)
}

func newTestClient(t *testing.T, baseURL string) *Client {
	t.Helper()
	keys := SharedTestKeys()
	c, err := NewClient(ClientConfig{BaseURL: baseURL, ClientID: testClientID, ClientSecret: testClientSecret,
		PrivateKey: keys.Partner, WalletPublicKey: &keys.Wallet.PublicKey, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestTokenRejectedMidLifeIsRenewedOnceAndTheCallRetried(t *testing.T) {
	for _, form := range []string{"401", "400"} {
		t.Run("rejected with HTTP "+form, func(t *testing.T) {
			wallet := newFakeWallet(t)
			wallet.rejectAs = form
			c := newTestClient(t, wallet.URL)
			if _, err := c.Inquiry(t.Context(), &InquiryRequest{ExternalRefID: "k-1"}); err != nil {
				t.Fatalf("first Inquiry: %v", err)
			}
			wallet.revokeAll()
			resp, err := c.Inquiry(t.Context(), &InquiryRequest{ExternalRefID: "k-1"})
			if err != nil || resp.Status.Code != StatusSuccess {
				t.Fatalf("Inquiry after the token was revoked = %+v, %v; want success after a renewal", resp, err)
			}
			if n := wallet.tokensIssued(); n != 2 {
				t.Fatalf("%d tokens issued, want 2", n)
			}
		})
	}
}

func TestConcurrentCallsRejectedTogetherRenewTheTokenOnce(t *testing.T) {
	wallet := newFakeWallet(t)
	c := newTestClient(t, wallet.URL)
	if _, err := c.Inquiry(t.Context(), &InquiryRequest{ExternalRefID: "k-1"}); err != nil {
		t.Fatalf("first Inquiry: %v", err)
	}
	wallet.revokeAll()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := c.Inquiry(t.Context(), &InquiryRequest{ExternalRefID: "k-1"}); err != nil {
				t.Errorf("Inquiry: %v", err)
			}
		})
	}
	wg.Wait()
	if n := wallet.tokensIssued(); n != 2 {
		t.Fatalf("20 calls rejected together caused %d token fetches in all, want 2 (the first and one renewal)", n)
	}
}

func TestTokenRejectedTwiceIsAnError(t *testing.T) {
	wallet := newFakeWallet(t)
	c := newTestClient(t, wallet.URL)
	wallet.mu.Lock()
	wallet.answerStatus, wallet.answerBody = http.StatusUnauthorized, `{"status":{"code":"020006"}}`
	wallet.mu.Unlock()
	_, err := c.Inquiry(t.Context(), &InquiryRequest{ExternalRefID: "k-1"})
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("Inquiry = %v, want ErrUnauthorized", err)
	}
	if n := wallet.tokensIssued(); n != 2 {
		t.Fatalf("%d tokens issued, want 2: one renewal, no loop", n)
	}
}

func TestAnswersThatCannotBeTrustedAreErrors(t *testing.T) {
	cases := []struct {
		name     string
		status   int
		body     string
		unsigned bool
		want     error
	}{
		{"server error", http.StatusInternalServerError, `{"status":{"code":"000002"}}`, false, ErrHTTPStatus},
		{"bad gateway", http.StatusBadGateway, `oops`, false, ErrHTTPStatus},
		{"unsigned", http.StatusOK, `{"status":{"code":"000001"}}`, true, ErrMalformedResponse},
		{"not JSON", http.StatusOK, `<html>`, false, ErrMalformedResponse},
		{"no status code", http.StatusOK, `{"data":{}}`, false, ErrMalformedResponse},
		{"400 claiming success", http.StatusBadRequest, `{"status":{"code":"000001"}}`, false, ErrMalformedResponse},
		{"too large", http.StatusOK, `{"status":{"code":"000001","message":"` + strings.Repeat("x", 2<<20) + `"}}`, false, ErrResponseTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wallet := newFakeWallet(t)
			wallet.answerStatus, wallet.answerBody, wallet.unsigned = c.status, c.body, c.unsigned
			_, err := newTestClient(t, wallet.URL).Inquiry(t.Context(), &InquiryRequest{ExternalRefID: "k-1"})
			if !errors.Is(err, c.want) {
				t.Fatalf("Inquiry = %v, want %v", err, c.want)
			}
		})
	}
}

func TestSignedRefusalIsAnAnswer(t *testing.T) {
	wallet := newFakeWallet(t)
	wallet.answerStatus, wallet.answerBody = http.StatusBadRequest, `{"status":{"code":"020014","message":"Signature in the request header is invalid"}}`
	resp, err := newTestClient(t, wallet.URL).Inquiry(t.Context(), &InquiryRequest{ExternalRefID: "k-1"})
	if err != nil || resp.Status.Code != StatusSignatureInvalid {
		t.Fatalf("Inquiry = %+v, %v; want the signed refusal 020014", resp, err)
	}
}
