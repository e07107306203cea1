package fx

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeProvider serves set or fails with err; while gate is non-nil, each
// call waits for it to close.
type fakeProvider struct {
	mu    sync.Mutex
	set   RateSet
	err   error
	gate  chan struct{}
	calls atomic.Int64
}

func (p *fakeProvider) Rates(ctx context.Context) (RateSet, error) {
	p.calls.Add(1)
	p.mu.Lock()
	set, err, gate := p.set, p.err, p.gate
	p.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return RateSet{}, ctx.Err()
		}
	}
	return set, err
}

func (p *fakeProvider) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.err = err
}

func newTestCache(t *testing.T) (*Cache, *fakeProvider, *fakeClock) {
	t.Helper()
	set := sampleSet()
	delete(set.Rates, "XYZ")
	provider := &fakeProvider{set: set}
	clock := &fakeClock{now: set.AsOf.Add(time.Hour)}
	cache := NewCache(provider, CacheConfig{TTL: time.Hour, MaxAge: 96 * time.Hour, RetryInterval: time.Minute, Now: clock.Now})
	return cache, provider, clock
}

func mustRate(t *testing.T, cache *Cache, from, to, want string) {
	t.Helper()
	rate, err := cache.Rate(context.Background(), from, to)
	if err != nil {
		t.Fatalf("Rate(%s, %s): %v", from, to, err)
	}
	if rate.Value.String() != want {
		t.Fatalf("Rate(%s, %s) = %s, want %s", from, to, rate.Value, want)
	}
}

func TestCacheServesRepeatsFromTheCacheAndRefetchesAfterTTL(t *testing.T) {
	cache, provider, clock := newTestCache(t)
	mustRate(t, cache, "EUR", "CNY", "8.2964")
	mustRate(t, cache, "EUR", "CNY", "8.2964")
	mustRate(t, cache, "CNY", "KRW", "205.072079456") // a new pair: computed from the fetched set
	mustRate(t, cache, "CNY", "KRW", "205.072079456")
	if got, want := cache.Stats(), (CacheStats{Hits: 2, Misses: 2, Fetches: 1}); got != want {
		t.Fatalf("stats %+v, want %+v", got, want)
	}
	clock.Advance(time.Hour)
	mustRate(t, cache, "EUR", "CNY", "8.2964")
	if got := provider.calls.Load(); got != 2 {
		t.Fatalf("%d provider calls after the TTL, want 2", got)
	}
}

func TestCacheConcurrentMissesMakeOneProviderCall(t *testing.T) {
	cache, provider, _ := newTestCache(t)
	provider.gate = make(chan struct{})
	const callers = 32
	pairs := [][2]string{{"EUR", "CNY"}, {"CNY", "KRW"}, {"GBP", "IDR"}, {"KRW", "EUR"}}
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := range callers {
		wg.Go(func() {
			p := pairs[i%len(pairs)]
			if _, err := cache.Rate(context.Background(), p[0], p[1]); err != nil {
				errs <- err
			}
		})
	}
	for cache.Stats().Misses < callers { // every caller is past the pair cache
		time.Sleep(time.Millisecond)
	}
	close(provider.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := provider.calls.Load(); got != 1 {
		t.Fatalf("%d provider calls for %d concurrent misses, want 1", got, callers)
	}
}

func TestCacheCallerGivingUpDoesNotFailTheSharedFetch(t *testing.T) {
	cache, provider, _ := newTestCache(t)
	provider.gate = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := cache.Rate(ctx, "EUR", "CNY")
		done <- err
	}()
	for provider.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled caller got %v", err)
	}
	close(provider.gate)
	mustRate(t, cache, "EUR", "CNY", "8.2964")
	if got := provider.calls.Load(); got != 1 {
		t.Fatalf("%d provider calls, want 1 (the shared fetch finished)", got)
	}
}

func TestCacheRefusesRatesOlderThanMaxAge(t *testing.T) {
	cache, _, clock := newTestCache(t)
	mustRate(t, cache, "EUR", "KRW", "1701.36")
	clock.Advance(95 * time.Hour) // 96 h after the rates' reference time
	mustRate(t, cache, "EUR", "KRW", "1701.36")
	clock.Advance(time.Minute)
	_, err := cache.Rate(context.Background(), "EUR", "KRW")
	if !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), "2026-11-25") {
		t.Fatalf("error = %v, want ErrStale naming the rates' date", err)
	}
}

func TestCacheServesCachedRatesWhileTheProviderFailsThenRefuses(t *testing.T) {
	cache, provider, clock := newTestCache(t)
	mustRate(t, cache, "CNY", "EUR", "0.120534207608")
	provider.fail(errors.New("ecb.europa.eu unreachable"))

	clock.Advance(2 * time.Hour) // past the TTL: the provider is asked and fails
	mustRate(t, cache, "CNY", "EUR", "0.120534207608")
	mustRate(t, cache, "EUR", "GBP", "0.87615") // a pair never asked before, from the last good rates
	if got := cache.Stats(); got.Fetches != 2 || got.FetchErrors != 1 {
		t.Fatalf("stats %+v: want 2 fetches, 1 failed (the retry interval holds off a third)", got)
	}
	clock.Advance(2 * time.Minute) // past the retry interval: asked again, fails again
	mustRate(t, cache, "CNY", "EUR", "0.120534207608")
	if got := cache.Stats().FetchErrors; got != 2 {
		t.Fatalf("%d failed fetches, want 2", got)
	}

	clock.Advance(94 * time.Hour) // beyond MaxAge of the last good rates
	_, err := cache.Rate(context.Background(), "CNY", "EUR")
	if !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("error = %v, want ErrStale carrying the provider's error", err)
	}

	provider.fail(nil) // the provider recovers, but its rates are still old
	clock.Advance(2 * time.Minute)
	if _, err := cache.Rate(context.Background(), "CNY", "EUR"); !errors.Is(err, ErrStale) {
		t.Fatalf("error = %v, want ErrStale: the provider has nothing newer", err)
	}
}

func TestCacheWithoutAnyRatesReturnsTheProviderError(t *testing.T) {
	cache, provider, _ := newTestCache(t)
	provider.fail(errors.New("boom"))
	if _, err := cache.Rate(context.Background(), "EUR", "CNY"); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("error = %v", err)
	}
	if _, err := cache.Rate(context.Background(), "EUR", "CNY"); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("within the retry interval: error = %v", err)
	}
	if got := provider.calls.Load(); got != 1 {
		t.Fatalf("%d provider calls, want 1 within the retry interval", got)
	}
}

func TestCacheRejectsInvalidRatesFromAProvider(t *testing.T) {
	cache, provider, _ := newTestCache(t)
	provider.set.Rates["CNY"] = provider.set.Rates["CNY"].Neg()
	if _, err := cache.Rate(context.Background(), "EUR", "KRW"); !errors.Is(err, ErrInvalidRates) {
		t.Fatalf("error = %v, want ErrInvalidRates", err)
	}
}

func TestCacheUnknownCurrencyIsErrNoRate(t *testing.T) {
	cache, _, _ := newTestCache(t)
	if _, err := cache.Rate(context.Background(), "EUR", "JPY"); !errors.Is(err, ErrNoRate) || !strings.Contains(err.Error(), "JPY") {
		t.Fatalf("error = %v", err)
	}
}

func TestCacheRefreshReplacesCachedPairs(t *testing.T) {
	cache, provider, clock := newTestCache(t)
	mustRate(t, cache, "EUR", "CNY", "8.2964")
	next := sampleSet()
	delete(next.Rates, "XYZ")
	next.AsOf = next.AsOf.Add(24 * time.Hour)
	next.Rates["CNY"] = next.Rates["CNY"].Add(next.Rates["CNY"].Shift(-3)) // 8.3046964
	provider.mu.Lock()
	provider.set = next
	provider.mu.Unlock()
	clock.Advance(30 * time.Minute) // within the TTL
	if err := cache.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustRate(t, cache, "EUR", "CNY", "8.3046964")
	if got := cache.Stats(); got.Fetches != 2 || got.Hits != 1 {
		t.Fatalf("stats %+v: the refreshed pair should be a hit", got)
	}
}

func TestCacheRunRefreshesUntilCancelled(t *testing.T) {
	cache, provider, _ := newTestCache(t)
	cache.config.RefreshInterval = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- cache.Run(ctx) }()
	for provider.calls.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}

func TestCacheProviderPanicBecomesAnError(t *testing.T) {
	cache := NewCache(panickingProvider{}, CacheConfig{})
	if _, err := cache.Rate(context.Background(), "EUR", "CNY"); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("error = %v", err)
	}
}

type panickingProvider struct{}

func (panickingProvider) Rates(context.Context) (RateSet, error) { panic("feed bug") }

func TestCacheConfigDefaults(t *testing.T) {
	got := CacheConfig{}.withDefaults()
	if got.TTL != time.Hour || got.MaxAge != 126*time.Hour || got.RefreshInterval != 30*time.Minute ||
		got.Capacity != 1024 || got.FetchTimeout != 15*time.Second || got.RetryInterval != 30*time.Second || got.Now == nil {
		t.Fatalf("defaults %+v", got)
	}
}

// BenchmarkCacheRate measures a cached lookup (the hot path).
//
//	go test -run '^$' -bench 'CacheRate|ParseECBDaily' -benchmem ./fx/
func BenchmarkCacheRate(b *testing.B) {
	static, err := NewStatic(StaticConfig{Date: "2026-11-25", Rates: map[string]string{"CNY": "8.2964", "KRW": "1701.36"}})
	if err != nil {
		b.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)}
	cache := NewCache(static, CacheConfig{Now: clock.Now})
	ctx := context.Background()
	if _, err := cache.Rate(ctx, "CNY", "KRW"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cache.Rate(ctx, "CNY", "KRW"); err != nil {
			b.Fatal(err)
		}
	}
}
