package main

import (
	"context"
	"crypto/tls"
	"log/slog"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/contract"
)

// adapterServer is one adapter served over gRPC with the health service
// (SERVING while it serves, NOT_SERVING from the start of a shutdown) and
// the reflection service.
type adapterServer struct {
	grpc   *grpc.Server
	health *health.Server
}

func newAdapterServer(adapter schemev1.SchemeAdapterServer, tlsConfig *tls.Config, log *slog.Logger) *adapterServer {
	opts := contract.ServerOptions(log)
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
