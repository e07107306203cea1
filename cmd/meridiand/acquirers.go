package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/node"
)

const acquirersUsage = `Usage: meridiand acquirers COMMAND [--config FILE | --data-dir DIR] ARGS

Operator commands for the admin API's tenants, run against the gateway's
database (SQLite in --data-dir, or the store of --config, PostgreSQL
included) while the gateway runs or not. Every change is in the audit log
as done by "operator".

Commands:
  create ID NAME            create an acquirer
  issue-key ID [LABEL]      issue an API key for acquirer ID; the key is
                            printed once, here, and stored only as a hash
  revoke-key ID KEY-ID      revoke one of its keys (KEY-ID: mk_<KEY-ID>_...)
  suspend ID | activate ID  refuse or allow every call of the acquirer
  map-cert SUBJECT ID       authenticate client certificates whose subject
                            ("CN=name" or a URI SAN) is SUBJECT as acquirer ID
  unmap-cert SUBJECT        remove that mapping
  assign ID MERCHANT        give a merchant onboarded from configuration to
                            acquirer ID

Example:
  meridiand acquirers create ACME "Acme Acquiring"
  meridiand acquirers issue-key ACME ops-laptop
  meridiand acquirers assign ACME SHOP0000000001
`

// acquirers runs an operator command on the admin store.
func acquirers(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("meridiand acquirers", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, acquirersUsage, "\nFlags:\n"); fs.PrintDefaults() }
	configPath := fs.String("config", "", "YAML configuration `file` naming the store; empty: SQLite in --data-dir")
	dataDir := fs.String("data-dir", "", "`directory` of the SQLite database (default the config's, or ./data)")
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fs.Usage()
		return nil
	}
	cmd := args[0]
	if err := fs.Parse(flagsFirst(args[1:])); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if err := checkOperation(cmd, fs.Args()); err != nil {
		return err // before anything is opened, let alone created
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if *dataDir != "" {
		cfg.DataDir = *dataDir
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := node.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	as, ok := node.AdminStore(st)
	if !ok {
		return fmt.Errorf("the %s store has no admin API tables", cfg.Store.Driver)
	}
	return operate(ctx, admin.Operator{Store: as}, cmd, fs.Args(), stdout)
}

// operationArgs is how many arguments each command takes (issue-key takes
// one more, optional).
var operationArgs = map[string]int{"create": 2, "issue-key": 1, "revoke-key": 2, "suspend": 1, "activate": 1,
	"map-cert": 2, "unmap-cert": 1, "assign": 2}

func checkOperation(cmd string, args []string) error {
	n, known := operationArgs[cmd]
	switch {
	case !known:
		return fmt.Errorf("unknown command %q (see meridiand acquirers --help)", cmd)
	case len(args) < n || len(args) > n+1 || (len(args) == n+1 && cmd != "issue-key"):
		return fmt.Errorf("%s: wrong arguments %q (see meridiand acquirers --help)", cmd, args)
	}
	return nil
}

func operate(ctx context.Context, op admin.Operator, cmd string, args []string, stdout io.Writer) error {
	var err error
	switch cmd {
	case "create":
		var a *admin.Acquirer
		if a, err = op.CreateAcquirer(ctx, args[0], args[1]); err == nil {
			fmt.Fprintf(stdout, "created acquirer %s (%s)\n", a.ID, a.Name)
		}
	case "issue-key":
		label := "operator"
		if len(args) == 2 {
			label = args[1]
		}
		var key *admin.APIKey
		var text string
		if key, text, err = op.IssueKey(ctx, args[0], label); err == nil {
			fmt.Fprintf(stdout, "key %s of %s (shown once; store it now):\n%s\n", key.ID, key.AcquirerID, text)
		}
	case "revoke-key":
		if _, err = op.RevokeKey(ctx, args[0], args[1]); err == nil {
			fmt.Fprintf(stdout, "revoked key %s of %s\n", args[1], args[0])
		}
	case "suspend", "activate":
		status := admin.AcquirerActive
		if cmd == "suspend" {
			status = admin.AcquirerSuspended
		}
		if _, err = op.SetAcquirerStatus(ctx, args[0], status); err == nil {
			fmt.Fprintf(stdout, "acquirer %s is %s\n", args[0], status)
		}
	case "map-cert":
		if err = op.MapCertificate(ctx, args[0], args[1]); err == nil {
			fmt.Fprintf(stdout, "certificates with subject %q authenticate as %s\n", args[0], args[1])
		}
	case "unmap-cert":
		if err = op.UnmapCertificate(ctx, args[0]); err == nil {
			fmt.Fprintf(stdout, "unmapped %q\n", args[0])
		}
	case "assign":
		if _, err = op.AssignMerchant(ctx, args[0], args[1]); err == nil {
			fmt.Fprintf(stdout, "merchant %s belongs to %s\n", args[1], args[0])
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	return nil
}

// flagsFirst moves flags (and the values of --config and --data-dir)
// before the positional arguments, so that they may come anywhere, as in
// "create ACME Acme --data-dir DIR".
func flagsFirst(args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			rest = append(rest, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if (name == "config" || name == "data-dir") && i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	return append(flags, rest...)
}
