package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/node/internal/e2etest"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// networkEcho are the elements an 0810 echoes.
var networkEcho = []int{7, 11, 41, 70}

// TestNetworkManagement checks 0800 sign-on, echo and sign-off.
func TestNetworkManagement(t *testing.T) {
	t.Parallel()
	h := e2etest.Start(t, e2etest.Options{})

	for _, n := range []struct{ name, code string }{
		{"sign-on", wire.NetworkSignOn}, {"echo", wire.NetworkEcho}, {"sign-off", wire.NetworkSignOff},
	} {
		t.Run("An 0800 "+n.name+" is answered 0810 00 echoing DE 7, 11, 41 and 70", func(t *testing.T) {
			t.Parallel()
			term, c := h.NewTerminal(t), h.Dial(t)
			req := term.Network(n.code)
			resp := e2etest.Do(t, c, req)
			wantRC(t, resp, wire.RCApproved)
			wantEchoed(t, req, resp, networkEcho...)
		})
	}

	t.Run("An 0801 repeat of an echo is answered 0810 00", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req := pos.Repeat(term.Network(wire.NetworkEcho))
		resp := e2etest.Do(t, c, req)
		wantRC(t, resp, wire.RCApproved)
		wantEchoed(t, req, resp, networkEcho...)
	})

	t.Run("An 0800 from a terminal that is not onboarded is answered 03", func(t *testing.T) {
		t.Parallel()
		c := h.Dial(t)
		stranger := &pos.Terminal{ID: "ZZ000001"}
		req := stranger.Network(wire.NetworkSignOn)
		resp := e2etest.Do(t, c, req)
		wantRC(t, resp, wire.RCInvalidMerchant)
		wantEchoed(t, req, resp, networkEcho...)
	})

	t.Run("An 0800 with an unknown network management code is answered 12", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		wantRC(t, e2etest.Do(t, c, term.Network("999")), wire.RCInvalidTransaction)
	})

	t.Run("An 0800 without DE 70 is answered 30", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req := term.Network(wire.NetworkEcho)
		req.Unset(70)
		wantRC(t, e2etest.Do(t, c, req), wire.RCFormatError)
	})
}

// TestSignOnRequired runs a node with terminal.require_sign_on: true.
func TestSignOnRequired(t *testing.T) {
	t.Parallel()
	h := e2etest.Start(t, e2etest.Options{RequireSignOn: true})

	t.Run("A purchase before sign-on is answered 03, after sign-on 00, and after sign-off 03 again", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		wantRC(t, e2etest.Do(t, c, term.Purchase(amountApproved, h.Code())), wire.RCInvalidMerchant)
		wantRC(t, e2etest.Do(t, c, term.Network(wire.NetworkSignOn)), wire.RCApproved)
		_, presp := approvedPurchase(t, h, term, c, amountApproved)
		wantRC(t, e2etest.Do(t, c, term.Status(presp.RRN)), wire.RCApproved)
		wantRC(t, e2etest.Do(t, c, term.Network(wire.NetworkSignOff)), wire.RCApproved)
		wantRC(t, e2etest.Do(t, c, term.Purchase(amountApproved, h.Code())), wire.RCInvalidMerchant)
		wantRC(t, e2etest.Do(t, c, term.Status(presp.RRN)), wire.RCInvalidMerchant)
	})

	t.Run("A purchase refused before sign-on is not journaled, so it can never be charged", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req := term.Purchase(amountApproved, h.Code())
		wantRC(t, e2etest.Do(t, c, req), wire.RCInvalidMerchant)
		if a, err := h.Store().AttemptByKey(context.Background(), payment.KindPurchase, e2etest.KeyOf(req)); err == nil {
			t.Errorf("the refused purchase was journaled as %s", a.State)
		}
	})

	t.Run("A sign-on holds for the terminal on another connection", func(t *testing.T) {
		t.Parallel()
		term := h.NewTerminal(t)
		wantRC(t, e2etest.Do(t, h.Dial(t), term.Network(wire.NetworkSignOn)), wire.RCApproved)
		approvedPurchase(t, h, term, h.Dial(t), amountApproved)
	})

	t.Run("A terminal's sign-on does not sign on another terminal", func(t *testing.T) {
		t.Parallel()
		signedOn, other, c := h.NewTerminal(t), h.NewTerminal(t), h.Dial(t)
		wantRC(t, e2etest.Do(t, c, signedOn.Network(wire.NetworkSignOn)), wire.RCApproved)
		wantRC(t, e2etest.Do(t, c, other.Purchase(amountApproved, h.Code())), wire.RCInvalidMerchant)
	})
}

// TestIdleConnections runs a node with terminal.idle_timeout: 1s.
func TestIdleConnections(t *testing.T) {
	t.Parallel()
	h := e2etest.Start(t, e2etest.Options{IdleTimeout: time.Second})

	t.Run("A connection on which nothing is sent is closed by the host", func(t *testing.T) {
		t.Parallel()
		c := h.Dial(t)
		e2etest.Eventually(t, "the host closes the idle connection", func() bool {
			select {
			case <-c.Done():
				return true
			default:
				return false
			}
		})
	})

	t.Run("A connection kept alive with 0800 echoes stays open past the idle timeout", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		for range 8 { // 2.4s of echoes, 0.3s apart: never idle for 1s
			wantRC(t, e2etest.Do(t, c, term.Network(wire.NetworkEcho)), wire.RCApproved)
			time.Sleep(300 * time.Millisecond)
		}
		approvedPurchase(t, h, term, c, amountApproved)
	})
}
