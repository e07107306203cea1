package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// Defaults of Config.
const (
	DefaultTimeout         = 10 * time.Second
	DefaultInquiryAttempts = 10
	DefaultInquiryInterval = 200 * time.Millisecond
	// DefaultCurrency is used when the adapter lists no charge currencies
	// and Config.Currency is empty.
	DefaultCurrency = "EUR"
)

// Config configures a run of the kit. Target is required; for the other
// fields the zero value takes the default named.
type Config struct {
	// Target is the adapter's gRPC address, host:port. Required.
	Target string
	// DialOptions replace the default plain-text transport: set them for
	// TLS (grpc.WithTransportCredentials(credentials.NewTLS(...))).
	DialOptions []grpc.DialOption
	// Timeout bounds each check, all its calls together; a call still
	// unanswered then fails the check. Default DefaultTimeout.
	Timeout time.Duration
	// Currency is the ISO 4217 code payments are made in. Default: the
	// adapter's first charge currency, or DefaultCurrency when it lists
	// none. When the adapter lists charge currencies it must be one of them.
	Currency string
	// ScanURL is the sandbox's "customer scans the QR" endpoint, which the
	// kit POSTs {"qr": payload} to (a Meridian simulator's POST /sim/scan;
	// a URL without a path gets /sim/scan). Empty skips the check that a
	// scanned merchant-presented order is paid.
	ScanURL string
	// Merchant is sent in every Pay and CreateOrder. Default
	// DefaultMerchant().
	Merchant *schemev1.MerchantInfo
	// InquiryAttempts bounds the Inquire calls a check makes while it waits
	// for an outcome to settle. Default DefaultInquiryAttempts.
	InquiryAttempts int
	// InquiryInterval is the pause between those calls. Default
	// DefaultInquiryInterval.
	InquiryInterval time.Duration
	// HTTPClient posts to ScanURL. Default: a client of its own.
	HTTPClient *http.Client
	// Logf receives one line per call the kit makes, wallet codes masked.
	// Default: no log.
	Logf func(format string, args ...any)
}

// DefaultMerchant is the merchant the kit pays when Config.Merchant is nil.
func DefaultMerchant() *schemev1.MerchantInfo {
	return &schemev1.MerchantInfo{
		MerchantId:  "MERIDIANCONF001",
		LegalName:   "Meridian Conformance GmbH",
		TradingName: "Meridian Conformance",
		Mcc:         "5812",
		Country:     "DE",
		City:        "Berlin",
		StoreId:     "CONFSTORE01",
		TerminalId:  "CONF0001",
	}
}

// Status is the outcome of one check.
type Status string

// The outcomes of a check.
const (
	Pass Status = "PASS"
	Fail Status = "FAIL"
	Skip Status = "SKIP"
)

// CheckResult is the outcome of one check.
type CheckResult struct {
	// Name says what the check shows, e.g. "pay is idempotent on its key".
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Reason says why the check failed or was skipped; empty when passed.
	Reason string `json:"reason,omitempty"`
	// Notes are things worth knowing that do not fail the check.
	Notes []string `json:"notes,omitempty"`
}

// String is the check's line in a report: "PASS  name", "FAIL  name: reason".
func (c CheckResult) String() string {
	if c.Reason == "" {
		return fmt.Sprintf("%-4s  %s", c.Status, c.Name)
	}
	return fmt.Sprintf("%-4s  %s: %s", c.Status, c.Name, c.Reason)
}

// Report is the outcome of a run.
type Report struct {
	Target string `json:"target"`
	// RunID is part of every idempotency key the run used
	// ("conf-RUNID-N"), to find its calls in the adapter's logs.
	RunID    string        `json:"run_id"`
	SchemeID string        `json:"scheme_id,omitempty"`
	Currency string        `json:"currency"`
	Checks   []CheckResult `json:"checks"`
	Passed   int           `json:"passed"`
	Failed   int           `json:"failed"`
	Skipped  int           `json:"skipped"`
}

// OK reports whether no check failed.
func (r Report) OK() bool { return r.Failed == 0 }

// Summary is the report's closing line: "12 passed, 0 failed, 2 skipped".
func (r Report) Summary() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", r.Passed, r.Failed, r.Skipped)
}

func (r *Report) add(c CheckResult) {
	r.Checks = append(r.Checks, c)
	switch c.Status {
	case Pass:
		r.Passed++
	case Fail:
		r.Failed++
	case Skip:
		r.Skipped++
	}
}

// ConnectError is Run's error when the adapter cannot be reached at all:
// nothing listens at the target, or the transport (TLS) was refused.
type ConnectError struct {
	Target string
	Err    error
}

func (e *ConnectError) Error() string {
	return fmt.Sprintf("conformance: cannot reach the adapter at %s: %v", e.Target, e.Err)
}

func (e *ConnectError) Unwrap() error { return e.Err }

// Run runs every check against the adapter at cfg.Target, one after the
// other, and reports each. Its error is for a run that could not start: a
// bad Config (an error naming the field) or an adapter that cannot be
// reached (*ConnectError); a failing adapter is a Report with failures. A
// run whose ctx ends stops and returns the checks done and ctx's error.
func Run(ctx context.Context, cfg Config) (Report, error) {
	r, err := start(ctx, cfg)
	if err != nil {
		return Report{Target: cfg.Target}, err
	}
	defer r.close()
	report := r.report()
	for _, c := range checks {
		if err := ctx.Err(); err != nil {
			return report, fmt.Errorf("conformance: stopped after %d checks: %w", len(report.Checks), err)
		}
		report.add(r.runCheck(ctx, c))
	}
	return report, nil
}

// RunT runs every check as a subtest of t, named after the check: a failed
// check fails its subtest, a skipped one skips it, and notes are logged. A
// run that cannot start fails t at once.
func RunT(t *testing.T, cfg Config) Report {
	t.Helper()
	ctx := t.Context()
	r, err := start(ctx, cfg)
	if err != nil {
		t.Fatalf("conformance: %v", err)
	}
	defer r.close()
	report := r.report()
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			res := r.runCheck(ctx, c)
			report.add(res)
			for _, n := range res.Notes {
				t.Log("note:", n)
			}
			switch res.Status {
			case Fail:
				t.Error(res.Reason)
			case Skip:
				t.Skip(res.Reason)
			}
		})
	}
	return report
}

// CheckNames lists the checks in the order they run.
func CheckNames() []string {
	names := make([]string, len(checks))
	for i, c := range checks {
		names[i] = c.name
	}
	return names
}

// runner is one run's connection, the adapter's capabilities and the
// run's state.
type runner struct {
	cfg      Config
	conn     *grpc.ClientConn
	api      schemev1.SchemeAdapterClient
	health   healthpb.HealthClient
	http     *http.Client
	runID    string
	currency string
	// caps is nil when GetCapabilities answered an error; capsErr says which.
	caps    *schemev1.Capabilities
	capsErr error
	seq     atomic.Int64

	mu    sync.Mutex // guards codes
	codes []string   // every wallet code made, to mask wherever it is echoed
}

func start(ctx context.Context, cfg Config) (*runner, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	opts := cfg.DialOptions
	if len(opts) == 0 {
		opts = []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	}
	conn, err := grpc.NewClient(cfg.Target, opts...)
	if err != nil {
		return nil, fmt.Errorf("conformance: target %q: %w", cfg.Target, err)
	}
	r := &runner{
		cfg:    cfg,
		conn:   conn,
		api:    schemev1.NewSchemeAdapterClient(conn),
		health: healthpb.NewHealthClient(conn),
		http:   cfg.HTTPClient,
		runID:  randomHex(4),
	}
	if err := r.fetchCapabilities(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	if err := r.chooseCurrency(); err != nil {
		conn.Close()
		return nil, err
	}
	return r, nil
}

func withDefaults(cfg Config) (Config, error) {
	if cfg.Target == "" {
		return cfg, errors.New("conformance: Config.Target is empty: give the adapter's host:port")
	}
	if cfg.Timeout < 0 || cfg.InquiryAttempts < 0 || cfg.InquiryInterval < 0 {
		return cfg, errors.New("conformance: Config.Timeout, InquiryAttempts and InquiryInterval must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.InquiryAttempts == 0 {
		cfg.InquiryAttempts = DefaultInquiryAttempts
	}
	if cfg.InquiryInterval == 0 {
		cfg.InquiryInterval = DefaultInquiryInterval
	}
	if cfg.Merchant == nil {
		cfg.Merchant = DefaultMerchant()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	cfg.Currency = strings.ToUpper(strings.TrimSpace(cfg.Currency))
	var err error
	cfg.ScanURL, err = scanEndpoint(cfg.ScanURL)
	return cfg, err
}

// fetchCapabilities asks for the capabilities the checks build on. An
// adapter that cannot be reached is a ConnectError; one that answers with
// another error is kept, for the checks to fail on.
func (r *runner) fetchCapabilities(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	caps, err := r.api.GetCapabilities(ctx, &schemev1.GetCapabilitiesRequest{})
	switch status.Code(err) {
	case codes.OK:
		r.caps = caps
	case codes.Unavailable, codes.DeadlineExceeded, codes.Unauthenticated, codes.Canceled:
		return &ConnectError{Target: r.cfg.Target, Err: err}
	default:
		r.capsErr = fmt.Errorf("GetCapabilities answered %s", r.describeError(err))
	}
	return nil
}

func (r *runner) chooseCurrency() error {
	listed := r.caps.GetChargeCurrencies()
	switch {
	case r.cfg.Currency == "" && len(listed) > 0:
		r.currency = listed[0]
	case r.cfg.Currency == "":
		r.currency = DefaultCurrency
	case len(listed) > 0 && !slices.Contains(listed, r.cfg.Currency):
		return fmt.Errorf("conformance: currency %s is not among the adapter's charge currencies %v: pick one of them",
			r.cfg.Currency, listed)
	default:
		r.currency = r.cfg.Currency
	}
	return nil
}

func (r *runner) close() { r.conn.Close() }

func (r *runner) report() Report {
	return Report{Target: r.cfg.Target, RunID: r.runID, SchemeID: r.caps.GetSchemeId(), Currency: r.currency}
}

// runCheck runs one check within the per-check timeout. A panic in the
// check is the kit's own bug; it fails that check, not the run.
func (r *runner) runCheck(ctx context.Context, c check) (res CheckResult) {
	res = CheckResult{Name: c.name}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	n := &notes{}
	defer func() {
		if p := recover(); p != nil {
			res.Status, res.Reason = Fail, fmt.Sprintf("the kit panicked (a bug in the kit, please report it): %v", p)
		}
		res.Notes = n.list
	}()
	err := c.run(ctx, r, n)
	var skipped skip
	switch {
	case err == nil:
		res.Status = Pass
	case errors.As(err, &skipped):
		res.Status, res.Reason = Skip, string(skipped)
	default:
		res.Status, res.Reason = Fail, r.scrub(err.Error())
	}
	return res
}

// notes collects a check's notes.
type notes struct{ list []string }

func (n *notes) add(format string, args ...any) {
	n.list = append(n.list, fmt.Sprintf(format, args...))
}

// skip is a check's error when it does not apply to the adapter.
type skip string

func (s skip) Error() string { return string(s) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
