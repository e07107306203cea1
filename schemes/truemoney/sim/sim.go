package sim

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/meridian-gw/meridian/schemes/simkit"
	"github.com/meridian-gw/meridian/schemes/truemoney"
)

// Defaults of Config.
const (
	DefaultTokenTTL         = time.Hour
	DefaultMaxTokens        = 1000
	DefaultSlowDelay        = simkit.DefaultSlowDelay
	DefaultCancelWindow     = simkit.DefaultCancelWindow
	DefaultRefundWindow     = simkit.DefaultRefundWindow
	DefaultOrderLifetime    = simkit.DefaultOrderLifetime
	DefaultMaxBodyBytes     = 64 << 10
	DefaultMaxLedgerEntries = simkit.DefaultMaxEntries
)

// The wallet's per-payment range, in satang: THB 1.00 to 30,000.00. A
// payment or order outside it is refused with AMOUNT_OUT_OF_RANGE.
const (
	MinAmount = 100
	MaxAmount = 3_000_000
)

// Config configures a Simulator. Fields marked required have no default; for
// the others the zero value takes the default named.
type Config struct {
	// ClientID and ClientSecret are the one partner's OAuth client
	// credentials the token endpoint accepts. Required.
	ClientID     string
	ClientSecret string
	// PartnerPublicKey verifies request signatures. Required.
	PartnerPublicKey *rsa.PublicKey
	// WalletPrivateKey signs responses. Required.
	WalletPrivateKey *rsa.PrivateKey
	// KeyVersion is sent in response Signature headers. Default "1".
	KeyVersion string
	// TokenTTL is how long an access token is valid, whole seconds (it is
	// sent as expires_in); after it, calls with the token get HTTP 401 and
	// 020007. Default one hour.
	TokenTTL time.Duration
	// MaxTokens bounds the tokens kept; beyond it the oldest are forgotten
	// and calls with them get HTTP 401 and 020006. Default 1000.
	MaxTokens int
	// SlowDelay is how long the 93 rule holds an answer, and when the
	// payment becomes paid. Longer than the gateway's budget. Default 30s.
	SlowDelay time.Duration
	// CancelWindow is how long after its creation a payment or order can
	// be voided; later voids get VOID_WINDOW_EXPIRED. Default 24h.
	CancelWindow time.Duration
	// RefundWindow is how long after its creation a payment can be
	// refunded. Default 365 days.
	RefundWindow time.Duration
	// OrderLifetime is how long a QR order waits for the customer when the
	// request names no expires_in, and the most it may name. Default 15
	// minutes.
	OrderLifetime time.Duration
	// MaxBodyBytes bounds a request body; larger requests get HTTP 413 and
	// INVALID_REQUEST. Default 64 KiB.
	MaxBodyBytes int64
	// MaxLedgerEntries bounds the payments, orders and refunds kept,
	// together. When full, new ones get REQUEST_TRAFFIC_EXCEEDED (outcome
	// unknown) and known ones are still answered. Default 100,000.
	MaxLedgerEntries int
	// LedgerPath, when set, makes the ledger durable in this file
	// (simkit.Config.Path): every change is synced before the answer that
	// reports it, and a simulator restarted on the file answers repeats as
	// before and never charges twice. Call CloseLedger when done. Empty
	// keeps the ledger in memory.
	LedgerPath string
	// Now is the simulator's clock: token lifetimes, payment times,
	// windows, order expiry and the 93 rule's settle time. Default
	// time.Now. The 93 hold itself waits in real time.
	Now func() time.Time
	// Logger receives a debug line per request, never a full code, token
	// or secret. Default: discard.
	Logger *slog.Logger
}

// Simulator is the simulated TrueMoney partner API, an http.Handler. It is
// safe for concurrent use.
type Simulator struct {
	cfg    Config
	ledger *simkit.Ledger
	tokens *tokens
	holds  *simkit.Holds
	mux    *http.ServeMux
	log    *slog.Logger
}

// New checks cfg and returns a Simulator, its ledger empty or, with
// Config.LedgerPath, replayed from its file.
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
		tokens: newTokens(cfg.MaxTokens),
		holds:  simkit.NewHolds(),
		log:    cfg.Logger,
	}
	s.mux = s.routes()
	return s, nil
}

func checkConfig(cfg Config) error {
	switch {
	case cfg.ClientID == "" || cfg.ClientSecret == "":
		return errors.New("sim: ClientID and ClientSecret are required")
	case cfg.PartnerPublicKey == nil || cfg.WalletPrivateKey == nil:
		return errors.New("sim: PartnerPublicKey and WalletPrivateKey are required")
	case cfg.TokenTTL < 0 || cfg.SlowDelay < 0 || cfg.CancelWindow < 0 || cfg.RefundWindow < 0 || cfg.OrderLifetime < 0:
		return errors.New("sim: durations must not be negative")
	case cfg.TokenTTL != 0 && cfg.TokenTTL < time.Second:
		return errors.New("sim: TokenTTL must be at least a second: expires_in counts whole seconds")
	case cfg.MaxTokens < 0 || cfg.MaxBodyBytes < 0 || cfg.MaxLedgerEntries < 0:
		return errors.New("sim: limits must not be negative")
	}
	return nil
}

func withDefaults(cfg Config) Config {
	if cfg.KeyVersion == "" {
		cfg.KeyVersion = truemoney.DefaultKeyVersion
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	cfg.TokenTTL = cfg.TokenTTL.Truncate(time.Second)
	if cfg.MaxTokens == 0 {
		cfg.MaxTokens = DefaultMaxTokens
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
	return cfg
}

func (s *Simulator) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+truemoney.PathToken, s.handleToken)
	mux.HandleFunc("POST "+truemoney.PathPaymentByCode, s.handlePay)
	mux.HandleFunc("POST "+truemoney.PathInquiry, s.handleInquiry)
	mux.HandleFunc("POST "+truemoney.PathVoid, s.handleVoid)
	mux.HandleFunc("POST "+truemoney.PathRefund, s.handleRefund)
	mux.HandleFunc("POST "+truemoney.PathCreateQROrder, s.handleCreateQROrder)
	mux.Handle("GET "+simkit.PathLedger, simkit.LedgerHandler(s.ledger, s.log))
	mux.Handle("POST "+simkit.PathScan, &simkit.ScanHandler{
		Ledger: s.ledger, Decode: decodeScan, Holds: s.holds, MaxBodyBytes: s.cfg.MaxBodyBytes, Logger: s.log,
	})
	return mux
}

// ServeHTTP serves the TrueMoney endpoints, GET /sim/ledger and POST
// /sim/scan.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Ledger returns the simulator's ledger, for tests to reconcile.
func (s *Simulator) Ledger() *simkit.Ledger {
	return s.ledger
}

// RevokeTokens forgets every access token issued, as a wallet whose
// sessions were reset would: the next call with any of them gets HTTP 401.
func (s *Simulator) RevokeTokens() {
	s.tokens.revoke()
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
