package conformance_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/conformance"
	"github.com/meridian-gw/meridian/schemes/conformance/example"
)

// serve serves adapter on a real TCP socket on 127.0.0.1, with the health
// service unless noHealth, and returns its address.
func serve(t *testing.T, adapter schemev1.SchemeAdapterServer, noHealth bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	schemev1.RegisterSchemeAdapterServer(srv, adapter)
	if !noHealth {
		healthpb.RegisterHealthServer(srv, health.NewServer())
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	return ln.Addr().String()
}

// run runs the kit against adapter and returns the report.
func run(t *testing.T, adapter schemev1.SchemeAdapterServer, cfg conformance.Config) conformance.Report {
	t.Helper()
	if cfg.Target == "" {
		cfg.Target = serve(t, adapter, false)
	}
	if cfg.InquiryInterval == 0 {
		cfg.InquiryInterval = time.Millisecond
	}
	report, err := conformance.Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, c := range report.Checks {
		t.Log(c)
	}
	return report
}

func result(t *testing.T, report conformance.Report, name string) conformance.CheckResult {
	t.Helper()
	for _, c := range report.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check named %q in the report", name)
	return conformance.CheckResult{}
}

func TestExampleAdapterPassesEveryCheck(t *testing.T) {
	adapter := example.New(example.Config{})
	scan := httptest.NewServer(adapter.ScanHandler())
	defer scan.Close()

	report := run(t, adapter, conformance.Config{ScanURL: scan.URL})

	if report.Failed != 0 || report.Skipped != 0 || report.Passed != len(conformance.CheckNames()) {
		t.Errorf("report: %s, want every one of the %d checks passed", report.Summary(), len(conformance.CheckNames()))
	}
	if report.SchemeID != example.DefaultSchemeID || report.Currency != "EUR" {
		t.Errorf("report is about %s in %s, want %s in EUR", report.SchemeID, report.Currency, example.DefaultSchemeID)
	}
}

func TestKitRunsAgainAndAgainAgainstTheSameAdapter(t *testing.T) {
	adapter := example.New(example.Config{})
	addr := serve(t, adapter, false)
	first := run(t, adapter, conformance.Config{Target: addr})
	second := run(t, adapter, conformance.Config{Target: addr})
	if !first.OK() || !second.OK() {
		t.Fatalf("runs: %s, then %s; want both without failures", first.Summary(), second.Summary())
	}
	if first.RunID == second.RunID {
		t.Errorf("both runs have id %s; keys would collide", first.RunID)
	}
}

func TestWithoutAScanURLTheScanCheckIsSkipped(t *testing.T) {
	report := run(t, example.New(example.Config{}), conformance.Config{})
	c := result(t, report, "a scanned merchant-presented order is paid")
	if c.Status != conformance.Skip || !strings.Contains(c.Reason, "scan URL") {
		t.Errorf("scan check: %v, want skipped for want of a scan URL", c)
	}
	if report.Failed != 0 || report.Skipped != 1 {
		t.Errorf("report: %s, want 1 skipped and no failure", report.Summary())
	}
}

func TestRunTRunsEachCheckAsASubtest(t *testing.T) {
	adapter := example.New(example.Config{})
	scan := httptest.NewServer(adapter.ScanHandler())
	defer scan.Close()
	report := conformance.RunT(t, conformance.Config{
		Target: serve(t, adapter, false), ScanURL: scan.URL, InquiryInterval: time.Millisecond,
	})
	if len(report.Checks) != len(conformance.CheckNames()) || !report.OK() {
		t.Errorf("RunT report: %d checks, %s", len(report.Checks), report.Summary())
	}
}

func TestRunRefusesWhatItCannotStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()

	t.Run("A target where nothing listens is a ConnectError", func(t *testing.T) {
		_, err := conformance.Run(context.Background(), conformance.Config{Target: closed, Timeout: 5 * time.Second})
		var ce *conformance.ConnectError
		if !errors.As(err, &ce) || ce.Target != closed {
			t.Errorf("Run: %v, want a ConnectError for %s", err, closed)
		}
	})
	t.Run("An empty target is a configuration error", func(t *testing.T) {
		_, err := conformance.Run(context.Background(), conformance.Config{})
		if err == nil || !strings.Contains(err.Error(), "Target") {
			t.Errorf("Run: %v, want an error naming Target", err)
		}
	})
	t.Run("A currency the adapter does not charge is a configuration error", func(t *testing.T) {
		addr := serve(t, example.New(example.Config{}), false)
		_, err := conformance.Run(context.Background(), conformance.Config{Target: addr, Currency: "JPY"})
		if err == nil || !strings.Contains(err.Error(), "JPY") {
			t.Errorf("Run: %v, want an error naming JPY", err)
		}
	})
	t.Run("A scan URL that is not http is a configuration error", func(t *testing.T) {
		_, err := conformance.Run(context.Background(), conformance.Config{Target: closed, ScanURL: "ftp://x"})
		if err == nil || !strings.Contains(err.Error(), "scan URL") {
			t.Errorf("Run: %v, want an error naming the scan URL", err)
		}
	})
}

func TestLogAndReportNeverShowAWalletCodeInFull(t *testing.T) {
	adapter := &echoingAdapter{Adapter: example.New(example.Config{})}
	var mu sync.Mutex
	var logged []string
	report := run(t, adapter, conformance.Config{Logf: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, fmt.Sprintf(format, args...))
	}})
	adapter.mu.Lock()
	seen := adapter.codes
	adapter.mu.Unlock()
	if len(seen) == 0 || len(logged) == 0 || report.OK() {
		t.Fatalf("%d codes seen, %d lines logged, report %s; want codes, lines and failures whose reasons echo codes",
			len(seen), len(logged), report.Summary())
	}
	text := strings.Join(logged, "\n")
	for _, c := range report.Checks {
		text += "\n" + c.String() + "\n" + strings.Join(c.Notes, "\n")
	}
	for _, code := range seen {
		if len(code) > 8 && strings.Contains(text, code) {
			t.Fatalf("the log or report shows wallet code %s… in full", code[:4])
		}
	}
	if !strings.Contains(text, seen[0][:4]+"**") {
		t.Errorf("neither log nor report shows a masked code; want e.g. %s**…", seen[0][:4])
	}
}

// echoingAdapter puts the wallet code into every Pay answer, as a careless
// wallet might, and declines everything without a reason, so the kit
// reports those answers in its failures.
type echoingAdapter struct {
	*example.Adapter
	mu    sync.Mutex
	codes []string
}

func (e *echoingAdapter) Pay(ctx context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	e.mu.Lock()
	e.codes = append(e.codes, req.GetPaymentCode())
	e.mu.Unlock()
	resp, err := e.Adapter.Pay(ctx, req)
	if err != nil {
		return nil, status.Errorf(status.Code(err), "%s (code %s)", status.Convert(err).Message(), req.GetPaymentCode())
	}
	resp.Result.Message = "code " + req.GetPaymentCode()
	if resp.Result.Status == schemev1.ResultStatus_RESULT_STATUS_FAILURE {
		resp.Result.Reason = schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR
	}
	return resp, nil
}
