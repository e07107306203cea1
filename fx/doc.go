// Package fx holds currencies, exchange rates and conversion.
//
// Today it holds the ISO 4217 currency table: the alphabetic and numeric
// codes of every currency a payment can be made in, with the number of
// minor-unit digits (the exponent) each one uses. Amounts travel as integer
// minor units, so the exponent is what says that 1000 means 10.00 EUR but
// 1000 JPY; every conversion reads it from here. Rate providers, the rate
// cache, quotes and conversion will join this package later.
package fx
