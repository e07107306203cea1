// Package pgtest gives tests an empty PostgreSQL schema of their own, or
// skips them with a message saying how to point them at a database when
// none answers.
//
// The database is MERIDIAN_TEST_POSTGRES, default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. Each call
// creates a schema test_<random>, dropped when the test ends, so that tests
// run in parallel and leave nothing behind.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env names the variable holding the test database's URL; Default is used
// without it.
const (
	Env     = "MERIDIAN_TEST_POSTGRES"
	Default = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
)

var probe struct {
	once sync.Once
	err  error
}

// DSN is the test database's connection string.
func DSN() string {
	if dsn := os.Getenv(Env); dsn != "" {
		return dsn
	}
	return Default
}

// NewSchema creates an empty schema and returns a DSN whose search_path
// names it; the schema is dropped when tb ends. tb is skipped when
// PostgreSQL does not answer.
func NewSchema(tb testing.TB) string {
	tb.Helper()
	dsn := DSN()
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
			Redacted(dsn), probe.err, Env, Default)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	Exec(tb, dsn, "CREATE SCHEMA "+schema)
	tb.Cleanup(func() { Exec(tb, dsn, "DROP SCHEMA "+schema+" CASCADE") })
	return WithSearchPath(tb, dsn, schema)
}

// Exec runs one statement on a connection of its own.
func Exec(tb testing.TB, dsn, statement string) {
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

// WithSearchPath returns dsn with its search_path set to schema.
func WithSearchPath(tb testing.TB, dsn, schema string) string {
	tb.Helper()
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("%s: %v", Env, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Redacted is dsn without its password, for messages.
func Redacted(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && strings.Contains(dsn, "://") {
		return u.Redacted()
	}
	return "the DSN in " + Env
}
