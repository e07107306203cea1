package main

import (
	"context"
	"crypto/tls"
	"log/slog"
	"runtime/debug"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// Limits of the gRPC server.
const (
	// maxRecvMsgBytes bounds a request: adapter requests are a few hundred
	// bytes, so 1 MiB only stops a hostile or broken client.
	maxRecvMsgBytes = 1 << 20
	// maxConcurrentStreams bounds calls in flight on one connection.
	maxConcurrentStreams = 1024
	// keepaliveMinTime is the most often a client may ping; more often and
	// the server closes the connection.
	keepaliveMinTime = 10 * time.Second
)

// adapterServer is one adapter served over gRPC with the health service
// (SERVING while it serves, NOT_SERVING from the start of a shutdown) and
// the reflection service.
type adapterServer struct {
	grpc   *grpc.Server
	health *health.Server
}

func newAdapterServer(adapter schemev1.SchemeAdapterServer, tlsConfig *tls.Config, log *slog.Logger) *adapterServer {
	opts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(maxRecvMsgBytes),
		grpc.MaxConcurrentStreams(maxConcurrentStreams),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: keepaliveMinTime, PermitWithoutStream: true}),
		grpc.ChainUnaryInterceptor(recoverPanics(log)),
	}
	if tlsConfig != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tlsConfig)))
	}
	s := &adapterServer{grpc: grpc.NewServer(opts...), health: health.NewServer()}
	schemev1.RegisterSchemeAdapterServer(s.grpc, adapter)
	s.setServing(healthpb.HealthCheckResponse_NOT_SERVING)
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)
	return s
}

// setServing sets the status of the server as a whole ("") and of the
// adapter service by name, which is what a client may ask for.
func (s *adapterServer) setServing(st healthpb.HealthCheckResponse_ServingStatus) {
	s.health.SetServingStatus("", st)
	s.health.SetServingStatus(schemev1.SchemeAdapter_ServiceDesc.ServiceName, st)
}

// shutdown says NOT_SERVING, then lets the calls in flight finish until ctx
// ends, when it cuts the rest.
func (s *adapterServer) shutdown(ctx context.Context) {
	s.health.Shutdown() // NOT_SERVING, and it stays so
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

// recoverPanics confines a panic to the call that raised it: the call is
// answered Internal (for a money-moving call, an outcome the gateway treats
// as unknown and resolves) and the process goes on serving.
func recoverPanics(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if p := recover(); p != nil {
				log.Error("adapter call panicked", "method", info.FullMethod, "panic", p, "stack", string(debug.Stack()))
				resp, err = nil, status.Error(codes.Internal, "the adapter failed on this call; its outcome is not known")
			}
		}()
		return handler(ctx, req)
	}
}
