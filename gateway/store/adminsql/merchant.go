package adminsql

import (
	"encoding/json"
	"fmt"

	"github.com/meridian-gw/meridian/gateway/admin"
)

// A merchant's mark-ups are kept as one JSON object of decimal strings by
// scheme ID, "{}" for none: they are read and written whole, never queried
// by scheme.

// EncodeMarkups returns the column text of a merchant's mark-ups.
func EncodeMarkups(markups map[string]string) string {
	if len(markups) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(markups) // a map of strings always marshals
	return string(b)
}

// DecodeMarkups reads the column text of merchant id's mark-ups; none is
// nil, as admin.Merchant has it.
func DecodeMarkups(id, column string) (map[string]string, error) {
	var markups map[string]string
	if err := json.Unmarshal([]byte(column), &markups); err != nil {
		return nil, fmt.Errorf("merchant %s: mark-ups: %w", id, err)
	}
	if len(markups) == 0 {
		return nil, nil
	}
	return markups, nil
}

// MerchantStatus returns the status of a merchant from its columns: closed
// (final) whatever else, else suspended or active as the engine's row
// says. A closed merchant's engine row is suspended too, so that the engine
// declines it.
func MerchantStatus(closed, suspended bool) admin.MerchantStatus {
	switch {
	case closed:
		return admin.MerchantClosed
	case suspended:
		return admin.MerchantSuspended
	}
	return admin.MerchantActive
}
