// Package reference builds Meridian's reference scheme adapters by scheme
// id, each pointed either at its wallet's simulator (run in this process,
// with credentials made for the run) or at the wallet's real partner API.
// It is the one table both meridiand (built-in adapters) and adapterd (an
// adapter as its own process) start adapters from.
package reference

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sort"
	"time"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// Options says how to build a reference adapter.
type Options struct {
	// Simulator runs the wallet's simulator in this process and points the
	// adapter at it, with credentials made for this run only.
	Simulator bool
	// SimulatorAddr is where the simulator listens; default 127.0.0.1:0 (a
	// free port, reported in Adapter.SimulatorURL).
	SimulatorAddr string
	// SimulatorSlowDelay is how long the simulator holds the answer of the
	// "no answer" amounts (…93); default the simulator's own.
	SimulatorSlowDelay time.Duration
	// SimulatorLedger makes the simulator's ledger durable in this file;
	// empty keeps it in memory.
	SimulatorLedger string

	// The wallet's partner API, without Simulator. Secrets and keys are
	// names of PEM or text files, or "env:NAME" for an environment
	// variable; never the secret itself.
	BaseURL         string
	ClientID        string
	ClientSecret    string
	PrivateKey      string
	WalletPublicKey string

	// ChargeCurrencies limits the currencies the scheme is charged in;
	// default the adapter's own list.
	ChargeCurrencies []string
	Logger           *slog.Logger
}

// Adapter is a reference adapter ready to be served.
type Adapter struct {
	Scheme string
	Server schemev1.SchemeAdapterServer
	// SimulatorURL is the simulator's base URL (its /sim/scan pays
	// merchant-presented orders); empty without simulator.
	SimulatorURL string

	closers []func(context.Context)
}

// Close stops the adapter and its simulator, waiting for held answers
// until ctx ends.
func (a *Adapter) Close(ctx context.Context) {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i](ctx)
	}
	a.closers = nil
}

func (a *Adapter) onClose(f func(context.Context)) { a.closers = append(a.closers, f) }

// builder builds one scheme's adapter into a.
type builder func(a *Adapter, opts Options) error

// builders is the table of reference adapters by scheme id.
var builders = map[string]builder{}

func register(scheme string, b builder) {
	if _, dup := builders[scheme]; dup {
		panic("reference: scheme " + scheme + " registered twice")
	}
	builders[scheme] = b
}

// Schemes lists the scheme ids with a reference adapter, sorted.
func Schemes() []string {
	out := make([]string, 0, len(builders))
	for s := range builders {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Has reports whether scheme has a reference adapter.
func Has(scheme string) bool { return slices.Contains(Schemes(), scheme) }

// New builds the reference adapter of scheme.
func New(scheme string, opts Options) (*Adapter, error) {
	b, ok := builders[scheme]
	if !ok {
		return nil, fmt.Errorf("reference: no reference adapter for scheme %q (have %v)", scheme, Schemes())
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	a := &Adapter{Scheme: scheme}
	if err := b(a, opts); err != nil {
		a.Close(context.Background())
		return nil, fmt.Errorf("reference: %s: %w", scheme, err)
	}
	return a, nil
}

// serveSimulator serves a simulator's handler and records how to stop it.
func (a *Adapter) serveSimulator(opts Options, h http.Handler, release func()) error {
	addr := opts.SimulatorAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("simulator listener: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	a.SimulatorURL = "http://" + ln.Addr().String()
	a.onClose(func(ctx context.Context) {
		if release != nil {
			release() // ends held answers, so Shutdown does not wait for them
		}
		_ = srv.Shutdown(ctx)
		_ = srv.Close()
	})
	return nil
}

// needPartnerAPI checks that the options name what a real partner API
// needs.
func needPartnerAPI(opts Options, fields ...string) error {
	values := map[string]string{
		"base_url": opts.BaseURL, "client_id": opts.ClientID, "client_secret": opts.ClientSecret,
		"private_key": opts.PrivateKey, "wallet_public_key": opts.WalletPublicKey,
	}
	var missing []string
	for _, f := range fields {
		if values[f] == "" {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("without the simulator the partner API needs %v", missing)
	}
	return nil
}
