package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/meridian-gw/meridian/internal/testpki"
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/conformance"
	"github.com/meridian-gw/meridian/schemes/reference"
)

// testOptions are adapterd's options for the Alipay+ adapter with its
// simulator on a free loopback port.
func testOptions(tls TLSFiles) options {
	return options{
		scheme: "ALIPAYPLUS",
		listen: "127.0.0.1:0",
		partner: reference.Options{
			Simulator: true,
			Logger:    slog.New(slog.DiscardHandler),
		},
		tls:   tls,
		grace: 5 * time.Second,
	}
}

func startDaemon(t *testing.T, o options) *daemon {
	t.Helper()
	d, err := start(o)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d.stop(ctx)
	})
	return d
}

func TestMutualTLS(t *testing.T) {
	p := testpki.New(t)
	d := startDaemon(t, testOptions(TLSFiles{CertFile: p.ServerCert, KeyFile: p.ServerKey, ClientCAFile: p.CAFile}))

	refused := []struct {
		name string
		dial func(t *testing.T) grpc.DialOption
	}{
		{"A client without a certificate is refused", func(t *testing.T) grpc.DialOption {
			return dialTLS(t, conformance.TLSFiles{CAFile: p.CAFile, ServerName: testpki.ServerName})
		}},
		{"A client whose certificate another CA signed is refused", func(t *testing.T) grpc.DialOption {
			return dialTLS(t, conformance.TLSFiles{CAFile: p.CAFile, CertFile: p.RogueClientCert, KeyFile: p.RogueClientKey, ServerName: testpki.ServerName})
		}},
		{"A plain-text client is refused", func(*testing.T) grpc.DialOption {
			return grpc.WithTransportCredentials(insecure.NewCredentials())
		}},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, err := conformance.Run(context.Background(), conformance.Config{
				Target: d.addr, DialOptions: []grpc.DialOption{tc.dial(t)}, Timeout: 5 * time.Second,
			})
			var unreachable *conformance.ConnectError
			if !errors.As(err, &unreachable) {
				t.Fatalf("Run: %v, want a ConnectError: the handshake must fail", err)
			}
			t.Logf("refused: %v", err)
		})
	}
	t.Run("A client with the right certificate passes the conformance kit", func(t *testing.T) {
		report, err := conformance.Run(context.Background(), conformance.Config{
			Target:          d.addr,
			DialOptions:     []grpc.DialOption{dialTLS(t, conformance.TLSFiles{CAFile: p.CAFile, CertFile: p.ClientCert, KeyFile: p.ClientKey, ServerName: testpki.ServerName})},
			ScanURL:         d.adapter.SimulatorURL,
			InquiryInterval: time.Millisecond,
		})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		for _, c := range report.Checks {
			t.Log(c)
		}
		if !report.OK() || report.SchemeID != "ALIPAYPLUS" || report.Passed == 0 {
			t.Errorf("report for %s: %s, want no failures", report.SchemeID, report.Summary())
		}
	})
}

func dialTLS(t *testing.T, f conformance.TLSFiles) grpc.DialOption {
	t.Helper()
	opt, err := conformance.DialTLS(f)
	if err != nil {
		t.Fatal(err)
	}
	return opt
}

func TestHealthSaysNotServingFromTheStartOfAShutdown(t *testing.T) {
	d, err := start(testOptions(TLSFiles{}))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(d.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	watchCtx, stopWatching := context.WithCancel(context.Background())
	defer stopWatching()
	watch, err := healthpb.NewHealthClient(conn).Watch(watchCtx, &healthpb.HealthCheckRequest{
		Service: schemev1.SchemeAdapter_ServiceDesc.ServiceName,
	})
	if err != nil {
		t.Fatal(err)
	}
	if st := nextStatus(t, watch); st != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("a started adapterd says %s, want SERVING", st)
	}

	stopped := make(chan struct{})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		d.stop(ctx)
		close(stopped)
	}()
	if st := nextStatus(t, watch); st != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("a stopping adapterd says %s, want NOT_SERVING", st)
	}
	// The watch is a call in flight; once it ends the graceful stop can
	// finish without being cut.
	stopWatching()
	<-stopped
}

func nextStatus(t *testing.T, watch healthpb.Health_WatchClient) healthpb.HealthCheckResponse_ServingStatus {
	t.Helper()
	resp, err := watch.Recv()
	if err != nil {
		t.Fatalf("health watch: %v", err)
	}
	return resp.GetStatus()
}

// panicking is an adapter whose Pay panics.
type panicking struct {
	schemev1.UnimplementedSchemeAdapterServer
}

func (panicking) Pay(context.Context, *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	panic("adapter bug")
}

func (panicking) GetCapabilities(context.Context, *schemev1.GetCapabilitiesRequest) (*schemev1.Capabilities, error) {
	return &schemev1.Capabilities{SchemeId: "PANICPAY"}, nil
}

func TestAPanicInOneCallIsAnsweredInternalAndServingGoesOn(t *testing.T) {
	s := newAdapterServer(panicking{}, nil, slog.New(slog.DiscardHandler))
	ln := listen(t)
	go func() { _ = s.grpc.Serve(ln) }()
	defer s.grpc.Stop()
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := schemev1.NewSchemeAdapterClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	_, err = client.Pay(ctx, &schemev1.PayRequest{})
	if status.Code(err) != codes.Internal {
		t.Errorf("Pay of a panicking adapter: %v, want Internal", err)
	}
	caps, err := client.GetCapabilities(ctx, &schemev1.GetCapabilitiesRequest{})
	if err != nil || caps.GetSchemeId() != "PANICPAY" {
		t.Errorf("the next call: %v, %v; want the capabilities", caps, err)
	}
}

// lineReader hands over the lines run prints, as they come.
type lineReader struct {
	lines chan string
}

func readLines(r io.Reader) *lineReader {
	l := &lineReader{lines: make(chan string, 16)}
	go func() {
		s := bufio.NewScanner(r)
		for s.Scan() {
			l.lines <- s.Text()
		}
		close(l.lines)
	}()
	return l
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func TestRunServesUntilItsContextEnds(t *testing.T) {
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr bytes.Buffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"--scheme", "alipayplus", "--listen", "127.0.0.1:0", "--simulator", "--log-level", "error"}, pw, &stderr)
		pw.Close()
	}()
	out := readLines(pr)
	serving, ok := <-out.lines
	if !ok || !strings.HasPrefix(serving, "adapterd: serving ALIPAYPLUS on 127.0.0.1:") || !strings.HasSuffix(serving, "(plain text)") {
		t.Fatalf("first line %q, want adapterd: serving ALIPAYPLUS on 127.0.0.1:PORT (plain text)", serving)
	}
	addr := strings.Fields(serving)[4]
	simulator, ok := <-out.lines
	if !ok || !strings.HasPrefix(simulator, "adapterd: ALIPAYPLUS wallet simulator at http://127.0.0.1:") {
		t.Fatalf("second line %q, want the simulator's URL", simulator)
	}

	report, err := conformance.Run(ctx, conformance.Config{Target: addr, InquiryInterval: time.Millisecond})
	if err != nil || !report.OK() {
		t.Errorf("the kit against the served adapter: %v, %s", err, report.Summary())
	}
	cancel()
	if status := <-exited; status != exitOK {
		t.Errorf("exit %d after its context ended, want 0; stderr:\n%s", status, stderr.String())
	}
}

func TestUsageErrors(t *testing.T) {
	p := testpki.New(t)
	cases := []struct {
		name string
		args []string
		says string
	}{
		{"Without --scheme it lists the schemes", []string{"--simulator"}, "--scheme is required: one of ALIPAYPLUS"},
		{"An unknown scheme is refused", []string{"--scheme", "NOPAY"}, "--scheme NOPAY has no reference adapter"},
		{"Half the TLS flags are refused", []string{"--scheme", "ALIPAYPLUS", "--simulator", "--tls-cert", p.ServerCert, "--tls-key", p.ServerKey}, "mutual TLS needs"},
		{"A simulator with partner credentials is refused", []string{"--scheme", "ALIPAYPLUS", "--simulator", "--base-url", "https://x"}, "--simulator makes its own credentials"},
		{"A stray argument is refused", []string{"--scheme", "ALIPAYPLUS", "serve"}, `unexpected argument "serve"`},
		{"A bad log level is refused", []string{"--scheme", "ALIPAYPLUS", "--log-level", "loud"}, "--log-level"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			status := run(context.Background(), tc.args, &out, &errOut)
			if status == exitOK || !strings.Contains(errOut.String(), tc.says) {
				t.Errorf("exit %d, stderr %q; want a failure saying %q", status, errOut.String(), tc.says)
			}
		})
	}
	t.Run("Without the partner API's settings it says which are missing", func(t *testing.T) {
		var out, errOut bytes.Buffer
		status := run(context.Background(), []string{"--scheme", "ALIPAYPLUS", "--listen", "127.0.0.1:0"}, &out, &errOut)
		if status != exitFailure || !strings.Contains(errOut.String(), "base_url") {
			t.Errorf("exit %d, stderr %q; want exit 1 naming base_url", status, errOut.String())
		}
	})
	t.Run("A listen address in use is named", func(t *testing.T) {
		ln := listen(t)
		var out, errOut bytes.Buffer
		status := run(context.Background(), []string{"--scheme", "ALIPAYPLUS", "--simulator", "--listen", ln.Addr().String()}, &out, &errOut)
		if status != exitFailure || !strings.Contains(errOut.String(), "listen on "+ln.Addr().String()) {
			t.Errorf("exit %d, stderr %q; want exit 1 naming the address", status, errOut.String())
		}
	})
	t.Run("--help explains the command and lists the schemes", func(t *testing.T) {
		var out, errOut bytes.Buffer
		status := run(context.Background(), []string{"--help"}, &out, &errOut)
		for _, want := range []string{"--scheme ID", "ALIPAYPLUS", "--tls-client-ca", "NOT_SERVING", "--simulator"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("--help does not mention %q", want)
			}
		}
		if status != exitOK {
			t.Errorf("exit %d, want 0", status)
		}
	})
}
