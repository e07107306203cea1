package storetest

import (
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
)

func testDue(t *testing.T, s payment.Store) {
	now := base.Add(time.Hour)
	at := func(minutes int) time.Time { return now.Add(time.Duration(minutes) * time.Minute) }
	cases := []struct {
		state payment.State
		next  time.Time
		due   bool
	}{
		{payment.StateUnknown, at(-10), true},
		{payment.StatePending, at(-30), true},
		{payment.StateCancelPending, at(0), true}, // at now is due
		{payment.StateRefundPending, at(-20), true},
		{payment.StateUnknown, at(1), false}, // not yet
		{payment.StateApproved, at(-40), false},
		{payment.StateDeclined, at(-40), false},
		{payment.StateCancelled, at(-40), false},
		{payment.StateRefunded, at(-40), false},
	}
	var wantOrder []string // by next action time
	for _, c := range cases {
		a := newPurchase("M1", 100)
		a.State, a.NextActionAt = c.state, c.next
		mustCreate(t, s, a)
		if c.due {
			wantOrder = append(wantOrder, a.ID)
		}
	}
	// wantOrder was built in case order; sort it as the cases' times say.
	wantOrder = []string{wantOrder[1], wantOrder[3], wantOrder[0], wantOrder[2]}
	got, err := s.DueAttempts(t.Context(), now, 100)
	if err != nil {
		t.Fatalf("DueAttempts: %v", err)
	}
	if ids := idsOf(got); !equalStrings(ids, wantOrder) {
		t.Errorf("DueAttempts = %v, want %v", ids, wantOrder)
	}
	limited, err := s.DueAttempts(t.Context(), now, 2)
	if err != nil {
		t.Fatalf("DueAttempts limit 2: %v", err)
	}
	if ids := idsOf(limited); !equalStrings(ids, wantOrder[:2]) {
		t.Errorf("DueAttempts limit 2 = %v, want %v", ids, wantOrder[:2])
	}
	// An attempt resolved leaves the list; one rescheduled moves in it.
	first := got[0]
	mustMove(t, s, first, payment.StateCancelled, "cancel_result")
	second := got[1]
	second.NextActionAt = at(-5)
	mustMove(t, s, second, second.State, "retry_scheduled")
	again, err := s.DueAttempts(t.Context(), now, 100)
	if err != nil {
		t.Fatalf("DueAttempts: %v", err)
	}
	if ids, want := idsOf(again), []string{wantOrder[2], second.ID, wantOrder[3]}; !equalStrings(ids, want) {
		t.Errorf("DueAttempts after changes = %v, want %v", ids, want)
	}
}

func idsOf(list []*payment.Attempt) []string {
	ids := make([]string, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	return ids
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testFlagged(t *testing.T, s payment.Store) {
	now := base.Add(time.Hour)
	a := newPurchase("M1", 100)
	a.State, a.NextActionAt = payment.StateCancelPending, now.Add(-time.Minute)
	mustCreate(t, s, a)
	older := newPurchase("M1", 200)
	older.State, older.NextActionAt = payment.StateUnknown, now.Add(-time.Minute)
	mustCreate(t, s, older)

	older.FlaggedAt = now.Add(-2 * time.Minute)
	mustMove(t, s, older, older.State, "flagged")
	a.FlaggedAt = now
	mustMove(t, s, a, a.State, "flagged")
	due, err := s.DueAttempts(t.Context(), now, 100)
	if err != nil {
		t.Fatalf("DueAttempts: %v", err)
	}
	if len(due) != 0 {
		t.Errorf("DueAttempts = %v, want none: flagged attempts are not retried", idsOf(due))
	}
	flagged, err := s.FlaggedAttempts(t.Context(), 100)
	if err != nil {
		t.Fatalf("FlaggedAttempts: %v", err)
	}
	if ids := idsOf(flagged); !equalStrings(ids, []string{older.ID, a.ID}) {
		t.Errorf("FlaggedAttempts = %v, want %v (oldest flag first)", ids, []string{older.ID, a.ID})
	}
	// Resolved by hand (an operator's cancel confirmed), it leaves the list.
	mustMove(t, s, a, payment.StateCancelled, "cancel_result")
	flagged, err = s.FlaggedAttempts(t.Context(), 100)
	if err != nil {
		t.Fatalf("FlaggedAttempts: %v", err)
	}
	if ids := idsOf(flagged); !equalStrings(ids, []string{older.ID}) {
		t.Errorf("FlaggedAttempts after one was resolved = %v, want %v", ids, []string{older.ID})
	}
	if _, err := s.FlaggedAttempts(t.Context(), 0); err == nil {
		t.Error("FlaggedAttempts(limit 0) = nil error, want one")
	}
}
