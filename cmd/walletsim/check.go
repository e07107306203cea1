package main

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
)

func check(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", stderr)
	path := fs.String("ledger", "", "ledger file to check")
	if status, done := parse(fs, args, stdout); done {
		return status
	}
	if *path == "" {
		fmt.Fprintln(stderr, "walletsim check: --ledger is required")
		return exitUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ledger, err := sim.LoadLedger(*path, log)
	if err != nil {
		fmt.Fprintln(stderr, "walletsim check:", err)
		return exitUnreadable
	}
	summarize(stdout, *path, ledger.Snapshot())
	if err := ledger.Check(); err != nil {
		violations := strings.Split(err.Error(), "\n")
		fmt.Fprintf(stdout, "check: FAILED, %d violation(s):\n", len(violations))
		for _, v := range violations {
			fmt.Fprintln(stdout, "  "+v)
		}
		return exitFailure
	}
	fmt.Fprintln(stdout, "check: OK (no payment charged twice, none charged without being paid, every cancelled charge returned, refunds match)")
	return exitOK
}

// money is what moved in one currency, in minor units.
type money struct {
	charged, reversed, refunded int64
}

// summarize prints what the ledger holds: payments by status, refunds, and
// money by currency.
func summarize(w io.Writer, path string, snap sim.Snapshot) {
	byStatus := map[sim.Status]int{}
	placeholders, orders, payCalls, inquiries := 0, 0, 0, 0
	byCurrency := map[string]*money{}
	currency := func(c string) *money {
		if byCurrency[c] == nil {
			byCurrency[c] = &money{}
		}
		return byCurrency[c]
	}
	for _, p := range snap.Payments {
		byStatus[p.Status]++
		payCalls += p.PayCalls
		inquiries += p.Inquiries
		if p.IsOrder() {
			orders++
		}
		if p.Placeholder {
			placeholders++
			continue
		}
		m := currency(p.Currency)
		m.charged += p.MinorUnits * int64(p.Charges)
		m.reversed += p.Reversed
	}
	refundsOK := 0
	for _, r := range snap.Refunds {
		if r.Succeeded() {
			refundsOK++
			currency(r.Currency).refunded += r.MinorUnits
		}
	}
	fmt.Fprintf(w, "ledger %s: %d payments, %d refunds\n", path, len(snap.Payments), len(snap.Refunds))
	fmt.Fprintf(w, "payments: paid %d, failed %d, cancelled %d (%d cancelled before any pay), processing %d\n",
		byStatus[sim.StatusPaid], byStatus[sim.StatusFailed], byStatus[sim.StatusCancelled], placeholders, byStatus[sim.StatusProcessing])
	fmt.Fprintf(w, "orders: %d merchant-presented, %d awaiting the customer, %d expired unpaid\n",
		orders, byStatus[sim.StatusAwaitingCustomer], byStatus[sim.StatusExpired])
	fmt.Fprintf(w, "requests: %d pay calls, %d inquiries\n", payCalls, inquiries)
	fmt.Fprintf(w, "refunds: %d succeeded, %d refused\n", refundsOK, len(snap.Refunds)-refundsOK)
	if len(byCurrency) == 0 {
		return
	}
	fmt.Fprintln(w, "money in minor units (held = charged - reversed - refunded):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  currency\tcharged\treversed\trefunded\theld\t")
	codes := make([]string, 0, len(byCurrency))
	for c := range byCurrency {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		m := byCurrency[c]
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%d\t\n", c, m.charged, m.reversed, m.refunded, m.charged-m.reversed-m.refunded)
	}
	tw.Flush()
}
