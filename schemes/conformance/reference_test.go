package conformance_test

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/conformance"
	"github.com/meridian-gw/meridian/schemes/reference"
)

// Every reference adapter, against its own wallet simulator, passes the
// whole kit over real gRPC. A scheme added to package reference is covered
// here without a change.
func TestReferenceAdaptersPassTheKit(t *testing.T) {
	schemes := reference.Schemes()
	if len(schemes) == 0 {
		t.Fatal("package reference has no adapters")
	}
	for _, scheme := range schemes {
		t.Run("The "+scheme+" reference adapter with its simulator passes", func(t *testing.T) {
			a, err := reference.New(scheme, reference.Options{Simulator: true})
			if err != nil {
				t.Fatalf("reference.New(%s): %v", scheme, err)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				a.Close(ctx)
			})
			report := conformance.RunT(t, conformance.Config{
				Target:          serveReference(t, a.Server),
				ScanURL:         a.SimulatorURL, // its POST /sim/scan plays the customer
				InquiryInterval: time.Millisecond,
			})
			if report.SchemeID != scheme {
				t.Errorf("the adapter says it is %q, want %q", report.SchemeID, scheme)
			}
			// A reference adapter offers everything the kit checks.
			if report.Skipped != 0 || report.Passed != len(conformance.CheckNames()) {
				t.Errorf("%d of %d checks passed, %d skipped; a reference adapter must pass them all", report.Passed, len(conformance.CheckNames()), report.Skipped)
			}
		})
	}
}

// serveReference serves a reference adapter as adapterd does: its own gRPC
// server on a loopback socket, with the health service SERVING.
func serveReference(t *testing.T, adapter schemev1.SchemeAdapterServer) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	schemev1.RegisterSchemeAdapterServer(srv, adapter)
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	return ln.Addr().String()
}
