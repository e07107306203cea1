package store

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
)

// Run with:
//
//	go test -run='^$' -bench . -benchmem ./gateway/store/
//
// writes/s is the throughput of durable writes; commits/op is how many
// commits (each one fsync of the log) a write cost: 1 without group commit,
// less the more writes share a commit.

func openBench(b *testing.B) *SQLite {
	b.Helper()
	s, err := OpenSQLite(b.Context(), filepath.Join(b.TempDir(), "journal.db"), Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

var benchSequence atomic.Int64

func benchPurchase() *payment.Attempt {
	n := strconv.FormatInt(benchSequence.Add(1), 10)
	return &payment.Attempt{
		ID:          "bench-" + n,
		Kind:        payment.KindPurchase,
		Key:         payment.TerminalKey{TerminalID: "T" + n, STAN: "000001", TransmissionTime: "0314092653"},
		MerchantID:  "M1",
		Scheme:      "alipayplus",
		CodeMasked:  "2810********1234",
		RequestHash: "0123456789abcdef",
		Amount:      payment.Money{Minor: 1250, Currency: "EUR"},
		State:       payment.StatePending,
	}
}

// processCPU is the CPU time this process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// report adds the group commit's figures for the writes since before.
func report(b *testing.B, s *SQLite, before Stats) {
	after := s.Stats()
	writes, commits := after.Writes-before.Writes, after.Commits-before.Commits
	b.ReportMetric(float64(writes)/b.Elapsed().Seconds(), "writes/s")
	b.ReportMetric(float64(commits)/float64(writes), "commits/op")
}

func BenchmarkCreateAttempt(b *testing.B) {
	s := openBench(b)
	before := s.Stats()
	for b.Loop() {
		if err := s.CreateAttempt(b.Context(), benchPurchase()); err != nil {
			b.Fatal(err)
		}
	}
	report(b, s, before)
}

// BenchmarkCreateAttemptParallel runs 16 writers per CPU, as many terminal
// sessions waiting on the journal at once would.
func BenchmarkCreateAttemptParallel(b *testing.B) {
	s := openBench(b)
	before := s.Stats()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.CreateAttempt(b.Context(), benchPurchase()); err != nil {
				b.Error(err)
				return
			}
		}
	})
	report(b, s, before)
}

func BenchmarkUpdateAttempt(b *testing.B) {
	s := openBench(b)
	a := benchPurchase()
	if err := s.CreateAttempt(b.Context(), a); err != nil {
		b.Fatal(err)
	}
	before := s.Stats()
	for b.Loop() {
		a.Tries++
		if err := s.UpdateAttempt(b.Context(), a, payment.Event{Type: "retry_scheduled", Detail: "inquire unknown"}); err != nil {
			b.Fatal(err)
		}
	}
	report(b, s, before)
}

func BenchmarkUpdateAttemptParallel(b *testing.B) {
	s := openBench(b)
	before := s.Stats()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		a := benchPurchase()
		if err := s.CreateAttempt(b.Context(), a); err != nil {
			b.Error(err)
			return
		}
		for pb.Next() {
			a.Tries++
			if err := s.UpdateAttempt(b.Context(), a, payment.Event{Type: "retry_scheduled"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	report(b, s, before)
}

// BenchmarkAttemptByKey is the read a terminal repeat costs.
func BenchmarkAttemptByKey(b *testing.B) {
	s := openBench(b)
	a := benchPurchase()
	if err := s.CreateAttempt(b.Context(), a); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.AttemptByKey(b.Context(), a.Kind, a.Key); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJournalPurchaseParallel is a purchase's journal: the intent
// (create) and the outcome (update to approved with its event), from 64
// sessions per CPU at once, as a loaded gateway writes them. One op is one
// purchase, so 1e9/(ns/op) is the purchases a second the journal allows.
//
// cpu-µs/op is the CPU the process spent per purchase, which on a shared
// machine varies less than ns/op.
func BenchmarkJournalPurchaseParallel(b *testing.B) {
	s := openBench(b)
	before, cpu := s.Stats(), processCPU(b)
	b.SetParallelism(64)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			a := benchPurchase()
			a.ID = payment.NewID() // as the engine makes them, not in key order
			if err := s.CreateAttempt(b.Context(), a); err != nil {
				b.Error(err)
				return
			}
			a.State, a.ApprovalCode, a.SchemeTxnID = payment.StateApproved, "123456", "scheme-"+a.ID
			if err := s.UpdateAttempt(b.Context(), a, payment.Event{Type: "approved", Detail: "pay_result"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	report(b, s, before)
	b.ReportMetric(float64(processCPU(b)-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
}

// BenchmarkDiskSync measures the floor under any durable journal on this
// disk: one 16 KiB write (about what a batch adds to the log) and an fsync
// (what SQLite calls at a commit with synchronous=FULL). "append" grows
// the file, as a new log does; "overwrite" rewrites blocks already written,
// as SQLite's log does once a checkpoint has let it start again from its
// beginning. cpu-µs/op is the CPU the fsync costs: on a virtual disk the
// kernel's work is not free. "append-Ps-busy" syncs beside 64 goroutines
// that keep every P busy, as a loaded gateway does: its ns/op is how long
// a writer takes from one sync to the next, since a goroutine back from a
// long system call queues for a P behind the runnable ones.
//
//	go test -run='^$' -bench=DiskSync ./gateway/store/
func BenchmarkDiskSync(b *testing.B) {
	const block = 16 << 10
	for _, c := range []struct {
		name            string
		overwrite, busy bool
	}{{"append", false, false}, {"overwrite", true, false}, {"append-Ps-busy", false, true}} {
		b.Run(c.name, func(b *testing.B) {
			if c.busy {
				defer keepBusy(64)()
			}
			f, err := os.Create(filepath.Join(b.TempDir(), "log"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			buf := make([]byte, block)
			if c.overwrite {
				for off := int64(0); off < int64(b.N)*block; off += int64(len(buf)) {
					if _, err := f.WriteAt(buf, off); err != nil {
						b.Fatal(err)
					}
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			cpu := processCPU(b)
			for i := range b.N {
				if _, err := f.WriteAt(buf, int64(i)*block); err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
			}
			if !c.busy {
				b.ReportMetric(float64(processCPU(b)-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
			}
		})
	}
}

// keepBusy starts n goroutines that compute in short slices until the
// returned function stops them.
func keepBusy(n int) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			x := 0
			for {
				select {
				case <-done:
					return
				default:
				}
				for i := range 2000 {
					x += i * i
				}
				runtime.Gosched()
			}
		})
	}
	return func() { close(done); wg.Wait() }
}
