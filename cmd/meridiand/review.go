package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/meridian-gw/meridian/gateway/node"
	"github.com/meridian-gw/meridian/gateway/store"
)

// review lists the attempts flagged for manual review: not final after the
// give-up age, no longer retried by the resolver. It reads the database
// directly, so it works whether or not the gateway is running.
func review(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("meridiand review", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: meridiand review [--data-dir DIR] [--limit N]

Lists the payments the gateway gave up resolving (unknown, cancel or refund
not confirmed after the give-up age) and flagged for manual review: check
each with the scheme, then settle it by hand. Exits 3 when any is listed, so
it can run from a monitoring check.

Flags:
`)
		fs.PrintDefaults()
	}
	dataDir := fs.String("data-dir", "./data", "`directory` of the gateway's database")
	limit := fs.Int("limit", 1000, "list at most `N` attempts")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	path := filepath.Join(*dataDir, node.DatabaseFile)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.OpenSQLite(ctx, path, store.Config{})
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer st.Close()
	flagged, err := st.FlaggedAttempts(ctx, *limit)
	if err != nil {
		return err
	}
	if len(flagged) == 0 {
		fmt.Fprintln(stdout, "No payments flagged for manual review.")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FLAGGED\tATTEMPT\tKIND\tSTATE\tSCHEME\tRRN\tTERMINAL\tSTAN\tAMOUNT\tTRIES\tCREATED")
	for _, a := range flagged {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d %s\t%d\t%s\n",
			a.FlaggedAt.Format(time.RFC3339), a.ID, a.Kind, a.State, a.Scheme, a.RRN,
			a.Key.TerminalID, a.Key.STAN, a.Amount.Minor, a.Amount.Currency, a.Tries, a.CreatedAt.Format(time.RFC3339))
	}
	tw.Flush()
	return errFlagged{len(flagged)}
}

// errFlagged makes `meridiand review` exit 3 when it listed anything.
type errFlagged struct{ n int }

func (e errFlagged) Error() string {
	return fmt.Sprintf("%d payment(s) need manual review", e.n)
}
