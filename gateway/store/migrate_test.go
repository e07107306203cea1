package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/invariant"
)

func TestReopenAppliesNoMigrationTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	for range 3 {
		s := openAt(t, path)
		var rows, version int
		err := s.readDB.QueryRowContext(t.Context(), "SELECT COUNT(*), MAX(version) FROM schema_migrations").Scan(&rows, &version)
		if err != nil {
			t.Fatal(err)
		}
		embedded, err := loadMigrations(schemaFiles, "migrations")
		if err != nil {
			t.Fatal(err)
		}
		if rows != len(embedded) || version != len(embedded) {
			t.Errorf("schema_migrations holds %d rows up to version %d, want %d", rows, version, len(embedded))
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// openConn opens a bare connection for migration tests.
func openConn(t *testing.T, path string) *sql.Conn {
	t.Helper()
	dsn, err := writerDSN(path, Config{BusyTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestMigrateAppliesOnlyNewMigrations(t *testing.T) {
	// Each script fails if run twice (CREATE TABLE without IF NOT EXISTS).
	files := fstest.MapFS{
		"m/0001_first.sql": {Data: []byte("CREATE TABLE one (x INTEGER);")},
	}
	path := filepath.Join(t.TempDir(), "m.db")
	ctx := t.Context()
	apply := func() error {
		list, err := loadMigrations(files, "m")
		if err != nil {
			t.Fatal(err)
		}
		return migrate(ctx, openConn(t, path), list, time.Now())
	}
	if err := apply(); err != nil {
		t.Fatalf("first migration: %v", err)
	}
	files["m/0002_second.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE two (y INTEGER); INSERT INTO two VALUES (2);")}
	if err := apply(); err != nil {
		t.Fatalf("second migration: %v", err)
	}
	if err := apply(); err != nil {
		t.Fatalf("nothing to migrate: %v", err)
	}
	conn := openConn(t, path)
	var y int
	if err := conn.QueryRowContext(ctx, "SELECT y FROM two").Scan(&y); err != nil || y != 2 {
		t.Errorf("migration 2 not applied: %d, %v", y, err)
	}
	// A binary that knows fewer migrations than the database refuses it.
	delete(files, "m/0002_second.sql")
	if err := apply(); err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("older binary on a newer database: %v, want a refusal", err)
	}
}

func TestMigrateFailureAppliesNothing(t *testing.T) {
	files := fstest.MapFS{
		"m/0001_good.sql": {Data: []byte("CREATE TABLE one (x INTEGER);")},
		"m/0002_bad.sql":  {Data: []byte("CREATE TABLE two (y INTEGER); THIS IS NOT SQL;")},
	}
	list, err := loadMigrations(files, "m")
	if err != nil {
		t.Fatal(err)
	}
	conn := openConn(t, filepath.Join(t.TempDir(), "m.db"))
	if err := migrate(t.Context(), conn, list, time.Now()); err == nil {
		t.Fatal("a broken migration applied")
	}
	var tables int
	if err := conn.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('one', 'two')").Scan(&tables); err != nil || tables != 0 {
		t.Errorf("%d tables left by a failed migration (%v), want none", tables, err)
	}
}

func TestLoadMigrationsRefusesGapsAndBadNames(t *testing.T) {
	for name, files := range map[string]fstest.MapFS{
		"a gap":       {"m/0001_a.sql": {}, "m/0003_c.sql": {}},
		"a repeat":    {"m/0001_a.sql": {}, "m/0001_b.sql": {}},
		"no number":   {"m/first.sql": {}},
		"zero number": {"m/0000_a.sql": {}},
	} {
		if _, err := loadMigrations(files, "m"); err == nil {
			t.Errorf("migrations with %s accepted", name)
		}
	}
}

func TestDueStatesMatchFinal(t *testing.T) {
	var want []string
	for _, s := range invariant.States {
		if !s.Final() {
			want = append(want, "'"+string(s)+"'")
		}
	}
	if got := "(" + strings.Join(want, ", ") + ")"; got != dueStates {
		t.Errorf("dueStates = %s, but the states not Final are %s", dueStates, got)
	}
	schema, err := schemaFiles.ReadFile("migrations/0001_schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(schema), "WHERE state IN "+dueStates) {
		t.Errorf("the attempts_due index does not list dueStates %s", dueStates)
	}
	for _, s := range []payment.State{payment.StateApproved, payment.StateDeclined, payment.StateCancelled, payment.StateRefunded} {
		if !s.Final() || !invariant.KnownState(s) {
			t.Errorf("state %s: Final %v, known %v", s, s.Final(), invariant.KnownState(s))
		}
	}
}

func TestQueriesUseTheirIndexes(t *testing.T) {
	s := openTest(t, Config{})
	for query, index := range map[string]string{
		queryDue:          "attempts_due",
		queryAttemptByKey: "attempts_terminal_key",
		queryAttemptByRRN: "attempts_rrn",
		queryRefundsHeld:  "attempts_original",
		queryEvents:       "events_attempt",
	} {
		plan := explain(t, s, query)
		if !strings.Contains(plan, index) {
			t.Errorf("plan of %.40q... does not use %s:\n%s", query, index, plan)
		}
	}
}

func explain(t *testing.T, s *SQLite, query string) string {
	t.Helper()
	args := make([]any, strings.Count(query, "?"))
	for i := range args {
		args[i] = "0"
	}
	rows, err := s.readDB.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	return plan.String()
}
