package admin_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/meridian-gw/meridian/gateway/payment"
	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

func TestTransactionsAreSearchedAndReadWithTheirHistory(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c, ctx := w.clients(), as(t, w.KeyA)
	w.onboard(t, w.KeyA, "M-TX-1", "TTX00001")
	w.onboard(t, w.KeyA, "M-TX-2", "TTX00002")
	start := time.Now()
	var approved []*payment.Attempt
	for range 3 {
		approved = append(approved, w.approved(t, "M-TX-1", "TTX00001", 1000))
	}
	declined, err := w.purchase(t, "M-TX-2", "TTX00002", 1051) // the simulator declines: insufficient funds
	if err != nil || declined.State != payment.StateDeclined {
		t.Fatalf("purchase of 10.51 = %+v, %v; want declined", declined, err)
	}

	search := func(req *adminv1.SearchTransactionsRequest) []string {
		t.Helper()
		resp, err := c.Transactions.SearchTransactions(ctx, req)
		if err != nil {
			t.Fatalf("SearchTransactions(%v): %v", req, err)
		}
		var ids []string
		for _, txn := range resp.GetTransactions() {
			ids = append(ids, txn.GetId())
		}
		return ids
	}
	newestFirst := []string{declined.ID, approved[2].ID, approved[1].ID, approved[0].ID}
	t.Run("Every filter selects what it names, newest first", func(t *testing.T) {
		tests := []struct {
			name string
			req  *adminv1.SearchTransactionsRequest
			want []string
		}{
			{"everything", &adminv1.SearchTransactionsRequest{}, newestFirst},
			{"a merchant", &adminv1.SearchTransactionsRequest{MerchantId: "M-TX-1"}, newestFirst[1:]},
			{"a terminal", &adminv1.SearchTransactionsRequest{TerminalId: "TTX00002"}, newestFirst[:1]},
			{"a state", &adminv1.SearchTransactionsRequest{States: []adminv1.TransactionState{adminv1.TransactionState_TRANSACTION_STATE_DECLINED}}, newestFirst[:1]},
			{"a kind", &adminv1.SearchTransactionsRequest{Kinds: []adminv1.TransactionKind{adminv1.TransactionKind_TRANSACTION_KIND_REFUND}}, nil},
			{"a scheme", &adminv1.SearchTransactionsRequest{Scheme: "ALIPAYPLUS"}, newestFirst},
			{"another scheme", &adminv1.SearchTransactionsRequest{Scheme: "KAKAOPAY"}, nil},
			{"an RRN", &adminv1.SearchTransactionsRequest{Rrn: approved[1].RRN}, []string{approved[1].ID}},
			{"a time range", &adminv1.SearchTransactionsRequest{StartTime: timestamppb.New(approved[1].CreatedAt),
				EndTime: timestamppb.New(declined.CreatedAt)}, []string{approved[2].ID, approved[1].ID}},
			{"a time range before any", &adminv1.SearchTransactionsRequest{EndTime: timestamppb.New(start.Add(-time.Hour))}, nil},
		}
		for _, tt := range tests {
			if got := search(tt.req); !slices.Equal(got, tt.want) {
				t.Errorf("search by %s = %v, want %v", tt.name, got, tt.want)
			}
		}
	})
	t.Run("Pages of one walk every transaction once", func(t *testing.T) {
		var got []string
		token := ""
		for range 10 {
			resp, err := c.Transactions.SearchTransactions(ctx, &adminv1.SearchTransactionsRequest{PageSize: 1, PageToken: token})
			if err != nil {
				t.Fatalf("SearchTransactions: %v", err)
			}
			for _, txn := range resp.GetTransactions() {
				got = append(got, txn.GetId())
			}
			if token = resp.GetNextPageToken(); token == "" {
				break
			}
		}
		if !slices.Equal(got, newestFirst) {
			t.Errorf("pages = %v, want %v", got, newestFirst)
		}
	})
	t.Run("A transaction reads with its journal and what was refunded", func(t *testing.T) {
		txn, err := c.Transactions.GetTransaction(ctx, &adminv1.GetTransactionRequest{Rrn: approved[0].RRN})
		if err != nil {
			t.Fatalf("GetTransaction: %v", err)
		}
		if txn.GetId() != approved[0].ID || txn.GetState() != adminv1.TransactionState_TRANSACTION_STATE_APPROVED ||
			txn.GetAmount().GetMinorUnits() != 1000 || txn.GetApprovalCode() == "" || !masked(txn.GetCodeMasked()) ||
			txn.GetRefunded().GetMinorUnits() != 0 || txn.GetRefunded().GetCurrency() != "EUR" {
			t.Errorf("GetTransaction = %v", txn)
		}
		events, _ := w.DB.Events(t.Context(), approved[0].ID)
		if len(txn.GetHistory()) != len(events) || len(events) < 2 || txn.GetHistory()[0].GetType() != "intent" {
			t.Errorf("history = %v, want the journal's %d events from the intent", txn.GetHistory(), len(events))
		}
		for _, ev := range txn.GetHistory() {
			if ev.GetTime() == nil {
				t.Errorf("event %s without time", ev.GetType())
			}
		}
		if d := txn.GetReason(); d != "" {
			t.Errorf("an approved purchase has reason %q", d)
		}
		dec, _ := c.Transactions.GetTransaction(ctx, &adminv1.GetTransactionRequest{TransactionId: declined.ID})
		if dec.GetReason() != string(payment.ReasonInsufficientFunds) {
			t.Errorf("declined purchase reason %q", dec.GetReason())
		}
	})
}

func TestRefundsGoThroughTheEngineOncePerRequestID(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c, ctx := w.clients(), as(t, w.KeyA)
	w.onboard(t, w.KeyA, "M-REF", "TREF0001")
	purchase := w.approved(t, "M-REF", "TREF0001", 1000)
	refund := func(req *adminv1.RefundTransactionRequest) (*adminv1.Transaction, error) {
		return c.Transactions.RefundTransaction(ctx, req)
	}

	partial := &adminv1.RefundTransactionRequest{RequestId: requestID(), TransactionId: purchase.ID, AmountMinorUnits: 300}
	var first *adminv1.Transaction
	t.Run("A partial refund is approved by the wallet", func(t *testing.T) {
		var err error
		if first, err = refund(partial); err != nil {
			t.Fatalf("RefundTransaction: %v", err)
		}
		if first.GetKind() != adminv1.TransactionKind_TRANSACTION_KIND_REFUND || first.GetState() != adminv1.TransactionState_TRANSACTION_STATE_APPROVED ||
			first.GetAmount().GetMinorUnits() != 300 || first.GetOriginalId() != purchase.ID || first.GetOriginalRrn() != purchase.RRN {
			t.Errorf("refund = %v", first)
		}
	})
	t.Run("The same request again returns the same refund and the wallet refunds once", func(t *testing.T) {
		again, err := refund(partial)
		if err != nil || again.GetId() != first.GetId() {
			t.Fatalf("repeated RefundTransaction = %v, %v; want refund %s", again, err, first.GetId())
		}
		if n := len(w.Sim.Ledger().Refunds()); n != 1 {
			t.Errorf("the wallet holds %d refunds, want 1", n)
		}
	})
	t.Run("The same request ID with another amount is AlreadyExists", func(t *testing.T) {
		other := &adminv1.RefundTransactionRequest{RequestId: partial.RequestId, TransactionId: purchase.ID, AmountMinorUnits: 200}
		_, err := refund(other)
		wantCode(t, "another amount under the request ID", err, codes.AlreadyExists)
	})
	t.Run("More than remains is FailedPrecondition", func(t *testing.T) {
		_, err := refund(&adminv1.RefundTransactionRequest{RequestId: requestID(), Rrn: purchase.RRN, AmountMinorUnits: 701})
		wantCode(t, "a refund of 7.01 of the 7.00 left", err, codes.FailedPrecondition)
	})
	rest := &adminv1.RefundTransactionRequest{RequestId: requestID(), Rrn: purchase.RRN}
	t.Run("Amount zero refunds what remains, and its repeat the same", func(t *testing.T) {
		got, err := refund(rest)
		if err != nil || got.GetAmount().GetMinorUnits() != 700 || got.GetState() != adminv1.TransactionState_TRANSACTION_STATE_APPROVED {
			t.Fatalf("refund of the rest = %v, %v; want 7.00 approved", got, err)
		}
		again, err := refund(rest)
		if err != nil || again.GetId() != got.GetId() {
			t.Errorf("repeated refund of the rest = %v, %v; want %s", again, err, got.GetId())
		}
		txn, _ := c.Transactions.GetTransaction(ctx, &adminv1.GetTransactionRequest{TransactionId: purchase.ID})
		if txn.GetRefunded().GetMinorUnits() != 1000 {
			t.Errorf("refunded = %v, want 10.00", txn.GetRefunded())
		}
	})
	t.Run("A full refund of a refunded purchase is FailedPrecondition", func(t *testing.T) {
		_, err := refund(&adminv1.RefundTransactionRequest{RequestId: requestID(), TransactionId: purchase.ID})
		wantCode(t, "nothing left", err, codes.FailedPrecondition)
	})
	t.Run("A declined purchase cannot be refunded", func(t *testing.T) {
		declined, err := w.purchase(t, "M-REF", "TREF0001", 2051)
		if err != nil || declined.State != payment.StateDeclined {
			t.Fatalf("purchase = %+v, %v", declined, err)
		}
		_, err = refund(&adminv1.RefundTransactionRequest{RequestId: requestID(), TransactionId: declined.ID, AmountMinorUnits: 100})
		wantCode(t, "a refund of a declined purchase", err, codes.FailedPrecondition)
	})
	t.Run("A refund cannot be refunded", func(t *testing.T) {
		_, err := refund(&adminv1.RefundTransactionRequest{RequestId: requestID(), TransactionId: first.GetId(), AmountMinorUnits: 1})
		wantCode(t, "a refund of a refund", err, codes.FailedPrecondition)
	})
	t.Run("Refunds are found as transactions of the merchant", func(t *testing.T) {
		resp, err := c.Transactions.SearchTransactions(ctx, &adminv1.SearchTransactionsRequest{
			MerchantId: "M-REF", Kinds: []adminv1.TransactionKind{adminv1.TransactionKind_TRANSACTION_KIND_REFUND}})
		if err != nil || len(resp.GetTransactions()) != 2 {
			t.Errorf("refunds = %v, %v; want 2", resp, err)
		}
	})
	t.Run("The wallet's ledger reconciles", func(t *testing.T) {
		if err := w.Sim.Ledger().Check(); err != nil {
			t.Error(err)
		}
		var total int64
		for _, r := range w.Sim.Ledger().Refunds() {
			if r.Succeeded() {
				total += r.MinorUnits
			}
		}
		if total != 1000 {
			t.Errorf("the wallet refunded %d, want 1000", total)
		}
	})
}

func TestASuspendedMerchantsPurchaseCanStillBeRefundedByItsAcquirer(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c, ctx := w.clients(), as(t, w.KeyA)
	w.onboard(t, w.KeyA, "M-SUSP", "TSUS0001")
	purchase := w.approved(t, "M-SUSP", "TSUS0001", 1500)
	if _, err := c.Merchants.SuspendMerchant(ctx, &adminv1.SuspendMerchantRequest{MerchantId: "M-SUSP"}); err != nil {
		t.Fatalf("SuspendMerchant: %v", err)
	}
	if _, err := w.purchase(t, "M-SUSP", "TSUS0001", 100); !errors.Is(err, payment.ErrUnknownMerchant) {
		t.Fatalf("a purchase at the suspended merchant = %v, want ErrUnknownMerchant (RC 03)", err)
	}
	got, err := c.Transactions.RefundTransaction(ctx, &adminv1.RefundTransactionRequest{RequestId: requestID(), TransactionId: purchase.ID, AmountMinorUnits: 1500})
	if err != nil || got.GetState() != adminv1.TransactionState_TRANSACTION_STATE_APPROVED {
		t.Fatalf("refund of a suspended merchant's purchase = %v, %v; want approved", got, err)
	}
	if err := w.Sim.Ledger().Check(); err != nil {
		t.Error(err)
	}
}

func TestFrequencyLimitsTakeEffectOnTheNextPurchase(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c, ctx := w.clients(), as(t, w.KeyA)
	w.onboard(t, w.KeyA, "M-FREQ", "TFRQ0001")
	limit := func(perMinute uint32) {
		t.Helper()
		m := &adminv1.Merchant{Id: "M-FREQ", FrequencyLimits: &adminv1.FrequencyLimits{PurchasesPerTerminalPerMinute: perMinute, PurchasesPerTerminalPerDay: 500}}
		if _, err := c.Merchants.UpdateMerchant(ctx, &adminv1.UpdateMerchantRequest{Merchant: m,
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"frequency_limits"}}}); err != nil {
			t.Fatalf("UpdateMerchant: %v", err)
		}
	}
	limit(2)
	w.approved(t, "M-FREQ", "TFRQ0001", 100)
	second := w.approved(t, "M-FREQ", "TFRQ0001", 100)
	if _, err := w.purchase(t, "M-FREQ", "TFRQ0001", 100); !errors.Is(err, payment.ErrFrequencyLimit) {
		t.Fatalf("a third purchase within the minute = %v, want ErrFrequencyLimit (RC 65)", err)
	}
	// A repeat of a purchase already made gets its answer, not 65.
	again, err := w.Engine.Purchase(context.Background(), payment.PurchaseRequest{Key: second.Key, MerchantID: "M-FREQ",
		Amount: payment.Money{Minor: 100, Currency: "EUR"}, Code: alipayCode})
	if err != nil || again.ID != second.ID {
		t.Fatalf("repeat at the limit = %v, %v; want purchase %s", again, err, second.ID)
	}
	limit(3) // raised through the API: the next purchase goes through
	w.approved(t, "M-FREQ", "TFRQ0001", 100)
}

func TestRefundsAreUnimplementedWithoutARefunder(t *testing.T) {
	w := newWorld(t, worldOptions{NoRefunder: true})
	_, err := w.clients().Transactions.RefundTransaction(as(t, w.KeyA), &adminv1.RefundTransactionRequest{RequestId: requestID(), Rrn: "000000000001"})
	wantCode(t, "RefundTransaction", err, codes.Unimplemented)
}

func TestFlaggedTransactionsAreListedForReview(t *testing.T) {
	w := newWorld(t, worldOptions{})
	a := seedTenantA(t, w)
	c, ctx := w.clients(), as(t, w.KeyA)
	second := w.flagged(t, a.Merchant, a.Terminal)
	var got []string
	token := ""
	for range 5 {
		resp, err := c.Review.ListFlaggedTransactions(ctx, &adminv1.ListFlaggedTransactionsRequest{PageSize: 1, PageToken: token})
		if err != nil {
			t.Fatalf("ListFlaggedTransactions: %v", err)
		}
		for _, txn := range resp.GetTransactions() {
			got = append(got, txn.GetId())
			if txn.GetFlagTime() == nil || txn.GetState() != adminv1.TransactionState_TRANSACTION_STATE_UNKNOWN {
				t.Errorf("flagged transaction %v", txn)
			}
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if want := []string{a.Flagged.ID, second.ID}; !slices.Equal(got, want) {
		t.Errorf("flagged = %v, want %v (oldest flag first)", got, want)
	}
}

// masked reports whether a code shown is the test's wallet code with at
// most its first and last four characters in clear.
func masked(shown string) bool {
	return shown != alipayCode && strings.Contains(shown, "****") &&
		strings.HasPrefix(alipayCode, strings.TrimRight(shown[:4], "*")) && !strings.Contains(shown, alipayCode[4:14])
}
