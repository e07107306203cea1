// Command posim is a POS terminal simulator for the Meridian terminal host
// interface. It sends one request per run and prints the answer in plain
// words; posim load runs many terminals at once for load and crash tests.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/meridian-gw/meridian/fx"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

const usage = `Usage: posim <command> [flags]

posim acts as a POS terminal against a Meridian gateway (the terminal host
interface, ISO 8583 over TCP) and prints each answer in plain words.

Commands:
  signon     sign the terminal on (0800, DE 70 001)
  signoff    sign the terminal off (0800, DE 70 002)
  echo       echo test (0800, DE 70 301)
  pay        purchase with a wallet code scanned from the customer (0200)
               --amount 12.50 --code 281012345678901234
  qr         purchase with a QR shown to the customer (0200, DE 22 821): prints
             the QR, then polls its status until paid      --amount 12.50
               [--scheme KAKAOPAY] [--wait 3m]
  scan       pay the last QR as the customer would, with the wallet simulator
               [--qr PAYLOAD] [--wallet-url http://127.0.0.1:8601]
  status     status of an earlier purchase (0100)       --rrn RRN
  refund     refund all or part of a purchase (0200)     --rrn RRN --amount 5.00
  reverse    reverse a purchase (0400; --advice for 0420); without flags the
             last purchase of this terminal, else --stan STAN --time MMDDhhmmss --amount A
  load       many terminals at once, each with purchases in flight, a mix of
             outcomes, reversal advices for the unanswered, a live progress line
             and a summary (see posim load --help)
               --terminals 8 --concurrency 4 --duration 60s --mix "00:88,51:2,92:1"

  bench      the benchmark suite: echo ceiling, gateway with a minimal adapter,
             gateway with Alipay+, each closed loop then open loop at half its
             capacity (see posim bench --help)   [--duration 10s] [--json]
             [--write-doc docs/PERFORMANCE.md]
  idle       hold many idle terminal connections, to measure what they cost
             the gateway                 [--connections 10000] [--hold 1m]
  echo-server  a bare length-prefixed echo server, the ceiling posim load
             --echo --addr measures against      [--listen 127.0.0.1:8590]

Common flags (after the command):
  --addr host:port     gateway terminal address (default localhost:8583, or $POSIM_ADDR)
  --terminal ID        terminal id, DE 41 (default DEMO0001)
  --merchant ID        merchant id, DE 42 (default MERIDIANDEMO001)
  --currency CODE      transaction currency (default EUR)
  --use-stan N         use this STAN instead of the terminal's next one
  --timeout D          how long to wait for the answer (default 35s)
  --tls                connect over TLS; --tls-ca FILE trusts that CA
  --json               print the response as JSON

posim remembers each terminal's STAN counter and last purchase in the user
cache directory, as a terminal would.

Examples:
  posim pay --amount 12.50 --code 281012345678901234
  posim pay --amount 12.51 --code 281012345678901234    # declined, 51
  posim qr --amount 12.50                               # then, elsewhere: posim scan
  posim status --rrn 000000000001
  posim refund --rrn 000000000001 --amount 2.50
  posim reverse
  posim load --terminals 8 --concurrency 4 --count 10000 --record load.jsonl
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd := args[0]
	if cmd == "idle" {
		return runIdle(args[1:], stdout, stderr)
	}
	if cmd == "bench" {
		return runBench(args[1:], stdout, stderr)
	}
	if cmd == "echo-server" {
		return runEchoServer(args[1:], stdout, stderr)
	}
	if cmd == "load" {
		return runLoad(args[1:], stdout, stderr)
	}
	o := &options{}
	fs := o.flags(cmd, stderr)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "posim %s: unexpected argument %q (see posim --help)\n", cmd, fs.Arg(0))
		return 2
	}
	if err := o.execute(cmd, stdout); err != nil {
		fmt.Fprintf(stderr, "posim %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

type options struct {
	addr, terminal, merchant, currency string
	stan                               int
	timeout                            time.Duration
	useTLS                             bool
	tlsCA                              string
	json                               bool
	amount, code, rrn, origSTAN, time  string
	advice                             bool
	scheme, qr, walletURL              string
	wait                               time.Duration
	lightBackground                    bool
}

func (o *options) flags(cmd string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("posim "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", defaultAddr(), "gateway terminal `address`")
	fs.StringVar(&o.terminal, "terminal", "DEMO0001", "terminal `id` (DE 41)")
	fs.StringVar(&o.merchant, "merchant", "MERIDIANDEMO001", "merchant `id` (DE 42)")
	fs.StringVar(&o.currency, "currency", "EUR", "transaction `currency` (ISO 4217)")
	fs.IntVar(&o.stan, "use-stan", 0, "use this STAN `number` for the request")
	fs.DurationVar(&o.timeout, "timeout", 35*time.Second, "how long to wait for the answer")
	fs.BoolVar(&o.useTLS, "tls", false, "connect over TLS")
	fs.StringVar(&o.tlsCA, "tls-ca", "", "PEM `file` of the CA that signed the gateway's certificate")
	fs.BoolVar(&o.json, "json", false, "print the response as JSON")
	switch cmd {
	case "pay":
		fs.StringVar(&o.amount, "amount", "", "amount, e.g. 12.50 (required)")
		fs.StringVar(&o.code, "code", "", "wallet payment `code` scanned from the customer (required)")
	case "qr":
		fs.StringVar(&o.amount, "amount", "", "amount, e.g. 12.50 (required)")
		fs.StringVar(&o.scheme, "scheme", "", "`scheme` to pay with (DE 48 tag 04), e.g. KAKAOPAY; default the host's choice")
		fs.DurationVar(&o.wait, "wait", 3*time.Minute, "how long to poll for the customer's payment; 0 shows the QR and stops")
		fs.BoolVar(&o.lightBackground, "light", false, "draw the QR for a terminal with a light background")
	case "scan":
		fs.StringVar(&o.qr, "qr", "", "QR `payload` to pay (default: the last QR this terminal showed)")
		fs.StringVar(&o.walletURL, "wallet-url", "", "wallet simulator `URL` (default: the demo's simulator of the QR's scheme)")
	case "refund":
		fs.StringVar(&o.amount, "amount", "", "amount to refund, e.g. 5.00 (required)")
		fs.StringVar(&o.rrn, "rrn", "", "RRN of the purchase (required)")
	case "status":
		fs.StringVar(&o.rrn, "rrn", "", "RRN of the purchase (required)")
	case "reverse":
		fs.StringVar(&o.origSTAN, "stan", "", "STAN of the purchase to reverse (default: the last purchase)")
		fs.StringVar(&o.time, "time", "", "DE 7 of the purchase to reverse, MMDDhhmmss")
		fs.StringVar(&o.amount, "amount", "", "amount of the purchase to reverse")
		fs.BoolVar(&o.advice, "advice", false, "send a reversal advice (0420) instead of a request (0400)")
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: posim %s [flags]\n\nFlags:\n", cmd)
		fs.PrintDefaults()
	}
	return fs
}

func (o *options) execute(cmd string, stdout io.Writer) error {
	cur, ok := fx.ByCode(strings.ToUpper(o.currency))
	if !ok {
		return fmt.Errorf("--currency %q is not an ISO 4217 code", o.currency)
	}
	if cmd == "scan" {
		return o.scan(stdout)
	}
	st := loadState(o.terminal)
	t := &pos.Terminal{ID: o.terminal, MerchantID: o.merchant, Currency: cur.Numeric}
	t.SetSTAN(st.STAN)
	if o.stan > 0 {
		t.SetSTAN(o.stan)
	}
	if cmd == "qr" {
		return o.order(t, cur, &st, stdout)
	}
	req, err := o.build(cmd, t, cur, st)
	if err != nil {
		return err
	}
	if o.stan == 0 {
		st.STAN = atoi(req.STAN)%999999 + 1
	}
	if cmd == "pay" {
		st.Last = &lastRequest{MTI: req.MTI, ProcessingCode: req.ProcessingCode, STAN: req.STAN, TransmissionTime: req.TransmissionTime, Amount: req.Amount}
	}
	saveState(o.terminal, st)

	resp, err := o.send(req)
	if err != nil {
		return err
	}
	if cmd == "pay" && resp.RRN != "" {
		st.Last.RRN = resp.RRN
		saveState(o.terminal, st)
	}
	return o.show(stdout, cmd, req, resp, cur)
}

func (o *options) show(stdout io.Writer, cmd string, req, resp *wire.Message, cur fx.Currency) error {
	if o.json {
		return printJSON(stdout, req, resp)
	}
	printResponse(stdout, cmd, req, resp, cur)
	return nil
}

func (o *options) build(cmd string, t *pos.Terminal, cur fx.Currency, st state) (*wire.Message, error) {
	switch cmd {
	case "signon":
		return t.Network(wire.NetworkSignOn), nil
	case "signoff":
		return t.Network(wire.NetworkSignOff), nil
	case "echo":
		return t.Network(wire.NetworkEcho), nil
	case "pay":
		if o.code == "" {
			return nil, errors.New("--code is required: the wallet code scanned from the customer")
		}
		amount, err := o.requiredAmount(cur)
		if err != nil {
			return nil, err
		}
		return t.Purchase(amount, o.code), nil
	case "refund":
		if o.rrn == "" {
			return nil, errors.New("--rrn is required: the RRN printed for the purchase")
		}
		amount, err := o.requiredAmount(cur)
		if err != nil {
			return nil, err
		}
		return t.Refund(o.rrn, amount), nil
	case "status":
		if o.rrn == "" {
			return nil, errors.New("--rrn is required: the RRN printed for the purchase")
		}
		return t.Status(o.rrn), nil
	case "reverse":
		return o.reversal(t, cur, st)
	}
	return nil, fmt.Errorf("unknown command %q (see posim --help)", cmd)
}

func (o *options) reversal(t *pos.Terminal, cur fx.Currency, st state) (*wire.Message, error) {
	if o.origSTAN == "" {
		if st.Last == nil {
			return nil, errors.New("no earlier purchase of this terminal is remembered: give --stan, --time and --amount")
		}
		l := st.Last
		return t.ReversalOf(l.MTI, l.STAN, l.TransmissionTime, l.ProcessingCode, l.Amount, o.advice), nil
	}
	if len(o.origSTAN) > 6 || atoi(o.origSTAN) <= 0 || len(o.time) != 10 {
		return nil, errors.New("--stan (up to 6 digits) and --time (MMDDhhmmss, DE 7 of the purchase) are required together")
	}
	amount, err := o.requiredAmount(cur)
	if err != nil {
		return nil, err
	}
	stan := fmt.Sprintf("%06d", atoi(o.origSTAN))
	return t.ReversalOf(wire.MTIFinancialRequest, stan, o.time, wire.ProcessingPurchase, amount, o.advice), nil
}

func (o *options) requiredAmount(cur fx.Currency) (int64, error) {
	if o.amount == "" {
		return 0, errors.New("--amount is required, e.g. --amount 12.50")
	}
	return parseAmount(o.amount, cur)
}

func (o *options) send(req *wire.Message) (*wire.Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	tlsConfig, err := loadTLS(o.useTLS, o.tlsCA)
	if err != nil {
		return nil, err
	}
	c, err := pos.Dial(ctx, o.addr, tlsConfig)
	if err != nil {
		return nil, fmt.Errorf("%w\nIs the gateway running? Start it with: go run ./cmd/meridiand", err)
	}
	defer c.Close()
	resp, err := c.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// defaultAddr is the gateway's terminal address: $POSIM_ADDR, else the
// demo's.
func defaultAddr() string {
	if addr := os.Getenv("POSIM_ADDR"); addr != "" {
		return addr
	}
	return "localhost:8583"
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return -1
		}
		n = n*10 + int(r-'0')
	}
	return n
}

func warnf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "posim: "+format+"\n", args...)
}
