package payment_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store"
)

// leaseClock is a clock that moves only when told.
type leaseClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *leaseClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *leaseClock) Sleep(ctx context.Context, d time.Duration) bool {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err() == nil
}

func (c *leaseClock) advance(d time.Duration) { _ = c.Sleep(context.Background(), d) }

// noAdapters has no scheme: every step the resolver takes is a retry
// scheduled, which is enough to see which attempts it stepped.
type noAdapters struct{}

func (noAdapters) Adapter(string) (payment.Adapter, bool) { return nil, false }

type noRouter struct{}

func (noRouter) Route(string) (string, bool) { return "", false }

// Several nodes share the recovery work: the resolver steps only the
// attempts its engine claimed, and takes over those of a node whose lease
// ran out.
func TestResolverLeases(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "journal.db"), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clock := &leaseClock{now: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}
	engine, err := payment.New(payment.Config{
		Store: st, Adapters: noAdapters{}, Router: noRouter{}, Clock: clock,
		NodeID: "node-a", ResolveInterval: time.Second, ResolveLease: time.Minute,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 3 {
		a := &payment.Attempt{
			ID: newAttemptID(t), Kind: payment.KindPurchase, MerchantID: "M1", Scheme: "nowhere",
			Amount: payment.Money{Minor: 100, Currency: "EUR"}, State: payment.StateUnknown,
			NextActionAt: clock.Now().Add(-time.Duration(3-i) * time.Second),
		}
		journal(t, st, a)
		ids = append(ids, a.ID)
	}
	// Another node's resolver claimed the two oldest.
	other, err := st.ClaimDue(ctx, clock.Now(), "node-b", time.Minute, 2)
	if err != nil || len(other) != 2 {
		t.Fatalf("node-b claimed %d, %v; want 2", len(other), err)
	}
	tries := func(id string) int {
		a, err := st.Attempt(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return a.Tries
	}

	if n, err := engine.ResolveDue(ctx); err != nil || n != 1 {
		t.Fatalf("ResolveDue under node-b's leases stepped %d, %v; want 1, the attempt no one held", n, err)
	}
	if tries(ids[0]) != 0 || tries(ids[1]) != 0 || tries(ids[2]) != 1 {
		t.Errorf("tries %d, %d, %d; want 0, 0, 1: node-a stepped an attempt node-b holds",
			tries(ids[0]), tries(ids[1]), tries(ids[2]))
	}

	// node-b stops; once its leases run out node-a takes its work over.
	clock.advance(time.Minute)
	if n, err := engine.ResolveDue(ctx); err != nil || n < 2 {
		t.Fatalf("ResolveDue after node-b's leases ended stepped %d, %v; want at least 2", n, err)
	}
	if tries(ids[0]) != 1 || tries(ids[1]) != 1 {
		t.Errorf("tries %d, %d after node-b's leases ended; want 1 each", tries(ids[0]), tries(ids[1]))
	}
	// And node-a's leases now keep node-b off them.
	if again, err := st.ClaimDue(ctx, clock.Now().Add(-time.Second), "node-b", time.Minute, 10); err != nil || len(again) != 0 {
		t.Errorf("node-b claimed %d attempts, %v, under node-a's leases; want none", len(again), err)
	}
}
