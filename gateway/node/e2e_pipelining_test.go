package node_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/node/internal/e2etest"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// TestPipelining checks many requests in flight on one connection and on
// several at once.
func TestPipelining(t *testing.T) {
	t.Parallel()
	h := e2etest.Start(t, e2etest.Options{})

	t.Run("Fifty purchases written at once on one connection are all answered, matched by STAN, and each charged exactly once", func(t *testing.T) {
		t.Parallel()
		const count = 50
		term, c := h.NewTerminal(t), h.DialRaw(t)
		byStan := map[string]*wire.Message{}
		var all []byte
		for i := range count {
			// Amounts ending in 10: approved; all different, so a response
			// matched to the wrong request would echo the wrong DE 4.
			req := term.Purchase(int64(1010+100*i), h.Code())
			byStan[req.STAN] = req
			all = append(all, frame(encode(t, req))...)
		}
		// One write: the host has all fifty before it answers any.
		c.Write(t, all)
		rrns := map[string]bool{}
		answered := map[string]bool{}
		for range count {
			resp, err := c.Read()
			if err != nil {
				t.Fatalf("after %d answers: %v", len(answered), err)
			}
			req, ok := byStan[resp.STAN]
			if !ok || answered[resp.STAN] || resp.TerminalID != term.ID {
				t.Fatalf("an answer for %s STAN %s, which was not asked or was answered already", resp.TerminalID, resp.STAN)
			}
			answered[resp.STAN] = true
			wantRC(t, resp, wire.RCApproved)
			wantEchoed(t, req, resp, financialEcho...)
			if rrns[resp.RRN] {
				t.Errorf("RRN %s given twice", resp.RRN)
			}
			rrns[resp.RRN] = true
		}
		ledger := h.Ledger(t)
		charged := 0
		for _, req := range byStan {
			a := h.Attempt(t, payment.KindPurchase, req)
			p, ok := e2etest.FindPayment(ledger, a.ID)
			if !ok {
				t.Errorf("the wallet never saw STAN %s", req.STAN)
				continue
			}
			wantChargedOnce(t, p, req.Amount)
			charged += p.Charges
		}
		if charged != count {
			t.Errorf("the wallet holds %d charges for the %d purchases", charged, count)
		}
	})

	t.Run("Ten connections with ten requests in flight each are all answered", func(t *testing.T) {
		t.Parallel()
		const connections, perConnection = 10, 10
		var wg sync.WaitGroup
		for range connections {
			term, c := h.NewTerminal(t), h.Dial(t)
			for i := range perConnection {
				wg.Go(func() {
					amount := int64(2010 + 100*i)
					if i%5 == 4 {
						amount = amountInsufficient
					}
					req := term.Purchase(amount, h.Code())
					resp, err := e2etest.TryDo(c, req)
					if err != nil {
						t.Error(err)
						return
					}
					want := wire.RCApproved
					if req.Amount == amountInsufficient {
						want = wire.RCInsufficientFunds
					}
					if resp.ResponseCode != want {
						t.Errorf("%s STAN %s answered %s, want %s", term.ID, req.STAN, resp.ResponseCode, want)
					}
					wantEchoed(t, req, resp, financialEcho...)
				})
			}
		}
		wg.Wait()
	})

	t.Run("Requests of several kinds in flight on one connection each get their own answer", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		_, presp := approvedPurchase(t, h, term, c, amountApproved)
		reqs := []*wire.Message{
			term.Purchase(amountAfterInquiries, h.Code()),
			term.Network(wire.NetworkEcho),
			term.Status(presp.RRN),
			term.Refund(presp.RRN, 500),
			term.Purchase(amountExpired, h.Code()),
			term.Purchase(0, h.Code()),
		}
		want := []string{wire.RCApproved, wire.RCApproved, wire.RCApproved, wire.RCApproved, wire.RCExpiredWalletCode, wire.RCInvalidAmount}
		var wg sync.WaitGroup
		for i, req := range reqs {
			wg.Go(func() {
				resp, err := e2etest.TryDo(c, req)
				if err != nil {
					t.Error(err)
					return
				}
				if resp.ResponseCode != want[i] {
					t.Errorf("%s STAN %s answered %s, want %s", req.MTI, req.STAN, resp.ResponseCode, want[i])
				}
			})
		}
		wg.Wait()
	})

	// The POS client the other tests rely on.
	t.Run("A response that arrives before Wait is called is still delivered by Wait", func(t *testing.T) {
		t.Parallel()
		c := h.Dial(t)
		req := h.NewTerminal(t).Network(wire.NetworkEcho)
		if err := c.Expect(req); err != nil {
			t.Fatal(err)
		}
		if err := c.Send(encode(t, req)); err != nil {
			t.Fatal(err)
		}
		// Let the answer arrive first, as it may for any caller.
		time.Sleep(300 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), e2etest.WaitMax)
		defer cancel()
		resp, err := c.Wait(ctx, req)
		if err != nil {
			t.Fatalf("Wait: %v", err)
		}
		wantRC(t, resp, wire.RCApproved)
	})
}
