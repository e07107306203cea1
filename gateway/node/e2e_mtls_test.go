package node_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/meridian-gw/meridian/gateway/config"
	"github.com/meridian-gw/meridian/gateway/node/internal/e2etest"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
	"github.com/meridian-gw/meridian/internal/testpki"
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/reference"
)

// serveAdapterMTLS serves the reference Alipay+ adapter (with its
// simulator) as its own gRPC server that only lets in clients with a
// certificate from pki's CA, as adapterd does with --tls-client-ca.
func serveAdapterMTLS(t *testing.T, pki testpki.PKI) (addr, walletURL string) {
	t.Helper()
	a, err := reference.New("ALIPAYPLUS", reference.Options{Simulator: true})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(pki.ServerCert, pki.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(pki.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	clients := x509.NewCertPool()
	clients.AppendCertsFromPEM(caPEM)
	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{cert}, ClientCAs: clients,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12,
	})))
	schemev1.RegisterSchemeAdapterServer(srv, a.Server)
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.Close(ctx)
	})
	return ln.Addr().String(), a.SimulatorURL
}

// TestAdapterOverMutualTLS runs the gateway against an adapter in another
// server reached over mutual TLS, configured as adapters[].tls.
func TestAdapterOverMutualTLS(t *testing.T) {
	t.Parallel()
	pki := testpki.New(t)

	t.Run("With the gateway's client certificate purchases go through", func(t *testing.T) {
		t.Parallel()
		addr, walletURL := serveAdapterMTLS(t, pki)
		h := e2etest.Start(t, e2etest.Options{AdapterAddress: addr, WalletURL: walletURL, AdapterTLS: &config.AdapterTLS{
			CAFile: pki.CAFile, CertFile: pki.ClientCert, KeyFile: pki.ClientKey, ServerName: testpki.ServerName,
		}})
		term, c := h.NewTerminal(t), h.Dial(t)
		_, resp := approvedPurchase(t, h, term, c, amountApproved)
		wantRC(t, resp, wire.RCApproved)
		wantRC(t, e2etest.Do(t, c, term.Purchase(amountInsufficient, h.Code())), wire.RCInsufficientFunds)
	})

	t.Run("With a certificate from another CA the adapter refuses the gateway, and nothing is charged", func(t *testing.T) {
		t.Parallel()
		addr, walletURL := serveAdapterMTLS(t, pki)
		h := e2etest.Start(t, e2etest.Options{AdapterAddress: addr, WalletURL: walletURL, SkipReconcile: true, AdapterTLS: &config.AdapterTLS{
			CAFile: pki.CAFile, CertFile: pki.RogueClientCert, KeyFile: pki.RogueClientKey, ServerName: testpki.ServerName,
		}})
		term, c := h.NewTerminal(t), h.Dial(t)
		wantRC(t, e2etest.Do(t, c, term.Purchase(amountApproved, h.Code())), wire.RCSchemeUnavailable)
		if n := len(h.Ledger(t).Payments); n != 0 {
			t.Errorf("the wallet holds %d payments from a gateway it refused", n)
		}
	})
}
