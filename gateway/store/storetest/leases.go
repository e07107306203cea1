package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
)

// dueSet stores n attempts due before now, each in a state not final, and
// returns their IDs, oldest NextActionAt first.
func dueSet(t *testing.T, s payment.Store, now time.Time, n int) []string {
	t.Helper()
	states := []payment.State{payment.StatePending, payment.StateUnknown, payment.StateCancelPending, payment.StateRefundPending}
	ids := make([]string, n)
	for i := range n {
		a := newPurchase("M1", 100)
		a.State = states[i%len(states)]
		a.NextActionAt = now.Add(-time.Duration(n-i) * time.Second)
		mustCreate(t, s, a)
		ids[i] = a.ID
	}
	return ids
}

func mustClaim(t *testing.T, s payment.Store, now time.Time, owner string, leaseFor time.Duration, limit int) []string {
	t.Helper()
	claimed, err := s.ClaimDue(t.Context(), now, owner, leaseFor, limit)
	if err != nil {
		t.Fatalf("ClaimDue by %s: %v", owner, err)
	}
	return idsOf(claimed)
}

func testClaimOrder(t *testing.T, s payment.Store) {
	now := base.Add(time.Hour)
	due := dueSet(t, s, now, 5)
	late := newPurchase("M1", 100)
	late.State, late.NextActionAt = payment.StateUnknown, now.Add(time.Second) // not yet due
	mustCreate(t, s, late)
	if got := mustClaim(t, s, now, "node-a", time.Minute, 3); !equalStrings(got, due[:3]) {
		t.Errorf("ClaimDue limit 3 = %v, want the three oldest %v", got, due[:3])
	}
	// The owner's own leases do not stop it: it gets them again, and the
	// rest up to the limit.
	if got := mustClaim(t, s, now, "node-a", time.Minute, 100); !equalStrings(got, due) {
		t.Errorf("ClaimDue again by the same owner = %v, want every due attempt %v", got, due)
	}
	claimed, err := s.ClaimDue(t.Context(), now, "node-a", time.Minute, 1)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("ClaimDue = %d attempts, %v; want one", len(claimed), err)
	}
	checkSameAttempt(t, claimed[0], mustGet(t, s, due[0]))
	for name, claim := range map[string]func() error{
		"without owner": func() error { _, err := s.ClaimDue(t.Context(), now, "", time.Minute, 10); return err },
		"for no time":   func() error { _, err := s.ClaimDue(t.Context(), now, "node-a", 0, 10); return err },
		"of no attempt": func() error { _, err := s.ClaimDue(t.Context(), now, "node-a", time.Minute, 0); return err },
	} {
		if err := claim(); err == nil {
			t.Errorf("ClaimDue %s = nil error, want one", name)
		}
	}
}

func testClaimDisjoint(t *testing.T, s payment.Store) {
	const attempts, owners, limit = 60, 6, 25 // limits add up to more than there is
	now := base.Add(time.Hour)
	due := dueSet(t, s, now, attempts)
	got := make([][]string, owners)
	errs := make([]error, owners)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range owners {
		wg.Go(func() {
			<-start
			claimed, err := s.ClaimDue(t.Context(), now, fmt.Sprintf("node-%d", i), time.Minute, limit)
			got[i], errs[i] = idsOf(claimed), err
		})
	}
	close(start)
	wg.Wait()
	holder := make(map[string]int, attempts)
	for i := range owners {
		if errs[i] != nil {
			t.Fatalf("ClaimDue by node-%d: %v", i, errs[i])
		}
		for _, id := range got[i] {
			if other, taken := holder[id]; taken {
				t.Errorf("attempt %s claimed by node-%d and node-%d", id, other, i)
			}
			holder[id] = i
		}
	}
	for _, id := range due {
		if _, ok := holder[id]; !ok {
			t.Errorf("attempt %s claimed by no one, though the limits added up to more than was due", id)
		}
	}
	// Every lease holds: an owner that claimed nothing yet gets nothing,
	// and each owner gets back its own.
	if again := mustClaim(t, s, now.Add(59*time.Second), "node-late", time.Minute, attempts); len(again) != 0 {
		t.Errorf("a new owner claimed %v under unexpired leases", again)
	}
	for i := range owners {
		again := mustClaim(t, s, now, fmt.Sprintf("node-%d", i), time.Minute, attempts)
		if len(again) != len(got[i]) {
			t.Errorf("node-%d claimed again %d attempts, want its own %d", i, len(again), len(got[i]))
		}
	}
}

func testClaimExpired(t *testing.T, s payment.Store) {
	now := base.Add(time.Hour)
	due := dueSet(t, s, now, 3)
	if got := mustClaim(t, s, now, "node-a", time.Minute, 2); !equalStrings(got, due[:2]) {
		t.Fatalf("ClaimDue by node-a = %v, want %v", got, due[:2])
	}
	if got := mustClaim(t, s, now.Add(30*time.Second), "node-b", time.Minute, 10); !equalStrings(got, due[2:]) {
		t.Errorf("ClaimDue by node-b within node-a's lease = %v, want only %v", got, due[2:])
	}
	// node-a's lease ends at now+1m: from then on it is no one's. node-b's
	// own, taken at now+30s, still runs.
	if got := mustClaim(t, s, now.Add(time.Minute), "node-b", time.Minute, 10); !equalStrings(got, due) {
		t.Errorf("ClaimDue by node-b once node-a's lease ended = %v, want %v", got, due)
	}
	if got := mustClaim(t, s, now.Add(time.Minute), "node-a", time.Minute, 10); len(got) != 0 {
		t.Errorf("node-a claimed %v back under node-b's lease", got)
	}
}

func testClaimSkipsFinalAndFlagged(t *testing.T, s payment.Store) {
	now := base.Add(time.Hour)
	for _, state := range []payment.State{payment.StateApproved, payment.StateDeclined, payment.StateCancelled, payment.StateRefunded} {
		a := newPurchase("M1", 100)
		a.State, a.NextActionAt = state, now.Add(-time.Hour)
		mustCreate(t, s, a)
	}
	flagged := newPurchase("M1", 100)
	flagged.State, flagged.NextActionAt, flagged.FlaggedAt = payment.StateUnknown, now.Add(-time.Hour), now.Add(-time.Minute)
	mustCreate(t, s, flagged)
	due := dueSet(t, s, now, 2)
	if got := mustClaim(t, s, now, "node-a", time.Minute, 100); !equalStrings(got, due) {
		t.Fatalf("ClaimDue = %v, want only the due attempts %v", got, due)
	}
	// A lease is no lock on writes: another node resolves one of them, and
	// once final it is never claimed again, lease or none.
	a := mustGet(t, s, due[0])
	mustMove(t, s, a, payment.StateCancelled, "cancel_result")
	b := mustGet(t, s, due[1])
	b.FlaggedAt = now
	mustMove(t, s, b, b.State, "flagged_for_review")
	for _, owner := range []string{"node-a", "node-b"} {
		if got := mustClaim(t, s, now.Add(time.Hour), owner, time.Minute, 100); len(got) != 0 {
			t.Errorf("ClaimDue by %s = %v, want none: the rest are final or flagged", owner, got)
		}
	}
	if due, err := s.DueAttempts(t.Context(), now.Add(time.Hour), 100); err != nil || len(due) != 0 {
		t.Errorf("DueAttempts = %v, %v; want none", idsOf(due), err)
	}
}

func testClaimRenew(t *testing.T, s payment.Store) {
	now := base.Add(time.Hour)
	due := dueSet(t, s, now, 2)
	lease := time.Minute
	mustClaim(t, s, now, "node-a", lease, 10)
	// A third of the way through: less than ¾ of the lease is left, so
	// claiming again must leave node-a holding them until ¾ of a lease
	// from now at least (a store may renew them in full).
	again := now.Add(lease / 3)
	if got := mustClaim(t, s, again, "node-a", lease, 10); !equalStrings(got, due) {
		t.Fatalf("ClaimDue again by node-a = %v, want its own %v", got, due)
	}
	held := again.Add(lease * 3 / 4).Add(-time.Microsecond)
	if got := mustClaim(t, s, held, "node-b", lease, 10); len(got) != 0 {
		t.Errorf("node-b claimed %v within ¾ of the lease node-a claimed again", got)
	}
	if got := mustClaim(t, s, again.Add(lease), "node-b", lease, 10); !equalStrings(got, due) {
		t.Errorf("node-b claimed %v once node-a's lease ended for sure, want %v", got, due)
	}
}
