package admin_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store"
	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

func TestBootstrapCreatesTheAcquirerOnceAndIssuesAKeyEachTime(t *testing.T) {
	db, err := store.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "m.db"), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	first, key1, err := admin.Bootstrap(t.Context(), db.Admin(), "demo", "Demo Acquirer")
	if err != nil || first.ID != "demo" || first.Status != admin.AcquirerActive {
		t.Fatalf("Bootstrap = %+v, %v", first, err)
	}
	again, key2, err := admin.Bootstrap(t.Context(), db.Admin(), "demo", "Demo Acquirer")
	if err != nil || again.ID != "demo" || !again.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("second Bootstrap = %+v, %v", again, err)
	}
	if key1 == key2 {
		t.Error("both bootstraps returned the same key")
	}
	keys, err := db.Admin().APIKeys(t.Context(), "demo")
	if err != nil || len(keys) != 2 {
		t.Errorf("keys = %v, %v; want 2", keys, err)
	}
	for _, k := range keys {
		if k.CreatedBy != "operator" || len(k.SecretHash) != 32 {
			t.Errorf("key %+v", k)
		}
	}
	acquirers, _ := db.Admin().Acquirers(t.Context())
	if len(acquirers) != 1 {
		t.Errorf("%d acquirers, want 1", len(acquirers))
	}
}

func TestOperatorRefusesMalformedAcquirersAndAssignsConfiguredMerchants(t *testing.T) {
	w := newWorld(t, worldOptions{})
	op := admin.Operator{Store: w.DB.Admin()}
	for _, bad := range []struct{ id, name string }{{"", "x"}, {"a b", "x"}, {"ok", ""}, {"x234567890123456789012345678901234", "x"}} {
		if _, err := op.CreateAcquirer(t.Context(), bad.id, bad.name); err == nil {
			t.Errorf("CreateAcquirer(%q, %q) = nil error", bad.id, bad.name)
		}
	}
	if _, err := op.CreateAcquirer(t.Context(), acquirerA, "again"); !errors.Is(err, admin.ErrAlreadyExists) {
		t.Errorf("CreateAcquirer of a taken ID = %v, want ErrAlreadyExists", err)
	}
	// A merchant onboarded from the configuration file, as meridiand does.
	w.onboard(t, w.KeyB, "M-HAS-B", "THASB001")
	if _, err := op.AssignMerchant(t.Context(), acquirerA, "M-HAS-B"); !errors.Is(err, admin.ErrAlreadyExists) {
		t.Errorf("AssignMerchant of B's merchant to A = %v, want ErrAlreadyExists", err)
	}
	if err := w.DB.PutMerchant(t.Context(), newMerchantRow("M-CONFIG")); err != nil {
		t.Fatal(err)
	}
	if _, err := op.AssignMerchant(t.Context(), acquirerA, "M-CONFIG"); err != nil {
		t.Fatalf("AssignMerchant: %v", err)
	}
	m, err := w.clients().Merchants.GetMerchant(as(t, w.KeyA), &adminv1.GetMerchantRequest{MerchantId: "M-CONFIG"})
	if err != nil || m.GetAcquirerId() != acquirerA {
		t.Errorf("A's GetMerchant of the assigned merchant = %v, %v", m, err)
	}
}

func newMerchantRow(id string) *payment.Merchant {
	return &payment.Merchant{ID: id, LegalName: "Configured", TradingName: "Configured", MCC: "5999",
		Country: "DE", City: "Berlin", Currency: "EUR", Schemes: []string{"ALIPAYPLUS"}}
}
