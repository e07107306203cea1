package storetest

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
)

// AdminStores are the two interfaces of one database that the admin
// contract needs: the admin API's store, and the payment journal whose
// merchants, terminals and attempts it shares.
type AdminStores struct {
	Admin admin.Store
	// Payments is closed by the contract at the end of each subtest.
	Payments payment.Store
}

// RunAdminContract runs the contract of admin.Store against stores made by
// open, called once per subtest for a new, empty database. Above all it
// checks tenancy: an acquirer never reads, lists or changes another's
// objects, whatever ID it names.
func RunAdminContract(t *testing.T, open func(t *testing.T) AdminStores) {
	tests := []struct {
		name string
		run  func(t *testing.T, f *adminFixture)
	}{
		{"An acquirer reads back, a taken ID is ErrAlreadyExists and a status change is audited once", testAcquirers},
		{"An API key reads back by ID, lists per acquirer newest first and is revoked once", testAPIKeys},
		{"A repeated key request returns the first key and other content is ErrRequestMismatch", testAPIKeyRepeat},
		{"A certificate subject maps to one acquirer, can be moved and unmapped", testCertificates},
		{"A created merchant is the engine's merchant too and reads back only for its acquirer", testMerchantCreate},
		{"A merchant ID taken by anyone, even outside the admin API, is ErrAlreadyExists", testMerchantTaken},
		{"A repeated create returns the merchant and other content under its request ID is refused", testMerchantRepeat},
		{"Request IDs are per acquirer", testRequestIDsPerAcquirer},
		{"An update is seen by the engine at once and audited in the same write", testMerchantUpdate},
		{"An update that fails or changes nothing writes nothing", testMerchantUpdateNothing},
		{"A closed merchant cannot change again", testMerchantClosed},
		{"Another acquirer cannot read, list or change a merchant", testMerchantIsolation},
		{"Merchants list in ID order page by page, each once, filtered by status", testMerchantPages},
		{"A merchant onboarded from configuration can be assigned to one acquirer", testAssignMerchant},
		{"Stores are created under the acquirer's merchants and listed in order", testOutlets},
		{"Terminals are added under the acquirer's merchants and their stores", testTerminals},
		{"A terminal's suspension is seen by the engine at once", testTerminalUpdate},
		{"Another acquirer cannot read, list or change a store or terminal", testTerminalIsolation},
		{"Transactions list newest first, only the acquirer's, with every filter", testTransactions},
		{"Transactions page by a cursor, each once, stable under inserts", testTransactionPages},
		{"A transaction is found by ID or RRN only by its merchant's acquirer", testTransactionLookup},
		{"Flagged transactions list oldest flag first, only the acquirer's", testFlaggedTransactions},
		{"A recorded request returns its first result to repeats", testRecordRequest},
		{"The audit log lists an acquirer's events newest first, filtered and paged", testAuditEvents},
		{"The engine reads a merchant's mark-ups and limits and counts a terminal's purchases", testPolicies},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := open(t)
			t.Cleanup(func() {
				if err := st.Payments.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.run(t, newAdminFixture(t, st))
		})
	}
}

// adminFixture is a database with two acquirers, A and B.
type adminFixture struct {
	AdminStores
	A, B string
}

func newAdminFixture(t *testing.T, st AdminStores) *adminFixture {
	t.Helper()
	f := &adminFixture{AdminStores: st, A: fmt.Sprintf("acq-a-%d", next()), B: fmt.Sprintf("acq-b-%d", next())}
	for _, id := range []string{f.A, f.B} {
		a := &admin.Acquirer{ID: id, Name: "Acquirer " + id, Status: admin.AcquirerActive}
		if err := st.Admin.CreateAcquirer(t.Context(), a, event(id, "acquirer.create", "acquirers/"+id)); err != nil {
			t.Fatalf("CreateAcquirer %s: %v", id, err)
		}
	}
	return f
}

func event(acquirerID, action, object string) admin.AuditEvent {
	return admin.AuditEvent{AcquirerID: acquirerID, Actor: "key:test", Action: action, Object: object, Change: `{"test":true}`}
}

// request returns a fresh request of the acquirer whose content is
// content.
func request(acquirerID, action, object, content string) admin.Request {
	h := sha256.Sum256([]byte(action + "\x00" + content))
	return admin.Request{
		ID:    fmt.Sprintf("req-%d", next()),
		Hash:  fmt.Sprintf("%x", h),
		Audit: event(acquirerID, action, object),
	}
}

// newAdminMerchant returns a merchant of the acquirer with every field set.
func newAdminMerchant(acquirerID, id string) *admin.Merchant {
	return &admin.Merchant{
		ID: id, AcquirerID: acquirerID, LegalName: "Café Müller GmbH", TradingName: "Café Müller",
		MCC: "5812", Country: "DE", City: "Köln", Currency: "EUR", Schemes: []string{"ALIPAYPLUS", "KAKAOPAY"},
		MarkupPercent: map[string]string{"ALIPAYPLUS": "1.50"}, MaxAmount: 50_000,
		Limits: admin.FrequencyLimits{PurchasesPerTerminalPerMinute: 3, PurchasesPerTerminalPerDay: 500},
		Status: admin.MerchantActive,
	}
}

// merchant creates a merchant of the acquirer under a fresh ID.
func (f *adminFixture) merchant(t *testing.T, acquirerID string) *admin.Merchant {
	t.Helper()
	m := newAdminMerchant(acquirerID, fmt.Sprintf("M%d", next()))
	stored, err := f.Admin.CreateMerchant(t.Context(), m, request(acquirerID, "merchant.create", "merchants/"+m.ID, m.ID))
	if err != nil {
		t.Fatalf("CreateMerchant %s: %v", m.ID, err)
	}
	return stored
}

// terminal adds a terminal to the merchant under a fresh ID.
func (f *adminFixture) terminal(t *testing.T, acquirerID, merchantID string) *payment.Terminal {
	t.Helper()
	term := &payment.Terminal{ID: fmt.Sprintf("T%07d", next()%10_000_000), MerchantID: merchantID}
	stored, err := f.Admin.AddTerminal(t.Context(), term, request(acquirerID, "terminal.add", "terminals/"+term.ID, term.ID))
	if err != nil {
		t.Fatalf("AddTerminal %s: %v", term.ID, err)
	}
	return stored
}

// audits lists the acquirer's audit events, newest first.
func (f *adminFixture) audits(t *testing.T, acquirerID string) []admin.AuditEvent {
	t.Helper()
	list, err := f.Admin.AuditEvents(t.Context(), admin.AuditQuery{AcquirerID: acquirerID, Limit: 1000})
	if err != nil {
		t.Fatalf("AuditEvents: %v", err)
	}
	return list
}

// actions lists the actions of events.
func actions(events []admin.AuditEvent) []string {
	list := make([]string, len(events))
	for i, ev := range events {
		list[i] = ev.Action
	}
	return list
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

// checkSameAdminMerchant fails t unless got and want are equal, times
// compared as instants.
func checkSameAdminMerchant(t *testing.T, got, want *admin.Merchant) {
	t.Helper()
	if got == nil || want == nil {
		t.Fatalf("merchant: got %v, want %v", got, want)
	}
	g, w := got.Clone(), want.Clone()
	if !g.CreatedAt.Equal(w.CreatedAt) || !g.UpdatedAt.Equal(w.UpdatedAt) {
		t.Errorf("merchant %s times = %v, %v; want %v, %v", w.ID, g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt)
	}
	g.CreatedAt, g.UpdatedAt = w.CreatedAt, w.UpdatedAt
	if !reflect.DeepEqual(g, w) {
		t.Errorf("merchant:\n got %+v\nwant %+v", *g, *w)
	}
}

func merchantIDs(list []*admin.Merchant) []string {
	ids := make([]string, len(list))
	for i, m := range list {
		ids[i] = m.ID
	}
	return ids
}

func attemptIDs(list []*payment.Attempt) []string {
	ids := make([]string, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	return ids
}

func sameStrings(a, b []string) bool { return slices.Equal(a, b) }
