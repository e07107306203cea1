// Package payment is the payment engine: it routes each terminal request to a
// scheme adapter, journals every step durably before it can move money, and
// drives every attempt to a final state, resolving unknown outcomes by
// inquiry, cancel and refund.
package payment
