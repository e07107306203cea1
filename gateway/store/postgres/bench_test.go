package postgres

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/internal/pgtest"
)

// Run with (PostgreSQL at MERIDIAN_TEST_POSTGRES, default 127.0.0.1:5432):
//
//	go test -run='^$' -bench . -benchmem ./gateway/store/postgres/
//
// Each write is one transaction committed (one WAL flush, which PostgreSQL
// shares between transactions committing at once) before it returns.
// writers=1 is one caller at a time; writers=32 is 32 callers at once, as
// many terminal sessions waiting on the journal would be, on the default
// pool of 16 connections. writes/s is the throughput of durable writes.

func openBench(b *testing.B) *Store {
	b.Helper()
	s, err := Open(b.Context(), pgtest.NewSchema(b), Config{})
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

// runWriters runs b.N calls of op spread over writers goroutines; each
// goroutine first runs setup once, and hands what it returns to its calls.
func runWriters[T any](b *testing.B, writers int, setup func() (T, error), op func(T) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	states := make([]T, writers)
	for i := range states {
		var err error
		if states[i], err = setup(); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := range writers {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if err := op(states[i]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}

func noSetup() (struct{}, error) { return struct{}{}, nil }

func BenchmarkCreateAttempt(b *testing.B) {
	for _, writers := range []int{1, 32} {
		b.Run("writers="+strconv.Itoa(writers), func(b *testing.B) {
			s := openBench(b)
			runWriters(b, writers, noSetup, func(struct{}) error {
				return s.CreateAttempt(b.Context(), benchPurchase())
			})
		})
	}
}

func BenchmarkUpdateAttempt(b *testing.B) {
	for _, writers := range []int{1, 32} {
		b.Run("writers="+strconv.Itoa(writers), func(b *testing.B) {
			s := openBench(b)
			setup := func() (*payment.Attempt, error) {
				a := benchPurchase()
				return a, s.CreateAttempt(b.Context(), a)
			}
			runWriters(b, writers, setup, func(a *payment.Attempt) error {
				a.Tries++
				return s.UpdateAttempt(b.Context(), a, payment.Event{Type: "retry_scheduled", Detail: "inquire unknown"})
			})
		})
	}
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
