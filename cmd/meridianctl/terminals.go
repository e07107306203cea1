package main

import (
	"context"
	"flag"

	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

var terminalsNoun = noun{
	name:    "terminals",
	summary: "a merchant's POS terminals",
	verbs: []verb{
		{name: "add", args: []string{"TERMINAL_ID"}, setup: terminalsAdd,
			synopsis: "--merchant MERCHANT_ID [--store STORE_ID] [flags]",
			summary:  "add a terminal to a merchant (active at once)",
			help: `Adds a terminal to an active or suspended merchant. TERMINAL_ID is what
the terminal sends in DE 41: 1 to 8 printable characters without spaces,
new to the whole gateway. It may transact as soon as this returns.

Examples:
  meridianctl terminals add BER00001 --merchant BERLINCAFE0001 --store MITTE
`},
		{name: "list", setup: terminalsList,
			summary: "list terminals",
			help: `Lists your merchants' terminals in id order.

Examples:
  meridianctl terminals list
  meridianctl terminals list --merchant BERLINCAFE0001 --store MITTE
`},
		{name: "get", args: []string{"TERMINAL_ID"}, setup: terminalsGet,
			summary: "show one terminal",
			help: `Shows one terminal.

Examples:
  meridianctl terminals get BER00001
`},
		{name: "suspend", args: []string{"TERMINAL_ID"}, setup: terminalStatusChange(false),
			summary: "stop one terminal from transacting",
			help: `Suspends a terminal: its next requests are declined (RC 03) until it is
activated again.

Examples:
  meridianctl terminals suspend BER00001 --reason "reported stolen"
`},
		{name: "activate", args: []string{"TERMINAL_ID"}, setup: terminalStatusChange(true),
			summary: "let a suspended terminal transact again",
			help: `Activates a suspended terminal.

Examples:
  meridianctl terminals activate BER00001 --reason "found"
`},
	},
}

func terminalsAdd(fs *flag.FlagSet) action {
	merchant := fs.String("merchant", "", "`id` of the merchant the terminal belongs to")
	store := fs.String("store", "", "`id` of the merchant's store it stands in (optional)")
	requestID := requestIDFlag(fs)
	return func(s *session, args []string) error {
		if err := missing("merchant", *merchant); err != nil {
			return err
		}
		request := &adminv1.AddTerminalRequest{RequestId: s.requestID(*requestID), Terminal: &adminv1.Terminal{
			Id: args[0], MerchantId: *merchant, StoreId: *store,
		}}
		ctx, cancel := s.call()
		defer cancel()
		terminal, err := adminv1.NewTerminalServiceClient(s.conn).AddTerminal(ctx, request)
		if err != nil {
			return err
		}
		return s.showTerminal(terminal)
	}
}

func terminalsList(fs *flag.FlagSet) action {
	var l listFlags
	l.register(fs, "terminals")
	merchant := fs.String("merchant", "", "only this merchant's terminals (merchant `id`)")
	store := fs.String("store", "", "only the terminals of this store (store `id`)")
	return func(s *session, _ []string) error {
		if err := l.check(); err != nil {
			return err
		}
		client := adminv1.NewTerminalServiceClient(s.conn)
		request := &adminv1.ListTerminalsRequest{MerchantId: *merchant, StoreId: *store}
		result := &adminv1.ListTerminalsResponse{}
		next, err := s.walk(&l, func(ctx context.Context, size int32, token string) (int, string, error) {
			request.PageSize, request.PageToken = size, token
			page, err := client.ListTerminals(ctx, request)
			if err != nil {
				return 0, "", err
			}
			result.Terminals = append(result.Terminals, page.GetTerminals()...)
			return len(page.GetTerminals()), page.GetNextPageToken(), nil
		})
		if err != nil {
			return err
		}
		result.NextPageToken = next
		err = s.showList(result, len(result.GetTerminals()), "terminals", func(t *table) {
			t.row("ID", "MERCHANT", "STORE", "STATUS", "CREATED", "UPDATED")
			for _, term := range result.GetTerminals() {
				t.row(term.GetId(), term.GetMerchantId(), term.GetStoreId(), terminalStatus(term.GetStatus()),
					when(term.GetCreateTime()), when(term.GetUpdateTime()))
			}
		})
		s.moreHint(next)
		return err
	}
}

func terminalsGet(fs *flag.FlagSet) action {
	return func(s *session, args []string) error {
		ctx, cancel := s.call()
		defer cancel()
		terminal, err := adminv1.NewTerminalServiceClient(s.conn).GetTerminal(ctx, &adminv1.GetTerminalRequest{TerminalId: args[0]})
		if err != nil {
			return err
		}
		return s.showTerminal(terminal)
	}
}

// terminalStatusChange makes suspend (activate false) and activate.
func terminalStatusChange(activate bool) func(fs *flag.FlagSet) action {
	return func(fs *flag.FlagSet) action {
		reason := fs.String("reason", "", "why, for the audit log (up to 200 characters)")
		return func(s *session, args []string) error {
			client := adminv1.NewTerminalServiceClient(s.conn)
			ctx, cancel := s.call()
			defer cancel()
			var terminal *adminv1.Terminal
			var err error
			if activate {
				terminal, err = client.ActivateTerminal(ctx, &adminv1.ActivateTerminalRequest{TerminalId: args[0], Reason: *reason})
			} else {
				terminal, err = client.SuspendTerminal(ctx, &adminv1.SuspendTerminalRequest{TerminalId: args[0], Reason: *reason})
			}
			if err != nil {
				return err
			}
			return s.showTerminal(terminal)
		}
	}
}

// showTerminal prints one terminal.
func (s *session) showTerminal(term *adminv1.Terminal) error {
	return s.out.show(term, func(t *table) {
		t.field("ID", term.GetId())
		t.field("Merchant", term.GetMerchantId())
		t.field("Store", term.GetStoreId())
		t.field("Status", terminalStatus(term.GetStatus()))
		t.field("Created", when(term.GetCreateTime()))
		t.field("Updated", when(term.GetUpdateTime()))
	})
}

func terminalStatus(status adminv1.TerminalStatus) string {
	return enumWord(status.String(), "TERMINAL_STATUS_")
}
