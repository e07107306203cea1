package payment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// PurchaseRequest is a consumer-presented wallet payment from a terminal.
type PurchaseRequest struct {
	Key        TerminalKey
	MerchantID string
	Amount     Money
	// Code is the wallet code scanned from the customer. It is sent to the
	// scheme and never stored or logged in full.
	Code string
}

// Purchase charges a wallet code and returns the attempt as it stands when
// the terminal must be answered: approved, declined, or — when the outcome is
// still unknown at the end of the budget — cancel pending (the engine cancels
// it in the background). A repeat of an earlier request returns that
// request's attempt and charges nothing. The returned error is one of the
// engine's Err values when the request is refused before any scheme call.
func (e *Engine) Purchase(ctx context.Context, req PurchaseRequest) (*Attempt, error) {
	start := e.now()
	// The payment is driven to its end even if the terminal goes away.
	ctx, end, err := e.begin(start)
	if err != nil {
		return nil, err
	}
	defer end()

	m, policy, err := e.admit(ctx, req.MerchantID, req.Key, req.Amount)
	if err != nil {
		return nil, err
	}
	scheme, ok := e.cfg.Router.Route(req.Code)
	if !ok {
		return nil, ErrNoScheme
	}
	if !m.SchemeEnabled(scheme) {
		return nil, ErrSchemeNotEnabled
	}
	adapter, ok := e.cfg.Adapters.Adapter(scheme)
	if !ok {
		return nil, fmt.Errorf("%w: no adapter configured for %s", ErrUnavailable, scheme)
	}

	charge, conversion, err := e.chargeFor(ctx, adapter, m, policy, scheme, req.Amount)
	if err != nil {
		return nil, err
	}
	a := &Attempt{
		ID:           e.cfg.NewID(),
		Kind:         KindPurchase,
		Key:          req.Key,
		MerchantID:   m.ID,
		Scheme:       scheme,
		CodeMasked:   walletcode.Mask(req.Code),
		RequestHash:  hashOf(m.ID, req.Amount, req.Code),
		Amount:       req.Amount,
		Settlement:   req.Amount, // the merchant is settled in its own currency
		Conversion:   conversion,
		State:        StatePending,
		NextActionAt: start.Add(e.cfg.Budget + time.Second),
	}
	if conversion.Applied() {
		a.WalletAmount = charge
	}
	l, err := e.create(ctx, a)
	if errors.Is(err, ErrDuplicate) {
		return e.repeat(ctx, KindPurchase, req.Key, a.RequestHash)
	}
	if err != nil {
		return nil, err
	}
	defer e.live.release(l)

	resp, err := e.pay(ctx, adapter, l, req, m)
	o, reason := classify(resp.GetResult(), err)
	switch {
	case notSent(err):
		// Refused before it left (the adapter's circuit is open): nothing
		// can be charged, so the answer is a plain 91 with nothing to undo.
		err = e.decline(ctx, l, ReasonUnavailable, "", "pay_not_sent")
	case o == outcomeSuccess:
		err = e.approve(ctx, l, resp.GetSchemeTransactionId(), resp.GetWalletBrand(), resp.GetWalletAmount(), "pay_result")
	case o == outcomeFailure:
		err = e.decline(ctx, l, reason, resp.GetResult().GetSchemeCode(), "pay_result")
	default:
		err = e.resolveInBudget(ctx, adapter, l, req, m, err)
	}
	if err != nil {
		// The scheme may have charged and the journal could not say so: the
		// attempt stays non-final in the store, so the resolver cancels it
		// once its budget has passed.
		e.log.Error("journal failed after scheme answer; resolver will cancel", "attempt", a.ID, "err", err)
		return nil, fmt.Errorf("%w: %v", ErrSystem, err)
	}
	return l.snapshot(), nil
}

// create journals a new attempt and claims it for this request.
func (e *Engine) create(ctx context.Context, a *Attempt) (*live, error) {
	l, ok := e.live.claim(a)
	if !ok {
		return nil, fmt.Errorf("%w: attempt id %s reused", ErrSystem, a.ID)
	}
	start := e.now()
	// The store fills in a's RRN and times, and the live copy takes them,
	// all under the live lock: once the attempt is in the store a reversal
	// can find it and change it live, and must not have its change
	// overwritten by this first copy.
	l.mu.Lock()
	err := e.cfg.Store.CreateAttempt(ctx, a)
	if err == nil {
		c := *a
		l.a = &c
	}
	l.mu.Unlock()
	e.cfg.Observer.Stage("journal", a.Scheme, "create", outcomeOf(err), e.now().Sub(start))
	if err != nil {
		e.live.release(l)
		if errors.Is(err, ErrDuplicate) || errors.Is(err, ErrRefundExceeds) || errors.Is(err, ErrNotRefundable) {
			return nil, err
		}
		// Nothing is sent without a record: a store failure declines here.
		e.log.Error("journal intent failed; declined before any scheme call", "kind", a.Kind, "terminal", a.Key.TerminalID, "err", err)
		return nil, fmt.Errorf("%w: journal intent: %v", ErrSystem, err)
	}
	return l, nil
}

// repeat answers a second request with the same terminal key: the first
// request's attempt, after waiting for its answer if it is still in flight
// here. Different content under the same key is ErrKeyMismatch.
func (e *Engine) repeat(ctx context.Context, kind Kind, key TerminalKey, hash string) (*Attempt, error) {
	a, err := e.cfg.Store.AttemptByKey(ctx, kind, key)
	if err != nil {
		return nil, fmt.Errorf("%w: load repeated %s: %v", ErrSystem, kind, err)
	}
	if a.RequestHash == reversedPlaceholder {
		return a, nil // reversed before it arrived: answered, never charged
	}
	if a.RequestHash != hash {
		return nil, ErrKeyMismatch
	}
	if l := e.live.get(a.ID); l != nil {
		// The live copy is the journaled state, final once its owner is
		// done: no read of the store is needed (nor possible, should this
		// request's budget end at the same moment as the first's).
		select {
		case <-l.done:
		case <-ctx.Done():
		}
		return l.snapshot(), nil
	}
	if !a.State.Final() {
		// Read again: the first request may have finished (and released the
		// attempt) between the read above and the look at the live set.
		if a, err = e.cfg.Store.Attempt(ctx, a.ID); err != nil {
			return nil, fmt.Errorf("%w: reload repeated %s: %v", ErrSystem, kind, err)
		}
	}
	return a, nil
}

func (e *Engine) pay(ctx context.Context, adapter Adapter, l *live, req PurchaseRequest, m *Merchant) (*schemev1.PayResponse, error) {
	a := l.snapshot()
	// The timeout is measured on the engine's clock, as the budget is, so
	// that a virtual clock bounds the call the same way the real one does.
	callCtx, cancel := context.WithDeadline(ctx, e.now().Add(e.cfg.PayTimeout))
	defer cancel()
	start := e.now()
	resp, err := adapter.Pay(callCtx, &schemev1.PayRequest{
		IdempotencyKey: a.ID,
		PaymentCode:    req.Code,
		Amount:         &schemev1.Money{Currency: a.charged().Currency, MinorUnits: a.charged().Minor},
		Merchant:       merchantInfo(m, req.Key.TerminalID),
	})
	o, _ := classify(resp.GetResult(), err)
	e.cfg.Observer.Stage("adapter", a.Scheme, "pay", o.String(), e.now().Sub(start))
	return resp, err
}

// resolveInBudget inquires about an unknown outcome until it is known or the
// budget ends; then it decides to cancel.
func (e *Engine) resolveInBudget(ctx context.Context, adapter Adapter, l *live, req PurchaseRequest, m *Merchant, cause error) error {
	detail := "scheme answered unknown"
	if cause != nil {
		detail = "no answer from scheme: " + errText(cause)
	}
	if _, err := e.transition(context.WithoutCancel(ctx), l, []State{StatePending}, "pay_unknown", detail, func(a *Attempt) {
		a.State = StateUnknown
	}); err != nil {
		return err
	}
	wait := e.cfg.InquiryInterval
	for e.pause(ctx, wait) {
		wait = min(2*wait, e.cfg.InquiryIntervalMax)
		resp, err := e.inquire(ctx, adapter, l.snapshot())
		o, reason := classify(resp.GetResult(), err)
		if notSent(err) {
			break // the adapter is unreachable: waiting out the budget learns nothing
		}
		switch {
		case o == outcomeSuccess:
			return e.approve(ctx, l, resp.GetSchemeTransactionId(), resp.GetWalletBrand(), resp.GetWalletAmount(), "inquire_result")
		case o == outcomeFailure && reason == ReasonNotFound:
			// The Pay never reached the wallet; sending it again under the
			// same key is safe, it can only be charged once.
			resp, err := e.pay(ctx, adapter, l, req, m)
			if o, reason := classify(resp.GetResult(), err); o == outcomeSuccess {
				return e.approve(ctx, l, resp.GetSchemeTransactionId(), resp.GetWalletBrand(), resp.GetWalletAmount(), "pay_result")
			} else if o == outcomeFailure {
				return e.decline(ctx, l, reason, resp.GetResult().GetSchemeCode(), "pay_result")
			}
		case o == outcomeFailure:
			return e.decline(ctx, l, reason, resp.GetResult().GetSchemeCode(), "inquire_result")
		}
	}
	// Out of budget and still unknown: the terminal is told 91, so the
	// payment must not stand. Cancel it, durably, before answering.
	_, err := e.transition(context.WithoutCancel(ctx), l, []State{StatePending, StateUnknown}, "cancel_decided", "outcome unknown within the host budget", func(a *Attempt) {
		a.State = StateCancelPending
		a.Reason = ReasonTimeout
		a.NextActionAt = e.now()
	})
	e.wake()
	return err
}

func (e *Engine) inquire(ctx context.Context, adapter Adapter, a *Attempt) (*schemev1.InquireResponse, error) {
	start := e.now()
	resp, err := adapter.Inquire(ctx, &schemev1.InquireRequest{IdempotencyKey: a.ID})
	o, _ := classify(resp.GetResult(), err)
	e.cfg.Observer.Stage("adapter", a.Scheme, "inquire", o.String(), e.now().Sub(start))
	return resp, err
}

// approve records a success, unless the attempt was meanwhile decided
// otherwise (a reversal): then the cancel already decided stands.
func (e *Engine) approve(ctx context.Context, l *live, txnID, brand string, wallet *schemev1.Money, typ string) error {
	_, err := e.transition(context.WithoutCancel(ctx), l, []State{StatePending, StateUnknown}, typ, "approved", func(a *Attempt) {
		a.State = StateApproved
		a.Reason = ReasonNone
		a.ApprovalCode = newApprovalCode()
		a.SchemeTxnID = txnID
		a.WalletBrand = brand
		// What the wallet reports it took, unless the gateway converted: then
		// the wallet was asked for exactly the locked amount.
		if wallet != nil && !a.Conversion.Applied() {
			a.WalletAmount = Money{Minor: wallet.GetMinorUnits(), Currency: wallet.GetCurrency()}
		}
	})
	return err
}

func (e *Engine) decline(ctx context.Context, l *live, reason Reason, schemeCode, typ string) error {
	if reason == reasonCancelled || reason == reasonCancelWindowClosed {
		reason = ReasonDoNotHonour
	}
	_, err := e.transition(context.WithoutCancel(ctx), l, []State{StatePending, StateUnknown}, typ, "declined: "+string(reason), func(a *Attempt) {
		a.State = StateDeclined
		a.Reason = reason
		a.SchemeCode = schemeCode
	})
	return err
}

// admit checks what every purchase must pass before a scheme is chosen:
// an active merchant and terminal, an acceptable amount, and the
// merchant's frequency limits. It returns the merchant and its policy.
func (e *Engine) admit(ctx context.Context, merchantID string, key TerminalKey, amount Money) (*Merchant, MerchantPolicy, error) {
	g := e.generation(ctx)
	m, err := e.merchantAt(ctx, g, merchantID, key.TerminalID)
	if err != nil {
		return nil, MerchantPolicy{}, err
	}
	if err := checkAmount(m, amount); err != nil {
		return nil, MerchantPolicy{}, err
	}
	policy, err := e.policyOf(ctx, g, m)
	if err != nil {
		return nil, MerchantPolicy{}, err
	}
	if err := e.checkFrequency(ctx, policy, key); err != nil {
		return nil, MerchantPolicy{}, err
	}
	return m, policy, nil
}

// merchantFor loads the merchant of a request and checks that the terminal
// is one of its own and that neither is suspended.
func (e *Engine) merchantFor(ctx context.Context, merchantID, terminalID string) (*Merchant, error) {
	return e.merchantAt(ctx, e.generation(ctx), merchantID, terminalID)
}

// merchantAt is merchantFor at configuration generation g.
func (e *Engine) merchantAt(ctx context.Context, g generation, merchantID, terminalID string) (*Merchant, error) {
	t, err := e.terminal(ctx, g, terminalID)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrUnknownMerchant
	}
	if err != nil {
		return nil, fmt.Errorf("%w: load terminal: %v", ErrSystem, err)
	}
	if t.Suspended || t.MerchantID != merchantID {
		return nil, ErrUnknownMerchant
	}
	m, err := e.merchant(ctx, g, merchantID)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrUnknownMerchant
	}
	if err != nil {
		return nil, fmt.Errorf("%w: load merchant: %v", ErrSystem, err)
	}
	if m.Suspended {
		return nil, ErrUnknownMerchant
	}
	return m, nil
}

// CheckTerminal reports whether a terminal may transact for a merchant; it
// returns ErrUnknownMerchant when not.
func (e *Engine) CheckTerminal(ctx context.Context, merchantID, terminalID string) error {
	_, err := e.merchantFor(ctx, merchantID, terminalID)
	return err
}

// TerminalKnown reports whether a terminal id is onboarded and active, for
// network management messages that carry no merchant id.
func (e *Engine) TerminalKnown(ctx context.Context, terminalID string) error {
	t, err := e.terminal(ctx, e.generation(ctx), terminalID)
	if errors.Is(err, ErrNotFound) || (err == nil && t.Suspended) {
		return ErrUnknownMerchant
	}
	if err != nil {
		return fmt.Errorf("%w: load terminal: %v", ErrSystem, err)
	}
	return nil
}

func checkAmount(m *Merchant, amt Money) error {
	if amt.Minor <= 0 {
		return ErrInvalidAmount
	}
	if amt.Currency != m.Currency {
		return ErrCurrency
	}
	if m.MaxAmount > 0 && amt.Minor > m.MaxAmount {
		return ErrAmountLimit
	}
	return nil
}

func merchantInfo(m *Merchant, terminalID string) *schemev1.MerchantInfo {
	return &schemev1.MerchantInfo{
		MerchantId:  m.ID,
		LegalName:   m.LegalName,
		TradingName: m.TradingName,
		Mcc:         m.MCC,
		Country:     m.Country,
		City:        m.City,
		TerminalId:  terminalID,
	}
}

// hashOf identifies a request's content. The wallet code goes in only as
// part of a SHA-256 digest, which cannot be turned back into the code.
func hashOf(parts ...any) string {
	h := sha256.New()
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			h.Write([]byte(v))
		case Money:
			h.Write([]byte(v.Currency + strconv.FormatInt(v.Minor, 10)))
		}
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// errText shortens a transport error for the journal; it never holds a code
// because requests are not echoed in gRPC errors.
func errText(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
