package adminsql

import (
	"fmt"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
)

// ChangeMerchant runs an update's change on a copy of current, the
// merchant as its store read it in the update's transaction, as
// admin.Store.UpdateMerchant documents: a closed merchant is
// admin.ErrMerchantClosed before change is called, since closed is final;
// an error of change is returned as it is; a nil event means nothing
// changed, and then nothing is returned either. Otherwise it returns the
// merchant to write, with current's ID, acquirer and CreatedAt whatever
// change did to them, and the event to append, as current's acquirer's.
func ChangeMerchant(current *admin.Merchant, change func(m *admin.Merchant) (*admin.AuditEvent, error)) (*admin.Merchant, *admin.AuditEvent, error) {
	if current.Status == admin.MerchantClosed {
		return nil, nil, fmt.Errorf("merchant %s: %w", current.ID, admin.ErrMerchantClosed)
	}
	next := current.Clone()
	ev, err := change(next)
	if err != nil || ev == nil {
		return nil, nil, err
	}
	next.ID, next.AcquirerID, next.CreatedAt = current.ID, current.AcquirerID, current.CreatedAt
	ev.AcquirerID = current.AcquirerID
	return next, ev, nil
}

// ChangeTerminal is ChangeMerchant for a terminal of merchant m: the
// terminal keeps its ID and merchant, and the event is m's acquirer's.
func ChangeTerminal(current *payment.Terminal, m *admin.Merchant, change func(t *payment.Terminal, m *admin.Merchant) (*admin.AuditEvent, error)) (*payment.Terminal, *admin.AuditEvent, error) {
	next := *current
	ev, err := change(&next, m)
	if err != nil || ev == nil {
		return nil, nil, err
	}
	next.ID, next.MerchantID = current.ID, current.MerchantID
	ev.AcquirerID = m.AcquirerID
	return &next, ev, nil
}

// CheckAddTerminal decides whether terminal t may be added to merchant m,
// the acquirer's, as its store read them in the addition's transaction:
// its ID free (taken: some terminal, whoever's, has it), m not closed, and
// its store, if it names one, m's (storeExists). The errors come in this
// order on every store.
func CheckAddTerminal(t *payment.Terminal, m *admin.Merchant, taken, storeExists bool) error {
	switch {
	case taken:
		return fmt.Errorf("terminal %s: %w", t.ID, admin.ErrAlreadyExists)
	case m.Status == admin.MerchantClosed:
		return fmt.Errorf("merchant %s: %w", m.ID, admin.ErrMerchantClosed)
	case t.StoreID != "" && !storeExists:
		return fmt.Errorf("store %s of merchant %s: %w", t.StoreID, t.MerchantID, admin.ErrNotFound)
	}
	return nil
}
