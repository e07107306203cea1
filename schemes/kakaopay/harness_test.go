package kakaopay_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/internal/adaptertest"
	"github.com/meridian-gw/meridian/schemes/kakaopay"
	"github.com/meridian-gw/meridian/schemes/kakaopay/sim"
	"github.com/meridian-gw/meridian/schemes/simkit"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

const (
	testCID    = "TC0ONETIME"
	testSecret = "DEVSECRET0123456789abcdef"
	// kakaoCode is a valid KakaoPay barcode: 20 digits starting 5410.
	kakaoCode = "54101234567890123456"
)

// system is one end-to-end set-up: the simulator on a real HTTP listener,
// the adapter on a real gRPC server on 127.0.0.1, and a gRPC client of the
// adapter. Both log into logs; when the test ends, the ledger must
// reconcile and no code the test paid with may appear in full in the logs.
type system struct {
	sim     *sim.Simulator
	simURL  string
	adapter schemev1.SchemeAdapterClient
	logs    *adaptertest.LogBuffer

	mu    sync.Mutex
	codes []string // guarded by mu; every payment code sent
}

// option changes the configuration of a system before it starts.
type option func(*sim.Config, *kakaopay.Config)

func newSystem(t *testing.T, opts ...option) *system {
	t.Helper()
	logs := &adaptertest.LogBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	simCfg := sim.Config{Secret: testSecret, CID: testCID, Logger: logger}
	adapterCfg := kakaopay.Config{CID: testCID, SecretKey: testSecret, HTTPTimeout: 5 * time.Second, Logger: logger}
	for _, opt := range opts {
		opt(&simCfg, &adapterCfg)
	}
	s, err := sim.New(simCfg)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close() // release held answers so srv.Close need not wait
		srv.Close()
	})
	if adapterCfg.BaseURL == "" {
		adapterCfg.BaseURL = srv.URL
	}
	sys := &system{sim: s, simURL: srv.URL, adapter: serveAdapter(t, adapterCfg), logs: logs, codes: []string{kakaoCode}}
	t.Cleanup(func() { sys.finalChecks(t) })
	return sys
}

// finalChecks ends every test: the simulator's ledger reconciles, and the
// captured logs show no payment code in full.
func (s *system) finalChecks(t *testing.T) {
	if err := s.sim.Ledger().Check(); err != nil {
		t.Errorf("ledger does not reconcile: %v", err)
	}
	out := s.logs.String()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, code := range s.codes {
		if n := strings.Count(out, code); n > 0 {
			// The logs themselves are not printed: they hold the code.
			t.Errorf("logs show the code %s in full, %d times", walletcode.Mask(code), n)
		}
	}
}

// serveAdapter serves an adapter built from cfg on a gRPC server listening on
// 127.0.0.1 and returns a client connected to it over that socket.
func serveAdapter(t testing.TB, cfg kakaopay.Config) schemev1.SchemeAdapterClient {
	t.Helper()
	a, err := kakaopay.New(cfg)
	if err != nil {
		t.Fatalf("kakaopay.New: %v", err)
	}
	t.Cleanup(a.Close)
	return adaptertest.Serve(t, a)
}

func withSim(change func(*sim.Config)) option {
	return func(s *sim.Config, _ *kakaopay.Config) { change(s) }
}

func withAdapter(change func(*kakaopay.Config)) option {
	return func(_ *sim.Config, a *kakaopay.Config) { change(a) }
}

// withClock runs the simulator on clock.
func withClock(clock *adaptertest.Clock) option {
	return withSim(func(c *sim.Config) { c.Now = clock.Now })
}

var testMerchant = &schemev1.MerchantInfo{
	MerchantId: "M-0001", LegalName: "Café Zürich AG", TradingName: "Café Zürich",
	Mcc: "5812", Country: "CH", City: "Zürich", StoreId: "S-01", TerminalId: "T-0001",
}

func payRequest(key, code string, won int64) *schemev1.PayRequest {
	return &schemev1.PayRequest{
		IdempotencyKey:   key,
		PaymentCode:      code,
		Amount:           &schemev1.Money{Currency: "KRW", MinorUnits: won},
		Merchant:         testMerchant,
		OrderDescription: "2 coffees",
	}
}

func orderRequest(key string, won int64) *schemev1.CreateOrderRequest {
	return &schemev1.CreateOrderRequest{
		IdempotencyKey:   key,
		Amount:           &schemev1.Money{Currency: "KRW", MinorUnits: won},
		Merchant:         testMerchant,
		OrderDescription: "1 cake",
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
	s.mu.Lock()
	s.codes = append(s.codes, req.GetPaymentCode())
	s.mu.Unlock()
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

func (s *system) refund(t *testing.T, refundKey, paymentKey string, won int64) *schemev1.RefundResponse {
	t.Helper()
	resp, err := s.adapter.Refund(ctx(t), &schemev1.RefundRequest{
		RefundIdempotencyKey:  refundKey,
		PaymentIdempotencyKey: paymentKey,
		Amount:                &schemev1.Money{Currency: "KRW", MinorUnits: won},
		Reason:                "customer returned goods",
	})
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	return resp
}

func (s *system) createOrder(t *testing.T, req *schemev1.CreateOrderRequest) *schemev1.CreateOrderResponse {
	t.Helper()
	resp, err := s.adapter.CreateOrder(ctx(t), req)
	if err != nil {
		t.Fatalf("CreateOrder: %v", err)
	}
	return resp
}

// scan is the customer scanning qr with the KakaoPay app.
func (s *system) scan(t *testing.T, qr string) (*simkit.ScanAnswer, error) {
	t.Helper()
	return simkit.Scan(ctx(t), http.DefaultClient, s.simURL, qr)
}

// payment returns the simulator's record of key, failing the test if none.
func (s *system) payment(t *testing.T, key string) simkit.Payment {
	t.Helper()
	p, ok := s.sim.Ledger().Payment(key)
	if !ok {
		t.Fatalf("ledger has no payment %s", key)
	}
	return p
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
	pending  = schemev1.ResultStatus_RESULT_STATUS_PENDING
	noReason = schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED
)
