package alipayplus_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
	"github.com/meridian-gw/meridian/schemes/internal/adaptertest"
)

const (
	clientID = "TEST_5Y00000000000001"
	// alipayCode is a valid Alipay+ code (18 digits, prefix 28 = Alipay).
	alipayCode = "281234567890123456"
)

// system is one end-to-end set-up: the simulator on a real HTTP listener,
// the adapter on a real gRPC server, and a gRPC client of the adapter.
type system struct {
	sim     *sim.Simulator
	simURL  string
	adapter schemev1.SchemeAdapterClient
}

// option changes the configuration of a system before it starts.
type option func(*sim.Config, *alipayplus.Config)

func newSystem(t *testing.T, opts ...option) *system {
	t.Helper()
	keys := alipayplus.SharedTestKeys()
	simCfg := sim.Config{
		AcquirerPublicKey: &keys.Acquirer.PublicKey,
		WalletPrivateKey:  keys.Wallet,
		AcquirerClientID:  clientID,
	}
	adapterCfg := adapterConfig("")
	for _, opt := range opts {
		opt(&simCfg, &adapterCfg)
	}
	s, err := sim.New(simCfg)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close() // release held responses so srv.Close need not wait
		srv.Close()
	})
	if adapterCfg.BaseURL == "" {
		adapterCfg.BaseURL = srv.URL
	}
	return &system{sim: s, simURL: srv.URL, adapter: serveAdapter(t, adapterCfg)}
}

// adapterConfig is the tests' adapter configuration for a wallet at baseURL.
func adapterConfig(baseURL string) alipayplus.Config {
	keys := alipayplus.SharedTestKeys()
	return alipayplus.Config{
		BaseURL:         baseURL,
		ClientID:        clientID,
		PrivateKey:      keys.Acquirer,
		WalletPublicKey: &keys.Wallet.PublicKey,
		HTTPTimeout:     5 * time.Second,
		Logger:          slog.New(slog.DiscardHandler),
	}
}

// serveAdapter serves an adapter built from cfg on a gRPC server listening on
// 127.0.0.1 and returns a client connected to it over that socket.
func serveAdapter(t testing.TB, cfg alipayplus.Config) schemev1.SchemeAdapterClient {
	t.Helper()
	a, err := alipayplus.New(cfg)
	if err != nil {
		t.Fatalf("alipayplus.New: %v", err)
	}
	t.Cleanup(a.Close)
	return adaptertest.Serve(t, a)
}

func withSim(change func(*sim.Config)) option {
	return func(s *sim.Config, _ *alipayplus.Config) { change(s) }
}

func withAdapter(change func(*alipayplus.Config)) option {
	return func(_ *sim.Config, a *alipayplus.Config) { change(a) }
}

func payRequest(key, code string, minorUnits int64) *schemev1.PayRequest {
	return &schemev1.PayRequest{
		IdempotencyKey: key,
		PaymentCode:    code,
		Amount:         &schemev1.Money{Currency: "EUR", MinorUnits: minorUnits},
		Merchant: &schemev1.MerchantInfo{
			MerchantId: "M-0001", LegalName: "Café Zürich AG", TradingName: "Café Zürich",
			Mcc: "5812", Country: "CH", City: "Zürich", StoreId: "S-01", TerminalId: "T-0001",
		},
		OrderDescription: "2 coffees",
	}
}

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func (s *system) pay(t *testing.T, req *schemev1.PayRequest) *schemev1.PayResponse {
	t.Helper()
	resp, err := s.adapter.Pay(ctx(t), req)
	if err != nil {
		t.Fatalf("Pay: %v", err)
	}
	return resp
}

func (s *system) inquire(t *testing.T, key string) *schemev1.InquireResponse {
	t.Helper()
	resp, err := s.adapter.Inquire(ctx(t), &schemev1.InquireRequest{IdempotencyKey: key})
	if err != nil {
		t.Fatalf("Inquire: %v", err)
	}
	return resp
}

func (s *system) cancel(t *testing.T, key string) *schemev1.CancelResponse {
	t.Helper()
	resp, err := s.adapter.Cancel(ctx(t), &schemev1.CancelRequest{IdempotencyKey: key})
	if err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	return resp
}

func (s *system) refund(t *testing.T, refundKey, paymentKey string, minorUnits int64) *schemev1.RefundResponse {
	t.Helper()
	resp, err := s.adapter.Refund(ctx(t), &schemev1.RefundRequest{
		RefundIdempotencyKey:  refundKey,
		PaymentIdempotencyKey: paymentKey,
		Amount:                &schemev1.Money{Currency: "EUR", MinorUnits: minorUnits},
		Reason:                "customer returned goods",
	})
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	return resp
}

// payment returns the simulator's record of key, failing the test if none.
func (s *system) payment(t *testing.T, key string) sim.Payment {
	t.Helper()
	p, ok := s.sim.Ledger().Payment(key)
	if !ok {
		t.Fatalf("ledger has no payment %s", key)
	}
	return p
}

// reconcile fails the test if the simulator's ledger breaks a money
// invariant.
func (s *system) reconcile(t *testing.T) {
	t.Helper()
	if err := s.sim.Ledger().Check(); err != nil {
		t.Fatalf("ledger does not reconcile: %v", err)
	}
}

func wantResult(t *testing.T, what string, got *schemev1.Result, status schemev1.ResultStatus, reason schemev1.FailureReason) {
	t.Helper()
	if got.GetStatus() != status || got.GetReason() != reason {
		t.Fatalf("%s = %v/%v (%s: %s), want %v/%v", what, got.GetStatus(), got.GetReason(),
			got.GetSchemeCode(), got.GetMessage(), status, reason)
	}
}

const (
	success  = schemev1.ResultStatus_RESULT_STATUS_SUCCESS
	failure  = schemev1.ResultStatus_RESULT_STATUS_FAILURE
	unknown  = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN
	noReason = schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED
)

// tamperingProxy forwards to target and flips a byte of every response
// body, leaving the signature headers as they were.
func tamperingProxy(t *testing.T, target string) string {
	t.Helper()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.Path, r.Body)
		if err != nil {
			t.Errorf("proxy request: %v", err)
			return
		}
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("proxy: %v", err)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		body = bytes.Replace(body, []byte(`"paymentId":"2`), []byte(`"paymentId":"3`), 1)
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(resp.StatusCode)
		w.Write(body)
	}))
	t.Cleanup(proxy.Close)
	return proxy.URL
}
