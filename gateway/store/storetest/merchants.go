package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
)

func newMerchant(id string) *payment.Merchant {
	return &payment.Merchant{
		ID: id, LegalName: "Café Müller GmbH", TradingName: "Café Müller", MCC: "5812",
		Country: "DE", City: "Köln", Currency: "EUR", Schemes: []string{"alipayplus", "kakaopay"},
		Suspended: true, MaxAmount: 50_000,
	}
}

func mustPutMerchant(t *testing.T, s payment.Store, m *payment.Merchant) {
	t.Helper()
	if err := s.PutMerchant(t.Context(), m); err != nil {
		t.Fatalf("PutMerchant %s: %v", m.ID, err)
	}
}

func checkSameMerchant(t *testing.T, got, want *payment.Merchant) {
	t.Helper()
	g, w := *got, *want
	if !g.CreatedAt.Equal(w.CreatedAt) || !g.UpdatedAt.Equal(w.UpdatedAt) {
		t.Errorf("merchant %s times = %v, %v; want %v, %v", w.ID, g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt)
	}
	g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("merchant:\n got %+v\nwant %+v", g, w)
	}
}

func testMerchant(t *testing.T, s payment.Store) {
	m := newMerchant("M100")
	mustPutMerchant(t, s, m)
	checkAllSet(t, m)
	got, err := s.Merchant(t.Context(), m.ID)
	if err != nil {
		t.Fatalf("Merchant: %v", err)
	}
	checkSameMerchant(t, got, m)

	created := m.CreatedAt
	changed := newMerchant(m.ID)
	changed.TradingName, changed.Schemes, changed.Suspended, changed.MaxAmount = "Müller", []string{"truemoney"}, false, 0
	mustPutMerchant(t, s, changed)
	if !changed.CreatedAt.Equal(created) || changed.UpdatedAt.Before(created) {
		t.Errorf("second put set CreatedAt %v (first %v), UpdatedAt %v", changed.CreatedAt, created, changed.UpdatedAt)
	}
	got, err = s.Merchant(t.Context(), m.ID)
	if err != nil {
		t.Fatalf("Merchant: %v", err)
	}
	checkSameMerchant(t, got, changed)
}

func testTerminal(t *testing.T, s payment.Store) {
	mustPutMerchant(t, s, newMerchant("M200"))
	mustPutMerchant(t, s, newMerchant("M201"))
	term := &payment.Terminal{ID: "T2000001", MerchantID: "M200", StoreID: "S-Köln-1", Suspended: true}
	if err := s.PutTerminal(t.Context(), term); err != nil {
		t.Fatalf("PutTerminal: %v", err)
	}
	checkAllSet(t, term)
	created := term.CreatedAt
	moved := &payment.Terminal{ID: term.ID, MerchantID: "M201", StoreID: "S-Bonn-2"}
	if err := s.PutTerminal(t.Context(), moved); err != nil {
		t.Fatalf("PutTerminal again: %v", err)
	}
	got, err := s.Terminal(t.Context(), term.ID)
	if err != nil {
		t.Fatalf("Terminal: %v", err)
	}
	if got.ID != moved.ID || got.MerchantID != "M201" || got.StoreID != "S-Bonn-2" || got.Suspended {
		t.Errorf("Terminal = %+v, want %+v", got, moved)
	}
	if !got.CreatedAt.Equal(created) || !got.UpdatedAt.Equal(moved.UpdatedAt) {
		t.Errorf("Terminal times = %v, %v; want %v, %v", got.CreatedAt, got.UpdatedAt, created, moved.UpdatedAt)
	}
}

func testMerchantNotFound(t *testing.T, s payment.Store) {
	if _, err := s.Merchant(t.Context(), "NOPE"); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("Merchant not stored = %v, want ErrNotFound", err)
	}
	if _, err := s.Terminal(t.Context(), "NOPE"); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("Terminal not stored = %v, want ErrNotFound", err)
	}
}

func testTerminalUnknownMerchant(t *testing.T, s payment.Store) {
	term := &payment.Terminal{ID: "T3000001", MerchantID: "NOPE"}
	if err := s.PutTerminal(t.Context(), term); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("PutTerminal of a merchant not stored = %v, want ErrNotFound", err)
	}
	if _, err := s.Terminal(t.Context(), term.ID); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("the refused terminal was stored: %v", err)
	}
}
