package postgres

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/internal/pgtest"
)

// Two gateway nodes share one database, each with its own pool, as two
// processes behind a load balancer would. What one node's store guards by
// itself must hold across both.

// twoNodes opens two stores on one new schema, at once, as two nodes
// starting together would (their migrations race for the advisory lock).
func twoNodes(t *testing.T) [2]*Store {
	t.Helper()
	dsn := pgtest.NewSchema(t)
	var nodes [2]*Store
	var errs [2]error
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { nodes[i], errs[i] = Open(t.Context(), dsn, Config{MaxConns: 8}) })
	}
	wg.Wait()
	for i, s := range nodes {
		if errs[i] != nil {
			t.Fatalf("Open node %d: %v", i, errs[i])
		}
		t.Cleanup(func() { _ = s.Close() })
	}
	return nodes
}

var nodeSequence atomic.Int64

func nodePurchase(minor int64) *payment.Attempt {
	n := nodeSequence.Add(1)
	return &payment.Attempt{
		ID:   fmt.Sprintf("node-att-%d", n),
		Kind: payment.KindPurchase,
		Key: payment.TerminalKey{TerminalID: fmt.Sprintf("N%07d", n), STAN: "000001",
			TransmissionTime: "0314092653"},
		MerchantID: "M1", Scheme: "alipayplus", CodeMasked: "2810********1234", RequestHash: "h",
		Amount: payment.Money{Minor: minor, Currency: "EUR"}, State: payment.StatePending,
		NextActionAt: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC),
	}
}

func move(t *testing.T, s *Store, a *payment.Attempt, state payment.State) {
	t.Helper()
	a.State = state
	if err := s.UpdateAttempt(t.Context(), a, payment.Event{Type: "test_move"}); err != nil {
		t.Fatalf("UpdateAttempt %s to %s: %v", a.ID, state, err)
	}
}

func TestTwoNodes(t *testing.T) {
	t.Parallel()

	t.Run("Refunds of one purchase sent to both nodes at once never exceed it", func(t *testing.T) {
		t.Parallel()
		nodes := twoNodes(t)
		const amount, part, tries = 1000, 30, 80 // room for 33 of the 80
		p := nodePurchase(amount)
		if err := nodes[0].CreateAttempt(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		move(t, nodes[0], p, payment.StateApproved)
		errs := make([]error, tries)
		var wg sync.WaitGroup
		for i := range tries {
			r := nodePurchase(part)
			r.Kind, r.OriginalID, r.OriginalRRN = payment.KindRefund, p.ID, p.RRN
			wg.Go(func() { errs[i] = nodes[i%2].CreateAttempt(t.Context(), r) })
		}
		wg.Wait()
		accepted := 0
		for _, err := range errs {
			switch {
			case err == nil:
				accepted++
			case !errors.Is(err, payment.ErrRefundExceeds):
				t.Errorf("refund: %v", err)
			}
		}
		if accepted != amount/part {
			t.Errorf("%d refunds of %d accepted on a purchase of %d, want %d", accepted, part, amount, amount/part)
		}
	})

	t.Run("The same terminal key sent to both nodes at once is one attempt", func(t *testing.T) {
		t.Parallel()
		nodes := twoNodes(t)
		const repeats = 40
		first := nodePurchase(500)
		errs := make([]error, repeats)
		var wg sync.WaitGroup
		for i := range repeats {
			a := nodePurchase(500)
			a.Key = first.Key
			wg.Go(func() { errs[i] = nodes[i%2].CreateAttempt(t.Context(), a) })
		}
		wg.Wait()
		created := 0
		for _, err := range errs {
			switch {
			case err == nil:
				created++
			case !errors.Is(err, payment.ErrDuplicate):
				t.Errorf("repeat: %v, want ErrDuplicate", err)
			}
		}
		if created != 1 {
			t.Fatalf("%d attempts created under one terminal key, want 1", created)
		}
		a0, err0 := nodes[0].AttemptByKey(t.Context(), payment.KindPurchase, first.Key)
		a1, err1 := nodes[1].AttemptByKey(t.Context(), payment.KindPurchase, first.Key)
		if err0 != nil || err1 != nil || a0.ID != a1.ID {
			t.Errorf("the nodes find %v (%v) and %v (%v), want the same attempt", a0, err0, a1, err1)
		}
	})

	t.Run("Both nodes claiming due attempts again and again never hold one at once", func(t *testing.T) {
		t.Parallel()
		nodes := twoNodes(t)
		const attempts, rounds, limit = 50, 20, 7
		now := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
		for range attempts {
			a := nodePurchase(100)
			a.State, a.NextActionAt = payment.StateUnknown, now.Add(-time.Hour)
			if err := nodes[0].CreateAttempt(t.Context(), a); err != nil {
				t.Fatal(err)
			}
		}
		// Each round both nodes claim at once. Rounds are a minute apart
		// and leases last a minute, so every lease of a round has ended by
		// the next: the work moves between the nodes from round to round,
		// and within a round no attempt is held by both.
		for round := range rounds {
			at := now.Add(time.Duration(round) * time.Minute)
			var claimed [2][]*payment.Attempt
			var errs [2]error
			var wg sync.WaitGroup
			for node := range nodes {
				wg.Go(func() {
					claimed[node], errs[node] = nodes[node].ClaimDue(t.Context(), at, fmt.Sprintf("node-%d", node), time.Minute, limit)
				})
			}
			wg.Wait()
			heldBy := map[string]int{}
			for node := range nodes {
				if errs[node] != nil {
					t.Fatalf("round %d: node %d: ClaimDue: %v", round, node, errs[node])
				}
				for _, a := range claimed[node] {
					if other, ok := heldBy[a.ID]; ok {
						t.Errorf("round %d: attempt %s claimed by node %d and node %d", round, a.ID, other, node)
					}
					heldBy[a.ID] = node
				}
			}
			if len(heldBy) != 2*limit {
				t.Errorf("round %d: %d attempts claimed, want %d (both nodes' limits)", round, len(heldBy), 2*limit)
			}
		}
	})

	t.Run("A reversal on one node cancels a purchase the other node's resolver holds, and the other's late approval is refused", func(t *testing.T) {
		t.Parallel()
		nodes := twoNodes(t)
		now := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
		p := nodePurchase(1200)
		p.State, p.NextActionAt = payment.StateUnknown, now.Add(-time.Second)
		if err := nodes[0].CreateAttempt(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		claimed, err := nodes[0].ClaimDue(t.Context(), now, "node-0", time.Minute, 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("node 0 claimed %d attempts, %v; want the purchase", len(claimed), err)
		}
		stale := claimed[0]
		// The terminal's reversal reaches node 1: the lease does not stop
		// it from deciding to cancel.
		reversed, err := nodes[1].Attempt(t.Context(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		reversed.Reason = payment.ReasonReversed
		move(t, nodes[1], reversed, payment.StateCancelPending)
		// Node 0's resolver, working from its stale copy, hears the
		// scheme approve: the decision to cancel stands.
		stale.State = payment.StateApproved
		err = nodes[0].UpdateAttempt(t.Context(), stale, payment.Event{Type: "inquire_result"})
		if !errors.Is(err, ErrInvariant) {
			t.Errorf("late approval over a cancel decided on the other node = %v, want ErrInvariant", err)
		}
		if got, err := nodes[0].Attempt(t.Context(), p.ID); err != nil || got.State != payment.StateCancelPending {
			t.Errorf("purchase after both writes = %v, %v; want cancel_pending", got, err)
		}
	})
}
