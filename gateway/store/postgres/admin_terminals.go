package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/adminsql"
	"github.com/meridian-gw/meridian/gateway/store/invariant"
)

// A merchant's stores and terminals belong to the acquirer of the
// merchant: every query joins merchant_profiles on the acquirer's ID.
const (
	outletColumns     = `s.merchant_id, s.id, s.name, s.address, s.city, s.created_at`
	outletFrom        = ` FROM merchant_stores s JOIN merchant_profiles p ON p.merchant_id = s.merchant_id`
	queryAdminOutlet  = `SELECT ` + outletColumns + outletFrom + ` WHERE s.merchant_id = $1 AND s.id = $2 AND p.acquirer_id = $3`
	queryInsertOutlet = `INSERT INTO merchant_stores (merchant_id, id, name, address, city, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (merchant_id, id) DO NOTHING RETURNING true`
	terminalColumns    = `t.id, t.merchant_id, t.store_id, t.suspended, t.created_at, t.updated_at`
	terminalFrom       = ` FROM terminals t JOIN merchant_profiles p ON p.merchant_id = t.merchant_id`
	queryAdminTerminal = `SELECT ` + terminalColumns + terminalFrom + ` WHERE t.id = $1 AND p.acquirer_id = $2`
	// queryLockAdminTerminal reads a terminal to update it: other updates
	// of it, from any node, wait until this one's transaction ends.
	queryLockAdminTerminal = queryAdminTerminal + ` FOR UPDATE OF t`
	queryTerminalTaken     = `SELECT EXISTS (SELECT 1 FROM terminals WHERE id = $1)`
	queryOutletExists      = `SELECT EXISTS (SELECT 1 FROM merchant_stores WHERE merchant_id = $1 AND id = $2)`
	queryInsertTerminal    = `INSERT INTO terminals (id, merchant_id, store_id, suspended, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (id) DO NOTHING RETURNING true`
	queryUpdateTerminal = `UPDATE terminals SET store_id = $2, suspended = $3, updated_at = $4
		WHERE id = $1 RETURNING created_at`
)

func scanOutlet(row pgx.Row) (*admin.Outlet, error) {
	var o admin.Outlet
	var createdAt pgtype.Timestamptz
	if err := row.Scan(&o.MerchantID, &o.ID, &o.Name, &o.Address, &o.City, &createdAt); err != nil {
		return nil, noRows(err)
	}
	o.CreatedAt = decodeTime(createdAt)
	return &o, nil
}

// CreateOutlet stores a new store of a merchant, as admin.Store documents.
func (a *AdminStore) CreateOutlet(ctx context.Context, o *admin.Outlet, req admin.Request) (*admin.Outlet, error) {
	if err := adminsql.CheckOutlet(o); err != nil {
		return nil, fmt.Errorf("postgres: create store: %w", err)
	}
	acquirerID := req.Audit.AcquirerID
	var stored *admin.Outlet
	err := a.create(ctx, req, o.MerchantID+"/"+o.ID, func(tx adminTx, _ string) (err error) {
		// The same content: the same merchant and ID.
		stored, err = scanOutlet(tx.queryRow(queryAdminOutlet, o.MerchantID, o.ID, acquirerID))
		return err
	}, func(tx adminTx) error {
		m, err := merchantOf(tx, queryShareAdminMerchant, acquirerID, o.MerchantID)
		if err != nil {
			return err
		}
		if m.Status == admin.MerchantClosed {
			return fmt.Errorf("merchant %s: %w", m.ID, admin.ErrMerchantClosed)
		}
		row := *o
		row.CreatedAt = tx.now
		var inserted bool
		err = tx.queryRow(queryInsertOutlet, row.MerchantID, row.ID, row.Name, row.Address, row.City, row.CreatedAt).Scan(&inserted)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("store %s of merchant %s: %w", row.ID, row.MerchantID, admin.ErrAlreadyExists)
		}
		if err != nil {
			return err
		}
		stored = &row
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: create store %s of merchant %s: %w", o.ID, o.MerchantID, err)
	}
	return stored, nil
}

// Outlet returns a store of the acquirer, or admin.ErrNotFound.
func (a *AdminStore) Outlet(ctx context.Context, acquirerID, merchantID, id string) (*admin.Outlet, error) {
	o, err := readRow(ctx, a, scanOutlet, queryAdminOutlet, merchantID, id, acquirerID)
	if err != nil {
		return nil, fmt.Errorf("postgres: store %s/%s: %w", merchantID, id, err)
	}
	return o, nil
}

// Outlets lists the acquirer's stores in (merchant ID, ID) order.
func (a *AdminStore) Outlets(ctx context.Context, q admin.OutletQuery) ([]*admin.Outlet, error) {
	list, err := readPage(ctx, a, scanOutlet, `SELECT `+outletColumns+outletFrom, adminsql.Outlets, q)
	if err != nil {
		return nil, fmt.Errorf("postgres: stores: %w", err)
	}
	return list, nil
}

func scanTerminal(row pgx.Row) (*payment.Terminal, error) {
	var t payment.Terminal
	var createdAt, updatedAt pgtype.Timestamptz
	if err := row.Scan(&t.ID, &t.MerchantID, &t.StoreID, &t.Suspended, &createdAt, &updatedAt); err != nil {
		return nil, noRows(err)
	}
	t.CreatedAt, t.UpdatedAt = decodeTime(createdAt), decodeTime(updatedAt)
	return &t, nil
}

// AddTerminal stores a new terminal of a merchant, as admin.Store
// documents.
func (a *AdminStore) AddTerminal(ctx context.Context, t *payment.Terminal, req admin.Request) (*payment.Terminal, error) {
	if err := adminsql.CheckNewTerminal(t); err != nil {
		return nil, fmt.Errorf("postgres: add terminal: %w", err)
	}
	acquirerID := req.Audit.AcquirerID
	var stored *payment.Terminal
	err := a.create(ctx, req, t.ID, func(tx adminTx, prior string) (err error) {
		stored, err = scanTerminal(tx.queryRow(queryAdminTerminal, prior, acquirerID))
		return err
	}, func(tx adminTx) error {
		row := *t
		if err := checkNewTerminal(tx, acquirerID, &row); err != nil {
			return err
		}
		row.CreatedAt, row.UpdatedAt = tx.now, tx.now
		var inserted bool
		err := tx.queryRow(queryInsertTerminal, row.ID, row.MerchantID, row.StoreID, row.Suspended, tx.now).Scan(&inserted)
		if errors.Is(err, pgx.ErrNoRows) { // added meanwhile, on another node
			return fmt.Errorf("terminal %s: %w", row.ID, admin.ErrAlreadyExists)
		}
		if err != nil {
			return fmt.Errorf("write terminal %s: %w", row.ID, err)
		}
		stored = &row
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: add terminal %s: %w", t.ID, err)
	}
	return stored, nil
}

// checkNewTerminal checks that t's ID is free, that its merchant is the
// acquirer's and not closed (locking it against a close until the
// addition commits), and that its store, if named, is the merchant's
// (adminsql.CheckAddTerminal).
func checkNewTerminal(tx adminTx, acquirerID string, t *payment.Terminal) error {
	var taken, storeExists bool
	if err := tx.queryRow(queryTerminalTaken, t.ID).Scan(&taken); err != nil {
		return err
	}
	m, err := merchantOf(tx, queryShareAdminMerchant, acquirerID, t.MerchantID)
	if err != nil {
		return err
	}
	if err := tx.queryRow(queryOutletExists, t.MerchantID, t.StoreID).Scan(&storeExists); err != nil {
		return err
	}
	return adminsql.CheckAddTerminal(t, m, taken, storeExists)
}

// Terminal returns the acquirer's terminal id, or admin.ErrNotFound.
func (a *AdminStore) Terminal(ctx context.Context, acquirerID, id string) (*payment.Terminal, error) {
	t, err := readRow(ctx, a, scanTerminal, queryAdminTerminal, id, acquirerID)
	if err != nil {
		return nil, fmt.Errorf("postgres: terminal %s: %w", id, err)
	}
	return t, nil
}

// Terminals lists the acquirer's terminals in ID order.
func (a *AdminStore) Terminals(ctx context.Context, q admin.TerminalQuery) ([]*payment.Terminal, error) {
	list, err := readPage(ctx, a, scanTerminal, `SELECT `+terminalColumns+terminalFrom, adminsql.Terminals, q)
	if err != nil {
		return nil, fmt.Errorf("postgres: terminals: %w", err)
	}
	return list, nil
}

// UpdateTerminal changes a terminal of the acquirer, as admin.Store
// documents. The terminal keeps its ID and merchant. Its row is locked from
// the read to the commit, and its merchant's rows against an update
// meanwhile.
func (a *AdminStore) UpdateTerminal(ctx context.Context, acquirerID, id string, change func(t *payment.Terminal, m *admin.Merchant) (*admin.AuditEvent, error)) (*payment.Terminal, error) {
	var result *payment.Terminal
	err := a.write(ctx, func(tx adminTx) error {
		current, err := scanTerminal(tx.queryRow(queryLockAdminTerminal, id, acquirerID))
		if err != nil {
			return err
		}
		m, err := merchantOf(tx, queryShareAdminMerchant, acquirerID, current.MerchantID)
		if err != nil {
			return err
		}
		next, ev, err := adminsql.ChangeTerminal(current, m, change)
		if err != nil || next == nil {
			result = current
			return err
		}
		if err := updateTerminal(tx, next); err != nil {
			return err
		}
		result = next
		return appendAudit(tx, *ev)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: update terminal %s: %w", id, err)
	}
	return result, nil
}

// updateTerminal writes the engine's row of a changed terminal, locked by
// the caller, setting UpdatedAt.
func updateTerminal(tx adminTx, t *payment.Terminal) error {
	if err := invariant.CheckTerminal(t); err != nil {
		return err
	}
	var createdAt time.Time
	if err := tx.queryRow(queryUpdateTerminal, t.ID, t.StoreID, t.Suspended, tx.now).Scan(&createdAt); err != nil {
		return fmt.Errorf("write terminal %s: %w", t.ID, err)
	}
	t.CreatedAt, t.UpdatedAt = createdAt.UTC(), tx.now
	return nil
}
