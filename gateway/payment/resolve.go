package payment

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"time"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// resolveBatch bounds the attempts loaded per look at the store.
const resolveBatch = 256

// Run drives every attempt that is not final to a final state until ctx
// ends: unknown purchases past their budget are cancelled, cancels refused
// because the window passed become refunds, refunds are re-sent until the
// scheme confirms. All of it is read from the store, so it resumes after a
// restart where it stopped. Run returns ctx's error.
func (e *Engine) Run(ctx context.Context) error {
	sem := make(chan struct{}, e.cfg.ResolveConcurrency)
	ticker := time.NewTicker(e.cfg.ResolveInterval)
	defer ticker.Stop()
	defer e.wg.Wait()
	for {
		e.resolveDue(ctx, sem)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		case <-e.kick:
		}
	}
}

// ResolveDue takes every attempt due now one step closer to a final state,
// one after the other, and returns how many it stepped. Run does the same
// concurrently and on a timer; ResolveDue is for tools and for tests that
// drive the engine on a virtual clock, step by step.
func (e *Engine) ResolveDue(ctx context.Context) (int, error) {
	n := 0
	err := e.eachDue(ctx, func(l *live) {
		n++
		e.stepLogged(ctx, l)
		e.live.release(l)
	})
	return n, err
}

func (e *Engine) resolveDue(ctx context.Context, sem chan struct{}) {
	err := e.eachDue(ctx, func(l *live) {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			e.live.release(l)
			return
		}
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			defer func() { <-sem }()
			defer e.live.release(l)
			e.stepLogged(ctx, l)
		}()
	})
	if err != nil && ctx.Err() == nil {
		e.log.Error("resolver: list due attempts", "err", err)
	}
}

// eachDue claims each attempt due now that no one else works on, and hands
// it to work, which must release it. "No one else" is two claims: the
// store's lease keeps other nodes' resolvers off the attempts this engine
// listed (Store.ClaimDue), and the live set keeps this engine's requests
// and other steps off the one being worked.
//
// work may wait (for a free step), so the batch can take a while. Each
// attempt claimed is the engine's until ¾ of the lease from the claim at
// least (Store.ClaimDue), and no step is started once half the lease has
// passed since the claim, so every step starts with a quarter of the lease
// or more before it (7.5 s at the least by default). The next call claims
// what is left again, renewing the leases.
func (e *Engine) eachDue(ctx context.Context, work func(*live)) error {
	claimedAt := e.now()
	due, err := e.cfg.Store.ClaimDue(ctx, claimedAt, e.cfg.NodeID, e.cfg.ResolveLease, resolveBatch)
	if err != nil {
		return err
	}
	for _, a := range due {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if e.now().Sub(claimedAt) > e.cfg.ResolveLease/2 {
			return nil
		}
		l, ok := e.live.claim(a)
		if !ok {
			continue // a request or another resolver step has it
		}
		// The list may be stale: its owner may have finished the attempt
		// between the read and the claim.
		fresh, err := e.reload(ctx, l)
		if err != nil || fresh.State.Final() || !fresh.FlaggedAt.IsZero() || fresh.NextActionAt.After(e.now()) {
			e.live.release(l)
			continue
		}
		work(l)
	}
	return nil
}

// newNodeID names an engine for the leases it holds: where it runs, for
// the operator reading them, and random hex, so that two engines never
// share a name.
func newNodeID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "node"
	}
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])
}

func (e *Engine) stepLogged(ctx context.Context, l *live) {
	if err := e.step(ctx, l); err != nil && ctx.Err() == nil {
		a := l.snapshot()
		e.log.Error("resolver: step failed; will retry", "attempt", a.ID, "state", a.State, "err", err)
	}
}

// step takes one attempt one step closer to a final state, or flags it for
// manual review once it is older than the give-up age.
func (e *Engine) step(ctx context.Context, l *live) error {
	a := l.snapshot()
	if e.now().Sub(a.CreatedAt) > e.cfg.GiveUpAge {
		return e.flag(ctx, l)
	}
	adapter, ok := e.cfg.Adapters.Adapter(a.Scheme)
	if !ok {
		return e.retryLater(ctx, l, "no adapter configured for "+a.Scheme)
	}
	switch {
	case a.Kind == KindRefund && (a.State == StatePending || a.State == StateUnknown):
		return e.stepRefund(ctx, adapter, l)
	case a.State == StatePending && a.Order.Created():
		// A merchant-presented order awaiting the customer: not late, just
		// unpaid until it expires.
		return e.pollOrder(ctx, adapter, l)
	case a.State == StatePending || a.State == StateUnknown:
		// Its request's budget has passed without a final answer (the
		// process stopped, or the journal failed): the terminal did not get
		// an approval, so the payment must not stand.
		_, err := e.transition(ctx, l, []State{StatePending, StateUnknown}, "cancel_decided", "not final after the host budget", func(a *Attempt) {
			a.State = StateCancelPending
			a.Reason = ReasonTimeout
		})
		if err != nil {
			return err
		}
		return e.stepCancel(ctx, adapter, l)
	case a.State == StateCancelPending:
		return e.stepCancel(ctx, adapter, l)
	case a.State == StateRefundPending:
		return e.stepCancelRefund(ctx, adapter, l)
	}
	return nil
}

func (e *Engine) stepCancel(ctx context.Context, adapter Adapter, l *live) error {
	a := l.snapshot()
	refunded, err := e.cfg.Store.RefundedMinor(ctx, a.ID)
	if err != nil {
		return err
	}
	if refunded > 0 {
		// A partly refunded payment cannot be cancelled; return the rest.
		_, err := e.transition(ctx, l, []State{StateCancelPending}, "cancel_skipped", "partly refunded; refunding the rest", func(a *Attempt) {
			a.State = StateRefundPending
			a.NextActionAt = e.now()
		})
		if err != nil {
			return err
		}
		return e.stepCancelRefund(ctx, adapter, l)
	}
	start := e.now()
	resp, err := adapter.Cancel(ctx, &schemev1.CancelRequest{IdempotencyKey: a.ID})
	o, reason := classify(resp.GetResult(), err)
	e.cfg.Observer.Stage("adapter", a.Scheme, "cancel", o.String(), e.now().Sub(start))
	switch {
	case o == outcomeSuccess, o == outcomeFailure && reason == reasonCancelled:
		return e.finish(ctx, l, StateCancelPending, StateCancelled, "cancel_result", "cancelled at the scheme")
	case o == outcomeFailure && reason == reasonCancelWindowClosed:
		_, err := e.transition(ctx, l, []State{StateCancelPending}, "cancel_result", "cancel window closed; refunding in full", func(a *Attempt) {
			a.State = StateRefundPending
			a.NextActionAt = e.now()
		})
		if err != nil {
			return err
		}
		return e.stepCancelRefund(ctx, adapter, l)
	case o == outcomeFailure && reason == ReasonNotFound && e.graceOver(a):
		// Long enough after the attempt that no delayed Pay is still on
		// its way: the scheme never took the money.
		return e.finish(ctx, l, StateCancelPending, StateCancelled, "cancel_result", "scheme has no such payment; nothing was charged")
	}
	return e.retryLater(ctx, l, "cancel "+o.String()+" "+string(reason)+errSuffix(err))
}

// stepCancelRefund returns what remains of a payment that could not be
// cancelled. It refunds only a payment the scheme says is paid: a refund of
// one still in process is refused for good under its key, and one that
// failed holds nothing to return.
func (e *Engine) stepCancelRefund(ctx context.Context, adapter Adapter, l *live) error {
	a := l.snapshot()
	inq, err := e.inquire(ctx, adapter, a)
	switch o, reason := classify(inq.GetResult(), err); {
	case o == outcomeUnknown:
		return e.retryLater(ctx, l, "refund waits: payment still unknown"+errSuffix(err))
	case o == outcomeFailure && reason == ReasonNotFound && !e.graceOver(a):
		return e.retryLater(ctx, l, "refund waits: scheme has no such payment yet")
	case o == outcomeFailure:
		return e.finish(ctx, l, StateRefundPending, StateCancelled, "refund_skipped", "scheme holds no paid payment ("+string(reason)+"); nothing to return")
	}
	// The refund goes back in the currency the wallet was charged in, less
	// what approved refunds already returned there.
	refunded, err := e.cfg.Store.RefundedMinor(ctx, a.ID)
	if err != nil {
		return err
	}
	if a.Conversion.Applied() {
		if refunded, _, err = e.cfg.Store.RefundedWallet(ctx, a.ID); err != nil {
			return err
		}
	}
	charged := a.charged()
	rest := charged.Minor - refunded
	if rest <= 0 {
		return e.finish(ctx, l, StateRefundPending, StateRefunded, "refund_result", "already refunded in full")
	}
	start := e.now()
	// The key names the amount, so that a different rest (a terminal refund
	// approved meanwhile) is a new refund, not a mismatched repeat.
	resp, err := adapter.Refund(ctx, &schemev1.RefundRequest{
		RefundIdempotencyKey:  a.ID + "-cancel-" + strconv.FormatInt(rest, 10),
		PaymentIdempotencyKey: a.ID,
		Amount:                &schemev1.Money{Currency: charged.Currency, MinorUnits: rest},
		Reason:                "cancel window closed",
	})
	o, reason := classify(resp.GetResult(), err)
	e.cfg.Observer.Stage("adapter", a.Scheme, "refund", o.String(), e.now().Sub(start))
	if o == outcomeSuccess {
		return e.finish(ctx, l, StateRefundPending, StateRefunded, "refund_result", "refunded "+strconv.FormatInt(rest, 10)+" minor units")
	}
	return e.retryLater(ctx, l, "refund "+o.String()+" "+string(reason)+errSuffix(err))
}

// graceOver reports whether a delayed Pay of a on its way to the scheme can
// no longer arrive: NotFoundGrace has passed since the last Pay could be
// sent, which is up to the end of the request's budget (resolveInBudget
// re-sends it when an inquiry finds nothing), not since the attempt was
// created.
func (e *Engine) graceOver(a *Attempt) bool {
	return e.now().Sub(a.CreatedAt) >= e.cfg.Budget+e.cfg.NotFoundGrace
}

// flag gives up on an attempt: it stays in its state, journaled, listed for
// manual review, and is no longer retried.
func (e *Engine) flag(ctx context.Context, l *live) error {
	a := l.snapshot()
	ok, err := e.transition(ctx, l, []State{a.State}, "flagged_for_review",
		"not final after the give-up age of "+e.cfg.GiveUpAge.String()+"; needs manual review", func(a *Attempt) {
			a.FlaggedAt = e.now()
		})
	if ok {
		e.cfg.Observer.Flagged(a.Scheme, a.State)
		e.log.Error("attempt flagged for manual review: not final after the give-up age",
			"attempt", a.ID, "scheme", a.Scheme, "state", a.State, "kind", a.Kind, "rrn", a.RRN,
			"amount", a.Amount.Minor, "currency", a.Amount.Currency, "created", a.CreatedAt, "tries", a.Tries)
	}
	return err
}

// finish moves an attempt to a final state.
func (e *Engine) finish(ctx context.Context, l *live, from, to State, typ, detail string) error {
	ok, err := e.transition(ctx, l, []State{from}, typ, detail, func(a *Attempt) {
		a.State = to
		a.Tries++
	})
	if ok {
		a := l.snapshot()
		e.cfg.Observer.Resolved(a.Scheme, to)
		e.log.Info("attempt resolved", "attempt", a.ID, "scheme", a.Scheme, "state", to)
	}
	return err
}

// retryLater journals a failed try and schedules the next with capped
// exponential backoff.
func (e *Engine) retryLater(ctx context.Context, l *live, detail string) error {
	_, err := e.transition(ctx, l, []State{l.snapshot().State}, "retry_scheduled", detail, func(a *Attempt) {
		a.Tries++
		a.NextActionAt = e.now().Add(backoff(e.cfg.ResolveInterval, e.cfg.RetryMax, a.Tries))
	})
	return err
}

func backoff(base, ceiling time.Duration, tries int) time.Duration {
	d := base
	for i := 1; i < tries && d < ceiling; i++ {
		d *= 2
	}
	return min(d, ceiling)
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return ": " + errText(err)
}
