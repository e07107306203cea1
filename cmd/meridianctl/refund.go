package main

import (
	"errors"
	"flag"
	"fmt"

	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

var refundNoun = noun{
	name:    "refund",
	summary: "refund all or part of a purchase",
	verbs: []verb{{
		setup:    refundSetup,
		synopsis: "--merchant MERCHANT_ID --rrn RRN --amount AMOUNT [--currency CUR] [flags]",
		summary:  "refund all or part of a purchase",
		help: `Refunds all or part of an approved purchase. --amount is a decimal in the
purchase's currency (5.00 EUR, 1000 KRW), or "all" for what remains of it;
--currency, when given, must be the purchase's, as a check. --merchant must
be the purchase's merchant, so that a mistyped RRN cannot refund another
merchant's sale.

It prints the refund: approved, declined (exit status 1), or unknown when
the scheme has not confirmed in time; the gateway then keeps at it, and
'meridianctl txns get' shows how it ends.

Examples:
  meridianctl refund --merchant BERLINCAFE0001 --rrn 000000000042 --amount 5.00
  meridianctl refund --merchant BERLINCAFE0001 --rrn 000000000042 --amount 5.00 --currency EUR
  meridianctl refund --merchant BERLINCAFE0001 --rrn 000000000042 --amount all
  meridianctl refund ... --request-id 6f1c...   # retry safely after a lost answer
`,
	}},
}

func refundSetup(fs *flag.FlagSet) action {
	merchant := fs.String("merchant", "", "`id` of the purchase's merchant")
	rrn := fs.String("rrn", "", "`RRN` of the purchase (or --txn)")
	txn := fs.String("txn", "", "transaction `id` of the purchase (or --rrn)")
	amount := fs.String("amount", "", `decimal `+"`amount`"+` to refund in the purchase's currency, or "all" for what remains`)
	currency := fs.String("currency", "", "the purchase's currency `code`, as a check")
	requestID := requestIDFlag(fs)
	return func(s *session, _ []string) error {
		if err := missing("merchant", *merchant, "amount", *amount); err != nil {
			return err
		}
		if (*rrn == "") == (*txn == "") {
			return usagef("name the purchase with --rrn or --txn (one of them)")
		}
		var expected string
		if *currency != "" {
			cur, err := currencyFlag("currency", *currency)
			if err != nil {
				return err
			}
			expected = cur.Code
		}
		purchase, err := s.purchase(*merchant, *rrn, *txn)
		if err != nil {
			return err
		}
		minor, err := refundAmount(*amount, expected, purchase)
		if err != nil {
			return err
		}
		request := &adminv1.RefundTransactionRequest{
			RequestId: s.requestID(*requestID), TransactionId: purchase.GetId(), AmountMinorUnits: minor,
		}
		ctx, cancel := s.call()
		defer cancel()
		refund, err := adminv1.NewTransactionServiceClient(s.conn).RefundTransaction(ctx, request)
		if err != nil {
			return err
		}
		if err := s.showTransaction(refund); err != nil {
			return err
		}
		return refundOutcome(s, refund)
	}
}

// purchase fetches the purchase to refund and checks it is the merchant's.
func (s *session) purchase(merchant, rrn, id string) (*adminv1.Transaction, error) {
	ctx, cancel := s.call()
	defer cancel()
	purchase, err := adminv1.NewTransactionServiceClient(s.conn).GetTransaction(ctx,
		&adminv1.GetTransactionRequest{Rrn: rrn, TransactionId: id})
	if err != nil {
		return nil, err
	}
	name := "RRN " + rrn
	if rrn == "" {
		name = "transaction " + id
	}
	if purchase.GetMerchantId() != merchant {
		return nil, fmt.Errorf("%s is not a transaction of merchant %s: check --merchant and the RRN; nothing was refunded", name, merchant)
	}
	if purchase.GetKind() != adminv1.TransactionKind_TRANSACTION_KIND_PURCHASE {
		return nil, fmt.Errorf("%s is a %s, not a purchase; nothing was refunded", name, kindWord(purchase.GetKind()))
	}
	return purchase, nil
}

// refundAmount reads --amount in the purchase's currency; "all" is 0,
// which the API takes for what remains.
func refundAmount(amount, expected string, purchase *adminv1.Transaction) (int64, error) {
	code := purchase.GetAmount().GetCurrency()
	if expected != "" && expected != code {
		return 0, usagef("--currency %s: the purchase is in %s; nothing was refunded", expected, code)
	}
	if amount == "all" {
		return 0, nil
	}
	cur, err := currencyFlag("currency", code)
	if err != nil {
		return 0, fmt.Errorf("the purchase's currency %q is unknown to this meridianctl: %w", code, err)
	}
	minor, err := parseAmount(amount, cur)
	if err != nil {
		return 0, usagef("--amount: %v", err)
	}
	return minor, nil
}

// refundOutcome turns a declined refund into exit status 1 and explains an
// unknown one.
func refundOutcome(s *session, refund *adminv1.Transaction) error {
	switch refund.GetState() {
	case adminv1.TransactionState_TRANSACTION_STATE_DECLINED:
		reason := refund.GetReason()
		if reason == "" {
			reason = "no reason given"
		}
		return errors.New("the scheme declined the refund: " + reason)
	case adminv1.TransactionState_TRANSACTION_STATE_APPROVED, adminv1.TransactionState_TRANSACTION_STATE_REFUNDED:
		return nil
	}
	s.note("The scheme has not confirmed the refund yet; the gateway keeps sending it. See how it ends: meridianctl txns get %s", refund.GetId())
	return nil
}
