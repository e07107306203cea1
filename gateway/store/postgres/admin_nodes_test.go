package postgres

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
)

// What the SQLite admin store gets from its one writer, two nodes on one
// database must get from the database: a create repeated on both nodes at
// once makes one object, and updates of one merchant on both apply one
// after the other.

// adminNodes opens two nodes on one new schema and creates an acquirer.
func adminNodes(t *testing.T) ([2]*AdminStore, string) {
	t.Helper()
	nodes := twoNodes(t)
	const acquirerID = "acq-nodes"
	err := nodes[0].Admin().CreateAcquirer(t.Context(), &admin.Acquirer{ID: acquirerID, Name: "Nodes"},
		adminEvent(acquirerID, "acquirer.create", "acquirers/"+acquirerID))
	if err != nil {
		t.Fatalf("CreateAcquirer: %v", err)
	}
	return [2]*AdminStore{nodes[0].Admin(), nodes[1].Admin()}, acquirerID
}

func adminEvent(acquirerID, action, object string) admin.AuditEvent {
	return admin.AuditEvent{AcquirerID: acquirerID, Actor: "key:test", Action: action, Object: object, Change: "{}"}
}

func adminRequest(acquirerID, id, action, object string) admin.Request {
	return admin.Request{ID: id, Hash: "hash of " + id, Audit: adminEvent(acquirerID, action, object)}
}

func nodeMerchant(acquirerID, id string) *admin.Merchant {
	return &admin.Merchant{ID: id, AcquirerID: acquirerID, LegalName: "Node GmbH", TradingName: "Node",
		MCC: "5812", Country: "DE", City: "Köln", Currency: "EUR", Schemes: []string{"ALIPAYPLUS"}}
}

// atOnce runs calls on both nodes at once, n in all, alternating nodes, and
// returns their errors in order.
func atOnce(n int, call func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = call(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// countAudit counts the acquirer's audit events with action.
func countAudit(t *testing.T, st *AdminStore, acquirerID, action string) int {
	t.Helper()
	events, err := st.AuditEvents(t.Context(), admin.AuditQuery{AcquirerID: acquirerID, Action: action, Limit: 10_000})
	if err != nil {
		t.Fatalf("AuditEvents: %v", err)
	}
	return len(events)
}

func TestAdminTwoNodes(t *testing.T) {
	t.Parallel()

	t.Run("A create repeated on both nodes at once makes one merchant, one key, one store and one terminal", func(t *testing.T) {
		t.Parallel()
		nodes, acq := adminNodes(t)
		const rounds, copies = 10, 6
		for round := range rounds {
			id := fmt.Sprintf("M-NODES-%d", round)
			merchants := make([]*admin.Merchant, copies)
			errs := atOnce(copies, func(i int) (err error) {
				req := adminRequest(acq, "req-m-"+id, "merchant.create", "merchants/"+id)
				merchants[i], err = nodes[i%2].CreateMerchant(t.Context(), nodeMerchant(acq, id), req)
				return err
			})
			checkOneObject(t, "merchant "+id, errs, func(i int) string { return merchants[i].CreatedAt.String() })

			keys := make([]*admin.APIKey, copies)
			errs = atOnce(copies, func(i int) (err error) {
				// Each retry draws a new key; the request is the same.
				hash := sha256.Sum256(fmt.Appendf(nil, "secret %d %d", round, i))
				k := &admin.APIKey{ID: fmt.Sprintf("key-%d-%d", round, i), AcquirerID: acq, SecretHash: hash[:], CreatedBy: "operator"}
				keys[i], err = nodes[i%2].CreateAPIKey(t.Context(), k, adminRequest(acq, fmt.Sprint("req-k-", round), "api_key.create", "k"))
				return err
			})
			checkOneObject(t, "key of round "+fmt.Sprint(round), errs, func(i int) string { return keys[i].ID })

			errs = atOnce(copies, func(i int) error {
				o := &admin.Outlet{ID: "S1", MerchantID: id, Name: "Dom", City: "Köln"}
				_, err := nodes[i%2].CreateOutlet(t.Context(), o, adminRequest(acq, "req-s-"+id, "store.create", "s"))
				return err
			})
			checkOneObject(t, "store of "+id, errs, func(int) string { return "" })

			terminals := make([]*payment.Terminal, copies)
			errs = atOnce(copies, func(i int) (err error) {
				term := &payment.Terminal{ID: fmt.Sprintf("TN%06d", round), MerchantID: id, StoreID: "S1"}
				terminals[i], err = nodes[i%2].AddTerminal(t.Context(), term, adminRequest(acq, "req-t-"+id, "terminal.add", "t"))
				return err
			})
			checkOneObject(t, "terminal of "+id, errs, func(i int) string { return terminals[i].CreatedAt.String() })
		}
		keys, err := nodes[1].APIKeys(t.Context(), acq)
		if err != nil || len(keys) != rounds {
			t.Errorf("%d keys stored, %v; want %d, one a round", len(keys), err, rounds)
		}
		for action, want := range map[string]int{"merchant.create": rounds, "api_key.create": rounds, "store.create": rounds, "terminal.add": rounds} {
			if got := countAudit(t, nodes[0], acq, action); got != want {
				t.Errorf("%d %s events, want %d: one per object made", got, action, want)
			}
		}
	})

	t.Run("One merchant ID created on both nodes at once under different requests is created once", func(t *testing.T) {
		t.Parallel()
		nodes, acq := adminNodes(t)
		const copies = 8
		errs := atOnce(copies, func(i int) error {
			req := adminRequest(acq, fmt.Sprint("req-", i), "merchant.create", "merchants/M-RACE")
			_, err := nodes[i%2].CreateMerchant(t.Context(), nodeMerchant(acq, "M-RACE"), req)
			return err
		})
		created := 0
		for _, err := range errs {
			switch {
			case err == nil:
				created++
			case !errors.Is(err, admin.ErrAlreadyExists):
				t.Errorf("CreateMerchant: %v, want nil or ErrAlreadyExists", err)
			}
		}
		if created != 1 || countAudit(t, nodes[0], acq, "merchant.create") != 1 {
			t.Errorf("%d creates of one merchant ID succeeded, want 1, audited once", created)
		}
	})

	t.Run("Updates of one merchant on both nodes at once all apply", func(t *testing.T) {
		t.Parallel()
		nodes, acq := adminNodes(t)
		if _, err := nodes[0].CreateMerchant(t.Context(), nodeMerchant(acq, "M-UPD"), adminRequest(acq, "req-upd", "merchant.create", "m")); err != nil {
			t.Fatal(err)
		}
		const updates = 40
		errs := atOnce(updates, func(i int) error {
			_, err := nodes[i%2].UpdateMerchant(t.Context(), acq, "M-UPD", func(m *admin.Merchant) (*admin.AuditEvent, error) {
				m.MaxAmount++ // read, then written: a lost update shows as a smaller total
				ev := adminEvent("", "merchant.update", "merchants/M-UPD")
				return &ev, nil
			})
			return err
		})
		for _, err := range errs {
			if err != nil {
				t.Fatalf("UpdateMerchant: %v", err)
			}
		}
		m, err := nodes[1].Merchant(t.Context(), acq, "M-UPD")
		if err != nil || m.MaxAmount != updates {
			t.Errorf("after %d increments on two nodes the maximum amount is %v (%v), want %d", updates, m.MaxAmount, err, updates)
		}
		if got := countAudit(t, nodes[0], acq, "merchant.update"); got != updates {
			t.Errorf("%d update events, want %d", got, updates)
		}
	})

	t.Run("A terminal added while the merchant is closed on the other node is added before the close or refused", func(t *testing.T) {
		t.Parallel()
		nodes, acq := adminNodes(t)
		const rounds = 15
		for round := range rounds {
			id := fmt.Sprintf("M-CLOSE-%d", round)
			if _, err := nodes[0].CreateMerchant(t.Context(), nodeMerchant(acq, id), adminRequest(acq, "req-"+id, "merchant.create", "m")); err != nil {
				t.Fatal(err)
			}
			errs := atOnce(2, func(i int) error {
				if i == 0 {
					_, err := nodes[0].UpdateMerchant(t.Context(), acq, id, func(m *admin.Merchant) (*admin.AuditEvent, error) {
						m.Status = admin.MerchantClosed
						ev := adminEvent("", "merchant.close", "merchants/"+id)
						return &ev, nil
					})
					return err
				}
				term := &payment.Terminal{ID: fmt.Sprintf("TC%06d", round), MerchantID: id}
				_, err := nodes[1].AddTerminal(t.Context(), term, adminRequest(acq, "req-t-"+id, "terminal.add", "terminals/"+term.ID))
				if errors.Is(err, admin.ErrMerchantClosed) {
					return nil
				}
				return err
			})
			for _, err := range errs {
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			checkAddedBeforeClose(t, nodes[0], acq, id, fmt.Sprintf("terminals/TC%06d", round))
		}
	})
}

// checkOneObject fails t unless every call succeeded and all returned the
// same object, as identity tells it.
func checkOneObject(t *testing.T, what string, errs []error, identity func(i int) string) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: call %d: %v", what, i, err)
		}
		if identity(i) != identity(0) {
			t.Errorf("%s: call %d returned %q, call 0 %q; want one object", what, i, identity(i), identity(0))
		}
	}
}

// checkAddedBeforeClose fails t if the terminal object was added after its
// merchant was closed: the audit log's IDs follow the order of the writes,
// which the merchant's row lock serializes.
func checkAddedBeforeClose(t *testing.T, st *AdminStore, acquirerID, merchantID, terminal string) {
	t.Helper()
	events, err := st.AuditEvents(t.Context(), admin.AuditQuery{AcquirerID: acquirerID, Limit: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	var closedAt, addedAt int64
	for _, ev := range events {
		switch {
		case ev.Action == "merchant.close" && ev.Object == "merchants/"+merchantID:
			closedAt = ev.ID
		case ev.Action == "terminal.add" && ev.Object == terminal:
			addedAt = ev.ID
		}
	}
	if closedAt == 0 || (addedAt != 0 && addedAt > closedAt) {
		t.Errorf("merchant %s: close audited as %d, the terminal's addition as %d; want the addition, if any, first",
			merchantID, closedAt, addedAt)
	}
}
