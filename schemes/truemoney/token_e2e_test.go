package truemoney_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/schemes/internal/adaptertest"
	"github.com/meridian-gw/meridian/schemes/truemoney"
	"github.com/meridian-gw/meridian/schemes/truemoney/sim"
)

func TestAccessTokenIsFetchedOnceForManyCalls(t *testing.T) {
	s := newSystem(t)
	for i := range 5 {
		wantResult(t, "Pay", s.pay(t, payRequest(fmt.Sprintf("reuse-%d", i), tmnCode, 1000)).Result, success, noReason)
	}
	if n := s.direct.Client().Tokens().Fetches(); n != 1 {
		t.Fatalf("5 calls fetched %d tokens, want 1", n)
	}
}

func TestTokenExpiredAtTheWalletIsRenewedAndTheCallSucceeds(t *testing.T) {
	// The simulator's clock runs ahead of the adapter's, so the wallet
	// expires the token while the adapter still thinks it valid: the 401
	// comes mid-life, as it would after a clock skew or an early revocation.
	clock := adaptertest.NewClock()
	s := newSystem(t, withSim(func(c *sim.Config) { c.Now = clock.Now; c.TokenTTL = time.Hour }))
	wantResult(t, "first Pay", s.pay(t, payRequest("ttl-1", tmnCode, 1000)).Result, success, noReason)
	clock.Advance(time.Hour)
	wantResult(t, "Pay after the wallet expired the token", s.pay(t, payRequest("ttl-2", tmnCode, 1000)).Result, success, noReason)
	if n := s.direct.Client().Tokens().Fetches(); n != 2 {
		t.Fatalf("%d tokens fetched, want 2: the first and one renewal", n)
	}
	if p := s.payment(t, "ttl-2"); p.PayCalls != 1 || p.Charges != 1 {
		t.Fatalf("ledger: %d pay calls charged %d times, want 1 and 1: the rejected call must not reach the ledger", p.PayCalls, p.Charges)
	}
}

func TestAdapterRenewsItsTokenBeforeItsExpiry(t *testing.T) {
	clock := adaptertest.NewClock()
	s := newSystem(t,
		withSim(func(c *sim.Config) { c.Now = clock.Now; c.TokenTTL = 10 * time.Minute }),
		withAdapter(func(c *truemoney.Config) { c.Now = clock.Now; c.TokenRefreshMargin = time.Minute }))
	wantResult(t, "first Pay", s.pay(t, payRequest("margin-1", tmnCode, 1000)).Result, success, noReason)
	clock.Advance(9*time.Minute + time.Second) // inside the margin, not yet expired
	wantResult(t, "Pay inside the margin", s.pay(t, payRequest("margin-2", tmnCode, 1000)).Result, success, noReason)
	if n := s.direct.Client().Tokens().Fetches(); n != 2 {
		t.Fatalf("%d tokens fetched, want 2: renewed before expiry", n)
	}
}

func TestRevokedTokenIsRenewedOnceForConcurrentCalls(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "first Pay", s.pay(t, payRequest("revoke-0", tmnCode, 1000)).Result, success, noReason)
	s.sim.RevokeTokens()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			resp, err := s.adapter.Pay(ctx(t), payRequest(fmt.Sprintf("revoke-%d", i+1), tmnCode, 1000))
			if err != nil || resp.Result.Status != success {
				t.Errorf("Pay after the revocation = %v, %v", resp.GetResult(), err)
			}
		})
	}
	wg.Wait()
	if n := s.direct.Client().Tokens().Fetches(); n != 2 {
		t.Fatalf("20 calls rejected together caused %d token fetches in all, want 2", n)
	}
}
