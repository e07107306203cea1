package payment

import (
	"context"
	"errors"
	"fmt"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// RefundRequest returns all or part of an approved purchase.
type RefundRequest struct {
	Key        TerminalKey
	MerchantID string
	// OriginalRRN is the purchase's RRN (DE 48 tag 20).
	OriginalRRN string
	Amount      Money
	// ByAcquirer marks a refund the merchant's acquirer makes (the admin
	// API) rather than a terminal: it needs no active terminal, so the
	// purchases of a suspended or closed merchant can still be refunded.
	// Key still makes it once-only.
	ByAcquirer bool
}

// Refund refunds an approved purchase of the same merchant, never more than
// remains of it, once per terminal key. It returns the refund attempt:
// approved, declined, or unknown when the scheme did not confirm within the
// budget (the engine keeps re-sending it, under the same key, until it does).
func (e *Engine) Refund(ctx context.Context, req RefundRequest) (*Attempt, error) {
	start := e.now()
	ctx, end, err := e.begin(start)
	if err != nil {
		return nil, err
	}
	defer end()

	m, err := e.refundingMerchant(ctx, req)
	if err != nil {
		return nil, err
	}
	if req.Amount.Minor <= 0 {
		return nil, ErrInvalidAmount
	}
	orig, err := e.cfg.Store.AttemptByRRN(ctx, m.ID, req.OriginalRRN)
	if errors.Is(err, ErrNotFound) || (err == nil && orig.Kind != KindPurchase) {
		return nil, ErrOriginalNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%w: load original: %v", ErrSystem, err)
	}
	if req.Amount.Currency != orig.Amount.Currency {
		return nil, ErrCurrency
	}

	adapter, ok := e.cfg.Adapters.Adapter(orig.Scheme)
	if !ok {
		return nil, fmt.Errorf("%w: no adapter configured for %s", ErrUnavailable, orig.Scheme)
	}
	a := &Attempt{
		ID:           e.cfg.NewID(),
		Kind:         KindRefund,
		Key:          req.Key,
		MerchantID:   m.ID,
		Scheme:       orig.Scheme,
		CodeMasked:   orig.CodeMasked,
		RequestHash:  hashOf(m.ID, req.Amount, req.OriginalRRN),
		Amount:       req.Amount,
		Settlement:   req.Amount,
		State:        StatePending,
		OriginalID:   orig.ID,
		OriginalRRN:  req.OriginalRRN,
		NextActionAt: start.Add(e.cfg.Budget + e.cfg.ResolveInterval),
	}
	if orig.Conversion.Applied() {
		lock := &e.refundLocks[stripe(orig.ID, len(e.refundLocks))]
		lock.Lock()
		wallet, err := e.refundInWallet(ctx, orig, req.Amount.Minor)
		if err != nil {
			lock.Unlock()
			return nil, err
		}
		a.Conversion, a.WalletAmount = orig.Conversion, wallet
		l, err := e.create(ctx, a) // journaled before the next refund reads the sum
		lock.Unlock()
		return e.refundCreated(ctx, adapter, l, a, req, orig, err)
	}
	l, err := e.create(ctx, a)
	return e.refundCreated(ctx, adapter, l, a, req, orig, err)
}

// refundingMerchant loads the merchant of a refund: through its active
// terminal for a terminal's refund, as it stands for an acquirer's.
func (e *Engine) refundingMerchant(ctx context.Context, req RefundRequest) (*Merchant, error) {
	if !req.ByAcquirer {
		return e.merchantFor(ctx, req.MerchantID, req.Key.TerminalID)
	}
	m, err := e.cfg.Store.Merchant(ctx, req.MerchantID)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrUnknownMerchant
	}
	if err != nil {
		return nil, fmt.Errorf("%w: load merchant: %v", ErrSystem, err)
	}
	return m, nil
}

// refundCreated goes on with a refund once its creation was tried.
func (e *Engine) refundCreated(ctx context.Context, adapter Adapter, l *live, a *Attempt, req RefundRequest, orig *Attempt, err error) (*Attempt, error) {
	switch {
	case errors.Is(err, ErrDuplicate):
		return e.repeat(ctx, KindRefund, req.Key, a.RequestHash)
	case errors.Is(err, ErrRefundExceeds):
		return nil, ErrInvalidAmount
	case errors.Is(err, ErrNotRefundable):
		return nil, fmt.Errorf("%w: original is %s", ErrNotSupported, orig.State)
	case err != nil:
		return nil, err
	}
	defer e.live.release(l)

	wait := e.cfg.InquiryInterval
	for first := true; ; first = false {
		done, err := e.sendRefund(ctx, adapter, l, first)
		if done || err != nil {
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrSystem, err)
			}
			return l.snapshot(), nil
		}
		if !e.pause(ctx, wait) {
			break
		}
		wait = min(2*wait, e.cfg.InquiryIntervalMax)
	}
	// Unknown at the end of the budget: the resolver re-sends it from now.
	_, err = e.transition(context.WithoutCancel(ctx), l, []State{StatePending, StateUnknown}, "refund_unknown", "not confirmed within the host budget", func(a *Attempt) {
		a.State = StateUnknown
		a.NextActionAt = e.now()
	})
	e.wake()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSystem, err)
	}
	return l.snapshot(), nil
}

// sendRefund sends (or re-sends, under the same key) a refund attempt and
// journals a final answer. It reports whether the attempt is final. On the
// first send of a request, a call refused before it left (circuit open)
// declines the refund: it is known that nothing was returned.
func (e *Engine) sendRefund(ctx context.Context, adapter Adapter, l *live, first bool) (bool, error) {
	a := l.snapshot()
	orig, err := e.cfg.Store.Attempt(ctx, a.OriginalID)
	if err != nil {
		return false, fmt.Errorf("load original of refund %s: %w", a.ID, err)
	}
	start := e.now()
	resp, err := adapter.Refund(ctx, &schemev1.RefundRequest{
		RefundIdempotencyKey:  a.ID,
		PaymentIdempotencyKey: orig.ID,
		Amount:                &schemev1.Money{Currency: a.charged().Currency, MinorUnits: a.charged().Minor},
		Reason:                "refund at the terminal",
	})
	o, reason := classify(resp.GetResult(), err)
	e.cfg.Observer.Stage("adapter", a.Scheme, "refund", o.String(), e.now().Sub(start))
	from := []State{StatePending, StateUnknown}
	if first && notSent(err) {
		_, err := e.transition(context.WithoutCancel(ctx), l, from, "refund_not_sent", "scheme unavailable", func(a *Attempt) {
			a.State = StateDeclined
			a.Reason = ReasonUnavailable
		})
		return true, err
	}
	switch o {
	case outcomeSuccess:
		_, err := e.transition(context.WithoutCancel(ctx), l, from, "refund_result", "approved", func(a *Attempt) {
			a.State = StateApproved
			a.ApprovalCode = newApprovalCode()
			a.SchemeTxnID = resp.GetSchemeRefundId()
			if w := resp.GetWalletAmount(); w != nil && !a.Conversion.Applied() {
				a.WalletAmount = Money{Minor: w.GetMinorUnits(), Currency: w.GetCurrency()}
			}
		})
		return true, err
	case outcomeFailure:
		if reason == reasonCancelled || reason == reasonCancelWindowClosed {
			reason = ReasonDoNotHonour
		}
		_, err := e.transition(context.WithoutCancel(ctx), l, from, "refund_result", "declined: "+string(reason), func(a *Attempt) {
			a.State = StateDeclined
			a.Reason = reason
			a.SchemeCode = resp.GetResult().GetSchemeCode()
		})
		return true, err
	}
	return false, nil
}

// stepRefund is the resolver's step for a refund not yet confirmed.
func (e *Engine) stepRefund(ctx context.Context, adapter Adapter, l *live) error {
	done, err := e.sendRefund(ctx, adapter, l, false)
	if err != nil {
		return err
	}
	if done {
		a := l.snapshot()
		e.cfg.Observer.Resolved(a.Scheme, a.State)
		return nil
	}
	return e.retryLater(ctx, l, "refund still unknown")
}

// stripe picks one of n locks for id (FNV-1a).
func stripe(id string, n int) int {
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	return int(h % uint32(n))
}
