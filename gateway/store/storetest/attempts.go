package storetest

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
)

func mustCreate(t *testing.T, s payment.Store, a *payment.Attempt) {
	t.Helper()
	if err := s.CreateAttempt(t.Context(), a); err != nil {
		t.Fatalf("CreateAttempt %s: %v", a.ID, err)
	}
}

// mustMove stores a in state with an event of type typ.
func mustMove(t *testing.T, s payment.Store, a *payment.Attempt, state payment.State, typ string) {
	t.Helper()
	a.State = state
	ev := payment.Event{AttemptID: a.ID, At: base, Type: typ, Detail: string(state)}
	if err := s.UpdateAttempt(t.Context(), a, ev); err != nil {
		t.Fatalf("UpdateAttempt %s to %s: %v", a.ID, state, err)
	}
}

// approvedPurchase stores a purchase of minor and approves it.
func approvedPurchase(t *testing.T, s payment.Store, minor int64) *payment.Attempt {
	t.Helper()
	p := newPurchase("M1", minor)
	mustCreate(t, s, p)
	mustMove(t, s, p, payment.StateApproved, "pay_result")
	return p
}

func mustGet(t *testing.T, s payment.Store, id string) *payment.Attempt {
	t.Helper()
	a, err := s.Attempt(t.Context(), id)
	if err != nil {
		t.Fatalf("Attempt %s: %v", id, err)
	}
	return a
}

var rrnPattern = regexp.MustCompile(`^[0-9]{12}$`)

func testRoundTrip(t *testing.T, s payment.Store) {
	a := newPurchase("M1", 1250)
	a.Reason, a.SchemeCode, a.ApprovalCode = payment.ReasonRiskDeclined, "SUCCESS", "A1B2C3"
	a.SchemeTxnID, a.WalletBrand = "2026031400001", "ALIPAY_CN"
	a.WalletAmount = payment.Money{Minor: 9650, Currency: "CNY"}
	a.OriginalID, a.OriginalRRN = "", ""
	a.Tries = 3
	a.FlaggedAt = a.NextActionAt.Add(time.Hour)
	a.Conversion = payment.Conversion{QuoteID: "q-1", ReferenceRate: "7.7064", AppliedRate: "7.898", MarkupPercent: "2.5",
		Source: "ECB", AsOf: a.NextActionAt.Add(-24 * time.Hour), Rounding: "half_up"}
	a.Settlement = payment.Money{Minor: 1250, Currency: "EUR"}
	a.Order = payment.Order{Presented: true, QRPayload: "00020101021226...6304ABCD", QRFormat: "emvco_mpm", ExpiresAt: a.NextActionAt.Add(5 * time.Minute)}
	r := *a // a purchase never names an original: check those fields on a reversal
	r.ID, r.Kind, r.OriginalID, r.OriginalRRN = a.ID+"-rev", payment.KindReversal, a.ID, "000000000001"
	r.Key.STAN = "999999"
	for _, want := range []*payment.Attempt{a, &r} {
		mustCreate(t, s, want)
		if !rrnPattern.MatchString(want.RRN) || want.CreatedAt.IsZero() || !want.UpdatedAt.Equal(want.CreatedAt) {
			t.Fatalf("create set RRN %q, CreatedAt %v, UpdatedAt %v", want.RRN, want.CreatedAt, want.UpdatedAt)
		}
		byID := mustGet(t, s, want.ID)
		checkSameAttempt(t, byID, want)
		byKey, err := s.AttemptByKey(t.Context(), want.Kind, want.Key)
		if err != nil {
			t.Fatalf("AttemptByKey: %v", err)
		}
		checkSameAttempt(t, byKey, want)
	}
	checkAllSet(t, &r)
	byRRN, err := s.AttemptByRRN(t.Context(), a.MerchantID, a.RRN)
	if err != nil {
		t.Fatalf("AttemptByRRN: %v", err)
	}
	checkSameAttempt(t, byRRN, a)
}

func testDuplicateKey(t *testing.T, s payment.Store) {
	first := newPurchase("M1", 100)
	mustCreate(t, s, first)
	repeat := newPurchase("M1", 200)
	repeat.Key = first.Key
	before := *repeat
	err := s.CreateAttempt(t.Context(), repeat)
	if !errors.Is(err, payment.ErrDuplicate) {
		t.Fatalf("CreateAttempt with a used key: %v, want ErrDuplicate", err)
	}
	checkSameAttempt(t, repeat, &before)
	if _, err := s.Attempt(t.Context(), repeat.ID); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("the duplicate was stored: Attempt = %v, want ErrNotFound", err)
	}
	if _, err := s.Events(t.Context(), repeat.ID); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("the duplicate's events were stored: Events = %v, want ErrNotFound", err)
	}
	got, err := s.AttemptByKey(t.Context(), payment.KindPurchase, first.Key)
	if err != nil || got.ID != first.ID {
		t.Errorf("AttemptByKey = %v, %v; want the first attempt", got, err)
	}
}

func testDuplicateID(t *testing.T, s payment.Store) {
	first := newPurchase("M1", 100)
	mustCreate(t, s, first)
	again := newPurchase("M1", 100)
	again.ID = first.ID
	if err := s.CreateAttempt(t.Context(), again); !errors.Is(err, payment.ErrDuplicate) {
		t.Fatalf("CreateAttempt with a used ID: %v, want ErrDuplicate", err)
	}
	if again.RRN != "" {
		t.Errorf("a duplicate was given RRN %q", again.RRN)
	}
}

func testKeyOtherKind(t *testing.T, s payment.Store) {
	p := newPurchase("M1", 100)
	mustCreate(t, s, p)
	rev := newPurchase("M1", 100)
	rev.Kind, rev.Key, rev.State = payment.KindReversal, p.Key, payment.StateApproved
	mustCreate(t, s, rev)
	got, err := s.AttemptByKey(t.Context(), payment.KindReversal, p.Key)
	if err != nil || got.ID != rev.ID {
		t.Errorf("AttemptByKey(reversal) = %v, %v; want %s", got, err, rev.ID)
	}
}

func testNoKey(t *testing.T, s payment.Store) {
	p := approvedPurchase(t, s, 1000)
	for range 2 {
		r := newRefund(p, 100)
		r.Key = payment.TerminalKey{}
		mustCreate(t, s, r)
	}
	if _, err := s.AttemptByKey(t.Context(), payment.KindRefund, payment.TerminalKey{}); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("AttemptByKey(empty key) = %v, want ErrNotFound", err)
	}
}

func testRRNUnique(t *testing.T, s payment.Store) {
	const creates = 200
	attempts := make([]*payment.Attempt, creates)
	errs := make([]error, creates)
	var wg sync.WaitGroup
	for i := range creates {
		attempts[i] = newPurchase("M1", int64(i+1))
		wg.Go(func() { errs[i] = s.CreateAttempt(t.Context(), attempts[i]) })
	}
	wg.Wait()
	seen := make(map[string]string, creates)
	for i, a := range attempts {
		if errs[i] != nil {
			t.Fatalf("CreateAttempt %s: %v", a.ID, errs[i])
		}
		if !rrnPattern.MatchString(a.RRN) {
			t.Errorf("RRN %q is not twelve digits", a.RRN)
		}
		if other, dup := seen[a.RRN]; dup {
			t.Errorf("RRN %s given to %s and %s", a.RRN, other, a.ID)
		}
		seen[a.RRN] = a.ID
		if got := mustGet(t, s, a.ID); got.RRN != a.RRN {
			t.Errorf("%s: stored RRN %s, returned %s", a.ID, got.RRN, a.RRN)
		}
	}
}

func testByRRN(t *testing.T, s payment.Store) {
	p := approvedPurchase(t, s, 500)
	if _, err := s.AttemptByRRN(t.Context(), "OTHER", p.RRN); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("AttemptByRRN of another merchant = %v, want ErrNotFound", err)
	}
	r := newRefund(p, 100)
	mustCreate(t, s, r)
	if _, err := s.AttemptByRRN(t.Context(), r.MerchantID, r.RRN); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("AttemptByRRN of a refund's RRN = %v, want ErrNotFound (purchases only)", err)
	}
	if _, err := s.AttemptByRRN(t.Context(), p.MerchantID, "999999999999"); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("AttemptByRRN of an RRN never given = %v, want ErrNotFound", err)
	}
}

func testUpdateEvents(t *testing.T, s payment.Store) {
	a := newPurchase("M1", 700)
	a.Order = payment.Order{Presented: true}
	mustCreate(t, s, a)
	created := a.UpdatedAt
	a.State, a.Tries, a.NextActionAt = payment.StateUnknown, 1, base.Add(time.Minute)
	a.SchemeCode = "PROCESSING"
	// The order's QR comes after the intent: an update writes it.
	a.Order = payment.Order{Presented: true, QRPayload: "https://qr.example/o/1", QRFormat: "url", ExpiresAt: base.Add(5 * time.Minute)}
	if err := s.UpdateAttempt(t.Context(), a, payment.Event{AttemptID: a.ID, At: base.Add(time.Second), Type: "pay_unknown", Detail: "no answer"}); err != nil {
		t.Fatalf("UpdateAttempt: %v", err)
	}
	if a.UpdatedAt.Before(created) {
		t.Errorf("UpdatedAt went back from %v to %v", created, a.UpdatedAt)
	}
	if err := s.AppendEvent(t.Context(), payment.Event{AttemptID: a.ID, At: base.Add(2 * time.Second), Type: "inquire_sent"}); err != nil {
		t.Fatalf("AppendEvent: %v", err)
	}
	a.State, a.ApprovalCode, a.SchemeTxnID, a.WalletBrand = payment.StateApproved, "X9Y8Z7", "T-1", "KAKAOPAY"
	a.WalletAmount = payment.Money{Minor: 1_000_000, Currency: "KRW"}
	// An earlier time than the event before it: order is the journal's,
	// not the clock's.
	if err := s.UpdateAttempt(t.Context(), a, payment.Event{AttemptID: a.ID, At: base, Type: "inquire_result", Detail: "approved"}); err != nil {
		t.Fatalf("UpdateAttempt: %v", err)
	}
	checkSameAttempt(t, mustGet(t, s, a.ID), a)
	events, err := s.Events(t.Context(), a.ID)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	want := []payment.Event{
		{AttemptID: a.ID, At: a.CreatedAt, Type: "intent"},
		{AttemptID: a.ID, At: base.Add(time.Second), Type: "pay_unknown", Detail: "no answer"},
		{AttemptID: a.ID, At: base.Add(2 * time.Second), Type: "inquire_sent"},
		{AttemptID: a.ID, At: base, Type: "inquire_result", Detail: "approved"},
	}
	if len(events) != len(want) {
		t.Fatalf("Events = %+v, want %d events", events, len(want))
	}
	for i, ev := range events {
		w := want[i]
		if ev.AttemptID != w.AttemptID || ev.Type != w.Type || !ev.At.Equal(w.At) || (i > 0 && ev.Detail != w.Detail) {
			t.Errorf("event %d = %+v, want %+v", i, ev, w)
		}
	}
}

func testUpdateNotFound(t *testing.T, s payment.Store) {
	ghost := newPurchase("M1", 100)
	ghost.RRN = "000000000042"
	err := s.UpdateAttempt(t.Context(), ghost, payment.Event{AttemptID: ghost.ID, At: base, Type: "pay_result"})
	if !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("UpdateAttempt of an attempt not stored = %v, want ErrNotFound", err)
	}
	err = s.AppendEvent(t.Context(), payment.Event{AttemptID: ghost.ID, At: base, Type: "note"})
	if !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("AppendEvent to an attempt not stored = %v, want ErrNotFound", err)
	}
	if _, err := s.Events(t.Context(), ghost.ID); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("Events of an attempt not stored = %v, want ErrNotFound", err)
	}
	if _, err := s.Attempt(t.Context(), ghost.ID); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("Attempt not stored = %v, want ErrNotFound", err)
	}
	if _, err := s.AttemptByKey(t.Context(), payment.KindPurchase, ghost.Key); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("AttemptByKey not stored = %v, want ErrNotFound", err)
	}
}

func testFinalStays(t *testing.T, s payment.Store) {
	for _, final := range []payment.State{payment.StateDeclined, payment.StateCancelled, payment.StateRefunded} {
		a := newPurchase("M1", 100)
		mustCreate(t, s, a)
		mustMove(t, s, a, final, "result")
		for _, back := range []payment.State{payment.StatePending, payment.StateUnknown, payment.StateApproved} {
			moved := *a
			moved.State = back
			if err := s.UpdateAttempt(t.Context(), &moved, payment.Event{AttemptID: a.ID, At: base, Type: "bad"}); err == nil {
				t.Errorf("a %s purchase moved to %s", final, back)
			}
		}
		if got := mustGet(t, s, a.ID); got.State != final {
			t.Errorf("state after refused moves = %s, want %s", got.State, final)
		}
		mustMove(t, s, a, final, "retry_noted") // staying final is allowed
	}
	// An approved purchase reversed must still be undone.
	p := approvedPurchase(t, s, 100)
	mustMove(t, s, p, payment.StateCancelPending, "reversal")
	mustMove(t, s, p, payment.StateRefundPending, "cancel_result")
	mustMove(t, s, p, payment.StateRefunded, "refund_result")
	// A decision to cancel is never taken back: a late approval must not
	// overwrite it (a reversal that won a race with the scheme's answer).
	for _, undoing := range []payment.State{payment.StateCancelPending, payment.StateRefundPending} {
		u := newPurchase("M1", 100)
		mustCreate(t, s, u)
		mustMove(t, s, u, undoing, "cancel_decided")
		for _, back := range []payment.State{payment.StatePending, payment.StateUnknown, payment.StateApproved, payment.StateDeclined} {
			moved := *u
			moved.State = back
			if err := s.UpdateAttempt(t.Context(), &moved, payment.Event{AttemptID: u.ID, At: base, Type: "bad"}); err == nil {
				t.Errorf("a %s purchase moved back to %s", undoing, back)
			}
		}
	}
	// An approved refund is not undone.
	q := approvedPurchase(t, s, 100)
	r := newRefund(q, 50)
	mustCreate(t, s, r)
	mustMove(t, s, r, payment.StateApproved, "refund_result")
	r.State = payment.StateCancelPending
	if err := s.UpdateAttempt(t.Context(), r, payment.Event{AttemptID: r.ID, At: base, Type: "bad"}); err == nil {
		t.Errorf("an approved refund moved to cancel_pending")
	}
}

func testInvariants(t *testing.T, s payment.Store) {
	bad := map[string]func(a *payment.Attempt){
		"no ID":                 func(a *payment.Attempt) { a.ID = "" },
		"no kind":               func(a *payment.Attempt) { a.Kind = "" },
		"unknown state":         func(a *payment.Attempt) { a.State = "limbo" },
		"negative amount":       func(a *payment.Attempt) { a.Amount.Minor = -1 },
		"negative wallet":       func(a *payment.Attempt) { a.WalletAmount.Minor = -1 },
		"refund without origin": func(a *payment.Attempt) { a.Kind = payment.KindRefund },
	}
	for name, spoil := range bad {
		a := newPurchase("M1", 100)
		spoil(a)
		if err := s.CreateAttempt(t.Context(), a); err == nil || errors.Is(err, payment.ErrDuplicate) {
			t.Errorf("create with %s: %v, want an invariant error", name, err)
		}
	}
	a := newPurchase("M1", 100)
	mustCreate(t, s, a)
	changes := map[string]func(b *payment.Attempt){
		"amount":   func(b *payment.Attempt) { b.Amount.Minor++ },
		"currency": func(b *payment.Attempt) { b.Amount.Currency = "USD" },
		"kind":     func(b *payment.Attempt) { b.Kind = payment.KindReversal },
		"no ID":    func(b *payment.Attempt) { b.ID = "" },
	}
	for name, change := range changes {
		b := *a
		change(&b)
		if err := s.UpdateAttempt(t.Context(), &b, payment.Event{AttemptID: a.ID, At: base, Type: "bad"}); err == nil {
			t.Errorf("update changing %s succeeded", name)
		}
	}
	if err := s.AppendEvent(t.Context(), payment.Event{AttemptID: a.ID, At: base}); err == nil {
		t.Errorf("an event without type was appended")
	}
	checkSameAttempt(t, mustGet(t, s, a.ID), a)
	if events, err := s.Events(t.Context(), a.ID); err != nil || len(events) != 1 {
		t.Errorf("Events = %d, %v; want the intent alone", len(events), err)
	}
}

func testCancelledContext(t *testing.T, s payment.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	a := newPurchase("M1", 100)
	if err := s.CreateAttempt(ctx, a); !errors.Is(err, context.Canceled) {
		t.Fatalf("CreateAttempt with a cancelled context = %v, want context.Canceled", err)
	}
	if a.RRN != "" {
		t.Errorf("RRN %q set on a failed create", a.RRN)
	}
	if _, err := s.Attempt(t.Context(), a.ID); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("Attempt after a cancelled create = %v, want ErrNotFound", err)
	}
	if err := s.PutMerchant(ctx, &payment.Merchant{ID: "M-cancelled"}); !errors.Is(err, context.Canceled) {
		t.Errorf("PutMerchant with a cancelled context = %v, want context.Canceled", err)
	}
}

func testConversionFixed(t *testing.T, s payment.Store) {
	a := newPurchase("M1", 1000)
	a.Conversion = payment.Conversion{QuoteID: "q-fixed", ReferenceRate: "1461.25", AppliedRate: "1497.78", MarkupPercent: "2.5",
		Source: "ECB", AsOf: base, Rounding: "half_even"}
	a.WalletAmount = payment.Money{Minor: 14978, Currency: "KRW"}
	a.Settlement = payment.Money{Minor: 1000, Currency: "EUR"}
	mustCreate(t, s, a)
	want := a.Conversion
	changed := *a
	changed.Conversion.AppliedRate, changed.Conversion.QuoteID = "9999", "q-other"
	changed.Settlement.Minor = 1
	mustMove(t, s, &changed, payment.StateApproved, "pay_result")
	got := mustGet(t, s, a.ID)
	if got.Conversion.QuoteID != want.QuoteID || got.Conversion.AppliedRate != want.AppliedRate || got.Settlement.Minor != 1000 {
		t.Errorf("after an update the conversion is %+v and settlement %+v; want the ones it was created with", got.Conversion, got.Settlement)
	}
	if got.State != payment.StateApproved {
		t.Errorf("state %s, want approved: the update itself went through", got.State)
	}
}
