package payment

import (
	"context"
	"errors"
	"fmt"
)

// ReversalRequest reverses an earlier purchase (0400, or the advice 0420).
type ReversalRequest struct {
	// Key is the reversal's own terminal key, so its repeats are known.
	Key        TerminalKey
	MerchantID string
	// Original is the reversed request's key: the terminal id with DE 90's
	// STAN and transmission time.
	Original TerminalKey
	Amount   Money
}

// Reverse cancels the purchase a reversal names, whatever its state: the
// decision is journaled before it returns, and the cancel (or refund, past
// the scheme's cancel window) is sent from the durable queue until the
// scheme confirms. A reversal of a purchase the gateway never saw is
// recorded and reported done. It returns ErrNotSupported when the original
// is a refund, which no scheme can undo.
func (e *Engine) Reverse(ctx context.Context, req ReversalRequest) (*Attempt, error) {
	ctx, end, err := e.begin(e.now())
	if err != nil {
		return nil, err
	}
	defer end()
	if err := e.CheckTerminal(ctx, req.MerchantID, req.Key.TerminalID); err != nil {
		return nil, err
	}
	orig, err := e.cfg.Store.AttemptByKey(ctx, KindPurchase, req.Original)
	if errors.Is(err, ErrNotFound) {
		if _, rerr := e.cfg.Store.AttemptByKey(ctx, KindRefund, req.Original); rerr == nil {
			return nil, ErrNotSupported
		}
		orig = nil
	} else if err != nil {
		return nil, fmt.Errorf("%w: load reversed purchase: %v", ErrSystem, err)
	}

	rec := &Attempt{
		ID:          e.cfg.NewID(),
		Kind:        KindReversal,
		Key:         req.Key,
		MerchantID:  req.MerchantID,
		RequestHash: hashOf(req.MerchantID, req.Amount, req.Original.STAN, req.Original.TransmissionTime),
		Amount:      req.Amount,
		State:       StateApproved,
	}
	if orig != nil {
		rec.OriginalID, rec.Scheme, rec.OriginalRRN = orig.ID, orig.Scheme, orig.RRN
	}
	l, err := e.create(ctx, rec)
	switch {
	case errors.Is(err, ErrDuplicate):
		// A repeat. The first request journaled the reversal before it
		// decided the cancel and may have stopped in between (a crash, a
		// store failure), so the decision is made again, which is
		// idempotent, rather than a reversal acknowledged that nothing
		// acts on.
		if rec, err = e.repeat(ctx, KindReversal, req.Key, rec.RequestHash); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		e.live.release(l)
	}
	if orig == nil {
		if orig, err = e.holdReversedKey(ctx, req); err != nil {
			return nil, err
		}
		if orig == nil {
			e.log.Info("reversal of a purchase never seen; recorded", "terminal", req.Key.TerminalID, "stan", req.Original.STAN)
			return rec, nil
		}
	}
	if err := e.cancelForReversal(ctx, orig); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSystem, err)
	}
	return rec, nil
}

// reversedPlaceholder marks a purchase journaled only to hold the terminal
// key of a reversal that came first.
const reversedPlaceholder = "reversed-before-seen"

// holdReversedKey journals a cancelled placeholder purchase under the key of
// a purchase reversed before the gateway saw it, so that the purchase, if it
// arrives late, is answered as reversed instead of charged. If the purchase
// got in first after all, it returns that purchase for cancelling.
func (e *Engine) holdReversedKey(ctx context.Context, req ReversalRequest) (*Attempt, error) {
	p := &Attempt{
		ID:          e.cfg.NewID(),
		Kind:        KindPurchase,
		Key:         req.Original,
		MerchantID:  req.MerchantID,
		RequestHash: reversedPlaceholder,
		Amount:      req.Amount,
		State:       StateCancelled,
		Reason:      ReasonReversed,
	}
	l, err := e.create(ctx, p)
	if errors.Is(err, ErrDuplicate) {
		orig, err := e.cfg.Store.AttemptByKey(ctx, KindPurchase, req.Original)
		if err != nil {
			return nil, fmt.Errorf("%w: load reversed purchase: %v", ErrSystem, err)
		}
		return orig, nil
	}
	if err != nil {
		return nil, err
	}
	e.live.release(l)
	return nil, nil
}

// cancelForReversal decides, durably, to cancel a purchase. If a request or
// the resolver is working on it, the decision is made under its lock so that
// a late approval cannot overwrite it.
func (e *Engine) cancelForReversal(ctx context.Context, orig *Attempt) error {
	l := e.live.get(orig.ID)
	owned := false
	if l == nil {
		var ok bool
		if l, ok = e.live.claim(orig); ok {
			owned = true
		} else if l = e.live.get(orig.ID); l == nil {
			return fmt.Errorf("purchase %s busy", orig.ID)
		}
	}
	if owned {
		defer e.live.release(l)
		// orig was read before the claim; its owner may have moved it since.
		if _, err := e.reload(ctx, l); err != nil {
			return fmt.Errorf("reload reversed purchase: %w", err)
		}
	}
	_, err := e.transition(ctx, l, []State{StatePending, StateUnknown, StateApproved}, "reversal", "reversed by the terminal; cancelling", func(a *Attempt) {
		a.State = StateCancelPending
		a.Reason = ReasonReversed
		a.NextActionAt = e.now()
	})
	e.wake()
	return err
}

// Status returns a purchase of the merchant by its RRN, as it stands now.
func (e *Engine) Status(ctx context.Context, merchantID, terminalID, rrn string) (*Attempt, error) {
	if err := e.CheckTerminal(ctx, merchantID, terminalID); err != nil {
		return nil, err
	}
	a, err := e.cfg.Store.AttemptByRRN(ctx, merchantID, rrn)
	if errors.Is(err, ErrNotFound) || (err == nil && a.Kind != KindPurchase) {
		return nil, ErrOriginalNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%w: load purchase: %v", ErrSystem, err)
	}
	if a.State == StatePending && a.Order.Created() {
		return e.refreshOrder(ctx, a), nil
	}
	if l := e.live.get(a.ID); l != nil {
		// The live copy gets the store's RRN and times just after the
		// store has them; until then the stored record is as fresh.
		if s := l.snapshot(); s.RRN != "" {
			return s, nil
		}
	}
	return a, nil
}
