package node

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/meridian-gw/meridian/gateway/config"
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes"
	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
)

// builtin is a reference adapter running inside the node: a gRPC server on
// a loopback socket (the gateway reaches it as it would any partner's), and
// optionally its wallet simulator on another.
type builtin struct {
	scheme   string
	grpc     *grpc.Server
	close    func()
	sim      *http.Server
	simClose func() // releases answers the simulator holds back
	simURL   string
}

func (b *builtin) stop(ctx context.Context) {
	done := make(chan struct{})
	go func() { b.grpc.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		b.grpc.Stop()
	}
	if b.close != nil {
		b.close()
	}
	if b.simClose != nil {
		b.simClose()
	}
	if b.sim != nil {
		_ = b.sim.Shutdown(ctx)
		_ = b.sim.Close()
	}
}

func (n *Node) startAdapters(ctx context.Context) error {
	for _, a := range n.cfg.Adapters {
		target := a.Address
		if a.Builtin {
			b, addr, err := n.startBuiltin(a)
			if err != nil {
				return fmt.Errorf("node: built-in adapter %s: %w", a.Scheme, err)
			}
			n.builtins = append(n.builtins, b)
			target = addr
		}
		c, err := schemes.NewClient(schemes.ClientConfig{
			Scheme: a.Scheme, Target: target, CallTimeout: a.CallTimeout,
			Breaker: schemes.BreakerConfig{Failures: a.BreakerFailures, OpenFor: a.BreakerOpenFor},
		})
		if err != nil {
			return fmt.Errorf("node: %w", err)
		}
		if err := n.registry.Add(c); err != nil {
			c.Close()
			return fmt.Errorf("node: %w", err)
		}
		n.metrics.WatchCircuit(a.Scheme, c.CircuitOpen)
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err = c.Capabilities(cctx)
		cancel()
		if err != nil {
			if a.Builtin {
				return fmt.Errorf("node: %w", err)
			}
			// A partner's adapter may come up after the gateway; calls fail
			// fast (RC 91) until it does.
			n.log.Warn("adapter not reachable at start", "scheme", a.Scheme, "address", a.Address, "err", err)
		}
	}
	return nil
}

func (n *Node) startBuiltin(a config.Adapter) (*builtin, string, error) {
	if a.Scheme != alipayplus.SchemeID {
		return nil, "", fmt.Errorf("no built-in adapter for scheme %s (built in: %s)", a.Scheme, alipayplus.SchemeID)
	}
	b := &builtin{scheme: a.Scheme}
	acfg := alipayplus.Config{BaseURL: a.BaseURL, ClientID: a.ClientID, ChargeCurrencies: a.ChargeCurrencies, Logger: n.log}
	if a.Simulator {
		if err := b.startSimulator(a, &acfg, n); err != nil {
			return nil, "", err
		}
	} else {
		var err error
		if acfg.PrivateKey, err = alipayplus.LoadPrivateKey(a.PrivateKey); err != nil {
			return nil, "", err
		}
		if acfg.WalletPublicKey, err = alipayplus.LoadPublicKey(a.WalletPublicKey); err != nil {
			return nil, "", err
		}
	}
	adapter, err := alipayplus.New(acfg)
	if err != nil {
		b.stop(context.Background())
		return nil, "", err
	}
	b.close = adapter.Close
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.stop(context.Background())
		return nil, "", err
	}
	b.grpc = grpc.NewServer()
	schemev1.RegisterSchemeAdapterServer(b.grpc, adapter)
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(b.grpc, hs)
	go func() { _ = b.grpc.Serve(ln) }()
	return b, ln.Addr().String(), nil
}

// startSimulator runs the wallet simulator with key pairs made for this run
// only, and points the adapter's config at it.
func (b *builtin) startSimulator(a config.Adapter, acfg *alipayplus.Config, n *Node) error {
	acquirer, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	wallet, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	const clientID = "MERIDIAN-DEMO"
	s, err := sim.New(sim.Config{
		AcquirerClientID:  clientID,
		AcquirerPublicKey: &acquirer.PublicKey,
		WalletPrivateKey:  wallet,
		SlowDelay:         a.SimulatorSlowDelay,
		Logger:            n.log,
	})
	if err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	b.sim = &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	b.simClose = s.Close
	go func() { _ = b.sim.Serve(ln) }()
	b.simURL = "http://" + ln.Addr().String()
	acfg.BaseURL, acfg.ClientID = b.simURL, clientID
	acfg.PrivateKey, acfg.WalletPublicKey = acquirer, &wallet.PublicKey
	return nil
}

// terminalTLS builds the terminal listener's TLS settings, nil for none.
func terminalTLS(t *config.TLS) (*tls.Config, error) {
	if t == nil {
		return nil, nil
	}
	if t.CertFile == "" || t.KeyFile == "" {
		return nil, errors.New("node: terminal tls needs cert_file and key_file")
	}
	cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("node: terminal tls certificate: %w", err)
	}
	c := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if t.ClientCAFile != "" {
		pem, err := os.ReadFile(t.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("node: terminal tls client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("node: terminal tls client CA %s holds no certificate", t.ClientCAFile)
		}
		c.ClientCAs, c.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return c, nil
}
