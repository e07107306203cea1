// Package store keeps the payment journal durably in SQLite: it implements
// payment.Store on one database file in WAL mode, group-committing concurrent
// writes so that many of them share one fsync.
//
// Its contract test suite, which any payment.Store must pass, is in package
// storetest.
package store
