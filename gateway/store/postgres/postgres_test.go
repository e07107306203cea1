package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/storetest"
)

// The tests need a PostgreSQL database they may create schemas in. Each
// test gets a schema of its own (test_<random>), dropped when it ends, so
// that tests run in parallel and leave nothing behind.
const (
	dsnEnv     = "MERIDIAN_TEST_POSTGRES"
	dsnDefault = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
)

var probe struct {
	once sync.Once
	err  error
}

func testDSN() string {
	if dsn := os.Getenv(dsnEnv); dsn != "" {
		return dsn
	}
	return dsnDefault
}

// newSchema creates an empty schema and returns a DSN whose search_path
// names it; the schema is dropped when tb ends. tb is skipped when
// PostgreSQL does not answer.
func newSchema(tb testing.TB) string {
	tb.Helper()
	dsn := testDSN()
	probe.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		probe.err = err
	})
	if probe.err != nil {
		tb.Skipf("PostgreSQL does not answer at %s (%v): set %s to the URL of a database these tests may create schemas in, e.g. %s",
			redacted(dsn), probe.err, dsnEnv, dsnDefault)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	admin(tb, dsn, "CREATE SCHEMA "+schema)
	tb.Cleanup(func() { admin(tb, dsn, "DROP SCHEMA "+schema+" CASCADE") })
	return withSearchPath(tb, dsn, schema)
}

// admin runs one statement on a connection of its own.
func admin(tb testing.TB, dsn, statement string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, statement); err != nil {
		tb.Fatalf("%s: %v", statement, err)
	}
}

func withSearchPath(tb testing.TB, dsn, schema string) string {
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("%s: %v", dsnEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func redacted(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && strings.Contains(dsn, "://") {
		return u.Redacted()
	}
	return "the DSN in " + dsnEnv
}

// openTest opens a store on a new schema, closed when t ends.
func openTest(t *testing.T, cfg Config) (*Store, string) {
	t.Helper()
	dsn := newSchema(t)
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
		s, err := Open(t.Context(), newSchema(t), Config{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

func TestReopenContract(t *testing.T) {
	t.Parallel()
	storetest.RunReopenContract(t, func(t *testing.T) func(t *testing.T) payment.Store {
		dsn := newSchema(t)
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
