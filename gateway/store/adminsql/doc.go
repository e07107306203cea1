// Package adminsql holds what the two SQL stores of the admin API, the
// SQLite one (gateway/store) and the PostgreSQL one
// (gateway/store/postgres), do alike, so that they accept, keep and list
// the same things: the checks of what they are asked to write, how a
// merchant's mark-ups and status are kept in columns, and the WHERE clauses
// of the lists whose SQL differs between the engines only in how a
// parameter, a time and byte order are spelled (Dialect).
//
// It runs no query itself: each store keeps its own connection handling,
// locking and idempotency, which is where the engines differ.
package adminsql
