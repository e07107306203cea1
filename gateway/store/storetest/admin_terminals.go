package storetest

import (
	"testing"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
)

func testOutlets(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	m1, m2 := f.merchant(t, f.A), f.merchant(t, f.A)
	var created []*admin.Outlet
	for _, o := range []*admin.Outlet{
		{ID: "S2", MerchantID: m1.ID, Name: "Dom", Address: "Domkloster 4", City: "Köln"},
		{ID: "S1", MerchantID: m1.ID, Name: "Ring", City: "Köln"},
		{ID: "S1", MerchantID: m2.ID, Name: "Hbf", City: "Bonn"},
	} {
		stored, err := f.Admin.CreateOutlet(ctx, o, request(f.A, "store.create", "s", o.MerchantID+o.ID))
		if err != nil {
			t.Fatalf("CreateOutlet %s/%s: %v", o.MerchantID, o.ID, err)
		}
		if stored.CreatedAt.IsZero() || stored.Name != o.Name {
			t.Errorf("CreateOutlet = %+v", stored)
		}
		created = append(created, stored)
	}
	got, err := f.Admin.Outlet(ctx, f.A, m1.ID, "S2")
	if err != nil || got.Address != "Domkloster 4" || !got.CreatedAt.Equal(created[0].CreatedAt) {
		t.Errorf("Outlet = %+v, %v", got, err)
	}
	_, err = f.Admin.CreateOutlet(ctx, &admin.Outlet{ID: "S1", MerchantID: m1.ID, Name: "x", City: "x"}, request(f.A, "store.create", "s", "dup"))
	wantErr(t, "CreateOutlet with an ID the merchant has", err, admin.ErrAlreadyExists)

	req := request(f.A, "store.create", "s", "repeat")
	first, err := f.Admin.CreateOutlet(ctx, &admin.Outlet{ID: "S9", MerchantID: m2.ID, Name: "r", City: "r"}, req)
	if err != nil {
		t.Fatalf("CreateOutlet: %v", err)
	}
	again, err := f.Admin.CreateOutlet(ctx, &admin.Outlet{ID: "S9", MerchantID: m2.ID, Name: "r", City: "r"}, req)
	if err != nil || again.ID != first.ID || !again.CreatedAt.Equal(first.CreatedAt) {
		t.Errorf("repeated CreateOutlet = %+v, %v; want %+v", again, err, first)
	}

	all, err := f.Admin.Outlets(ctx, admin.OutletQuery{AcquirerID: f.A, Limit: 100})
	want := []string{m1.ID + "/S1", m1.ID + "/S2", m2.ID + "/S1", m2.ID + "/S9"}
	if err != nil || !sameStrings(outletKeys(all), want) {
		t.Errorf("Outlets = %v, %v; want %v", outletKeys(all), err, want)
	}
	var paged []string
	q := admin.OutletQuery{AcquirerID: f.A, Limit: 1}
	for range 10 {
		list, err := f.Admin.Outlets(ctx, q)
		if err != nil || len(list) == 0 {
			break
		}
		paged = append(paged, outletKeys(list)...)
		q.AfterMerchantID, q.AfterID = list[0].MerchantID, list[0].ID
	}
	if !sameStrings(paged, want) {
		t.Errorf("Outlets page by page = %v, want %v", paged, want)
	}
	only, err := f.Admin.Outlets(ctx, admin.OutletQuery{AcquirerID: f.A, MerchantID: m2.ID, Limit: 100})
	if err != nil || !sameStrings(outletKeys(only), want[2:]) {
		t.Errorf("Outlets of %s = %v, %v", m2.ID, outletKeys(only), err)
	}
}

func outletKeys(list []*admin.Outlet) []string {
	keys := make([]string, len(list))
	for i, o := range list {
		keys[i] = o.MerchantID + "/" + o.ID
	}
	return keys
}

func testTerminals(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	m := f.merchant(t, f.A)
	if _, err := f.Admin.CreateOutlet(ctx, &admin.Outlet{ID: "S1", MerchantID: m.ID, Name: "n", City: "c"}, request(f.A, "store.create", "s", "s")); err != nil {
		t.Fatalf("CreateOutlet: %v", err)
	}
	term := &payment.Terminal{ID: "TA000001", MerchantID: m.ID, StoreID: "S1"}
	req := request(f.A, "terminal.add", "terminals/TA000001", "t1")
	stored, err := f.Admin.AddTerminal(ctx, term, req)
	if err != nil {
		t.Fatalf("AddTerminal: %v", err)
	}
	if stored.Suspended || stored.StoreID != "S1" || stored.CreatedAt.IsZero() {
		t.Errorf("AddTerminal = %+v", stored)
	}
	engine, err := f.Payments.Terminal(ctx, term.ID)
	if err != nil || engine.MerchantID != m.ID || engine.StoreID != "S1" || engine.Suspended {
		t.Errorf("the engine reads %+v, %v", engine, err)
	}
	again, err := f.Admin.AddTerminal(ctx, &payment.Terminal{ID: "TA000001", MerchantID: m.ID, StoreID: "S1"}, req)
	if err != nil || again.ID != stored.ID || !again.CreatedAt.Equal(stored.CreatedAt) {
		t.Errorf("repeated AddTerminal = %+v, %v", again, err)
	}
	_, err = f.Admin.AddTerminal(ctx, &payment.Terminal{ID: "TA000001", MerchantID: m.ID}, request(f.A, "terminal.add", "t", "dup"))
	wantErr(t, "AddTerminal with a taken ID", err, admin.ErrAlreadyExists)
	_, err = f.Admin.AddTerminal(ctx, &payment.Terminal{ID: "TA000002", MerchantID: m.ID, StoreID: "S9"}, request(f.A, "terminal.add", "t", "nostore"))
	wantErr(t, "AddTerminal to a store the merchant does not have", err, admin.ErrNotFound)
	if _, err := f.Payments.Terminal(ctx, "TA000002"); err == nil {
		t.Error("the refused terminal was stored")
	}
	f.terminal(t, f.A, m.ID)
	other := f.merchant(t, f.A)
	f.terminal(t, f.A, other.ID)
	list, err := f.Admin.Terminals(ctx, admin.TerminalQuery{AcquirerID: f.A, MerchantID: m.ID, Limit: 100})
	if err != nil || len(list) != 2 {
		t.Errorf("terminals of %s = %v, %v; want 2", m.ID, list, err)
	}
	list, err = f.Admin.Terminals(ctx, admin.TerminalQuery{AcquirerID: f.A, StoreID: "S1", Limit: 100})
	if err != nil || len(list) != 1 || list[0].ID != "TA000001" {
		t.Errorf("terminals of store S1 = %v, %v", list, err)
	}
	var paged []string
	q := admin.TerminalQuery{AcquirerID: f.A, Limit: 2}
	for range 10 {
		list, err := f.Admin.Terminals(ctx, q)
		if err != nil || len(list) == 0 {
			break
		}
		for _, term := range list {
			paged = append(paged, term.ID)
		}
		q.AfterID = list[len(list)-1].ID
	}
	if len(paged) != 3 || paged[0] >= paged[1] || paged[1] >= paged[2] {
		t.Errorf("terminals page by page = %v, want 3 in ID order", paged)
	}
}

func testTerminalUpdate(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	m := f.merchant(t, f.A)
	term := f.terminal(t, f.A, m.ID)
	var sawMerchant *admin.Merchant
	updated, err := f.Admin.UpdateTerminal(ctx, f.A, term.ID, func(t *payment.Terminal, m *admin.Merchant) (*admin.AuditEvent, error) {
		sawMerchant = m
		t.Suspended, t.MerchantID = true, "M-ELSEWHERE" // the merchant is kept
		ev := event("", "terminal.suspend", "terminals/"+t.ID)
		return &ev, nil
	})
	if err != nil || !updated.Suspended || updated.MerchantID != m.ID {
		t.Fatalf("UpdateTerminal = %+v, %v", updated, err)
	}
	if sawMerchant == nil || sawMerchant.ID != m.ID {
		t.Errorf("the change was given merchant %+v, want %s", sawMerchant, m.ID)
	}
	if engine, err := f.Payments.Terminal(ctx, term.ID); err != nil || !engine.Suspended || engine.MerchantID != m.ID {
		t.Errorf("the engine reads %+v, %v; want it suspended", engine, err)
	}
	if ev := f.audits(t, f.A)[0]; ev.Action != "terminal.suspend" || ev.AcquirerID != f.A {
		t.Errorf("last audit event = %+v", ev)
	}
}

func testTerminalIsolation(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	m := f.merchant(t, f.A)
	term := f.terminal(t, f.A, m.ID)
	if _, err := f.Admin.CreateOutlet(ctx, &admin.Outlet{ID: "S1", MerchantID: m.ID, Name: "n", City: "c"}, request(f.A, "store.create", "s", "s")); err != nil {
		t.Fatalf("CreateOutlet: %v", err)
	}
	b := f.merchant(t, f.B)

	_, err := f.Admin.Terminal(ctx, f.B, term.ID)
	wantErr(t, "B reads A's terminal", err, admin.ErrNotFound)
	_, err = f.Admin.UpdateTerminal(ctx, f.B, term.ID, func(t *payment.Terminal, _ *admin.Merchant) (*admin.AuditEvent, error) {
		t.Suspended = true
		ev := event("", "terminal.suspend", "x")
		return &ev, nil
	})
	wantErr(t, "B suspends A's terminal", err, admin.ErrNotFound)
	_, err = f.Admin.Outlet(ctx, f.B, m.ID, "S1")
	wantErr(t, "B reads A's store", err, admin.ErrNotFound)
	_, err = f.Admin.CreateOutlet(ctx, &admin.Outlet{ID: "S2", MerchantID: m.ID, Name: "n", City: "c"}, request(f.B, "store.create", "s", "b"))
	wantErr(t, "B creates a store under A's merchant", err, admin.ErrNotFound)
	_, err = f.Admin.AddTerminal(ctx, &payment.Terminal{ID: "TB000001", MerchantID: m.ID}, request(f.B, "terminal.add", "t", "b"))
	wantErr(t, "B adds a terminal to A's merchant", err, admin.ErrNotFound)
	_, err = f.Admin.AddTerminal(ctx, &payment.Terminal{ID: "TB000002", MerchantID: b.ID, StoreID: "S1"}, request(f.B, "terminal.add", "t", "b2"))
	wantErr(t, "B adds a terminal naming a store only A's merchant has", err, admin.ErrNotFound)
	// B naming A's merchant in a filter finds nothing rather than A's objects.
	list, err := f.Admin.Terminals(ctx, admin.TerminalQuery{AcquirerID: f.B, MerchantID: m.ID, Limit: 100})
	if err != nil || len(list) != 0 {
		t.Errorf("B's terminals of A's merchant = %v, %v; want none", list, err)
	}
	outlets, err := f.Admin.Outlets(ctx, admin.OutletQuery{AcquirerID: f.B, MerchantID: m.ID, Limit: 100})
	if err != nil || len(outlets) != 0 {
		t.Errorf("B's stores of A's merchant = %v, %v; want none", outletKeys(outlets), err)
	}
	if engine, _ := f.Payments.Terminal(ctx, term.ID); engine.Suspended {
		t.Error("B suspended A's terminal")
	}
}
