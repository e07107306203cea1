package postgres

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meridian-gw/meridian/gateway/store/invariant"
	"github.com/meridian-gw/meridian/internal/pgtest"
)

func connectPool(t *testing.T, dsn string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func versions(t *testing.T, pool *pgxpool.Pool) []int {
	t.Helper()
	rows, _ := pool.Query(t.Context(), "SELECT version FROM schema_migrations ORDER BY version")
	list, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	return list
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	embedded, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}

	t.Run("Nodes starting at once on a new database migrate it once", func(t *testing.T) {
		t.Parallel()
		dsn := pgtest.NewSchema(t)
		const nodes = 6
		errs := make([]error, nodes)
		var wg sync.WaitGroup
		for i := range nodes {
			wg.Go(func() {
				s, err := Open(t.Context(), dsn, Config{MaxConns: 2})
				if err == nil {
					err = s.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Open of node %d: %v", i, err)
			}
		}
		got := versions(t, connectPool(t, dsn))
		if len(got) != len(embedded) || got[len(got)-1] != len(embedded) {
			t.Errorf("schema_migrations holds versions %v, want 1 to %d once each", got, len(embedded))
		}
	})

	t.Run("A database newer than this binary is refused", func(t *testing.T) {
		t.Parallel()
		s, dsn := openTest(t, Config{})
		s.Close()
		pool := connectPool(t, dsn)
		const newer = `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from_the_future.sql', now())`
		if _, err := pool.Exec(t.Context(), newer, len(embedded)+1); err != nil {
			t.Fatal(err)
		}
		if s, err := Open(t.Context(), dsn, Config{}); err == nil || !strings.Contains(err.Error(), "this binary knows") {
			if s != nil {
				s.Close()
			}
			t.Errorf("Open of a newer database = %v, want it refused", err)
		}
	})

	t.Run("A failing migration is left out whole and those before it stay applied", func(t *testing.T) {
		t.Parallel()
		dsn := pgtest.NewSchema(t)
		pool := connectPool(t, dsn)
		files := fstest.MapFS{
			"m/0001_one.sql":   {Data: []byte("CREATE TABLE one (x int)")},
			"m/0002_two.sql":   {Data: []byte("CREATE TABLE two (x int); CREATE TABLE three (")},
			"m/0003_three.sql": {Data: []byte("CREATE TABLE four (x int)")},
		}
		list, err := readMigrations(files, "m")
		if err != nil {
			t.Fatal(err)
		}
		if err := migrate(t.Context(), pool, list, time.Now()); err == nil || !strings.Contains(err.Error(), "0002_two.sql") {
			t.Fatalf("migrate with a broken second migration = %v, want its error", err)
		}
		var tables []string
		rows, _ := pool.Query(t.Context(), `SELECT table_name::text FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_name <> 'schema_migrations' ORDER BY 1`)
		if tables, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			t.Fatal(err)
		}
		if strings.Join(tables, ",") != "one" {
			t.Errorf("tables after the failure: %v, want only one's", tables)
		}
		if got := versions(t, pool); len(got) != 1 {
			t.Errorf("versions after the failure: %v, want [1]", got)
		}
	})

	t.Run("Migration files must be numbered without gap or repeat", func(t *testing.T) {
		for name, files := range map[string]fstest.MapFS{
			"a gap":       {"m/0001_a.sql": {}, "m/0003_c.sql": {}},
			"a repeat":    {"m/0001_a.sql": {}, "m/0001_b.sql": {}},
			"no number":   {"m/first.sql": {}},
			"zero number": {"m/0000_a.sql": {}},
		} {
			if _, err := readMigrations(files, "m"); err == nil {
				t.Errorf("migrations with %s accepted", name)
			}
		}
	})
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewSchema(t)
	for name, open := range map[string]func() (*Store, error){
		"a negative pool size": func() (*Store, error) { return Open(t.Context(), dsn, Config{MaxConns: -1}) },
		"a DSN it cannot parse": func() (*Store, error) {
			return Open(t.Context(), "postgres://postgres@127.0.0.1:5432/test?sslmode=bogus", Config{})
		},
		"commits that are not durable": func() (*Store, error) {
			return Open(t.Context(), dsn+"&synchronous_commit=off", Config{})
		},
		"a search_path naming no schema that exists": func() (*Store, error) {
			return Open(t.Context(), pgtest.WithSearchPath(t, pgtest.DSN(), "test_no_such_schema"), Config{})
		},
	} {
		if s, err := open(); err == nil {
			s.Close()
			t.Errorf("Open with %s succeeded", name)
		} else {
			t.Logf("Open with %s: %v", name, err)
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
	if n := strings.Count(string(schema), "WHERE state IN "+dueStates); n != 2 {
		t.Errorf("the attempts_due and attempts_flagged indexes name dueStates %d times, want 2", n)
	}
}

func TestQueriesUseTheirIndexes(t *testing.T) {
	t.Parallel()
	s, dsn := openTest(t, Config{})
	// Attempts of one merchant, analyzed: on empty tables the planner
	// cannot tell the unique RRN index from one on the merchant's
	// attempts (attempts_merchant_created), as it can on a real journal.
	for range 200 {
		if err := s.CreateAttempt(t.Context(), nodePurchase(100)); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	// On small tables a sequential scan is cheapest; what is checked is
	// that the index can serve the query at all.
	for _, statement := range []string{"ANALYZE attempts", "SET enable_seqscan = off"} {
		if _, err := conn.Exec(t.Context(), statement); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	for _, q := range []struct {
		query, index string
		args         []any
	}{
		{queryDue, "attempts_due", []any{now, 10}},
		{queryClaimDue, "attempts_due", []any{now, "node-a", now.Add(time.Minute), 10}},
		{queryClaimable, "attempts_due", []any{now, "node-a", now.Add(time.Minute), 10}},
		{queryFlagged, "attempts_flagged", []any{10}},
		{queryAttemptByKey, "attempts_terminal_key", []any{"purchase", "T1", "000001", "0314092653"}},
		{queryAttemptByRRN, "attempts_rrn", []any{"000000000001", "M1"}},
		{queryRefundsHeld, "attempts_original", []any{"p1"}},
		{queryEvents, "events_attempt", []any{"a1"}},
	} {
		rows, _ := conn.Query(t.Context(), "EXPLAIN "+q.query, q.args...)
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("explain %.40q: %v", q.query, err)
		}
		if plan := strings.Join(lines, "\n"); !strings.Contains(plan, q.index) {
			t.Errorf("plan of %.40q... does not use %s:\n%s", q.query, q.index, plan)
		}
	}
}

func TestEventsAreAppendOnly(t *testing.T) {
	t.Parallel()
	s, dsn := openTest(t, Config{})
	a := nodePurchase(100)
	if err := s.CreateAttempt(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	pool := connectPool(t, dsn)
	for _, statement := range []string{"UPDATE events SET detail = 'forged'", "DELETE FROM events", "TRUNCATE events"} {
		if _, err := pool.Exec(t.Context(), statement); err == nil {
			t.Errorf("%s succeeded on the journal", statement)
		}
	}
	if events, err := s.Events(t.Context(), a.ID); err != nil || len(events) != 1 {
		t.Errorf("Events = %d, %v; want the intent, untouched", len(events), err)
	}
}
