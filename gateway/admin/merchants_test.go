package admin_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/meridian-gw/meridian/gateway/payment"
	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

func TestCreatesAreIdempotentOnTheRequestID(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c, ctx := w.clients(), as(t, w.KeyA)

	t.Run("The same request twice makes one merchant and answers the same", func(t *testing.T) {
		req := &adminv1.CreateMerchantRequest{RequestId: requestID(), Merchant: newMerchant("M-IDEM-1")}
		first, err := c.Merchants.CreateMerchant(ctx, req)
		if err != nil {
			t.Fatalf("CreateMerchant: %v", err)
		}
		second, err := c.Merchants.CreateMerchant(ctx, req)
		if err != nil {
			t.Fatalf("repeated CreateMerchant: %v", err)
		}
		if !proto.Equal(first, second) {
			t.Errorf("repeat answered %v, first %v", second, first)
		}
		list, _ := c.Merchants.ListMerchants(ctx, &adminv1.ListMerchantsRequest{})
		if len(list.GetMerchants()) != 1 {
			t.Errorf("%d merchants listed, want 1", len(list.GetMerchants()))
		}
	})
	t.Run("The same request ID with other content is AlreadyExists naming request_id", func(t *testing.T) {
		id := requestID()
		if _, err := c.Merchants.CreateMerchant(ctx, &adminv1.CreateMerchantRequest{RequestId: id, Merchant: newMerchant("M-IDEM-2")}); err != nil {
			t.Fatalf("CreateMerchant: %v", err)
		}
		other := newMerchant("M-IDEM-2")
		other.City = "Bonn"
		_, err := c.Merchants.CreateMerchant(ctx, &adminv1.CreateMerchantRequest{RequestId: id, Merchant: other})
		s := wantCode(t, "other content under the same request ID", err, codes.AlreadyExists)
		if !slices.Contains(violatedFields(s), "request_id") || !strings.Contains(s.Message(), "request_id") {
			t.Errorf("the error %q (fields %v) does not name request_id", s.Message(), violatedFields(s))
		}
		m, _ := c.Merchants.GetMerchant(ctx, &adminv1.GetMerchantRequest{MerchantId: "M-IDEM-2"})
		if m.GetCity() != "Köln" {
			t.Errorf("the refused request changed the merchant: city %q", m.GetCity())
		}
	})
	t.Run("A request ID used for a merchant cannot create a terminal", func(t *testing.T) {
		id := requestID()
		if _, err := c.Merchants.CreateMerchant(ctx, &adminv1.CreateMerchantRequest{RequestId: id, Merchant: newMerchant("M-IDEM-3")}); err != nil {
			t.Fatalf("CreateMerchant: %v", err)
		}
		_, err := c.Terminals.AddTerminal(ctx, &adminv1.AddTerminalRequest{RequestId: id, Terminal: &adminv1.Terminal{Id: "TIDEM003", MerchantId: "M-IDEM-3"}})
		wantCode(t, "AddTerminal under a merchant's request ID", err, codes.AlreadyExists)
	})
	t.Run("Stores, terminals and keys are idempotent too", func(t *testing.T) {
		store := &adminv1.CreateStoreRequest{RequestId: requestID(), Store: &adminv1.Store{Id: "S1", MerchantId: "M-IDEM-1", Name: "Dom", City: "Köln"}}
		term := &adminv1.AddTerminalRequest{RequestId: requestID(), Terminal: &adminv1.Terminal{Id: "TIDEM001", MerchantId: "M-IDEM-1", StoreId: "S1"}}
		key := &adminv1.CreateApiKeyRequest{RequestId: requestID(), DisplayName: "ci"}
		var firstKey *adminv1.CreateApiKeyResponse
		for i := range 2 {
			if _, err := c.Stores.CreateStore(ctx, store); err != nil {
				t.Fatalf("CreateStore #%d: %v", i, err)
			}
			if _, err := c.Terminals.AddTerminal(ctx, term); err != nil {
				t.Fatalf("AddTerminal #%d: %v", i, err)
			}
			resp, err := c.Acquirers.CreateApiKey(ctx, key)
			if err != nil {
				t.Fatalf("CreateApiKey #%d: %v", i, err)
			}
			if i == 0 {
				firstKey = resp
				continue
			}
			if resp.GetApiKey().GetId() != firstKey.GetApiKey().GetId() || resp.GetSecret() != "" {
				t.Errorf("repeated CreateApiKey = key %s with secret %t; want key %s, no secret",
					resp.GetApiKey().GetId(), resp.GetSecret() != "", firstKey.GetApiKey().GetId())
			}
		}
		keys, _ := c.Acquirers.ListApiKeys(ctx, &adminv1.ListApiKeysRequest{})
		if len(keys.GetApiKeys()) != 2 { // the bootstrap key and this one
			t.Errorf("%d keys, want 2", len(keys.GetApiKeys()))
		}
		terms, _ := c.Terminals.ListTerminals(ctx, &adminv1.ListTerminalsRequest{MerchantId: "M-IDEM-1"})
		if len(terms.GetTerminals()) != 1 {
			t.Errorf("%d terminals, want 1", len(terms.GetTerminals()))
		}
	})
}

func TestEveryFieldRuleIsInvalidArgumentNamingTheField(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c, ctx := w.clients(), as(t, w.KeyA)
	w.onboard(t, w.KeyA, "M-VALID", "TVALID01")

	merchant := func(change func(m *adminv1.Merchant)) func() error {
		return func() error {
			m := newMerchant("M-NEW")
			change(m)
			_, err := c.Merchants.CreateMerchant(ctx, &adminv1.CreateMerchantRequest{RequestId: requestID(), Merchant: m})
			return err
		}
	}
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"a merchant ID of 16 characters", merchant(func(m *adminv1.Merchant) { m.Id = "M234567890123456" }), "merchant.id"},
		{"an empty merchant ID", merchant(func(m *adminv1.Merchant) { m.Id = "" }), "merchant.id"},
		{"a merchant ID with a surrounding space", merchant(func(m *adminv1.Merchant) { m.Id = " M1" }), "merchant.id"},
		{"an MCC of 3 digits", merchant(func(m *adminv1.Merchant) { m.Mcc = "581" }), "merchant.mcc"},
		{"an MCC with a letter", merchant(func(m *adminv1.Merchant) { m.Mcc = "58a2" }), "merchant.mcc"},
		{"a lower-case country", merchant(func(m *adminv1.Merchant) { m.Country = "de" }), "merchant.country"},
		{"an unassigned country", merchant(func(m *adminv1.Merchant) { m.Country = "XX" }), "merchant.country"},
		{"a currency not in ISO 4217", merchant(func(m *adminv1.Merchant) { m.Currency = "ABC" }), "merchant.currency"},
		{"a currency of four letters", merchant(func(m *adminv1.Merchant) { m.Currency = "EURO" }), "merchant.currency"},
		{"no scheme", merchant(func(m *adminv1.Merchant) { m.Schemes = nil }), "merchant.schemes"},
		{"a scheme the gateway does not serve", merchant(func(m *adminv1.Merchant) { m.Schemes = []string{"PAYPAL"} }), "merchant.schemes"},
		{"a scheme twice", merchant(func(m *adminv1.Merchant) { m.Schemes = []string{"ALIPAYPLUS", "ALIPAYPLUS"} }), "merchant.schemes"},
		{"a mark-up above 20", merchant(func(m *adminv1.Merchant) { m.MarkupPercent = map[string]string{"ALIPAYPLUS": "20.01"} }), "merchant.markup_percent[ALIPAYPLUS]"},
		{"a mark-up with three decimals", merchant(func(m *adminv1.Merchant) { m.MarkupPercent = map[string]string{"ALIPAYPLUS": "1.234"} }), "merchant.markup_percent[ALIPAYPLUS]"},
		{"a negative mark-up", merchant(func(m *adminv1.Merchant) { m.MarkupPercent = map[string]string{"ALIPAYPLUS": "-1"} }), "merchant.markup_percent[ALIPAYPLUS]"},
		{"a mark-up that is no number", merchant(func(m *adminv1.Merchant) { m.MarkupPercent = map[string]string{"ALIPAYPLUS": "1e1"} }), "merchant.markup_percent[ALIPAYPLUS]"},
		{"a mark-up of a scheme not served", merchant(func(m *adminv1.Merchant) { m.MarkupPercent = map[string]string{"PAYPAL": "1"} }), "merchant.markup_percent"},
		{"a negative maximum amount", merchant(func(m *adminv1.Merchant) { m.MaxAmount = -1 }), "merchant.max_amount"},
		{"a maximum amount of 13 digits", merchant(func(m *adminv1.Merchant) { m.MaxAmount = 1_000_000_000_000 }), "merchant.max_amount"},
		{"a per-minute limit above the per-day one", merchant(func(m *adminv1.Merchant) {
			m.FrequencyLimits = &adminv1.FrequencyLimits{PurchasesPerTerminalPerMinute: 60, PurchasesPerTerminalPerDay: 10}
		}), "merchant.frequency_limits.purchases_per_terminal_per_minute"},
		{"an empty legal name", merchant(func(m *adminv1.Merchant) { m.LegalName = "" }), "merchant.legal_name"},
		{"a legal name of 101 characters", merchant(func(m *adminv1.Merchant) { m.LegalName = strings.Repeat("ü", 101) }), "merchant.legal_name"},
		{"a trading name with a control character", merchant(func(m *adminv1.Merchant) { m.TradingName = "Café\x07" }), "merchant.trading_name"},
		{"an empty city", merchant(func(m *adminv1.Merchant) { m.City = "" }), "merchant.city"},
		{"no merchant", func() error {
			_, err := c.Merchants.CreateMerchant(ctx, &adminv1.CreateMerchantRequest{RequestId: requestID()})
			return err
		}, "merchant"},
		{"no request ID", func() error {
			_, err := c.Merchants.CreateMerchant(ctx, &adminv1.CreateMerchantRequest{Merchant: newMerchant("M-NEW")})
			return err
		}, "request_id"},
		{"a request ID with a space", func() error {
			_, err := c.Merchants.CreateMerchant(ctx, &adminv1.CreateMerchantRequest{RequestId: "a b", Merchant: newMerchant("M-NEW")})
			return err
		}, "request_id"},
		{"a terminal ID of 9 characters", func() error {
			_, err := c.Terminals.AddTerminal(ctx, &adminv1.AddTerminalRequest{RequestId: requestID(), Terminal: &adminv1.Terminal{Id: "T12345678", MerchantId: "M-VALID"}})
			return err
		}, "terminal.id"},
		{"a terminal ID with a space", func() error {
			_, err := c.Terminals.AddTerminal(ctx, &adminv1.AddTerminalRequest{RequestId: requestID(), Terminal: &adminv1.Terminal{Id: "T 1", MerchantId: "M-VALID"}})
			return err
		}, "terminal.id"},
		{"a store ID with a space", func() error {
			_, err := c.Stores.CreateStore(ctx, &adminv1.CreateStoreRequest{RequestId: requestID(), Store: &adminv1.Store{Id: "S 1", MerchantId: "M-VALID", Name: "n", City: "c"}})
			return err
		}, "store.id"},
		{"a store without a name", func() error {
			_, err := c.Stores.CreateStore(ctx, &adminv1.CreateStoreRequest{RequestId: requestID(), Store: &adminv1.Store{Id: "S1", MerchantId: "M-VALID", City: "c"}})
			return err
		}, "store.name"},
		{"an update without a mask", func() error {
			_, err := c.Merchants.UpdateMerchant(ctx, &adminv1.UpdateMerchantRequest{Merchant: &adminv1.Merchant{Id: "M-VALID"}})
			return err
		}, "update_mask"},
		{"an update of the currency", func() error {
			_, err := c.Merchants.UpdateMerchant(ctx, &adminv1.UpdateMerchantRequest{Merchant: &adminv1.Merchant{Id: "M-VALID", Currency: "USD"},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"currency"}}})
			return err
		}, "update_mask"},
		{"an update of the status", func() error {
			_, err := c.Merchants.UpdateMerchant(ctx, &adminv1.UpdateMerchantRequest{Merchant: &adminv1.Merchant{Id: "M-VALID"},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}}})
			return err
		}, "update_mask"},
		{"an update to a bad MCC", func() error {
			_, err := c.Merchants.UpdateMerchant(ctx, &adminv1.UpdateMerchantRequest{Merchant: &adminv1.Merchant{Id: "M-VALID", Mcc: "12"},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"mcc"}}})
			return err
		}, "merchant.mcc"},
		{"an update to a per-minute limit above the stored per-day one", func() error {
			_, err := c.Merchants.UpdateMerchant(ctx, &adminv1.UpdateMerchantRequest{
				Merchant:   &adminv1.Merchant{Id: "M-VALID", FrequencyLimits: &adminv1.FrequencyLimits{PurchasesPerTerminalPerMinute: 501}},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"frequency_limits.purchases_per_terminal_per_minute"}}})
			return err
		}, "merchant.frequency_limits.purchases_per_terminal_per_minute"},
		{"a negative page size", func() error {
			_, err := c.Merchants.ListMerchants(ctx, &adminv1.ListMerchantsRequest{PageSize: -1})
			return err
		}, "page_size"},
		{"a page token not issued", func() error {
			_, err := c.Merchants.ListMerchants(ctx, &adminv1.ListMerchantsRequest{PageToken: "bm90IGEgdG9rZW4"})
			return err
		}, "page_token"},
		{"a search ending before it starts", func() error {
			from := timestamppb.Now()
			_, err := c.Transactions.SearchTransactions(ctx, &adminv1.SearchTransactionsRequest{StartTime: from, EndTime: from})
			return err
		}, "end_time"},
		{"a transaction named by both ID and RRN", func() error {
			_, err := c.Transactions.GetTransaction(ctx, &adminv1.GetTransactionRequest{TransactionId: "x", Rrn: "000000000001"})
			return err
		}, "transaction_id"},
		{"a negative refund", func() error {
			_, err := c.Transactions.RefundTransaction(ctx, &adminv1.RefundTransactionRequest{RequestId: requestID(), Rrn: "000000000001", AmountMinorUnits: -5})
			return err
		}, "amount_minor_units"},
		{"a suspension reason of 201 characters", func() error {
			_, err := c.Merchants.SuspendMerchant(ctx, &adminv1.SuspendMerchantRequest{MerchantId: "M-VALID", Reason: strings.Repeat("x", 201)})
			return err
		}, "reason"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s is refused naming %s", strings.ToUpper(tt.name[:1])+tt.name[1:], tt.field), func(t *testing.T) {
			s := wantCode(t, tt.name, tt.call(), codes.InvalidArgument)
			if !slices.Contains(violatedFields(s), tt.field) {
				t.Errorf("violations name %v, want %s (message %q)", violatedFields(s), tt.field, s.Message())
			}
			if !strings.Contains(s.Message(), tt.field+":") {
				t.Errorf("message %q does not name %s", s.Message(), tt.field)
			}
		})
	}
	t.Run("Every invalid field is named at once", func(t *testing.T) {
		m := newMerchant("M234567890123456")
		m.Mcc, m.Country = "1", "de"
		_, err := c.Merchants.CreateMerchant(ctx, &adminv1.CreateMerchantRequest{Merchant: m})
		s := wantCode(t, "four invalid fields", err, codes.InvalidArgument)
		got := violatedFields(s)
		for _, f := range []string{"request_id", "merchant.id", "merchant.mcc", "merchant.country"} {
			if !slices.Contains(got, f) {
				t.Errorf("violations %v lack %s", got, f)
			}
		}
	})
	t.Run("Nothing invalid was stored", func(t *testing.T) {
		list, err := c.Merchants.ListMerchants(ctx, &adminv1.ListMerchantsRequest{})
		if err != nil || len(list.GetMerchants()) != 1 {
			t.Errorf("merchants = %v, %v; want only M-VALID", list, err)
		}
	})
}

func TestASuspensionIsSeenByTheNextTerminalRequest(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c, ctx := w.clients(), as(t, w.KeyA)
	w.onboard(t, w.KeyA, "M-LIVE", "TLIVE001")
	w.approved(t, "M-LIVE", "TLIVE001", 1000)

	t.Run("A suspended merchant is suspended in the engine's own row at once", func(t *testing.T) {
		m, err := c.Merchants.SuspendMerchant(ctx, &adminv1.SuspendMerchantRequest{MerchantId: "M-LIVE", Reason: "chargebacks"})
		if err != nil || m.GetStatus() != adminv1.MerchantStatus_MERCHANT_STATUS_SUSPENDED {
			t.Fatalf("SuspendMerchant = %v, %v", m, err)
		}
		row, err := w.DB.Merchant(t.Context(), "M-LIVE")
		if err != nil || !row.Suspended {
			t.Fatalf("payment.Store.Merchant = %+v, %v; want suspended", row, err)
		}
		if _, err := w.purchase(t, "M-LIVE", "TLIVE001", 1000); !errors.Is(err, payment.ErrUnknownMerchant) {
			t.Errorf("purchase at a suspended merchant = %v, want ErrUnknownMerchant (RC 03)", err)
		}
	})
	t.Run("An activated merchant transacts again", func(t *testing.T) {
		if _, err := c.Merchants.ActivateMerchant(ctx, &adminv1.ActivateMerchantRequest{MerchantId: "M-LIVE"}); err != nil {
			t.Fatalf("ActivateMerchant: %v", err)
		}
		w.approved(t, "M-LIVE", "TLIVE001", 1000)
	})
	t.Run("A suspended terminal is declined and the merchant's other terminals are not", func(t *testing.T) {
		if _, err := c.Terminals.AddTerminal(ctx, &adminv1.AddTerminalRequest{RequestId: requestID(), Terminal: &adminv1.Terminal{Id: "TLIVE002", MerchantId: "M-LIVE"}}); err != nil {
			t.Fatalf("AddTerminal: %v", err)
		}
		term, err := c.Terminals.SuspendTerminal(ctx, &adminv1.SuspendTerminalRequest{TerminalId: "TLIVE001"})
		if err != nil || term.GetStatus() != adminv1.TerminalStatus_TERMINAL_STATUS_SUSPENDED {
			t.Fatalf("SuspendTerminal = %v, %v", term, err)
		}
		if _, err := w.purchase(t, "M-LIVE", "TLIVE001", 1000); !errors.Is(err, payment.ErrUnknownMerchant) {
			t.Errorf("purchase at a suspended terminal = %v, want ErrUnknownMerchant", err)
		}
		w.approved(t, "M-LIVE", "TLIVE002", 1000)
		if _, err := c.Terminals.ActivateTerminal(ctx, &adminv1.ActivateTerminalRequest{TerminalId: "TLIVE001"}); err != nil {
			t.Fatalf("ActivateTerminal: %v", err)
		}
		w.approved(t, "M-LIVE", "TLIVE001", 1000)
	})
	t.Run("An update of the maximum amount applies to the next purchase", func(t *testing.T) {
		_, err := c.Merchants.UpdateMerchant(ctx, &adminv1.UpdateMerchantRequest{
			Merchant: &adminv1.Merchant{Id: "M-LIVE", MaxAmount: 500}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"max_amount"}}})
		if err != nil {
			t.Fatalf("UpdateMerchant: %v", err)
		}
		if _, err := w.purchase(t, "M-LIVE", "TLIVE001", 1000); !errors.Is(err, payment.ErrAmountLimit) {
			t.Errorf("purchase above the new limit = %v, want ErrAmountLimit", err)
		}
		w.approved(t, "M-LIVE", "TLIVE001", 400)
	})
	t.Run("A closed merchant is final", func(t *testing.T) {
		m, err := c.Merchants.CloseMerchant(ctx, &adminv1.CloseMerchantRequest{MerchantId: "M-LIVE", Reason: "contract ended"})
		if err != nil || m.GetStatus() != adminv1.MerchantStatus_MERCHANT_STATUS_CLOSED {
			t.Fatalf("CloseMerchant = %v, %v", m, err)
		}
		if _, err := w.purchase(t, "M-LIVE", "TLIVE001", 100); !errors.Is(err, payment.ErrUnknownMerchant) {
			t.Errorf("purchase at a closed merchant = %v, want ErrUnknownMerchant", err)
		}
		for name, call := range map[string]func() error{
			"CloseMerchant again": func() error {
				_, err := c.Merchants.CloseMerchant(ctx, &adminv1.CloseMerchantRequest{MerchantId: "M-LIVE"})
				return err
			},
			"ActivateMerchant": func() error {
				_, err := c.Merchants.ActivateMerchant(ctx, &adminv1.ActivateMerchantRequest{MerchantId: "M-LIVE"})
				return err
			},
			"UpdateMerchant": func() error {
				_, err := c.Merchants.UpdateMerchant(ctx, &adminv1.UpdateMerchantRequest{
					Merchant: &adminv1.Merchant{Id: "M-LIVE", City: "Bonn"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"city"}}})
				return err
			},
			"ActivateTerminal": func() error {
				_, err := c.Terminals.ActivateTerminal(ctx, &adminv1.ActivateTerminalRequest{TerminalId: "TLIVE001"})
				return err
			},
			"AddTerminal": func() error {
				_, err := c.Terminals.AddTerminal(ctx, &adminv1.AddTerminalRequest{RequestId: requestID(), Terminal: &adminv1.Terminal{Id: "TLIVE003", MerchantId: "M-LIVE"}})
				return err
			},
		} {
			wantCode(t, name+" of a closed merchant", call(), codes.FailedPrecondition)
		}
	})
}

func TestUpdateChangesOnlyTheMaskedFields(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c, ctx := w.clients(), as(t, w.KeyA)
	before := w.onboard(t, w.KeyA, "M-UPD", "TUPD0001")
	patch := &adminv1.Merchant{Id: "M-UPD", City: "Bonn", LegalName: "ignored: not in the mask",
		MarkupPercent: map[string]string{"KAKAOPAY": "2.25"}, Schemes: []string{"ALIPAYPLUS", "KAKAOPAY"}}
	after, err := c.Merchants.UpdateMerchant(ctx, &adminv1.UpdateMerchantRequest{Merchant: patch,
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"city", "markup_percent", "schemes"}}})
	if err != nil {
		t.Fatalf("UpdateMerchant: %v", err)
	}
	want := proto.CloneOf(before)
	want.City, want.MarkupPercent, want.Schemes = "Bonn", patch.MarkupPercent, patch.Schemes
	want.UpdateTime = after.GetUpdateTime()
	if !proto.Equal(after, want) {
		t.Errorf("UpdateMerchant = %v\nwant %v", after, want)
	}
	row, _ := w.DB.Merchant(t.Context(), "M-UPD")
	if row.City != "Bonn" || !row.SchemeEnabled("KAKAOPAY") || row.LegalName != before.GetLegalName() {
		t.Errorf("the engine reads %+v", row)
	}
}

func TestListingMerchantsWalksEveryOneOnceStableUnderInserts(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c, ctx := w.clients(), as(t, w.KeyA)
	const total = 1234
	ids := make([]string, total)
	for i := range ids {
		ids[i] = fmt.Sprintf("M%05d", i*2) // even numbers: inserts go between them
	}
	createAll(t, w, w.KeyA, ids)
	createAll(t, w, w.KeyB, []string{"M00001", "M99999"}) // B's, inside A's range

	seen := map[string]int{}
	pages, token, inserted := 0, "", 0
	for {
		resp, err := c.Merchants.ListMerchants(ctx, &adminv1.ListMerchantsRequest{PageSize: 100, PageToken: token})
		if err != nil {
			t.Fatalf("ListMerchants page %d: %v", pages, err)
		}
		pages++
		if n := len(resp.GetMerchants()); n > 100 || (n < 100 && resp.GetNextPageToken() != "") {
			t.Fatalf("page %d holds %d merchants with next token %q", pages, n, resp.GetNextPageToken())
		}
		for _, m := range resp.GetMerchants() {
			seen[m.GetId()]++
		}
		token = resp.GetNextPageToken()
		if token == "" {
			break
		}
		// Between pages, merchants arrive both before and after the cursor.
		last := resp.GetMerchants()[len(resp.GetMerchants())-1].GetId()
		var n int
		fmt.Sscanf(last[1:], "%d", &n)
		createAll(t, w, w.KeyA, []string{fmt.Sprintf("M%05d", n-1), fmt.Sprintf("M%05d", n+3)})
		inserted += 2
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("merchant %s listed %d times, want once", id, seen[id])
		}
	}
	for id, n := range seen {
		if n != 1 || id == "M00001" || id == "M99999" {
			t.Errorf("merchant %s listed %d times (B's merchants never, A's at most once)", id, n)
		}
	}
	if pages < 13 || inserted == 0 {
		t.Errorf("%d pages with %d inserts, want at least 13 pages", pages, inserted)
	}
	t.Run("A page token is refused with another filter or by another acquirer", func(t *testing.T) {
		first, err := c.Merchants.ListMerchants(ctx, &adminv1.ListMerchantsRequest{PageSize: 10})
		if err != nil || first.GetNextPageToken() == "" {
			t.Fatalf("ListMerchants = %v, %v", first, err)
		}
		_, err = c.Merchants.ListMerchants(ctx, &adminv1.ListMerchantsRequest{PageSize: 10, PageToken: first.GetNextPageToken(),
			Status: adminv1.MerchantStatus_MERCHANT_STATUS_CLOSED})
		wantCode(t, "the token with another filter", err, codes.InvalidArgument)
		_, err = c.Merchants.ListMerchants(as(t, w.KeyB), &adminv1.ListMerchantsRequest{PageSize: 10, PageToken: first.GetNextPageToken()})
		wantCode(t, "A's token used by B", err, codes.InvalidArgument)
	})
	t.Run("A page size above 500 is cut to 500", func(t *testing.T) {
		resp, err := c.Merchants.ListMerchants(ctx, &adminv1.ListMerchantsRequest{PageSize: 10_000})
		if err != nil || len(resp.GetMerchants()) != 500 {
			t.Errorf("ListMerchants(page_size 10000) = %d merchants, %v; want 500", len(resp.GetMerchants()), err)
		}
	})
}

// createAll creates merchants with ids for the acquirer with key, several
// at once so that the store's group commit shares the fsyncs.
func createAll(t *testing.T, w *world, key string, ids []string) {
	t.Helper()
	c, ctx := w.clients(), as(t, key)
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	for _, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			_, err := c.Merchants.CreateMerchant(ctx, &adminv1.CreateMerchantRequest{RequestId: requestID(), Merchant: newMerchant(id)})
			if err != nil {
				errs <- fmt.Errorf("CreateMerchant %s: %w", id, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
