package payment_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store"
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes"
	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
)

// The world every test runs in: one merchant in EUR accepting Alipay+ with
// one terminal, and a second merchant with a terminal of its own.
const (
	merchantID      = "M-PAYTEST-0001"
	terminalID      = "T0000001"
	otherMerchantID = "M-PAYTEST-0002"
	otherTerminalID = "T0000002"
	// alipayCode is a valid Alipay+ code: 18 digits, prefix 28 (Alipay).
	alipayCode = "281234567890123456"
	// kakaoCode is routed to KAKAOPAY, which the merchant does not accept.
	kakaoCode    = "54101234567890123456"
	clientID     = "MERIDIAN-PAYTEST"
	schemeID     = alipayplus.SchemeID
	transmission = "0101120000"

	// waitMax bounds every wait for an eventual state. It is generous: it
	// only matters when something is wrong.
	waitMax = 30 * time.Second
)

// Key pairs are made once per test binary: 2048-bit generation is slow.
var (
	keysOnce               sync.Once
	acquirerKey, walletKey *rsa.PrivateKey
	keysErr                error
)

func testKeys(tb testing.TB) (acquirer, wallet *rsa.PrivateKey) {
	tb.Helper()
	keysOnce.Do(func() {
		if acquirerKey, keysErr = rsa.GenerateKey(rand.Reader, 2048); keysErr != nil {
			return
		}
		walletKey, keysErr = rsa.GenerateKey(rand.Reader, 2048)
	})
	if keysErr != nil {
		tb.Fatalf("generate RSA keys: %v", keysErr)
	}
	return acquirerKey, walletKey
}

// harnessOptions changes a harness; every zero value means the default
// named.
type harnessOptions struct {
	// Budget is the engine's host budget; default 2s.
	Budget time.Duration
	// InquiryInterval is the engine's first inquiry pause; default 20ms.
	InquiryInterval time.Duration
	// SlowDelay is how long the simulator holds a 93 payment; default 3s.
	SlowDelay time.Duration
	// CancelWindow is the simulator's cancel window; default the
	// simulator's (24h).
	CancelWindow time.Duration
	// StoreBusyTimeout is the store's SQLite busy timeout; default the
	// store's (5s).
	StoreBusyTimeout time.Duration
	// MaxLedgerEntries bounds the simulator's ledger; default the
	// simulator's.
	MaxLedgerEntries int
	// NoEngine leaves Engine nil: the test builds its own with NewEngine.
	NoEngine bool
	// GiveUpAge is the engine's give-up age; default the engine's.
	GiveUpAge time.Duration
	// ChargeCurrencies limits what the Alipay+ adapter can be charged in;
	// default the adapter's (EUR among them).
	ChargeCurrencies []string
	// FX is the engine's quoter; default none.
	FX payment.Quoter
	// RefundAtCurrentRate is the engine's setting.
	RefundAtCurrentRate bool
	// OrderTTL and CheckQR are the engine's merchant-presented settings.
	OrderTTL time.Duration
	CheckQR  func(format, payload string) error
	// Policies is the engine's source of merchant policies; default none.
	Policies payment.Policies
}

// harness is the payment engine wired to real parts: a SQLite store in a
// temporary directory, the Alipay+ reference adapter on a real gRPC server
// on 127.0.0.1, reached through the scheme client and registry, and the
// adapter's wallet simulator on a real HTTP listener.
type harness struct {
	opts     harnessOptions
	DBPath   string
	Store    *store.SQLite
	Sim      *sim.Simulator
	SimURL   string
	Client   *schemes.Client
	Adapters payment.Adapters
	Router   *schemes.Router
	// Engine runs its resolver until the test ends (nil with NoEngine).
	Engine *payment.Engine

	adapter     *alipayplus.Adapter
	adapterAddr string
	mu          sync.Mutex   // guards server
	server      *grpc.Server // nil while the adapter is stopped
	stan        atomic.Int64
}

// registryAdapters lets the engine find adapters in the registry, as
// gateway/node does.
type registryAdapters struct{ r *schemes.Registry }

func (a registryAdapters) Adapter(scheme string) (payment.Adapter, bool) {
	c, ok := a.r.Client(scheme)
	if !ok {
		return nil, false
	}
	return c, true
}

func newHarness(tb testing.TB, opts harnessOptions) *harness {
	tb.Helper()
	if opts.Budget == 0 {
		opts.Budget = 2 * time.Second
	}
	if opts.InquiryInterval == 0 {
		opts.InquiryInterval = 20 * time.Millisecond
	}
	if opts.SlowDelay == 0 {
		opts.SlowDelay = 3 * time.Second
	}
	h := &harness{opts: opts, DBPath: filepath.Join(tb.TempDir(), "m.db")}
	h.Store = openStore(tb, h.DBPath, opts.StoreBusyTimeout)
	onboard(tb, h.Store)

	acquirer, wallet := testKeys(tb)
	s, err := sim.New(sim.Config{
		AcquirerClientID:  clientID,
		AcquirerPublicKey: &acquirer.PublicKey,
		WalletPrivateKey:  wallet,
		SlowDelay:         opts.SlowDelay,
		CancelWindow:      opts.CancelWindow,
		MaxLedgerEntries:  opts.MaxLedgerEntries,
	})
	if err != nil {
		tb.Fatalf("sim.New: %v", err)
	}
	h.Sim = s
	simServer := httptest.NewServer(s)
	h.SimURL = simServer.URL
	tb.Cleanup(func() {
		s.Close() // ends held (93) responses so that Close need not wait
		simServer.Close()
	})

	h.adapter, err = alipayplus.New(alipayplus.Config{
		BaseURL:          simServer.URL,
		ClientID:         clientID,
		PrivateKey:       acquirer,
		WalletPublicKey:  &wallet.PublicKey,
		HTTPTimeout:      5 * time.Second,
		ChargeCurrencies: opts.ChargeCurrencies,
		Logger:           slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tb.Fatalf("alipayplus.New: %v", err)
	}
	tb.Cleanup(h.adapter.Close)
	h.StartAdapter(tb)
	tb.Cleanup(h.StopAdapter)

	h.Client, err = schemes.NewClient(schemes.ClientConfig{Scheme: schemeID, Target: h.adapterAddr})
	if err != nil {
		tb.Fatalf("schemes.NewClient: %v", err)
	}
	registry := schemes.NewRegistry()
	if err := registry.Add(h.Client); err != nil {
		tb.Fatalf("registry.Add: %v", err)
	}
	tb.Cleanup(func() { _ = registry.Close() })
	h.Adapters = registryAdapters{registry}
	if h.Router, err = schemes.NewRouter(schemes.DefaultRoutes()); err != nil {
		tb.Fatalf("schemes.NewRouter: %v", err)
	}
	if !opts.NoEngine {
		h.Engine = h.NewEngine(tb, h.Store)
	}
	return h
}

func openStore(tb testing.TB, path string, busyTimeout time.Duration) *store.SQLite {
	tb.Helper()
	st, err := store.OpenSQLite(context.Background(), path, store.Config{BusyTimeout: busyTimeout})
	if err != nil {
		tb.Fatalf("store.OpenSQLite: %v", err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	return st
}

func onboard(tb testing.TB, st payment.Store) {
	tb.Helper()
	ctx := context.Background()
	for _, m := range []*payment.Merchant{
		{ID: merchantID, LegalName: "Café Test GmbH", TradingName: "Café Test", MCC: "5812",
			Country: "DE", City: "Berlin", Currency: "EUR", Schemes: []string{schemeID}},
		{ID: otherMerchantID, LegalName: "Other Shop SA", TradingName: "Other Shop", MCC: "5999",
			Country: "FR", City: "Paris", Currency: "EUR", Schemes: []string{schemeID}},
	} {
		if err := st.PutMerchant(ctx, m); err != nil {
			tb.Fatalf("PutMerchant %s: %v", m.ID, err)
		}
	}
	for _, term := range []*payment.Terminal{
		{ID: terminalID, MerchantID: merchantID, StoreID: "S-01"},
		{ID: otherTerminalID, MerchantID: otherMerchantID, StoreID: "S-01"},
	} {
		if err := st.PutTerminal(ctx, term); err != nil {
			tb.Fatalf("PutTerminal %s: %v", term.ID, err)
		}
	}
}

// NewEngine builds an engine on st with the harness's settings and runs its
// resolver until the test ends.
func (h *harness) NewEngine(tb testing.TB, st payment.Store) *payment.Engine {
	tb.Helper()
	return h.newEngine(tb, h.engineConfig(st))
}

// engineConfig is the harness's engine configuration on st.
func (h *harness) engineConfig(st payment.Store) payment.Config {
	return payment.Config{
		Store:               st,
		Adapters:            h.Adapters,
		Router:              h.Router,
		Budget:              h.opts.Budget,
		InquiryInterval:     h.opts.InquiryInterval,
		ResolveInterval:     50 * time.Millisecond,
		RetryMax:            250 * time.Millisecond,
		NotFoundGrace:       500 * time.Millisecond,
		GiveUpAge:           h.opts.GiveUpAge,
		FX:                  h.opts.FX,
		RefundAtCurrentRate: h.opts.RefundAtCurrentRate,
		OrderTTL:            h.opts.OrderTTL,
		OrderPollInterval:   50 * time.Millisecond,
		CheckQR:             h.opts.CheckQR,
		Policies:            h.opts.Policies,
		Logger:              slog.New(slog.DiscardHandler),
	}
}

// newEngine builds an engine of cfg and runs its resolver until the test
// ends.
func (h *harness) newEngine(tb testing.TB, cfg payment.Config) *payment.Engine {
	tb.Helper()
	e, err := payment.New(cfg)
	if err != nil {
		tb.Fatalf("payment.New: %v", err)
	}
	return runEngine(tb, e)
}

// StartAdapter serves the adapter on a new gRPC server: on 127.0.0.1:0 the
// first time, on the same address after StopAdapter.
func (h *harness) StartAdapter(tb testing.TB) {
	tb.Helper()
	addr := h.adapterAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		tb.Fatalf("listen for the adapter on %s: %v", addr, err)
	}
	h.adapterAddr = ln.Addr().String()
	server := grpc.NewServer()
	schemev1.RegisterSchemeAdapterServer(server, h.adapter)
	// The circuit breaker probes an unreachable adapter's health service
	// before it lets calls through again.
	healthpb.RegisterHealthServer(server, health.NewServer())
	h.mu.Lock()
	h.server = server
	h.mu.Unlock()
	go func() { _ = server.Serve(ln) }()
}

// StopAdapter stops the adapter's gRPC server at once, closing its listener
// and every connection.
func (h *harness) StopAdapter() {
	h.mu.Lock()
	server := h.server
	h.server = nil
	h.mu.Unlock()
	if server != nil {
		server.Stop()
	}
}

// NextKey returns a terminal key not used before in this harness.
func (h *harness) NextKey() payment.TerminalKey {
	return h.KeyOf(terminalID)
}

// KeyOf returns a fresh terminal key of terminal id.
func (h *harness) KeyOf(id string) payment.TerminalKey {
	n := h.stan.Add(1)
	return payment.TerminalKey{TerminalID: id, STAN: fmt.Sprintf("%06d", n%1_000_000),
		TransmissionTime: fmt.Sprintf("%010d", 101120000+n/1_000_000)}
}

func purchaseRequest(key payment.TerminalKey, minor int64) payment.PurchaseRequest {
	return payment.PurchaseRequest{Key: key, MerchantID: merchantID,
		Amount: payment.Money{Minor: minor, Currency: "EUR"}, Code: alipayCode}
}

// Purchase charges minor EUR cents under a fresh key.
func (h *harness) Purchase(tb testing.TB, minor int64) (*payment.Attempt, error) {
	tb.Helper()
	return h.Engine.Purchase(context.Background(), purchaseRequest(h.NextKey(), minor))
}

// Approved makes an approved purchase of minor cents, failing the test if it
// is not approved.
func (h *harness) Approved(tb testing.TB, minor int64) *payment.Attempt {
	tb.Helper()
	a, err := h.Purchase(tb, minor)
	if err != nil {
		tb.Fatalf("Purchase(%d): %v", minor, err)
	}
	if a.State != payment.StateApproved {
		tb.Fatalf("Purchase(%d) is %s (%s), want approved", minor, a.State, a.Reason)
	}
	return a
}

func refundRequest(key payment.TerminalKey, rrn string, minor int64) payment.RefundRequest {
	return payment.RefundRequest{Key: key, MerchantID: merchantID, OriginalRRN: rrn,
		Amount: payment.Money{Minor: minor, Currency: "EUR"}}
}

func reversalRequest(key, original payment.TerminalKey, minor int64) payment.ReversalRequest {
	return payment.ReversalRequest{Key: key, MerchantID: merchantID, Original: original,
		Amount: payment.Money{Minor: minor, Currency: "EUR"}}
}

// Stored reads an attempt from the store.
func (h *harness) Stored(tb testing.TB, id string) *payment.Attempt {
	tb.Helper()
	a, err := h.Store.Attempt(context.Background(), id)
	if err != nil {
		tb.Fatalf("Store.Attempt(%s): %v", id, err)
	}
	return a
}

// EventTypes lists the types of an attempt's journal, oldest first.
func (h *harness) EventTypes(tb testing.TB, id string) []string {
	tb.Helper()
	events, err := h.Store.Events(context.Background(), id)
	if err != nil {
		tb.Fatalf("Store.Events(%s): %v", id, err)
	}
	types := make([]string, len(events))
	for i, ev := range events {
		types[i] = ev.Type
	}
	return types
}

// Payment reads the simulator's record of the payment with the attempt's ID
// as its paymentRequestId.
func (h *harness) Payment(tb testing.TB, id string) sim.Payment {
	tb.Helper()
	p, ok := h.Sim.Ledger().Payment(id)
	if !ok {
		tb.Fatalf("the simulator's ledger has no payment %s", id)
	}
	return p
}

// WaitFinal waits until the stored attempt is in a final state and returns it.
func (h *harness) WaitFinal(tb testing.TB, id string) *payment.Attempt {
	tb.Helper()
	return h.WaitFinalWithin(tb, id, waitMax)
}

// WaitFinalWithin is WaitFinal with a deadline of its own, for an attempt
// known to be resolved well within it once the engine works.
func (h *harness) WaitFinalWithin(tb testing.TB, id string, d time.Duration) *payment.Attempt {
	tb.Helper()
	var a *payment.Attempt
	poll(tb, "attempt "+id+" final in the store", d, 10*time.Millisecond, func() (bool, string) {
		a = h.Stored(tb, id)
		return a.State.Final(), fmt.Sprintf("state %s, reason %q, tries %d", a.State, a.Reason, a.Tries)
	})
	return a
}

// CheckLedger fails the test if the simulator's ledger breaks a money
// invariant (a double charge, a cancel not returned in full, refunds above
// the payment).
func (h *harness) CheckLedger(tb testing.TB) {
	tb.Helper()
	if err := h.Sim.Ledger().Check(); err != nil {
		tb.Errorf("the simulator's ledger breaks its invariants: %v", err)
	}
}

// eventually polls cond every 10ms until it holds or waitMax passes;
// cond's text says what was last seen.
func eventually(tb testing.TB, what string, cond func() (bool, string)) {
	tb.Helper()
	poll(tb, what, waitMax, 10*time.Millisecond, cond)
}

// poll checks cond every interval until it holds or within has passed.
func poll(tb testing.TB, what string, within, interval time.Duration, cond func() (bool, string)) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: not reached within %v; last seen: %s", what, within, last)
		}
		time.Sleep(interval)
	}
}

// lockDatabase takes SQLite's write lock on the database file from another
// connection, as an operator's shell or a backup would, so that every write
// of the store fails once its busy timeout passes while reads go on (WAL).
// The returned function releases the lock.
func lockDatabase(tb testing.TB, path string) (unlock func()) {
	tb.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		tb.Fatalf("open a second connection: %v", err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		tb.Fatalf("second connection: %v", err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		tb.Fatalf("take the write lock: %v", err)
	}
	var once sync.Once
	unlock = func() {
		once.Do(func() {
			if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
				tb.Errorf("release the write lock: %v", err)
			}
			_ = conn.Close()
			_ = db.Close()
		})
	}
	tb.Cleanup(unlock)
	return unlock
}

// waitStored waits until the attempt of kind with key is journaled and
// returns it. It polls closely, so that the caller acts right after the
// intent is durable, while the request is still at its first step.
func (h *harness) waitStored(tb testing.TB, kind payment.Kind, key payment.TerminalKey) *payment.Attempt {
	tb.Helper()
	var a *payment.Attempt
	poll(tb, "attempt journaled", waitMax, 200*time.Microsecond, func() (bool, string) {
		var err error
		a, err = h.Store.AttemptByKey(context.Background(), kind, key)
		return err == nil, fmt.Sprint(err)
	})
	return a
}

// contains reports whether types holds want.
func contains(types []string, want string) bool { return slices.Contains(types, want) }

// runEngine runs e's resolver until the test ends, and checks that it then
// stops as asked.
func runEngine(tb testing.TB, e *payment.Engine) *payment.Engine {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			tb.Errorf("Engine.Run returned %v, want context.Canceled", err)
		}
	})
	return e
}
