package main

import (
	"context"
	"flag"
	"regexp"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

var txnsNoun = noun{
	name:    "txns",
	summary: "look up transactions",
	verbs: []verb{
		{name: "list", setup: txnsList,
			summary: "search transactions, newest first",
			help: `Searches your merchants' transactions, newest first. Filters combine;
--status and --kind take comma-separated lists.

--from and --to take an RFC 3339 time (2026-03-01T09:30:00Z), a date
(2026-03-01, midnight UTC) or an age (24h ago, 90m ago, 7d ago).

Examples:
  meridianctl txns list --from "24h ago"
  meridianctl txns list --merchant BERLINCAFE0001 --status declined,unknown
  meridianctl txns list --terminal BER00001 --from 2026-03-01 --to 2026-03-02 --all -o json
  meridianctl txns list --rrn 000000000042
`},
		{name: "get", args: []string{"ID_OR_RRN"}, setup: txnsGet,
			summary: "show one transaction with its history",
			help: `Shows one transaction and its full history (the gateway's journal of it,
oldest first). ID_OR_RRN is the transaction's id or its 12-digit RRN.

Examples:
  meridianctl txns get 000000000042
  meridianctl txns get 9f86d081884c7d659a2feaa0c55ad015 -o json
`},
	},
}

// rrnPattern is an RRN (DE 37) as the gateway issues them; transaction ids
// are 32 hex characters, so the two cannot be confused.
var rrnPattern = regexp.MustCompile(`^[0-9]{12}$`)

// txnFilter is the search flags of txns list.
type txnFilter struct {
	merchant, terminal, from, to, status, kind, scheme, rrn string
}

func (f *txnFilter) register(fs *flag.FlagSet) {
	fs.StringVar(&f.merchant, "merchant", "", "only this merchant's (merchant `id`)")
	fs.StringVar(&f.terminal, "terminal", "", "only this terminal's (terminal `id`)")
	fs.StringVar(&f.from, "from", "", "only those created at or after this `time`")
	fs.StringVar(&f.to, "to", "", "only those created before this `time`")
	fs.StringVar(&f.status, "status", "", "only in these `states`: approved, declined, cancelled, refunded, pending, unknown, cancel_pending, refund_pending")
	fs.StringVar(&f.kind, "kind", "", "only of these `kinds`: purchase, refund, reversal")
	fs.StringVar(&f.scheme, "scheme", "", "only through this `scheme`, e.g. ALIPAYPLUS")
	fs.StringVar(&f.rrn, "rrn", "", "only the one with this `RRN`")
}

// request turns the flags into a search request.
func (f *txnFilter) request() (*adminv1.SearchTransactionsRequest, error) {
	request := &adminv1.SearchTransactionsRequest{
		MerchantId: f.merchant, TerminalId: f.terminal, Scheme: strings.ToUpper(f.scheme), Rrn: f.rrn,
	}
	for _, bound := range []struct {
		name, text string
		field      **timestamppb.Timestamp
	}{{"from", f.from, &request.StartTime}, {"to", f.to, &request.EndTime}} {
		if bound.text == "" {
			continue
		}
		t, err := parseWhen(bound.text)
		if err != nil {
			return nil, usagef("--%s %v", bound.name, err)
		}
		*bound.field = timestamppb.New(t)
	}
	if request.StartTime != nil && request.EndTime != nil && !request.StartTime.AsTime().Before(request.EndTime.AsTime()) {
		return nil, usagef("--from %s is not before --to %s", request.StartTime.AsTime().Format(time.RFC3339), request.EndTime.AsTime().Format(time.RFC3339))
	}
	for _, word := range commaList(f.status) {
		value, err := parseEnum("status", word, "TRANSACTION_STATE_", adminv1.TransactionState_value)
		if err != nil {
			return nil, err
		}
		request.States = append(request.States, adminv1.TransactionState(value))
	}
	for _, word := range commaList(f.kind) {
		value, err := parseEnum("kind", word, "TRANSACTION_KIND_", adminv1.TransactionKind_value)
		if err != nil {
			return nil, err
		}
		request.Kinds = append(request.Kinds, adminv1.TransactionKind(value))
	}
	return request, nil
}

func txnsList(fs *flag.FlagSet) action {
	var l listFlags
	l.register(fs, "transactions")
	var filter txnFilter
	filter.register(fs)
	return func(s *session, _ []string) error {
		if err := l.check(); err != nil {
			return err
		}
		request, err := filter.request()
		if err != nil {
			return err
		}
		client := adminv1.NewTransactionServiceClient(s.conn)
		result := &adminv1.SearchTransactionsResponse{}
		next, err := s.walk(&l, func(ctx context.Context, size int32, token string) (int, string, error) {
			request.PageSize, request.PageToken = size, token
			page, err := client.SearchTransactions(ctx, request)
			if err != nil {
				return 0, "", err
			}
			result.Transactions = append(result.Transactions, page.GetTransactions()...)
			return len(page.GetTransactions()), page.GetNextPageToken(), nil
		})
		if err != nil {
			return err
		}
		result.NextPageToken = next
		err = s.showList(result, len(result.GetTransactions()), "transactions", func(t *table) {
			t.row("CREATED", "RRN", "KIND", "STATE", "AMOUNT", "SCHEME", "MERCHANT", "TERMINAL", "REASON", "ID")
			for _, x := range result.GetTransactions() {
				t.row(when(x.GetCreateTime()), x.GetRrn(), kindWord(x.GetKind()), stateWord(x.GetState()),
					money(x.GetAmount()), x.GetScheme(), x.GetMerchantId(), x.GetTerminalId(), x.GetReason(), x.GetId())
			}
		})
		s.moreHint(next)
		return err
	}
}

func txnsGet(fs *flag.FlagSet) action {
	return func(s *session, args []string) error {
		request := &adminv1.GetTransactionRequest{TransactionId: args[0]}
		if rrnPattern.MatchString(args[0]) {
			request = &adminv1.GetTransactionRequest{Rrn: args[0]}
		}
		ctx, cancel := s.call()
		defer cancel()
		txn, err := adminv1.NewTransactionServiceClient(s.conn).GetTransaction(ctx, request)
		if err != nil {
			return err
		}
		return s.showTransaction(txn)
	}
}

// showTransaction prints one transaction and, when it has one, its
// history.
func (s *session) showTransaction(x *adminv1.Transaction) error {
	return s.out.show(x, func(t *table) {
		t.field("ID", x.GetId())
		t.field("Kind", kindWord(x.GetKind()))
		t.field("State", stateWord(x.GetState()))
		t.field("Reason", x.GetReason())
		t.field("RRN", x.GetRrn())
		t.field("Merchant", x.GetMerchantId())
		t.field("Terminal", x.GetTerminalId())
		t.field("STAN", x.GetStan())
		t.field("Scheme", x.GetScheme())
		t.field("Wallet", strings.TrimSpace(x.GetWalletBrand()+" "+x.GetCodeMasked()))
		t.field("Amount", money(x.GetAmount()))
		t.field("Wallet amount", money(x.GetWalletAmount()))
		t.field("Settlement", money(x.GetSettlement()))
		if x.GetRefunded().GetMinorUnits() != 0 {
			t.field("Refunded", money(x.GetRefunded()))
		}
		if c := x.GetConversion(); c != nil {
			t.field("FX rate", c.GetAppliedRate()+" (reference "+c.GetReferenceRate()+", mark-up "+c.GetMarkupPercent()+"%, "+c.GetSource()+")")
		}
		if x.GetOriginalId() != "" || x.GetOriginalRrn() != "" {
			t.field("Original", strings.TrimSpace(x.GetOriginalRrn()+" "+x.GetOriginalId()))
		}
		t.field("Scheme code", x.GetSchemeCode())
		t.field("Scheme txn ID", x.GetSchemeTransactionId())
		t.field("Approval code", x.GetApprovalCode())
		if x.GetFlagTime() != nil {
			t.field("Flagged", when(x.GetFlagTime())+" for manual review")
		}
		t.field("Created", when(x.GetCreateTime()))
		t.field("Updated", when(x.GetUpdateTime()))
		if len(x.GetHistory()) == 0 {
			return
		}
		t.blank()
		t.row("TIME", "EVENT", "DETAIL")
		for _, e := range x.GetHistory() {
			t.row(e.GetTime().AsTime().UTC().Format(time.RFC3339Nano), e.GetType(), e.GetDetail())
		}
	})
}

func kindWord(kind adminv1.TransactionKind) string {
	return enumWord(kind.String(), "TRANSACTION_KIND_")
}

func stateWord(state adminv1.TransactionState) string {
	return enumWord(state.String(), "TRANSACTION_STATE_")
}

// money formats an amount for a table; none is empty.
func money(m *adminv1.Money) string {
	if m == nil || m.GetCurrency() == "" {
		return ""
	}
	return formatAmount(m.GetMinorUnits(), m.GetCurrency())
}
