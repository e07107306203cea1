package postgres

import (
	"errors"
	"testing"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/store/storetest"
	"github.com/meridian-gw/meridian/internal/pgtest"
)

func TestAdminContract(t *testing.T) {
	t.Parallel()
	storetest.RunAdminContract(t, func(t *testing.T) storetest.AdminStores {
		s, err := Open(t.Context(), pgtest.NewSchema(t), Config{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return storetest.AdminStores{Admin: s.Admin(), Payments: s}
	})
}

func TestAdminCallsAfterCloseFail(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t, Config{})
	st := s.Admin()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := st.Merchant(ctx, "acq", "M1"); !errors.Is(err, ErrClosed) {
		t.Errorf("Merchant after Close = %v, want ErrClosed", err)
	}
	if _, err := st.Terminals(ctx, admin.TerminalQuery{AcquirerID: "acq", Limit: 1}); !errors.Is(err, ErrClosed) {
		t.Errorf("Terminals after Close = %v, want ErrClosed", err)
	}
	if _, _, err := st.PriorRequest(ctx, "acq", "r1"); !errors.Is(err, ErrClosed) {
		t.Errorf("PriorRequest after Close = %v, want ErrClosed", err)
	}
	err := st.CreateAcquirer(ctx, &admin.Acquirer{ID: "acq"}, adminEvent("acq", "acquirer.create", "a"))
	if !errors.Is(err, ErrClosed) {
		t.Errorf("CreateAcquirer after Close = %v, want ErrClosed", err)
	}
}
