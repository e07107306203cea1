package storetest

import (
	"testing"

	"github.com/meridian-gw/meridian/gateway/payment"
)

// RunReopenContract checks durability across a restart. newDatabase makes a
// new, empty database and returns a function that opens a store on it;
// that function is called more than once, each store closed before the
// next is opened.
func RunReopenContract(t *testing.T, newDatabase func(t *testing.T) (open func(t *testing.T) payment.Store)) {
	t.Run("Everything written is there after close and reopen", func(t *testing.T) {
		open := newDatabase(t)
		s := open(t)
		m := newMerchant("M900")
		mustPutMerchant(t, s, m)
		term := &payment.Terminal{ID: "T9000001", MerchantID: m.ID, StoreID: "S1"}
		if err := s.PutTerminal(t.Context(), term); err != nil {
			t.Fatalf("PutTerminal: %v", err)
		}
		p := approvedPurchase(t, s, 1000)
		r := newRefund(p, 400)
		mustCreate(t, s, r)
		before, err := s.Events(t.Context(), p.ID)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		s = open(t)
		defer s.Close()
		checkSameAttempt(t, mustGet(t, s, p.ID), p)
		checkSameAttempt(t, mustGet(t, s, r.ID), r)
		got, err := s.Merchant(t.Context(), m.ID)
		if err != nil {
			t.Fatalf("Merchant after reopen: %v", err)
		}
		checkSameMerchant(t, got, m)
		if _, err := s.Terminal(t.Context(), term.ID); err != nil {
			t.Errorf("Terminal after reopen: %v", err)
		}
		after, err := s.Events(t.Context(), p.ID)
		if err != nil || len(after) != len(before) {
			t.Errorf("Events after reopen = %d, %v; want %d", len(after), err, len(before))
		}
		// The RRN counter survived: a new attempt gets a new RRN, and the
		// refund still holds its amount.
		q := newPurchase("M1", 1)
		mustCreate(t, s, q)
		if q.RRN == p.RRN || q.RRN == r.RRN {
			t.Errorf("RRN %s given again after reopen", q.RRN)
		}
		mustCreate(t, s, newRefund(p, 600))
	})
}
