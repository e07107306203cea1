package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/conformance"
	"github.com/meridian-gw/meridian/schemes/conformance/example"
	"github.com/meridian-gw/meridian/schemes/reference"
)

// serve serves adapter with the health service on a real socket on
// 127.0.0.1 and returns its address.
func serve(t *testing.T, adapter schemev1.SchemeAdapterServer) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	schemev1.RegisterSchemeAdapterServer(srv, adapter)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	return ln.Addr().String()
}

// alipayPlus serves the Alipay+ reference adapter against its simulator
// and returns the adapter's address and the simulator's URL.
func alipayPlus(t *testing.T) (addr, simulatorURL string) {
	t.Helper()
	a, err := reference.New("ALIPAYPLUS", reference.Options{Simulator: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	return serve(t, a.Server), a.SimulatorURL
}

func runCommand(t *testing.T, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	status = run(context.Background(), args, &out, &errOut)
	t.Logf("conformance %s: exit %d\n%s%s", strings.Join(args, " "), status, out.String(), errOut.String())
	return status, out.String(), errOut.String()
}

func TestAgainstTheAlipayPlusReferenceAdapter(t *testing.T) {
	addr, simulatorURL := alipayPlus(t)

	t.Run("Every check passes or is skipped, one line each, and the exit status is 0", func(t *testing.T) {
		status, out, _ := runCommand(t, "--addr", addr, "--scan-url", simulatorURL)
		if status != exitOK {
			t.Fatalf("exit %d, want %d", status, exitOK)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		checks := 0
		for _, l := range lines {
			if strings.HasPrefix(l, "PASS  ") || strings.HasPrefix(l, "SKIP  ") {
				checks++
			}
			if strings.HasPrefix(l, "FAIL") {
				t.Errorf("a check failed: %s", l)
			}
		}
		if checks != len(conformance.CheckNames()) {
			t.Errorf("%d check lines, want %d", checks, len(conformance.CheckNames()))
		}
		if !strings.Contains(lines[0], "ALIPAYPLUS at "+addr) {
			t.Errorf("first line %q does not name the scheme and address", lines[0])
		}
		if last := lines[len(lines)-1]; !strings.Contains(last, " passed, 0 failed, ") {
			t.Errorf("summary %q, want N passed, 0 failed, N skipped", last)
		}
	})
	t.Run("--json prints the report as JSON", func(t *testing.T) {
		status, out, _ := runCommand(t, "--addr", addr, "--json", "--currency", "GBP")
		var report conformance.Report
		if err := json.Unmarshal([]byte(out), &report); err != nil {
			t.Fatalf("output is not a JSON report: %v", err)
		}
		if status != exitOK || report.SchemeID != "ALIPAYPLUS" || report.Currency != "GBP" || report.Failed != 0 ||
			len(report.Checks) != len(conformance.CheckNames()) {
			t.Errorf("exit %d, report %+v; want ALIPAYPLUS in GBP, every check, none failed", status, report)
		}
	})
	t.Run("--verbose logs every call with the wallet code masked", func(t *testing.T) {
		_, _, errOut := runCommand(t, "--addr", addr, "--verbose")
		if !strings.Contains(errOut, "Pay conf-") || !strings.Contains(errOut, "******") {
			t.Errorf("stderr holds no Pay calls with masked codes")
		}
	})
}

// refundsTooMuch approves refunds beyond what remains of the payment.
type refundsTooMuch struct{ *example.Adapter }

func (r refundsTooMuch) Refund(ctx context.Context, req *schemev1.RefundRequest) (*schemev1.RefundResponse, error) {
	resp, err := r.Adapter.Refund(ctx, req)
	if resp.GetResult().GetReason() == schemev1.FailureReason_FAILURE_REASON_REFUND_EXCEEDS_PAYMENT {
		return &schemev1.RefundResponse{Result: &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_SUCCESS},
			SchemeRefundId: "R-" + req.GetRefundIdempotencyKey()}, nil
	}
	return resp, err
}

func TestAFailingAdapterExitsOne(t *testing.T) {
	addr := serve(t, refundsTooMuch{example.New(example.Config{})})
	status, out, _ := runCommand(t, "--addr", addr)
	if status != exitFailed {
		t.Errorf("exit %d, want %d", status, exitFailed)
	}
	if !strings.Contains(out, "FAIL  refunds never exceed the charge and are idempotent: ") ||
		!strings.Contains(out, " passed, 2 failed, 1 skipped") {
		t.Errorf("output does not name the failing refund check and count 2 failed")
	}
}

func TestUsageAndConnectionErrorsExitTwo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	cases := []struct {
		name string
		args []string
		// says is what stderr must tell the user.
		says string
	}{
		{"Without --addr the command says it is required", nil, "--addr is required"},
		{"An unknown flag points to --help", []string{"--addr", closed, "--nope"}, "see conformance --help"},
		{"A stray argument is refused", []string{"--addr", closed, "extra"}, `unexpected argument "extra"`},
		{"A client certificate without its key is refused", []string{"--addr", closed, "--tls-cert", "client.pem"}, "both its certificate and its key"},
		{"A missing CA file is named", []string{"--addr", closed, "--tls-ca", "/nonexistent/ca.pem"}, "TLS CA"},
		{"A non-positive timeout is refused", []string{"--addr", closed, "--timeout", "0s"}, "--timeout must be positive"},
		{"An adapter that is not there gets advice", []string{"--addr", closed, "--timeout", "5s"}, "Is the adapter running and listening on " + closed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, out, errOut := runCommand(t, tc.args...)
			if status != exitUsage || !strings.Contains(errOut, tc.says) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, nothing on stdout, and stderr saying %q",
					status, out, errOut, exitUsage, tc.says)
			}
		})
	}
}

func TestHelpExplainsTheCommand(t *testing.T) {
	status, out, _ := runCommand(t, "--help")
	for _, want := range []string{"--addr HOST:PORT", "--tls-ca", "--scan-url", "--json", "Exit status", "last\ntwo digits"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help does not mention %q", want)
		}
	}
	if status != exitOK {
		t.Errorf("exit %d, want 0", status)
	}
}
