package sim

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/meridian-gw/meridian/schemes/kakaopay"
	"github.com/meridian-gw/meridian/schemes/simkit"
)

// Defaults of Config.
const (
	DefaultSlowDelay        = simkit.DefaultSlowDelay
	DefaultCancelWindow     = simkit.DefaultCancelWindow
	DefaultRefundWindow     = simkit.DefaultRefundWindow
	DefaultOrderLifetime    = simkit.DefaultOrderLifetime
	DefaultMaxBodyBytes     = 64 << 10
	DefaultMaxLedgerEntries = simkit.DefaultMaxEntries
)

// Config configures a Simulator. Fields marked required have no default; for
// the others the zero value takes the default named.
type Config struct {
	// Secret is the secret key accepted in "Authorization: SECRET_KEY ...";
	// any other answers HTTP 401 with error_code -401. Required.
	Secret string
	// CID is the merchant code accepted; requests naming another get -730.
	// Required.
	CID string
	// BaseURL is the simulator's own scheme and host as the customer's
	// phone reaches it, e.g. "http://127.0.0.1:8443": ready builds the
	// order URLs the terminal shows as a QR code from it. Empty: the scheme
	// and host the ready request itself came to.
	BaseURL string
	// SlowDelay is how long the 93 rule holds an answer, and when the
	// payment becomes paid. Longer than the gateway's budget. Default 30s.
	SlowDelay time.Duration
	// CancelWindow is how long after its creation a payment can be voided
	// (a cancel without payload); later ones get -764. KakaoPay's cancel
	// works much longer; a fixed day keeps the gateway's void-then-refund
	// path testable. Default 24h.
	CancelWindow time.Duration
	// RefundWindow is how long after its creation a payment can be
	// refunded (a cancel with payload); later ones get -769. Default 365
	// days.
	RefundWindow time.Duration
	// OrderLifetime is how long a ready order waits for the customer at
	// most; a shorter expires_in_seconds is honoured. Default 15 minutes.
	OrderLifetime time.Duration
	// MaxBodyBytes bounds a request body; larger requests get HTTP 413 and
	// -2. Default 64 KiB.
	MaxBodyBytes int64
	// MaxLedgerEntries bounds the payments, orders and refunds kept,
	// together. When full, new ones get -10 (retry later) and known ones
	// are still answered. Default 100,000.
	MaxLedgerEntries int
	// LedgerPath, when set, makes the ledger durable in this file (see
	// simkit.Config.Path): every change is synced before the answer that
	// reports it, and a simulator started again on the file carries on
	// where the last one stopped. Empty keeps the ledger in memory.
	LedgerPath string
	// Now is the simulator's clock. Default time.Now. The 93 hold itself
	// waits in real time.
	Now func() time.Time
	// Logger receives a debug line per request. Default: discard.
	Logger *slog.Logger
}

// Simulator is the simulated KakaoPay partner API, an http.Handler. It is
// safe for concurrent use.
type Simulator struct {
	cfg    Config
	ledger *simkit.Ledger
	holds  *simkit.Holds
	mux    *http.ServeMux
	log    *slog.Logger

	// tids finds a payment's partner_order_id by its tid, for the calls
	// that name the tid. It is an index of the ledger, rebuilt from it at
	// start, not a record of its own.
	mu   sync.Mutex
	tids map[string]string // guarded by mu
}

// New checks cfg and returns a Simulator, its ledger empty or, with
// Config.LedgerPath, replayed from its file. Call CloseLedger when done with
// a durable one.
func New(cfg Config) (*Simulator, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	cfg = withDefaults(cfg)
	ledger, err := simkit.Open(simkit.Config{
		Codes:         ledgerCodes,
		MaxEntries:    cfg.MaxLedgerEntries,
		SlowDelay:     cfg.SlowDelay,
		CancelWindow:  cfg.CancelWindow,
		RefundWindow:  cfg.RefundWindow,
		OrderLifetime: cfg.OrderLifetime,
		FormatID:      formatID,
		Path:          cfg.LedgerPath,
		Now:           cfg.Now,
		Logger:        cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("sim: open ledger: %w", err)
	}
	s := &Simulator{
		cfg:    cfg,
		ledger: ledger,
		holds:  simkit.NewHolds(),
		log:    cfg.Logger,
		tids:   make(map[string]string),
	}
	for _, p := range ledger.Payments() {
		s.tids[p.WalletTxnID] = p.RequestID
	}
	s.mux = s.routes()
	return s, nil
}

func checkConfig(cfg Config) error {
	switch {
	case cfg.Secret == "" || strings.ContainsAny(cfg.Secret, " \t\r\n"):
		return errors.New("sim: Secret is required, without spaces")
	case cfg.CID == "":
		return errors.New("sim: CID is required")
	case cfg.SlowDelay < 0 || cfg.CancelWindow < 0 || cfg.RefundWindow < 0 || cfg.OrderLifetime < 0 ||
		cfg.MaxBodyBytes < 0 || cfg.MaxLedgerEntries < 0:
		return errors.New("sim: durations and limits must not be negative")
	}
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("sim: BaseURL %q: want an absolute http(s) URL", cfg.BaseURL)
		}
	}
	return nil
}

func withDefaults(cfg Config) Config {
	if cfg.SlowDelay == 0 {
		cfg.SlowDelay = DefaultSlowDelay
	}
	if cfg.CancelWindow == 0 {
		cfg.CancelWindow = DefaultCancelWindow
	}
	if cfg.RefundWindow == 0 {
		cfg.RefundWindow = DefaultRefundWindow
	}
	if cfg.OrderLifetime == 0 {
		cfg.OrderLifetime = DefaultOrderLifetime
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxLedgerEntries == 0 {
		cfg.MaxLedgerEntries = DefaultMaxLedgerEntries
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	return cfg
}

func (s *Simulator) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+kakaopay.PathBarcode, s.handleBarcode)
	mux.HandleFunc("POST "+kakaopay.PathReady, s.handleReady)
	mux.HandleFunc("POST "+kakaopay.PathOrder, s.handleOrder)
	mux.HandleFunc("POST "+kakaopay.PathCancel, s.handleCancel)
	mux.HandleFunc("GET "+pathMockup+"{token}/{page}", s.handleMockup)
	mux.Handle("GET "+simkit.PathLedger, simkit.LedgerHandler(s.ledger, s.log))
	mux.Handle("POST "+simkit.PathScan, &simkit.ScanHandler{
		Ledger:       s.ledger,
		Decode:       decodeOrderURL,
		Holds:        s.holds,
		MaxBodyBytes: s.cfg.MaxBodyBytes,
		Logger:       s.log,
	})
	return mux
}

// ServeHTTP serves the KakaoPay endpoints, the order pages the QR codes
// point at, and the test endpoints GET /sim/ledger and POST /sim/scan.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Ledger returns the simulator's ledger, for tests to reconcile.
func (s *Simulator) Ledger() *simkit.Ledger {
	return s.ledger
}

// Close ends every held (93) answer at once, answering HTTP 503, so an
// http.Server's Shutdown need not wait SlowDelay for them; register it with
// http.Server.RegisterOnShutdown. The held payments still become paid at
// their settle time. Close does not stop the simulator from serving.
func (s *Simulator) Close() {
	s.holds.Close()
}

// CloseLedger writes and syncs what is pending in a durable ledger and
// closes its file; call it after the http.Server has shut down. Requests
// that still arrive change nothing and are answered HTTP 503. For a ledger
// in memory it does nothing.
func (s *Simulator) CloseLedger() error {
	return s.ledger.Close()
}

// index notes p's tid, so calls naming it find the payment.
func (s *Simulator) index(p simkit.Payment) {
	if p.WalletTxnID == "" {
		return
	}
	s.mu.Lock()
	s.tids[p.WalletTxnID] = p.RequestID
	s.mu.Unlock()
}

// partnerOrderIDOf returns the partner_order_id of the payment with tid.
func (s *Simulator) partnerOrderIDOf(tid string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.tids[tid]
	return id, ok
}

// formatID makes KakaoPay-like ids: a tid is "T" and 19 digits (the UTC
// date and a sequence number), the aid of a refund is "A" and the same.
func formatID(kind simkit.IDKind, now time.Time, sequence int64) string {
	marker := "T"
	if kind == simkit.IDRefund {
		marker = "A"
	}
	return fmt.Sprintf("%s%s%013d", marker, now.UTC().Format("060102"), sequence)
}
