package load_test

import (
	"bufio"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/terminal/pos/load"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// fakeHost is a terminal host on 127.0.0.1 whose answers the test decides:
// answer returns the response to send, or nil to send none.
type fakeHost struct {
	ln     net.Listener
	answer func(h *fakeHost, c net.Conn, req *wire.Message) *wire.Message

	mu       sync.Mutex // guards received and conns
	received []*wire.Message
	conns    map[net.Conn]struct{}
}

func startFakeHost(t *testing.T, answer func(h *fakeHost, c net.Conn, req *wire.Message) *wire.Message) *fakeHost {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &fakeHost{ln: ln, answer: answer, conns: map[net.Conn]struct{}{}}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			h.conns[c] = struct{}{}
			h.mu.Unlock()
			wg.Go(func() { h.serve(c) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		h.mu.Lock()
		for c := range h.conns {
			c.Close()
		}
		h.mu.Unlock()
		wg.Wait()
	})
	return h
}

func (h *fakeHost) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	var writeMu sync.Mutex
	for {
		frame, err := wire.ReadFrame(r, nil)
		if err != nil {
			return
		}
		req, err := wire.Decode(frame)
		if err != nil {
			return
		}
		h.mu.Lock()
		h.received = append(h.received, req)
		h.mu.Unlock()
		resp := h.answer(h, c, req)
		if resp == nil {
			continue
		}
		b, err := wire.Encode(resp)
		if err != nil {
			panic(err)
		}
		writeMu.Lock()
		_ = wire.WriteFrame(c, b)
		writeMu.Unlock()
	}
}

func (h *fakeHost) messages(mti string) []*wire.Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*wire.Message
	for _, m := range h.received {
		if m.MTI == mti {
			out = append(out, m)
		}
	}
	return out
}

func reply(req *wire.Message, rc string) *wire.Message {
	mti, _ := wire.ResponseMTI(req.MTI)
	resp := &wire.Message{
		MTI: mti, ProcessingCode: req.ProcessingCode, Amount: req.Amount, TransmissionTime: req.TransmissionTime,
		STAN: req.STAN, TerminalID: req.TerminalID, MerchantID: req.MerchantID, Currency: req.Currency,
		NetworkCode: req.NetworkCode, ResponseCode: rc,
	}
	if req.MTI == wire.MTIFinancialRequest && rc == wire.RCApproved {
		resp.RRN, resp.ApprovalCode = "RRN"+req.STAN, "A"+req.STAN[1:]
		resp.PrivateData.Set(wire.TagSchemeTransactionID, "TX"+req.STAN)
	}
	return resp
}

// run runs a load with cfg against h and returns its summary and outcomes.
func run(t *testing.T, h *fakeHost, cfg load.Config) (*load.Summary, []load.Outcome) {
	t.Helper()
	var mu sync.Mutex
	var outcomes []load.Outcome
	cfg.Addr = h.ln.Addr().String()
	cfg.MerchantID = "MERCHANT1"
	cfg.OnOutcome = func(o load.Outcome) {
		mu.Lock()
		outcomes = append(outcomes, o)
		mu.Unlock()
	}
	orDefault(&cfg.Timeout, 500*time.Millisecond)
	orDefault(&cfg.Drain, 5*time.Second)
	orDefault(&cfg.BackoffMin, 5*time.Millisecond)
	orDefault(&cfg.BackoffMax, 20*time.Millisecond)
	r, err := load.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
	if int64(len(outcomes)) != s.Sent {
		t.Errorf("%d outcomes for %d purchases sent", len(outcomes), s.Sent)
	}
	return s, outcomes
}

func orDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

func mix(t *testing.T, s string) load.Mix {
	t.Helper()
	m, err := load.ParseMix(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// approveAll answers every request 00, except purchases ending in 93,
// which it leaves without an answer, and advices, which adviceRC answers.
func approveAll(adviceRC func(req *wire.Message) string) func(*fakeHost, net.Conn, *wire.Message) *wire.Message {
	return func(_ *fakeHost, _ net.Conn, req *wire.Message) *wire.Message {
		switch {
		case req.MTI == wire.MTIFinancialRequest && req.Amount%100 == 93:
			return nil
		case req.MTI == wire.MTIReversalAdvice || req.MTI == wire.MTIReversalAdviceRepeat:
			return reply(req, adviceRC(req))
		}
		return reply(req, wire.RCApproved)
	}
}

func TestAdvices(t *testing.T) {
	t.Parallel()

	t.Run("A purchase without an answer gets an advice naming it, repeated as 0421 with the same STAN and DE 7 until acknowledged", func(t *testing.T) {
		t.Parallel()
		h := startFakeHost(t, approveAll(func(req *wire.Message) string {
			if req.MTI == wire.MTIReversalAdvice {
				return wire.RCSystemMalfunction // not stored: the terminal must try again
			}
			return wire.RCApproved
		}))
		s, outcomes := run(t, h, load.Config{Count: 6, Mix: mix(t, "00:1,93:1"), Concurrency: 2})
		if s.Sent != 6 || s.Answered != 3 || s.NoAnswer != 3 || s.Approved != 3 {
			t.Errorf("sent %d, answered %d (%d approved), no answer %d; want 6, 3 (3), 3", s.Sent, s.Answered, s.Approved, s.NoAnswer)
		}
		if a := s.Advices; a.Sent != 3 || a.Acknowledged != 3 || a.Tries != 6 || a.Outstanding != 0 {
			t.Errorf("advices %+v, want 3 sent and acknowledged in 6 tries", a)
		}
		purchases := map[string]*wire.Message{}
		for _, p := range h.messages(wire.MTIFinancialRequest) {
			purchases[p.STAN] = p
		}
		repeats := map[string]*wire.Message{}
		for _, r := range h.messages(wire.MTIReversalAdviceRepeat) {
			repeats[r.STAN] = r
		}
		for _, a := range h.messages(wire.MTIReversalAdvice) {
			p := purchases[a.OriginalData.STAN]
			if p == nil || p.Amount%100 != 93 || a.OriginalData != (wire.OriginalData{MTI: "0200", STAN: p.STAN, TransmissionTime: p.TransmissionTime}) || a.Amount != p.Amount {
				t.Errorf("advice STAN %s names %+v for %d, not an unanswered purchase", a.STAN, a.OriginalData, a.Amount)
			}
			r := repeats[a.STAN]
			if r == nil || r.TransmissionTime != a.TransmissionTime || r.OriginalData != a.OriginalData {
				t.Errorf("advice STAN %s: repeat %v, want one with the same DE 7 and DE 90", a.STAN, r)
			}
		}
		for _, o := range outcomes {
			if o.Amount%100 == 93 {
				if o.RC != "" || !o.AdviceSent || !o.AdviceAcknowledged || o.AdviceRC != "00" || o.AdviceSTAN == "" || o.AdviceTransmissionTime == "" {
					t.Errorf("unanswered purchase's outcome %+v", o)
				}
				continue
			}
			if o.MTI != "0210" || o.RC != "00" || o.RRN != "RRN"+o.STAN || o.SchemeTransactionID != "TX"+o.STAN || o.ApprovalCode == "" || o.AdviceSent {
				t.Errorf("approved purchase's outcome %+v", o)
			}
		}
	})

	t.Run("An advice the host refuses is not sent again", func(t *testing.T) {
		t.Parallel()
		h := startFakeHost(t, approveAll(func(*wire.Message) string { return wire.RCFormatError }))
		s, outcomes := run(t, h, load.Config{Count: 2, Mix: mix(t, "93:1")})
		if a := s.Advices; a.Sent != 2 || a.Refused != 2 || a.Tries != 2 || a.Outstanding != 0 || a.Acknowledged != 0 {
			t.Errorf("advices %+v, want 2 refused at their only try", a)
		}
		for _, o := range outcomes {
			if !o.AdviceSent || o.AdviceAcknowledged || o.AdviceRC != "30" {
				t.Errorf("outcome %+v, want a refused advice", o)
			}
		}
	})

	t.Run("Advices never acknowledged are outstanding once the drain time is over, and one such holds up the others", func(t *testing.T) {
		t.Parallel()
		h := startFakeHost(t, approveAll(func(*wire.Message) string { return wire.RCSystemMalfunction }))
		s, outcomes := run(t, h, load.Config{Count: 3, Mix: mix(t, "93:1"), Drain: 200 * time.Millisecond})
		// One terminal sends its advices in order, one at a time.
		if a := s.Advices; a.Sent != 1 || a.Outstanding != 3 || a.Acknowledged != 0 || a.Tries < 2 {
			t.Errorf("advices %+v, want 1 sent and tried again, 3 outstanding", a)
		}
		for _, o := range outcomes {
			if o.AdviceAcknowledged || o.AdviceSent != (o.AdviceRC == "96") {
				t.Errorf("outcome %+v, want an advice answered 96 or not sent", o)
			}
		}
	})
}

func TestConnections(t *testing.T) {
	t.Parallel()

	t.Run("A connection broken with purchases in flight is made again and their advices are acknowledged", func(t *testing.T) {
		t.Parallel()
		var mu sync.Mutex
		purchases := 0
		h := startFakeHost(t, func(_ *fakeHost, c net.Conn, req *wire.Message) *wire.Message {
			if req.MTI == wire.MTIFinancialRequest {
				mu.Lock()
				purchases++
				n := purchases
				mu.Unlock()
				if n == 5 || n == 12 {
					c.Close() // as a gateway killed with this request and others in flight
					return nil
				}
			}
			return reply(req, wire.RCApproved)
		})
		s, outcomes := run(t, h, load.Config{Count: 20, Terminals: 2, Concurrency: 3})
		if s.Sent != 20 || s.NoAnswer < 2 || s.Reconnects < 2 || s.Connects != s.Reconnects+2 {
			t.Errorf("sent %d, no answer %d, connections %d, reconnects %d; want 20, at least 2 unanswered and reconnects", s.Sent, s.NoAnswer, s.Connects, s.Reconnects)
		}
		if a := s.Advices; a.Acknowledged != s.NoAnswer || a.Outstanding != 0 {
			t.Errorf("advices %+v for %d unanswered purchases", a, s.NoAnswer)
		}
		signOns := len(h.messages(wire.MTINetworkRequest))
		if int64(signOns) != s.Connects {
			t.Errorf("%d sign-ons for %d connections; a terminal signs on at every connection", signOns, s.Connects)
		}
		stans := map[string]bool{}
		for _, o := range outcomes {
			key := o.TerminalID + "/" + o.STAN
			if stans[key] {
				t.Errorf("STAN %s used twice", key)
			}
			stans[key] = true
		}
	})

	t.Run("A host that is not there ends the run with ErrUnreachable", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		r, err := load.New(load.Config{Addr: addr, MerchantID: "M", Count: 1, ConnectTimeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		s, err := r.Run(t.Context())
		if !errors.Is(err, load.ErrUnreachable) || !strings.Contains(err.Error(), addr) {
			t.Errorf("Run error = %v, want ErrUnreachable naming %s", err, addr)
		}
		if s == nil || s.Sent != 0 || s.ConnectFailures == 0 {
			t.Errorf("summary %+v, want nothing sent and failed connection attempts", s)
		}
	})

	t.Run("Stop ends the sending of purchases and Run returns with all of them answered", func(t *testing.T) {
		t.Parallel()
		h := startFakeHost(t, approveAll(nil))
		var r *load.Runner
		var once sync.Once
		cfg := load.Config{
			Addr: h.ln.Addr().String(), MerchantID: "M", Duration: time.Hour, Concurrency: 2,
			OnOutcome: func(load.Outcome) { once.Do(func() { r.Stop() }) },
		}
		r, err := load.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		s, err := r.Run(t.Context())
		if err != nil || s.Sent == 0 || s.Answered != s.Sent {
			t.Errorf("Run: %v; sent %d, answered %d", err, s.Sent, s.Answered)
		}
	})
}

func TestNewRefusesWhatCannotRun(t *testing.T) {
	base := load.Config{Addr: "127.0.0.1:1", MerchantID: "M", Count: 1}
	for _, tc := range []struct {
		change func(*load.Config)
		want   string
	}{
		{func(c *load.Config) { c.Addr = "" }, "address"},
		{func(c *load.Config) { c.MerchantID = "MERCHANT-ID-TOO-LONG" }, "merchant id"},
		{func(c *load.Config) { c.Count = 0 }, "duration or a count"},
		{func(c *load.Config) { c.Count = -1 }, "negative"},
		{func(c *load.Config) { c.Terminals = load.TerminalsMax + 1 }, "terminals"},
		{func(c *load.Config) { c.Concurrency = -1 }, "concurrency"},
		{func(c *load.Config) { c.TerminalPrefix = "LOADLOAD" }, "no room"},
		{func(c *load.Config) { c.Terminals = 100; c.TerminalPrefix = "LOADLOA" }, "no room"},
		{func(c *load.Config) { c.AmountBase = 50 }, "amount of 0"},
		{func(c *load.Config) { c.WalletCode = "bad\ncode" }, "cannot be sent"},
		{func(c *load.Config) { c.BackoffMin = time.Minute }, "backoff"},
	} {
		cfg := base
		tc.change(&cfg)
		if _, err := load.New(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) error = %v, want one mentioning %q", cfg, err, tc.want)
		}
	}
	r, err := load.New(load.Config{Addr: "h:1", MerchantID: "M", Duration: time.Second, Terminals: 12})
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Config(); c.TerminalPrefix != "LOAD" || c.Concurrency != 1 || c.Timeout != load.DefaultTimeout || c.Mix.String() != "00:1" {
		t.Errorf("defaults not filled: %+v", c)
	}
}
