package payment_test

import (
	"context"
	"testing"
)

func TestSettlementIsRecordedInTheMerchantsCurrency(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	p := h.Approved(t, 2500)
	stored := h.Stored(t, p.ID)
	if stored.Settlement != stored.Amount || stored.Settlement.Currency != "EUR" {
		t.Errorf("purchase settlement %+v, want its amount %+v in EUR", stored.Settlement, stored.Amount)
	}
	if stored.Conversion.Applied() {
		t.Errorf("a purchase charged in the merchant's currency has a conversion: %+v", stored.Conversion)
	}
	r, err := h.Engine.Refund(context.Background(), refundRequest(h.NextKey(), p.RRN, 700))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Stored(t, r.ID).Settlement; got.Minor != 700 || got.Currency != "EUR" {
		t.Errorf("refund settlement %+v, want 700 EUR", got)
	}
}
