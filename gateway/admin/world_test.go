package admin_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store"
	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes"
	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
)

// The world every end-to-end test runs in: a SQLite file, the payment
// engine with the Alipay+ reference adapter on a real gRPC server and its
// wallet simulator on a real HTTP listener, the admin API on a real gRPC
// socket on 127.0.0.1, and two acquirers, A and B, each with a key.
const (
	acquirerA = "acq-a"
	acquirerB = "acq-b"
	// alipayCode is a valid Alipay+ code (prefix 28).
	alipayCode = "281234567890123456"
	clientID   = "MERIDIAN-ADMINTEST"
)

var (
	keysOnce               sync.Once
	acquirerKey, walletKey *rsa.PrivateKey
	keysErr                error
)

// rsaKeys are made once per test binary: 2048-bit generation is slow.
func rsaKeys(t *testing.T) (acquirer, wallet *rsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		if acquirerKey, keysErr = rsa.GenerateKey(rand.Reader, 2048); keysErr == nil {
			walletKey, keysErr = rsa.GenerateKey(rand.Reader, 2048)
		}
	})
	if keysErr != nil {
		t.Fatalf("generate RSA keys: %v", keysErr)
	}
	return acquirerKey, walletKey
}

// worldOptions change a world; zero values are the defaults named.
type worldOptions struct {
	// TLS is the admin server's; default none (plain text).
	TLS *tls.Config
	// NoRefunder leaves Config.Refunder nil.
	NoRefunder bool
	// Store wraps the admin store the server gets; default none.
	Store func(admin.Store) admin.Store
}

type world struct {
	DB      *store.SQLite
	Engine  *payment.Engine
	Sim     *sim.Simulator
	Addr    string
	Server  *admin.Server
	Conn    *grpc.ClientConn
	KeyA    string
	KeyB    string
	Logs    *syncBuffer
	stan    atomic.Int64
	serving chan error
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent logging.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newWorld(t *testing.T, opts worldOptions) *world {
	t.Helper()
	w := &world{Logs: &syncBuffer{}}
	var err error
	if w.DB, err = store.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "meridian.db"), store.Config{}); err != nil {
		t.Fatalf("store.OpenSQLite: %v", err)
	}
	t.Cleanup(func() { _ = w.DB.Close() }) // after the server and engine stop (cleanups run last first)
	w.Engine = startEngine(t, w)
	for id, key := range map[string]*string{acquirerA: &w.KeyA, acquirerB: &w.KeyB} {
		if _, *key, err = admin.Bootstrap(t.Context(), w.DB.Admin(), id, "Acquirer "+id); err != nil {
			t.Fatalf("Bootstrap %s: %v", id, err)
		}
	}
	var adminStore admin.Store = w.DB.Admin()
	if opts.Store != nil {
		adminStore = opts.Store(adminStore)
	}
	cfg := admin.Config{
		Store: adminStore, Payments: w.DB, Schemes: []string{alipayplus.SchemeID, "KAKAOPAY"},
		TLS: opts.TLS, Logger: slog.New(slog.NewJSONHandler(w.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if !opts.NoRefunder {
		cfg.Refunder = admin.EngineRefunder{Engine: w.Engine, Payments: w.DB}
	}
	if w.Server, err = admin.NewServer(cfg); err != nil {
		t.Fatalf("admin.NewServer: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	w.Addr = ln.Addr().String()
	w.serving = make(chan error, 1)
	go func() { w.serving <- w.Server.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		w.Server.GracefulStop(ctx)
		if err := <-w.serving; !errors.Is(err, admin.ErrServerClosed) {
			t.Errorf("Serve returned %v after GracefulStop, want ErrServerClosed", err)
		}
	})
	if opts.TLS == nil {
		w.Conn = dial(t, w.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	return w
}

func dial(t *testing.T, addr string, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, opts...)
	if err != nil {
		t.Fatalf("grpc.NewClient: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// startEngine runs the payment engine on w.DB with the Alipay+ adapter,
// served over gRPC, and its simulator.
func startEngine(t *testing.T, w *world) *payment.Engine {
	t.Helper()
	acquirer, wallet := rsaKeys(t)
	var err error
	w.Sim, err = sim.New(sim.Config{AcquirerClientID: clientID, AcquirerPublicKey: &acquirer.PublicKey, WalletPrivateKey: wallet})
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	simServer := httptest.NewServer(w.Sim)
	t.Cleanup(func() { w.Sim.Close(); simServer.Close() })
	adapter, err := alipayplus.New(alipayplus.Config{
		BaseURL: simServer.URL, ClientID: clientID, PrivateKey: acquirer, WalletPublicKey: &wallet.PublicKey,
		HTTPTimeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("alipayplus.New: %v", err)
	}
	t.Cleanup(adapter.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	adapterServer := grpc.NewServer()
	schemev1.RegisterSchemeAdapterServer(adapterServer, adapter)
	healthpb.RegisterHealthServer(adapterServer, health.NewServer())
	go func() { _ = adapterServer.Serve(ln) }()
	t.Cleanup(adapterServer.Stop)

	client, err := schemes.NewClient(schemes.ClientConfig{Scheme: alipayplus.SchemeID, Target: ln.Addr().String()})
	if err != nil {
		t.Fatalf("schemes.NewClient: %v", err)
	}
	registry := schemes.NewRegistry()
	if err := registry.Add(client); err != nil {
		t.Fatalf("registry.Add: %v", err)
	}
	t.Cleanup(func() { _ = registry.Close() })
	router, err := schemes.NewRouter(schemes.DefaultRoutes())
	if err != nil {
		t.Fatalf("schemes.NewRouter: %v", err)
	}
	engine, err := payment.New(payment.Config{
		Store: w.DB, Adapters: registryAdapters{registry}, Router: router, Policies: w.DB.Admin(),
		Budget: 5 * time.Second, InquiryInterval: 20 * time.Millisecond, ResolveInterval: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("payment.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- engine.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Engine.Run returned %v, want context.Canceled", err)
		}
	})
	return engine
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

// as returns a context whose calls carry key as a bearer token.
func as(t *testing.T, key string) context.Context {
	return metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer "+key)
}

// Clients of every service on one connection.
type clients struct {
	Acquirers    adminv1.AcquirerServiceClient
	Merchants    adminv1.MerchantServiceClient
	Stores       adminv1.StoreServiceClient
	Terminals    adminv1.TerminalServiceClient
	Transactions adminv1.TransactionServiceClient
	Review       adminv1.ReviewServiceClient
	Audit        adminv1.AuditServiceClient
}

func clientsOf(conn *grpc.ClientConn) clients {
	return clients{
		Acquirers:    adminv1.NewAcquirerServiceClient(conn),
		Merchants:    adminv1.NewMerchantServiceClient(conn),
		Stores:       adminv1.NewStoreServiceClient(conn),
		Terminals:    adminv1.NewTerminalServiceClient(conn),
		Transactions: adminv1.NewTransactionServiceClient(conn),
		Review:       adminv1.NewReviewServiceClient(conn),
		Audit:        adminv1.NewAuditServiceClient(conn),
	}
}

func (w *world) clients() clients { return clientsOf(w.Conn) }

var requestSeq atomic.Int64

// requestID returns a request ID not used before in this test binary.
func requestID() string { return fmt.Sprintf("req-%d", requestSeq.Add(1)) }

// newMerchant returns a valid merchant to create.
func newMerchant(id string) *adminv1.Merchant {
	return &adminv1.Merchant{
		Id: id, LegalName: "Café Müller GmbH", TradingName: "Café Müller", Mcc: "5812",
		Country: "DE", City: "Köln", Currency: "EUR", Schemes: []string{alipayplus.SchemeID},
		MarkupPercent: map[string]string{alipayplus.SchemeID: "1.50"}, MaxAmount: 100_000,
		FrequencyLimits: &adminv1.FrequencyLimits{PurchasesPerTerminalPerMinute: 50, PurchasesPerTerminalPerDay: 500},
	}
}

// onboard creates a merchant with one terminal for the acquirer with key.
func (w *world) onboard(t *testing.T, key, merchantID, terminalID string) *adminv1.Merchant {
	t.Helper()
	c := w.clients()
	m, err := c.Merchants.CreateMerchant(as(t, key), &adminv1.CreateMerchantRequest{RequestId: requestID(), Merchant: newMerchant(merchantID)})
	if err != nil {
		t.Fatalf("CreateMerchant %s: %v", merchantID, err)
	}
	_, err = c.Terminals.AddTerminal(as(t, key), &adminv1.AddTerminalRequest{RequestId: requestID(),
		Terminal: &adminv1.Terminal{Id: terminalID, MerchantId: merchantID}})
	if err != nil {
		t.Fatalf("AddTerminal %s: %v", terminalID, err)
	}
	return m
}

// purchase charges minor EUR cents at the terminal through the engine, as
// a terminal request would.
func (w *world) purchase(t *testing.T, merchantID, terminalID string, minor int64) (*payment.Attempt, error) {
	t.Helper()
	n := w.stan.Add(1)
	return w.Engine.Purchase(context.Background(), payment.PurchaseRequest{
		Key:        payment.TerminalKey{TerminalID: terminalID, STAN: fmt.Sprintf("%06d", n), TransmissionTime: "0101120000"},
		MerchantID: merchantID, Amount: payment.Money{Minor: minor, Currency: "EUR"}, Code: alipayCode,
	})
}

// approved makes an approved purchase, failing the test otherwise.
func (w *world) approved(t *testing.T, merchantID, terminalID string, minor int64) *payment.Attempt {
	t.Helper()
	a, err := w.purchase(t, merchantID, terminalID, minor)
	if err != nil || a.State != payment.StateApproved {
		t.Fatalf("purchase of %d at %s = %+v, %v; want approved", minor, terminalID, a, err)
	}
	return a
}

// wantCode fails t unless err has code want; it returns the status.
func wantCode(t *testing.T, what string, err error, want codes.Code) *status.Status {
	t.Helper()
	s := status.Convert(err)
	if s.Code() != want {
		t.Errorf("%s: %v, want %s", what, err, want)
	}
	return s
}

// violatedFields lists the fields a status's BadRequest detail names.
func violatedFields(s *status.Status) []string {
	var fields []string
	for _, d := range s.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
			}
		}
	}
	return fields
}
