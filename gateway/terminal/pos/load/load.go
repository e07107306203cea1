// Package load drives a terminal host with many simulated POS terminals at
// once, the way real ones behave: each terminal on its own connection with
// a fixed number of purchases in flight (a closed loop), or sending at a
// target rate whatever the answers (an open loop, its latencies corrected
// for coordinated omission); each purchase's outcome chosen by its amount,
// reconnection with backoff when the connection breaks, and
// store-and-forward of a reversal advice for every purchase left without an
// answer, retried until the host acknowledges it. It also drives a bare
// echo server (package echo) with the same frames, the ceiling the host is
// measured against. `posim load` and the crash harness use it.
package load

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// Defaults of Config's zero values.
const (
	DefaultTerminalPrefix = "LOAD"
	DefaultCurrency       = "978" // EUR
	DefaultAmountBase     = 1000  // 10.00 EUR
	DefaultWalletCode     = "281012345678901234"
	DefaultTimeout        = 35 * time.Second
	DefaultDrain          = 30 * time.Second
	DefaultConnectTimeout = 10 * time.Second
	DefaultBackoffMin     = 50 * time.Millisecond
	DefaultBackoffMax     = 2 * time.Second
	DefaultAdvicesMax     = 64
)

// Limits New enforces.
const (
	TerminalsMax   = 100_000
	ConcurrencyMax = 1024
	// terminalIDLength is DE 41's fixed length.
	terminalIDLength = 8
)

// ErrUnreachable ends a run in which no terminal could connect and sign on
// within Config.ConnectTimeout.
var ErrUnreachable = errors.New("load: the host was never reachable")

// Config describes a load run. Only Addr, MerchantID and one of Duration
// and Count are required; every other zero value means the default named
// next to it.
type Config struct {
	// Addr is the host's terminal address, host:port.
	Addr string
	// TLSConfig, when set, makes every terminal connect over TLS.
	TLSConfig *tls.Config
	// Terminals is how many terminals run, each on its own connection.
	// Default 1, at most TerminalsMax.
	Terminals int
	// TerminalPrefix starts every terminal id (DE 41); a number from 1,
	// zero-padded, fills it to 8 characters. Default "LOAD": LOAD0001,
	// LOAD0002, ... The host must have these terminals onboarded.
	TerminalPrefix string
	// MerchantID is DE 42 of every request.
	MerchantID string
	// Currency is DE 49, ISO 4217 numeric. Default DefaultCurrency.
	Currency string
	// Concurrency is how many purchases each terminal keeps in flight (the
	// closed loop), or at most keeps in flight (the open loop). Default 1,
	// at most ConcurrencyMax.
	Concurrency int
	// Rate, when positive, makes the run an open loop: Rate purchases a
	// second across all terminals, each sent when it is due whether or
	// not the earlier ones were answered (see LateAfter). Zero is the
	// closed loop. At most RateMax.
	Rate float64
	// Echo says Addr is a bare echo server (package echo), not a terminal
	// host: the terminals do not sign on; an answer is the purchase's own
	// frame returned, matched by DE 41 + DE 11 as a host's answer is, and
	// counted Approved when it came back unchanged and Declined when not;
	// a purchase left without an answer gets no advice.
	Echo bool
	// Duration ends the sending of new purchases after this long, Count
	// after this many were sent; with both, whichever comes first.
	Duration time.Duration
	Count    int64
	// Mix chooses each purchase's amount suffix, and so its outcome with
	// the wallet simulators. Default: every purchase "00" (approved).
	Mix Mix
	// AmountBase is an amount in minor units; each purchase is for
	// AmountBase with its last two digits replaced by the Mix's suffix.
	// Default DefaultAmountBase.
	AmountBase int64
	// WalletCode is the code the terminals scan (DE 48 tag 01). Default
	// DefaultWalletCode, an Alipay+ customer code.
	WalletCode string
	// Timeout is how long a terminal waits for an answer (and for a
	// connection and its sign-on) before it counts "no answer". Default
	// DefaultTimeout, longer than the host's 25 s budget.
	Timeout time.Duration
	// Drain bounds the time spent finishing reversal advices after the
	// last purchase ended. Default DefaultDrain.
	Drain time.Duration
	// ConnectTimeout ends the run with ErrUnreachable when no terminal has
	// connected within it. Once one has, terminals reconnect until the run
	// ends. Default DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// BackoffMin and BackoffMax bound the wait between connection attempts,
	// and between tries of an advice: it starts at BackoffMin and doubles up
	// to BackoffMax. Defaults DefaultBackoffMin and DefaultBackoffMax.
	BackoffMin, BackoffMax time.Duration
	// AdvicesMax bounds each terminal's store of advices not yet
	// acknowledged; while it is full the terminal starts no new purchase.
	// Default DefaultAdvicesMax.
	AdvicesMax int
	// OnOutcome, when set, is called once for every purchase sent, when its
	// outcome is final for the terminal: when it was answered; for one left
	// without an answer, when its advice was acknowledged or refused, or at
	// the end of the run. It is called from many goroutines at once, and the
	// terminal waits for it.
	OnOutcome func(Outcome)
}

// Outcome is what became of one purchase, as its terminal knows it. Its
// JSON form is a line of posim load's record file.
type Outcome struct {
	TerminalID       string `json:"terminal_id"`       // DE 41
	STAN             string `json:"stan"`              // DE 11
	TransmissionTime string `json:"transmission_time"` // DE 7, MMDDhhmmss UTC
	Amount           int64  `json:"amount"`            // DE 4, minor units of Currency
	Currency         string `json:"currency"`          // DE 49, ISO 4217 numeric
	// MTI and RC of the answer, both "" when none came in time; RRN,
	// ApprovalCode and SchemeTransactionID (DE 48 tag 11) as answered.
	MTI                 string `json:"mti"`
	RC                  string `json:"rc"`
	RRN                 string `json:"rrn"`
	ApprovalCode        string `json:"approval_code"`
	SchemeTransactionID string `json:"scheme_txn_id"`
	// AdviceSent says a reversal advice naming the purchase went out;
	// AdviceAcknowledged that the host answered it 0430 RC 00. AdviceSTAN
	// and AdviceTransmissionTime are the advice's DE 11 and DE 7 (its key
	// in the host's journal), AdviceRC its last answer's RC.
	AdviceSent             bool   `json:"advice_sent"`
	AdviceAcknowledged     bool   `json:"advice_acknowledged"`
	AdviceSTAN             string `json:"advice_stan"`
	AdviceTransmissionTime string `json:"advice_transmission_time"`
	AdviceRC               string `json:"advice_rc"`
}

// Runner runs one load. Progress may be called at any time, from any
// goroutine.
type Runner struct {
	cfg       Config
	clock     clock
	started   atomic.Bool
	stop      chan struct{}
	stopOnce  sync.Once
	reachable chan struct{}
	reachOnce sync.Once

	taken    atomic.Uint64 // purchases taken by a worker: the mix's sequence
	lastSent atomic.Int64  // when the last purchase was sent, in nanoseconds from the start
	counts   counts
	latency  latencyShards

	mu           sync.Mutex // guards the fields below
	start        time.Time
	purchasesEnd time.Time
	sendingEnd   time.Time // when the sending of new purchases ended
	connectErr   error     // the last failed connection attempt's error
	signOnRC     string
	otherRCs     map[string]int64 // RCs that are not two digits
}

// counts are the run's live counters.
type counts struct {
	sent, answered, approved, declined, unavailable, noAnswer, inFlight  atomic.Int64
	connected, connects, reconnects, connectFailures, signOnRefused      atomic.Int64
	advicesSent, advicesAcknowledged, advicesRefused, advicesOutstanding atomic.Int64
	adviceTries, late                                                    atomic.Int64
	rcs                                                                  [100]atomic.Int64
}

// New checks cfg, fills its defaults and returns a Runner for it.
func New(cfg Config) (*Runner, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	return &Runner{cfg: cfg, clock: realClock{}, stop: make(chan struct{}), reachable: make(chan struct{}), otherRCs: map[string]int64{}}, nil
}

func withDefaults(c Config) (Config, error) {
	orDefault(&c.Terminals, 1)
	orDefault(&c.TerminalPrefix, DefaultTerminalPrefix)
	orDefault(&c.Currency, DefaultCurrency)
	orDefault(&c.Concurrency, 1)
	orDefault(&c.AmountBase, DefaultAmountBase)
	orDefault(&c.WalletCode, DefaultWalletCode)
	orDefault(&c.Timeout, DefaultTimeout)
	orDefault(&c.Drain, DefaultDrain)
	orDefault(&c.ConnectTimeout, DefaultConnectTimeout)
	orDefault(&c.BackoffMin, DefaultBackoffMin)
	orDefault(&c.BackoffMax, DefaultBackoffMax)
	orDefault(&c.AdvicesMax, DefaultAdvicesMax)
	if c.Mix.IsZero() {
		c.Mix, _ = NewMix(MixEntry{Suffix: 0, Weight: 1})
	}
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf("load: "+format, args...))
		}
	}
	check(c.Addr != "", "an address is required")
	check(c.MerchantID != "" && len(c.MerchantID) <= 15, "a merchant id of 1 to 15 characters is required (DE 42)")
	check(c.Duration > 0 || c.Count > 0, "a duration or a count is required")
	check(c.Duration >= 0 && c.Count >= 0, "duration and count must not be negative")
	check(c.Terminals > 0 && c.Terminals <= TerminalsMax, "terminals must be 1 to %d", TerminalsMax)
	check(c.Concurrency > 0 && c.Concurrency <= ConcurrencyMax, "concurrency must be 1 to %d", ConcurrencyMax)
	check(c.Rate >= 0 && c.Rate <= RateMax, "the rate must be 0 (a closed loop) to %d purchases a second", RateMax)
	if width := terminalIDLength - len(c.TerminalPrefix); width < 1 || len(fmt.Sprint(c.Terminals)) > width {
		errs = append(errs, fmt.Errorf("load: terminal prefix %q leaves no room for %d terminal numbers in DE 41's 8 characters", c.TerminalPrefix, c.Terminals))
	}
	check(c.AmountBase > 0 && c.AmountBase < 1e12, "the amount base must be 1 to 999999999999 minor units")
	for _, e := range c.Mix.Entries() {
		check(AmountWithSuffix(c.AmountBase, e.Suffix) > 0, "the amount base %d with suffix %02d makes an amount of 0", c.AmountBase, e.Suffix)
	}
	check(c.BackoffMin <= c.BackoffMax, "backoff min %s is above backoff max %s", c.BackoffMin, c.BackoffMax)
	check(c.Timeout > 0 && c.Drain > 0 && c.ConnectTimeout > 0 && c.BackoffMin > 0 && c.AdvicesMax > 0, "timeouts, backoffs and the advice store must be positive")
	if len(errs) == 0 {
		// Every purchase differs from this one only in numbers: if it
		// encodes, they all do.
		t := &pos.Terminal{ID: terminalID(c.TerminalPrefix, 1), MerchantID: c.MerchantID, Currency: c.Currency}
		if _, err := wire.Encode(t.Purchase(c.AmountBase, c.WalletCode)); err != nil {
			errs = append(errs, fmt.Errorf("load: a purchase with this merchant, currency and wallet code cannot be sent: %w", err))
		}
	}
	return c, errors.Join(errs...)
}

func orDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

func terminalID(prefix string, n int) string {
	return fmt.Sprintf("%s%0*d", prefix, terminalIDLength-len(prefix), n)
}

// Config returns the configuration with its defaults filled in.
func (r *Runner) Config() Config { return r.cfg }

// Stop ends the sending of new purchases now, as if Duration had passed:
// the purchases in flight and the advices are still finished. Run returns
// when they are.
func (r *Runner) Stop() { r.stopOnce.Do(func() { close(r.stop) }) }

// Run runs the load, once: purchases until Duration or Count, then the
// advices still outstanding, for at most Drain. It returns the summary, and
// an error when the host was never reachable (ErrUnreachable) or ctx ended
// first (ctx's cause); the summary is valid in either case.
func (r *Runner) Run(ctx context.Context) (*Summary, error) {
	if !r.started.CompareAndSwap(false, true) {
		return nil, errors.New("load: a Runner runs once")
	}
	runCtx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	start := r.clock.now()
	r.mu.Lock()
	r.start = start
	r.mu.Unlock()

	purchaseCtx, endPurchases := context.WithCancel(runCtx)
	defer endPurchases()
	if r.cfg.Duration > 0 {
		var cancel context.CancelFunc
		purchaseCtx, cancel = context.WithTimeout(purchaseCtx, r.cfg.Duration)
		defer cancel()
	}
	// sendingEnded receives when the sending of purchases ended: Duration
	// passed, Stop was called, ctx ended, or the workers were all done.
	sendingEnded := make(chan time.Time, 1)
	go func() {
		select {
		case <-r.stop:
			endPurchases()
		case <-purchaseCtx.Done():
		}
		sendingEnded <- r.clock.now()
	}()
	adviceCtx, endAdvices := context.WithCancel(runCtx)
	defer endAdvices()
	connCtx, endConnections := context.WithCancel(runCtx)
	defer endConnections()
	go r.watchReachable(runCtx, abort)

	terminals := make([]*terminal, r.cfg.Terminals)
	var connections, workers, forwarders sync.WaitGroup
	for i := range terminals {
		t := r.newTerminal(i, start)
		terminals[i] = t
		connections.Go(func() { t.keepConnected(connCtx) })
		forwarders.Go(func() { t.forwardAdvices(adviceCtx) })
		for range r.cfg.Concurrency {
			if r.cfg.Rate > 0 {
				workers.Go(func() { t.workScheduled(purchaseCtx, runCtx) })
			} else {
				workers.Go(func() { t.work(purchaseCtx, runCtx) })
			}
		}
	}
	workers.Wait()
	endPurchases() // no worker is left: sending has ended if it had not yet
	stopped := <-sendingEnded
	r.mu.Lock()
	r.purchasesEnd = r.clock.now()
	r.sendingEnd = stopped
	r.mu.Unlock()
	for _, t := range terminals {
		close(t.advices) // no worker is left to store one
	}
	drain := time.AfterFunc(r.cfg.Drain, endAdvices)
	forwarders.Wait()
	drain.Stop()
	endConnections()
	connections.Wait()
	for _, t := range terminals {
		for a := range t.advices {
			t.unfinished = append(t.unfinished, a)
		}
		for _, a := range t.unfinished {
			r.emit(a.outcome())
		}
	}
	return r.summary(), context.Cause(runCtx)
}

func (r *Runner) watchReachable(ctx context.Context, abort context.CancelCauseFunc) {
	timer := time.NewTimer(r.cfg.ConnectTimeout)
	defer timer.Stop()
	select {
	case <-r.reachable:
	case <-ctx.Done():
	case <-timer.C:
		r.mu.Lock()
		err := r.connectErr
		r.mu.Unlock()
		abort(fmt.Errorf("%w: no terminal connected to %s within %s (last error: %v)", ErrUnreachable, r.cfg.Addr, r.cfg.ConnectTimeout, err))
	}
}

// take reserves the next purchase of the run; false when the run has sent
// all it should.
func (r *Runner) take(ctx context.Context) (uint64, bool) {
	if ctx.Err() != nil {
		return 0, false
	}
	n := r.taken.Add(1) - 1
	if r.cfg.Count > 0 && n >= uint64(r.cfg.Count) {
		return 0, false
	}
	return n, true
}

func (r *Runner) amount(n uint64) int64 {
	return AmountWithSuffix(r.cfg.AmountBase, r.cfg.Mix.Suffix(n))
}

func (r *Runner) emit(o Outcome) {
	if r.cfg.OnOutcome != nil {
		r.cfg.OnOutcome(o)
	}
}

func (r *Runner) countAnswer(rc string) {
	c := &r.counts
	c.answered.Add(1)
	switch rc {
	case wire.RCApproved:
		c.approved.Add(1)
	case wire.RCSchemeUnavailable:
		c.unavailable.Add(1)
	default:
		c.declined.Add(1)
	}
	if len(rc) == 2 && digits(rc) {
		c.rcs[int(rc[0]-'0')*10+int(rc[1]-'0')].Add(1)
		return
	}
	r.mu.Lock()
	r.otherRCs[rc]++ // at most the 36*36 two-character codes DE 39 can hold
	r.mu.Unlock()
}

func (r *Runner) connectFailed(err error) {
	r.counts.connectFailures.Add(1)
	r.mu.Lock()
	r.connectErr = err
	r.mu.Unlock()
}

func (r *Runner) signOnRefused(rc string) {
	r.counts.signOnRefused.Add(1)
	r.mu.Lock()
	r.signOnRC = rc
	r.mu.Unlock()
}

func (r *Runner) connected(again bool) {
	r.counts.connects.Add(1)
	r.counts.connected.Add(1)
	if again {
		r.counts.reconnects.Add(1)
	}
	r.reachOnce.Do(func() { close(r.reachable) })
}

// randomSTAN is where a terminal's STAN counter starts: anywhere, so that
// runs close together do not reuse STANs (DE 7 differs anyway).
func randomSTAN() int { return rand.IntN(999_999) + 1 }
