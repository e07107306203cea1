package simwallet

import (
	"context"
	"errors"
	"fmt"
	"time"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// Fault is what goes wrong with one adapter call.
type Fault int

// Faults. Every one is something a real network, adapter or gateway process
// can do; none breaks the adapter contract.
const (
	FaultNone Fault = iota
	// FaultBusy: the wallet answers UNKNOWN (traffic limit, in process)
	// and does nothing.
	FaultBusy
	// FaultLostBefore: the call fails in transport before it reaches the
	// wallet; nothing happened, and the caller cannot tell.
	FaultLostBefore
	// FaultNotSent: the adapter refused the call before it left (an open
	// circuit); the error says so (NotSent).
	FaultNotSent
	// FaultLostAfter: the wallet did it, and the answer was lost.
	FaultLostAfter
	// FaultSlow: the call takes Delay. Past the caller's deadline the
	// caller gets DeadlineExceeded at its deadline; the wallet did it
	// (Applied) or did not, or it arrives at Delay (Late).
	FaultSlow
	// FaultCrashBefore and FaultCrashAfter crash the gateway (panic with
	// Crash) before the call left, or after it left: the wallet did it
	// before the answer could be read, or, with Late, it is still in the
	// network and arrives at Delay.
	FaultCrashBefore
	FaultCrashAfter
)

var faultNames = [...]string{"none", "busy", "lost-before", "not-sent", "lost-after", "slow", "crash-before", "crash-after"}

func (f Fault) String() string {
	if int(f) < len(faultNames) {
		return faultNames[f]
	}
	return fmt.Sprintf("fault(%d)", int(f))
}

// Decision is the fault of one call.
type Decision struct {
	Fault Fault
	// Delay: how long a slow call takes.
	Delay time.Duration
	// Applied: a slow call cut by the caller's deadline was done by the
	// wallet before the deadline. Late: it reaches the wallet at Delay
	// instead. Neither: it never arrives.
	Applied, Late bool
}

// Call names one adapter call for the fault plan and the intent check.
type Call struct {
	Op  string // "pay", "inquire", "cancel", "refund"
	Key string // the payment's key; for a refund, the refund's
	// PaymentKey and Amount are set for pay and refund.
	PaymentKey string
	Amount     Money
}

// Crash is the panic value of a simulated gateway crash. The simulation
// recovers it at the operation boundary and restarts the gateway.
type Crash struct{ Where string }

func (c Crash) String() string { return "simulated crash " + c.Where }

// AdapterConfig configures an Adapter.
type AdapterConfig struct {
	Wallet *Wallet
	Clock  *Clock
	// Decide picks the fault of each call.
	Decide func(Call) Decision
	// Sent is told of every call the gateway makes, before anything else
	// happens to it: the simulation checks intent-before-effect there.
	Sent func(Call)
	// CallTimeout bounds every call, as the scheme client's does (whatever
	// the caller's context allows); default DefaultCallTimeout.
	CallTimeout time.Duration
}

// DefaultCallTimeout is schemes.DefaultCallTimeout.
const DefaultCallTimeout = 10 * time.Second

// Adapter is the scheme adapter in front of the wallet, as the engine's
// payment.Adapter: it passes calls to the wallet through the fault plan.
type Adapter struct {
	cfg AdapterConfig
}

// NewAdapter returns an adapter on cfg.Wallet.
func NewAdapter(cfg AdapterConfig) *Adapter {
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	return &Adapter{cfg: cfg}
}

// Errors the adapter returns. They never hold a key or code.
var (
	ErrTransport = errors.New("simwallet: connection reset by peer")
	ErrNotSent   = notSentError{}
)

type notSentError struct{}

func (notSentError) Error() string { return "simwallet: circuit open; call not sent" }
func (notSentError) NotSent() bool { return true }

// Pay passes a Pay to the wallet.
func (a *Adapter) Pay(ctx context.Context, req *schemev1.PayRequest) (*schemev1.PayResponse, error) {
	call := Call{Op: "pay", Key: req.GetIdempotencyKey(), PaymentKey: req.GetIdempotencyKey(),
		Amount: Money{Minor: req.GetAmount().GetMinorUnits(), Currency: req.GetAmount().GetCurrency()}}
	var resp *schemev1.PayResponse
	err := a.do(ctx, call, func() { resp = a.cfg.Wallet.Pay(req) }, func() {
		resp = &schemev1.PayResponse{Result: busy()}
	})
	return resp, err
}

// Inquire passes an Inquire to the wallet.
func (a *Adapter) Inquire(ctx context.Context, req *schemev1.InquireRequest) (*schemev1.InquireResponse, error) {
	call := Call{Op: "inquire", Key: req.GetIdempotencyKey()}
	var resp *schemev1.InquireResponse
	err := a.do(ctx, call, func() { resp = a.cfg.Wallet.Inquire(req) }, func() {
		resp = &schemev1.InquireResponse{Result: busy()}
	})
	return resp, err
}

// Cancel passes a Cancel to the wallet.
func (a *Adapter) Cancel(ctx context.Context, req *schemev1.CancelRequest) (*schemev1.CancelResponse, error) {
	call := Call{Op: "cancel", Key: req.GetIdempotencyKey()}
	var resp *schemev1.CancelResponse
	err := a.do(ctx, call, func() { resp = a.cfg.Wallet.Cancel(req) }, func() {
		resp = &schemev1.CancelResponse{Result: busy()}
	})
	return resp, err
}

// Refund passes a Refund to the wallet.
func (a *Adapter) Refund(ctx context.Context, req *schemev1.RefundRequest) (*schemev1.RefundResponse, error) {
	call := Call{Op: "refund", Key: req.GetRefundIdempotencyKey(), PaymentKey: req.GetPaymentIdempotencyKey(),
		Amount: Money{Minor: req.GetAmount().GetMinorUnits(), Currency: req.GetAmount().GetCurrency()}}
	var resp *schemev1.RefundResponse
	err := a.do(ctx, call, func() { resp = a.cfg.Wallet.Refund(req) }, func() {
		resp = &schemev1.RefundResponse{Result: busy()}
	})
	return resp, err
}

// do runs one call through its fault: apply does it at the wallet and sets
// the answer; unknown sets an UNKNOWN answer without doing anything.
func (a *Adapter) do(ctx context.Context, call Call, apply, unknown func()) error {
	// Contexts end on real timers, which a virtual clock outruns: a call
	// whose deadline has passed on the virtual clock is refused before it
	// leaves, as a gRPC client refuses one whose context has ended.
	if deadline, ok := ctx.Deadline(); ok && !a.cfg.Clock.Now().Before(deadline) {
		return fmt.Errorf("simwallet: %w", context.DeadlineExceeded)
	}
	if a.cfg.Sent != nil {
		a.cfg.Sent(call)
	}
	a.cfg.Wallet.Tick()
	d := a.cfg.Decide(call)
	switch d.Fault {
	case FaultBusy:
		unknown()
		return nil
	case FaultLostBefore:
		return ErrTransport
	case FaultNotSent:
		return ErrNotSent
	case FaultLostAfter:
		apply()
		return ErrTransport
	case FaultCrashBefore:
		panic(Crash{Where: "in adapter " + call.Op + " before the wallet"})
	case FaultCrashAfter:
		if d.Late {
			a.cfg.Wallet.Deliver(a.cfg.Clock.Now().Add(d.Delay), apply)
		} else {
			apply()
		}
		panic(Crash{Where: "in adapter " + call.Op + " after the wallet"})
	case FaultSlow:
		return a.slow(ctx, d, apply)
	}
	apply()
	return nil
}

// slow takes d.Delay of virtual time, or until the call's deadline (the
// caller's, or the call timeout), which the caller then meets as a gRPC
// client does: DeadlineExceeded.
func (a *Adapter) slow(ctx context.Context, d Decision, apply func()) error {
	deadline := a.cfg.Clock.Now().Add(a.cfg.CallTimeout)
	if ctxDeadline, ok := ctx.Deadline(); ok && ctxDeadline.Before(deadline) {
		deadline = ctxDeadline
	}
	if a.cfg.Clock.Now().Add(d.Delay).Before(deadline) {
		a.cfg.Clock.Advance(d.Delay)
		apply()
		return nil
	}
	switch {
	case d.Applied:
		apply()
	case d.Late:
		a.cfg.Wallet.Deliver(a.cfg.Clock.Now().Add(d.Delay), apply)
	}
	a.cfg.Clock.AdvanceTo(deadline)
	return fmt.Errorf("simwallet: %w", context.DeadlineExceeded)
}

func busy() *schemev1.Result {
	return &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, SchemeCode: "REQUEST_TRAFFIC_EXCEED_LIMIT"}
}
