package terminal

import (
	"testing"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

func TestApprovedConvertedPurchaseShowsWhatTheWalletWasCharged(t *testing.T) {
	req := (&pos.Terminal{ID: "TERM0001", MerchantID: "MERCHANT0000001"}).Purchase(1250, "281012345678901234")
	a := &payment.Attempt{
		Kind: payment.KindPurchase, RRN: "000000000042", State: payment.StateApproved, ApprovalCode: "123456",
		Amount: payment.Money{Minor: 1250, Currency: "EUR"}, WalletAmount: payment.Money{Minor: 10630, Currency: "CNY"},
		Conversion: payment.Conversion{QuoteID: "q1", AppliedRate: "8.50381", MarkupPercent: "2.50", ReferenceRate: "8.2964"},
	}
	resp := attemptResponse(req, a, rcForAttempt(a))
	if resp.WalletAmount != 10630 || !resp.Has(6) || resp.WalletCurrency != "156" || resp.ConversionRate != "68503810" {
		t.Errorf("DE 6 %d (present %v), DE 51 %q, DE 10 %q; want 10630, 156, 68503810", resp.WalletAmount, resp.Has(6), resp.WalletCurrency, resp.ConversionRate)
	}
	if m, _ := resp.PrivateData.Get(wire.TagFXMarkup); m != "2.50" {
		t.Errorf("DE 48 tag 13 = %q, want 2.50", m)
	}
	if _, err := wire.Encode(resp); err != nil {
		t.Errorf("the response does not encode: %v", err)
	}

	a.State, a.Reason = payment.StateDeclined, payment.ReasonInsufficientFunds
	if declined := attemptResponse(req, a, rcForAttempt(a)); declined.Has(6) || declined.Has(10) || declined.Has(51) {
		t.Error("a declined purchase shows a conversion")
	}
	a.State, a.Conversion = payment.StateApproved, payment.Conversion{}
	if plain := attemptResponse(req, a, rcForAttempt(a)); plain.Has(6) || plain.Has(10) || plain.Has(51) {
		t.Error("a purchase charged in the merchant's currency shows a conversion")
	}
}

func TestStatusCodesOfMerchantPresentedPurchases(t *testing.T) {
	created := payment.Order{Presented: true, QRPayload: "000201", QRFormat: payment.QRFormatEMVCoMPM}
	for _, tc := range []struct {
		name string
		a    payment.Attempt
		want string
	}{
		{"an order awaiting the customer is 09", payment.Attempt{Kind: payment.KindPurchase, State: payment.StatePending, Order: created}, wire.RCInProgress},
		{"an order the scheme never made is 91", payment.Attempt{Kind: payment.KindPurchase, State: payment.StatePending, Order: payment.Order{Presented: true}}, wire.RCSchemeUnavailable},
		{"an order being cancelled because it expired is 54", payment.Attempt{Kind: payment.KindPurchase, State: payment.StateCancelPending, Reason: payment.ReasonOrderExpired, Order: created}, wire.RCExpiredWalletCode},
		{"an order cancelled because it expired is 54", payment.Attempt{Kind: payment.KindPurchase, State: payment.StateCancelled, Reason: payment.ReasonOrderExpired, Order: created}, wire.RCExpiredWalletCode},
		{"an order being closed because its QR was unusable is 96", payment.Attempt{Kind: payment.KindPurchase, State: payment.StateCancelPending, Reason: payment.ReasonSystem, Order: payment.Order{Presented: true}}, wire.RCSystemMalfunction},
		{"a paid order is 00", payment.Attempt{Kind: payment.KindPurchase, State: payment.StateApproved, Order: created}, wire.RCApproved},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rcForStatus(&tc.a); got != tc.want {
				t.Errorf("rcForStatus = %s, want %s", got, tc.want)
			}
		})
	}
	resp := attemptResponse(&wire.Message{MTI: "0200"}, &payment.Attempt{RRN: "000000000007", State: payment.StatePending, Order: created}, wire.RCInProgress)
	if qr, ok := resp.PrivateData.Get(wire.TagQRPayload); !ok || qr != created.QRPayload || resp.RRN != "000000000007" {
		t.Errorf("09 answer carries QR %q (%v) and RRN %q", qr, ok, resp.RRN)
	}
}
