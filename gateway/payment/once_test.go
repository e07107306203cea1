package payment_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/meridian-gw/meridian/gateway/payment"
)

// Money safety 3: terminal repeats and duplicates get the stored response,
// never a second charge.
func TestPurchaseIsChargedExactlyOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	t.Cleanup(func() { h.CheckLedger(t) })
	ctx := context.Background()

	// concurrently sends n identical purchases and returns their answers.
	concurrently := func(t *testing.T, n int, req payment.PurchaseRequest) []*payment.Attempt {
		t.Helper()
		answers := make([]*payment.Attempt, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				answers[i], errs[i] = h.Engine.Purchase(ctx, req)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("caller %d: Purchase: %v", i, err)
			}
		}
		return answers
	}

	for _, c := range []struct {
		name  string
		minor int64
	}{
		{"ten identical purchases at once make one attempt and one charge, and every caller gets its answer", 1000},
		{"ten identical purchases at once of an amount approved after inquiries all wait for the one answer", 1091},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			req := purchaseRequest(h.NextKey(), c.minor)
			answers := concurrently(t, 10, req)
			first := answers[0]
			checkApproved(t, h, first, c.minor)
			for i, a := range answers {
				if a.ID != first.ID || a.RRN != first.RRN || a.ApprovalCode != first.ApprovalCode || a.State != first.State {
					t.Errorf("caller %d got attempt %s RRN %s code %s (%s), caller 0 got %s %s %s (%s)",
						i, a.ID, a.RRN, a.ApprovalCode, a.State, first.ID, first.RRN, first.ApprovalCode, first.State)
				}
			}
			stored, err := h.Store.AttemptByKey(ctx, payment.KindPurchase, req.Key)
			if err != nil || stored.ID != first.ID {
				t.Fatalf("AttemptByKey = %v, %v; want attempt %s", stored, err, first.ID)
			}
			p := h.Payment(t, first.ID)
			if p.Charges != 1 || p.PayCalls != 1 {
				t.Errorf("the wallet charged %d times on %d pay calls, want 1 and 1", p.Charges, p.PayCalls)
			}
		})
	}

	t.Run("a repeat with the same key and another amount is refused as a key mismatch and charges nothing", func(t *testing.T) {
		// Not parallel: it counts every payment of the harness's wallet,
		// which the other subtests add to.
		key := h.NextKey()
		a, err := h.Engine.Purchase(ctx, purchaseRequest(key, 1000))
		if err != nil {
			t.Fatalf("Purchase: %v", err)
		}
		before := len(h.Sim.Ledger().Payments())
		other, err := h.Engine.Purchase(ctx, purchaseRequest(key, 1100))
		if !errors.Is(err, payment.ErrKeyMismatch) || other != nil {
			t.Fatalf("repeat with another amount = %v, %v; want nil, ErrKeyMismatch", other, err)
		}
		otherCode := purchaseRequest(key, 1000)
		otherCode.Code = "291234567890123456"
		if other, err = h.Engine.Purchase(ctx, otherCode); !errors.Is(err, payment.ErrKeyMismatch) {
			t.Fatalf("repeat with another code = %v, %v; want nil, ErrKeyMismatch", other, err)
		}
		if after := len(h.Sim.Ledger().Payments()); after != before {
			t.Errorf("the wallet's payments went from %d to %d on refused repeats", before, after)
		}
		if p := h.Payment(t, a.ID); p.Charges != 1 || p.PayCalls != 1 {
			t.Errorf("original charged %d times on %d pay calls, want 1 and 1", p.Charges, p.PayCalls)
		}
		if stored := h.Stored(t, a.ID); stored.State != payment.StateApproved || stored.Amount.Minor != 1000 {
			t.Errorf("original stored as %s of %d, want approved of 1000", stored.State, stored.Amount.Minor)
		}
	})

	t.Run("a repeat after the answer gets the stored answer without a second pay call", func(t *testing.T) {
		t.Parallel()
		req := purchaseRequest(h.NextKey(), 1200)
		a, err := h.Engine.Purchase(ctx, req)
		if err != nil {
			t.Fatalf("Purchase: %v", err)
		}
		again, err := h.Engine.Purchase(ctx, req)
		if err != nil {
			t.Fatalf("repeat: %v", err)
		}
		if again.ID != a.ID || again.ApprovalCode != a.ApprovalCode || again.RRN != a.RRN {
			t.Errorf("repeat answered %s/%s/%s, want %s/%s/%s", again.ID, again.RRN, again.ApprovalCode, a.ID, a.RRN, a.ApprovalCode)
		}
		if calls := h.Sim.Ledger().PayCalls(a.ID); calls != 1 {
			t.Errorf("the wallet got %d pay calls, want 1", calls)
		}
	})
}
