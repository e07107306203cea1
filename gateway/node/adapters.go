package node

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/meridian-gw/meridian/gateway/config"
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes"
	"github.com/meridian-gw/meridian/schemes/contract"
	"github.com/meridian-gw/meridian/schemes/reference"
)

// builtin is a reference adapter running inside the node: a gRPC server on
// a loopback socket (the gateway reaches it as it would any partner's), and
// optionally its wallet simulator.
type builtin struct {
	scheme  string
	grpc    *grpc.Server
	adapter *reference.Adapter
}

func (b *builtin) stop(ctx context.Context) {
	done := make(chan struct{})
	go func() { b.grpc.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		b.grpc.Stop()
	}
	b.adapter.Close(ctx)
}

func (n *Node) startAdapters(ctx context.Context) error {
	for _, a := range n.cfg.Adapters {
		target := a.Address
		dial, err := adapterDialOptions(a.TLS)
		if err != nil {
			return fmt.Errorf("node: adapter %s: %w", a.Scheme, err)
		}
		if a.Builtin {
			b, addr, err := n.startBuiltin(a)
			if err != nil {
				return fmt.Errorf("node: built-in adapter %s: %w", a.Scheme, err)
			}
			n.builtins = append(n.builtins, b)
			target = addr
		}
		c, err := schemes.NewClient(schemes.ClientConfig{
			Scheme: a.Scheme, Target: target, CallTimeout: a.CallTimeout, DialOptions: dial, Connections: a.Connections,
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
	ref, err := reference.New(a.Scheme, reference.Options{
		Simulator:          a.Simulator,
		SimulatorAddr:      a.SimulatorAddr,
		SimulatorSlowDelay: a.SimulatorSlowDelay,
		BaseURL:            a.BaseURL,
		ClientID:           a.ClientID,
		ClientSecret:       a.ClientSecret,
		PrivateKey:         a.PrivateKey,
		WalletPublicKey:    a.WalletPublicKey,
		ChargeCurrencies:   a.ChargeCurrencies,
		Logger:             n.log,
	})
	if err != nil {
		return nil, "", err
	}
	if ref.SimulatorURL != "" {
		n.log.Info("wallet simulator serving", "scheme", a.Scheme, "url", ref.SimulatorURL)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ref.Close(context.Background())
		return nil, "", err
	}
	b := &builtin{scheme: a.Scheme, adapter: ref, grpc: grpc.NewServer(contract.ServerOptions(n.log)...)}
	schemev1.RegisterSchemeAdapterServer(b.grpc, ref.Server)
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(b.grpc, hs)
	go func() { _ = b.grpc.Serve(ln) }()
	return b, ln.Addr().String(), nil
}

// adapterDialOptions builds the transport to an adapter reached at an
// address: mutual TLS when configured, plain text otherwise.
func adapterDialOptions(t *config.AdapterTLS) ([]grpc.DialOption, error) {
	if t == nil {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if t.CAFile != "" {
		pool, err := certPool(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls ca_file: %w", err)
		}
		c.RootCAs = pool
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls client certificate: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return []grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(c))}, nil
}

func certPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", file)
	}
	return pool, nil
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
		pool, err := certPool(t.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("node: terminal tls client CA: %w", err)
		}
		c.ClientCAs, c.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return c, nil
}
