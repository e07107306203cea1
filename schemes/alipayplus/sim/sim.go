package sim

import (
	"cmp"
	"crypto/rsa"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/simkit"
)

// Defaults of Config.
const (
	DefaultSlowDelay        = simkit.DefaultSlowDelay
	DefaultCancelWindow     = simkit.DefaultCancelWindow
	DefaultRefundWindow     = simkit.DefaultRefundWindow
	DefaultMaxBodyBytes     = 64 << 10
	DefaultMaxLedgerEntries = simkit.DefaultMaxEntries
	DefaultOrderLifetime    = simkit.DefaultOrderLifetime
	// DefaultMaxOrderLifetime is Alipay+'s documented bound on
	// paymentExpiryTime: 30 minutes.
	DefaultMaxOrderLifetime = 30 * time.Minute
	// DefaultScanBrand is the wallet a scan pays with unless it names one.
	DefaultScanBrand = "Alipay"
)

// Config configures a Simulator. Fields marked required have no default; for
// the others the zero value takes the default named.
type Config struct {
	// AcquirerPublicKey verifies request signatures. Required.
	AcquirerPublicKey *rsa.PublicKey
	// WalletPrivateKey signs responses. Required.
	WalletPrivateKey *rsa.PrivateKey
	// AcquirerClientID is the Client-Id accepted; requests with another get
	// INVALID_CLIENT. Empty accepts any Client-Id whose signature verifies.
	AcquirerClientID string
	// KeyVersion is sent in response Signature headers. Default "1".
	KeyVersion string
	// SlowDelay is how long the 93 rule holds a pay response, and when the
	// payment becomes paid. Longer than the gateway's budget. Default 30s.
	SlowDelay time.Duration
	// CancelWindow is how long after its pay request a payment can be
	// cancelled; later cancels get CANCEL_WINDOW_EXCEED. Alipay+'s real
	// window ends at 00:15 UTC+8 the next day, between 15 minutes and about
	// a day; a fixed length keeps tests deterministic. Default 24h.
	CancelWindow time.Duration
	// RefundWindow is how long after its pay request a payment can be
	// refunded; Alipay+ documents one year. Default 365 days.
	RefundWindow time.Duration
	// MaxBodyBytes bounds a request body; larger requests get HTTP 413 and
	// PARAM_ILLEGAL. Default 64 KiB.
	MaxBodyBytes int64
	// MaxLedgerEntries bounds the payments, orders and refunds kept,
	// together. When full, new ones get REQUEST_TRAFFIC_EXCEED_LIMIT (U),
	// and known ones are still answered. Default 100,000.
	MaxLedgerEntries int
	// OrderLifetime is how long an order code is valid when its pay
	// request names no paymentExpiryTime. Default 15 minutes.
	OrderLifetime time.Duration
	// MaxOrderLifetime bounds an order code's validity: a later
	// paymentExpiryTime is shortened to it, and the answer's expireTime
	// says so. Default 30 minutes, as Alipay+ documents.
	MaxOrderLifetime time.Duration
	// LedgerPath, when set, makes the ledger durable in this file (created
	// if missing, mode 0600; package simkit's journal.go describes it): every change is
	// appended as one JSON line and synced to disk before the response that
	// reports it is written, and New replays the file, so a simulator
	// restarted on the same file answers repeats as before and never charges
	// twice. A torn last line (a crash mid-write) is cut off with a warning
	// to Logger; any other bad line makes New fail with a
	// *CorruptLedgerError. The file is locked while the simulator has it
	// open; CloseLedger closes it. Empty keeps the ledger in memory only.
	LedgerPath string
	// Now is the simulator's clock: payment times, windows and the 93 rule's
	// settle time. Default time.Now. The 93 hold itself waits in real time.
	Now func() time.Time
	// Logger receives a debug line per request. Default: discard.
	Logger *slog.Logger
}

// Simulator is the simulated Alipay+ API, an http.Handler. It is safe for
// concurrent use.
type Simulator struct {
	cfg    Config
	ledger *Ledger
	holds  *simkit.Holds
	mux    *http.ServeMux
	log    *slog.Logger
}

// New checks cfg and returns a Simulator, its ledger empty or, with
// Config.LedgerPath, replayed from its file. Call CloseLedger when done with
// a durable one.
func New(cfg Config) (*Simulator, error) {
	if cfg.AcquirerPublicKey == nil || cfg.WalletPrivateKey == nil {
		return nil, errors.New("sim: AcquirerPublicKey and WalletPrivateKey are required")
	}
	if cfg.SlowDelay < 0 || cfg.CancelWindow < 0 || cfg.RefundWindow < 0 || cfg.MaxBodyBytes < 0 || cfg.MaxLedgerEntries < 0 ||
		cfg.OrderLifetime < 0 || cfg.MaxOrderLifetime < 0 {
		return nil, errors.New("sim: durations and limits must not be negative")
	}
	cfg = withDefaults(cfg)
	// The slow payments and orders that fell due while the simulator was
	// down are settled and expired when the ledger opens, in its file too.
	ledger, err := simkit.Open(simkit.Config{
		Codes:         codes,
		MaxEntries:    cfg.MaxLedgerEntries,
		SlowDelay:     cfg.SlowDelay,
		CancelWindow:  cfg.CancelWindow,
		RefundWindow:  cfg.RefundWindow,
		OrderLifetime: min(cmp.Or(cfg.OrderLifetime, DefaultOrderLifetime), cfg.MaxOrderLifetime),
		FormatID:      formatID,
		Path:          cfg.LedgerPath,
		Now:           cfg.Now,
		Logger:        cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	cfg.SlowDelay = ledger.Config().SlowDelay // the hold lasts as long as the ledger's
	s := &Simulator{cfg: cfg, ledger: ledger, holds: simkit.NewHolds(), log: cfg.Logger}
	s.mux = s.routes()
	return s, nil
}

func withDefaults(cfg Config) Config {
	if cfg.KeyVersion == "" {
		cfg.KeyVersion = alipayplus.DefaultKeyVersion
	}
	// The ledger's own settings (SlowDelay, the windows, MaxLedgerEntries,
	// OrderLifetime) take their defaults in simkit.Open.
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxOrderLifetime == 0 {
		cfg.MaxOrderLifetime = DefaultMaxOrderLifetime
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

func (s *Simulator) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+alipayplus.PathPay, s.handlePay)
	mux.HandleFunc("POST "+alipayplus.PathInquiryPayment, s.handleInquiry)
	mux.HandleFunc("POST "+alipayplus.PathCancelPayment, s.handleCancel)
	mux.HandleFunc("POST "+alipayplus.PathRefund, s.handleRefund)
	mux.Handle("GET "+simkit.PathLedger, simkit.LedgerHandler(s.ledger, s.log))
	mux.Handle("POST "+simkit.PathScan, &simkit.ScanHandler{Ledger: s.ledger, Decode: s.decodeScan, Holds: s.holds, Logger: s.log})
	return mux
}

// ServeHTTP serves the Alipay+ endpoints, GET /sim/ledger and POST
// /sim/scan.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Ledger returns the simulator's ledger, for tests to reconcile.
func (s *Simulator) Ledger() *Ledger {
	return s.ledger
}

// Close ends every held (93) response at once, answering HTTP 503, so an
// http.Server's Shutdown need not wait SlowDelay for them; register it with
// http.Server.RegisterOnShutdown. The held payments still become paid at
// their settle time. Close does not stop the simulator from serving.
func (s *Simulator) Close() {
	s.holds.Close()
}

// CloseLedger writes and syncs what is pending in a durable ledger and
// closes its file; call it after the http.Server has shut down. Requests
// that still arrive change nothing and are answered HTTP 503; the Ledger
// accessors keep working on the state in memory. For a ledger in memory it
// does nothing. A second call does nothing.
func (s *Simulator) CloseLedger() error {
	return s.ledger.Close()
}
