package admin

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	"github.com/meridian-gw/meridian/gateway/payment"
	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

// Defaults of Config's zero values.
const (
	DefaultMaxRecvMsgBytes      = 1 << 20
	DefaultMaxConcurrentStreams = 100
	DefaultConnectionTimeout    = 10 * time.Second
	DefaultMaxConnectionIdle    = 5 * time.Minute
)

// Config configures a Server. Store, Payments and Schemes are required;
// every other zero value means the default its comment names.
type Config struct {
	// Store keeps acquirers, merchants, stores, terminals, requests and the
	// audit log: store.SQLite.Admin() on the gateway's database.
	Store Store
	// Payments is the payment journal the engine writes (the same
	// database): transaction history and refund sums are read from it.
	Payments payment.Store
	// Refunder makes refunds; nil answers RefundTransaction Unimplemented.
	Refunder Refunder
	// Schemes are the scheme IDs merchants may enable ("ALIPAYPLUS",
	// ...): those the gateway has adapters for.
	Schemes []string

	// TLS, if set, serves TLS with it. To let client certificates
	// authenticate (mapped with Operator.MapCertificate), set ClientCAs and
	// ClientAuth to tls.VerifyClientCertIfGiven (API keys and certificates
	// both work) or tls.RequireAndVerifyClientCert. Nil serves plain text:
	// for loopback and tests only, since API keys would cross the network
	// in clear.
	TLS *tls.Config

	// Logger receives one line per call and the errors; default
	// slog.Default(). No key or secret is ever logged.
	Logger *slog.Logger
	// Registerer, if set, gets the call counters
	// meridian_admin_requests_total{method,code} and
	// meridian_admin_request_duration_seconds{method}.
	Registerer prometheus.Registerer

	// MaxRecvMsgBytes bounds a request message. Default 1 MiB.
	MaxRecvMsgBytes int
	// MaxConcurrentStreams bounds the calls in flight on one connection.
	// Default 100.
	MaxConcurrentStreams uint32
	// ConnectionTimeout bounds a new connection's handshake. Default 10 s.
	ConnectionTimeout time.Duration
	// MaxConnectionIdle closes a connection idle this long. Default 5 min.
	MaxConnectionIdle time.Duration
}

// Server is the admin API's gRPC server, with the health and reflection
// services.
type Server struct {
	grpc    *grpc.Server
	health  *health.Server
	stopped atomic.Bool // set by GracefulStop
}

// ErrServerClosed is returned by Serve after GracefulStop, whether Serve
// was running then or called after.
var ErrServerClosed = errors.New("admin: server closed")

// NewServer checks cfg and assembles the server: the interceptor chain
// (observe, recover, authenticate), the limits, the API's services, the
// health service (every service SERVING) and server reflection.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Payments == nil || len(cfg.Schemes) == 0 {
		return nil, errors.New("admin: server needs a Store, Payments and at least one scheme")
	}
	cfg = cfg.withDefaults()
	obs := &observer{log: cfg.Logger}
	if cfg.Registerer != nil {
		var err error
		if obs.requests, obs.latency, err = newMetrics(cfg.Registerer); err != nil {
			return nil, err
		}
	}
	auth := &authenticator{store: cfg.Store, log: cfg.Logger}
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(obs.unary, recoverPanic(cfg.Logger), auth.unary),
		grpc.ChainStreamInterceptor(obs.stream, recoverStreamPanic(cfg.Logger)),
		grpc.MaxRecvMsgSize(cfg.MaxRecvMsgBytes),
		grpc.MaxConcurrentStreams(cfg.MaxConcurrentStreams),
		grpc.ConnectionTimeout(cfg.ConnectionTimeout),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: cfg.MaxConnectionIdle}),
	}
	if cfg.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(cfg.TLS)))
	}
	s := &Server{grpc: grpc.NewServer(opts...), health: health.NewServer()}
	c := &core{
		store: cfg.Store, payments: cfg.Payments, refunder: cfg.Refunder,
		schemes: make(map[string]bool, len(cfg.Schemes)), log: cfg.Logger,
	}
	for _, scheme := range cfg.Schemes {
		c.schemes[scheme] = true
	}
	adminv1.RegisterAcquirerServiceServer(s.grpc, &acquirerService{core: c})
	adminv1.RegisterMerchantServiceServer(s.grpc, &merchantService{core: c})
	adminv1.RegisterStoreServiceServer(s.grpc, &storeService{core: c})
	adminv1.RegisterTerminalServiceServer(s.grpc, &terminalService{core: c})
	adminv1.RegisterTransactionServiceServer(s.grpc, &transactionService{core: c})
	adminv1.RegisterReviewServiceServer(s.grpc, &reviewService{core: c})
	adminv1.RegisterAuditServiceServer(s.grpc, &auditService{core: c})
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)
	for name := range s.grpc.GetServiceInfo() {
		s.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	return s, nil
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxRecvMsgBytes <= 0 {
		c.MaxRecvMsgBytes = DefaultMaxRecvMsgBytes
	}
	if c.MaxConcurrentStreams == 0 {
		c.MaxConcurrentStreams = DefaultMaxConcurrentStreams
	}
	if c.ConnectionTimeout <= 0 {
		c.ConnectionTimeout = DefaultConnectionTimeout
	}
	if c.MaxConnectionIdle <= 0 {
		c.MaxConnectionIdle = DefaultMaxConnectionIdle
	}
	return c
}

// Serve accepts connections on lis until GracefulStop, and closes lis. It
// always returns an error: ErrServerClosed after GracefulStop, else what
// stopped it.
func (s *Server) Serve(lis net.Listener) error {
	err := s.grpc.Serve(lis)
	if s.stopped.Load() {
		return ErrServerClosed
	}
	return err
}

// GracefulStop marks every service NOT_SERVING (so that load balancers
// turn away), stops accepting connections and waits for the calls in
// flight; if ctx ends first, it closes every connection at once.
func (s *Server) GracefulStop(ctx context.Context) {
	s.stopped.Store(true)
	s.health.Shutdown()
	done := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.grpc.Stop()
		<-done
	}
}
