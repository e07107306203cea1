package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/meridian-gw/meridian/fx"
	"github.com/meridian-gw/meridian/gateway/terminal/pos/load"
	"github.com/meridian-gw/meridian/gateway/terminal/pos/load/echo"
)

// Exit statuses of posim load.
const (
	loadExitDone        = 0 // the run completed, whatever the response codes
	loadExitFailed      = 1 // a usage error, the gateway never reachable, or the record not written
	loadExitOutstanding = 2 // reversal advices not acknowledged at the end
)

const loadUsage = `Usage: posim load [flags]

posim load drives the gateway with many terminals at once: each terminal
(PREFIX0001, PREFIX0002, ...; the gateway must have them onboarded) signs on
over its own connection and keeps --concurrency purchases in flight, until
--duration has passed or --count purchases were sent (with both, the first).
The last two digits of each amount choose its outcome with the wallet
simulators, in the proportions of --mix.

The terminals behave like real ones under failure: a purchase without an
answer within --timeout (the connection broke, or the gateway is slow) counts
as "no answer" and gets a reversal advice (0420, then 0421 repeats with the
same STAN) sent until the gateway acknowledges it with 0430; a broken
connection is made again with backoff (50 ms doubling to 2 s) until the run
ends. Advices still outstanding when the purchases are done get --drain more
time.

With --rate the run is an open loop instead: --rate purchases a second in
all, spread evenly over the terminals, each sent when it is due whether or
not the earlier ones were answered; --concurrency then bounds the purchases
in flight per terminal. A purchase that finds its terminal's bound reached
waits, and its latency counts from when it was due, not from when it went
out (the correction for coordinated omission); the summary gives the rate
achieved against the target, how many purchases went out more than 1 ms
late, and how many were due but never sent because the run ended while
the terminals were still behind (unsent).

With --echo the terminals drive a bare length-prefixed TCP echo server
instead of the gateway, with the same purchase frames: the ceiling of the
machine's network stack and of the load generator, to set the gateway's
figures against. It runs in-process on 127.0.0.1 unless --addr names an
external one. The terminals do not sign on; an echo is matched to its
purchase by DE 41 + DE 11, as an answer is, and counts as approved when it
came back unchanged.

A progress line goes to stderr, a summary to stdout (--json for a JSON
document), and with --record one JSON line per purchase to a file.

Exit status: 0 when the run completed, whatever the response codes; 1 on a
usage error, when the gateway was never reachable (--connect-timeout) or the
record could not be written; 2 when reversal advices are still outstanding
(or were refused) at the end.

Example:
  posim load --terminals 8 --concurrency 4 --duration 60s \
    --mix "00:88,51:2,05:2,91:2,92:1,93:1,96:2,59:1,54:1" --record load.jsonl
  posim load --rate 2000 --duration 30s --json     # open loop
  posim load --echo --duration 5s                   # the echo ceiling

Flags:
`

type loadOptions struct {
	addr, prefix, merchant, currency string
	terminals, concurrency           int
	duration                         time.Duration
	count                            int64
	mix, amountBase, code            string
	timeout, drain, connectTimeout   time.Duration
	record                           string
	json, useTLS, echo               bool
	rate                             float64
	tlsCA                            string
}

func (o *loadOptions) flags(stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("posim load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", defaultAddr(), "gateway terminal `address` (or $POSIM_ADDR)")
	fs.IntVar(&o.terminals, "terminals", 8, "`number` of terminals, each on its own connection")
	fs.StringVar(&o.prefix, "terminal-prefix", load.DefaultTerminalPrefix, "terminal ids are this `prefix` and a number, 8 characters in all")
	fs.StringVar(&o.merchant, "merchant", "MERIDIANDEMO001", "merchant `id` (DE 42) the terminals belong to")
	fs.IntVar(&o.concurrency, "concurrency", 4, "purchases each terminal keeps in flight")
	fs.Float64Var(&o.rate, "rate", 0, "open loop: send this many purchases a `second` in all, answered or not (0: closed loop)")
	fs.BoolVar(&o.echo, "echo", false, "drive a bare TCP echo server with the same frames instead of the gateway: in-process, or at --addr when given")
	fs.DurationVar(&o.duration, "duration", 0, "send purchases for this long")
	fs.Int64Var(&o.count, "count", 0, "send this many purchases in all")
	fs.StringVar(&o.mix, "mix", "00:1", "`weights` of amount suffixes (outcomes), e.g. \"00:88,51:2,92:1\"")
	fs.StringVar(&o.amountBase, "amount-base", "10.00", "`amount` whose last two digits the mix replaces")
	fs.StringVar(&o.currency, "currency", "EUR", "transaction `currency` (ISO 4217)")
	fs.StringVar(&o.code, "code", load.DefaultWalletCode, "wallet payment `code` every terminal scans")
	fs.DurationVar(&o.timeout, "timeout", load.DefaultTimeout, "how long a terminal waits for an answer")
	fs.DurationVar(&o.drain, "drain", load.DefaultDrain, "time allowed after the last purchase to finish reversal advices")
	fs.DurationVar(&o.connectTimeout, "connect-timeout", load.DefaultConnectTimeout, "give up when no terminal connects within this")
	fs.StringVar(&o.record, "record", "", "write one JSON line per purchase outcome to this `file`")
	fs.BoolVar(&o.json, "json", false, "print the summary as JSON")
	fs.BoolVar(&o.useTLS, "tls", false, "connect over TLS")
	fs.StringVar(&o.tlsCA, "tls-ca", "", "PEM `file` of the CA that signed the gateway's certificate")
	fs.Usage = func() {
		fmt.Fprint(stderr, loadUsage)
		fs.PrintDefaults()
	}
	return fs
}

func (o *loadOptions) config() (load.Config, error) {
	cur, ok := fx.ByCode(strings.ToUpper(o.currency))
	if !ok {
		return load.Config{}, fmt.Errorf("--currency %q is not an ISO 4217 code", o.currency)
	}
	if o.duration <= 0 && o.count <= 0 {
		return load.Config{}, errors.New("--duration or --count is required, e.g. --duration 60s or --count 10000")
	}
	mix, err := load.ParseMix(o.mix)
	if err != nil {
		return load.Config{}, fmt.Errorf("--mix: %w", err)
	}
	base, err := parseAmount(o.amountBase, cur)
	if err != nil {
		return load.Config{}, fmt.Errorf("--amount-base: %w", err)
	}
	tlsConfig, err := loadTLS(o.useTLS, o.tlsCA)
	if err != nil {
		return load.Config{}, err
	}
	return load.Config{
		Addr:           o.addr,
		TLSConfig:      tlsConfig,
		Terminals:      o.terminals,
		TerminalPrefix: o.prefix,
		MerchantID:     o.merchant,
		Currency:       cur.Numeric,
		Concurrency:    o.concurrency,
		Rate:           o.rate,
		Echo:           o.echo,
		Duration:       o.duration,
		Count:          o.count,
		Mix:            mix,
		AmountBase:     base,
		WalletCode:     o.code,
		Timeout:        o.timeout,
		Drain:          o.drain,
		ConnectTimeout: o.connectTimeout,
	}, nil
}

// runLoad is the load command; its exit statuses are the loadExit ones.
func runLoad(args []string, stdout, stderr io.Writer) int {
	o := &loadOptions{}
	fs := o.flags(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return loadExitDone
		}
		return loadExitFailed
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "posim load: unexpected argument %q (see posim load --help)\n", fs.Arg(0))
		return loadExitFailed
	}
	cfg, err := o.config()
	if err == nil && (o.timeout <= 0 || o.drain <= 0 || o.connectTimeout <= 0) {
		err = errors.New("--timeout, --drain and --connect-timeout must be positive")
	}
	if err == nil && o.rate < 0 {
		err = errors.New("--rate must not be negative (0 is the closed loop)")
	}
	var echoServer *echo.Server
	if err == nil && o.echo && !flagGiven(fs, "addr") {
		if echoServer, err = echo.Listen("127.0.0.1:0"); err == nil {
			defer echoServer.Close()
			cfg.Addr = echoServer.Addr()
		}
	}
	var rec *recordWriter
	if err == nil && o.record != "" {
		if rec, err = createRecord(o.record); err == nil {
			cfg.OnOutcome = rec.Write
		}
	}
	var runner *load.Runner
	if err == nil {
		runner, err = load.New(cfg)
	}
	if err != nil {
		_ = rec.Close()
		fmt.Fprintf(stderr, "posim load: %v\n", err)
		return loadExitFailed
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer onInterrupt(stderr, runner.Stop, cancel)()
	stopProgress := startProgress(runner, stderr)
	summary, err := runner.Run(ctx)
	stopProgress()
	recErr := rec.Close()
	if errors.Is(err, load.ErrUnreachable) {
		fmt.Fprintf(stderr, "posim load: %v\nIs the gateway running? Start it with: go run ./cmd/meridiand\n", err)
		return loadExitFailed
	}
	if err != nil {
		fmt.Fprintf(stderr, "posim load: stopped before the end: %v\n", err)
	}
	if o.json {
		if err := printLoadJSON(stdout, summary); err != nil {
			fmt.Fprintf(stderr, "posim load: %v\n", err)
		}
	} else {
		printLoadSummary(stdout, summary)
	}
	if err := summary.Check(); err != nil {
		fmt.Fprintf(stderr, "posim load: %v\n", err)
		return loadExitFailed
	}
	if recErr != nil {
		fmt.Fprintf(stderr, "posim load: record %s: %v\n", o.record, recErr)
		return loadExitFailed
	}
	if summary.Advices.Outstanding+summary.Advices.Refused > 0 {
		fmt.Fprintf(stderr, "posim load: %d reversal advices outstanding and %d refused at the end\n", summary.Advices.Outstanding, summary.Advices.Refused)
		return loadExitOutstanding
	}
	return loadExitDone
}

func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// onInterrupt makes a first Ctrl-C (or SIGTERM) stop sending purchases and
// finish the ones in flight and the advices, and a second one abort. It
// returns the function that stops listening.
func onInterrupt(stderr io.Writer, stop, abort func()) func() {
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for n := 0; ; n++ {
			select {
			case <-signals:
			case <-done:
				return
			}
			if n == 0 {
				fmt.Fprintln(stderr, "\nposim load: stopping; finishing the purchases in flight and the advices (interrupt again to abort)")
				stop()
				continue
			}
			abort()
			return
		}
	}()
	return func() {
		signal.Stop(signals)
		close(done)
	}
}

// loadTLS is the TLS configuration of --tls and --tls-ca, nil for plain TCP.
func loadTLS(useTLS bool, caFile string) (*tls.Config, error) {
	if !useTLS && caFile == "" {
		return nil, nil
	}
	config := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("--tls-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--tls-ca %s holds no PEM certificate", caFile)
		}
		config.RootCAs = pool
	}
	return config, nil
}
