package e2etest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
)

// Wallet is the Alipay+ reference adapter served over gRPC and its wallet
// simulator, running apart from any node, so that both outlive a node that
// is stopped (or killed) and started again on the same data directory. A
// node reaches it with Options.AdapterAddress = Addr.
type Wallet struct {
	// Addr is the adapter's gRPC address.
	Addr string
	// URL is the simulator's base URL (GET URL + "/sim/ledger").
	URL string
	// Logs holds what the adapter and the simulator logged.
	Logs *LogBuffer
}

// StartWallet runs an adapter and its simulator until the end of the test.
func StartWallet(t testing.TB) *Wallet {
	t.Helper()
	acquirer, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	walletKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	const clientID = "MERIDIAN-E2E"
	logs := &LogBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := sim.New(sim.Config{
		AcquirerClientID:  clientID,
		AcquirerPublicKey: &acquirer.PublicKey,
		WalletPrivateKey:  walletKey,
		SlowDelay:         SlowDelay,
		Logger:            logger,
	})
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	simLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	simSrv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	simSrv.RegisterOnShutdown(s.Close)
	go func() { _ = simSrv.Serve(simLn) }()
	url := "http://" + simLn.Addr().String()

	adapter, err := alipayplus.New(alipayplus.Config{
		BaseURL: url, ClientID: clientID, PrivateKey: acquirer, WalletPublicKey: &walletKey.PublicKey,
		Logger: logger,
	})
	if err != nil {
		t.Fatalf("adapter: %v", err)
	}
	grpcLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	schemev1.RegisterSchemeAdapterServer(g, adapter)
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(g, hs)
	go func() { _ = g.Serve(grpcLn) }()

	t.Cleanup(func() {
		g.Stop()
		adapter.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = simSrv.Shutdown(ctx)
	})
	return &Wallet{Addr: grpcLn.Addr().String(), URL: url, Logs: logs}
}
