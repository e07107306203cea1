package fx

import (
	"time"

	"github.com/shopspring/decimal"
)

// Rate is the price of one unit of Base in Quote: Quote amount = Base amount
// × Value. Rates are exact decimals, never floats.
type Rate struct {
	Base  string // ISO 4217 alphabetic, e.g. "EUR"
	Quote string // ISO 4217 alphabetic, e.g. "CNY"
	Value decimal.Decimal
	// Source names where the rate came from, e.g. "ECB", "static".
	Source string
	// AsOf is the rate's reference date and time (for the ECB, 16:00 CET of
	// the business day it was published for).
	AsOf time.Time
}
