// Command meridiand runs a Meridian gateway node.
//
// Without --config it runs the embedded demo: a SQLite database under
// ./data, the terminal listener on :8583, the reference Alipay+ adapter over
// gRPC on a loopback socket with its wallet simulator, and the demo merchant
// MERIDIANDEMO001 with terminal DEMO0001. With --config FILE it runs only
// what the file declares.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/meridian-gw/meridian/gateway/config"
	"github.com/meridian-gw/meridian/gateway/node"
)

func main() {
	err := run(os.Args[1:])
	var flagged errFlagged
	switch {
	case errors.As(err, &flagged):
		fmt.Fprintln(os.Stderr, "meridiand:", err)
		os.Exit(3)
	case err != nil:
		fmt.Fprintln(os.Stderr, "meridiand:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) > 0 && args[0] == "review" {
		return review(args[1:], os.Stdout)
	}
	if len(args) > 0 && args[0] == "acquirers" {
		return acquirers(args[1:], os.Stdout, os.Stderr)
	}
	fs := flag.NewFlagSet("meridiand", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: meridiand [flags]

Runs a Meridian gateway node: the ISO 8583 terminal host, the payment engine
and its scheme adapters. Without --config it runs the embedded demo (the
Alipay+ adapter against its built-in wallet simulator, merchant
MERIDIANDEMO001, terminal DEMO0001). Stop it with Ctrl-C (SIGINT) or SIGTERM;
requests in flight are answered first.

Commands:
  meridiand review      list the payments flagged for manual review (--help)
  meridiand acquirers   create acquirers (admin API tenants), issue and
                        revoke their keys, map certificates (--help)

Flags (they override the file):
`)
		fs.PrintDefaults()
	}
	configPath := fs.String("config", "", "YAML configuration `file`; empty runs the embedded demo")
	dataDir := fs.String("data-dir", "", "`directory` for the SQLite database (default ./data)")
	terminalAddr := fs.String("terminal-addr", "", "terminal listener `address` (default :8583)")
	metricsAddr := fs.String("metrics-addr", "", "`address` of /metrics, /healthz and /readyz (demo default 127.0.0.1:9583; \"off\" disables)")
	adminAddr := fs.String("admin-addr", "", "`address` of the acquirer admin API, gRPC (demo default 127.0.0.1:9584; \"off\" disables)")
	logLevel := fs.String("log-level", "info", "log `level`: debug, info, warn, error")
	logFormat := fs.String("log-format", "text", "log `format`: text or json")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	log, err := newLogger(*logLevel, *logFormat)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if *dataDir != "" {
		cfg.DataDir = *dataDir
	}
	if *terminalAddr != "" {
		cfg.Terminal.Addr = *terminalAddr
	}
	switch *metricsAddr {
	case "":
	case "off":
		cfg.MetricsAddr = ""
	default:
		cfg.MetricsAddr = *metricsAddr
	}
	switch *adminAddr {
	case "":
	case "off":
		cfg.Admin.Addr = ""
	default:
		cfg.Admin.Addr = *adminAddr
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	return serve(cfg, log)
}

func serve(cfg *config.Config, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	n, err := node.Start(ctx, cfg, log)
	if err != nil {
		return err
	}
	if cfg.Demo {
		log.Warn("DEMO MODE: embedded defaults, built-in wallet simulator, no real money moves",
			"merchant", "MERIDIANDEMO001", "terminal", "DEMO0001")
		// The banner goes to stdout, not the log: it quotes the README's
		// sample wallet code, and logs never hold a wallet code.
		fmt.Printf(demoBanner, n.TerminalAddr())
		if key := n.DemoAdminKey(); key != "" {
			// Printed once, to stdout, never logged: it is a credential.
			fmt.Printf(demoAdminBanner, n.AdminAddr(), key)
		}
	}
	log.Info("meridiand running; stop with Ctrl-C or SIGTERM",
		"terminal_addr", n.TerminalAddr(), "metrics_addr", n.MetricsAddr(), "admin_addr", n.AdminAddr(), "data_dir", cfg.DataDir)
	<-ctx.Done()
	stop() // a second signal now kills at once

	grace := cfg.Payment.Budget
	if grace <= 0 {
		grace = 25 * time.Second
	}
	log.Info("shutting down: answering requests in flight", "grace", grace+5*time.Second)
	sctx, cancel := context.WithTimeout(context.Background(), grace+5*time.Second)
	defer cancel()
	if err := n.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

const demoBanner = `
Meridian is running in demo mode on %s (merchant MERIDIANDEMO001, terminal DEMO0001).
Try it from another shell:
  go run ./cmd/posim pay --amount 12.50 --code 281012345678901234
  go run ./cmd/posim pay --amount 12.51 --code 281012345678901234   # declined, 51
  go run ./cmd/posim pay --amount 20.00 --code 54101234567890123456 # KakaoPay, charged in KRW
  go run ./cmd/posim qr --amount 8.40                               # shows a QR; pay it with: go run ./cmd/posim scan
The README lists every test amount. Stop with Ctrl-C.

`

const demoAdminBanner = `The admin API (gRPC) is on %s. The demo acquirer's key, new at every start:
  export MERIDIAN_API_KEY=%s
  go run ./cmd/meridianctl merchants list
  go run ./cmd/meridianctl txns list

`

func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.Demo()
	}
	return config.Load(path)
}

func newLogger(level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}
