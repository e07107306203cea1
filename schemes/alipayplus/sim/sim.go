package sim

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/meridian-gw/meridian/schemes/alipayplus"
)

// Defaults of Config.
const (
	DefaultSlowDelay        = 30 * time.Second
	DefaultCancelWindow     = 24 * time.Hour
	DefaultRefundWindow     = 365 * 24 * time.Hour
	DefaultMaxBodyBytes     = 64 << 10
	DefaultMaxLedgerEntries = 100_000
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
	// MaxLedgerEntries bounds the payments and refunds kept, together. When
	// full, new payments and refunds get REQUEST_TRAFFIC_EXCEED_LIMIT (U),
	// and known ones are still answered. Default 100,000.
	MaxLedgerEntries int
	// LedgerPath, when set, makes the ledger durable in this file (created
	// if missing, mode 0600; see journal.go for its format): every change is
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
	mux    *http.ServeMux
	log    *slog.Logger
	// hashKey keys the request hashes kept for idempotency (see hashOf).
	hashKey []byte

	closeOnce sync.Once
	closing   chan struct{} // closed by Close; ends held responses
}

// New checks cfg and returns a Simulator, its ledger empty or, with
// Config.LedgerPath, replayed from its file. Call CloseLedger when done with
// a durable one.
func New(cfg Config) (*Simulator, error) {
	if cfg.AcquirerPublicKey == nil || cfg.WalletPrivateKey == nil {
		return nil, errors.New("sim: AcquirerPublicKey and WalletPrivateKey are required")
	}
	if cfg.SlowDelay < 0 || cfg.CancelWindow < 0 || cfg.RefundWindow < 0 || cfg.MaxBodyBytes < 0 || cfg.MaxLedgerEntries < 0 {
		return nil, errors.New("sim: durations and limits must not be negative")
	}
	cfg = withDefaults(cfg)
	hashKey := make([]byte, 32)
	rand.Read(hashKey)
	s := &Simulator{
		cfg:     cfg,
		ledger:  newLedger(cfg.MaxLedgerEntries, cfg.Now),
		log:     cfg.Logger,
		hashKey: hashKey,
		closing: make(chan struct{}),
	}
	if cfg.LedgerPath != "" {
		if err := s.openLedger(); err != nil {
			return nil, err
		}
	}
	s.mux = s.routes()
	return s, nil
}

// openLedger replays the ledger file into the new simulator's ledger and
// keeps it open for appending. The file's hash key replaces the fresh one,
// so repeats of requests made before a restart hash as they did.
func (s *Simulator) openLedger() error {
	j, hashKey, err := openJournal(s.cfg.LedgerPath, s.ledger, s.log)
	if err != nil {
		return err
	}
	s.hashKey = hashKey
	// The slow payments whose settle time passed while the simulator was
	// down are paid now, in the file too.
	if err := s.ledger.attach(j); err != nil {
		j.close()
		return err
	}
	return nil
}

func withDefaults(cfg Config) Config {
	if cfg.KeyVersion == "" {
		cfg.KeyVersion = alipayplus.DefaultKeyVersion
	}
	if cfg.SlowDelay == 0 {
		cfg.SlowDelay = DefaultSlowDelay
	}
	if cfg.CancelWindow == 0 {
		cfg.CancelWindow = DefaultCancelWindow
	}
	if cfg.RefundWindow == 0 {
		cfg.RefundWindow = DefaultRefundWindow
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
	return cfg
}

func (s *Simulator) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+alipayplus.PathPay, s.handlePay)
	mux.HandleFunc("POST "+alipayplus.PathInquiryPayment, s.handleInquiry)
	mux.HandleFunc("POST "+alipayplus.PathCancelPayment, s.handleCancel)
	mux.HandleFunc("POST "+alipayplus.PathRefund, s.handleRefund)
	mux.HandleFunc("GET /sim/ledger", s.handleLedger)
	return mux
}

// ServeHTTP serves the Alipay+ endpoints and GET /sim/ledger.
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
	s.closeOnce.Do(func() { close(s.closing) })
}

// CloseLedger writes and syncs what is pending in a durable ledger and
// closes its file; call it after the http.Server has shut down. Requests
// that still arrive change nothing and are answered HTTP 503; the Ledger
// accessors keep working on the state in memory. For a ledger in memory it
// does nothing. A second call does nothing.
func (s *Simulator) CloseLedger() error {
	return s.ledger.journal.close()
}
