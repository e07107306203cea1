package kakaopay

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

const (
	testBarcode = "54101234567890123456"
	testSecret  = "DEV0123456789ABCDEFabcdef"
)

// fakeWallet answers every request with status and body, and records the
// last request's Authorization header and body.
type fakeWallet struct {
	srv           *httptest.Server
	authorization atomic.Value
	body          atomic.Value
}

func newFakeWallet(t *testing.T, status int, body string) *fakeWallet {
	t.Helper()
	f := &fakeWallet{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		f.authorization.Store(r.Header.Get("Authorization"))
		f.body.Store(string(data))
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
		}
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func newTestClient(t *testing.T, baseURL string, change func(*ClientConfig)) *Client {
	t.Helper()
	cfg := ClientConfig{BaseURL: baseURL, SecretKey: testSecret, Timeout: 5 * time.Second}
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

func barcodeRequest() *BarcodeRequest {
	return &BarcodeRequest{CID: "TC0ONETIME", PartnerOrderID: "k1", PartnerUserID: "M-1", Barcode: testBarcode,
		ItemName: "coffee", Quantity: 1, TotalAmount: 4500}
}

func TestClientSendsTheSecretKeyHeaderAndDecodesTheAnswer(t *testing.T) {
	f := newFakeWallet(t, 200, `{"aid":"A1","tid":"T1","cid":"TC0ONETIME","status":"SUCCESS_PAYMENT","partner_order_id":"k1",
		"amount":{"total":4500,"tax_free":0,"vat":409,"point":0,"discount":0},"approved_at":"2026-03-01T19:00:00"}`)
	c := newTestClient(t, f.srv.URL, nil)
	resp, err := c.Barcode(context.Background(), barcodeRequest())
	if err != nil {
		t.Fatalf("Barcode: %v", err)
	}
	if resp.TID != "T1" || resp.Status != StatusSuccessPayment || resp.Amount.Total != 4500 || resp.Amount.VAT != 409 {
		t.Fatalf("decoded %+v", resp)
	}
	if got := f.authorization.Load(); got != "SECRET_KEY "+testSecret {
		t.Fatalf("Authorization = %q", got)
	}
	if body := f.body.Load().(string); !strings.Contains(body, `"partner_order_id":"k1"`) || !strings.Contains(body, `"total_amount":4500`) {
		t.Fatalf("body = %s", body)
	}
}

func TestClientTellsKakaoPaysRefusalsFromUnknownOutcomes(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   func(error) bool
	}{
		{"an error body with 400 is a refusal", 400, `{"error_code":-780,"error_message":"approval failure!","extras":{"method_result_code":"INSUFFICIENT_BALANCE"}}`,
			func(err error) bool {
				var e *Error
				return errors.As(err, &e) && e.ErrorCode == -780 && e.HTTPStatus == 400 && e.Extras.MethodResultCode == MethodInsufficientBalance
			}},
		{"an error body with 401 is a refusal", 401, `{"error_code":-401,"error_message":"invalid secret key"}`,
			func(err error) bool { var e *Error; return errors.As(err, &e) && e.ErrorCode == -401 }},
		{"a 400 without KakaoPay's body is unknown", 400, `<html>bad gateway</html>`,
			func(err error) bool { return errors.Is(err, ErrHTTPStatus) }},
		{"a 400 with a positive code is unknown", 400, `{"error_code":7}`,
			func(err error) bool { return errors.Is(err, ErrHTTPStatus) }},
		{"a 500 is unknown even with an error body", 500, `{"error_code":-1,"error_message":"internal"}`,
			func(err error) bool { var e *Error; return errors.Is(err, ErrHTTPStatus) && !errors.As(err, &e) }},
		{"a 503 is unknown", 503, `{"error_code":-9798}`,
			func(err error) bool { return errors.Is(err, ErrHTTPStatus) }},
		{"a redirect is not followed and is unknown", 302, ``,
			func(err error) bool { return errors.Is(err, ErrHTTPStatus) }},
		{"a 200 that is not JSON is malformed", 200, `SUCCESS`,
			func(err error) bool { return errors.Is(err, ErrMalformedResponse) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeWallet(t, c.status, c.body)
			_, err := newTestClient(t, f.srv.URL, nil).Barcode(context.Background(), barcodeRequest())
			if err == nil || !c.want(err) {
				t.Fatalf("error = %v", err)
			}
			if strings.Contains(err.Error(), testBarcode) || strings.Contains(err.Error(), testSecret) {
				t.Fatalf("error shows the barcode or the secret: %v", err)
			}
		})
	}
}

func TestClientBoundsTheResponseSize(t *testing.T) {
	f := newFakeWallet(t, 200, `{"tid":"`+strings.Repeat("T", 2048)+`"}`)
	c := newTestClient(t, f.srv.URL, func(cfg *ClientConfig) { cfg.MaxResponseBytes = 1024 })
	if _, err := c.Order(context.Background(), &OrderRequest{CID: "C", PartnerOrderID: "k"}); !errors.Is(err, ErrResponseTooLarge) {
		t.Fatalf("error = %v, want ErrResponseTooLarge", err)
	}
}

func TestClientGivesUpAtItsTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c := newTestClient(t, srv.URL, func(cfg *ClientConfig) { cfg.Timeout = 50 * time.Millisecond })
	_, err := c.Cancel(context.Background(), &CancelRequest{CID: "C", TID: "T", CancelAmount: 1})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want a deadline", err)
	}
}

func TestNewClientRefusesIncompleteConfig(t *testing.T) {
	bad := map[string]ClientConfig{
		"no base URL":        {SecretKey: testSecret},
		"relative base URL":  {BaseURL: "open-api.kakaopay.com", SecretKey: testSecret},
		"no secret":          {BaseURL: "https://open-api.kakaopay.com"},
		"secret with spaces": {BaseURL: "https://open-api.kakaopay.com", SecretKey: "SECRET_KEY abc"},
		"negative timeout":   {BaseURL: "https://open-api.kakaopay.com", SecretKey: testSecret, Timeout: -1},
	}
	for name, cfg := range bad {
		if _, err := NewClient(cfg); err == nil {
			t.Errorf("%s: NewClient succeeded", name)
		} else if strings.Contains(err.Error(), testSecret) {
			t.Errorf("%s: error shows the secret: %v", name, err)
		}
	}
}
