package example_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/conformance/example"
)

// The main of an adapter process: mutual TLS (the gateway must present a
// certificate your CA signed), the adapter, the health service, and a
// graceful stop on SIGTERM. docs/ADAPTERS.md shows this code.
func Example() {
	cert, err := tls.LoadX509KeyPair("/etc/adapter/server.pem", "/etc/adapter/server.key")
	if err != nil {
		log.Fatal(err)
	}
	caPEM, err := os.ReadFile("/etc/adapter/gateway-ca.pem")
	if err != nil {
		log.Fatal(err)
	}
	gatewayCAs := x509.NewCertPool()
	gatewayCAs.AppendCertsFromPEM(caPEM)
	creds := credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    gatewayCAs,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	})

	srv := grpc.NewServer(grpc.Creds(creds))
	schemev1.RegisterSchemeAdapterServer(srv, example.New(example.Config{}))
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)

	ln, err := net.Listen("tcp", ":7101")
	if err != nil {
		log.Fatal(err)
	}
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	go func() {
		if err := srv.Serve(ln); err != nil {
			log.Fatal(err)
		}
	}()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	hs.Shutdown() // NOT_SERVING: the gateway stops routing here
	done := make(chan struct{})
	go func() { srv.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		srv.Stop() // calls still in flight are cut; the gateway resolves them
	}
}
