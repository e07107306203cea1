package store

import (
	"context"
	"fmt"

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
	queryAdminOutlet  = `SELECT ` + outletColumns + outletFrom + ` WHERE s.merchant_id = ? AND s.id = ? AND p.acquirer_id = ?`
	queryInsertOutlet = `INSERT INTO merchant_stores (merchant_id, id, name, address, city, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`
	terminalColumns    = `t.id, t.merchant_id, t.store_id, t.suspended, t.created_at, t.updated_at`
	terminalFrom       = ` FROM terminals t JOIN merchant_profiles p ON p.merchant_id = t.merchant_id`
	queryAdminTerminal = `SELECT ` + terminalColumns + terminalFrom + ` WHERE t.id = ? AND p.acquirer_id = ?`
	queryTerminalTaken = `SELECT EXISTS (SELECT 1 FROM terminals WHERE id = ?)`
	queryOutletExists  = `SELECT EXISTS (SELECT 1 FROM merchant_stores WHERE merchant_id = ? AND id = ?)`
)

func scanOutlet(row scanner) (*admin.Outlet, error) {
	var o admin.Outlet
	var createdAt int64
	if err := row.Scan(&o.MerchantID, &o.ID, &o.Name, &o.Address, &o.City, &createdAt); err != nil {
		return nil, noRows(err)
	}
	o.CreatedAt = decodeTime(createdAt)
	return &o, nil
}

// CreateOutlet stores a new store of a merchant, as admin.Store documents.
func (a *AdminStore) CreateOutlet(ctx context.Context, o *admin.Outlet, req admin.Request) (*admin.Outlet, error) {
	if err := adminsql.CheckOutlet(o); err != nil {
		return nil, fmt.Errorf("store: create store: %w", err)
	}
	row := *o
	acquirerID := req.Audit.AcquirerID
	var stored *admin.Outlet
	err := a.write(ctx, func(tx adminTx) error {
		_, repeat, err := priorRequest(tx, req)
		if err != nil {
			return err
		}
		if repeat { // the same content: the same merchant and ID
			stored, err = scanOutlet(tx.queryRow(queryAdminOutlet, row.MerchantID, row.ID, acquirerID))
			return err
		}
		m, err := merchantOf(tx, acquirerID, row.MerchantID)
		if err != nil {
			return err
		}
		if m.Status == admin.MerchantClosed {
			return fmt.Errorf("merchant %s: %w", m.ID, admin.ErrMerchantClosed)
		}
		row.CreatedAt = tx.stamp()
		_, err = tx.exec(queryInsertOutlet, row.MerchantID, row.ID, row.Name, row.Address, row.City, encodeTime(row.CreatedAt))
		if isUniqueViolation(err) {
			return fmt.Errorf("store %s of merchant %s: %w", row.ID, row.MerchantID, admin.ErrAlreadyExists)
		}
		if err != nil {
			return err
		}
		stored = &row
		return recordRequest(tx, req, row.MerchantID+"/"+row.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("store: create store %s of merchant %s: %w", o.ID, o.MerchantID, err)
	}
	return stored, nil
}

// Outlet returns a store of the acquirer, or admin.ErrNotFound.
func (a *AdminStore) Outlet(ctx context.Context, acquirerID, merchantID, id string) (*admin.Outlet, error) {
	db, err := a.read()
	if err != nil {
		return nil, fmt.Errorf("store: store %s/%s: %w", merchantID, id, err)
	}
	o, err := scanOutlet(db.QueryRowContext(ctx, queryAdminOutlet, merchantID, id, acquirerID))
	if err != nil {
		return nil, fmt.Errorf("store: store %s/%s: %w", merchantID, id, err)
	}
	return o, nil
}

// Outlets lists the acquirer's stores in (merchant ID, ID) order.
func (a *AdminStore) Outlets(ctx context.Context, q admin.OutletQuery) ([]*admin.Outlet, error) {
	db, err := a.read()
	if err != nil {
		return nil, fmt.Errorf("store: stores: %w", err)
	}
	clauses, args, err := adminsql.Outlets(dialect, q)
	if err != nil {
		return nil, fmt.Errorf("store: stores: %w", err)
	}
	list, err := queryList(ctx, db, scanOutlet, `SELECT `+outletColumns+outletFrom+clauses, args...)
	if err != nil {
		return nil, fmt.Errorf("store: stores: %w", err)
	}
	return list, nil
}

func scanTerminal(row scanner) (*payment.Terminal, error) {
	var t payment.Terminal
	var suspended, createdAt, updatedAt int64
	if err := row.Scan(&t.ID, &t.MerchantID, &t.StoreID, &suspended, &createdAt, &updatedAt); err != nil {
		return nil, noRows(err)
	}
	t.Suspended = suspended != 0
	t.CreatedAt, t.UpdatedAt = decodeTime(createdAt), decodeTime(updatedAt)
	return &t, nil
}

// writeTerminal writes the engine's row of t, setting its times.
func writeTerminal(tx adminTx, t *payment.Terminal) error {
	if err := invariant.CheckTerminal(t); err != nil {
		return err
	}
	now := tx.stamp()
	var createdAt int64
	err := tx.st.upsertTerminal.QueryRowContext(tx.ctx, t.ID, t.MerchantID, t.StoreID,
		encodeBool(t.Suspended), encodeTime(now)).Scan(&createdAt)
	if err != nil {
		return fmt.Errorf("write terminal %s: %w", t.ID, err)
	}
	t.CreatedAt, t.UpdatedAt = decodeTime(createdAt), now
	return nil
}

// AddTerminal stores a new terminal of a merchant, as admin.Store
// documents.
func (a *AdminStore) AddTerminal(ctx context.Context, t *payment.Terminal, req admin.Request) (*payment.Terminal, error) {
	if err := adminsql.CheckNewTerminal(t); err != nil {
		return nil, fmt.Errorf("store: add terminal: %w", err)
	}
	row := *t
	acquirerID := req.Audit.AcquirerID
	var stored *payment.Terminal
	err := a.write(ctx, func(tx adminTx) error {
		prior, repeat, err := priorRequest(tx, req)
		if err != nil {
			return err
		}
		if repeat {
			stored, err = scanTerminal(tx.queryRow(queryAdminTerminal, prior, acquirerID))
			return err
		}
		if err := checkNewTerminal(tx, acquirerID, &row); err != nil {
			return err
		}
		if err := writeTerminal(tx, &row); err != nil {
			return err
		}
		stored = &row
		return recordRequest(tx, req, row.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("store: add terminal %s: %w", t.ID, err)
	}
	return stored, nil
}

// checkNewTerminal checks that t's ID is free, that its merchant is the
// acquirer's and not closed, and that its store, if named, is the
// merchant's.
func checkNewTerminal(tx adminTx, acquirerID string, t *payment.Terminal) error {
	var taken, storeExists bool
	if err := tx.queryRow(queryTerminalTaken, t.ID).Scan(&taken); err != nil {
		return err
	}
	m, err := merchantOf(tx, acquirerID, t.MerchantID)
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
	db, err := a.read()
	if err != nil {
		return nil, fmt.Errorf("store: terminal %s: %w", id, err)
	}
	t, err := scanTerminal(db.QueryRowContext(ctx, queryAdminTerminal, id, acquirerID))
	if err != nil {
		return nil, fmt.Errorf("store: terminal %s: %w", id, err)
	}
	return t, nil
}

// Terminals lists the acquirer's terminals in ID order.
func (a *AdminStore) Terminals(ctx context.Context, q admin.TerminalQuery) ([]*payment.Terminal, error) {
	db, err := a.read()
	if err != nil {
		return nil, fmt.Errorf("store: terminals: %w", err)
	}
	clauses, args, err := adminsql.Terminals(dialect, q)
	if err != nil {
		return nil, fmt.Errorf("store: terminals: %w", err)
	}
	list, err := queryList(ctx, db, scanTerminal, `SELECT `+terminalColumns+terminalFrom+clauses, args...)
	if err != nil {
		return nil, fmt.Errorf("store: terminals: %w", err)
	}
	return list, nil
}

// UpdateTerminal changes a terminal of the acquirer, as admin.Store
// documents. The terminal keeps its ID and merchant.
func (a *AdminStore) UpdateTerminal(ctx context.Context, acquirerID, id string, change func(t *payment.Terminal, m *admin.Merchant) (*admin.AuditEvent, error)) (*payment.Terminal, error) {
	var result *payment.Terminal
	err := a.write(ctx, func(tx adminTx) error {
		current, err := scanTerminal(tx.queryRow(queryAdminTerminal, id, acquirerID))
		if err != nil {
			return err
		}
		m, err := merchantOf(tx, acquirerID, current.MerchantID)
		if err != nil {
			return err
		}
		next, ev, err := adminsql.ChangeTerminal(current, m, change)
		if err != nil || next == nil {
			result = current
			return err
		}
		if err := writeTerminal(tx, next); err != nil {
			return err
		}
		result = next
		return appendAudit(tx, *ev)
	})
	if err != nil {
		return nil, fmt.Errorf("store: update terminal %s: %w", id, err)
	}
	return result, nil
}
