package storetest

import (
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
)

// testPolicies checks what the engine reads per purchase through the admin
// store: the merchant's own mark-ups and frequency limits, and the count of
// a terminal's recent purchases.
func testPolicies(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	p, ok := f.Admin.(payment.Policies)
	if !ok {
		t.Fatalf("%T does not give the engine merchant policies (payment.Policies)", f.Admin)
	}
	m := f.merchant(t, f.A)
	_, err := f.Admin.UpdateMerchant(ctx, f.A, m.ID, func(m *admin.Merchant) (*admin.AuditEvent, error) {
		m.MarkupPercent = map[string]string{"KAKAOPAY": "1.75"}
		m.Limits = admin.FrequencyLimits{PurchasesPerTerminalPerMinute: 3, PurchasesPerTerminalPerDay: 9}
		ev := event("", "merchant.update", "merchants/"+m.ID)
		return &ev, nil
	})
	if err != nil {
		t.Fatalf("UpdateMerchant: %v", err)
	}
	got, err := p.MerchantPolicy(ctx, m.ID)
	if err != nil || got.Markup["KAKAOPAY"] != "1.75" || len(got.Markup) != 1 || got.PerMinute != 3 || got.PerDay != 9 {
		t.Errorf("MerchantPolicy = %+v, %v; want mark-up 1.75 for KAKAOPAY, 3 a minute, 9 a day", got, err)
	}
	if none, err := p.MerchantPolicy(ctx, "M-UNMANAGED"); err != nil || none.PerMinute != 0 || none.PerDay != 0 || len(none.Markup) != 0 {
		t.Errorf("policy of a merchant no acquirer manages = %+v, %v; want none", none, err)
	}

	term := f.terminal(t, f.A, m.ID)
	before := time.Now().Add(-time.Minute)
	f.create(t, attemptOf(m.ID, term.ID, "ALIPAYPLUS", payment.StateApproved, 100))
	f.create(t, attemptOf(m.ID, term.ID, "ALIPAYPLUS", payment.StateDeclined, 100))
	reversal := attemptOf(m.ID, term.ID, "ALIPAYPLUS", payment.StateApproved, 50)
	reversal.Kind = payment.KindReversal // not a purchase: not counted
	f.create(t, reversal)
	if n, err := p.PurchasesSince(ctx, term.ID, before); err != nil || n != 2 {
		t.Errorf("PurchasesSince a minute ago = %d, %v; want 2 (approved or not, reversals not)", n, err)
	}
	if n, err := p.PurchasesSince(ctx, term.ID, time.Now().Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("PurchasesSince an hour ahead = %d, %v; want 0", n, err)
	}
}
