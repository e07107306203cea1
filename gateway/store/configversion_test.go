package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
)

// configVersion reads s's configuration generation, failing the test on
// error.
func configVersion(t *testing.T, s *SQLite) uint64 {
	t.Helper()
	v, err := s.ConfigVersion(t.Context())
	if err != nil {
		t.Fatalf("ConfigVersion: %v", err)
	}
	return v
}

func versionMerchant(id string) *payment.Merchant {
	return &payment.Merchant{ID: id, LegalName: "Version GmbH", TradingName: "Version", MCC: "5812",
		Country: "DE", City: "Bonn", Currency: "EUR", Schemes: []string{"ALIPAYPLUS"}}
}

func TestConfigVersion(t *testing.T) {
	t.Parallel()

	t.Run("Every write that may change a merchant, terminal or policy moves it on, a journal write does not", func(t *testing.T) {
		t.Parallel()
		s := openTest(t, Config{})
		as := s.Admin()
		const acq = "acq-version"
		ev := admin.AuditEvent{AcquirerID: acq, Actor: "key:test", Action: "test", Object: "version", Change: "{}"}
		writes := []struct {
			name  string
			write func(ctx context.Context) error
		}{
			{"PutMerchant", func(ctx context.Context) error { return s.PutMerchant(ctx, versionMerchant("M1")) }},
			{"PutTerminal", func(ctx context.Context) error {
				return s.PutTerminal(ctx, &payment.Terminal{ID: "T0000001", MerchantID: "M1", StoreID: "S1"})
			}},
			{"a PutTerminal that fails", func(ctx context.Context) error {
				err := s.PutTerminal(ctx, &payment.Terminal{ID: "T0000002", MerchantID: "M-NONE", StoreID: "S1"})
				if !errors.Is(err, payment.ErrNotFound) {
					return errors.New("a terminal of a merchant not stored was put")
				}
				return nil
			}},
			{"CreateAcquirer", func(ctx context.Context) error {
				return as.CreateAcquirer(ctx, &admin.Acquirer{ID: acq, Name: "Version"}, ev)
			}},
			{"AssignMerchant", func(ctx context.Context) error {
				_, err := as.AssignMerchant(ctx, acq, "M1", ev)
				return err
			}},
			{"UpdateMerchant (mark-up and limits)", func(ctx context.Context) error {
				_, err := as.UpdateMerchant(ctx, acq, "M1", func(m *admin.Merchant) (*admin.AuditEvent, error) {
					m.MarkupPercent = map[string]string{"ALIPAYPLUS": "1.50"}
					m.Limits.PurchasesPerTerminalPerDay = 5
					return &ev, nil
				})
				return err
			}},
			{"UpdateTerminal (suspend)", func(ctx context.Context) error {
				_, err := as.UpdateTerminal(ctx, acq, "T0000001", func(term *payment.Terminal, _ *admin.Merchant) (*admin.AuditEvent, error) {
					term.Suspended = true
					return &ev, nil
				})
				return err
			}},
		}
		for _, w := range writes {
			before := configVersion(t, s)
			if err := w.write(t.Context()); err != nil {
				t.Fatalf("%s: %v", w.name, err)
			}
			if after := configVersion(t, s); after <= before {
				t.Errorf("after %s the version is %d, as before", w.name, after)
			}
		}

		before := configVersion(t, s)
		if err := s.CreateAttempt(t.Context(), testPurchase()); err != nil {
			t.Fatalf("CreateAttempt: %v", err)
		}
		if after := configVersion(t, s); after != before {
			t.Errorf("a journal write moved the version from %d to %d", before, after)
		}
	})

	t.Run("A write its caller stopped waiting for moves it on again once it has committed", func(t *testing.T) {
		t.Parallel()
		g := newGate()
		s := openTestHooks(t, Config{}, g.hooks())
		done := make(chan error, 1)
		go func() { done <- s.PutMerchant(t.Context(), versionMerchant("M1")) }()
		<-g.entered
		g.release <- struct{}{}
		if err := <-done; err != nil {
			t.Fatalf("PutMerchant: %v", err)
		}

		ctx, cancel := context.WithCancel(t.Context())
		suspended := versionMerchant("M1")
		suspended.Suspended = true
		go func() { done <- s.PutMerchant(ctx, suspended) }()
		<-g.entered // the writer holds the suspension, not yet committed
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("PutMerchant abandoned: %v, want context.Canceled (may still commit)", err)
		}
		// A request now reads the version, then the merchant as it is
		// before the suspension commits: what it caches under that version
		// must not outlive the commit.
		seen := configVersion(t, s)
		if m, err := s.Merchant(t.Context(), "M1"); err != nil || m.Suspended {
			t.Fatalf("merchant before the commit: %+v, %v; want active", m, err)
		}
		if v := configVersion(t, s); v != seen {
			t.Errorf("the version moved from %d to %d with the writer held: nothing committed", seen, v)
		}
		g.release <- struct{}{} // the suspension commits
		g.release <- struct{}{} // and the writes after it

		deadline := time.Now().Add(10 * time.Second)
		for configVersion(t, s) == seen {
			if time.Now().After(deadline) {
				t.Fatalf("the version stayed %d after the abandoned write committed", seen)
			}
			time.Sleep(time.Millisecond)
		}
		if m, err := s.Merchant(t.Context(), "M1"); err != nil || !m.Suspended {
			t.Errorf("merchant once the version moved on: %+v, %v; want it suspended", m, err)
		}
	})

	t.Run("A closed store's version is ErrClosed", func(t *testing.T) {
		t.Parallel()
		s := openTest(t, Config{})
		_ = s.Close()
		if _, err := s.ConfigVersion(t.Context()); !errors.Is(err, ErrClosed) {
			t.Errorf("ConfigVersion after Close: %v, want ErrClosed", err)
		}
	})
}
