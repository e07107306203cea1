package payment

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// Errors the engine returns for requests it refuses before any scheme call.
// The terminal front end maps each to one response code.
var (
	ErrUnknownMerchant  = errors.New("unknown or suspended merchant or terminal")
	ErrNoScheme         = errors.New("no scheme claims the wallet code")
	ErrSchemeNotEnabled = errors.New("scheme not enabled for the merchant")
	ErrInvalidAmount    = errors.New("invalid amount")
	ErrCurrency         = errors.New("currency is not the merchant's")
	ErrAmountLimit      = errors.New("amount above the merchant's limit")
	ErrOriginalNotFound = errors.New("original transaction not found")
	ErrNotSupported     = errors.New("transaction not supported")
	ErrKeyMismatch      = errors.New("repeat of a request with different content")
	ErrUnavailable      = errors.New("scheme unavailable")
	ErrSystem           = errors.New("system malfunction")
)

// Adapter is one scheme adapter as the engine calls it. An error from a call
// means its outcome is unknown.
type Adapter interface {
	Pay(context.Context, *schemev1.PayRequest) (*schemev1.PayResponse, error)
	Inquire(context.Context, *schemev1.InquireRequest) (*schemev1.InquireResponse, error)
	Cancel(context.Context, *schemev1.CancelRequest) (*schemev1.CancelResponse, error)
	Refund(context.Context, *schemev1.RefundRequest) (*schemev1.RefundResponse, error)
}

// Adapters finds the adapter of a scheme.
type Adapters interface {
	Adapter(scheme string) (Adapter, bool)
}

// Router picks the scheme of a wallet code.
type Router interface {
	Route(code string) (scheme string, ok bool)
}

// Observer is told how long each stage took, for metrics. Methods must be
// cheap and safe for concurrent use.
type Observer interface {
	// Stage reports one step: stage is "journal" or "adapter"; op names the
	// call ("pay", "inquire", "cancel", "refund", "create", "update");
	// outcome is "success", "failure", "unknown" or "error".
	Stage(stage, scheme, op, outcome string, d time.Duration)
	// Resolved counts background resolutions by the final state reached.
	Resolved(scheme string, state State)
	// Flagged counts attempts given up on and flagged for manual review.
	Flagged(scheme string, state State)
}

// Defaults of Config's zero values.
const (
	DefaultBudget             = 25 * time.Second
	DefaultInquiryInterval    = 250 * time.Millisecond
	DefaultInquiryIntervalMax = 2 * time.Second
	DefaultResolveInterval    = time.Second
	DefaultRetryMax           = time.Minute
	DefaultResolveConcurrency = 8
	DefaultNotFoundGrace      = time.Minute
	DefaultGiveUpAge          = 72 * time.Hour
	DefaultResolveLease       = 30 * time.Second
)

// Config configures an Engine. Store, Adapters and Router are required; every
// other zero value means the default named next to it.
type Config struct {
	Store    Store
	Adapters Adapters
	Router   Router

	// Budget is the host time budget: every terminal request is answered
	// within it. Default DefaultBudget (25 s).
	Budget time.Duration
	// PayTimeout bounds the first Pay call so that time is left to inquire
	// within the budget. Default: 40% of Budget.
	PayTimeout time.Duration
	// InquiryInterval is the first pause between inquiries of an unknown
	// outcome; it doubles up to InquiryIntervalMax. Defaults 250 ms and 2 s.
	InquiryInterval    time.Duration
	InquiryIntervalMax time.Duration
	// ResolveInterval is how often the background resolver looks for due
	// work when nothing wakes it. Default 1 s.
	ResolveInterval time.Duration
	// RetryMax caps the resolver's backoff between tries. Default 1 min.
	RetryMax time.Duration
	// ResolveConcurrency bounds the attempts resolved at once. Default 8.
	ResolveConcurrency int
	// NotFoundGrace: a cancel that finds no payment is retried for this long
	// after the attempt's budget ended (a Pay may be re-sent until then),
	// since a delayed Pay may still arrive; after it, "not found" means
	// nothing was charged. Default 1 min.
	NotFoundGrace time.Duration
	// GiveUpAge bounds how long the resolver keeps trying to drive an
	// attempt to a final state; past it the attempt is flagged for manual
	// review (logged, counted, listed by `meridiand review`) and no longer
	// retried. Default 72 h, long enough to outlast a scheme's weekend
	// outage.
	GiveUpAge time.Duration

	// NodeID names this engine's resolver as the owner of the attempts it
	// claims (Store.ClaimDue), so that engines of several nodes sharing one
	// store do not drive the same attempt at once. Engines sharing a store
	// must have different IDs. Default: the host name, process ID and
	// random hex, new for every engine; an attempt the engine of a previous
	// process had claimed then waits for its lease to run out
	// (ResolveLease) before it is taken up again. A node that sets a stable
	// NodeID takes its own leases up at once after a restart.
	NodeID string
	// ResolveLease is how long an attempt claimed by the resolver is kept
	// from other nodes' resolvers: long enough for a batch of claimed
	// attempts to be stepped (the resolver starts no step once half of it
	// has passed since the claim, and claims again, so each step starts
	// with a quarter of it or more to run), short enough that the work of
	// a node that died is soon taken over. A step that outlasts the lease
	// may overlap another node's step of the same attempt: that is safe
	// (adapter calls are idempotent, the store checks every transition),
	// only wasteful. Default: 4×ResolveInterval, and at least
	// DefaultResolveLease (30 s).
	ResolveLease time.Duration

	// OrderTTL is how long the customer has to pay a merchant-presented QR;
	// a scheme may close the order sooner. Default DefaultOrderTTL (3 min).
	OrderTTL time.Duration
	// OrderPollInterval is how often the resolver asks the scheme about an
	// order not yet paid. Default DefaultOrderPollInterval (2 s).
	OrderPollInterval time.Duration
	// CheckQR checks a QR payload a scheme returned before the terminal is
	// given it (format is one of the QRFormat values); an order whose
	// payload fails is closed and answered 96. Nil checks only length and
	// characters.
	CheckQR func(format, payload string) error

	// Policies gives each merchant's own mark-ups and frequency limits, set
	// by its acquirer; nil sets none.
	Policies Policies

	// ConfigVersion tells the generation of the merchants, terminals and
	// policies Store and Policies hold. With it the engine keeps those
	// rows in memory and reads one again only once the generation has
	// moved on since it was read, so that an acquirer's change still
	// takes effect on the next request; nil reads them on every request.
	ConfigVersion ConfigVersion
	// DirectoryMax bounds how many terminals, and as many merchants and
	// policies, the engine keeps with ConfigVersion; the least recently
	// used go first. Default DefaultDirectoryMax (50,000).
	DirectoryMax int

	// FX locks exchange-rate quotes for schemes that cannot be charged in
	// the merchant's currency; nil refuses such purchases (RC 91).
	FX Quoter
	// RefundAtCurrentRate converts refunds of converted purchases at a quote
	// taken at refund time instead of the purchase's locked rate (the
	// default). Either way no refund returns more than was charged.
	RefundAtCurrentRate bool

	// Clock tells the time and waits; default the real clock. A test
	// injects a virtual one to run the engine's decisions without waiting.
	Clock Clock
	// NewID makes idempotency keys; default 32 random hex characters. A
	// deterministic simulation injects a seeded source.
	NewID func() string
	// Logger receives the engine's logs; default slog.Default().
	Logger *slog.Logger
	// Observer receives timings; default none.
	Observer Observer
}

// Engine is the payment engine. It is safe for concurrent use; Run must be
// running for unknown outcomes to be resolved after a request's budget.
type Engine struct {
	cfg  Config
	log  *slog.Logger
	live liveSet
	kick chan struct{}
	dir  *directory // nil without Config.ConfigVersion

	wg sync.WaitGroup // resolver steps in flight

	// base is the parent of every request's context: detached from the
	// terminal (a payment is driven to its end if the terminal goes away)
	// but cancelled by Close. active counts the requests being worked on.
	base   context.Context
	stop   context.CancelFunc
	active sync.WaitGroup

	// refundLocks serialise, per purchase (striped by its id), reading
	// what refunds already returned and journaling the next one, so that
	// concurrent partial refunds of a converted purchase cannot both claim
	// the same remainder of the wallet's charge.
	refundLocks [64]sync.Mutex
}

// New checks cfg and returns an Engine.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil || cfg.Adapters == nil || cfg.Router == nil {
		return nil, errors.New("payment: engine needs a Store, Adapters and a Router")
	}
	if cfg.Budget <= 0 {
		cfg.Budget = DefaultBudget
	}
	if cfg.PayTimeout <= 0 || cfg.PayTimeout > cfg.Budget {
		cfg.PayTimeout = cfg.Budget * 4 / 10
	}
	if cfg.InquiryInterval <= 0 {
		cfg.InquiryInterval = DefaultInquiryInterval
	}
	if cfg.InquiryIntervalMax < cfg.InquiryInterval {
		cfg.InquiryIntervalMax = max(DefaultInquiryIntervalMax, cfg.InquiryInterval)
	}
	if cfg.ResolveInterval <= 0 {
		cfg.ResolveInterval = DefaultResolveInterval
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = DefaultRetryMax
	}
	if cfg.ResolveConcurrency <= 0 {
		cfg.ResolveConcurrency = DefaultResolveConcurrency
	}
	if cfg.NotFoundGrace <= 0 {
		cfg.NotFoundGrace = DefaultNotFoundGrace
	}
	if cfg.GiveUpAge <= 0 {
		cfg.GiveUpAge = DefaultGiveUpAge
	}
	if cfg.NodeID == "" {
		cfg.NodeID = newNodeID()
	}
	if cfg.ResolveLease <= 0 {
		cfg.ResolveLease = max(4*cfg.ResolveInterval, DefaultResolveLease)
	}
	if cfg.OrderTTL <= 0 {
		cfg.OrderTTL = DefaultOrderTTL
	}
	if cfg.OrderPollInterval <= 0 {
		cfg.OrderPollInterval = DefaultOrderPollInterval
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.NewID == nil {
		cfg.NewID = NewID
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	dir, err := newDirectory(cfg.ConfigVersion, cfg.DirectoryMax)
	if err != nil {
		return nil, fmt.Errorf("payment: directory: %w", err)
	}
	base, stop := context.WithCancel(context.Background())
	return &Engine{
		cfg:  cfg,
		log:  cfg.Logger,
		live: liveSet{m: make(map[string]*live)},
		kick: make(chan struct{}, 1),
		dir:  dir,
		base: base,
		stop: stop,
	}, nil
}

// ErrStopped is returned for requests made after Close.
var ErrStopped = fmt.Errorf("%w: gateway stopping", ErrUnavailable)

// begin starts the work of one terminal request: a context that ends with
// the budget or with Close, not with the caller's; end must be called when
// the work is done.
func (e *Engine) begin(start time.Time) (ctx context.Context, end func(), err error) {
	e.active.Add(1)
	if e.base.Err() != nil {
		e.active.Done()
		return nil, nil, ErrStopped
	}
	ctx, cancel := context.WithDeadline(e.base, start.Add(e.cfg.Budget))
	return ctx, func() { cancel(); e.active.Done() }, nil
}

// Close stops the requests in flight where they stand and waits for them,
// until ctx ends. Each leaves its attempt journaled and not final, to be
// resolved by the next Run on the same store; the caller closes the store
// and adapters only after Close returns. Requests made after Close fail with
// ErrStopped. Run is stopped by its own context.
func (e *Engine) Close(ctx context.Context) error {
	e.stop()
	done := make(chan struct{})
	go func() { e.active.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("payment: requests still in flight: %w", ctx.Err())
	}
}

// Budget is the host time budget the engine answers within.
func (e *Engine) Budget() time.Duration { return e.cfg.Budget }

func (e *Engine) now() time.Time { return e.cfg.Clock.Now().UTC() }

// Clock is the engine's source of time.
type Clock interface {
	Now() time.Time
	// Sleep waits d, or until ctx ends; it reports whether d passed.
	Sleep(ctx context.Context, d time.Duration) bool
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// pause waits d, but not past the end of ctx's budget as the engine's clock
// tells it (which a virtual clock reaches without ctx's real timer firing).
// It reports whether time is left in the budget.
func (e *Engine) pause(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	if ok {
		d = min(d, deadline.Sub(e.now()))
	}
	if d <= 0 || !e.cfg.Clock.Sleep(ctx, d) {
		return false
	}
	return !ok || e.now().Before(deadline)
}

// wake asks the resolver to look for due work now.
func (e *Engine) wake() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// NewID returns a fresh attempt id, which is also the idempotency key sent
// to the scheme: 32 hex characters, the first 12 the Unix time in
// milliseconds and the other 20 random (80 bits). The time prefix keeps ids
// in creation order, so the journal's indexes on them grow at their end
// instead of at random pages: with random ids every purchase dirtied a page
// of its own in each, and the journal did about half the purchases a second
// (BenchmarkJournalPurchaseParallel in gateway/store).
func NewID() string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// newApprovalCode returns 6 random digits for DE 38.
func newApprovalCode() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b[:])
}

type nopObserver struct{}

func (nopObserver) Stage(string, string, string, string, time.Duration) {}
func (nopObserver) Resolved(string, State)                              {}
func (nopObserver) Flagged(string, State)                               {}

// notSent reports whether err says the call never left the gateway (an
// adapter's circuit breaker refused it), so nothing can have happened at
// the scheme. Adapters mark such errors with a NotSent() bool method.
func notSent(err error) bool {
	var ns interface{ NotSent() bool }
	return errors.As(err, &ns) && ns.NotSent()
}
