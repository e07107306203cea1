package fx

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/shopspring/decimal"
)

// StaticConfig is a fixed rate table, typically from the daemon's config
// file.
type StaticConfig struct {
	// Base is the currency the rates are quoted against; "" means "EUR".
	Base string `yaml:"base"`
	// Date is the reference date of the table, "YYYY-MM-DD"; required. The
	// rates are taken as of 16:00 Frankfurt time that day, like the ECB's,
	// so a Cache's MaxAge refuses a table nobody has updated.
	Date string `yaml:"date"`
	// Source names the table in rates and quotes; "" means "static".
	Source string `yaml:"source"`
	// Rates maps ISO 4217 codes to the units of that currency one Base
	// buys, written as plain decimals ("8.2964"); at least one.
	Rates map[string]string `yaml:"rates"`
}

// Static is a Provider serving one validated, unchanging RateSet.
type Static struct {
	set RateSet
}

var _ Provider = (*Static)(nil)

// NewStatic validates config and returns a provider serving it. Errors wrap
// ErrInvalidRates and name the offending entry.
func NewStatic(config StaticConfig) (*Static, error) {
	base := config.Base
	if base == "" {
		base = "EUR"
	}
	source := config.Source
	if source == "" {
		source = "static"
	}
	date, err := time.Parse(time.DateOnly, config.Date)
	if err != nil {
		return nil, fmt.Errorf("%w: static table: date %q: want YYYY-MM-DD", ErrInvalidRates, config.Date)
	}
	rates := make(map[string]decimal.Decimal, len(config.Rates))
	for code, text := range config.Rates {
		value, err := parseRate(text)
		if err != nil {
			return nil, fmt.Errorf("%w: static table: currency %q: %v", ErrInvalidRates, code, err)
		}
		rates[code] = value
	}
	if err := validateRates(base, rates, "static table"); err != nil {
		return nil, err
	}
	return &Static{set: RateSet{Base: base, AsOf: ecbReferenceTime(date), Source: source, Rates: rates}}, nil
}

// Rates returns the table; it never fails.
func (s *Static) Rates(context.Context) (RateSet, error) {
	set := s.set
	set.Rates = maps.Clone(s.set.Rates)
	return set, nil
}
