package store

import (
	"path/filepath"
	"testing"

	"github.com/meridian-gw/meridian/gateway/store/storetest"
)

func TestAdminContract(t *testing.T) {
	storetest.RunAdminContract(t, func(t *testing.T) storetest.AdminStores {
		s, err := OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "journal.db"), Config{})
		if err != nil {
			t.Fatalf("OpenSQLite: %v", err)
		}
		return storetest.AdminStores{Admin: s.Admin(), Payments: s}
	})
}
