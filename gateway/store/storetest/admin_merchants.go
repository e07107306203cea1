package storetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
)

func testMerchantCreate(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	m := newAdminMerchant(f.A, "M-CREATE-1")
	stored, err := f.Admin.CreateMerchant(ctx, m, request(f.A, "merchant.create", "merchants/"+m.ID, m.ID))
	if err != nil {
		t.Fatalf("CreateMerchant: %v", err)
	}
	if stored.CreatedAt.IsZero() || !stored.UpdatedAt.Equal(stored.CreatedAt) {
		t.Errorf("created merchant times %v, %v", stored.CreatedAt, stored.UpdatedAt)
	}
	checkAllSet(t, stored)
	got, err := f.Admin.Merchant(ctx, f.A, m.ID)
	if err != nil {
		t.Fatalf("Merchant: %v", err)
	}
	checkSameAdminMerchant(t, got, stored)

	engine, err := f.Payments.Merchant(ctx, m.ID)
	if err != nil {
		t.Fatalf("payment.Store.Merchant: %v", err)
	}
	want := stored.Payment()
	if !slices.Equal(engine.Schemes, want.Schemes) || engine.Suspended || engine.MaxAmount != want.MaxAmount ||
		engine.LegalName != want.LegalName || engine.Currency != want.Currency || engine.MCC != want.MCC {
		t.Errorf("the engine reads %+v, want %+v", engine, want)
	}
	if ev := f.audits(t, f.A)[0]; ev.Action != "merchant.create" || ev.Object != "merchants/"+m.ID || ev.RequestID == "" || ev.At.IsZero() || ev.ID == 0 {
		t.Errorf("audit event of the create = %+v", ev)
	}
}

func testMerchantTaken(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	a := f.merchant(t, f.A)
	// B names A's merchant ID: taken, and B learns no more than that.
	_, err := f.Admin.CreateMerchant(ctx, newAdminMerchant(f.B, a.ID), request(f.B, "merchant.create", "m", a.ID+"b"))
	wantErr(t, "CreateMerchant of an ID another acquirer has", err, admin.ErrAlreadyExists)
	// A merchant onboarded from configuration has no acquirer: taken too.
	if err := f.Payments.PutMerchant(ctx, &payment.Merchant{ID: "M-CONFIG", LegalName: "x", Currency: "EUR"}); err != nil {
		t.Fatalf("PutMerchant: %v", err)
	}
	_, err = f.Admin.CreateMerchant(ctx, newAdminMerchant(f.A, "M-CONFIG"), request(f.A, "merchant.create", "m", "cfg"))
	wantErr(t, "CreateMerchant of a configured merchant's ID", err, admin.ErrAlreadyExists)
	_, err = f.Admin.Merchant(ctx, f.A, "M-CONFIG")
	wantErr(t, "Merchant of a configured merchant no acquirer has", err, admin.ErrNotFound)
	if engine, _ := f.Payments.Merchant(ctx, "M-CONFIG"); engine == nil || engine.LegalName != "x" {
		t.Errorf("the refused create changed the configured merchant: %+v", engine)
	}
	if got := actions(f.audits(t, f.B)); !sameStrings(got, []string{"acquirer.create"}) {
		t.Errorf("audit of B after refused creates = %v", got)
	}
}

func testMerchantRepeat(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	m := newAdminMerchant(f.A, "M-REPEAT")
	req := request(f.A, "merchant.create", "merchants/"+m.ID, m.ID)
	first, err := f.Admin.CreateMerchant(ctx, m, req)
	if err != nil {
		t.Fatalf("CreateMerchant: %v", err)
	}
	again, err := f.Admin.CreateMerchant(ctx, newAdminMerchant(f.A, m.ID), req)
	if err != nil {
		t.Fatalf("repeated CreateMerchant: %v", err)
	}
	checkSameAdminMerchant(t, again, first)
	other := req
	other.Hash = "other content"
	_, err = f.Admin.CreateMerchant(ctx, newAdminMerchant(f.A, "M-REPEAT-2"), other)
	wantErr(t, "CreateMerchant reusing a request ID with other content", err, admin.ErrRequestMismatch)
	_, err = f.Admin.Merchant(ctx, f.A, "M-REPEAT-2")
	wantErr(t, "the merchant of the refused request", err, admin.ErrNotFound)
	if got := actions(f.audits(t, f.A)); !sameStrings(got, []string{"merchant.create", "acquirer.create"}) {
		t.Errorf("audit = %v, want one create", got)
	}
}

func testRequestIDsPerAcquirer(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	reqA := request(f.A, "merchant.create", "m", "a")
	if _, err := f.Admin.CreateMerchant(ctx, newAdminMerchant(f.A, "M-REQ-A"), reqA); err != nil {
		t.Fatalf("CreateMerchant of A: %v", err)
	}
	reqB := request(f.B, "merchant.create", "m", "b")
	reqB.ID = reqA.ID
	got, err := f.Admin.CreateMerchant(ctx, newAdminMerchant(f.B, "M-REQ-B"), reqB)
	if err != nil || got.ID != "M-REQ-B" || got.AcquirerID != f.B {
		t.Errorf("B's create under A's request ID = %+v, %v; want B's own merchant", got, err)
	}
}

func testMerchantUpdate(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	m := f.merchant(t, f.A)
	updated, err := f.Admin.UpdateMerchant(ctx, f.A, m.ID, func(m *admin.Merchant) (*admin.AuditEvent, error) {
		m.TradingName, m.Status = "Müller am Dom", admin.MerchantSuspended
		m.MarkupPercent = map[string]string{"KAKAOPAY": "2"}
		m.Limits.PurchasesPerTerminalPerDay = 100
		m.AcquirerID, m.ID = f.B, "M-OTHER" // ignored: a merchant keeps its ID and acquirer
		ev := event("", "merchant.update", "merchants/"+m.ID)
		return &ev, nil
	})
	if err != nil {
		t.Fatalf("UpdateMerchant: %v", err)
	}
	if updated.ID != m.ID || updated.AcquirerID != f.A || updated.Status != admin.MerchantSuspended ||
		updated.TradingName != "Müller am Dom" || updated.Limits.PurchasesPerTerminalPerDay != 100 ||
		!updated.CreatedAt.Equal(m.CreatedAt) || updated.UpdatedAt.Before(m.UpdatedAt) {
		t.Errorf("UpdateMerchant = %+v", updated)
	}
	got, err := f.Admin.Merchant(ctx, f.A, m.ID)
	if err != nil {
		t.Fatalf("Merchant: %v", err)
	}
	checkSameAdminMerchant(t, got, updated)
	engine, err := f.Payments.Merchant(ctx, m.ID)
	if err != nil || !engine.Suspended || engine.TradingName != "Müller am Dom" {
		t.Errorf("the engine reads %+v, %v; want the suspended, renamed merchant", engine, err)
	}
	if ev := f.audits(t, f.A)[0]; ev.Action != "merchant.update" || ev.AcquirerID != f.A {
		t.Errorf("last audit event = %+v, want the update, of A", ev)
	}
	_, err = f.Admin.UpdateMerchant(ctx, f.A, m.ID, func(m *admin.Merchant) (*admin.AuditEvent, error) {
		m.Status = admin.MerchantActive
		ev := event("", "merchant.activate", "merchants/"+m.ID)
		return &ev, nil
	})
	if engine, _ := f.Payments.Merchant(ctx, m.ID); err != nil || engine.Suspended {
		t.Errorf("after activation the engine reads %+v, %v", engine, err)
	}
}

func testMerchantUpdateNothing(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	m := f.merchant(t, f.A)
	refused := errors.New("refused by the change")
	_, err := f.Admin.UpdateMerchant(ctx, f.A, m.ID, func(m *admin.Merchant) (*admin.AuditEvent, error) {
		m.TradingName = "changed"
		return nil, refused
	})
	wantErr(t, "UpdateMerchant whose change fails", err, refused)
	same, err := f.Admin.UpdateMerchant(ctx, f.A, m.ID, func(m *admin.Merchant) (*admin.AuditEvent, error) {
		m.TradingName = "changed but no event"
		return nil, nil
	})
	if err != nil {
		t.Fatalf("UpdateMerchant without change: %v", err)
	}
	checkSameAdminMerchant(t, same, m)
	got, _ := f.Admin.Merchant(ctx, f.A, m.ID)
	checkSameAdminMerchant(t, got, m)
	if got := actions(f.audits(t, f.A)); !sameStrings(got, []string{"merchant.create", "acquirer.create"}) {
		t.Errorf("audit = %v, want no update", got)
	}
}

func testMerchantClosed(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	m := f.merchant(t, f.A)
	closeIt := func(m *admin.Merchant) (*admin.AuditEvent, error) {
		m.Status = admin.MerchantClosed
		ev := event("", "merchant.close", "merchants/"+m.ID)
		return &ev, nil
	}
	closed, err := f.Admin.UpdateMerchant(ctx, f.A, m.ID, closeIt)
	if err != nil || closed.Status != admin.MerchantClosed {
		t.Fatalf("close = %+v, %v", closed, err)
	}
	if engine, _ := f.Payments.Merchant(ctx, m.ID); !engine.Suspended {
		t.Error("the engine reads a closed merchant as not suspended")
	}
	called := false
	_, err = f.Admin.UpdateMerchant(ctx, f.A, m.ID, func(m *admin.Merchant) (*admin.AuditEvent, error) {
		called = true
		return closeIt(m)
	})
	wantErr(t, "UpdateMerchant of a closed merchant", err, admin.ErrMerchantClosed)
	if called {
		t.Error("the change of a closed merchant was called")
	}
	closedOnly, err := f.Admin.Merchants(ctx, admin.MerchantQuery{AcquirerID: f.A, Status: admin.MerchantClosed, Limit: 10})
	if err != nil || !sameStrings(merchantIDs(closedOnly), []string{m.ID}) {
		t.Errorf("closed merchants = %v, %v", merchantIDs(closedOnly), err)
	}
	_, err = f.Admin.CreateOutlet(ctx, &admin.Outlet{ID: "S1", MerchantID: m.ID, Name: "n", City: "c"}, request(f.A, "store.create", "s", "s"))
	wantErr(t, "CreateOutlet of a closed merchant", err, admin.ErrMerchantClosed)
	_, err = f.Admin.AddTerminal(ctx, &payment.Terminal{ID: "TCLOSED1", MerchantID: m.ID}, request(f.A, "terminal.add", "t", "t"))
	wantErr(t, "AddTerminal to a closed merchant", err, admin.ErrMerchantClosed)
}

func testMerchantIsolation(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	a := f.merchant(t, f.A)
	f.merchant(t, f.B)
	_, err := f.Admin.Merchant(ctx, f.B, a.ID)
	wantErr(t, "B reads A's merchant", err, admin.ErrNotFound)
	called := false
	_, err = f.Admin.UpdateMerchant(ctx, f.B, a.ID, func(m *admin.Merchant) (*admin.AuditEvent, error) {
		called = true
		m.Status = admin.MerchantSuspended
		ev := event("", "merchant.suspend", "x")
		return &ev, nil
	})
	wantErr(t, "B suspends A's merchant", err, admin.ErrNotFound)
	if called {
		t.Error("B's change of A's merchant was called")
	}
	if engine, _ := f.Payments.Merchant(ctx, a.ID); engine.Suspended {
		t.Error("B suspended A's merchant")
	}
	list, err := f.Admin.Merchants(ctx, admin.MerchantQuery{AcquirerID: f.B, Limit: 100})
	if err != nil || len(list) != 1 || list[0].AcquirerID != f.B {
		t.Errorf("B's merchants = %v, %v; want B's one", merchantIDs(list), err)
	}
	_, err = f.Admin.Merchant(ctx, "nope", a.ID)
	wantErr(t, "an unknown acquirer reads A's merchant", err, admin.ErrNotFound)
}

func testMerchantPages(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	var want []string
	for i := range 23 {
		m := f.merchant(t, f.A)
		want = append(want, m.ID)
		f.merchant(t, f.B)
		if i%5 == 0 {
			_, err := f.Admin.UpdateMerchant(ctx, f.A, m.ID, func(m *admin.Merchant) (*admin.AuditEvent, error) {
				m.Status = admin.MerchantSuspended
				ev := event("", "merchant.suspend", "x")
				return &ev, nil
			})
			if err != nil {
				t.Fatalf("suspend: %v", err)
			}
		}
	}
	slices.Sort(want)
	var got []string
	after := ""
	for range 100 {
		list, err := f.Admin.Merchants(ctx, admin.MerchantQuery{AcquirerID: f.A, AfterID: after, Limit: 7})
		if err != nil {
			t.Fatalf("Merchants: %v", err)
		}
		if len(list) == 0 {
			break
		}
		got = append(got, merchantIDs(list)...)
		after = list[len(list)-1].ID
	}
	if !sameStrings(got, want) {
		t.Errorf("pages list %v, want %v", got, want)
	}
	suspended, err := f.Admin.Merchants(ctx, admin.MerchantQuery{AcquirerID: f.A, Status: admin.MerchantSuspended, Limit: 100})
	if err != nil || len(suspended) != 5 {
		t.Errorf("suspended merchants = %v, %v; want 5", merchantIDs(suspended), err)
	}
	active, err := f.Admin.Merchants(ctx, admin.MerchantQuery{AcquirerID: f.A, Status: admin.MerchantActive, Limit: 100})
	if err != nil || len(active) != 18 {
		t.Errorf("active merchants = %d, %v; want 18", len(active), err)
	}
	if _, err := f.Admin.Merchants(ctx, admin.MerchantQuery{AcquirerID: f.A}); err == nil {
		t.Error("Merchants with limit 0 = nil error, want one")
	}
}

func testAssignMerchant(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	if err := f.Payments.PutMerchant(ctx, &payment.Merchant{ID: "M-DEMO", LegalName: "Demo", TradingName: "Demo",
		MCC: "5812", Country: "DE", City: "Berlin", Currency: "EUR", Schemes: []string{"ALIPAYPLUS"}}); err != nil {
		t.Fatalf("PutMerchant: %v", err)
	}
	if err := f.Payments.PutTerminal(ctx, &payment.Terminal{ID: "DEMO0001", MerchantID: "M-DEMO"}); err != nil {
		t.Fatalf("PutTerminal: %v", err)
	}
	m, err := f.Admin.AssignMerchant(ctx, f.A, "M-DEMO", event("", "merchant.assign", "merchants/M-DEMO"))
	if err != nil {
		t.Fatalf("AssignMerchant: %v", err)
	}
	if m.AcquirerID != f.A || m.Status != admin.MerchantActive || m.LegalName != "Demo" || m.MarkupPercent != nil {
		t.Errorf("assigned merchant = %+v", m)
	}
	if term, err := f.Admin.Terminal(ctx, f.A, "DEMO0001"); err != nil || term.MerchantID != "M-DEMO" {
		t.Errorf("A's terminal of the assigned merchant = %+v, %v", term, err)
	}
	_, err = f.Admin.AssignMerchant(ctx, f.B, "M-DEMO", event("", "merchant.assign", "x"))
	wantErr(t, "AssignMerchant of a merchant A has", err, admin.ErrAlreadyExists)
	_, err = f.Admin.AssignMerchant(ctx, f.A, "M-NONE", event("", "merchant.assign", "x"))
	wantErr(t, "AssignMerchant of no merchant", err, admin.ErrNotFound)
	_, err = f.Admin.Terminal(ctx, f.B, "DEMO0001")
	wantErr(t, "B reads the terminal", err, admin.ErrNotFound)
}
