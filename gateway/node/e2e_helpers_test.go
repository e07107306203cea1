package node_test

import (
	"slices"
	"testing"

	"github.com/meridian-gw/meridian/gateway/node/internal/e2etest"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
)

// Amounts in minor units, by what the simulators spec makes of their last
// two digits.
const (
	amountApproved         = 10000 // …00: approved
	amountInsufficient     = 1051
	amountExpired          = 1054
	amountDoNotHonour      = 1005
	amountRisk             = 1059
	amountOverLimit        = 1061
	amountAfterInquiries   = 1091 // in process for two inquiries, then paid
	amountInProcessForever = 1092
	amountSlow             = 1093 // no answer within the budget, then paid
	amountServerErrorOnce  = 1096
)

// wantRC fails the test unless resp carries rc.
func wantRC(t *testing.T, resp *wire.Message, rc string) {
	t.Helper()
	if resp == nil {
		t.Fatalf("no response, want RC %s", rc)
	}
	if resp.ResponseCode != rc {
		t.Fatalf("%s STAN %s answered RC %q (%s), want %q (%s)", resp.MTI, resp.STAN,
			resp.ResponseCode, wire.RCMeaning(resp.ResponseCode), rc, wire.RCMeaning(rc))
	}
}

// wantEchoed checks that resp carries each data element des of req with
// the same value. Decode keeps n elements as the digits sent, and the ids
// used fill their ans elements, so equal values are equal bytes.
func wantEchoed(t *testing.T, req, resp *wire.Message, des ...int) {
	t.Helper()
	for _, de := range des {
		if !resp.Has(de) {
			t.Errorf("response %s lacks DE %d of its request", resp.MTI, de)
			continue
		}
		var got, want any
		switch de {
		case 3:
			got, want = resp.ProcessingCode, req.ProcessingCode
		case 4:
			got, want = resp.Amount, req.Amount
		case 7:
			got, want = resp.TransmissionTime, req.TransmissionTime
		case 11:
			got, want = resp.STAN, req.STAN
		case 41:
			got, want = resp.TerminalID, req.TerminalID
		case 42:
			got, want = resp.MerchantID, req.MerchantID
		case 49:
			got, want = resp.Currency, req.Currency
		case 70:
			got, want = resp.NetworkCode, req.NetworkCode
		default:
			t.Fatalf("wantEchoed: DE %d is not echoed", de)
		}
		if got != want {
			t.Errorf("DE %d echoed as %v, the request sent %v", de, got, want)
		}
	}
}

// financialEcho are the elements a 0210 echoes.
var financialEcho = []int{3, 4, 7, 11, 41, 42, 49}

// approvedPurchase makes a purchase of amount that must be approved and
// returns its request and response.
func approvedPurchase(t *testing.T, h *e2etest.Harness, term *pos.Terminal, c *pos.Client, amount int64) (*wire.Message, *wire.Message) {
	t.Helper()
	req := term.Purchase(amount, h.Code())
	resp := e2etest.Do(t, c, req)
	wantRC(t, resp, wire.RCApproved)
	return req, resp
}

// wantUncharged checks that the wallet keeps nothing of a payment: never
// charged, or returned in full.
func wantUncharged(t *testing.T, p sim.Payment) {
	t.Helper()
	if p.Charges > 1 || e2etest.Kept(p) != 0 {
		t.Errorf("wallet payment %s (%s) keeps %d: charged %d×%d, reversed %d, refunded %d",
			p.RequestID, p.Status, e2etest.Kept(p), p.Charges, p.MinorUnits, p.Reversed, p.Refunded)
	}
}

// wantChargedOnce checks that the wallet charged a payment exactly once,
// for amount, and returned nothing.
func wantChargedOnce(t *testing.T, p sim.Payment, amount int64) {
	t.Helper()
	if p.Status != sim.StatusPaid || p.Charges != 1 || p.MinorUnits != amount || p.Reversed != 0 || p.Refunded != 0 {
		t.Errorf("wallet payment %s is %s, charged %d×%d, reversed %d, refunded %d; want paid once for %d",
			p.RequestID, p.Status, p.Charges, p.MinorUnits, p.Reversed, p.Refunded, amount)
	}
}

// eventTypes lists the types of a journal, in order.
func eventTypes(events []payment.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Type
	}
	return out
}

// countEvents counts the events of type typ.
func countEvents(events []payment.Event, typ string) int {
	n := 0
	for _, e := range events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// wantInOrder checks that types holds want as a subsequence.
func wantInOrder(t *testing.T, types []string, want ...string) {
	t.Helper()
	i := 0
	for _, typ := range types {
		if i < len(want) && typ == want[i] {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("journal %v does not hold %v in that order", types, want)
	}
}

// notFinal reports whether an attempt is still being decided.
func notFinal(a *payment.Attempt) bool {
	return slices.Contains([]payment.State{payment.StatePending, payment.StateUnknown}, a.State)
}
