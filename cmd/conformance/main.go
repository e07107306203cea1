// Command conformance runs the scheme adapter conformance kit (package
// schemes/conformance) against an adapter over gRPC and prints one line per
// check and a summary.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc"

	"github.com/meridian-gw/meridian/schemes/conformance"
)

const usage = `Usage: conformance --addr HOST:PORT [flags]

conformance checks that a Meridian scheme adapter keeps the adapter contract
(proto/meridian/scheme/v1): health, capabilities, approvals and declines,
idempotency, unknown outcomes resolved by inquiry, cancel, refunds, clear
errors for bad requests and merchant-presented orders. It prints one line per
check and a summary:
  PASS  pay is idempotent on its key
  FAIL  declines map to their failure reasons: amount ending 51 answered ...
  SKIP  a scanned merchant-presented order is paid: no scan URL given ...
  12 passed, 1 failed, 2 skipped

Run it against the adapter's sandbox: the kit chooses outcomes by the last
two digits of the amount, as every Meridian wallet simulator does (00
approved; 05 51 54 59 61 declined; 91 paid after two inquiries; 92 in process
until cancelled). It uses a fresh random idempotency key for every call, so
it can run again and again. Wallet codes are never printed in full.

Flags:
  --addr HOST:PORT          the adapter's gRPC address (required)
  --tls-ca FILE             PEM certificates that sign the adapter's server
                            certificate; turns TLS on (default roots: the
                            system's)
  --tls-cert FILE           client certificate (PEM), for an adapter that
                            asks for one (mutual TLS); needs --tls-key
  --tls-key FILE            the client certificate's private key (PEM)
  --tls-server-name NAME    name the server certificate must hold (default:
                            the host of --addr)
  --currency CODE           ISO 4217 code to pay in (default: the adapter's
                            first charge currency)
  --scan-url URL            the sandbox's "customer scans the QR" endpoint,
                            to check that a merchant-presented order gets
                            paid; a simulator's base URL (as adapterd
                            --simulator prints it) gets /sim/scan
  --timeout D               bound on each check, all its calls (default 10s)
  --json                    print the report as JSON instead of lines
  --verbose                 log every call to stderr (codes masked)
  Any of the --tls flags turns TLS on.

Exit status: 0 no check failed; 1 a check failed; 2 bad usage, or the adapter
could not be reached.

Example (the Alipay+ reference adapter and its simulator as a process):
  go run ./cmd/adapterd --scheme ALIPAYPLUS --listen 127.0.0.1:7101 --simulator
  go run ./cmd/conformance --addr 127.0.0.1:7101 --scan-url http://127.0.0.1:PORT
`

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the command's flags.
type options struct {
	addr, currency, scanURL string
	tls                     conformance.TLSFiles
	timeout                 time.Duration
	json, verbose           bool
}

// run runs the command with args and returns its exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, status, done := parse(args, stdout, stderr)
	if done {
		return status
	}
	cfg, err := o.config(stderr)
	if err != nil {
		fmt.Fprintln(stderr, err) // the kit's errors name it already
		return exitUsage
	}
	report, err := conformance.Run(ctx, cfg)
	var unreachable *conformance.ConnectError
	switch {
	case errors.As(err, &unreachable):
		fmt.Fprintf(stderr, "%v\nIs the adapter running and listening on %s? If it serves TLS, pass --tls-ca "+
			"(and --tls-cert with --tls-key when it asks for a client certificate); check --tls-server-name "+
			"if its certificate is for another name.\n", err, o.addr)
		return exitUsage
	case err != nil:
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(report)
	} else {
		printReport(stdout, report)
	}
	if !report.OK() {
		return exitFailed
	}
	return exitOK
}

func parse(args []string, stdout, stderr io.Writer) (o options, status int, done bool) {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, "see conformance --help") }
	fs.StringVar(&o.addr, "addr", "", "the adapter's gRPC address")
	fs.StringVar(&o.tls.CAFile, "tls-ca", "", "PEM certificates that sign the server certificate")
	fs.StringVar(&o.tls.CertFile, "tls-cert", "", "client certificate (PEM)")
	fs.StringVar(&o.tls.KeyFile, "tls-key", "", "client certificate's key (PEM)")
	fs.StringVar(&o.tls.ServerName, "tls-server-name", "", "name the server certificate must hold")
	fs.StringVar(&o.currency, "currency", "", "ISO 4217 code to pay in")
	fs.StringVar(&o.scanURL, "scan-url", "", "the sandbox's scan endpoint")
	fs.DurationVar(&o.timeout, "timeout", conformance.DefaultTimeout, "bound on each check")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.BoolVar(&o.verbose, "verbose", false, "log every call to stderr")
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprint(stdout, usage)
			return o, exitOK, true
		}
	}
	switch err := fs.Parse(args); {
	case err != nil:
		return o, exitUsage, true
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "conformance: unexpected argument %q (see conformance --help)\n", fs.Arg(0))
		return o, exitUsage, true
	case o.addr == "":
		fmt.Fprintln(stderr, "conformance: --addr is required: the adapter's gRPC address, e.g. --addr 127.0.0.1:7101 (see conformance --help)")
		return o, exitUsage, true
	case o.timeout <= 0:
		fmt.Fprintln(stderr, "conformance: --timeout must be positive, e.g. --timeout 10s")
		return o, exitUsage, true
	}
	return o, exitOK, false
}

// config turns the flags into the kit's Config.
func (o options) config(stderr io.Writer) (conformance.Config, error) {
	cfg := conformance.Config{Target: o.addr, Currency: o.currency, ScanURL: o.scanURL, Timeout: o.timeout}
	if o.tls != (conformance.TLSFiles{}) {
		opt, err := conformance.DialTLS(o.tls)
		if err != nil {
			return cfg, err
		}
		cfg.DialOptions = []grpc.DialOption{opt}
	}
	if o.verbose {
		cfg.Logf = func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	}
	return cfg, nil
}

func printReport(w io.Writer, r conformance.Report) {
	scheme := r.SchemeID
	if scheme == "" {
		scheme = "adapter"
	}
	fmt.Fprintf(w, "conformance: %s at %s, paying in %s, keys conf-%s-N\n", scheme, r.Target, r.Currency, r.RunID)
	for _, c := range r.Checks {
		fmt.Fprintln(w, c)
		for _, n := range c.Notes {
			fmt.Fprintf(w, "      note: %s\n", n)
		}
	}
	fmt.Fprintln(w, r.Summary())
}
