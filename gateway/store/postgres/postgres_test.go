package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/storetest"
	"github.com/meridian-gw/meridian/internal/pgtest"
)

// openTest opens a store on a new schema, closed when t ends.
func openTest(t *testing.T, cfg Config) (*Store, string) {
	t.Helper()
	dsn := pgtest.NewSchema(t)
	s, err := Open(t.Context(), dsn, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, dsn
}

func TestContract(t *testing.T) {
	t.Parallel()
	storetest.RunStoreContract(t, func(t *testing.T) payment.Store {
		s, err := Open(t.Context(), pgtest.NewSchema(t), Config{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

func TestReopenContract(t *testing.T) {
	t.Parallel()
	storetest.RunReopenContract(t, func(t *testing.T) func(t *testing.T) payment.Store {
		dsn := pgtest.NewSchema(t)
		return func(t *testing.T) payment.Store {
			s, err := Open(t.Context(), dsn, Config{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			return s
		}
	})
}

func TestCallsAfterCloseFail(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t, Config{})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	ctx := context.Background()
	a := &payment.Attempt{ID: "x", Kind: payment.KindPurchase, State: payment.StatePending}
	if err := s.CreateAttempt(ctx, a); !errors.Is(err, ErrClosed) {
		t.Errorf("CreateAttempt after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Attempt(ctx, "x"); !errors.Is(err, ErrClosed) {
		t.Errorf("Attempt after Close = %v, want ErrClosed", err)
	}
	if _, err := s.ClaimDue(ctx, time.Now(), "node-a", time.Minute, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("ClaimDue after Close = %v, want ErrClosed", err)
	}
}
