package example

import (
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// Serve serves adapter on ln with the standard health service, over mutual
// TLS when tlsConfig is set, until the returned server is stopped. It is
// what an adapter's main does:
//
//	ln, err := net.Listen("tcp", ":7101")
//	srv := example.Serve(ln, example.New(example.Config{}), tlsConfig)
//	defer srv.GracefulStop()
func Serve(ln net.Listener, adapter schemev1.SchemeAdapterServer, tlsConfig *tls.Config) *grpc.Server {
	var opts []grpc.ServerOption
	if tlsConfig != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tlsConfig)))
	}
	srv := grpc.NewServer(opts...)
	schemev1.RegisterSchemeAdapterServer(srv, adapter)
	// The gateway checks health before it routes payments to the adapter.
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(ln) }()
	return srv
}

// ScanHandler serves POST /sim/scan {"qr": payload}: the sandbox's
// customer paying a merchant-presented order, which the conformance kit
// calls with --scan-url.
func (a *Adapter) ScanHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sim/scan", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			QR string `json:"qr"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&body); err != nil {
			http.Error(w, "want a JSON body {\"qr\": payload}", http.StatusBadRequest)
			return
		}
		if err := a.Scan(body.QR); err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"scanned":true}` + "\n"))
	})
	return mux
}
