package postgres

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
)

// versionOf reads st's configuration generation, failing the test on error.
func versionOf(t *testing.T, st *Store) uint64 {
	t.Helper()
	v, err := st.ConfigVersion(t.Context())
	if err != nil {
		t.Fatalf("ConfigVersion: %v", err)
	}
	return v
}

func TestConfigVersion(t *testing.T) {
	t.Parallel()

	t.Run("Every change of a merchant, terminal or policy through one node moves the other node's next version on", func(t *testing.T) {
		t.Parallel()
		nodes := twoNodes(t)
		const acq = "acq-version"
		ev := adminEvent(acq, "test", "version")
		writes := []struct {
			name  string
			write func(ctx context.Context) error
		}{
			{"PutMerchant", func(ctx context.Context) error {
				return nodes[0].PutMerchant(ctx, &payment.Merchant{ID: "M-VERSION", LegalName: "V", TradingName: "V",
					MCC: "5812", Country: "DE", City: "Bonn", Currency: "EUR", Schemes: []string{"ALIPAYPLUS"}})
			}},
			{"PutTerminal", func(ctx context.Context) error {
				return nodes[0].PutTerminal(ctx, &payment.Terminal{ID: "TVERSION", MerchantID: "M-VERSION", StoreID: "S1"})
			}},
			{"CreateAcquirer", func(ctx context.Context) error {
				return nodes[0].Admin().CreateAcquirer(ctx, &admin.Acquirer{ID: acq, Name: "Version"}, ev)
			}},
			{"AssignMerchant", func(ctx context.Context) error {
				_, err := nodes[0].Admin().AssignMerchant(ctx, acq, "M-VERSION", ev)
				return err
			}},
			{"UpdateMerchant (mark-up and limits)", func(ctx context.Context) error {
				_, err := nodes[0].Admin().UpdateMerchant(ctx, acq, "M-VERSION", func(m *admin.Merchant) (*admin.AuditEvent, error) {
					m.MarkupPercent = map[string]string{"ALIPAYPLUS": "1.50"}
					m.Limits.PurchasesPerTerminalPerMinute = 5
					return &ev, nil
				})
				return err
			}},
			{"UpdateTerminal (suspend)", func(ctx context.Context) error {
				_, err := nodes[0].Admin().UpdateTerminal(ctx, acq, "TVERSION", func(term *payment.Terminal, _ *admin.Merchant) (*admin.AuditEvent, error) {
					term.Suspended = true
					return &ev, nil
				})
				return err
			}},
			{"CreateMerchant", func(ctx context.Context) error {
				_, err := nodes[0].Admin().CreateMerchant(ctx, nodeMerchant(acq, "M-VERSION-2"), adminRequest(acq, "req-version", "merchant.create", "m"))
				return err
			}},
		}
		for _, w := range writes {
			before := versionOf(t, nodes[1])
			if err := w.write(t.Context()); err != nil {
				t.Fatalf("%s: %v", w.name, err)
			}
			if after := versionOf(t, nodes[1]); after <= before {
				t.Errorf("after %s on node 0 node 1 reads version %d, having read %d before", w.name, after, before)
			}
		}

		before := versionOf(t, nodes[1])
		if err := nodes[0].PutTerminal(t.Context(), &payment.Terminal{ID: "TORPHAN", MerchantID: "M-NONE", StoreID: "S1"}); !errors.Is(err, payment.ErrNotFound) {
			t.Fatalf("PutTerminal of a merchant not stored: %v, want ErrNotFound", err)
		}
		if err := nodes[0].CreateAttempt(t.Context(), nodePurchase(1000)); err != nil {
			t.Fatalf("CreateAttempt: %v", err)
		}
		if after := versionOf(t, nodes[1]); after != before {
			t.Errorf("a failed put and a journal write moved the version from %d to %d; nothing the engine reads changed", before, after)
		}
	})

	t.Run("Concurrent calls share reads, fewer than the calls", func(t *testing.T) {
		t.Parallel()
		st := twoNodes(t)[0]
		const callers = 32
		want, err := st.readConfigVersion(t.Context()) // not through the barrier, which has not run yet
		if err != nil {
			t.Fatal(err)
		}
		var reads atomic.Int64
		// The first read waits until every other caller has arrived, so
		// all of them must share the second. The wait is not the
		// database's: the reads get time enough for it.
		st.versions.timeout = time.Minute
		st.versions.read = func(ctx context.Context) (uint64, error) {
			if reads.Add(1) == 1 {
				waitCallers(t, &st.versions, callers-1)
			}
			return st.readConfigVersion(ctx)
		}

		errs := make([]error, callers)
		got := make([]uint64, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() { got[i], errs[i] = st.ConfigVersion(t.Context()) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil || got[i] != want {
				t.Errorf("call %d: %d, %v; want %d", i, got[i], err, want)
			}
		}
		if n := reads.Load(); n != 2 {
			t.Errorf("%d concurrent calls made %d reads, want 2: the one under way when they came, and one they shared", callers, n)
		}
	})

	t.Run("A closed store's version is ErrClosed", func(t *testing.T) {
		t.Parallel()
		st := twoNodes(t)[0]
		_ = st.Close()
		if _, err := st.ConfigVersion(t.Context()); !errors.Is(err, ErrClosed) {
			t.Errorf("ConfigVersion after Close: %v, want ErrClosed", err)
		}
	})
}

// waitCallers waits until n callers wait for b's next read.
func waitCallers(t *testing.T, b *versionBarrier, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b.mu.Lock()
		waiting := 0
		if b.next != nil {
			waiting = b.next.callers
		}
		b.mu.Unlock()
		if waiting >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d callers wait for the next read, want %d", waiting, n)
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// steppedReads is a database version read by a barrier one read at a time,
// each held until the test lets it end.
type steppedReads struct {
	version atomic.Uint64 // what the database holds
	started chan uint64   // the version each read saw when it started
	finish  chan struct{} // one receive per read let end
	reads   atomic.Int64
}

func newSteppedReads() *steppedReads {
	return &steppedReads{started: make(chan uint64, 16), finish: make(chan struct{}, 16)}
}

func (s *steppedReads) read(ctx context.Context) (uint64, error) {
	s.reads.Add(1)
	v := s.version.Load() // the read's snapshot is taken when it starts
	s.started <- v
	select {
	case <-s.finish:
		return v, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// recv receives from ch, failing the test if nothing comes for long: a
// barrier that lost a caller or a read must fail the test, not hang it.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing received for 10 s")
		var zero T
		return zero
	}
}

func TestVersionBarrier(t *testing.T) {
	t.Parallel()

	t.Run("A call arriving while a read is under way gets the next read, which sees a change made meanwhile", func(t *testing.T) {
		t.Parallel()
		db := newSteppedReads()
		b := &versionBarrier{read: db.read, timeout: time.Minute}
		first := make(chan uint64, 1)
		go func() { v, _ := b.get(t.Context()); first <- v }()
		if v := recv(t, db.started); v != 0 {
			t.Fatalf("first read saw %d", v)
		}
		db.version.Store(1) // a change commits while the first read is under way
		second := make(chan uint64, 1)
		go func() { v, _ := b.get(t.Context()); second <- v }()
		waitCallers(t, b, 1)
		db.finish <- struct{}{}
		if v := recv(t, first); v != 0 {
			t.Errorf("the first caller got %d, want 0: its read started before the change", v)
		}
		if v := recv(t, db.started); v != 1 {
			t.Errorf("the second read saw %d, want 1", v)
		}
		db.finish <- struct{}{}
		if v := recv(t, second); v != 1 {
			t.Errorf("the caller who came after the change got %d, want 1", v)
		}
	})

	t.Run("Callers arriving during one read share the next: two reads serve them all", func(t *testing.T) {
		t.Parallel()
		db := newSteppedReads()
		b := &versionBarrier{read: db.read, timeout: time.Minute}
		const callers = 50
		results := make(chan uint64, callers)
		go func() { v, _ := b.get(t.Context()); results <- v }()
		recv(t, db.started)
		db.version.Store(7)
		for range callers - 1 {
			go func() { v, _ := b.get(t.Context()); results <- v }()
		}
		waitCallers(t, b, callers-1)
		db.finish <- struct{}{}
		recv(t, db.started)
		db.finish <- struct{}{}
		sevens := 0
		for range callers {
			if recv(t, results) == 7 {
				sevens++
			}
		}
		if sevens != callers-1 {
			t.Errorf("%d of the %d callers who came during the first read got the version it could not see", sevens, callers-1)
		}
		if n := db.reads.Load(); n != 2 {
			t.Errorf("%d callers made %d reads, want 2", callers, n)
		}
	})

	t.Run("A caller whose context ends stops waiting and the others still get their read", func(t *testing.T) {
		t.Parallel()
		db := newSteppedReads()
		b := &versionBarrier{read: db.read, timeout: time.Minute}
		patient := make(chan error, 1)
		go func() { _, err := b.get(t.Context()); patient <- err }()
		recv(t, db.started)
		ctx, cancel := context.WithCancel(t.Context())
		impatient := make(chan error, 1)
		go func() { _, err := b.get(ctx); impatient <- err }()
		waitCallers(t, b, 1)
		cancel()
		if err := recv(t, impatient); !errors.Is(err, context.Canceled) {
			t.Errorf("the caller whose context ended got %v, want context.Canceled", err)
		}
		db.finish <- struct{}{}
		if err := recv(t, patient); err != nil {
			t.Errorf("the other caller got %v", err)
		}
		recv(t, db.started) // the read the impatient caller queued still runs, for no one
		db.finish <- struct{}{}
	})

	t.Run("A read that outlasts the timeout fails its callers, and the next call reads again", func(t *testing.T) {
		t.Parallel()
		db := newSteppedReads()
		b := &versionBarrier{read: db.read, timeout: time.Millisecond}
		if _, err := b.get(t.Context()); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("get over a stuck read: %v, want context.DeadlineExceeded", err)
		}
		recv(t, db.started)
		db.finish <- struct{}{} // the next read ends at once
		b.timeout = time.Minute
		if v, err := b.get(t.Context()); err != nil || v != 0 {
			t.Errorf("get after the stuck read: %d, %v", v, err)
		}
	})
}
