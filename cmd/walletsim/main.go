// Command walletsim serves the Alipay+ wallet simulator (package
// schemes/alipayplus/sim) as its own process, with a durable ledger, so a
// gateway can be killed and restarted against a wallet that remembers every
// payment; it also makes test keys, checks ledger files offline, and plays
// the customer who scans a merchant-presented QR code.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
	"github.com/meridian-gw/meridian/schemes/credentials"
)

const usage = `Usage:
  walletsim [serve] --acquirer-public-key SRC --wallet-private-key SRC [flags]
  walletsim keys --dir DIR
  walletsim check --ledger FILE
  walletsim scan --url URL --qr PAYLOAD

walletsim simulates the Alipay+ acquirer partner API (pay, inquiryPayment,
cancelPayment, refund) for Meridian's built-in Alipay+ adapter, following
spec/wallet-simulators.md: the last two digits of the amount (of the
merchant's order amount, when sent) choose the outcome (51 54 05 59 61
declined, 91 paid after two inquiries, 92 in process until cancelled, 93
answer held for --slow-delay then paid, 96 first answer lost with HTTP 500).
A pay request in the "OrderCode" scenario creates a merchant-presented
order and answers its QR payload; the order waits for a customer to scan
it (walletsim scan, or POST /sim/scan) until it expires. GET /sim/ledger
serves the ledger as JSON.

serve (the default command)
  Serves the API until SIGINT or SIGTERM, then answers the requests in
  flight and stops (held 93 answers end at once with HTTP 503; the payment
  still becomes paid at its settle time). When it is listening it prints one
  line to stdout, for scripts to wait on:
    walletsim: serving Alipay+ partner API at http://127.0.0.1:7070 (ledger FILE)
  With --ledger, every change is appended to FILE and synced to disk before
  the answer that reports it is sent, and a walletsim started again on FILE
  carries on where the last one stopped, even after kill -9: repeats get the
  same answers and nothing is charged twice. The file is locked while in use.

  --addr HOST:PORT              listen address (default 127.0.0.1:7070);
                                port 0 picks a free one, shown in the line
  --ledger FILE                 durable ledger file, created if missing
                                (default: the ledger lives in memory only)
  --acquirer-public-key SRC     PEM public key that verifies the gateway's
                                request signatures (required)
  --wallet-private-key SRC      PEM private key that signs the answers
                                (required)
  --client-id ID                the only Client-Id accepted (default: any
                                whose signature verifies)
  --slow-delay D                how long a 93 answer is held (default 30s);
                                make it longer than the gateway's budget
  --cancel-window D             how long a payment can be cancelled
                                (default 24h)
  --refund-window D             how long a payment can be refunded
                                (default 8760h)
  --max-ledger-entries N        payments and refunds kept; beyond it new ones
                                are answered U REQUEST_TRAFFIC_EXCEED_LIMIT
                                (default 100000)
  --shutdown-grace D            how long a stop waits for requests in flight
                                (default 10s)
  --log-level LEVEL             debug (a line per request), info, warn, error
                                (default info); logs go to stderr
  A key SRC is a PEM file or env:NAME, an environment variable holding the
  PEM.

keys --dir DIR
  Writes two fresh 2048-bit RSA key pairs into DIR (created if missing; files
  mode 0600, never overwritten) and prints which file goes where:
    acquirer.pem      gateway adapter private_key
    wallet.pub.pem    gateway adapter wallet_public_key
    acquirer.pub.pem  walletsim --acquirer-public-key
    wallet.pem        walletsim --wallet-private-key

check --ledger FILE
  Replays a ledger file offline (it may belong to a running walletsim),
  prints a summary (payments by status, refunds, money by currency) and
  checks the money invariants: no payment charged twice, none charged while
  failed or in process, every cancelled charge returned in full, refunds
  never above the payment and matching their records.

scan --url URL --qr PAYLOAD
  The customer scans a merchant-presented QR code and pays the order in the
  wallet app: posts PAYLOAD (as displayed, e.g. the terminal's QR text) to
  the walletsim at URL and prints what became of the order: paid, declined
  (the amount rule), in process (91, 92), or not paid. A 93 order answers
  only when its hold ends.
  --timeout D                   how long to wait for the answer (default 2m)

Exit status: 0 success; 1 failure (serve could not start or stopped on an
error; check found a violation; scan was refused: an unknown, expired,
cancelled or already scanned order, or walletsim unreachable); 2 bad usage;
3 check could not read the ledger (missing, or corrupt before its last
line).

Example (a gateway against walletsim):
  walletsim keys --dir ./keys
  walletsim --addr 127.0.0.1:7070 --ledger ./walletsim-ledger.jsonl \
      --acquirer-public-key ./keys/acquirer.pub.pem --wallet-private-key ./keys/wallet.pem
  walletsim check --ledger ./walletsim-ledger.jsonl
`

// Exit statuses.
const (
	exitOK         = 0
	exitFailure    = 1
	exitUsage      = 2
	exitUnreadable = 3
)

// Defaults of serve's flags, and the HTTP server's limits.
const (
	defaultAddr       = "127.0.0.1:7070"
	defaultGrace      = 10 * time.Second
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run runs walletsim with args and returns its exit status. serve stops
// when ctx ends or on SIGINT or SIGTERM.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	command := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		command, args = args[0], args[1:]
	}
	switch command {
	case "serve":
		return serve(ctx, args, stdout, stderr)
	case "keys":
		return keys(args, stdout, stderr)
	case "check":
		return check(args, stdout, stderr)
	case "scan":
		return scan(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "walletsim: unknown command %q (see walletsim --help)\n", command)
	return exitUsage
}

// newFlagSet returns a flag set that reports a bad flag with a one-line
// hint; parse prints the whole usage for --help.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("walletsim "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "see walletsim --help")
	}
	return fs
}

// parse parses args; done reports that run should return status.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) (status int, done bool) {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprint(stdout, usage)
			return exitOK, true
		}
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "walletsim: unexpected argument %q (see walletsim --help)\n", fs.Arg(0))
		return exitUsage, true
	}
	return exitOK, false
}

// serveOptions are serve's flags.
type serveOptions struct {
	addr, ledger, acquirerKey, walletKey, clientID, logLevel string
	slowDelay, cancelWindow, refundWindow, grace             time.Duration
	maxEntries                                               int
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o := serveOptions{}
	fs := newFlagSet("serve", stderr)
	fs.StringVar(&o.addr, "addr", defaultAddr, "listen address")
	fs.StringVar(&o.ledger, "ledger", "", "durable ledger file")
	fs.StringVar(&o.acquirerKey, "acquirer-public-key", "", "acquirer public key (PEM file or env:NAME)")
	fs.StringVar(&o.walletKey, "wallet-private-key", "", "wallet private key (PEM file or env:NAME)")
	fs.StringVar(&o.clientID, "client-id", "", "the only Client-Id accepted")
	fs.DurationVar(&o.slowDelay, "slow-delay", sim.DefaultSlowDelay, "how long a 93 answer is held")
	fs.DurationVar(&o.cancelWindow, "cancel-window", sim.DefaultCancelWindow, "cancel window")
	fs.DurationVar(&o.refundWindow, "refund-window", sim.DefaultRefundWindow, "refund window")
	fs.IntVar(&o.maxEntries, "max-ledger-entries", sim.DefaultMaxLedgerEntries, "payments and refunds kept")
	fs.DurationVar(&o.grace, "shutdown-grace", defaultGrace, "how long a stop waits for requests in flight")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level")
	if status, done := parse(fs, args, stdout); done {
		return status
	}
	cfg, log, err := o.config(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "walletsim:", err)
		return exitUsage
	}
	if err := serveUntilStopped(ctx, o, cfg, log, stdout); err != nil {
		fmt.Fprintln(stderr, "walletsim:", err)
		return exitFailure
	}
	return exitOK
}

// config checks the options and builds the simulator's configuration.
func (o *serveOptions) config(stderr io.Writer) (sim.Config, *slog.Logger, error) {
	var level slog.Level
	switch {
	case o.acquirerKey == "":
		return sim.Config{}, nil, errors.New("--acquirer-public-key is required (walletsim keys --dir DIR makes one)")
	case o.walletKey == "":
		return sim.Config{}, nil, errors.New("--wallet-private-key is required (walletsim keys --dir DIR makes one)")
	case o.slowDelay <= 0 || o.cancelWindow <= 0 || o.refundWindow <= 0 || o.grace <= 0:
		return sim.Config{}, nil, errors.New("--slow-delay, --cancel-window, --refund-window and --shutdown-grace must be positive")
	case o.maxEntries <= 0:
		return sim.Config{}, nil, errors.New("--max-ledger-entries must be positive")
	case level.UnmarshalText([]byte(o.logLevel)) != nil:
		return sim.Config{}, nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", o.logLevel)
	}
	acquirer, err := credentials.LoadPublicKey(o.acquirerKey)
	if err != nil {
		return sim.Config{}, nil, fmt.Errorf("--acquirer-public-key: %w", err)
	}
	wallet, err := credentials.LoadPrivateKey(o.walletKey)
	if err != nil {
		return sim.Config{}, nil, fmt.Errorf("--wallet-private-key: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	return sim.Config{
		AcquirerPublicKey: acquirer,
		WalletPrivateKey:  wallet,
		AcquirerClientID:  o.clientID,
		SlowDelay:         o.slowDelay,
		CancelWindow:      o.cancelWindow,
		RefundWindow:      o.refundWindow,
		MaxLedgerEntries:  o.maxEntries,
		LedgerPath:        o.ledger,
		Logger:            log,
	}, log, nil
}

// serveUntilStopped opens the simulator and its ledger, serves until ctx
// ends or a signal arrives, then shuts down: the HTTP server first (requests
// in flight are answered), then the ledger file.
func serveUntilStopped(ctx context.Context, o serveOptions, cfg sim.Config, log *slog.Logger, stdout io.Writer) (err error) {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := sim.New(cfg)
	if err != nil {
		return err
	}
	defer func() {
		if closeErr := s.CloseLedger(); closeErr != nil && err == nil {
			err = closeErr
		}
		log.Info("walletsim stopped", "payments", len(s.Ledger().Payments()), "refunds", len(s.Ledger().Refunds()))
	}()
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout, // the body; answers may be held longer (93)
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(s.Close) // ends held 93 answers at once
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	where := "in memory"
	if o.ledger != "" {
		where = o.ledger
	}
	payments, refunds := len(s.Ledger().Payments()), len(s.Ledger().Refunds())
	log.Info("walletsim ready", "addr", ln.Addr().String(), "ledger", where, "payments", payments, "refunds", refunds,
		"client_id", o.clientID, "slow_delay", o.slowDelay)
	fmt.Fprintf(stdout, "walletsim: serving Alipay+ partner API at http://%s (ledger %s)\n", ln.Addr(), where)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	stop() // a second signal now kills at once
	log.Info("walletsim stopping: answering requests in flight", "grace", o.grace)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), o.grace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("walletsim: requests still in flight after the grace; closing them", "error", err.Error())
		srv.Close()
	}
	return nil
}
