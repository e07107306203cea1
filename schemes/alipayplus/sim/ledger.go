package sim

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/meridian-gw/meridian/schemes/alipayplus"
)

// Status is the state of a simulated payment.
type Status string

// Payment states.
const (
	StatusProcessing Status = "processing"
	StatusPaid       Status = "paid"
	StatusFailed     Status = "failed"
	StatusCancelled  Status = "cancelled"
)

// Payment is the ledger record of one paymentRequestId. It is plain data so
// it can be written to and read back from a file.
type Payment struct {
	PaymentRequestID string `json:"paymentRequestId"`
	PaymentID        string `json:"paymentId"`
	// Placeholder is set for a payment cancelled before its pay request ever
	// arrived: it holds no money and makes any later pay under that id fail.
	Placeholder bool     `json:"placeholder,omitempty"`
	Scenario    Scenario `json:"scenario,omitempty"`
	Currency    string   `json:"currency,omitempty"`
	MinorUnits  int64    `json:"minorUnits"`
	// Code is the payment code masked to its first and last 4 digits; the
	// full code is never stored.
	Code        string `json:"code,omitempty"`
	WalletBrand string `json:"walletBrand,omitempty"`
	CustomerID  string `json:"customerId,omitempty"`
	Status      Status `json:"status"`
	// ResultCode is the Alipay+ code a failed payment failed with.
	ResultCode  string    `json:"resultCode,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	PaidAt      time.Time `json:"paidAt,omitzero"`
	CancelledAt time.Time `json:"cancelledAt,omitzero"`
	// SettleAt is when a slow (93) payment becomes paid unless cancelled.
	SettleAt time.Time `json:"settleAt,omitzero"`
	// Charges counts how often the customer was charged; more than one is a
	// double charge, which Check reports.
	Charges int `json:"charges"`
	// Reversed is what a cancel returned to the customer.
	Reversed int64 `json:"reversed"`
	// Refunded is what successful refunds returned to the customer.
	Refunded  int64    `json:"refunded"`
	RefundIDs []string `json:"refundRequestIds,omitempty"`
	// PayCalls counts the pay requests received for this paymentRequestId.
	PayCalls int `json:"payCalls"`
	// Inquiries counts the inquiryPayment requests answered for it.
	Inquiries int `json:"inquiries"`
	// RequestHash identifies the pay request's content, to tell a repeat
	// from a different request under the same id. It is keyed with the
	// simulator's secret (Simulator.hashOf), which a durable ledger keeps
	// with its records.
	RequestHash string `json:"requestHash,omitempty"`
}

// Refund is the ledger record of one refundRequestId, successful or not:
// a repeat gets the same answer either way.
type Refund struct {
	RefundRequestID  string    `json:"refundRequestId"`
	RefundID         string    `json:"refundId,omitempty"`
	PaymentRequestID string    `json:"paymentRequestId"`
	Currency         string    `json:"currency"`
	MinorUnits       int64     `json:"minorUnits"`
	ResultStatus     string    `json:"resultStatus"`
	ResultCode       string    `json:"resultCode"`
	CreatedAt        time.Time `json:"createdAt"`
	RequestHash      string    `json:"requestHash,omitempty"`
}

// Snapshot is the whole ledger at one moment, as GET /sim/ledger serves it.
type Snapshot struct {
	Payments []Payment `json:"payments"`
	Refunds  []Refund  `json:"refunds"`
}

// Ledger records the simulator's payments and refunds. It is safe for
// concurrent use; one mutex serialises every change, which keeps each
// command (pay, inquire, cancel, refund) atomic.
//
// Every change goes through putPaymentLocked or putRefundLocked while the
// lock is held. A durable ledger (Config.LedgerPath) notes there what the
// command in progress changed and, before the lock is released, appends it
// to its file as one record (commitLocked); the command's caller answers
// only once that record is synced (journal.go). At start the file is
// replayed into the maps.
type Ledger struct {
	now        func() time.Time
	maxEntries int
	// journal is the ledger file, nil for a ledger in memory. Set before the
	// ledger is shared and never changed after.
	journal *journal

	mu           sync.Mutex
	payments     map[string]*Payment // guarded by mu; by paymentRequestId
	paymentOrder []string            // guarded by mu; ids in creation order
	refunds      map[string]*Refund  // guarded by mu; by refundRequestId
	refundOrder  []string            // guarded by mu; ids in creation order
	slow         map[string]bool     // guarded by mu; processing payments with a SettleAt
	sequence     int64               // guarded by mu; last id number handed out
	// changedPayment and changedRefund are what the command in progress
	// changed, to be recorded by commitLocked; guarded by mu, used only with
	// a journal.
	changedPayment *Payment
	changedRefund  *Refund
}

// newLedger returns an empty ledger holding at most maxEntries payments and
// refunds together.
func newLedger(maxEntries int, now func() time.Time) *Ledger {
	return &Ledger{
		now:        now,
		maxEntries: maxEntries,
		payments:   make(map[string]*Payment),
		refunds:    make(map[string]*Refund),
		slow:       make(map[string]bool),
	}
}

// attach makes j the ledger's journal, once its file is replayed into the
// ledger, and settles the slow payments now due, durably.
func (l *Ledger) attach(j *journal) error {
	l.mu.Lock()
	l.journal = j
	l.settleDueLocked(l.now())
	last := l.commitLocked(opSettle)
	l.mu.Unlock()
	return j.waitDurable(last)
}

// Payments returns a copy of every payment, oldest first.
func (l *Ledger) Payments() []Payment {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.settleDueLocked(l.now())
	out := make([]Payment, 0, len(l.paymentOrder))
	for _, id := range l.paymentOrder {
		out = append(out, copyPayment(l.payments[id]))
	}
	return out
}

// Payment returns a copy of the payment with paymentRequestID.
func (l *Ledger) Payment(paymentRequestID string) (Payment, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.settleDueLocked(l.now())
	p, ok := l.payments[paymentRequestID]
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

// PayCalls returns how many pay requests arrived for paymentRequestID.
// Requests refused before they were read (bad signature, malformed body) are
// not counted: they never named a payment the simulator trusted.
func (l *Ledger) PayCalls(paymentRequestID string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p, ok := l.payments[paymentRequestID]; ok {
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
	l.settleDueLocked(l.now())
	refunded := make(map[string]int64)
	for _, r := range l.refunds {
		if r.ResultStatus == alipayplus.ResultSuccess {
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
		return fmt.Errorf("payment %s (%s): charged %d times, want %d", p.PaymentRequestID, p.Status, p.Charges, wantCharges)
	case p.Status == StatusCancelled && p.Charges == 1 && p.Reversed != p.MinorUnits:
		return fmt.Errorf("payment %s: cancelled but %d of %d returned", p.PaymentRequestID, p.Reversed, p.MinorUnits)
	case p.Refunded != refunded:
		return fmt.Errorf("payment %s: refunded %d, refund records say %d", p.PaymentRequestID, p.Refunded, refunded)
	case p.Refunded+p.Reversed > p.MinorUnits*int64(p.Charges):
		return fmt.Errorf("payment %s: returned %d of %d charged", p.PaymentRequestID, p.Refunded+p.Reversed, p.MinorUnits*int64(p.Charges))
	}
	return nil
}

// fullLocked reports whether the ledger holds its maximum of entries.
func (l *Ledger) fullLocked() bool {
	return len(l.payments)+len(l.refunds) >= l.maxEntries
}

// putPaymentLocked stores p, a new or changed payment. Every payment change ends
// here; see the Ledger comment.
func (l *Ledger) putPaymentLocked(p *Payment) {
	if _, ok := l.payments[p.PaymentRequestID]; !ok {
		l.paymentOrder = append(l.paymentOrder, p.PaymentRequestID)
	}
	l.payments[p.PaymentRequestID] = p
	if l.journal != nil {
		// One command changes at most one payment (a refund changes its
		// payment and the refund); a record holds one of each.
		if c := l.changedPayment; c != nil && c.PaymentRequestID != p.PaymentRequestID {
			panic("sim: one ledger command changed two payments: " + c.PaymentRequestID + ", " + p.PaymentRequestID)
		}
		l.changedPayment = p
	}
	if p.Status == StatusProcessing && !p.SettleAt.IsZero() {
		l.slow[p.PaymentRequestID] = true
	} else {
		delete(l.slow, p.PaymentRequestID)
	}
}

// putRefundLocked stores r, a new refund. Every refund change ends here.
func (l *Ledger) putRefundLocked(r *Refund) {
	if _, ok := l.refunds[r.RefundRequestID]; !ok {
		l.refundOrder = append(l.refundOrder, r.RefundRequestID)
	}
	l.refunds[r.RefundRequestID] = r
	if l.journal != nil {
		if c := l.changedRefund; c != nil && c.RefundRequestID != r.RefundRequestID {
			panic("sim: one ledger command changed two refunds: " + c.RefundRequestID + ", " + r.RefundRequestID)
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

// settleDueLocked pays the slow payments whose SettleAt has come: the
// "then paid" of the 93 rule happens even when no held response is left to
// do it (the client went away, the server shut down, the simulator was
// restarted). They are paid at their SettleAt, not at the moment this runs,
// so a ledger replayed later settles them exactly as the running one would.
// Each settlement is a record of its own.
func (l *Ledger) settleDueLocked(now time.Time) {
	for id := range l.slow {
		p := l.payments[id]
		if !now.Before(p.SettleAt) {
			l.markPaidLocked(p, p.SettleAt)
			l.commitLocked(opSettle)
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

// nextIDLocked returns a new Alipay+-style id: a timestamp, a kind marker and
// a sequence number, unique within the ledger.
func (l *Ledger) nextIDLocked(now time.Time, kind string) string {
	l.sequence++
	return fmt.Sprintf("%s%s%010d", now.UTC().Format("20060102150405"), kind, l.sequence)
}

func copyPayment(p *Payment) Payment {
	c := *p
	c.RefundIDs = slices.Clone(p.RefundIDs)
	return c
}
