// Package config reads meridiand's configuration: a YAML file, or the
// embedded demo defaults, checked strictly (unknown keys are errors) and
// filled with defaults so that every setting has a known value.
package config

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"

	"github.com/meridian-gw/meridian/fx"
	"github.com/meridian-gw/meridian/schemes"
	"github.com/meridian-gw/meridian/schemes/reference"
)

//go:embed demo.yaml
var demoYAML []byte

// Config is the whole of a node's configuration.
type Config struct {
	// Demo marks the embedded defaults; the node says so loudly in its logs.
	Demo bool `yaml:"demo"`
	// DataDir holds the SQLite database (meridian.db). Default ./data.
	DataDir string `yaml:"data_dir"`
	// MetricsAddr serves /metrics, /healthz and /readyz; "" turns it off.
	MetricsAddr string `yaml:"metrics_addr"`
	// NodeID names this node to the others sharing its database (the
	// resolver's leases); it must differ between nodes and stay the same
	// across a node's restarts. Default: the host name and data_dir.
	NodeID   string          `yaml:"node_id"`
	Store    Store           `yaml:"store"`
	Admin    Admin           `yaml:"admin"`
	Terminal Terminal        `yaml:"terminal"`
	Payment  Payment         `yaml:"payment"`
	Routing  []schemes.Route `yaml:"routing"`
	// AIDRouting routes EMVCo consumer-presented QR codes by AID; default
	// schemes.DefaultAIDRoutes.
	AIDRouting []schemes.AIDRoute `yaml:"aid_routing"`
	FX         FX                 `yaml:"fx"`
	Adapters   []Adapter          `yaml:"adapters"`
	Merchants  []Merchant         `yaml:"merchants"`
}

// Store selects the database that journals payments.
type Store struct {
	// Driver is "sqlite" (the default: <data_dir>/meridian.db, for one
	// node) or "postgres" (one database that several nodes share).
	Driver string `yaml:"driver"`
	// DSN is the PostgreSQL connection string, e.g.
	// "postgres://meridian@db:5432/meridian?sslmode=verify-full", or
	// "env:NAME" for an environment variable holding it (a DSN with a
	// password belongs there, not in this file).
	DSN string `yaml:"dsn"`
	// MaxConns bounds the node's connections to PostgreSQL; default the
	// store's.
	MaxConns int `yaml:"max_conns"`
}

// Admin configures the acquirer admin API (gRPC).
type Admin struct {
	// Addr serves the admin API; "" turns it off. Plain text is allowed on
	// a loopback address only; anywhere else set TLS.
	Addr string `yaml:"addr"`
	// TLS serves the admin API over TLS; with client_ca_file, client
	// certificates are required, verified, and map to acquirers.
	TLS *TLS `yaml:"tls"`
	// DemoAcquirer, in demo mode, is the acquirer that owns the demo
	// merchant; its admin key is printed at start.
	DemoAcquirer string `yaml:"demo_acquirer"`
}

// Terminal configures the ISO 8583 listener. Zero values take the defaults
// named in gateway/terminal.
type Terminal struct {
	Addr           string        `yaml:"addr"`
	MaxConnections int           `yaml:"max_connections"`
	MaxInFlight    int           `yaml:"max_in_flight"`
	MaxMessageSize int           `yaml:"max_message_size"`
	IdleTimeout    time.Duration `yaml:"idle_timeout"`
	ReadTimeout    time.Duration `yaml:"read_timeout"`
	WriteTimeout   time.Duration `yaml:"write_timeout"`
	RequireSignOn  bool          `yaml:"require_sign_on"`
	TLS            *TLS          `yaml:"tls"`
}

// TLS turns on TLS for the terminal listener.
type TLS struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ClientCAFile, when set, requires and verifies client certificates.
	ClientCAFile string `yaml:"client_ca_file"`
}

// Payment configures the engine. Zero values take gateway/payment defaults.
type Payment struct {
	Budget          time.Duration `yaml:"budget"`
	PayTimeout      time.Duration `yaml:"pay_timeout"`
	InquiryInterval time.Duration `yaml:"inquiry_interval"`
	ResolveInterval time.Duration `yaml:"resolve_interval"`
	RetryMax        time.Duration `yaml:"retry_max"`
	NotFoundGrace   time.Duration `yaml:"not_found_grace"`
	GiveUpAge       time.Duration `yaml:"give_up_age"`
	// OrderTTL is how long a customer has to pay a merchant-presented QR;
	// OrderPollInterval how often an unpaid one is asked about.
	OrderTTL          time.Duration `yaml:"order_ttl"`
	OrderPollInterval time.Duration `yaml:"order_poll_interval"`
}

// FX configures exchange rates, for schemes that cannot be charged in the
// merchant's currency. Without a source such purchases are answered 91.
type FX struct {
	// Source is "ecb" (the ECB euro reference rates) or "static" (Static
	// below); "" turns conversion off.
	Source string `yaml:"source"`
	// ECB is the URL or file of the ECB daily rates; default the ECB's URL.
	ECB    string           `yaml:"ecb"`
	Static *fx.StaticConfig `yaml:"static"`
	// CacheTTL, MaxAge and QuoteTTL default to fx's DefaultCacheTTL (1 h),
	// DefaultCacheMaxAge (5 days 6 h: rates older are refused, not guessed)
	// and DefaultQuoteTTL (1 min).
	CacheTTL time.Duration `yaml:"cache_ttl"`
	MaxAge   time.Duration `yaml:"max_age"`
	QuoteTTL time.Duration `yaml:"quote_ttl"`
	// Markup is the default mark-up, percent over the ECB euro reference
	// rate, e.g. "2.50"; adapters[].markup and merchants[].markup override.
	Markup string `yaml:"markup"`
	// RefundRate is "locked" (default: refunds convert at the purchase's
	// rate) or "current" (at a quote taken at refund time).
	RefundRate string `yaml:"refund_rate"`
}

// Adapter declares a scheme adapter: built in (served by this process over
// gRPC on a loopback socket) or reached at an address.
type Adapter struct {
	Scheme string `yaml:"scheme"`
	// Builtin runs the reference adapter of Scheme inside the node.
	Builtin bool `yaml:"builtin"`
	// Address of an adapter running as its own process (host:port).
	Address     string        `yaml:"address"`
	CallTimeout time.Duration `yaml:"call_timeout"`
	// BreakerFailures calls in a row left unanswered open the adapter's
	// circuit; for BreakerOpenFor requests are answered 91 at once, then a
	// health probe decides. Defaults 5 and 5s.
	BreakerFailures int           `yaml:"breaker_failures"`
	BreakerOpenFor  time.Duration `yaml:"breaker_open_for"`
	// Connections is how many gRPC connections the gateway spreads its
	// calls to this adapter over; default one per two cores, 1 to 4
	// (schemes.DefaultConnections), at most schemes.MaxConnections.
	Connections int `yaml:"connections"`
	// Markup (percent over the ECB reference rate) and Rounding ("half_up",
	// default, or "half_even") of conversions charged through this scheme.
	Markup   string `yaml:"markup"`
	Rounding string `yaml:"rounding"`
	// ChargeCurrencies (built-in adapters) limits the currencies the
	// scheme is charged in; default the adapter's own list.
	ChargeCurrencies []string `yaml:"charge_currencies"`
	// Simulator (built-in adapters only) runs the wallet's simulator in the
	// node and points the adapter at it, with keys made at start.
	Simulator bool `yaml:"simulator"`
	// SimulatorSlowDelay is how long the simulator holds an answer for the
	// "no answer" amounts (…93); default the simulator's own.
	SimulatorSlowDelay time.Duration `yaml:"simulator_slow_delay"`
	// SimulatorAddr is where the built-in simulator listens (its POST
	// /sim/scan pays merchant-presented orders); default a free loopback
	// port, logged at start.
	SimulatorAddr string `yaml:"simulator_addr"`
	// Partner API settings for a built-in adapter without simulator; which
	// ones a scheme needs is in docs/CONFIGURATION.md.
	BaseURL  string `yaml:"base_url"`
	ClientID string `yaml:"client_id"`
	// ClientSecret, PrivateKey and WalletPublicKey name files (PEM for
	// keys), or "env:NAME" for an environment variable holding the value.
	// Never put secrets or keys in this file.
	ClientSecret    string `yaml:"client_secret"`
	PrivateKey      string `yaml:"private_key"`
	WalletPublicKey string `yaml:"wallet_public_key"`
	// TLS secures the connection to an adapter reached at Address.
	TLS *AdapterTLS `yaml:"tls"`
}

// AdapterTLS is the gateway's side of (mutual) TLS to an adapter process.
type AdapterTLS struct {
	// CAFile verifies the adapter's certificate; default the system roots.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are the gateway's client certificate, for
	// adapters that require one (mutual TLS).
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName overrides the name checked in the adapter's certificate;
	// default the host of Address.
	ServerName string `yaml:"server_name"`
}

// Merchant onboards a merchant and its terminals at start.
type Merchant struct {
	ID          string   `yaml:"id"`
	LegalName   string   `yaml:"legal_name"`
	TradingName string   `yaml:"trading_name"`
	MCC         string   `yaml:"mcc"`
	Country     string   `yaml:"country"`
	City        string   `yaml:"city"`
	Currency    string   `yaml:"currency"`
	Schemes     []string `yaml:"schemes"`
	// MaxAmount in minor units; 0 means no limit of the merchant's own.
	MaxAmount int64    `yaml:"max_amount"`
	Terminals []string `yaml:"terminals"`
	// Markup by scheme id overrides the scheme's and the default mark-up.
	Markup map[string]string `yaml:"markup"`
}

// Demo returns the embedded defaults.
func Demo() (*Config, error) { return Parse(demoYAML) }

// Load reads and checks a YAML file.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Parse decodes YAML strictly, fills defaults and checks the result.
func Parse(b []byte) (*Config, error) {
	cfg := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "./data"
	}
	if cfg.Store.Driver == "" {
		cfg.Store.Driver = "sqlite"
	}
	if cfg.Terminal.Addr == "" {
		cfg.Terminal.Addr = ":8583"
	}
	if len(cfg.Routing) == 0 {
		cfg.Routing = schemes.DefaultRoutes()
	}
	if len(cfg.AIDRouting) == 0 {
		cfg.AIDRouting = schemes.DefaultAIDRoutes()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Validate checks what can be checked without starting anything.
func (c *Config) Validate() error {
	var errs []error
	if _, err := schemes.NewAIDRouter(c.Routing, c.AIDRouting); err != nil {
		errs = append(errs, err)
	}
	seen := map[string]bool{}
	for i, a := range c.Adapters {
		where := fmt.Sprintf("adapters[%d] (%s)", i, a.Scheme)
		switch {
		case a.Scheme == "":
			errs = append(errs, fmt.Errorf("%s: scheme is required", where))
		case seen[a.Scheme]:
			errs = append(errs, fmt.Errorf("%s: scheme configured twice", where))
		case a.Builtin == (a.Address != ""):
			errs = append(errs, fmt.Errorf("%s: set exactly one of builtin: true or address", where))
		case a.Simulator && !a.Builtin:
			errs = append(errs, fmt.Errorf("%s: simulator: true needs builtin: true", where))
		case a.Builtin && !reference.Has(a.Scheme):
			errs = append(errs, fmt.Errorf("%s: no built-in adapter for this scheme (built in: %v); run the partner's adapter and set address", where, reference.Schemes()))
		case a.TLS != nil && a.Builtin:
			errs = append(errs, fmt.Errorf("%s: tls applies to an adapter reached at an address, not a built-in one", where))
		case a.TLS != nil && (a.TLS.CertFile == "") != (a.TLS.KeyFile == ""):
			errs = append(errs, fmt.Errorf("%s: tls needs both cert_file and key_file, or neither", where))
		case a.SimulatorAddr != "" && !a.Simulator:
			errs = append(errs, fmt.Errorf("%s: simulator_addr needs simulator: true", where))
		case a.Connections < 0 || a.Connections > schemes.MaxConnections:
			errs = append(errs, fmt.Errorf("%s: connections %d: want 1 to %d, or 0 for the default", where, a.Connections, schemes.MaxConnections))
		}
		seen[a.Scheme] = true
	}
	switch {
	case c.Store.Driver != "sqlite" && c.Store.Driver != "postgres":
		errs = append(errs, fmt.Errorf("store.driver %q: want sqlite or postgres", c.Store.Driver))
	case c.Store.Driver == "postgres" && c.Store.DSN == "":
		errs = append(errs, errors.New("store: driver postgres needs dsn (a connection string, or env:NAME)"))
	case c.Store.Driver == "sqlite" && c.Store.DSN != "":
		errs = append(errs, errors.New("store: dsn is for driver postgres; sqlite lives in data_dir"))
	}
	if c.Admin.Addr != "" && c.Admin.TLS == nil && !loopback(c.Admin.Addr) {
		errs = append(errs, fmt.Errorf("admin.addr %s is not a loopback address: set admin.tls, or listen on 127.0.0.1", c.Admin.Addr))
	}
	if _, err := c.Pricing(); err != nil {
		errs = append(errs, err)
	}
	if r := c.FX.RefundRate; r != "" && r != "locked" && r != "current" {
		errs = append(errs, fmt.Errorf("fx.refund_rate %q: want locked or current", r))
	}
	switch c.FX.Source {
	case "", "ecb":
	case "static":
		if c.FX.Static == nil {
			errs = append(errs, errors.New("fx: source static needs a static: table"))
		} else if _, err := fx.NewStatic(*c.FX.Static); err != nil {
			errs = append(errs, fmt.Errorf("fx.static: %w", err))
		}
	default:
		errs = append(errs, fmt.Errorf("fx.source %q: want ecb, static, or nothing", c.FX.Source))
	}
	terminals := map[string]string{}
	merchants := map[string]bool{}
	for i, m := range c.Merchants {
		errs = append(errs, m.validate(fmt.Sprintf("merchants[%d] (%s)", i, m.ID), merchants, terminals)...)
	}
	return errors.Join(errs...)
}

func (m Merchant) validate(where string, merchants map[string]bool, terminals map[string]string) []error {
	var errs []error
	if m.ID == "" || len(m.ID) > 15 || strings.TrimSpace(m.ID) != m.ID {
		errs = append(errs, fmt.Errorf("%s: id must be 1 to 15 characters without surrounding spaces (DE 42)", where))
	}
	if merchants[m.ID] {
		errs = append(errs, fmt.Errorf("%s: merchant id used twice", where))
	}
	merchants[m.ID] = true
	if _, ok := fx.ByCode(m.Currency); !ok {
		errs = append(errs, fmt.Errorf("%s: currency %q is not an active ISO 4217 code", where, m.Currency))
	}
	if m.MaxAmount < 0 {
		errs = append(errs, fmt.Errorf("%s: max_amount must not be negative", where))
	}
	for _, t := range m.Terminals {
		if len(t) == 0 || len(t) > 8 {
			errs = append(errs, fmt.Errorf("%s: terminal id %q must be 1 to 8 characters (DE 41)", where, t))
		}
		if other, ok := terminals[t]; ok {
			errs = append(errs, fmt.Errorf("%s: terminal %s already belongs to merchant %s", where, t, other))
		}
		terminals[t] = m.ID
	}
	return errs
}

// Pricing gathers the mark-ups and roundings of the file into an
// fx.PricingConfig, checking each.
func (c *Config) Pricing() (fx.PricingConfig, error) {
	p := fx.PricingConfig{
		SchemeMarkup:   map[string]decimal.Decimal{},
		MerchantMarkup: map[string]map[string]decimal.Decimal{},
		SchemeRounding: map[string]fx.Rounding{},
		QuoteTTL:       c.FX.QuoteTTL,
	}
	markup := func(where, v string) (decimal.Decimal, error) {
		d, err := decimal.NewFromString(v)
		if err != nil {
			return d, fmt.Errorf("%s: mark-up %q is not a decimal percentage like \"2.50\"", where, v)
		}
		return d, nil
	}
	var errs []error
	if c.FX.Markup != "" {
		d, err := markup("fx.markup", c.FX.Markup)
		errs = append(errs, err)
		p.DefaultMarkup = d
	}
	for i, a := range c.Adapters {
		if a.Markup != "" {
			d, err := markup(fmt.Sprintf("adapters[%d] (%s)", i, a.Scheme), a.Markup)
			errs = append(errs, err)
			p.SchemeMarkup[a.Scheme] = d
		}
		if a.Rounding != "" {
			r, err := fx.ParseRounding(a.Rounding)
			if err != nil {
				errs = append(errs, fmt.Errorf("adapters[%d] (%s): rounding: %w", i, a.Scheme, err))
			}
			p.SchemeRounding[a.Scheme] = r
		}
	}
	for i, m := range c.Merchants {
		for scheme, v := range m.Markup {
			d, err := markup(fmt.Sprintf("merchants[%d] (%s) scheme %s", i, m.ID, scheme), v)
			errs = append(errs, err)
			if p.MerchantMarkup[m.ID] == nil {
				p.MerchantMarkup[m.ID] = map[string]decimal.Decimal{}
			}
			p.MerchantMarkup[m.ID][scheme] = d
		}
	}
	if err := errors.Join(errs...); err != nil {
		return p, err
	}
	// The pricer checks ranges (0 to 20 %, two decimals) and roundings.
	if _, err := fx.NewPricer(noRates{}, p, nil, nil); err != nil {
		return p, err
	}
	return p, nil
}

type noRates struct{}

func (noRates) Rate(context.Context, string, string) (fx.Rate, error) {
	return fx.Rate{}, fx.ErrNoRate
}

// loopback reports whether a listen address is on the loopback interface.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
