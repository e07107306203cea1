package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/storetest"
)

// openTest opens a store on a new file in t's temporary directory.
func openTest(t *testing.T, cfg Config) *SQLite {
	t.Helper()
	return openTestHooks(t, cfg, writerHooks{})
}

func openTestHooks(t *testing.T, cfg Config, hooks writerHooks) *SQLite {
	t.Helper()
	s, err := openSQLite(t.Context(), filepath.Join(t.TempDir(), "journal.db"), cfg, hooks)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.RunStoreContract(t, func(t *testing.T) payment.Store {
		s, err := OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "journal.db"), Config{})
		if err != nil {
			t.Fatalf("OpenSQLite: %v", err)
		}
		return s
	})
}

func TestReopenContract(t *testing.T) {
	storetest.RunReopenContract(t, func(t *testing.T) func(t *testing.T) payment.Store {
		path := filepath.Join(t.TempDir(), "journal.db")
		return func(t *testing.T) payment.Store {
			s, err := OpenSQLite(t.Context(), path, Config{})
			if err != nil {
				t.Fatalf("OpenSQLite: %v", err)
			}
			return s
		}
	})
}

func TestOpenCreatesParentDirectories(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "journal.db")
	s, err := OpenSQLite(t.Context(), path, Config{})
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file not created: %v", err)
	}
}

func TestOpenRefusesBadSettings(t *testing.T) {
	dir := t.TempDir()
	for name, open := range map[string]func() (*SQLite, error){
		"a negative batch size": func() (*SQLite, error) {
			return OpenSQLite(t.Context(), filepath.Join(dir, "a.db"), Config{BatchMax: -1})
		},
		"a path with a question mark": func() (*SQLite, error) {
			return OpenSQLite(t.Context(), filepath.Join(dir, "b.db?mode=ro"), Config{})
		},
		"an empty path": func() (*SQLite, error) { return OpenSQLite(t.Context(), "", Config{}) },
	} {
		if s, err := open(); err == nil {
			s.Close()
			t.Errorf("OpenSQLite with %s succeeded", name)
		}
	}
}

func TestPragmasInEffect(t *testing.T) {
	s := openTest(t, Config{})
	var mode string
	if err := s.readDB.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	// Reads cannot write, so no write bypasses the group commit.
	if _, err := s.readDB.ExecContext(t.Context(), "DELETE FROM merchants"); err == nil {
		t.Errorf("a read connection could write")
	}
	var pages, cache int
	if err := s.write.QueryRowContext(t.Context(), "PRAGMA wal_autocheckpoint").Scan(&pages); err != nil || pages != walCheckpointPages {
		t.Errorf("wal_autocheckpoint = %d, %v; want %d", pages, err, walCheckpointPages)
	}
	if err := s.write.QueryRowContext(t.Context(), "PRAGMA cache_size").Scan(&cache); err != nil || cache != -writerCacheKiB {
		t.Errorf("cache_size = %d, %v; want %d (KiB)", cache, err, -writerCacheKiB)
	}
}

func TestCallsAfterCloseFail(t *testing.T) {
	s := openTest(t, Config{})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	ctx := context.Background()
	if err := s.CreateAttempt(ctx, &payment.Attempt{ID: "x", Kind: payment.KindPurchase, State: payment.StatePending}); !errors.Is(err, ErrClosed) {
		t.Errorf("CreateAttempt after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Attempt(ctx, "x"); !errors.Is(err, ErrClosed) {
		t.Errorf("Attempt after Close = %v, want ErrClosed", err)
	}
}
