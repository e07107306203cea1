package payment_test

import (
	"context"
	"testing"

	"github.com/meridian-gw/meridian/gateway/payment"
)

// BenchmarkPurchase measures one approved purchase end to end: the engine,
// the real SQLite store (two group-committed writes: intent and outcome),
// the scheme client over gRPC on loopback, the Alipay+ adapter (request
// signing, response verification) and its simulator over HTTP on loopback.
//
//	go test -run '^$' -bench BenchmarkPurchase -benchtime 3s ./gateway/payment/
func BenchmarkPurchase(b *testing.B) {
	h := newHarness(b, harnessOptions{MaxLedgerEntries: 10_000_000})
	ctx := context.Background()
	// Warm up connections (gRPC, HTTP keep-alive) and the store.
	if _, err := h.Purchase(b, 1000); err != nil {
		b.Fatalf("warm-up Purchase: %v", err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			a, err := h.Engine.Purchase(ctx, purchaseRequest(h.NextKey(), 1000))
			if err != nil {
				b.Errorf("Purchase: %v", err)
				return
			}
			if a.State != payment.StateApproved {
				b.Errorf("Purchase is %s (%s), want approved", a.State, a.Reason)
				return
			}
		}
	})
	b.StopTimer()
	if err := h.Sim.Ledger().Check(); err != nil {
		b.Errorf("ledger: %v", err)
	}
}
