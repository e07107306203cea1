package adminsql

import (
	"fmt"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/invariant"
)

// The checks below refuse, with invariant.ErrViolated, a write the admin
// service never asks for: breaking one is a programmer error in the
// caller, refused by both stores alike before it reaches the database.

// CheckRequest checks a client request to be recorded: an ID, a hash and
// an acquirer.
func CheckRequest(req admin.Request) error {
	if req.ID == "" || req.Hash == "" || req.Audit.AcquirerID == "" {
		return fmt.Errorf("%w: request without ID, hash or acquirer", invariant.ErrViolated)
	}
	return nil
}

// CheckAudit checks an audit event to be appended: an actor, an action,
// and a time the store can hold.
func CheckAudit(ev admin.AuditEvent) error {
	if ev.Actor == "" || ev.Action == "" {
		return fmt.Errorf("%w: audit event without actor or action", invariant.ErrViolated)
	}
	return invariant.CheckTime("audit time", ev.At)
}

// CheckAcquirer checks a new acquirer: an ID.
func CheckAcquirer(a *admin.Acquirer) error {
	if a == nil || a.ID == "" {
		return fmt.Errorf("%w: acquirer without ID", invariant.ErrViolated)
	}
	return nil
}

// CheckAcquirerStatus checks a status to set: active or suspended.
func CheckAcquirerStatus(status admin.AcquirerStatus) error {
	if status != admin.AcquirerActive && status != admin.AcquirerSuspended {
		return fmt.Errorf("%w: acquirer status %q", invariant.ErrViolated, status)
	}
	return nil
}

// CheckAPIKey checks a new key: an ID, the SHA-256 of its secret, and the
// request's acquirer.
func CheckAPIKey(k *admin.APIKey, req admin.Request) error {
	if k == nil || k.ID == "" || len(k.SecretHash) != 32 || k.AcquirerID != req.Audit.AcquirerID {
		return fmt.Errorf("%w: key without ID, with a hash not SHA-256, or of another acquirer than its request", invariant.ErrViolated)
	}
	return nil
}

// CheckSubject checks a certificate subject to map: not empty.
func CheckSubject(subject string) error {
	if subject == "" {
		return fmt.Errorf("%w: empty certificate subject", invariant.ErrViolated)
	}
	return nil
}

// CheckNewMerchant checks a merchant to create: an acquirer, the
// request's. The merchant's own fields are checked as the engine's
// (invariant.CheckMerchant) when written.
func CheckNewMerchant(m *admin.Merchant, req admin.Request) error {
	if m == nil || m.AcquirerID == "" || m.AcquirerID != req.Audit.AcquirerID {
		return fmt.Errorf("%w: merchant without acquirer, or of another than its request", invariant.ErrViolated)
	}
	return nil
}

// CheckOutlet checks a store to create: an ID and a merchant.
func CheckOutlet(o *admin.Outlet) error {
	if o == nil || o.ID == "" || o.MerchantID == "" {
		return fmt.Errorf("%w: store without ID or merchant", invariant.ErrViolated)
	}
	return nil
}

// CheckNewTerminal checks a terminal to add: what the engine needs of one.
func CheckNewTerminal(t *payment.Terminal) error { return invariant.CheckTerminal(t) }

// CheckLimit checks a list's limit: positive.
func CheckLimit(limit int) error {
	if limit <= 0 {
		return fmt.Errorf("%w: limit %d is not positive", invariant.ErrViolated, limit)
	}
	return nil
}

// CheckMerchantQuery checks a merchant list's limit and status filter.
func CheckMerchantQuery(q admin.MerchantQuery) error {
	switch q.Status {
	case "", admin.MerchantActive, admin.MerchantSuspended, admin.MerchantClosed:
	default:
		return fmt.Errorf("%w: merchant status %q", invariant.ErrViolated, q.Status)
	}
	return CheckLimit(q.Limit)
}
