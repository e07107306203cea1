// Package simwallet is a deterministic, in-memory model of a wallet scheme
// and its adapter, for the payment engine's simulation tests: a ledger with
// the adapter contract's semantics (proto/meridian/scheme/v1), a virtual
// clock, and a fault layer that loses, delays and slows calls and crashes
// the gateway at chosen points. Nothing in it reads real time, starts a
// goroutine or iterates a map, so a seed reproduces a run exactly. It is
// test support only.
package simwallet

import (
	"fmt"
	"slices"
	"time"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// Status is the state of a payment at the wallet.
type Status string

// Payment states.
const (
	StatusProcessing Status = "processing"
	StatusPaid       Status = "paid"
	StatusFailed     Status = "failed"
	StatusCancelled  Status = "cancelled"
)

// Payment is the wallet's record of one payment idempotency key.
type Payment struct {
	Key string
	// Tombstone: cancelled before any Pay arrived. It holds no money and
	// makes every later Pay under its key fail, as Alipay+ does.
	Tombstone bool
	Amount    Money
	// Code is the wallet code paid with; with Amount it is the content a
	// repeat must match.
	Code      string
	Status    Status
	Reason    schemev1.FailureReason // of a failed payment
	TxnID     string
	CreatedAt time.Time
	// Charges counts how often the customer was charged: 0 or 1, or the
	// wallet broke exactly-once.
	Charges int
	// Reversed is what a cancel returned; Refunded what refunds returned.
	Reversed int64
	Refunded int64
	// PayCalls counts the Pay requests that reached the wallet.
	PayCalls  int
	Inquiries int
	// settle says how a processing payment ends.
	settle Outcome
}

// Held is what the payment holds of the customer's money now.
func (p *Payment) Held() int64 { return p.Amount.Minor*int64(p.Charges) - p.Reversed - p.Refunded }

// Refund is the wallet's record of one refund idempotency key, successful or
// not: a repeat gets the same answer either way.
type Refund struct {
	Key        string
	PaymentKey string
	Amount     Money
	Success    bool
	Reason     schemev1.FailureReason // of a refused refund
	RefundID   string
	At         time.Time
}

// Money is an amount in minor units.
type Money struct {
	Minor    int64
	Currency string
}

// Outcome is how the wallet answers a new payment: paid, failed with
// Reason, or processing until SettleInquiries inquiries have been answered
// or SettleAfter has passed since it was created, whichever comes first
// (zero: never by that rule), then SettleTo (paid, or failed with
// SettleReason). A cancel ends a processing payment at once.
type Outcome struct {
	Status          Status
	Reason          schemev1.FailureReason
	SettleInquiries int
	SettleAfter     time.Duration
	SettleTo        Status
	SettleReason    schemev1.FailureReason
}

// Config configures a Wallet.
type Config struct {
	// Now is the wallet's clock.
	Now func() time.Time
	// CancelWindow: a payment older than this can no longer be cancelled.
	CancelWindow time.Duration
	// Tombstones: a cancel of a key the wallet never saw succeeds and
	// leaves a tombstone, so that a Pay arriving later fails (Alipay+).
	// Without, such a cancel fails with NOT_FOUND and a late Pay charges.
	Tombstones bool
	// Decide picks the outcome of a new payment.
	Decide func(key string) Outcome
}

// Wallet is the ledger. It is not safe for concurrent use: the simulation
// drives everything from one goroutine.
type Wallet struct {
	cfg          Config
	start        time.Time
	payments     map[string]*Payment
	paymentOrder []string
	refunds      map[string]*Refund
	refundOrder  []string
	processing   []string // keys of processing payments, in creation order
	network      []delivery
	sequence     int
	dirty        []string // payment keys changed since TakeDirty
	dirtySet     map[string]bool
	log          []string
	counts       map[string]int
}

// delivery is a request still in the network, reaching the wallet at at.
type delivery struct {
	at    time.Time
	seq   int
	apply func()
}

// New returns an empty wallet.
func New(cfg Config) *Wallet {
	return &Wallet{
		cfg:      cfg,
		start:    cfg.Now(),
		payments: make(map[string]*Payment),
		refunds:  make(map[string]*Refund),
		dirtySet: make(map[string]bool),
		counts:   make(map[string]int),
	}
}

// Pay charges a new payment, or answers a repeat from the record.
func (w *Wallet) Pay(req *schemev1.PayRequest) *schemev1.PayResponse {
	now := w.tick()
	key := req.GetIdempotencyKey()
	amount := Money{Minor: req.GetAmount().GetMinorUnits(), Currency: req.GetAmount().GetCurrency()}
	if p, ok := w.payments[key]; ok {
		p.PayCalls++
		w.touch(p.Key)
		switch {
		case p.Tombstone:
			w.note(now, "pay after a tombstone", "pay %s refused: cancelled before it arrived", key)
			return &schemev1.PayResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_CANCELLED)}
		case p.Amount != amount || p.Code != req.GetPaymentCode():
			w.note(now, "pay mismatch", "pay %s refused: different content", key)
			return &schemev1.PayResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH)}
		}
		w.note(now, "pay repeat "+string(p.Status), "pay %s repeated: %s", key, p.Status)
		return payResponse(p)
	}
	p := &Payment{Key: key, Amount: amount, Code: req.GetPaymentCode(), CreatedAt: now, PayCalls: 1,
		TxnID: w.nextID("P")}
	if amount.Minor <= 0 || amount.Currency == "" {
		p.Status, p.Reason = StatusFailed, schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT
	} else {
		o := w.cfg.Decide(key)
		p.Status, p.Reason, p.settle = o.Status, o.Reason, o
		if o.Status == StatusPaid {
			p.Charges = 1
		}
	}
	w.put(p)
	if p.Status == StatusProcessing {
		w.processing = append(w.processing, key)
	}
	w.note(now, "pay new "+string(p.Status), "pay %s %d %s: %s", key, amount.Minor, amount.Currency, p.Status)
	return payResponse(p)
}

// Inquire reports a payment's state; a processing one may settle on it.
func (w *Wallet) Inquire(req *schemev1.InquireRequest) *schemev1.InquireResponse {
	now := w.tick()
	key := req.GetIdempotencyKey()
	p, ok := w.payments[key]
	if !ok {
		return &schemev1.InquireResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_NOT_FOUND)}
	}
	p.Inquiries++
	if p.Status == StatusProcessing && p.settle.SettleInquiries > 0 && p.Inquiries >= p.settle.SettleInquiries {
		w.settle(p, now)
	}
	r := payResponse(p)
	return &schemev1.InquireResponse{Result: r.Result, SchemeTransactionId: r.SchemeTransactionId,
		WalletAmount: r.WalletAmount, WalletBrand: r.WalletBrand}
}

// Cancel voids a payment within the cancel window: a paid one is returned
// in full, a processing one can no longer be paid, an unknown key leaves a
// tombstone. A partly refunded payment cannot be cancelled.
func (w *Wallet) Cancel(req *schemev1.CancelRequest) *schemev1.CancelResponse {
	now := w.tick()
	key := req.GetIdempotencyKey()
	p, ok := w.payments[key]
	if !ok && !w.cfg.Tombstones {
		w.note(now, "cancel not found", "cancel %s refused: not found", key)
		return &schemev1.CancelResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_NOT_FOUND)}
	}
	if !ok {
		p = &Payment{Key: key, Tombstone: true, Status: StatusCancelled, CreatedAt: now, TxnID: w.nextID("P")}
		w.put(p)
		w.note(now, "cancel tombstone", "cancel %s: tombstone", key)
		return &schemev1.CancelResponse{Result: success()}
	}
	switch {
	case p.Status == StatusCancelled || p.Status == StatusFailed:
		return &schemev1.CancelResponse{Result: success()}
	case now.Sub(p.CreatedAt) > w.cfg.CancelWindow:
		w.note(now, "cancel window closed", "cancel %s refused: window closed", key)
		return &schemev1.CancelResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_CANCEL_WINDOW_CLOSED)}
	case p.Refunded > 0:
		w.note(now, "cancel partly refunded", "cancel %s refused: partly refunded", key)
		return &schemev1.CancelResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR)}
	}
	status := p.Status
	if p.Status == StatusPaid {
		p.Reversed = p.Amount.Minor
	}
	p.Status = StatusCancelled
	w.touch(key)
	w.note(now, "cancel of "+string(status), "cancel %s: cancelled, %d returned", key, p.Reversed)
	return &schemev1.CancelResponse{Result: success()}
}

// Refund returns part of a paid payment, never more than remains of it, or
// answers a repeat from the record.
func (w *Wallet) Refund(req *schemev1.RefundRequest) *schemev1.RefundResponse {
	now := w.tick()
	key := req.GetRefundIdempotencyKey()
	amount := Money{Minor: req.GetAmount().GetMinorUnits(), Currency: req.GetAmount().GetCurrency()}
	if r, ok := w.refunds[key]; ok {
		if r.PaymentKey != req.GetPaymentIdempotencyKey() || r.Amount != amount {
			return &schemev1.RefundResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH)}
		}
		return refundResponse(r)
	}
	r := &Refund{Key: key, PaymentKey: req.GetPaymentIdempotencyKey(), Amount: amount, At: now}
	r.Reason = w.refusal(r)
	if r.Reason == schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED {
		p := w.payments[r.PaymentKey]
		r.Success, r.RefundID = true, w.nextID("R")
		p.Refunded += amount.Minor
		w.touch(p.Key)
	}
	w.refunds[key] = r
	w.refundOrder = append(w.refundOrder, key)
	if r.Success {
		w.note(now, "refund returned", "refund %s of %s: %d %s returned", key, r.PaymentKey, amount.Minor, amount.Currency)
	} else {
		w.note(now, "refund refused "+r.Reason.String(), "refund %s of %s %d %s refused: %s", key, r.PaymentKey, amount.Minor, amount.Currency, r.Reason)
	}
	return refundResponse(r)
}

// refusal says why a new refund fails; UNSPECIFIED when it succeeds.
func (w *Wallet) refusal(r *Refund) schemev1.FailureReason {
	p, ok := w.payments[r.PaymentKey]
	switch {
	case !ok:
		return schemev1.FailureReason_FAILURE_REASON_NOT_FOUND
	case p.Status == StatusCancelled:
		return schemev1.FailureReason_FAILURE_REASON_CANCELLED
	case p.Status != StatusPaid:
		return schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR
	case r.Amount.Currency != p.Amount.Currency || r.Amount.Minor <= 0:
		return schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT
	case r.Amount.Minor > p.Amount.Minor-p.Refunded:
		return schemev1.FailureReason_FAILURE_REASON_REFUND_EXCEEDS_PAYMENT
	}
	return schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED
}

// Deliver puts apply in the network: it reaches the wallet at at.
func (w *Wallet) Deliver(at time.Time, apply func()) {
	w.sequence++
	d := delivery{at: at, seq: w.sequence, apply: apply}
	i, _ := slices.BinarySearchFunc(w.network, d, func(a, b delivery) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	w.network = slices.Insert(w.network, i, d)
}

// InFlight is how many requests are still in the network.
func (w *Wallet) InFlight() int { return len(w.network) }

// Tick brings the wallet up to its clock: requests due out of the network
// arrive, processing payments due settle.
func (w *Wallet) Tick() { w.tick() }

func (w *Wallet) tick() time.Time {
	now := w.cfg.Now()
	for len(w.network) > 0 && !w.network[0].at.After(now) {
		d := w.network[0]
		w.network = w.network[1:]
		d.apply() // which ticks again: deliveries due arrive in order
	}
	kept := w.processing[:0]
	for _, key := range w.processing {
		p := w.payments[key]
		if p.Status == StatusProcessing && p.settle.SettleAfter > 0 && !now.Before(p.CreatedAt.Add(p.settle.SettleAfter)) {
			w.settle(p, now)
		}
		if p.Status == StatusProcessing {
			kept = append(kept, key)
		}
	}
	w.processing = kept
	return now
}

func (w *Wallet) settle(p *Payment, now time.Time) {
	p.Status, p.Reason = p.settle.SettleTo, p.settle.SettleReason
	if p.Status == StatusPaid {
		p.Charges++
	}
	w.touch(p.Key)
	w.note(now, "settle "+string(p.Status), "settle %s: %s", p.Key, p.Status)
}

func (w *Wallet) put(p *Payment) {
	w.payments[p.Key] = p
	w.paymentOrder = append(w.paymentOrder, p.Key)
	w.touch(p.Key)
}

func (w *Wallet) touch(key string) {
	if !w.dirtySet[key] {
		w.dirtySet[key] = true
		w.dirty = append(w.dirty, key)
	}
}

// TakeDirty returns the keys of the payments changed since the last call,
// in the order they first changed.
func (w *Wallet) TakeDirty() []string {
	d := w.dirty
	w.dirty = nil
	clear(w.dirtySet)
	return d
}

func (w *Wallet) nextID(kind string) string {
	w.sequence++
	return fmt.Sprintf("%s%010d", kind, w.sequence)
}

// note logs a change; label names its kind, for Counts.
func (w *Wallet) note(now time.Time, label, format string, args ...any) {
	w.log = append(w.log, fmt.Sprintf("%v ", now.Sub(w.start))+fmt.Sprintf(format, args...))
	w.counts[label]++
}

// Counts says how often each kind of change happened, for a run's summary:
// which paths a seed reached.
func (w *Wallet) Counts() map[string]int { return w.counts }

// Payment returns the payment with key, or nil.
func (w *Wallet) Payment(key string) *Payment { return w.payments[key] }

// Payments lists every payment in the order it was first recorded.
func (w *Wallet) Payments() []*Payment {
	out := make([]*Payment, len(w.paymentOrder))
	for i, k := range w.paymentOrder {
		out[i] = w.payments[k]
	}
	return out
}

// Refunds lists every refund in the order it was first recorded.
func (w *Wallet) Refunds() []*Refund {
	out := make([]*Refund, len(w.refundOrder))
	for i, k := range w.refundOrder {
		out[i] = w.refunds[k]
	}
	return out
}

// RefundOf returns the refund with key, or nil.
func (w *Wallet) RefundOf(key string) *Refund { return w.refunds[key] }

// Log is every change the wallet made, in order, with times relative to its
// start.
func (w *Wallet) Log() []string { return w.log }

// CheckPayment reports how a payment breaks the ledger's own invariants: a
// second charge, a cancel not returned in full, more returned than charged,
// or refunds that do not add up to the refund records.
func (w *Wallet) CheckPayment(p *Payment) error {
	var refunded int64
	for _, k := range w.refundOrder {
		if r := w.refunds[k]; r.Success && r.PaymentKey == p.Key {
			refunded += r.Amount.Minor
		}
	}
	switch {
	case p.Charges > 1:
		return fmt.Errorf("wallet payment %s charged %d times", p.Key, p.Charges)
	case p.Charges == 0 && (p.Reversed != 0 || p.Refunded != 0):
		return fmt.Errorf("wallet payment %s returned %d+%d without a charge", p.Key, p.Reversed, p.Refunded)
	case p.Status == StatusCancelled && p.Reversed+p.Refunded != p.Amount.Minor*int64(p.Charges):
		return fmt.Errorf("wallet payment %s cancelled but %d+%d of %d returned", p.Key, p.Reversed, p.Refunded, p.Amount.Minor*int64(p.Charges))
	case p.Held() < 0:
		return fmt.Errorf("wallet payment %s returned %d+%d of %d charged", p.Key, p.Reversed, p.Refunded, p.Amount.Minor*int64(p.Charges))
	case p.Refunded != refunded:
		return fmt.Errorf("wallet payment %s refunded %d, refund records say %d", p.Key, p.Refunded, refunded)
	}
	return nil
}

func payResponse(p *Payment) *schemev1.PayResponse {
	switch p.Status {
	case StatusPaid:
		return &schemev1.PayResponse{Result: success(), SchemeTransactionId: p.TxnID, WalletBrand: "SimPay",
			WalletAmount: &schemev1.Money{Currency: p.Amount.Currency, MinorUnits: p.Amount.Minor}}
	case StatusFailed:
		return &schemev1.PayResponse{Result: failure(p.Reason)}
	case StatusCancelled:
		return &schemev1.PayResponse{Result: failure(schemev1.FailureReason_FAILURE_REASON_CANCELLED)}
	}
	return &schemev1.PayResponse{Result: &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_UNKNOWN,
		SchemeCode: "PAYMENT_IN_PROCESS"}}
}

func refundResponse(r *Refund) *schemev1.RefundResponse {
	if !r.Success {
		return &schemev1.RefundResponse{Result: failure(r.Reason)}
	}
	return &schemev1.RefundResponse{Result: success(), SchemeRefundId: r.RefundID,
		WalletAmount: &schemev1.Money{Currency: r.Amount.Currency, MinorUnits: r.Amount.Minor}}
}

func success() *schemev1.Result {
	return &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_SUCCESS, SchemeCode: "SUCCESS"}
}

func failure(reason schemev1.FailureReason) *schemev1.Result {
	return &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_FAILURE, Reason: reason,
		SchemeCode: reason.String()}
}
