package truemoney_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/internal/adaptertest"
	"github.com/meridian-gw/meridian/schemes/simkit"
	"github.com/meridian-gw/meridian/schemes/truemoney"
	"github.com/meridian-gw/meridian/schemes/truemoney/sim"
)

const (
	clientID     = "MERIDIAN-TEST-0001"
	clientSecret = "tmn-client-secret-9f3a7c"
	// tmnCode is a valid TrueMoney payment code: 18 digits starting 5764.
	tmnCode = "576412345678901234"
)

// system is one end-to-end set-up: the simulator on a real HTTP listener,
// the adapter on a real gRPC server, a gRPC client of the adapter, and the
// logs of both.
type system struct {
	sim     *sim.Simulator
	simURL  string
	direct  *truemoney.Adapter // the adapter object behind the gRPC server
	adapter schemev1.SchemeAdapterClient
	logs    *adaptertest.LogBuffer
	// secrets must never appear in the logs; the check at the end of each
	// test adds the access token in use.
	secrets []string
}

// option changes the configuration of a system before it starts.
type option func(*sim.Config, *truemoney.Config)

// newSystem starts a system. When the test ends, it checks that the
// simulator's ledger reconciles and that no secret, token or full code
// reached the logs.
func newSystem(t *testing.T, opts ...option) *system {
	t.Helper()
	keys := truemoney.SharedTestKeys()
	logs := &adaptertest.LogBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	simCfg := sim.Config{
		ClientID:         clientID,
		ClientSecret:     clientSecret,
		PartnerPublicKey: &keys.Partner.PublicKey,
		WalletPrivateKey: keys.Wallet,
		Logger:           logger,
	}
	adapterCfg := adapterConfig("")
	adapterCfg.Logger = logger
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
	direct, client := serveAdapter(t, adapterCfg)
	sys := &system{sim: s, simURL: srv.URL, direct: direct, adapter: client, logs: logs,
		secrets: []string{clientSecret, tmnCode, adaptertest.CPM(t, truemoney.CPMApplicationID, "TRUEMONEY")}}
	t.Cleanup(func() { sys.finish(t) })
	return sys
}

// finish is how every test ends: the ledger reconciles, and the logs hold
// no secret, token or full code.
func (s *system) finish(t *testing.T) {
	t.Helper()
	if err := s.sim.Ledger().Check(); err != nil {
		t.Errorf("ledger does not reconcile: %v", err)
	}
	secrets := s.secrets
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if token, err := s.direct.Client().Tokens().Token(ctx); err == nil {
		secrets = append(secrets, token)
	}
	out := s.logs.String()
	for _, secret := range secrets {
		if strings.Contains(out, secret) {
			t.Errorf("logs contain a secret, token or full code (%d characters)", len(secret))
		}
	}
}

// adapterConfig is the tests' adapter configuration for a wallet at baseURL.
func adapterConfig(baseURL string) truemoney.Config {
	keys := truemoney.SharedTestKeys()
	return truemoney.Config{
		BaseURL:         baseURL,
		ClientID:        clientID,
		ClientSecret:    clientSecret,
		PrivateKey:      keys.Partner,
		WalletPublicKey: &keys.Wallet.PublicKey,
		HTTPTimeout:     5 * time.Second,
		Logger:          slog.New(slog.DiscardHandler),
	}
}

// serveAdapter serves an adapter built from cfg on a gRPC server listening on
// 127.0.0.1 and returns it and a client connected to it over that socket.
func serveAdapter(t testing.TB, cfg truemoney.Config) (*truemoney.Adapter, schemev1.SchemeAdapterClient) {
	t.Helper()
	a, err := truemoney.New(cfg)
	if err != nil {
		t.Fatalf("truemoney.New: %v", err)
	}
	t.Cleanup(a.Close)
	return a, adaptertest.Serve(t, a)
}

func withSim(change func(*sim.Config)) option {
	return func(s *sim.Config, _ *truemoney.Config) { change(s) }
}

func withAdapter(change func(*truemoney.Config)) option {
	return func(_ *sim.Config, a *truemoney.Config) { change(a) }
}

func thb(satang int64) *schemev1.Money {
	return &schemev1.Money{Currency: "THB", MinorUnits: satang}
}

func merchant() *schemev1.MerchantInfo {
	return &schemev1.MerchantInfo{
		MerchantId: "M-0001", LegalName: "Café Zürich AG", TradingName: "Café Zürich",
		Mcc: "5812", Country: "CH", City: "Zürich", StoreId: "S-01", TerminalId: "T-0001",
	}
}

func payRequest(key, code string, satang int64) *schemev1.PayRequest {
	return &schemev1.PayRequest{
		IdempotencyKey:   key,
		PaymentCode:      code,
		Amount:           thb(satang),
		Merchant:         merchant(),
		OrderDescription: "2 coffees",
	}
}

func orderRequest(key string, satang int64) *schemev1.CreateOrderRequest {
	return &schemev1.CreateOrderRequest{
		IdempotencyKey:   key,
		Amount:           thb(satang),
		Merchant:         merchant(),
		OrderDescription: "2 coffees",
		ExpiresInSeconds: 180,
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

func (s *system) refund(t *testing.T, refundKey, paymentKey string, satang int64) *schemev1.RefundResponse {
	t.Helper()
	resp, err := s.adapter.Refund(ctx(t), &schemev1.RefundRequest{
		RefundIdempotencyKey:  refundKey,
		PaymentIdempotencyKey: paymentKey,
		Amount:                thb(satang),
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

// scan has the simulated customer scan qr and pay it.
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
