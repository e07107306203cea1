// Command adapterd serves one of Meridian's reference scheme adapters
// (package schemes/reference) as its own gRPC server process: the adapter
// contract, the standard health service and reflection, over mutual TLS
// when given certificates. With --simulator it runs the scheme's wallet
// simulator in the same process, for demos and the conformance kit.
//
// The schemes it serves are the table of package schemes/reference, the one
// meridiand's built-in adapters come from too: a scheme registered there
// (KAKAOPAY and TRUEMONEY as their packages land) is served here with no
// change to this command. Its partner-API flags map one to one onto
// reference.Options.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/meridian-gw/meridian/schemes/reference"
)

const usage = `Usage: adapterd --scheme ID --listen HOST:PORT [flags]

adapterd serves a Meridian reference scheme adapter as its own gRPC process,
the way a wallet partner runs theirs: the adapter contract
(meridian.scheme.v1.SchemeAdapter), the grpc.health.v1 health service
(SERVING once ready, NOT_SERVING from the start of a shutdown) and server
reflection. A gateway reaches it through adapters[].address in its
configuration, with adapters[].tls for mutual TLS.

On SIGINT or SIGTERM it says NOT_SERVING, lets the calls in flight finish for
--shutdown-grace, then cuts the rest and exits.

When it is serving it prints, for scripts to wait on:
  adapterd: serving ALIPAYPLUS on 127.0.0.1:7101 (mutual TLS)
and with --simulator:
  adapterd: ALIPAYPLUS wallet simulator at http://127.0.0.1:40123

Flags:
  --scheme ID                 the scheme to serve: %s (required)
  --listen HOST:PORT          gRPC listen address (default 127.0.0.1:7101);
                              port 0 picks a free one, shown in the line
  --simulator                 run the scheme's wallet simulator in this
                              process, with credentials made at start, and
                              point the adapter at it (no real money moves)
  --simulator-addr HOST:PORT  the simulator's address (default 127.0.0.1:0)
  --simulator-slow-delay D    how long the simulator holds the "no answer"
                              amounts (...93) (default: the simulator's own)
  --simulator-ledger FILE     keep the simulator's ledger in FILE, so a
                              restarted adapterd remembers every payment
                              (default: in memory)
  The scheme's partner API, without --simulator:
  --base-url URL              the partner API, e.g. https://open-sea-global.alipayplus.com
  --client-id ID              the client id the scheme gave the acquirer
  --client-secret SRC         the API secret, for schemes that use one
  --private-key SRC           the acquirer's signing key (PEM)
  --wallet-public-key SRC     the key that verifies the wallet's answers (PEM)
  --charge-currencies LIST    comma-separated ISO 4217 codes the scheme is
                              charged in (default: the adapter's own list)
  A SRC is a file, or env:NAME for an environment variable holding it.
  Mutual TLS (all three, or none for plain text on a trusted loopback):
  --tls-cert FILE             the server's certificate (PEM)
  --tls-key FILE              its private key (PEM)
  --tls-client-ca FILE        CAs (PEM) whose client certificates are
                              accepted; every client must present one
  --shutdown-grace D          how long a stop waits for calls in flight
                              (default 10s)
  --log-level LEVEL           debug, info, warn, error (default info); logs
                              go to stderr

Exit status: 0 stopped by a signal; 1 could not start or stopped on an
error; 2 bad usage.

Example (the Alipay+ adapter with its simulator, checked by the kit):
  go run ./cmd/adapterd --scheme ALIPAYPLUS --listen 127.0.0.1:7101 --simulator
  go run ./cmd/conformance --addr 127.0.0.1:7101 --scan-url http://127.0.0.1:40123
`

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

const (
	defaultListen = "127.0.0.1:7101"
	defaultGrace  = 10 * time.Second
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// options are adapterd's flags.
type options struct {
	scheme, listen, logLevel string
	partner                  reference.Options
	currencies               string
	tls                      TLSFiles
	grace                    time.Duration
}

// run runs adapterd with args until ctx ends or a SIGINT or SIGTERM, and
// returns its exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, status, done := parse(args, stdout, stderr)
	if done {
		return status
	}
	log, err := newLogger(o.logLevel, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "adapterd:", err)
		return exitUsage
	}
	o.partner.Logger = log
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := start(o)
	if err != nil {
		fmt.Fprintln(stderr, "adapterd:", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "adapterd: serving %s on %s (%s)\n", o.scheme, d.addr, transport(o.tls))
	if d.adapter.SimulatorURL != "" {
		fmt.Fprintf(stdout, "adapterd: %s wallet simulator at %s\n", o.scheme, d.adapter.SimulatorURL)
	}
	if !o.tls.Enabled() && !isLoopback(d.addr) {
		log.Warn("serving plain text on a non-loopback address: use --tls-cert, --tls-key and --tls-client-ca", "addr", d.addr)
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-d.served:
	}
	stop() // a second signal kills at once
	log.Info("stopping: NOT_SERVING, answering calls in flight", "grace", o.grace)
	sctx, cancel := context.WithTimeout(context.Background(), o.grace)
	defer cancel()
	d.stop(sctx)
	if serveErr != nil {
		fmt.Fprintln(stderr, "adapterd: serving stopped:", serveErr)
		return exitFailure
	}
	log.Info("stopped")
	return exitOK
}

func parse(args []string, stdout, stderr io.Writer) (o options, status int, done bool) {
	fs := flag.NewFlagSet("adapterd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, "see adapterd --help") }
	fs.StringVar(&o.scheme, "scheme", "", "the scheme to serve")
	fs.StringVar(&o.listen, "listen", defaultListen, "gRPC listen address")
	fs.BoolVar(&o.partner.Simulator, "simulator", false, "run the wallet simulator in this process")
	fs.StringVar(&o.partner.SimulatorAddr, "simulator-addr", "", "the simulator's address")
	fs.DurationVar(&o.partner.SimulatorSlowDelay, "simulator-slow-delay", 0, "how long the simulator holds ...93 answers")
	fs.StringVar(&o.partner.SimulatorLedger, "simulator-ledger", "", "the simulator's durable ledger file")
	fs.StringVar(&o.partner.BaseURL, "base-url", "", "the partner API's base URL")
	fs.StringVar(&o.partner.ClientID, "client-id", "", "the acquirer's client id")
	fs.StringVar(&o.partner.ClientSecret, "client-secret", "", "the API secret (file or env:NAME)")
	fs.StringVar(&o.partner.PrivateKey, "private-key", "", "the acquirer's signing key (file or env:NAME)")
	fs.StringVar(&o.partner.WalletPublicKey, "wallet-public-key", "", "the wallet's public key (file or env:NAME)")
	fs.StringVar(&o.currencies, "charge-currencies", "", "comma-separated ISO 4217 codes")
	fs.StringVar(&o.tls.CertFile, "tls-cert", "", "server certificate (PEM)")
	fs.StringVar(&o.tls.KeyFile, "tls-key", "", "server key (PEM)")
	fs.StringVar(&o.tls.ClientCAFile, "tls-client-ca", "", "CAs of accepted client certificates (PEM)")
	fs.DurationVar(&o.grace, "shutdown-grace", defaultGrace, "how long a stop waits for calls in flight")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level")
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprintf(stdout, usage, strings.Join(reference.Schemes(), ", "))
			return o, exitOK, true
		}
	}
	if err := fs.Parse(args); err != nil {
		return o, exitUsage, true
	}
	if err := o.check(fs); err != nil {
		fmt.Fprintf(stderr, "adapterd: %v (see adapterd --help)\n", err)
		return o, exitUsage, true
	}
	return o, exitOK, false
}

func (o *options) check(fs *flag.FlagSet) error {
	o.scheme = strings.ToUpper(strings.TrimSpace(o.scheme))
	for _, c := range strings.Split(o.currencies, ",") {
		if c = strings.ToUpper(strings.TrimSpace(c)); c != "" {
			o.partner.ChargeCurrencies = append(o.partner.ChargeCurrencies, c)
		}
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.scheme == "":
		return fmt.Errorf("--scheme is required: one of %s", strings.Join(reference.Schemes(), ", "))
	case !reference.Has(o.scheme):
		return fmt.Errorf("--scheme %s has no reference adapter: pick one of %s", o.scheme, strings.Join(reference.Schemes(), ", "))
	case o.grace <= 0:
		return errors.New("--shutdown-grace must be positive")
	case o.partner.Simulator && (o.partner.BaseURL != "" || o.partner.PrivateKey != "" || o.partner.ClientSecret != ""):
		return errors.New("--simulator makes its own credentials: drop --base-url, --client-secret and --private-key, or drop --simulator")
	}
	return nil
}

// daemon is a started adapterd: the adapter (and its simulator) and the
// gRPC server serving it.
type daemon struct {
	adapter *reference.Adapter
	server  *adapterServer
	addr    string
	// served receives what the server's Serve returned, once.
	served chan error
}

// start builds the adapter, listens and serves; the server says SERVING
// from the moment start returns.
func start(o options) (*daemon, error) {
	tlsConfig, err := ServerTLS(o.tls)
	if err != nil {
		return nil, err
	}
	adapter, err := reference.New(o.scheme, o.partner)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		adapter.Close(context.Background())
		return nil, fmt.Errorf("listen on %s: %w", o.listen, err)
	}
	d := &daemon{
		adapter: adapter,
		server:  newAdapterServer(adapter.Server, tlsConfig, o.partner.Logger),
		addr:    ln.Addr().String(),
		served:  make(chan error, 1),
	}
	// Ready: the adapter is built and the socket listens (connections wait
	// in its backlog until Serve takes them).
	d.server.setServing(healthpb.HealthCheckResponse_SERVING)
	go func() { d.served <- d.server.grpc.Serve(ln) }()
	return d, nil
}

// stop says NOT_SERVING, stops the server (cutting calls still in flight
// when ctx ends), then the adapter and its simulator.
func (d *daemon) stop(ctx context.Context) {
	d.server.shutdown(ctx)
	d.adapter.Close(ctx)
}

func transport(f TLSFiles) string {
	if f.Enabled() {
		return "mutual TLS"
	}
	return "plain text"
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}
