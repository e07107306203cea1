package load

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// terminal is one simulated POS terminal: a connection kept open by
// keepConnected, Concurrency workers sending purchases over it, and
// forwardAdvices working through its store of reversal advices.
type terminal struct {
	r     *Runner
	index int
	start time.Time // when the run started
	pos   *pos.Terminal
	// advices is the store-and-forward queue, bounded by Config.AdvicesMax.
	advices chan *advice
	// scheduled counts the requests the open loop's workers have taken.
	scheduled atomic.Uint64
	// unfinished holds advices forwardAdvices gave up on; only it writes
	// the slice, and Run reads it after forwardAdvices returned.
	unfinished []*advice

	mu      sync.Mutex  // guards client and changed
	client  *pos.Client // nil while (re)connecting
	changed chan struct{}
}

// advice is a reversal advice for a purchase left without an answer.
type advice struct {
	purchase     *wire.Message
	msg          *wire.Message // the 0420, built at the first try
	rc           string        // RC of the last 0430
	acknowledged bool
}

func (r *Runner) newTerminal(i int, start time.Time) *terminal {
	t := &terminal{
		r:       r,
		index:   i,
		start:   start,
		pos:     &pos.Terminal{ID: terminalID(r.cfg.TerminalPrefix, i+1), MerchantID: r.cfg.MerchantID, Currency: r.cfg.Currency},
		advices: make(chan *advice, r.cfg.AdvicesMax),
		changed: make(chan struct{}),
	}
	t.pos.SetSTAN(randomSTAN())
	return t
}

// keepConnected keeps the terminal connected and signed on until ctx ends,
// reconnecting with backoff whenever the connection breaks.
func (t *terminal) keepConnected(ctx context.Context) {
	cfg := &t.r.cfg
	backoff := cfg.BackoffMin
	again := false
	for {
		c, err := t.connect(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			t.r.connectFailed(err)
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, cfg.BackoffMax)
			continue
		}
		backoff = cfg.BackoffMin
		t.r.connected(again)
		again = true
		t.set(c)
		select {
		case <-c.Done():
		case <-ctx.Done():
		}
		t.set(nil)
		_ = c.Close()
		t.r.counts.connected.Add(-1)
		if ctx.Err() != nil {
			return
		}
	}
}

// connect dials and signs on, as a terminal does on every new connection
// (a host that requires sign-on forgets it when it restarts). A refused
// sign-on is counted, not fatal: the purchases then show the host's RC.
func (t *terminal) connect(ctx context.Context) (*pos.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, t.r.cfg.Timeout)
	defer cancel()
	c, err := pos.Dial(ctx, t.r.cfg.Addr, t.r.cfg.TLSConfig)
	if err != nil || t.r.cfg.Echo {
		return c, err
	}
	resp, err := c.Do(ctx, t.pos.Network(wire.NetworkSignOn))
	if err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("sign-on of %s: %w", t.pos.ID, err)
	}
	if resp.ResponseCode != wire.RCApproved {
		t.r.signOnRefused(resp.ResponseCode)
	}
	return c, nil
}

func (t *terminal) set(c *pos.Client) {
	t.mu.Lock()
	t.client = c
	close(t.changed)
	t.changed = make(chan struct{})
	t.mu.Unlock()
}

// conn returns the terminal's working connection, waiting while it is
// being (re)made; nil when ctx ends first.
func (t *terminal) conn(ctx context.Context) *pos.Client {
	for ctx.Err() == nil {
		t.mu.Lock()
		c, changed := t.client, t.changed
		t.mu.Unlock()
		if c != nil {
			select {
			case <-c.Done(): // broken; keepConnected replaces it
			default:
				return c
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
		}
	}
	return nil
}

// work sends purchases one after the other until the run has sent enough.
func (t *terminal) work(purchaseCtx, runCtx context.Context) {
	for {
		n, ok := t.r.take(purchaseCtx)
		if !ok || !t.purchase(purchaseCtx, runCtx, n, time.Time{}) {
			return
		}
	}
}

// purchase sends purchase number n of the run and sees it through:
// answered, or left without an answer and its advice stored. Its latency
// counts from due, when it was due in the open loop, or else from when it
// was sent. It returns false when the sending of purchases ended before
// this one went out.
func (t *terminal) purchase(purchaseCtx, runCtx context.Context, n uint64, due time.Time) bool {
	amount := t.r.amount(n)
	for {
		c := t.conn(purchaseCtx)
		if c == nil {
			return false
		}
		req := t.pos.Purchase(amount, t.r.cfg.WalletCode)
		frame, err := wire.Encode(req)
		if err != nil {
			panic(fmt.Sprintf("load: a purchase New checked does not encode: %v", err))
		}
		if c.Expect(req) != nil {
			// The connection broke before this request went out: it was
			// never sent, and goes out on the next connection.
			select {
			case <-c.Done():
			case <-purchaseCtx.Done():
			}
			continue
		}
		t.r.counts.sent.Add(1)
		t.r.counts.inFlight.Add(1)
		start := t.r.clock.now()
		t.r.lastSent.Store(int64(start.Sub(t.start)))
		if !due.IsZero() {
			if start.Sub(due) > LateAfter {
				t.r.counts.late.Add(1)
			}
			start = due
		}
		resp, err := exchange(runCtx, c, req, frame, t.r.cfg.Timeout)
		latency := t.r.clock.now().Sub(start)
		t.r.counts.inFlight.Add(-1)
		if err != nil {
			t.unanswered(runCtx, req)
			return true
		}
		t.r.countAnswer(answerRC(t.r.cfg.Echo, req, resp))
		t.r.latency.record(t.index, latency)
		t.r.emit(outcomeOf(req, resp))
		return true
	}
}

// answerRC is the RC an answer counts with: its own from a host; from an
// echo server, 00 when the purchase came back unchanged and 96 (a system
// malfunction) when not. Only the decoded fields a purchase carries are
// compared; the frame's bytes are not kept.
func answerRC(echo bool, req, resp *wire.Message) string {
	if !echo {
		return resp.ResponseCode
	}
	if resp.MTI != req.MTI || resp.Amount != req.Amount || resp.TransmissionTime != req.TransmissionTime ||
		resp.Currency != req.Currency || resp.MerchantID != req.MerchantID || resp.ResponseCode != "" {
		return wire.RCSystemMalfunction
	}
	return wire.RCApproved
}

// exchange sends a request registered with c.Expect and waits for its
// answer, for at most timeout.
func exchange(ctx context.Context, c *pos.Client, req *wire.Message, frame []byte, timeout time.Duration) (*wire.Message, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := c.Send(frame); err != nil {
		cancel()
		_, _ = c.Wait(ctx, req) // unregisters it
		return nil, err
	}
	return c.Wait(ctx, req)
}

// unanswered stores an advice for a purchase that got no answer in time,
// waiting while the store is full, as a terminal that cannot take a new
// payment until its store has room.
func (t *terminal) unanswered(ctx context.Context, req *wire.Message) {
	t.r.counts.noAnswer.Add(1)
	if t.r.cfg.Echo { // an echo server cannot take an advice
		t.r.emit(outcomeOf(req, nil))
		return
	}
	t.r.counts.advicesOutstanding.Add(1)
	a := &advice{purchase: req}
	select {
	case t.advices <- a:
	case <-ctx.Done():
		t.r.emit(a.outcome())
	}
}

// forwardAdvices sends the stored advices one at a time, each until the
// host acknowledges it, until the store is closed and empty or ctx ends.
func (t *terminal) forwardAdvices(ctx context.Context) {
	for a := range t.advices {
		if !t.forward(ctx, a) {
			t.unfinished = append(t.unfinished, a)
			return
		}
	}
}

// forward sends one advice (0420, then 0421 repeats with the same STAN and
// DE 7) until it is answered for good; false when ctx ends first. The host
// acknowledges with 0430 RC 00; 91 or 96 mean it could not store the advice
// yet, and it is sent again; any other RC refuses it for good.
func (t *terminal) forward(ctx context.Context, a *advice) bool {
	r := t.r
	backoff := r.cfg.BackoffMin
	for {
		c := t.conn(ctx)
		if c == nil {
			return false
		}
		r.counts.adviceTries.Add(1)
		resp, err := do(ctx, c, a.next(t), r.cfg.Timeout)
		if err == nil {
			a.rc = resp.ResponseCode
			switch resp.ResponseCode {
			case wire.RCApproved:
				a.acknowledged = true
				r.counts.advicesAcknowledged.Add(1)
				r.counts.advicesOutstanding.Add(-1)
				r.emit(a.outcome())
				return true
			case wire.RCSchemeUnavailable, wire.RCSystemMalfunction:
			default:
				r.counts.advicesRefused.Add(1)
				r.counts.advicesOutstanding.Add(-1)
				r.emit(a.outcome())
				return true
			}
		}
		if !sleep(ctx, backoff) {
			return false
		}
		backoff = min(2*backoff, r.cfg.BackoffMax)
	}
}

func do(ctx context.Context, c *pos.Client, req *wire.Message, timeout time.Duration) (*wire.Message, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return c.Do(ctx, req)
}

// next returns what to send for the advice: its 0420 at the first try,
// built then (with the terminal's next STAN and the time now as DE 7), and
// the 0421 repeat of it at every later try.
func (a *advice) next(t *terminal) *wire.Message {
	if a.msg == nil {
		a.msg = t.pos.Reversal(a.purchase, true)
		t.r.counts.advicesSent.Add(1)
		return a.msg
	}
	return pos.Repeat(a.msg)
}

func (a *advice) outcome() Outcome {
	o := outcomeOf(a.purchase, nil)
	if a.msg != nil {
		o.AdviceSent = true
		o.AdviceSTAN, o.AdviceTransmissionTime = a.msg.STAN, a.msg.TransmissionTime
	}
	o.AdviceAcknowledged = a.acknowledged
	o.AdviceRC = a.rc
	return o
}

func outcomeOf(req, resp *wire.Message) Outcome {
	o := Outcome{
		TerminalID:       req.TerminalID,
		STAN:             req.STAN,
		TransmissionTime: req.TransmissionTime,
		Amount:           req.Amount,
		Currency:         req.Currency,
	}
	if resp != nil {
		o.MTI, o.RC, o.RRN, o.ApprovalCode = resp.MTI, resp.ResponseCode, resp.RRN, resp.ApprovalCode
		o.SchemeTransactionID, _ = resp.PrivateData.Get(wire.TagSchemeTransactionID)
	}
	return o
}

// sleep waits d; false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
