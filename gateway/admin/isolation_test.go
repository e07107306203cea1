package admin_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/meridian-gw/meridian/gateway/payment"
	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

// tenantA is what acquirer A has, for B to guess at.
type tenantA struct {
	Merchant, Store, Terminal string
	Purchase                  *payment.Attempt
	Flagged                   *payment.Attempt
	KeyID                     string
}

// seedTenantA gives A a merchant with a store, a terminal, an approved
// purchase, an attempt flagged for review and a second key; and B a
// merchant of its own with a purchase and a flagged attempt.
func seedTenantA(t *testing.T, w *world) tenantA {
	t.Helper()
	c, ctx := w.clients(), as(t, w.KeyA)
	a := tenantA{Merchant: "M-A", Store: "S-A", Terminal: "TA000001"}
	w.onboard(t, w.KeyA, a.Merchant, a.Terminal)
	if _, err := c.Stores.CreateStore(ctx, &adminv1.CreateStoreRequest{RequestId: requestID(),
		Store: &adminv1.Store{Id: a.Store, MerchantId: a.Merchant, Name: "A's shop", City: "Köln"}}); err != nil {
		t.Fatalf("CreateStore: %v", err)
	}
	a.Purchase = w.approved(t, a.Merchant, a.Terminal, 1000)
	a.Flagged = w.flagged(t, a.Merchant, a.Terminal)
	key, err := c.Acquirers.CreateApiKey(ctx, &adminv1.CreateApiKeyRequest{RequestId: requestID(), DisplayName: "second"})
	if err != nil {
		t.Fatalf("CreateApiKey: %v", err)
	}
	a.KeyID = key.GetApiKey().GetId()

	w.onboard(t, w.KeyB, "M-B", "TB000001")
	w.approved(t, "M-B", "TB000001", 2000)
	w.flagged(t, "M-B", "TB000001")
	return a
}

// flagged journals an attempt the resolver gave up on, as it would after
// the give-up age: not final, flagged for manual review. It is flagged
// from its creation, so that the running engine's resolver, which skips
// flagged attempts, never takes it up meanwhile.
func (w *world) flagged(t *testing.T, merchantID, terminalID string) *payment.Attempt {
	t.Helper()
	n := w.stan.Add(1)
	now := time.Now().UTC()
	a := &payment.Attempt{
		ID: fmt.Sprintf("flagged-%d", n), Kind: payment.KindPurchase,
		Key:        payment.TerminalKey{TerminalID: terminalID, STAN: fmt.Sprintf("%06d", n), TransmissionTime: "0101120000"},
		MerchantID: merchantID, Scheme: "ALIPAYPLUS", CodeMasked: "2812****3456", RequestHash: "h",
		Amount: payment.Money{Minor: 700, Currency: "EUR"}, State: payment.StateUnknown,
		NextActionAt: now.Add(time.Hour), FlaggedAt: now,
	}
	if err := w.DB.CreateAttempt(t.Context(), a); err != nil {
		t.Fatalf("CreateAttempt: %v", err)
	}
	if got, err := w.DB.Attempt(t.Context(), a.ID); err != nil || got.FlaggedAt.IsZero() {
		t.Fatalf("the attempt created flagged reads %+v, %v", got, err)
	}
	return a
}

// guess is a call naming one of A's IDs, and the code B gets.
type guess struct {
	name string
	call func(ctx context.Context) error
	want codes.Code
}

// guessesAt lists every call B can make naming one of A's IDs. Each is
// NotFound, exactly as for an ID that exists nowhere: B learns nothing of
// A. The exceptions are creates under an ID that must be unique in the
// whole gateway (DE 41, DE 42): AlreadyExists, with no more said.
func guessesAt(c clients, a tenantA) []guess {
	mask := &fieldmaskpb.FieldMask{Paths: []string{"city"}}
	return []guess{
		{"GetMerchant", func(ctx context.Context) error {
			_, err := c.Merchants.GetMerchant(ctx, &adminv1.GetMerchantRequest{MerchantId: a.Merchant})
			return err
		}, codes.NotFound},
		{"UpdateMerchant", func(ctx context.Context) error {
			_, err := c.Merchants.UpdateMerchant(ctx, &adminv1.UpdateMerchantRequest{Merchant: &adminv1.Merchant{Id: a.Merchant, City: "Bonn"}, UpdateMask: mask})
			return err
		}, codes.NotFound},
		{"SuspendMerchant", func(ctx context.Context) error {
			_, err := c.Merchants.SuspendMerchant(ctx, &adminv1.SuspendMerchantRequest{MerchantId: a.Merchant})
			return err
		}, codes.NotFound},
		{"ActivateMerchant", func(ctx context.Context) error {
			_, err := c.Merchants.ActivateMerchant(ctx, &adminv1.ActivateMerchantRequest{MerchantId: a.Merchant})
			return err
		}, codes.NotFound},
		{"CloseMerchant", func(ctx context.Context) error {
			_, err := c.Merchants.CloseMerchant(ctx, &adminv1.CloseMerchantRequest{MerchantId: a.Merchant})
			return err
		}, codes.NotFound},
		{"CreateMerchant under A's merchant ID", func(ctx context.Context) error {
			_, err := c.Merchants.CreateMerchant(ctx, &adminv1.CreateMerchantRequest{RequestId: requestID(), Merchant: newMerchant(a.Merchant)})
			return err
		}, codes.AlreadyExists},
		{"GetStore", func(ctx context.Context) error {
			_, err := c.Stores.GetStore(ctx, &adminv1.GetStoreRequest{MerchantId: a.Merchant, StoreId: a.Store})
			return err
		}, codes.NotFound},
		{"CreateStore under A's merchant", func(ctx context.Context) error {
			_, err := c.Stores.CreateStore(ctx, &adminv1.CreateStoreRequest{RequestId: requestID(),
				Store: &adminv1.Store{Id: "S-X", MerchantId: a.Merchant, Name: "x", City: "x"}})
			return err
		}, codes.NotFound},
		{"GetTerminal", func(ctx context.Context) error {
			_, err := c.Terminals.GetTerminal(ctx, &adminv1.GetTerminalRequest{TerminalId: a.Terminal})
			return err
		}, codes.NotFound},
		{"SuspendTerminal", func(ctx context.Context) error {
			_, err := c.Terminals.SuspendTerminal(ctx, &adminv1.SuspendTerminalRequest{TerminalId: a.Terminal})
			return err
		}, codes.NotFound},
		{"ActivateTerminal", func(ctx context.Context) error {
			_, err := c.Terminals.ActivateTerminal(ctx, &adminv1.ActivateTerminalRequest{TerminalId: a.Terminal})
			return err
		}, codes.NotFound},
		{"AddTerminal to A's merchant", func(ctx context.Context) error {
			_, err := c.Terminals.AddTerminal(ctx, &adminv1.AddTerminalRequest{RequestId: requestID(),
				Terminal: &adminv1.Terminal{Id: "TX000009", MerchantId: a.Merchant}})
			return err
		}, codes.NotFound},
		{"AddTerminal naming A's store", func(ctx context.Context) error {
			_, err := c.Terminals.AddTerminal(ctx, &adminv1.AddTerminalRequest{RequestId: requestID(),
				Terminal: &adminv1.Terminal{Id: "TX000010", MerchantId: "M-B", StoreId: a.Store}})
			return err
		}, codes.NotFound},
		{"AddTerminal under A's terminal ID", func(ctx context.Context) error {
			_, err := c.Terminals.AddTerminal(ctx, &adminv1.AddTerminalRequest{RequestId: requestID(),
				Terminal: &adminv1.Terminal{Id: a.Terminal, MerchantId: "M-B"}})
			return err
		}, codes.AlreadyExists},
		{"GetTransaction by ID", func(ctx context.Context) error {
			_, err := c.Transactions.GetTransaction(ctx, &adminv1.GetTransactionRequest{TransactionId: a.Purchase.ID})
			return err
		}, codes.NotFound},
		{"GetTransaction by RRN", func(ctx context.Context) error {
			_, err := c.Transactions.GetTransaction(ctx, &adminv1.GetTransactionRequest{Rrn: a.Purchase.RRN})
			return err
		}, codes.NotFound},
		{"GetTransaction of A's flagged attempt", func(ctx context.Context) error {
			_, err := c.Transactions.GetTransaction(ctx, &adminv1.GetTransactionRequest{TransactionId: a.Flagged.ID})
			return err
		}, codes.NotFound},
		{"RefundTransaction by ID", func(ctx context.Context) error {
			_, err := c.Transactions.RefundTransaction(ctx, &adminv1.RefundTransactionRequest{RequestId: requestID(), TransactionId: a.Purchase.ID})
			return err
		}, codes.NotFound},
		{"RefundTransaction by RRN", func(ctx context.Context) error {
			_, err := c.Transactions.RefundTransaction(ctx, &adminv1.RefundTransactionRequest{RequestId: requestID(), Rrn: a.Purchase.RRN, AmountMinorUnits: 100})
			return err
		}, codes.NotFound},
		{"RevokeApiKey", func(ctx context.Context) error {
			_, err := c.Acquirers.RevokeApiKey(ctx, &adminv1.RevokeApiKeyRequest{KeyId: a.KeyID})
			return err
		}, codes.NotFound},
	}
}

func TestAnAcquirerCannotReachAnotherAcquirersObjectsByAnyID(t *testing.T) {
	w := newWorld(t, worldOptions{})
	a := seedTenantA(t, w)
	c, asB := w.clients(), as(t, w.KeyB)
	for _, tt := range guessesAt(c, a) {
		t.Run("B's "+tt.name+" is answered "+tt.want.String(), func(t *testing.T) {
			err := tt.call(asB)
			s := wantCode(t, tt.name, err, tt.want)
			for _, secret := range []string{"A's shop", "Acquirer acq-a", acquirerA} {
				if strings.Contains(s.Message(), secret) {
					t.Errorf("the error %q tells B about A (%q)", s.Message(), secret)
				}
			}
		})
	}

	t.Run("Every method of the API is among the guesses or the lists", func(t *testing.T) {
		covered := map[string]bool{}
		for _, g := range guessesAt(c, a) {
			covered[strings.Fields(g.name)[0]] = true
		}
		for _, m := range listMethods {
			covered[m] = true
		}
		services := adminv1.File_meridian_admin_v1_admin_proto.Services()
		for i := range services.Len() {
			methods := services.Get(i).Methods()
			for j := range methods.Len() {
				if name := string(methods.Get(j).Name()); !covered[name] {
					t.Errorf("%s is not checked for isolation", name)
				}
			}
		}
	})
	t.Run("Every list B makes shows only B's objects, whatever A's ID it filters by", func(t *testing.T) {
		checkListsOfB(t, w, a)
	})
	t.Run("Nothing of A changed", func(t *testing.T) {
		checkNothingOfAChanged(t, w, a)
	})
}

// listMethods are the methods checkListsOfB calls: those that take no ID
// of an object, and so can only be checked to show B's objects alone.
var listMethods = []string{"ListMerchants", "ListStores", "ListTerminals", "SearchTransactions",
	"ListFlaggedTransactions", "ListAuditEvents", "ListApiKeys", "GetAcquirer", "CreateApiKey"}

// checkListsOfB fails t if a list B makes shows anything of A.
func checkListsOfB(t *testing.T, w *world, a tenantA) {
	t.Helper()
	c, asB := w.clients(), as(t, w.KeyB)
	merchants, err := c.Merchants.ListMerchants(asB, &adminv1.ListMerchantsRequest{})
	if err != nil || len(merchants.GetMerchants()) != 1 || merchants.GetMerchants()[0].GetId() != "M-B" {
		t.Errorf("B's merchants = %v, %v", merchants, err)
	}
	stores, err := c.Stores.ListStores(asB, &adminv1.ListStoresRequest{MerchantId: a.Merchant})
	if err != nil || len(stores.GetStores()) != 0 {
		t.Errorf("B's stores of A's merchant = %v, %v", stores, err)
	}
	terminals, err := c.Terminals.ListTerminals(asB, &adminv1.ListTerminalsRequest{MerchantId: a.Merchant})
	if err != nil || len(terminals.GetTerminals()) != 0 {
		t.Errorf("B's terminals of A's merchant = %v, %v", terminals, err)
	}
	terminals, err = c.Terminals.ListTerminals(asB, &adminv1.ListTerminalsRequest{})
	if err != nil || len(terminals.GetTerminals()) != 1 || terminals.GetTerminals()[0].GetId() != "TB000001" {
		t.Errorf("B's terminals = %v, %v", terminals, err)
	}
	for name, req := range map[string]*adminv1.SearchTransactionsRequest{
		"of A's merchant": {MerchantId: a.Merchant},
		"at A's terminal": {TerminalId: a.Terminal},
		"with A's RRN":    {Rrn: a.Purchase.RRN},
	} {
		txns, err := c.Transactions.SearchTransactions(asB, req)
		if err != nil || len(txns.GetTransactions()) != 0 {
			t.Errorf("B's search %s = %v, %v; want nothing", name, txns, err)
		}
	}
	txns, err := c.Transactions.SearchTransactions(asB, &adminv1.SearchTransactionsRequest{})
	if err != nil || len(txns.GetTransactions()) != 2 {
		t.Fatalf("B's transactions = %v, %v; want B's two", txns, err)
	}
	for _, txn := range txns.GetTransactions() {
		if txn.GetMerchantId() != "M-B" {
			t.Errorf("B's search lists %s of %s", txn.GetId(), txn.GetMerchantId())
		}
	}
	flagged, err := c.Review.ListFlaggedTransactions(asB, &adminv1.ListFlaggedTransactionsRequest{})
	if err != nil || len(flagged.GetTransactions()) != 1 || flagged.GetTransactions()[0].GetMerchantId() != "M-B" {
		t.Errorf("B's flagged = %v, %v; want B's one", flagged, err)
	}
	audit, err := c.Audit.ListAuditEvents(asB, &adminv1.ListAuditEventsRequest{Object: "merchants/" + a.Merchant})
	if err != nil || len(audit.GetEvents()) != 0 {
		t.Errorf("B's audit events of A's merchant = %v, %v; want none", audit, err)
	}
	audit, err = c.Audit.ListAuditEvents(asB, &adminv1.ListAuditEventsRequest{})
	if err != nil {
		t.Fatalf("ListAuditEvents: %v", err)
	}
	for _, ev := range audit.GetEvents() {
		if ev.GetAcquirerId() != acquirerB || strings.Contains(ev.GetObject(), a.Merchant) {
			t.Errorf("B's audit log shows %v", ev)
		}
	}
	keys, err := c.Acquirers.ListApiKeys(asB, &adminv1.ListApiKeysRequest{})
	if err != nil || len(keys.GetApiKeys()) != 1 || keys.GetApiKeys()[0].GetAcquirerId() != acquirerB {
		t.Errorf("B's keys = %v, %v", keys, err)
	}
	me, err := c.Acquirers.GetAcquirer(asB, &adminv1.GetAcquirerRequest{})
	if err != nil || me.GetAcquirer().GetId() != acquirerB {
		t.Errorf("B's GetAcquirer = %v, %v", me, err)
	}
}

// checkNothingOfAChanged fails t if any of A's objects changed.
func checkNothingOfAChanged(t *testing.T, w *world, a tenantA) {
	t.Helper()
	c, asA := w.clients(), as(t, w.KeyA)
	m, err := c.Merchants.GetMerchant(asA, &adminv1.GetMerchantRequest{MerchantId: a.Merchant})
	if err != nil || m.GetStatus() != adminv1.MerchantStatus_MERCHANT_STATUS_ACTIVE || m.GetCity() != "Köln" {
		t.Errorf("A's merchant = %v, %v", m, err)
	}
	term, err := c.Terminals.GetTerminal(asA, &adminv1.GetTerminalRequest{TerminalId: a.Terminal})
	if err != nil || term.GetStatus() != adminv1.TerminalStatus_TERMINAL_STATUS_ACTIVE {
		t.Errorf("A's terminal = %v, %v", term, err)
	}
	txn, err := c.Transactions.GetTransaction(asA, &adminv1.GetTransactionRequest{TransactionId: a.Purchase.ID})
	if err != nil || txn.GetRefunded().GetMinorUnits() != 0 {
		t.Errorf("A's purchase = %v, %v; want nothing refunded", txn, err)
	}
	if refunds := w.Sim.Ledger().Refunds(); len(refunds) != 0 {
		t.Errorf("the wallet refunded %v", refunds)
	}
	keys, _ := c.Acquirers.ListApiKeys(asA, &adminv1.ListApiKeysRequest{})
	for _, k := range keys.GetApiKeys() {
		if k.GetRevokeTime() != nil {
			t.Errorf("A's key %s was revoked", k.GetId())
		}
	}
	audit, _ := c.Audit.ListAuditEvents(asA, &adminv1.ListAuditEventsRequest{})
	for _, ev := range audit.GetEvents() {
		if ev.GetActor() != "operator" && !strings.HasPrefix(ev.GetActor(), "key:") {
			t.Errorf("A's audit log has an event by %s", ev.GetActor())
		}
	}
	row, _ := w.DB.Merchant(t.Context(), a.Merchant)
	if row.Suspended || row.City != "Köln" {
		t.Errorf("the engine reads A's merchant as %+v", row)
	}
}
