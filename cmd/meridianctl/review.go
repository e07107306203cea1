package main

import (
	"context"
	"flag"

	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

var reviewNoun = noun{
	name:    "review",
	summary: "transactions flagged for manual review",
	verbs: []verb{{name: "list", setup: reviewList,
		summary: "list the flagged transactions, oldest flag first",
		help: `Lists the transactions the gateway gave up driving to a final state (an
outcome, cancel or refund the scheme never confirmed) and flagged for
manual review: check each with the scheme and settle it by hand.

Examples:
  meridianctl review list
  meridianctl review list --all -o json
`}},
}

func reviewList(fs *flag.FlagSet) action {
	var l listFlags
	l.register(fs, "transactions")
	return func(s *session, _ []string) error {
		if err := l.check(); err != nil {
			return err
		}
		client := adminv1.NewReviewServiceClient(s.conn)
		request := &adminv1.ListFlaggedTransactionsRequest{}
		result := &adminv1.ListFlaggedTransactionsResponse{}
		next, err := s.walk(&l, func(ctx context.Context, size int32, token string) (int, string, error) {
			request.PageSize, request.PageToken = size, token
			page, err := client.ListFlaggedTransactions(ctx, request)
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
		err = s.showList(result, len(result.GetTransactions()), "flagged transactions", func(t *table) {
			t.row("FLAGGED", "RRN", "KIND", "STATE", "AMOUNT", "SCHEME", "MERCHANT", "TERMINAL", "CREATED", "ID")
			for _, x := range result.GetTransactions() {
				t.row(when(x.GetFlagTime()), x.GetRrn(), kindWord(x.GetKind()), stateWord(x.GetState()), money(x.GetAmount()),
					x.GetScheme(), x.GetMerchantId(), x.GetTerminalId(), when(x.GetCreateTime()), x.GetId())
			}
		})
		s.moreHint(next)
		return err
	}
}
