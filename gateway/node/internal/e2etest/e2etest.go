// Package e2etest runs gateway nodes for the end-to-end tests of package
// node: a node on free loopback ports with a small, fast configuration,
// terminals to drive it with, and the wallet simulator's ledger to compare
// what the wallet did with what the gateway journaled.
package e2etest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/config"
	"github.com/meridian-gw/meridian/gateway/node"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
	"github.com/meridian-gw/meridian/schemes/simkit"
)

// Merchants and terminals every node onboards.
const (
	// MerchantID is the merchant of the pool of terminals NewTerminal hands
	// out; it takes ALIPAYPLUS in EUR, without a limit of its own.
	MerchantID = "MERIDIANTEST001"
	// OtherMerchantID is a second merchant taking ALIPAYPLUS in EUR, with
	// terminal OtherTerminalID.
	OtherMerchantID = "MERIDIANTEST002"
	OtherTerminalID = "U0000001"
	// KakaoOnlyMerchantID accepts KAKAOPAY only, with terminal KakaoOnlyTerminalID.
	KakaoOnlyMerchantID = "MERIDIANKAKAO01"
	KakaoOnlyTerminalID = "K0000001"
	// LimitedMerchantID has a max_amount of LimitedMaxAmount, with terminal
	// LimitedTerminalID.
	LimitedMerchantID = "MERIDIANLIMIT01"
	LimitedTerminalID = "L0000001"
	LimitedMaxAmount  = 5000
	// Terminals is the size of the pool of MerchantID's terminals.
	Terminals = 120
)

// Timings of every node. SlowDelay (the simulator's hold for amounts ending
// in 93) is above Budget, as the simulators spec wants.
const (
	Budget          = 3 * time.Second
	SlowDelay       = 4 * time.Second
	ResolveInterval = 100 * time.Millisecond
	NotFoundGrace   = time.Second
)

// WaitMax bounds every wait for an eventual state.
const WaitMax = 20 * time.Second

// Options changes a node's configuration.
type Options struct {
	// InquiryInterval is the first pause between inquiries; default 50ms.
	InquiryInterval time.Duration
	// RequireSignOn is terminal.require_sign_on.
	RequireSignOn bool
	// IdleTimeout is terminal.idle_timeout; default the node's (5 minutes).
	IdleTimeout time.Duration
	// DataDir is the data directory; default a new t.TempDir().
	DataDir string
	// AdapterAddress, when set, reaches the ALIPAYPLUS adapter there (see
	// StartWallet) instead of running the built-in one with its simulator.
	AdapterAddress string
	// WalletURL is the simulator's base URL when AdapterAddress is set.
	WalletURL string
	// AdapterTLS, with AdapterAddress, reaches the adapter over (mutual)
	// TLS.
	AdapterTLS *config.AdapterTLS
	// SkipReconcile leaves out the end-of-test reconciliation.
	SkipReconcile bool
	// OrderTTL is payment.order_ttl; default the node's (3 minutes).
	OrderTTL time.Duration
	// PostgresDSN, when set, journals in PostgreSQL instead of SQLite, as
	// node NodeID: several nodes may share it.
	PostgresDSN string
	NodeID      string
	// Admin serves the admin API on a free loopback port (Node.AdminAddr).
	Admin bool
}

// YAML returns the node configuration for o, as meridiand would read it.
func YAML(o Options) string {
	if o.InquiryInterval == 0 {
		o.InquiryInterval = 50 * time.Millisecond
	}
	var b strings.Builder
	fmt.Fprintf(&b, `data_dir: %q
metrics_addr: "127.0.0.1:0"
terminal:
  addr: "127.0.0.1:0"
  max_in_flight: 64
  require_sign_on: %t
  idle_timeout: %s
payment:
  budget: %s
  inquiry_interval: %s
  resolve_interval: %s
  not_found_grace: %s
  order_ttl: %s
  order_poll_interval: 100ms
adapters:
`, o.DataDir, o.RequireSignOn, o.IdleTimeout, Budget, o.InquiryInterval, ResolveInterval, NotFoundGrace, o.OrderTTL)

	if o.AdapterAddress != "" {
		fmt.Fprintf(&b, "  - scheme: ALIPAYPLUS\n    address: %q\n", o.AdapterAddress)
		if t := o.AdapterTLS; t != nil {
			fmt.Fprintf(&b, "    tls: {ca_file: %q, cert_file: %q, key_file: %q, server_name: %q}\n", t.CAFile, t.CertFile, t.KeyFile, t.ServerName)
		}
	} else {
		fmt.Fprintf(&b, "  - scheme: ALIPAYPLUS\n    builtin: true\n    simulator: true\n    simulator_slow_delay: %s\n", SlowDelay)
	}
	b.WriteString("merchants:\n")
	merchant := func(id, schemes string, maxAmount int, terminals ...string) {
		fmt.Fprintf(&b, `  - id: %s
    legal_name: %s GmbH
    trading_name: %s Cafe
    mcc: "5812"
    country: DE
    city: Berlin
    currency: EUR
    schemes: [%s]
    max_amount: %d
    terminals: [%s]
`, id, id, id, schemes, maxAmount, strings.Join(terminals, ", "))
	}
	pool := make([]string, Terminals)
	for i := range pool {
		pool[i] = terminalID(i + 1)
	}
	merchant(MerchantID, "ALIPAYPLUS", 0, pool...)
	merchant(OtherMerchantID, "ALIPAYPLUS", 0, OtherTerminalID)
	merchant(KakaoOnlyMerchantID, "KAKAOPAY", 0, KakaoOnlyTerminalID)
	merchant(LimitedMerchantID, "ALIPAYPLUS", LimitedMaxAmount, LimitedTerminalID)
	if o.PostgresDSN != "" {
		fmt.Fprintf(&b, "store: {driver: postgres, dsn: %q}\nnode_id: %q\n", o.PostgresDSN, o.NodeID)
	}
	if o.Admin {
		b.WriteString("admin: {addr: \"127.0.0.1:0\"}\n")
	}
	return b.String()
}

func terminalID(n int) string { return fmt.Sprintf("T%07d", n) }

// Harness is one running node and what the tests need around it.
type Harness struct {
	Node   *node.Node
	Config *config.Config
	// Logs holds everything the node logged, at debug level and above.
	Logs *LogBuffer

	walletURL string
	opts      Options

	nextTerminal atomic.Int64
	mu           sync.Mutex // guards codes
	codes        []string
	stopOnce     sync.Once
}

// Start runs a node for the test and stops it at the test's end, after
// checking that the gateway and the wallet agree on every payment
// (Reconcile) and that no wallet code handed out by Code was logged in full.
func Start(t testing.TB, o Options) *Harness {
	t.Helper()
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	cfg, err := config.Parse([]byte(YAML(o)))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	logs := &LogBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := node.Start(ctx, cfg, logger)
	if err != nil {
		t.Fatalf("node.Start: %v", err)
	}
	h := &Harness{Node: n, Config: cfg, Logs: logs, opts: o, walletURL: o.WalletURL}
	if h.walletURL == "" {
		h.walletURL = n.SimulatorURL("ALIPAYPLUS")
	}
	t.Cleanup(func() {
		if !o.SkipReconcile && !t.Failed() {
			h.Reconcile(t)
		}
		h.Stop(t)
		h.CheckNoCodeLogged(t)
		if t.Failed() {
			for _, l := range strings.Split(h.Logs.String(), "\n") {
				if strings.Contains(l, "level=ERROR") {
					t.Log(l)
				}
			}
		}
	})
	return h
}

// Stop shuts the node down (once); in-flight requests get up to 10s.
func (h *Harness) Stop(t testing.TB) {
	h.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Node.Shutdown(ctx); err != nil {
			t.Errorf("node shutdown: %v", err)
		}
	})
}

// StopWithin shuts the node down giving requests in flight only d, and
// returns Shutdown's error (a context error when d was too short).
func (h *Harness) StopWithin(d time.Duration) error {
	var err error
	h.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		err = h.Node.Shutdown(ctx)
	})
	return err
}

// Store is the node's journal.
func (h *Harness) Store() payment.Store { return h.Node.Store() }

// NewTerminal returns a terminal of MerchantID no other caller of this
// harness gets, so parallel subtests never share a terminal key.
func (h *Harness) NewTerminal(t testing.TB) *pos.Terminal {
	t.Helper()
	n := h.nextTerminal.Add(1)
	if n > Terminals {
		t.Fatalf("more than %d terminals asked of one node", Terminals)
	}
	return &pos.Terminal{ID: terminalID(int(n)), MerchantID: MerchantID}
}

// Code returns a fresh Alipay+ wallet code (prefix 28: brand "Alipay") and
// remembers it, so that the end of the test can check it was never logged.
func (h *Harness) Code() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	code := fmt.Sprintf("28%016d", 5550000000000000+int64(len(h.codes))*7919+1)
	h.codes = append(h.codes, code)
	return code
}

// Remember adds codes to those that must never be logged in full.
func (h *Harness) Remember(codes ...string) {
	h.mu.Lock()
	h.codes = append(h.codes, codes...)
	h.mu.Unlock()
}

// Codes returns every code handed out or remembered.
func (h *Harness) Codes() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.codes...)
}

// Dial opens a terminal connection, closed at the end of the test.
func (h *Harness) Dial(t testing.TB) *pos.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pos.Dial(ctx, h.Node.TerminalAddr(), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Do sends req and returns its response; it fails the test when no response
// comes within WaitMax. The response's MTI, DE 11 and DE 41 are checked.
func Do(t testing.TB, c *pos.Client, req *wire.Message) *wire.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitMax)
	defer cancel()
	resp, err := c.Do(ctx, req)
	if err != nil {
		t.Fatalf("%s STAN %s of %s: %v", req.MTI, req.STAN, req.TerminalID, err)
	}
	if want, _ := wire.ResponseMTI(req.MTI); resp.MTI != want {
		t.Errorf("response MTI %s to %s, want %s", resp.MTI, req.MTI, want)
	}
	return resp
}

// TryDo sends req and returns its response, or an error when none comes
// within WaitMax; unlike Do it may be called from any goroutine.
func TryDo(c *pos.Client, req *wire.Message) (*wire.Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), WaitMax)
	defer cancel()
	resp, err := c.Do(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("%s STAN %s of %s: %w", req.MTI, req.STAN, req.TerminalID, err)
	}
	return resp, nil
}

// KeyOf is the terminal key of a request: DE 41 + DE 11 + DE 7.
func KeyOf(req *wire.Message) payment.TerminalKey {
	return payment.TerminalKey{TerminalID: req.TerminalID, STAN: req.STAN, TransmissionTime: req.TransmissionTime}
}

// Attempt returns the attempt of kind that req made.
func (h *Harness) Attempt(t testing.TB, kind payment.Kind, req *wire.Message) *payment.Attempt {
	t.Helper()
	a, err := h.Store().AttemptByKey(context.Background(), kind, KeyOf(req))
	if err != nil {
		t.Fatalf("%s attempt of %s STAN %s: %v", kind, req.TerminalID, req.STAN, err)
	}
	return a
}

// WaitAttempt waits until req's attempt of kind is journaled and returns it.
func (h *Harness) WaitAttempt(t testing.TB, kind payment.Kind, req *wire.Message) *payment.Attempt {
	t.Helper()
	var a *payment.Attempt
	h.eventually(t, fmt.Sprintf("the %s of %s STAN %s is journaled", kind, req.TerminalID, req.STAN), func() bool {
		var err error
		a, err = h.Store().AttemptByKey(context.Background(), kind, KeyOf(req))
		return err == nil
	})
	return a
}

// WaitFinal waits until the attempt with id is in a final state.
func (h *Harness) WaitFinal(t testing.TB, id string) *payment.Attempt {
	t.Helper()
	var a *payment.Attempt
	h.eventually(t, "attempt "+id+" is final", func() bool {
		var err error
		a, err = h.Store().Attempt(context.Background(), id)
		return err == nil && a.State.Final()
	})
	return a
}

// WaitState waits until the attempt with id is in state s.
func (h *Harness) WaitState(t testing.TB, id string, s payment.State) *payment.Attempt {
	t.Helper()
	var a *payment.Attempt
	h.eventually(t, fmt.Sprintf("attempt %s is %s", id, s), func() bool {
		var err error
		a, err = h.Store().Attempt(context.Background(), id)
		return err == nil && a.State == s
	})
	return a
}

// Events returns an attempt's journal.
func (h *Harness) Events(t testing.TB, id string) []payment.Event {
	t.Helper()
	ev, err := h.Store().Events(context.Background(), id)
	if err != nil {
		t.Fatalf("events of %s: %v", id, err)
	}
	return ev
}

func (h *Harness) eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	Eventually(t, what, cond)
}

// Eventually polls cond every 10ms until it holds, and fails the test if it
// does not within WaitMax.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(WaitMax)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for: %s", WaitMax, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Ledger returns the wallet simulator's ledger.
func (h *Harness) Ledger(t testing.TB) sim.Snapshot {
	t.Helper()
	return FetchLedger(t, h.walletURL)
}

// LedgerJSON returns the simulator's ledger as served.
func (h *Harness) LedgerJSON(t testing.TB) string {
	t.Helper()
	return string(get(t, h.walletURL+"/sim/ledger"))
}

// FetchLedger reads GET <url>/sim/ledger.
func FetchLedger(t testing.TB, url string) sim.Snapshot {
	t.Helper()
	var s sim.Snapshot
	if err := json.Unmarshal(get(t, url+"/sim/ledger"), &s); err != nil {
		t.Fatalf("decode ledger: %v", err)
	}
	return s
}

func get(t testing.TB, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", url, resp.Status, body)
	}
	return body
}

// Payment returns the ledger's payment whose paymentRequestId is the
// attempt id (the gateway's idempotency key), failing the test if the
// wallet never heard of it.
func (h *Harness) Payment(t testing.TB, attemptID string) sim.Payment {
	t.Helper()
	p, ok := FindPayment(h.Ledger(t), attemptID)
	if !ok {
		t.Fatalf("the wallet ledger has no payment %s", attemptID)
	}
	return p
}

// FindPayment finds a payment by paymentRequestId.
func FindPayment(s sim.Snapshot, id string) (sim.Payment, bool) {
	for _, p := range s.Payments {
		if p.RequestID == id {
			return p, true
		}
	}
	return sim.Payment{}, false
}

// RefundsOf lists the ledger's refunds of a payment.
func RefundsOf(s sim.Snapshot, paymentRequestID string) []sim.Refund {
	var out []sim.Refund
	for _, r := range s.Refunds {
		if r.PaymentRequestID == paymentRequestID {
			out = append(out, r)
		}
	}
	return out
}

// Kept is what the wallet holds of a payment's money: charged, less what
// a cancel or refunds returned.
func Kept(p sim.Payment) int64 {
	return int64(p.Charges)*p.MinorUnits - p.Reversed - p.Refunded
}

// Reconcile waits until the gateway has nothing left to do (no attempt that
// is not final), then checks every wallet payment against the journal:
// each has an attempt; an approved purchase was charged exactly once and
// keeps its amount less the gateway's approved refunds; any other purchase
// keeps nothing; nobody was charged twice.
func (h *Harness) Reconcile(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	Eventually(t, "every attempt is final", func() bool {
		due, err := h.Store().DueAttempts(ctx, time.Now().Add(24*time.Hour), 1)
		return err == nil && len(due) == 0
	})
	ledger := h.Ledger(t)
	for _, p := range ledger.Payments {
		if p.Placeholder {
			continue // a cancel that came before any pay: no money
		}
		if p.Charges > 1 {
			t.Errorf("reconcile: wallet payment %s charged %d times", p.RequestID, p.Charges)
		}
		a, err := h.Store().Attempt(ctx, p.RequestID)
		if err != nil {
			t.Errorf("reconcile: wallet payment %s (%s, %d) has no attempt in the journal: %v", p.RequestID, p.Status, p.MinorUnits, err)
			continue
		}
		switch a.State {
		case payment.StateApproved:
			refunded, err := h.Store().RefundedMinor(ctx, a.ID)
			if err != nil {
				t.Errorf("reconcile: refunded amount of %s: %v", a.ID, err)
				continue
			}
			if p.Status != sim.StatusPaid || p.Charges != 1 || Kept(p) != a.Amount.Minor-refunded {
				t.Errorf("reconcile: approved purchase %s of %d (refunded %d on the gateway) is %s at the wallet, charged %d, reversed %d, refunded %d",
					a.ID, a.Amount.Minor, refunded, p.Status, p.Charges, p.Reversed, p.Refunded)
			}
		default:
			if Kept(p) != 0 {
				t.Errorf("reconcile: %s purchase %s keeps %d at the wallet (%s, charged %d, reversed %d, refunded %d)",
					a.State, a.ID, Kept(p), p.Status, p.Charges, p.Reversed, p.Refunded)
			}
		}
	}
	for _, code := range h.Codes() {
		if strings.Contains(h.LedgerJSON(t), code) {
			t.Errorf("the wallet ledger holds a wallet code in full")
			break
		}
	}
}

// CheckNoCodeLogged fails the test if any code handed out appears in full
// in the node's logs (DESIGN.md money safety 6).
func (h *Harness) CheckNoCodeLogged(t testing.TB) {
	t.Helper()
	logs := h.Logs.String()
	for _, code := range h.Codes() {
		if i := strings.Index(logs, code); i >= 0 {
			start := max(0, strings.LastIndexByte(logs[:i], '\n')+1)
			end := i + len(code)
			if j := strings.IndexByte(logs[end:], '\n'); j >= 0 {
				end += j
			}
			line := strings.ReplaceAll(logs[start:end], code, code[:4]+"<full code>")
			t.Errorf("a wallet code appears in full in the node's log: %s", line)
		}
	}
}

// MetricsText returns GET /metrics of the node.
func (h *Harness) MetricsText(t testing.TB) string {
	t.Helper()
	return string(get(t, "http://"+h.Node.MetricsAddr()+"/metrics"))
}

// HTTPStatus returns the status code of GET path on the operations endpoint.
func (h *Harness) HTTPStatus(t testing.TB, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + h.Node.MetricsAddr() + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// LogBuffer collects log output; safe for concurrent use.
type LogBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything logged so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// RawConn is a terminal connection without the POS client: bytes in, frames
// out, for tests of malformed input and of many frames in one write.
type RawConn struct {
	conn net.Conn
	r    *bufio.Reader
}

// DialRaw opens a raw connection to the node, closed at the end of the test.
func (h *Harness) DialRaw(t testing.TB) *RawConn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", h.Node.TerminalAddr(), 10*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return &RawConn{conn: conn, r: bufio.NewReader(conn)}
}

// Write writes b as it is.
func (c *RawConn) Write(t testing.TB, b []byte) {
	t.Helper()
	if _, err := c.conn.Write(b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// Read reads and decodes one frame, waiting up to WaitMax; it returns an
// error when the connection ends or nothing comes.
func (c *RawConn) Read() (*wire.Message, error) {
	if err := c.conn.SetReadDeadline(time.Now().Add(WaitMax)); err != nil {
		return nil, err
	}
	frame, err := wire.ReadFrame(c.r, nil)
	if err != nil {
		return nil, err
	}
	return wire.Decode(frame)
}

// Scan pays a merchant-presented QR as the customer would, through the
// simulator's POST /sim/scan, and returns its HTTP status and body.
func (h *Harness) Scan(t testing.TB, qr string) (int, string) {
	t.Helper()
	answer, err := simkit.Scan(context.Background(), http.DefaultClient, h.walletURL, qr)
	var refused *simkit.ScanError
	if errors.As(err, &refused) {
		return refused.StatusCode, refused.Message
	}
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return http.StatusOK, string(answer.Status)
}
