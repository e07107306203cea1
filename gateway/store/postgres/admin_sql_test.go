package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/adminsql"
	"github.com/meridian-gw/meridian/internal/pgtest"
)

func TestAdminQueriesUseTheirIndexes(t *testing.T) {
	t.Parallel()
	_, dsn := openTest(t, Config{})
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	// As in TestQueriesUseTheirIndexes: what is checked is that the index
	// can serve the query at all.
	if _, err := conn.Exec(t.Context(), "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	cursor := admin.TransactionCursor{CreatedAt: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC), ID: "att-1"}
	byMerchant, byMerchantArgs, err := adminsql.Transactions(dialect, admin.TransactionQuery{AcquirerID: "a", MerchantID: "M1", Before: cursor, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	audit, auditArgs, err := adminsql.AuditEvents(dialect, admin.AuditQuery{AcquirerID: "a", BeforeID: 10, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		query, index string
		args         []any
	}{
		{`SELECT id FROM attempts` + byMerchant, "attempts_merchant_created", byMerchantArgs},
		{`SELECT id FROM audit_log` + audit, "audit_log_acquirer", auditArgs},
		{queryAdminFlagged, "attempts_flagged", []any{"a", encodeDue(time.Time{}), "", 10}},
		{`SELECT p.merchant_id FROM merchant_profiles p WHERE p.acquirer_id = $1 AND p.merchant_id > $2 ORDER BY p.merchant_id LIMIT 10`,
			"merchant_profiles_acquirer", []any{"a", ""}},
		{queryAPIKeys, "api_keys_acquirer", []any{"a"}},
	} {
		rows, _ := conn.Query(t.Context(), "EXPLAIN "+q.query, q.args...)
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("explain %.60q: %v", q.query, err)
		}
		if plan := strings.Join(lines, "\n"); !strings.Contains(plan, q.index) {
			t.Errorf("plan of %.60q... does not use %s:\n%s", q.query, q.index, plan)
		}
	}
}

func TestAdminListsPageInByteOrder(t *testing.T) {
	t.Parallel()
	// Every write stamps the same time, so that transactions and flags
	// are ordered by their IDs alone.
	at := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	s, err := Open(t.Context(), localeDatabase(t), Config{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	st := s.Admin()
	const acq = "acq-bytes"
	if err := st.CreateAcquirer(t.Context(), &admin.Acquirer{ID: acq}, adminEvent(acq, "acquirer.create", "a")); err != nil {
		t.Fatal(err)
	}
	ids := []string{"Ta1", "TB1", "T-1", "t_1", "TZ9", "Tb0"}
	want := slices.Sorted(slices.Values(ids))
	for _, id := range ids {
		if _, err := st.CreateMerchant(t.Context(), nodeMerchant(acq, "M"+id), adminRequest(acq, "m"+id, "merchant.create", "m")); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddTerminal(t.Context(), &payment.Terminal{ID: id, MerchantID: "M" + ids[0]}, adminRequest(acq, "t"+id, "terminal.add", "t")); err != nil {
			t.Fatal(err)
		}
		a := nodePurchase(100)
		a.ID, a.MerchantID, a.State = id, "M"+ids[0], payment.StateUnknown
		a.FlaggedAt = at
		if err := s.CreateAttempt(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}

	var merchants, terminals, flagged []string
	mq := admin.MerchantQuery{AcquirerID: acq, Limit: 2}
	for range len(ids) { // pages of 2: the bound leaves room for a page too many
		list, err := st.Merchants(t.Context(), mq)
		if err != nil || len(list) == 0 {
			break
		}
		for _, m := range list {
			merchants = append(merchants, strings.TrimPrefix(m.ID, "M"))
		}
		mq.AfterID = list[len(list)-1].ID
	}
	tq := admin.TerminalQuery{AcquirerID: acq, Limit: 2}
	for range len(ids) { // pages of 2: the bound leaves room for a page too many
		list, err := st.Terminals(t.Context(), tq)
		if err != nil || len(list) == 0 {
			break
		}
		for _, term := range list {
			terminals = append(terminals, term.ID)
		}
		tq.AfterID = list[len(list)-1].ID
	}
	fq := admin.FlaggedQuery{AcquirerID: acq, Limit: 2}
	for range len(ids) { // pages of 2: the bound leaves room for a page too many
		list, err := st.FlaggedTransactions(t.Context(), fq)
		if err != nil || len(list) == 0 {
			break
		}
		flagged = append(flagged, attemptIDsOf(list)...)
		fq.AfterFlaggedAt, fq.AfterID = list[len(list)-1].FlaggedAt, list[len(list)-1].ID
	}
	var transactions []string
	xq := admin.TransactionQuery{AcquirerID: acq, Limit: 2}
	for range len(ids) { // pages of 2: the bound leaves room for a page too many
		list, err := st.Transactions(t.Context(), xq)
		if err != nil || len(list) == 0 {
			break
		}
		transactions = append(transactions, attemptIDsOf(list)...)
		last := list[len(list)-1]
		xq.Before = admin.TransactionCursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	newestFirst := slices.Clone(want)
	slices.Reverse(newestFirst)
	for name, got := range map[string][]string{"merchants": merchants, "terminals": terminals, "flagged": flagged} {
		if !slices.Equal(got, want) {
			t.Errorf("%s page by page = %v, want byte order %v", name, got, want)
		}
	}
	if !slices.Equal(transactions, newestFirst) {
		t.Errorf("transactions page by page = %v, want reverse byte order %v", transactions, newestFirst)
	}
}

// localeDatabase creates a database whose collation is a locale's, en-US,
// which sorts "Ta" before "TB", and returns its DSN; the database is
// dropped when t ends. t is skipped where the server cannot make one.
func localeDatabase(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(pgtest.NewSchema(t)) // skips without PostgreSQL
	if err != nil || u.Scheme == "" {
		t.Skipf("%s is not a URL naming a database to replace", pgtest.Env)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "test_locale_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(t.Context(), pgtest.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(t.Context(), `CREATE DATABASE `+name+
		` TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`)
	if err != nil {
		t.Skipf("the server cannot create a database collated as en-US: %v", err)
	}
	t.Cleanup(func() { pgtest.Exec(t, pgtest.DSN(), `DROP DATABASE `+name+` WITH (FORCE)`) })
	u.Path = "/" + name
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String()
}

func attemptIDsOf(list []*payment.Attempt) []string {
	ids := make([]string, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	return ids
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	s, dsn := openTest(t, Config{})
	if err := s.Admin().CreateAcquirer(t.Context(), &admin.Acquirer{ID: "acq"}, adminEvent("acq", "acquirer.create", "a")); err != nil {
		t.Fatal(err)
	}
	pool := connectPool(t, dsn)
	for _, statement := range []string{"UPDATE audit_log SET actor = 'forged'", "DELETE FROM audit_log", "TRUNCATE audit_log"} {
		if _, err := pool.Exec(t.Context(), statement); err == nil {
			t.Errorf("%s succeeded on the audit log", statement)
		}
	}
	events, err := s.Admin().AuditEvents(t.Context(), admin.AuditQuery{AcquirerID: "acq", Limit: 10})
	if err != nil || len(events) != 1 || events[0].Actor != "key:test" {
		t.Errorf("AuditEvents = %+v, %v; want the creation, untouched", events, err)
	}
}
