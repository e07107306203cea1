package fx

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
)

// ErrStale reports that the newest rates available are older than the
// cache's MaxAge, so conversion is refused rather than guessed.
var ErrStale = errors.New("fx: rates are stale")

// Defaults of CacheConfig.
const (
	DefaultCacheTTL = time.Hour
	// DefaultCacheMaxAge covers the longest gap between two ECB
	// publications: Maundy Thursday 16:00 to the Tuesday after Easter 16:00
	// (Good Friday and Easter Monday are TARGET holidays) is 120 hours; six
	// more hours allow for a late publication or a slow refresh.
	DefaultCacheMaxAge          = 5*24*time.Hour + 6*time.Hour
	DefaultCacheCapacity        = 1024
	DefaultCacheFetchTimeout    = 15 * time.Second
	DefaultCacheRetryInterval   = 30 * time.Second
	defaultRefreshFractionOfTTL = 2
)

// CacheConfig holds a Cache's settings. The zero value works: every zero
// field takes the default its comment names.
type CacheConfig struct {
	// TTL is how long rates fetched from the provider are used before the
	// provider is asked again. Zero means DefaultCacheTTL (1 h).
	TTL time.Duration
	// MaxAge is the oldest a rate set's reference time (RateSet.AsOf) may
	// be when a rate is served; older gives ErrStale. Zero means
	// DefaultCacheMaxAge (5 days 6 h).
	MaxAge time.Duration
	// RefreshInterval is how often Run refreshes. It should be below TTL
	// so cached pairs are replaced before they expire. Zero means TTL/2.
	RefreshInterval time.Duration
	// Capacity is the most currency pairs kept; the least recently used
	// is evicted beyond it. Zero means DefaultCacheCapacity (1024).
	Capacity int
	// FetchTimeout bounds one provider call. It is separate from the
	// callers' contexts because concurrent callers share the call: one
	// caller giving up does not fail the others. Zero means
	// DefaultCacheFetchTimeout (15 s).
	FetchTimeout time.Duration
	// RetryInterval is how long after a failed provider call the cache
	// serves its last good rates without calling again, so an outage is
	// not met with a call per conversion. Zero means
	// DefaultCacheRetryInterval (30 s).
	RetryInterval time.Duration
	// Now returns the current time; nil means time.Now. Tests inject a
	// fake clock. It must be safe for concurrent use.
	Now func() time.Time
}

func (config CacheConfig) withDefaults() CacheConfig {
	if config.TTL <= 0 {
		config.TTL = DefaultCacheTTL
	}
	if config.MaxAge <= 0 {
		config.MaxAge = DefaultCacheMaxAge
	}
	if config.RefreshInterval <= 0 {
		config.RefreshInterval = config.TTL / defaultRefreshFractionOfTTL
	}
	if config.Capacity <= 0 {
		config.Capacity = DefaultCacheCapacity
	}
	if config.FetchTimeout <= 0 {
		config.FetchTimeout = DefaultCacheFetchTimeout
	}
	if config.RetryInterval <= 0 {
		config.RetryInterval = DefaultCacheRetryInterval
	}
	if config.Now == nil {
		config.Now = time.Now
	}
	return config
}

// CacheStats counts a Cache's work since it was made.
type CacheStats struct {
	Hits        uint64 // Rate calls served from a fresh cached pair
	Misses      uint64 // Rate calls that went past the pair cache
	Fetches     uint64 // provider calls made
	FetchErrors uint64 // provider calls that failed (or returned invalid rates)
}

// pair is the cache key: from and to ISO 4217 codes ("EUR"/"CNY"). A struct
// rather than "EUR/CNY" so that a lookup builds no string.
type pair struct{ from, to string }

type cachedRate struct {
	rate      Rate
	fetchedAt time.Time // when the rate set it was computed from was fetched
}

// fetchCall is one provider call shared by every caller that needs it.
type fetchCall struct {
	done chan struct{} // closed when err is set
	err  error
}

// Cache serves cross rates from a Provider, computing each currency pair
// once per fetch and keeping it in an expirable LRU keyed by pair.
//
// Freshness is judged by the injectable clock (CacheConfig.Now); the LRU's
// own wall-clock TTL (also TTL) only reclaims memory. Provider failures are
// absorbed: the last good rates keep being served until they are older than
// MaxAge, then Rate refuses with ErrStale. A Cache is safe for concurrent
// use.
//
// The LRU runs a clean-up goroutine that golang-lru v2.0.7 cannot stop:
// make one Cache per provider for the life of the process.
type Cache struct {
	provider Provider
	config   CacheConfig
	pairs    *expirable.LRU[pair, cachedRate]

	mu           sync.Mutex
	latest       RateSet    // guarded by mu: the newest good rates fetched
	haveLatest   bool       // guarded by mu
	fetchedAt    time.Time  // guarded by mu: when latest was fetched
	failedAt     time.Time  // guarded by mu: last failed fetch; zero after a success
	lastFetchErr error      // guarded by mu
	flight       *fetchCall // guarded by mu: the provider call under way

	hits, misses, fetches, fetchErrors atomic.Uint64
}

// NewCache returns a cache over provider. Nothing is fetched until the
// first Rate, Refresh or Run.
func NewCache(provider Provider, config CacheConfig) *Cache {
	config = config.withDefaults()
	return &Cache{
		provider: provider,
		config:   config,
		pairs:    expirable.NewLRU[pair, cachedRate](config.Capacity, nil, config.TTL),
	}
}

// Rate returns the rate from → to (ISO 4217 alphabetic codes). A fresh
// cached pair is returned without calling the provider; otherwise the rates
// are fetched (one provider call however many callers miss at once) or, if
// the provider fails, the last good rates are used.
//
// Errors: ErrStale (wrapped) when the newest rates available are older
// than MaxAge; ErrNoRate (wrapped) for a currency the rates do not list;
// the provider's error when no rates were ever fetched; ctx's error when
// ctx ends while waiting for the provider.
func (c *Cache) Rate(ctx context.Context, from, to string) (Rate, error) {
	now := c.config.Now()
	key := pair{from: from, to: to}
	if entry, ok := c.pairs.Get(key); ok &&
		now.Sub(entry.fetchedAt) < c.config.TTL &&
		now.Sub(entry.rate.AsOf) <= c.config.MaxAge {
		c.hits.Add(1)
		return entry.rate, nil
	}
	c.misses.Add(1)
	set, fetchedAt, fetchErr := c.current(ctx, now, false)
	if fetchedAt.IsZero() {
		return Rate{}, fetchErr
	}
	if age := now.Sub(set.AsOf); age > c.config.MaxAge {
		if fetchErr != nil {
			return Rate{}, fmt.Errorf("%w: newest %s rates are of %s, %s old, over the maximum %s; provider: %v",
				ErrStale, set.Source, set.AsOf.Format(time.DateOnly), age.Round(time.Minute), c.config.MaxAge, fetchErr)
		}
		return Rate{}, fmt.Errorf("%w: newest %s rates are of %s, %s old, over the maximum %s",
			ErrStale, set.Source, set.AsOf.Format(time.DateOnly), age.Round(time.Minute), c.config.MaxAge)
	}
	rate, err := set.Cross(from, to)
	if err != nil {
		return Rate{}, err
	}
	c.pairs.Add(key, cachedRate{rate: rate, fetchedAt: fetchedAt})
	return rate, nil
}

// Refresh fetches from the provider now, whatever the TTL, and on success
// recomputes every cached pair from the new rates. It returns the
// provider's error; the cache keeps serving its last good rates.
func (c *Cache) Refresh(ctx context.Context) error {
	set, fetchedAt, err := c.current(ctx, c.config.Now(), true)
	if err != nil {
		return err
	}
	for _, key := range c.pairs.Keys() {
		rate, err := set.Cross(key.from, key.to)
		if err != nil {
			c.pairs.Remove(key)
			continue
		}
		c.pairs.Add(key, cachedRate{rate: rate, fetchedAt: fetchedAt})
	}
	return nil
}

// Run refreshes every RefreshInterval, starting at once, until ctx ends;
// it returns ctx's error. Refresh errors are counted in Stats and otherwise
// absorbed: the cache serves its last good rates until MaxAge.
func (c *Cache) Run(ctx context.Context) error {
	ticker := time.NewTicker(c.config.RefreshInterval)
	defer ticker.Stop()
	for {
		_ = c.Refresh(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}
	}
}

// Stats returns the counters so far.
func (c *Cache) Stats() CacheStats {
	return CacheStats{
		Hits:        c.hits.Load(),
		Misses:      c.misses.Load(),
		Fetches:     c.fetches.Load(),
		FetchErrors: c.fetchErrors.Load(),
	}
}

// current returns the rates to use now and when they were fetched (zero if
// never), fetching first if they are older than TTL (or if force) and no
// failed fetch happened within RetryInterval. err is the provider's error
// when this call's fetch failed or was skipped after a recent failure, or
// ctx's error.
func (c *Cache) current(ctx context.Context, now time.Time, force bool) (RateSet, time.Time, error) {
	c.mu.Lock()
	fresh := c.haveLatest && now.Sub(c.fetchedAt) < c.config.TTL
	backingOff := !c.failedAt.IsZero() && now.Sub(c.failedAt) < c.config.RetryInterval
	if !force && (fresh || backingOff) {
		defer c.mu.Unlock()
		if fresh {
			return c.latest, c.fetchedAt, nil
		}
		return c.latest, c.fetchedAt, c.lastFetchErr
	}
	call := c.flight
	if call == nil {
		call = &fetchCall{done: make(chan struct{})}
		c.flight = call
		go c.fetch(context.WithoutCancel(ctx), call)
	}
	c.mu.Unlock()

	select {
	case <-call.done:
	case <-ctx.Done():
		return RateSet{}, time.Time{}, ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.latest, c.fetchedAt, call.err
}

// fetch makes one provider call for call and records its outcome.
func (c *Cache) fetch(ctx context.Context, call *fetchCall) {
	ctx, cancel := context.WithTimeout(ctx, c.config.FetchTimeout)
	defer cancel()
	set, err := c.callProvider(ctx)
	c.fetches.Add(1)
	at := c.config.Now()

	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.fetchErrors.Add(1)
		c.failedAt, c.lastFetchErr = at, err
	} else {
		// An older set (a lagging mirror) never replaces a newer one.
		if !c.haveLatest || !set.AsOf.Before(c.latest.AsOf) {
			c.latest = set
		}
		c.haveLatest, c.fetchedAt, c.failedAt, c.lastFetchErr = true, at, time.Time{}, nil
	}
	c.flight = nil
	call.err = err
	close(call.done)
}

// callProvider calls the provider, turning a panic into an error and
// checking what it returned: a feed's bug must not become a rate.
func (c *Cache) callProvider(ctx context.Context) (set RateSet, err error) {
	defer func() {
		if recovered := recover(); recovered != nil {
			err = fmt.Errorf("fx: rate provider panicked: %v", recovered)
		}
	}()
	set, err = c.provider.Rates(ctx)
	if err != nil {
		return RateSet{}, fmt.Errorf("fx: rate provider: %w", err)
	}
	if err := validateRates(set.Base, set.Rates, set.Source+" rates"); err != nil {
		return RateSet{}, err
	}
	if set.AsOf.IsZero() {
		return RateSet{}, fmt.Errorf("%w: %s rates have no reference time", ErrInvalidRates, set.Source)
	}
	return set, nil
}
