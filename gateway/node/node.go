// Package node assembles one gateway node from its configuration: the
// store, the scheme adapters (built-in ones served over gRPC on loopback
// sockets, with their wallet simulators), the payment engine and its
// resolver, the terminal listener and the operations endpoint; and takes
// them down again in the right order.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/meridian-gw/meridian/fx"
	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/config"
	"github.com/meridian-gw/meridian/gateway/metrics"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store"
	"github.com/meridian-gw/meridian/gateway/store/postgres"
	"github.com/meridian-gw/meridian/gateway/terminal"
	"github.com/meridian-gw/meridian/schemes"
	"github.com/meridian-gw/meridian/schemes/emvco"
)

// DatabaseFile is the SQLite file's name inside the data directory.
const DatabaseFile = "meridian.db"

// Node is a running gateway node.
type Node struct {
	cfg      *config.Config
	log      *slog.Logger
	store    payment.Store
	registry *schemes.Registry
	builtins []*builtin
	engine   *payment.Engine
	metrics  *metrics.Metrics
	ops      *metrics.Server
	terminal *terminal.Server
	termLn   net.Listener

	fxStop  context.CancelFunc // stops the rate cache's refresher
	fxRates *fx.Cache          // nil without an fx source

	stopEngine context.CancelFunc
	engineDone chan struct{}
	serveDone  chan error

	admin     *admin.Server
	adminLn   net.Listener
	adminDone chan error
	demoKey   string
}

// Start brings a node up. On error everything started is stopped again.
func Start(ctx context.Context, cfg *config.Config, log *slog.Logger) (_ *Node, err error) {
	if log == nil {
		log = slog.Default()
	}
	n := &Node{cfg: cfg, log: log, metrics: metrics.New(), registry: schemes.NewRegistry()}
	defer func() {
		// n, not the result, which a failing return has already set to nil.
		if err != nil {
			n.teardown(context.Background())
		}
	}()
	if n.store, err = openStore(ctx, cfg); err != nil {
		return nil, err
	}
	if sq, ok := n.store.(*store.SQLite); ok {
		n.metrics.WatchJournal(func() metrics.JournalStats {
			st := sq.Stats()
			return metrics.JournalStats{Writes: st.Writes, Commits: st.Commits, FailedBatches: st.FailedBatches,
				SlowBatches: st.SlowBatches, CheckpointedPages: st.CheckpointedPages, CheckpointFailures: st.CheckpointFailures}
		})
	}
	if err := onboard(ctx, n.store, cfg.Merchants, cfg.Demo); err != nil {
		return nil, err
	}
	if err := n.startAdapters(ctx); err != nil {
		return nil, err
	}
	router, err := schemes.NewAIDRouter(cfg.Routing, cfg.AIDRouting)
	if err != nil {
		return nil, fmt.Errorf("node: routing table: %w", err)
	}
	if err := n.startEngine(router); err != nil {
		return nil, err
	}
	if err := n.startAdmin(ctx); err != nil {
		return nil, err
	}
	if err := n.startTerminal(); err != nil {
		return nil, err
	}
	if cfg.MetricsAddr != "" {
		if n.ops, err = metrics.Listen(cfg.MetricsAddr, n.metrics, n.readiness()); err != nil {
			return nil, fmt.Errorf("node: operations endpoint on %s: %w", cfg.MetricsAddr, err)
		}
	}
	return n, nil
}

func (n *Node) startEngine(router *schemes.Router) error {
	p := n.cfg.Payment
	quoter, err := n.startFX()
	if err != nil {
		return err
	}
	// The store's configuration generation lets the engine keep the
	// merchants, terminals and policies it reads in memory.
	versions, _ := n.store.(payment.ConfigVersion)
	engine, err := payment.New(payment.Config{
		FX:                  quoter,
		RefundAtCurrentRate: n.cfg.FX.RefundRate == "current",
		Store:               n.store,
		Adapters:            registryAdapters{n.registry},
		Router:              router,
		Budget:              p.Budget,
		PayTimeout:          p.PayTimeout,
		InquiryInterval:     p.InquiryInterval,
		ResolveInterval:     p.ResolveInterval,
		RetryMax:            p.RetryMax,
		NotFoundGrace:       p.NotFoundGrace,
		GiveUpAge:           p.GiveUpAge,
		NodeID:              nodeID(n.cfg),
		OrderTTL:            p.OrderTTL,
		OrderPollInterval:   p.OrderPollInterval,
		CheckQR:             checkQR,
		Policies:            policiesOf(n.store),
		ConfigVersion:       versions,
		Logger:              n.log,
		Observer:            n.metrics.Observer(),
	})
	if err != nil {
		return fmt.Errorf("node: payment engine: %w", err)
	}
	n.engine = engine
	ctx, cancel := context.WithCancel(context.Background())
	n.stopEngine = cancel
	n.engineDone = make(chan struct{})
	go func() {
		defer close(n.engineDone)
		_ = engine.Run(ctx)
	}()
	return nil
}

func (n *Node) startTerminal() error {
	t := n.cfg.Terminal
	tlsConfig, err := terminalTLS(t.TLS)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", t.Addr)
	if err != nil {
		return fmt.Errorf("node: terminal listener on %s: %w", t.Addr, err)
	}
	n.termLn = ln
	n.terminal = &terminal.Server{
		Handler:        &terminal.Host{Engine: n.engine, RequireSignOn: t.RequireSignOn, Logger: n.log},
		TLSConfig:      tlsConfig,
		MaxConnections: t.MaxConnections,
		MaxInFlight:    t.MaxInFlight,
		MaxMessageSize: t.MaxMessageSize,
		IdleTimeout:    t.IdleTimeout,
		ReadTimeout:    t.ReadTimeout,
		WriteTimeout:   t.WriteTimeout,
		Logger:         n.log,
		Metrics:        n.metrics,
	}
	n.serveDone = make(chan error, 1)
	go func() { n.serveDone <- n.terminal.Serve(ln) }()
	return nil
}

// TerminalAddr is the address terminals connect to.
func (n *Node) TerminalAddr() string { return n.termLn.Addr().String() }

// MetricsAddr is the operations endpoint's address, "" when off.
func (n *Node) MetricsAddr() string {
	if n.ops == nil {
		return ""
	}
	return n.ops.Addr().String()
}

// SimulatorURL is the base URL of a built-in wallet simulator, "" if none.
func (n *Node) SimulatorURL(scheme string) string {
	for _, b := range n.builtins {
		if b.scheme == scheme && b.adapter.SimulatorURL != "" {
			return b.adapter.SimulatorURL
		}
	}
	return ""
}

// Metrics is the node's metrics registry, for tools in the same process
// (posim bench reads the stage timings from it).
func (n *Node) Metrics() prometheus.Gatherer { return n.metrics.Registry }

// Store is the node's store, for inspection by tools and tests.
func (n *Node) Store() payment.Store { return n.store }

// Shutdown stops taking requests, lets the ones in flight be answered
// (until ctx ends), stops the resolver, and closes adapters and the store.
// Whatever is unfinished is in the journal and resumes at the next start.
func (n *Node) Shutdown(ctx context.Context) error {
	return n.teardown(ctx)
}

func (n *Node) teardown(ctx context.Context) error {
	var errs []error
	if n.terminal != nil {
		if err := n.terminal.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("terminal listener: %w", err))
		}
		if err := <-n.serveDone; err != nil && !errors.Is(err, terminal.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	errs = append(errs, n.stopAdmin(ctx))
	if n.engine != nil {
		// Requests the terminal listener gave up on are stopped where they
		// stand (journaled, resolved at the next start) before the adapters
		// and the store they use are closed.
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := n.engine.Close(cctx); err != nil {
			errs = append(errs, err)
		}
		cancel()
	}
	if n.stopEngine != nil {
		n.stopEngine()
		<-n.engineDone
	}
	if n.fxStop != nil {
		n.fxStop()
	}
	if n.ops != nil {
		errs = append(errs, n.ops.Shutdown(ctx))
	}
	errs = append(errs, n.registry.Close())
	for _, b := range n.builtins {
		b.stop(ctx)
	}
	if n.store != nil {
		errs = append(errs, n.store.Close())
	}
	return errors.Join(errs...)
}

func (n *Node) readiness() map[string]metrics.Check {
	checks := map[string]metrics.Check{
		"store": func(ctx context.Context) error {
			_, err := n.store.Terminal(ctx, "\x00readiness")
			if errors.Is(err, payment.ErrNotFound) {
				return nil
			}
			return err
		},
	}
	for _, s := range n.registry.Schemes() {
		c, _ := n.registry.Client(s)
		checks["adapter "+s] = c.Healthy
	}
	if n.fxRates != nil {
		// Any pair goes through the cache's age check; EUR/EUR needs no
		// particular currency in the table.
		checks["fx rates"] = func(ctx context.Context) error {
			_, err := n.fxRates.Rate(ctx, "EUR", "EUR")
			return err
		}
	}
	return checks
}

// OpenStore opens the configured database, as a node does, for tools: the
// caller closes it.
func OpenStore(ctx context.Context, cfg *config.Config) (payment.Store, error) {
	return openStore(ctx, cfg)
}

// openStore opens the configured database: SQLite in the data directory,
// or PostgreSQL at the DSN (from the environment when it says env:NAME).
func openStore(ctx context.Context, cfg *config.Config) (payment.Store, error) {
	if cfg.Store.Driver == "postgres" {
		dsn := cfg.Store.DSN
		if name, ok := strings.CutPrefix(dsn, "env:"); ok {
			if dsn = os.Getenv(name); dsn == "" {
				return nil, fmt.Errorf("node: store dsn: environment variable %s is not set", name)
			}
		}
		st, err := postgres.Open(ctx, dsn, postgres.Config{MaxConns: int32(cfg.Store.MaxConns)})
		if err != nil {
			return nil, fmt.Errorf("node: open PostgreSQL store: %w", err)
		}
		return st, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("node: data directory: %w", err)
	}
	path := filepath.Join(cfg.DataDir, DatabaseFile)
	st, err := store.OpenSQLite(ctx, path, store.Config{})
	if err != nil {
		return nil, fmt.Errorf("node: open store %s: %w", path, err)
	}
	return st, nil
}

// onboard writes the configured merchants and terminals to the store, the
// ones it does not hold yet: once a merchant is in the store the admin API
// owns it, and a restart must not undo what an acquirer changed (a
// suspension, say).
//
// The demo's merchants are the exception: the embedded defaults describe
// them, so they are written at every start, and a data directory from an
// older demo gets the current ones.
func onboard(ctx context.Context, st payment.Store, merchants []config.Merchant, demo bool) error {
	now := time.Now().UTC()
	for _, m := range merchants {
		_, err := st.Merchant(ctx, m.ID)
		switch {
		case err == nil && !demo:
			if err := onboardTerminals(ctx, st, m, now); err != nil {
				return err
			}
			continue
		case err != nil && !errors.Is(err, payment.ErrNotFound):
			return fmt.Errorf("node: onboard merchant %s: %w", m.ID, err)
		}
		err = st.PutMerchant(ctx, &payment.Merchant{
			ID: m.ID, LegalName: m.LegalName, TradingName: m.TradingName, MCC: m.MCC,
			Country: m.Country, City: m.City, Currency: m.Currency, Schemes: m.Schemes,
			MaxAmount: m.MaxAmount, CreatedAt: now, UpdatedAt: now,
		})
		if err != nil {
			return fmt.Errorf("node: onboard merchant %s: %w", m.ID, err)
		}
		if err := onboardTerminals(ctx, st, m, now); err != nil {
			return err
		}
	}
	return nil
}

// onboardTerminals adds the configured terminals of m the store does not
// hold yet.
func onboardTerminals(ctx context.Context, st payment.Store, m config.Merchant, now time.Time) error {
	for _, t := range m.Terminals {
		_, err := st.Terminal(ctx, t)
		if err == nil {
			continue
		}
		if !errors.Is(err, payment.ErrNotFound) {
			return fmt.Errorf("node: onboard terminal %s: %w", t, err)
		}
		if err := st.PutTerminal(ctx, &payment.Terminal{ID: t, MerchantID: m.ID, CreatedAt: now, UpdatedAt: now}); err != nil {
			return fmt.Errorf("node: onboard terminal %s: %w", t, err)
		}
	}
	return nil
}

// registryAdapters lets the engine find adapters in the registry.
type registryAdapters struct{ r *schemes.Registry }

func (a registryAdapters) Adapter(scheme string) (payment.Adapter, bool) {
	c, ok := a.r.Client(scheme)
	if !ok {
		return nil, false
	}
	return c, true
}

// startFX builds the rate provider, its cache (refreshed in the
// background) and the pricer; nil when no rate source is configured.
func (n *Node) startFX() (payment.Quoter, error) {
	c := n.cfg.FX
	var provider fx.Provider
	switch c.Source {
	case "":
		return nil, nil
	case "ecb":
		source := c.ECB
		if source == "" {
			source = fx.ECBDailyURL
		}
		ecb, err := fx.NewECB(source)
		if err != nil {
			return nil, fmt.Errorf("node: fx: %w", err)
		}
		provider = ecb
	case "static":
		static, err := fx.NewStatic(*c.Static)
		if err != nil {
			return nil, fmt.Errorf("node: fx: %w", err)
		}
		provider = static
	}
	cache := fx.NewCache(provider, fx.CacheConfig{TTL: c.CacheTTL, MaxAge: c.MaxAge})
	n.fxRates = cache
	ctx, cancel := context.WithCancel(context.Background())
	n.fxStop = cancel
	go func() {
		if err := cache.Run(ctx); err != nil && ctx.Err() == nil {
			n.log.Error("fx: rate refresher stopped", "err", err)
		}
	}()
	pricing, err := n.cfg.Pricing()
	if err != nil {
		return nil, fmt.Errorf("node: fx: %w", err)
	}
	pricer, err := fx.NewPricer(cache, pricing, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("node: fx: %w", err)
	}
	return pricer, nil
}

// checkQR checks a merchant-presented payload before a terminal shows it:
// an EMVCo payload must be well formed, with its CRC right.
func checkQR(format, payload string) error {
	if format == payment.QRFormatEMVCoMPM {
		return emvco.ValidateMPM(payload)
	}
	return nil
}

// nodeID names the node to the others sharing its database: node_id, or
// by default the host name and data directory, stable across restarts so
// that a restarted node takes up at once the attempts it had claimed.
func nodeID(cfg *config.Config) string {
	if cfg.NodeID != "" {
		return cfg.NodeID
	}
	host, _ := os.Hostname()
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		dir = cfg.DataDir
	}
	return host + ":" + dir
}
