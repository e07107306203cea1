package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// Defaults of the merchant-presented settings in Config.
const (
	// DefaultOrderTTL is how long a customer has to pay a QR shown by the
	// terminal: long enough to open the wallet app and confirm, short
	// enough that a forgotten order does not stay payable.
	DefaultOrderTTL = 3 * time.Minute
	// DefaultOrderPollInterval is how often the resolver asks the scheme
	// about an order the customer has not paid yet. Terminal status
	// requests (0100) ask at once, between these.
	DefaultOrderPollInterval = 2 * time.Second
)

// orderExpiryGrace is how much longer than the gateway's own order TTL the
// scheme is asked to keep an order open: the gateway decides the expiry
// and cancels the order itself, so that a payment made in the last moment
// is returned by that cancel rather than raced by the scheme's own expiry.
const orderExpiryGrace = 30 * time.Second

// MaxQRPayload bounds the QR payload the engine accepts from a scheme: it
// must fit DE 48 tag 03 next to the other tags of a response, and EMVCo
// payloads are at most 512 characters.
const MaxQRPayload = 512

// OrderRequest is a merchant-presented purchase (DE 22 821): the terminal
// asks for a QR for the customer to scan and pay.
type OrderRequest struct {
	Key        TerminalKey
	MerchantID string
	Amount     Money
	// Scheme is the scheme asked for (DE 48 tag 04); empty picks the first
	// of the merchant's schemes whose adapter offers merchant-presented QR.
	Scheme string
}

// orderTaker is implemented by adapters that create merchant-presented
// orders (the scheme client does).
type orderTaker interface {
	CreateOrder(context.Context, *schemev1.CreateOrderRequest) (*schemev1.CreateOrderResponse, error)
}

// Order creates a merchant-presented order at the scheme and returns the
// attempt: pending with its QR (Order.Created) when the customer can pay,
// declined when the scheme refused, or cancel pending when the scheme's
// answer is not known (it may have made an order; it is closed). A repeat
// returns the first request's attempt. The customer's payment is learned
// by Status and by the resolver, which cancels the order when it expires.
func (e *Engine) Order(ctx context.Context, req OrderRequest) (*Attempt, error) {
	start := e.now()
	ctx, end, err := e.begin(start)
	if err != nil {
		return nil, err
	}
	defer end()

	m, policy, err := e.admit(ctx, req.MerchantID, req.Key, req.Amount)
	if err != nil {
		return nil, err
	}
	scheme, adapter, taker, err := e.orderScheme(ctx, m, req.Scheme)
	if err != nil {
		return nil, err
	}
	charge, conversion, err := e.chargeFor(ctx, adapter, m, policy, scheme, req.Amount)
	if err != nil {
		return nil, err
	}
	a := &Attempt{
		ID:          e.cfg.NewID(),
		Kind:        KindPurchase,
		Key:         req.Key,
		MerchantID:  m.ID,
		Scheme:      scheme,
		RequestHash: hashOf(m.ID, req.Amount, "merchant-presented", req.Scheme),
		Amount:      req.Amount,
		Settlement:  req.Amount,
		Conversion:  conversion,
		Order:       Order{Presented: true},
		State:       StatePending,
		// Should the order's answer be lost (a crash), the resolver closes
		// whatever order the scheme made once the budget has passed.
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

	resp, err := e.createOrder(ctx, taker, l, m)
	if err = e.orderCreated(ctx, l, resp, err); err != nil {
		e.log.Error("journal failed after the scheme's order answer; resolver will close it", "attempt", a.ID, "err", err)
		return nil, fmt.Errorf("%w: %v", ErrSystem, err)
	}
	return l.snapshot(), nil
}

// orderScheme picks the scheme of an order and checks that its adapter
// takes orders.
func (e *Engine) orderScheme(ctx context.Context, m *Merchant, asked string) (string, Adapter, orderTaker, error) {
	candidates := m.Schemes
	if asked != "" {
		if !m.SchemeEnabled(asked) {
			return "", nil, nil, ErrSchemeNotEnabled
		}
		candidates = []string{asked}
	}
	for _, scheme := range candidates {
		adapter, ok := e.cfg.Adapters.Adapter(scheme)
		if !ok {
			continue
		}
		taker, ok := adapter.(orderTaker)
		if !ok || !e.takesOrders(ctx, adapter) {
			continue
		}
		return scheme, adapter, taker, nil
	}
	if asked != "" {
		return "", nil, nil, fmt.Errorf("%w: %s does not offer merchant-presented QR", ErrNotSupported, asked)
	}
	return "", nil, nil, fmt.Errorf("%w: none of the merchant's schemes offers merchant-presented QR", ErrNotSupported)
}

// takesOrders reports whether an adapter says it supports merchant-presented
// orders. One that cannot say (unreachable) is tried anyway when asked by
// name, so the terminal gets 91 rather than 12 while it is down.
func (e *Engine) takesOrders(ctx context.Context, adapter Adapter) bool {
	c, ok := adapter.(capable)
	if !ok {
		return true
	}
	cctx, cancel := context.WithTimeout(ctx, capabilitiesTimeout)
	defer cancel()
	caps, err := c.Capabilities(cctx)
	return err != nil || caps.GetSupportsMerchantPresented()
}

func (e *Engine) createOrder(ctx context.Context, taker orderTaker, l *live, m *Merchant) (*schemev1.CreateOrderResponse, error) {
	a := l.snapshot()
	callCtx, cancel := context.WithDeadline(ctx, e.now().Add(e.cfg.PayTimeout))
	defer cancel()
	start := e.now()
	resp, err := taker.CreateOrder(callCtx, &schemev1.CreateOrderRequest{
		IdempotencyKey:   a.ID,
		Amount:           &schemev1.Money{Currency: a.charged().Currency, MinorUnits: a.charged().Minor},
		MerchantAmount:   &schemev1.Money{Currency: a.Amount.Currency, MinorUnits: a.Amount.Minor},
		Merchant:         merchantInfo(m, a.Key.TerminalID),
		ExpiresInSeconds: int64((e.cfg.OrderTTL + orderExpiryGrace) / time.Second),
	})
	o, _ := classify(resp.GetResult(), err)
	e.cfg.Observer.Stage("adapter", a.Scheme, "create_order", o.String(), e.now().Sub(start))
	return resp, err
}

// orderCreated journals the scheme's answer to CreateOrder.
func (e *Engine) orderCreated(ctx context.Context, l *live, resp *schemev1.CreateOrderResponse, err error) error {
	o, reason := classify(resp.GetResult(), err)
	switch {
	case notSent(err):
		return e.decline(ctx, l, ReasonUnavailable, "", "order_not_sent")
	case o == outcomeFailure:
		return e.decline(ctx, l, reason, resp.GetResult().GetSchemeCode(), "order_result")
	case o == outcomeSuccess:
		order, problem := e.orderOf(resp)
		if problem == "" {
			_, err := e.transition(context.WithoutCancel(ctx), l, []State{StatePending}, "order_created", "order awaits the customer until "+order.ExpiresAt.Format(time.RFC3339), func(a *Attempt) {
				a.Order = order
				a.SchemeTxnID = resp.GetSchemeTransactionId()
				a.NextActionAt = e.nextOrderPoll(order)
			})
			return err
		}
		// An order the terminal cannot show must not stay payable.
		e.log.Error("scheme returned an order the terminal cannot show; closing it", "attempt", l.id, "scheme", l.snapshot().Scheme, "problem", problem)
		return e.decideCancel(ctx, l, ReasonSystem, "order_unusable", problem)
	}
	detail := "scheme answered unknown"
	if err != nil {
		detail = "no answer from scheme: " + errText(err)
	}
	// Without a QR the customer cannot pay, but an order may exist: close it.
	return e.decideCancel(ctx, l, ReasonTimeout, "order_unknown", detail)
}

// orderOf checks the order a scheme made, and says what is wrong with it
// when the terminal could not show it.
func (e *Engine) orderOf(resp *schemev1.CreateOrderResponse) (Order, string) {
	o := Order{Presented: true, QRPayload: resp.GetQrPayload(), QRFormat: qrFormatName(resp.GetQrFormat())}
	switch {
	case o.QRPayload == "":
		return o, "scheme returned no QR payload"
	case len(o.QRPayload) > MaxQRPayload:
		return o, fmt.Sprintf("QR payload of %d characters, at most %d", len(o.QRPayload), MaxQRPayload)
	case !printableASCII(o.QRPayload):
		return o, "QR payload is not printable ASCII"
	}
	if e.cfg.CheckQR != nil {
		if err := e.cfg.CheckQR(o.QRFormat, o.QRPayload); err != nil {
			return o, "QR payload invalid: " + errText(err)
		}
	}
	o.ExpiresAt = e.now().Add(e.cfg.OrderTTL)
	if at, err := time.Parse(time.RFC3339, resp.GetExpiresAt()); err == nil && at.Before(o.ExpiresAt) {
		o.ExpiresAt = at.UTC() // the scheme may close it sooner, never later
	}
	return o, ""
}

// decideCancel journals the decision to cancel an attempt that is not final
// and wakes the resolver to carry it out.
func (e *Engine) decideCancel(ctx context.Context, l *live, reason Reason, typ, detail string) error {
	_, err := e.transition(context.WithoutCancel(ctx), l, []State{StatePending, StateUnknown}, typ, detail, func(a *Attempt) {
		a.State = StateCancelPending
		a.Reason = reason
		a.NextActionAt = e.now()
	})
	e.wake()
	return err
}

// pollOrder asks the scheme whether the customer has paid an order that
// awaits payment, and journals what it learns: approved, declined, or still
// waiting (checked again later). An order past its expiry is cancelled
// instead, so that a payment arriving after that is returned.
func (e *Engine) pollOrder(ctx context.Context, adapter Adapter, l *live) error {
	a := l.snapshot()
	if !e.now().Before(a.Order.ExpiresAt) {
		return e.decideCancel(ctx, l, ReasonOrderExpired, "order_expired", "the customer did not pay before the order expired")
	}
	resp, err := e.inquire(ctx, adapter, a)
	o, reason := classify(resp.GetResult(), err)
	switch {
	case o == outcomeSuccess:
		return e.approve(ctx, l, resp.GetSchemeTransactionId(), resp.GetWalletBrand(), resp.GetWalletAmount(), "order_paid")
	case o == outcomeFailure && reason == ReasonNotFound && !e.graceOver(a):
		// The scheme does not show the order yet; ask again.
	case o == outcomeFailure:
		return e.decline(ctx, l, reason, resp.GetResult().GetSchemeCode(), "order_result")
	}
	_, err = e.transition(ctx, l, []State{StatePending}, "order_waiting", "customer has not paid yet"+errSuffix(err), func(a *Attempt) {
		a.NextActionAt = e.nextOrderPoll(a.Order)
	})
	return err
}

// refreshOrder brings an order that awaits the customer up to date for a
// status request, unless a request or the resolver is already working on
// it: then the state as it stands is the answer.
func (e *Engine) refreshOrder(ctx context.Context, a *Attempt) *Attempt {
	adapter, ok := e.cfg.Adapters.Adapter(a.Scheme)
	if !ok {
		return a
	}
	l, ok := e.live.claim(a)
	if !ok {
		return a
	}
	defer e.live.release(l)
	fresh, err := e.reload(ctx, l)
	if err != nil {
		return a
	}
	if fresh.State != StatePending || !fresh.Order.Created() {
		return fresh
	}
	cctx, cancel := context.WithTimeout(ctx, statusInquiryTimeout)
	defer cancel()
	if err := e.pollOrder(cctx, adapter, l); err != nil {
		e.log.Warn("status: order inquiry failed; answering with the journaled state", "attempt", a.ID, "err", err)
	}
	return l.snapshot()
}

// nextOrderPoll is when the resolver next looks at an unpaid order: after
// the poll interval, or at its expiry if that comes first.
func (e *Engine) nextOrderPoll(o Order) time.Time {
	next := e.now().Add(e.cfg.OrderPollInterval)
	if o.ExpiresAt.Before(next) {
		return o.ExpiresAt
	}
	return next
}

// statusInquiryTimeout bounds the inquiry a status request makes, well
// within any terminal's patience.
const statusInquiryTimeout = 3 * time.Second

func qrFormatName(f schemev1.QRFormat) string {
	switch f {
	case schemev1.QRFormat_QR_FORMAT_EMVCO_MPM:
		return QRFormatEMVCoMPM
	case schemev1.QRFormat_QR_FORMAT_URL:
		return QRFormatURL
	}
	return QRFormatText
}

// QR formats of Order.QRFormat.
const (
	QRFormatEMVCoMPM = "emvco_mpm"
	QRFormatURL      = "url"
	QRFormatText     = "text"
)

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
