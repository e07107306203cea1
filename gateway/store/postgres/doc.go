// Package postgres keeps the payment journal in PostgreSQL: it implements
// payment.Store on a pool of connections to one database, which several
// gateway nodes may share. Duplicates are caught by the database's unique
// indexes, refund limits under a row lock on the purchase, and the
// resolver's work is shared out with leases (ClaimDue, SELECT … FOR UPDATE
// SKIP LOCKED), so the guarantees hold across nodes, not only within one.
// Store.Admin serves the admin API's store (admin.Store) on the same
// database, with the same guarantees across nodes.
//
// It passes the same contracts as the SQLite store (gateway/store/storetest)
// and refuses the same writes (gateway/store/invariant,
// gateway/store/adminsql).
package postgres
