package adminsql

import (
	"fmt"
	"strings"
	"time"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/store/invariant"
)

// Dialect is how one SQL engine spells what the shared clauses leave open.
type Dialect struct {
	// Param returns the marker of the n-th argument of a query, counted
	// from 1: "?" in SQLite, "$n" in PostgreSQL.
	Param func(n int) string
	// Time encodes a time as an argument compared with the engine's time
	// columns. The zero time must encode as a time before every stored
	// one, so that a cursor at the zero time starts at the very first.
	Time func(time.Time) any
	// Bytewise returns a text column compared and ordered byte by byte,
	// whatever the collation it was declared with: the order of Go's
	// string comparison, in which callers page, and the same order on
	// every engine, so that a list pages alike on each.
	Bytewise func(column string) string
}

// list is a list query being built: its WHERE terms and their arguments.
type list struct {
	d     Dialect
	terms []string
	args  []any
}

// where adds a term; each %s in term stands for one of args, in order.
func (l *list) where(term string, args ...any) {
	markers := make([]any, len(args))
	for i, v := range args {
		l.args = append(l.args, v)
		markers[i] = l.d.Param(len(l.args))
	}
	l.terms = append(l.terms, fmt.Sprintf(term, markers...))
}

// equal adds column = value, unless value is empty: a filter left unset
// matches any.
func (l *list) equal(column, value string) {
	if value != "" {
		l.where(column+" = %s", value)
	}
}

// in adds column IN (values...), unless values is empty.
func in[T ~string](l *list, column string, values []T) {
	if len(values) == 0 {
		return
	}
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = string(v)
	}
	l.where(column+" IN ("+strings.TrimSuffix(strings.Repeat("%s, ", len(values)), ", ")+")", args...)
}

// clause returns the WHERE, ORDER BY and LIMIT clauses, and the
// arguments in the order of their markers.
func (l *list) clause(order string, limit int) (string, []any) {
	l.args = append(l.args, limit)
	return " WHERE " + strings.Join(l.terms, " AND ") + " ORDER BY " + order +
		" LIMIT " + l.d.Param(len(l.args)), l.args
}

// OfAcquirer is the term keeping attempts to those of an acquirer's
// merchants, with %s for the acquirer's ID. The subquery leaves the
// attempts' columns unqualified, so that a store reads them as it does
// everywhere.
const OfAcquirer = `merchant_id IN (SELECT merchant_id FROM merchant_profiles WHERE acquirer_id = %s)`

// Transactions returns the clauses that select from attempts what q
// selects, newest first (created_at, then ID, descending), and their
// arguments; an error for a limit that is not positive or a time the
// journal cannot hold.
func Transactions(d Dialect, q admin.TransactionQuery) (string, []any, error) {
	if err := CheckLimit(q.Limit); err != nil {
		return "", nil, err
	}
	for name, t := range map[string]time.Time{"from": q.From, "to": q.To, "cursor": q.Before.CreatedAt} {
		if err := invariant.CheckTime(name, t); err != nil {
			return "", nil, err
		}
	}
	l := &list{d: d}
	l.where(OfAcquirer, q.AcquirerID)
	l.equal("merchant_id", q.MerchantID)
	l.equal("terminal_id", q.TerminalID)
	l.equal("scheme", q.Scheme)
	l.equal("rrn", q.RRN)
	if !q.From.IsZero() {
		l.where("created_at >= %s", d.Time(q.From))
	}
	if !q.To.IsZero() {
		l.where("created_at < %s", d.Time(q.To))
	}
	in(l, "state", q.States)
	in(l, "kind", q.Kinds)
	id := d.Bytewise("id")
	if !q.Before.CreatedAt.IsZero() || q.Before.ID != "" {
		l.where("(created_at, "+id+") < (%s, %s)", d.Time(q.Before.CreatedAt), q.Before.ID)
	}
	query, args := l.clause("created_at DESC, "+id+" DESC", q.Limit)
	return query, args, nil
}

// Terminals returns the clauses that select what q selects from
// `terminals t JOIN merchant_profiles p ON p.merchant_id = t.merchant_id`,
// in ID order, and their arguments.
func Terminals(d Dialect, q admin.TerminalQuery) (string, []any, error) {
	if err := CheckLimit(q.Limit); err != nil {
		return "", nil, err
	}
	id := d.Bytewise("t.id")
	l := &list{d: d}
	l.where("p.acquirer_id = %s", q.AcquirerID)
	l.where(id+" > %s", q.AfterID)
	l.equal("t.merchant_id", q.MerchantID)
	l.equal("t.store_id", q.StoreID)
	query, args := l.clause(id, q.Limit)
	return query, args, nil
}

// Outlets returns the clauses that select what q selects from
// `merchant_stores s JOIN merchant_profiles p ON p.merchant_id =
// s.merchant_id`, in (merchant ID, ID) order, and their arguments.
func Outlets(d Dialect, q admin.OutletQuery) (string, []any, error) {
	if err := CheckLimit(q.Limit); err != nil {
		return "", nil, err
	}
	merchantID, id := d.Bytewise("s.merchant_id"), d.Bytewise("s.id")
	l := &list{d: d}
	l.where("p.acquirer_id = %s", q.AcquirerID)
	l.where("("+merchantID+", "+id+") > (%s, %s)", q.AfterMerchantID, q.AfterID)
	l.equal("s.merchant_id", q.MerchantID)
	query, args := l.clause(merchantID+", "+id, q.Limit)
	return query, args, nil
}

// AuditEvents returns the clauses that select what q selects from
// audit_log, newest first, and their arguments.
func AuditEvents(d Dialect, q admin.AuditQuery) (string, []any, error) {
	if err := CheckLimit(q.Limit); err != nil {
		return "", nil, err
	}
	l := &list{d: d}
	l.where("acquirer_id = %s", q.AcquirerID)
	l.equal("object", q.Object)
	l.equal("action", q.Action)
	if q.BeforeID > 0 {
		l.where("id < %s", q.BeforeID)
	}
	query, args := l.clause("id DESC", q.Limit)
	return query, args, nil
}
