package simkit

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"sync"
	"time"
)

// Defaults of Config.
const (
	DefaultMaxEntries    = 100_000
	DefaultSlowDelay     = 30 * time.Second
	DefaultCancelWindow  = 24 * time.Hour
	DefaultRefundWindow  = 365 * 24 * time.Hour
	DefaultOrderLifetime = 15 * time.Minute
)

// Config configures a Ledger. Fields marked required have no default; for
// the others the zero value takes the default named.
type Config struct {
	// Codes are the wallet's result codes for declines and expired orders.
	// Required by Open: a code for every Decline, and Expired.
	Codes Codes
	// MaxEntries bounds the payments and refunds kept, together. When full,
	// new payments, orders and refunds get OutcomeFull, and known ones are
	// still answered. Default 100,000.
	MaxEntries int
	// SlowDelay is when a 93 payment becomes paid after its pay or scan,
	// unless cancelled; the simulator holds its answer as long (Holds).
	// Default 30s.
	SlowDelay time.Duration
	// CancelWindow is how long after its creation a payment or order can be
	// cancelled. Default 24h.
	CancelWindow time.Duration
	// RefundWindow is how long after its creation a payment can be
	// refunded. Default 365 days.
	RefundWindow time.Duration
	// OrderLifetime is how long an order waits for the customer when
	// CreateOrder names no expiry. Default 15 minutes.
	OrderLifetime time.Duration
	// FormatID makes the wallet's ids of payments and refunds from the time
	// and a sequence number unique within the ledger. Default: the UTC time
	// as 20060102150405, "P" or "R", and the number in 10 digits.
	FormatID func(kind IDKind, now time.Time, sequence int64) string
	// Path, when set, makes the ledger durable in this file (created if
	// missing, mode 0600; journal.go describes it): every change is appended
	// as one JSON line and synced before the command returns, and Open
	// replays the file, so a simulator restarted on it answers repeats as
	// before and never charges twice. A torn last line is cut off with a
	// warning to Logger; any other bad line makes Open fail with a
	// *CorruptLedgerError. The file is locked while open; Close closes it.
	// Empty keeps the ledger in memory.
	Path string
	// Now is the ledger's clock. Default time.Now.
	Now func() time.Time
	// Logger receives the journal's warnings and errors. Default: discard.
	Logger *slog.Logger
}

// IDKind says which kind of wallet id FormatID makes.
type IDKind int

// Kinds of wallet ids.
const (
	IDPayment IDKind = iota
	IDRefund
)

func formatID(kind IDKind, now time.Time, sequence int64) string {
	marker := "P"
	if kind == IDRefund {
		marker = "R"
	}
	return fmt.Sprintf("%s%s%010d", now.UTC().Format("20060102150405"), marker, sequence)
}

func (cfg Config) withDefaults() Config {
	if cfg.MaxEntries == 0 {
		cfg.MaxEntries = DefaultMaxEntries
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
	if cfg.FormatID == nil {
		cfg.FormatID = formatID
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

func (cfg Config) check() error {
	if cfg.MaxEntries < 0 || cfg.SlowDelay < 0 || cfg.CancelWindow < 0 || cfg.RefundWindow < 0 || cfg.OrderLifetime < 0 {
		return errors.New("simkit: durations and limits must not be negative")
	}
	for _, d := range Declines {
		if cfg.Codes.Declines[d] == "" {
			return fmt.Errorf("simkit: Codes.Declines has no code for %q", d)
		}
	}
	if cfg.Codes.Expired == "" {
		return errors.New("simkit: Codes.Expired is required")
	}
	return nil
}

// Ledger records a simulated wallet's payments, orders and refunds and
// decides their outcomes. It is safe for concurrent use; one mutex
// serialises every command, which keeps each atomic.
//
// Every change goes through putPaymentLocked or putRefundLocked while the
// lock is held. A durable ledger (Config.Path) notes there what the command
// in progress changed and, before the lock is released, appends it to its
// file as one record (commitLocked); the command returns only once that
// record is synced (journal.go). At start the file is replayed into the
// maps.
type Ledger struct {
	cfg Config
	// hashKey keys the request hashes (Hash); a durable ledger keeps it in
	// its file's header. Set before the ledger is shared.
	hashKey []byte
	// journal is the ledger file, nil for a ledger in memory. Set before the
	// ledger is shared and never changed after.
	journal *journal

	mu           sync.Mutex
	payments     map[string]*Payment // guarded by mu; by RequestID
	paymentOrder []string            // guarded by mu; ids in creation order
	refunds      map[string]*Refund  // guarded by mu; by refund RequestID
	refundOrder  []string            // guarded by mu; ids in creation order
	tokens       map[string]string   // guarded by mu; order token to RequestID
	slow         map[string]bool     // guarded by mu; processing payments with a SettleAt
	awaiting     map[string]bool     // guarded by mu; orders awaiting the customer
	sequence     int64               // guarded by mu; last id number handed out
	// changedPayment and changedRefund are what the command in progress
	// changed, to be recorded by commitLocked; guarded by mu, used only with
	// a journal.
	changedPayment *Payment
	changedRefund  *Refund
}

func newLedger(cfg Config) *Ledger {
	return &Ledger{
		cfg:      cfg,
		payments: make(map[string]*Payment),
		refunds:  make(map[string]*Refund),
		tokens:   make(map[string]string),
		slow:     make(map[string]bool),
		awaiting: make(map[string]bool),
	}
}

// Open checks cfg and returns a ledger, empty or, with Config.Path,
// replayed from its file. Call Close when done with a durable one.
func Open(cfg Config) (*Ledger, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	l := newLedger(cfg.withDefaults())
	l.hashKey = make([]byte, 32)
	rand.Read(l.hashKey)
	if cfg.Path == "" {
		return l, nil
	}
	j, hashKey, err := openJournal(cfg.Path, l, l.cfg.Logger)
	if err != nil {
		return nil, err
	}
	// The file's key replaces the fresh one, so repeats of requests made
	// before a restart hash as they did.
	l.hashKey = hashKey
	if err := l.attach(j); err != nil {
		j.close()
		return nil, err
	}
	return l, nil
}

// attach makes j the ledger's journal, once its file is replayed into the
// ledger, and settles and expires what fell due while no simulator ran,
// durably.
func (l *Ledger) attach(j *journal) error {
	l.mu.Lock()
	l.journal = j
	l.dueLocked(l.cfg.Now())
	last := l.journal.last()
	l.mu.Unlock()
	return j.waitDurable(last)
}

// Load replays the ledger file at cfg.Path into a ledger in memory, for
// reading it offline (walletsim check): it neither locks nor changes the
// file, so it may read the file of a running simulator; later commands
// change only the memory. A torn last line is skipped with a warning to
// cfg.Logger; corruption elsewhere is a *CorruptLedgerError. Codes are
// optional here (an order found expired gets Codes.Expired). The clock is
// cfg.Now: a slow payment whose settle time has passed reads as paid, an
// order whose expiry has passed as expired.
func Load(cfg Config) (*Ledger, error) {
	data, err := os.ReadFile(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("simkit: read ledger: %w", err)
	}
	cfg.MaxEntries = math.MaxInt
	l := newLedger(cfg.withDefaults())
	r, err := replay(l, data, cfg.Path)
	if err != nil {
		return nil, err
	}
	if r.torn != nil {
		warnTorn(l.cfg.Logger, cfg.Path, r.torn)
	}
	if r.records == 0 {
		return nil, fmt.Errorf("simkit: ledger %s holds no records", cfg.Path)
	}
	l.hashKey = r.hashKey
	return l, nil
}

// Config returns the ledger's configuration, defaults applied, so a
// simulator holds a 93 answer for exactly SlowDelay.
func (l *Ledger) Config() Config {
	return l.cfg
}

// Close writes and syncs what is pending in a durable ledger and closes its
// file; later commands change nothing and return ErrClosed, while the
// accessors keep working on the state in memory. For a ledger in memory it
// does nothing. A second call does nothing.
func (l *Ledger) Close() error {
	return l.journal.close()
}

// SetSync replaces how a durable ledger's file is synced, for tests that
// watch or fail the sync. It panics for a ledger in memory.
func (l *Ledger) SetSync(sync func(*os.File) error) {
	j := l.journal
	j.flushMu.Lock()
	defer j.flushMu.Unlock()
	j.sync = sync
}

// Hash hashes fields unambiguously, each prefixed with its length, keyed
// with the ledger's secret: simulators identify a request's content by it
// (PayCommand.Hash). The hash may cover a customer's code and is served on
// /sim/ledger; an unkeyed hash of a 16-digit code could be reversed by
// trying every code.
func (l *Ledger) Hash(fields ...string) string {
	h := hmac.New(sha256.New, l.hashKey)
	var length [8]byte
	for _, f := range fields {
		binary.BigEndian.PutUint64(length[:], uint64(len(f)))
		h.Write(length[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Payments returns a copy of every payment and order, oldest first.
func (l *Ledger) Payments() []Payment {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dueLocked(l.cfg.Now())
	out := make([]Payment, 0, len(l.paymentOrder))
	for _, id := range l.paymentOrder {
		out = append(out, copyPayment(l.payments[id]))
	}
	return out
}

// Payment returns a copy of the payment or order with requestID.
func (l *Ledger) Payment(requestID string) (Payment, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dueLocked(l.cfg.Now())
	p, ok := l.payments[requestID]
	if !ok {
		return Payment{}, false
	}
	return copyPayment(p), true
}

// Refunds returns a copy of every refund, oldest first.
func (l *Ledger) Refunds() []Refund {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Refund, 0, len(l.refundOrder))
	for _, id := range l.refundOrder {
		out = append(out, *l.refunds[id])
	}
	return out
}

// PayCalls returns how many pay or order requests arrived for requestID.
func (l *Ledger) PayCalls(requestID string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p, ok := l.payments[requestID]; ok {
		return p.PayCalls
	}
	return 0
}

// Snapshot returns the whole ledger.
func (l *Ledger) Snapshot() Snapshot {
	return Snapshot{Payments: l.Payments(), Refunds: l.Refunds()}
}

// Check verifies the ledger's money invariants and returns every violation:
// no payment charged twice, none charged while not paid or cancelled, every
// cancelled charge returned in full, and refunds never above what was paid
// and always adding up to the refund records.
func (l *Ledger) Check() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dueLocked(l.cfg.Now())
	refunded := make(map[string]int64)
	for _, r := range l.refunds {
		if r.Succeeded() {
			refunded[r.PaymentRequestID] += r.MinorUnits
		}
	}
	var errs []error
	for _, id := range l.paymentOrder {
		if err := checkPayment(l.payments[id], refunded[id]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func checkPayment(p *Payment, refunded int64) error {
	wantCharges := 0
	if p.Status == StatusPaid || (p.Status == StatusCancelled && p.Reversed > 0) {
		wantCharges = 1
	}
	switch {
	case p.Charges != wantCharges:
		return fmt.Errorf("payment %s (%s): charged %d times, want %d", p.RequestID, p.Status, p.Charges, wantCharges)
	case p.Status == StatusCancelled && p.Charges == 1 && p.Reversed != p.MinorUnits:
		return fmt.Errorf("payment %s: cancelled but %d of %d returned", p.RequestID, p.Reversed, p.MinorUnits)
	case p.Refunded != refunded:
		return fmt.Errorf("payment %s: refunded %d, refund records say %d", p.RequestID, p.Refunded, refunded)
	case p.Refunded+p.Reversed > p.MinorUnits*int64(p.Charges):
		return fmt.Errorf("payment %s: returned %d of %d charged", p.RequestID, p.Refunded+p.Reversed, p.MinorUnits*int64(p.Charges))
	}
	return nil
}

// fullLocked reports whether the ledger holds its maximum of entries.
func (l *Ledger) fullLocked() bool {
	return len(l.payments)+len(l.refunds) >= l.cfg.MaxEntries
}

// putPaymentLocked stores p, a new or changed payment. Every payment change
// ends here; see the Ledger comment.
func (l *Ledger) putPaymentLocked(p *Payment) {
	if _, ok := l.payments[p.RequestID]; !ok {
		l.paymentOrder = append(l.paymentOrder, p.RequestID)
	}
	l.payments[p.RequestID] = p
	if p.OrderToken != "" {
		l.tokens[p.OrderToken] = p.RequestID
	}
	if l.journal != nil {
		// One command changes at most one payment (a refund changes its
		// payment and the refund); a record holds one of each.
		if c := l.changedPayment; c != nil && c.RequestID != p.RequestID {
			panic("simkit: one ledger command changed two payments: " + c.RequestID + ", " + p.RequestID)
		}
		l.changedPayment = p
	}
	setMember(l.slow, p.RequestID, p.Status == StatusProcessing && !p.SettleAt.IsZero())
	setMember(l.awaiting, p.RequestID, p.Status == StatusAwaitingCustomer)
}

func setMember(set map[string]bool, id string, member bool) {
	if member {
		set[id] = true
	} else {
		delete(set, id)
	}
}

// putRefundLocked stores r, a new refund. Every refund change ends here.
func (l *Ledger) putRefundLocked(r *Refund) {
	if _, ok := l.refunds[r.RequestID]; !ok {
		l.refundOrder = append(l.refundOrder, r.RequestID)
	}
	l.refunds[r.RequestID] = r
	if l.journal != nil {
		if c := l.changedRefund; c != nil && c.RequestID != r.RequestID {
			panic("simkit: one ledger command changed two refunds: " + c.RequestID + ", " + r.RequestID)
		}
		l.changedRefund = r
	}
}

// commitLocked appends what the command in progress changed to the journal
// as one record named op, and returns the number of the journal's last
// record: the command's answer may be given once the journal is durable up
// to it. A command that changed nothing returns the last record too, so its
// answer never reports a state that is not yet on disk. Without a journal it
// returns 0.
func (l *Ledger) commitLocked(op string) uint64 {
	if l.journal == nil {
		return 0
	}
	if l.changedPayment == nil && l.changedRefund == nil {
		return l.journal.last()
	}
	n := l.journal.append(&record{Op: op, Seq: l.sequence, Payment: l.changedPayment, Refund: l.changedRefund})
	l.changedPayment, l.changedRefund = nil, nil
	return n
}

// dueLocked makes what time has decided happen before anything looks at the
// ledger: slow payments whose SettleAt has come are paid, and orders whose
// ExpiresAt has come unscanned expire. Each happens at its own time, not at
// the moment this runs, so a ledger replayed later ends exactly as the
// running one would, and each is a record of its own. The "then paid" of
// the 93 rule thus happens even when no held answer is left to do it (the
// client went away, the server shut down, the simulator was restarted).
func (l *Ledger) dueLocked(now time.Time) {
	for id := range l.slow {
		p := l.payments[id]
		if !now.Before(p.SettleAt) {
			l.markPaidLocked(p, p.SettleAt)
			l.commitLocked(opSettle)
		}
	}
	for id := range l.awaiting {
		p := l.payments[id]
		if !now.Before(p.ExpiresAt) {
			p.Status, p.ResultCode = StatusExpired, l.cfg.Codes.Expired
			l.putPaymentLocked(p)
			l.commitLocked(opExpire)
		}
	}
}

// markPaidLocked charges the customer for a processing payment.
func (l *Ledger) markPaidLocked(p *Payment, now time.Time) {
	if p.Status != StatusProcessing {
		return
	}
	p.Status, p.PaidAt = StatusPaid, now
	p.Charges++
	l.putPaymentLocked(p)
}

// nextIDLocked returns a new wallet id of kind.
func (l *Ledger) nextIDLocked(now time.Time, kind IDKind) string {
	l.sequence++
	return l.cfg.FormatID(kind, now, l.sequence)
}
