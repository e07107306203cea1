package sim_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
)

// BenchmarkPayLedger measures one signed pay round trip (client → simulator
// over loopback HTTP → verified answer) with the ledger in memory and in a
// file synced before each answer, one caller at a time and with parallel
// callers, whose records share syncs (group commit):
// go test -run '^$' -bench PayLedger -benchmem ./schemes/alipayplus/sim/
// The file goes to t.TempDir(); set TMPDIR to measure another disk.
func BenchmarkPayLedger(b *testing.B) {
	for _, durable := range []bool{false, true} {
		name := "memory"
		if durable {
			name = "file"
		}
		b.Run(name, func(b *testing.B) {
			client, syncs := benchSim(b, durable)
			var n int
			for b.Loop() {
				n++
				benchPay(b, client, fmt.Sprintf("bench-%d", n))
			}
			reportSyncs(b, durable, syncs)
		})
		b.Run(name+"-parallel", func(b *testing.B) {
			client, syncs := benchSim(b, durable)
			var n atomic.Int64
			b.SetParallelism(8) // 8 callers per CPU: enough to share syncs
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					benchPay(b, client, fmt.Sprintf("bench-%d", n.Add(1)))
				}
			})
			reportSyncs(b, durable, syncs)
		})
	}
}

// reportSyncs reports the ledger file's syncs per pay: 1 means none shared.
func reportSyncs(b *testing.B, durable bool, syncs *atomic.Int64) {
	if durable {
		b.ReportMetric(float64(syncs.Load())/float64(b.N), "syncs/op")
	}
}

// benchSim serves a simulator and returns a client of it and the count of
// its ledger file's syncs.
func benchSim(b *testing.B, durable bool) (*alipayplus.Client, *atomic.Int64) {
	b.Helper()
	cfg := sim.Config{AcquirerPublicKey: &keys().acquirer.PublicKey, WalletPrivateKey: keys().wallet, MaxLedgerEntries: 10_000_000}
	if durable {
		cfg.LedgerPath = filepath.Join(b.TempDir(), "ledger.jsonl")
	}
	s, err := sim.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	syncs := &atomic.Int64{}
	if durable {
		sim.SetLedgerSync(s, func(f *os.File) error { syncs.Add(1); return f.Sync() })
	}
	srv := httptest.NewServer(s)
	b.Cleanup(func() {
		srv.Close()
		if err := s.CloseLedger(); err != nil {
			b.Error(err)
		}
	})
	client, err := alipayplus.NewClient(alipayplus.ClientConfig{BaseURL: srv.URL, ClientID: clientID,
		PrivateKey: keys().acquirer, WalletPublicKey: &keys().wallet.PublicKey, Timeout: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(client.Close)
	return client, syncs
}

func benchPay(b *testing.B, client *alipayplus.Client, id string) {
	resp, err := client.Pay(context.Background(), payRequest(id, code, 1000))
	if err != nil || resp.Result.ResultStatus != alipayplus.ResultSuccess {
		b.Fatalf("Pay = %v, %v", resp, err)
	}
}
