package store

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/meridian-gw/meridian/gateway/payment"
)

// rawConn opens a second, unmanaged write connection on path, as an
// operator's shell would.
func rawConn(t *testing.T, path string) *sql.DB {
	t.Helper()
	dsn, err := writerDSN(path, Config{BusyTimeout: BusyTimeoutDefault})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestEventsAreAppendOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	s := openAt(t, path)
	a := testPurchase()
	if err := s.CreateAttempt(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	db := rawConn(t, path)
	for _, statement := range []string{"UPDATE events SET detail = 'forged'", "DELETE FROM events"} {
		if _, err := db.ExecContext(t.Context(), statement); err == nil {
			t.Errorf("%s succeeded on the journal", statement)
		}
	}
	if events, err := s.Events(t.Context(), a.ID); err != nil || len(events) != 1 || events[0].Detail == "forged" {
		t.Errorf("Events = %+v, %v; want the intent untouched", events, err)
	}
}

func TestRRNReusedIsAnInvariantErrorNotADuplicate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	s := openAt(t, path)
	first := testPurchase()
	if err := s.CreateAttempt(t.Context(), first); err != nil {
		t.Fatal(err)
	}
	// Wind the counter back, as a botched restore might; the writer reads
	// the counter when the store opens.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := rawConn(t, path).ExecContext(t.Context(), "UPDATE rrn_sequence SET last = last - 1"); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path)
	err := s.CreateAttempt(t.Context(), testPurchase())
	if !errors.Is(err, ErrInvariant) || errors.Is(err, payment.ErrDuplicate) {
		t.Errorf("create meeting a used RRN = %v, want ErrInvariant and not ErrDuplicate", err)
	}
}

func TestDuplicateWrapsTheConstraintError(t *testing.T) {
	s := openTest(t, Config{})
	a := testPurchase()
	if err := s.CreateAttempt(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	again := testPurchase()
	again.Key = a.Key
	err := s.CreateAttempt(t.Context(), again)
	if !errors.Is(err, payment.ErrDuplicate) || !isUniqueViolation(err) {
		t.Errorf("duplicate = %v, want ErrDuplicate wrapping SQLite's unique constraint error", err)
	}
}
