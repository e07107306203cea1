package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
)

// attemptOf returns an attempt of the merchant at the terminal, in state.
func attemptOf(merchantID, terminalID, scheme string, state payment.State, minor int64) *payment.Attempt {
	n := next()
	return &payment.Attempt{
		ID:   fmt.Sprintf("adm-att-%d", n),
		Kind: payment.KindPurchase,
		Key: payment.TerminalKey{TerminalID: terminalID, STAN: fmt.Sprintf("%06d", n%1_000_000),
			TransmissionTime: "0314092653"},
		MerchantID: merchantID, Scheme: scheme, CodeMasked: "2810****1234",
		RequestHash: fmt.Sprintf("hash-%d", n),
		Amount:      payment.Money{Minor: minor, Currency: "EUR"},
		Settlement:  payment.Money{Minor: minor, Currency: "EUR"},
		State:       state,
	}
}

func (f *adminFixture) create(t *testing.T, a *payment.Attempt) *payment.Attempt {
	t.Helper()
	if err := f.Payments.CreateAttempt(t.Context(), a); err != nil {
		t.Fatalf("CreateAttempt: %v", err)
	}
	return a
}

// newestFirst sorts attempts as Transactions lists them.
func newestFirst(list []*payment.Attempt) []string {
	sorted := slices.Clone(list)
	slices.SortFunc(sorted, func(a, b *payment.Attempt) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return attemptIDs(sorted)
}

func matching(list []*payment.Attempt, keep func(*payment.Attempt) bool) []*payment.Attempt {
	var out []*payment.Attempt
	for _, a := range list {
		if keep(a) {
			out = append(out, a)
		}
	}
	return out
}

// transactionWorld makes attempts of two merchants of A and one of B:
// approved Alipay+ purchases at A's first merchant, declined KakaoPay ones
// at its second, a refund of the first purchase, and B's purchases.
func transactionWorld(t *testing.T, f *adminFixture) (ofA, ofB []*payment.Attempt) {
	t.Helper()
	m1, m2, mb := f.merchant(t, f.A), f.merchant(t, f.A), f.merchant(t, f.B)
	for range 4 {
		ofA = append(ofA, f.create(t, attemptOf(m1.ID, "TX000001", "ALIPAYPLUS", payment.StateApproved, 1000)))
		ofA = append(ofA, f.create(t, attemptOf(m2.ID, "TX000002", "KAKAOPAY", payment.StateDeclined, 2000)))
		ofB = append(ofB, f.create(t, attemptOf(mb.ID, "TX000003", "ALIPAYPLUS", payment.StateApproved, 3000)))
	}
	refund := attemptOf(m1.ID, "TX000001", "ALIPAYPLUS", payment.StateApproved, 100)
	refund.Kind, refund.OriginalID, refund.OriginalRRN = payment.KindRefund, ofA[0].ID, ofA[0].RRN
	ofA = append(ofA, f.create(t, refund))
	return ofA, ofB
}

func testTransactions(t *testing.T, f *adminFixture) {
	ofA, ofB := transactionWorld(t, f)
	m1, m2 := ofA[0].MerchantID, ofA[1].MerchantID
	mid := ofA[4].CreatedAt
	tests := []struct {
		name string
		q    admin.TransactionQuery
		want []*payment.Attempt
	}{
		{"all", admin.TransactionQuery{}, ofA},
		{"one merchant", admin.TransactionQuery{MerchantID: m2}, matching(ofA, func(a *payment.Attempt) bool { return a.MerchantID == m2 })},
		{"B's merchant", admin.TransactionQuery{MerchantID: ofB[0].MerchantID}, nil},
		{"one terminal", admin.TransactionQuery{TerminalID: "TX000001"}, matching(ofA, func(a *payment.Attempt) bool { return a.MerchantID == m1 })},
		{"a scheme", admin.TransactionQuery{Scheme: "KAKAOPAY"}, matching(ofA, func(a *payment.Attempt) bool { return a.Scheme == "KAKAOPAY" })},
		{"a state", admin.TransactionQuery{States: []payment.State{payment.StateDeclined}}, matching(ofA, func(a *payment.Attempt) bool { return a.State == payment.StateDeclined })},
		{"two states", admin.TransactionQuery{States: []payment.State{payment.StateDeclined, payment.StateApproved}}, ofA},
		{"a kind", admin.TransactionQuery{Kinds: []payment.Kind{payment.KindRefund}}, ofA[len(ofA)-1:]},
		{"an RRN", admin.TransactionQuery{RRN: ofA[3].RRN}, ofA[3:4]},
		{"B's RRN", admin.TransactionQuery{RRN: ofB[0].RRN}, nil},
		{"from a time", admin.TransactionQuery{From: mid}, matching(ofA, func(a *payment.Attempt) bool { return !a.CreatedAt.Before(mid) })},
		{"before a time", admin.TransactionQuery{To: mid}, matching(ofA, func(a *payment.Attempt) bool { return a.CreatedAt.Before(mid) })},
	}
	for _, tt := range tests {
		q := tt.q
		q.AcquirerID, q.Limit = f.A, 100
		list, err := f.Admin.Transactions(t.Context(), q)
		if err != nil {
			t.Fatalf("Transactions (%s): %v", tt.name, err)
		}
		if got, want := attemptIDs(list), newestFirst(tt.want); !sameStrings(got, want) {
			t.Errorf("Transactions (%s) = %v, want %v", tt.name, got, want)
		}
	}
	list, err := f.Admin.Transactions(t.Context(), admin.TransactionQuery{AcquirerID: f.B, Limit: 100})
	if err != nil || !sameStrings(attemptIDs(list), newestFirst(ofB)) {
		t.Errorf("B's transactions = %v, %v; want only B's", attemptIDs(list), err)
	}
	if list[0].RRN == "" || list[0].Amount.Minor != 3000 {
		t.Errorf("a listed transaction reads %+v", list[0])
	}
}

func testTransactionPages(t *testing.T, f *adminFixture) {
	ofA, _ := transactionWorld(t, f)
	want := newestFirst(ofA)
	seen := map[string]int{}
	q := admin.TransactionQuery{AcquirerID: f.A, Limit: 3}
	for page := 0; page < 20; page++ {
		list, err := f.Admin.Transactions(t.Context(), q)
		if err != nil {
			t.Fatalf("Transactions: %v", err)
		}
		if len(list) == 0 {
			break
		}
		for _, a := range list {
			seen[a.ID]++
		}
		last := list[len(list)-1]
		q.Before = admin.TransactionCursor{CreatedAt: last.CreatedAt, ID: last.ID}
		// A new transaction between pages is newer than the cursor.
		f.create(t, attemptOf(ofA[0].MerchantID, "TX000001", "ALIPAYPLUS", payment.StateApproved, 1))
	}
	for _, id := range want {
		if seen[id] != 1 {
			t.Errorf("transaction %s listed %d times, want once", id, seen[id])
		}
	}
}

func testTransactionLookup(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	ofA, ofB := transactionWorld(t, f)
	a := ofA[0]
	for _, by := range []struct{ id, rrn string }{{a.ID, ""}, {"", a.RRN}} {
		got, err := f.Admin.Transaction(ctx, f.A, by.id, by.rrn)
		if err != nil || got.ID != a.ID || got.RRN != a.RRN || got.State != a.State {
			t.Errorf("Transaction(%q, %q) = %+v, %v", by.id, by.rrn, got, err)
		}
		_, err = f.Admin.Transaction(ctx, f.B, by.id, by.rrn)
		wantErr(t, fmt.Sprintf("B's Transaction(%q, %q) of A's", by.id, by.rrn), err, admin.ErrNotFound)
	}
	_, err := f.Admin.Transaction(ctx, f.A, ofB[0].ID, "")
	wantErr(t, "A's Transaction of B's ID", err, admin.ErrNotFound)
	_, err = f.Admin.Transaction(ctx, f.A, "nope", "")
	wantErr(t, "Transaction not stored", err, admin.ErrNotFound)
}

func testFlaggedTransactions(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	ma, mb := f.merchant(t, f.A), f.merchant(t, f.B)
	at := base.Add(time.Hour)
	flag := func(a *payment.Attempt, when time.Time) *payment.Attempt {
		a.FlaggedAt = when
		if err := f.Payments.UpdateAttempt(ctx, a, payment.Event{AttemptID: a.ID, Type: "flagged", At: when}); err != nil {
			t.Fatalf("UpdateAttempt: %v", err)
		}
		return a
	}
	late := flag(f.create(t, attemptOf(ma.ID, "TF000001", "ALIPAYPLUS", payment.StateUnknown, 100)), at.Add(time.Minute))
	early := flag(f.create(t, attemptOf(ma.ID, "TF000001", "ALIPAYPLUS", payment.StateCancelPending, 100)), at)
	flag(f.create(t, attemptOf(mb.ID, "TF000002", "ALIPAYPLUS", payment.StateUnknown, 100)), at)
	f.create(t, attemptOf(ma.ID, "TF000001", "ALIPAYPLUS", payment.StateUnknown, 100)) // not flagged

	list, err := f.Admin.FlaggedTransactions(ctx, admin.FlaggedQuery{AcquirerID: f.A, Limit: 100})
	if want := []string{early.ID, late.ID}; err != nil || !sameStrings(attemptIDs(list), want) {
		t.Errorf("A's flagged = %v, %v; want %v", attemptIDs(list), err, want)
	}
	list, err = f.Admin.FlaggedTransactions(ctx, admin.FlaggedQuery{AcquirerID: f.A, AfterFlaggedAt: early.FlaggedAt, AfterID: early.ID, Limit: 100})
	if err != nil || !sameStrings(attemptIDs(list), []string{late.ID}) {
		t.Errorf("A's flagged after the first = %v, %v", attemptIDs(list), err)
	}
	if list, _ := f.Admin.FlaggedTransactions(ctx, admin.FlaggedQuery{AcquirerID: f.B, Limit: 100}); len(list) != 1 || list[0].MerchantID != mb.ID {
		t.Errorf("B's flagged = %v, want B's one", attemptIDs(list))
	}
}

func testRecordRequest(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	req := request(f.A, "transaction.refund", "transactions/x", "refund x")
	req.Result = "500"
	_, _, err := f.Admin.PriorRequest(ctx, f.A, req.ID)
	wantErr(t, "PriorRequest not recorded", err, admin.ErrNotFound)
	result, repeat, err := f.Admin.RecordRequest(ctx, req)
	if err != nil || repeat || result != "500" {
		t.Fatalf("RecordRequest = %q, %v, %v; want \"500\", a first", result, repeat, err)
	}
	again := req
	again.Result = "300" // resolved differently the second time: the first stands
	result, repeat, err = f.Admin.RecordRequest(ctx, again)
	if err != nil || !repeat || result != "500" {
		t.Errorf("repeated RecordRequest = %q, %v, %v; want \"500\", a repeat", result, repeat, err)
	}
	hash, result, err := f.Admin.PriorRequest(ctx, f.A, req.ID)
	if err != nil || hash != req.Hash || result != "500" {
		t.Errorf("PriorRequest = %q, %q, %v", hash, result, err)
	}
	_, _, err = f.Admin.PriorRequest(ctx, f.B, req.ID)
	wantErr(t, "B's PriorRequest of A's request ID", err, admin.ErrNotFound)
	other := req
	other.Hash = "other"
	_, _, err = f.Admin.RecordRequest(ctx, other)
	wantErr(t, "RecordRequest reusing an ID", err, admin.ErrRequestMismatch)
	events := f.audits(t, f.A)
	if !sameStrings(actions(events), []string{"transaction.refund", "acquirer.create"}) || events[0].RequestID != req.ID {
		t.Errorf("audit = %+v, want one refund event with its request ID", events)
	}
}

func testAuditEvents(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	m := f.merchant(t, f.A)
	for range 5 {
		_, err := f.Admin.UpdateMerchant(ctx, f.A, m.ID, func(m *admin.Merchant) (*admin.AuditEvent, error) {
			m.MaxAmount++
			ev := event("", "merchant.update", "merchants/"+m.ID)
			ev.Change = `{"max_amount":{"from":1,"to":2}}`
			return &ev, nil
		})
		if err != nil {
			t.Fatalf("UpdateMerchant: %v", err)
		}
	}
	all := f.audits(t, f.A)
	if len(all) != 7 {
		t.Fatalf("audit of A has %d events, want 7: %v", len(all), actions(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID {
			t.Errorf("audit not newest first: %d after %d", all[i].ID, all[i-1].ID)
		}
	}
	if ev := all[0]; ev.Actor != "key:test" || ev.Object != "merchants/"+m.ID || ev.Change != `{"max_amount":{"from":1,"to":2}}` || ev.AcquirerID != f.A {
		t.Errorf("newest audit event = %+v", ev)
	}
	updates, err := f.Admin.AuditEvents(ctx, admin.AuditQuery{AcquirerID: f.A, Action: "merchant.update", Object: "merchants/" + m.ID, Limit: 100})
	if err != nil || len(updates) != 5 {
		t.Errorf("filtered audit = %d events, %v; want 5", len(updates), err)
	}
	var paged []int64
	q := admin.AuditQuery{AcquirerID: f.A, Limit: 2}
	for range 10 {
		list, err := f.Admin.AuditEvents(ctx, q)
		if err != nil || len(list) == 0 {
			break
		}
		for _, ev := range list {
			paged = append(paged, ev.ID)
		}
		q.BeforeID = list[len(list)-1].ID
	}
	if len(paged) != 7 || paged[0] != all[0].ID || paged[6] != all[6].ID {
		t.Errorf("audit page by page = %v", paged)
	}
	if got := actions(f.audits(t, f.B)); !sameStrings(got, []string{"acquirer.create"}) {
		t.Errorf("audit of B = %v, want only its creation", got)
	}
}
