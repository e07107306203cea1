// Package fx holds currencies, exchange rates and conversion: the ISO 4217
// table (codes and minor-unit exponents), rate providers (the ECB euro
// reference rates, a static table, or a commercial feed behind Provider)
// with cross rates through the euro, a cache that refuses rates older than
// its maximum age rather than guess, quotes that lock a rate and its
// mark-up over the ECB reference rate for one transaction, and exact
// conversion of integer minor units with one rounding, at the target
// currency's exponent.
//
// Amounts are always integer minor units; rates are shopspring/decimal
// values, never floats.
package fx
