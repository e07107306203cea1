package node_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/meridian-gw/meridian/gateway/config"
	"github.com/meridian-gw/meridian/gateway/node"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// BenchmarkPurchase measures approved purchases through the whole node:
// ISO 8583 over TCP, the engine, two durable journal writes, the Alipay+
// adapter over gRPC, request signing, and the wallet simulator over HTTP.
//
//	go test -run='^$' -bench=Purchase -benchmem ./gateway/node/
func BenchmarkPurchase(b *testing.B) {
	benchPurchases(b, "ALIPAYPLUS", "281012345678901234", "")
}

// BenchmarkPurchaseMinimalAdapter measures the gateway's own capacity: the
// same path with the example adapter, which keeps its wallet in memory
// (no partner API, no signing) but is served over real gRPC and keeps the
// contract's semantics (it passes the conformance kit).
//
//	go test -run='^$' -bench=PurchaseMinimalAdapter -benchmem ./gateway/node/
func BenchmarkPurchaseMinimalAdapter(b *testing.B) {
	benchPurchases(b, "EXAMPLEPAY", "991200000000000001",
		`routing: [{scheme: EXAMPLEPAY, prefixes: ["9912"], min_length: 18, max_length: 18}]`)
}

func benchPurchases(b *testing.B, scheme, code, routing string) {
	const terminals = 16
	yaml := fmt.Sprintf(`
data_dir: %s
metrics_addr: ""
terminal: {addr: "127.0.0.1:0"}
adapters: [{scheme: %s, builtin: true, simulator: true}]
merchants: [{id: BENCHMERCHANT01, currency: EUR, schemes: [%s], terminals: [%s]}]
%s
`, b.TempDir(), scheme, scheme, benchTerminalList(terminals), routing)
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		b.Fatal(err)
	}
	n, err := node.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = n.Shutdown(context.Background()) })

	var next atomic.Int64
	b.SetParallelism(4) // several requests in flight per core, as terminals pipeline
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := next.Add(1)
		c, err := pos.Dial(context.Background(), n.TerminalAddr(), nil)
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		t := &pos.Terminal{ID: fmt.Sprintf("BENCH%03d", id%terminals), MerchantID: "BENCHMERCHANT01"}
		t.SetSTAN(int(id) * 10000)
		for pb.Next() {
			resp, err := c.Do(context.Background(), t.Purchase(1250, code))
			if err != nil {
				b.Error(err)
				return
			}
			if resp.ResponseCode != wire.RCApproved {
				b.Errorf("RC %s, want 00", resp.ResponseCode)
				return
			}
		}
	})
}

func benchTerminalList(n int) string {
	s := ""
	for i := 0; i < n; i++ {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("BENCH%03d", i)
	}
	return s
}
