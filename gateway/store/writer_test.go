package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
)

// gate holds the writer at the start of each batch until released, so a
// test can queue writes behind it deterministically.
type gate struct {
	entered chan struct{} // one send per batch taken
	release chan struct{} // one receive per batch let through
}

func newGate() *gate {
	return &gate{entered: make(chan struct{}, 64), release: make(chan struct{}, 64)}
}

func (g *gate) hooks() writerHooks {
	return writerHooks{taken: func() {
		g.entered <- struct{}{}
		<-g.release
	}}
}

// waitQueued waits until n writes wait in s's queue.
func waitQueued(t *testing.T, s *SQLite, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.writer.queue) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", len(s.writer.queue), n)
		}
		time.Sleep(time.Millisecond)
	}
}

var testSequence atomic.Int64

// testPurchase returns a new pending purchase; safe for concurrent use.
func testPurchase() *payment.Attempt {
	n := testSequence.Add(1)
	return &payment.Attempt{
		ID:          fmt.Sprintf("w-%d", n),
		Kind:        payment.KindPurchase,
		Key:         payment.TerminalKey{TerminalID: "T0000001", STAN: fmt.Sprintf("%06d", n), TransmissionTime: "0101000000"},
		MerchantID:  "M1",
		Amount:      payment.Money{Minor: 1000, Currency: "EUR"},
		State:       payment.StatePending,
		RequestHash: "h",
	}
}

// async runs f in a goroutine and returns where its error arrives.
func async(f func() error) <-chan error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	return done
}

func TestGroupCommitRunsQueuedWritesInOneCommit(t *testing.T) {
	g := newGate()
	s := openTestHooks(t, Config{}, g.hooks())
	ctx := t.Context()
	first := async(func() error { return s.CreateAttempt(ctx, testPurchase()) })
	<-g.entered // the writer holds the first write's batch open
	const queued = 10
	var answers []<-chan error
	for range queued {
		a := testPurchase()
		answers = append(answers, async(func() error { return s.CreateAttempt(ctx, a) }))
	}
	waitQueued(t, s, queued)
	g.release <- struct{}{}
	for _, done := range append(answers, first) {
		if err := <-done; err != nil {
			t.Fatalf("CreateAttempt: %v", err)
		}
	}
	if st := s.Stats(); st.Commits != 1 || st.Writes != queued+1 || st.BatchLargest != queued+1 {
		t.Errorf("Stats = %+v, want %d writes in 1 commit", st, queued+1)
	}
}

func TestGroupCommitBatchesConcurrentWriters(t *testing.T) {
	s := openTest(t, Config{})
	const writers, each = 32, 20
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				a := testPurchase()
				if err := s.CreateAttempt(t.Context(), a); err != nil {
					t.Error(err)
					return
				}
				a.State = payment.StateApproved
				if err := s.UpdateAttempt(t.Context(), a, payment.Event{Type: "pay_result"}); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.Attempt(t.Context(), a.ID); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	st := s.Stats()
	if st.Writes != 2*writers*each || st.Commits >= st.Writes || st.FailedBatches != 0 {
		t.Errorf("Stats = %+v, want %d writes in fewer commits", st, 2*writers*each)
	}
	t.Logf("%d writes in %d commits, largest batch %d", st.Writes, st.Commits, st.BatchLargest)
}

func TestFailingWriteInBatchFailsAlone(t *testing.T) {
	g := newGate()
	s := openTestHooks(t, Config{}, g.hooks())
	ctx := t.Context()
	purchase := testPurchase()
	go func() { <-g.entered; g.release <- struct{}{} }() // let the setup writes through
	go func() { <-g.entered; g.release <- struct{}{} }()
	if err := s.CreateAttempt(ctx, purchase); err != nil {
		t.Fatal(err)
	}
	purchase.State = payment.StateApproved
	if err := s.UpdateAttempt(ctx, purchase, payment.Event{Type: "pay_result"}); err != nil {
		t.Fatal(err)
	}

	blocker := async(func() error { return s.CreateAttempt(ctx, testPurchase()) })
	<-g.entered
	good1, good2 := testPurchase(), testPurchase()
	duplicate := testPurchase()
	duplicate.Key = purchase.Key
	exceeding := refundOf(purchase, purchase.Amount.Minor+1)
	writes := []struct {
		a    *payment.Attempt
		want error
	}{{good1, nil}, {duplicate, payment.ErrDuplicate}, {exceeding, payment.ErrRefundExceeds}, {good2, nil}}
	var answers []<-chan error
	for i, w := range writes {
		answers = append(answers, async(func() error { return s.CreateAttempt(ctx, w.a) }))
		waitQueued(t, s, i+1) // queue them in this order
	}
	before := s.Stats()
	g.release <- struct{}{}
	if err := <-blocker; err != nil {
		t.Fatal(err)
	}
	for i, w := range writes {
		if err := <-answers[i]; !errors.Is(err, w.want) || (w.want == nil) != (err == nil) {
			t.Errorf("write %d = %v, want %v", i, err, w.want)
		}
	}
	if after := s.Stats(); after.Commits != before.Commits+1 || after.SlowBatches != before.SlowBatches+1 {
		t.Errorf("commits %d -> %d, slow batches %d -> %d; want the batch in one commit, run again with savepoints",
			before.Commits, after.Commits, before.SlowBatches, after.SlowBatches)
	}
	// The failed creates gave their RRNs back: the good ones are
	// consecutive, and the next create takes the number after them.
	next := testPurchase()
	go func() { <-g.entered; g.release <- struct{}{} }()
	if err := s.CreateAttempt(ctx, next); err != nil {
		t.Fatal(err)
	}
	if rrn(t, good2) != rrn(t, good1)+1 || rrn(t, next) != rrn(t, good2)+1 {
		t.Errorf("RRNs %s, %s, then %s: want consecutive numbers, the failed writes' given back", good1.RRN, good2.RRN, next.RRN)
	}
	for _, a := range []*payment.Attempt{good1, good2} {
		if events, err := s.Events(ctx, a.ID); err != nil || len(events) != 1 {
			t.Errorf("%s after the batch: %d events, %v", a.ID, len(events), err)
		}
	}
	for _, a := range []*payment.Attempt{duplicate, exceeding} {
		if _, err := s.Events(ctx, a.ID); !errors.Is(err, payment.ErrNotFound) {
			t.Errorf("failed write %s left traces: %v", a.ID, err)
		}
	}
}

func rrn(t *testing.T, a *payment.Attempt) int {
	t.Helper()
	n, err := strconv.Atoi(a.RRN)
	if err != nil {
		t.Fatalf("%s has RRN %q: %v", a.ID, a.RRN, err)
	}
	return n
}

func refundOf(p *payment.Attempt, minor int64) *payment.Attempt {
	r := testPurchase()
	r.Kind, r.OriginalID, r.Amount.Minor = payment.KindRefund, p.ID, minor
	return r
}

func TestFailedCommitFailsEveryWriteOfTheBatch(t *testing.T) {
	g := newGate()
	fault := errors.New("injected fsync failure")
	var failNext bool // read by the writer goroutine only while the gate holds it
	hooks := g.hooks()
	hooks.commitFault = func() error {
		if failNext {
			failNext = false
			return fault
		}
		return nil
	}
	s := openTestHooks(t, Config{}, hooks)
	ctx := t.Context()
	first := testPurchase()
	firstDone := async(func() error { return s.CreateAttempt(ctx, first) })
	<-g.entered
	failNext = true // the writer is parked in the gate: no race
	others := []*payment.Attempt{testPurchase(), testPurchase(), testPurchase()}
	var answers []<-chan error
	for _, a := range others {
		answers = append(answers, async(func() error { return s.CreateAttempt(ctx, a) }))
	}
	waitQueued(t, s, len(others))
	g.release <- struct{}{}
	for i, done := range append(answers, firstDone) {
		if err := <-done; !errors.Is(err, fault) {
			t.Errorf("write %d = %v, want the commit's failure", i, err)
		}
	}
	for _, a := range append(others, first) {
		if a.RRN != "" {
			t.Errorf("%s was given RRN %s though not committed", a.ID, a.RRN)
		}
		if _, err := s.Attempt(ctx, a.ID); !errors.Is(err, payment.ErrNotFound) {
			t.Errorf("%s stored though its commit failed: %v", a.ID, err)
		}
	}
	if st := s.Stats(); st.FailedBatches != 1 || st.Commits != 0 {
		t.Errorf("Stats = %+v, want 1 failed batch and no commit", st)
	}
	// The writer goes on: the next write commits.
	go func() { <-g.entered; g.release <- struct{}{} }()
	if err := s.CreateAttempt(ctx, testPurchase()); err != nil {
		t.Errorf("write after a failed commit: %v", err)
	}
}

func TestContextEndsWhileWaitingForRoomInTheQueue(t *testing.T) {
	g := newGate()
	s := openTestHooks(t, Config{QueueMax: 1}, g.hooks())
	ctx := t.Context()
	blocker := async(func() error { return s.CreateAttempt(ctx, testPurchase()) })
	<-g.entered
	filler := testPurchase()
	fillerDone := async(func() error { return s.CreateAttempt(ctx, filler) })
	waitQueued(t, s, 1) // the queue is full
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	late := testPurchase()
	if err := s.CreateAttempt(short, late); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("CreateAttempt on a full queue = %v, want context.DeadlineExceeded", err)
	}
	g.release <- struct{}{}
	go func() { <-g.entered; g.release <- struct{}{} }()
	if err := <-blocker; err != nil {
		t.Fatal(err)
	}
	if err := <-fillerDone; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Attempt(ctx, late.ID); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("a write never queued was stored: %v", err)
	}
}

func TestContextEndsWhileWaitingForTheAnswer(t *testing.T) {
	g := newGate()
	s := openTestHooks(t, Config{}, g.hooks())
	ctx, cancel := context.WithCancel(t.Context())
	a := testPurchase()
	done := async(func() error { return s.CreateAttempt(ctx, a) })
	<-g.entered // the write is the writer's now
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("CreateAttempt = %v, want context.Canceled", err)
	}
	var abandoned writeAbandoned
	if !errors.As(err, &abandoned) {
		t.Errorf("error %v does not say the write may still commit", err)
	}
	g.release <- struct{}{}
	// The write handed over completes as a whole: it is stored, with its
	// intent event, though its caller left.
	deadline := time.Now().Add(10 * time.Second)
	for {
		events, err := s.Events(t.Context(), a.ID)
		if err == nil && len(events) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("abandoned write not committed: %d events, %v", len(events), err)
		}
		time.Sleep(time.Millisecond)
	}
	if a.RRN != "" {
		t.Errorf("caller's attempt changed after it left: RRN %q", a.RRN)
	}
}

func TestCloseCommitsQueuedWrites(t *testing.T) {
	g := newGate()
	path := filepath.Join(t.TempDir(), "journal.db")
	s, err := openSQLite(t.Context(), path, Config{}, g.hooks())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	var written []*payment.Attempt
	var answers []<-chan error
	for i := range 5 {
		a := testPurchase()
		written = append(written, a)
		answers = append(answers, async(func() error { return s.CreateAttempt(ctx, a) }))
		if i == 0 {
			<-g.entered
		}
	}
	waitQueued(t, s, 4)
	closed := async(s.Close)
	time.Sleep(10 * time.Millisecond) // let Close start waiting
	close(g.release)                  // let every batch through from now on
	for i, done := range answers {
		if err := <-done; err != nil {
			t.Errorf("write %d queued before Close: %v", i, err)
		}
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.CreateAttempt(ctx, testPurchase()); !errors.Is(err, ErrClosed) {
		t.Errorf("CreateAttempt after Close = %v, want ErrClosed", err)
	}
	reopened := openAt(t, path)
	for _, a := range written {
		if _, err := reopened.Attempt(ctx, a.ID); err != nil {
			t.Errorf("%s, queued before Close, not on disk: %v", a.ID, err)
		}
	}
}

func openAt(t *testing.T, path string) *SQLite {
	t.Helper()
	s, err := OpenSQLite(t.Context(), path, Config{})
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestBatchWaitGathersWritesArrivingLater(t *testing.T) {
	s := openTest(t, Config{BatchWait: 10 * time.Second, BatchMax: 2})
	ctx := t.Context()
	first := async(func() error { return s.CreateAttempt(ctx, testPurchase()) })
	time.Sleep(20 * time.Millisecond) // the writer has taken it and waits for more
	if err := s.CreateAttempt(ctx, testPurchase()); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Commits != 1 || st.Writes != 2 {
		t.Errorf("Stats = %+v, want 2 writes in 1 commit", st)
	}
}

func TestTheCheckpointerCopiesTheLogBesideTheWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	s := openAt(t, path)
	for range 50 {
		if err := s.CreateAttempt(t.Context(), testPurchase()); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().CheckpointedPages == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	st := s.Stats()
	if st.CheckpointedPages == 0 || st.CheckpointFailures != 0 {
		t.Fatalf("Stats = %+v; want pages of the log copied by the checkpointer, no failure", st)
	}
	// The log holds nothing the database file lacks once a run after the
	// last write is done.
	runs := st.Checkpoints
	for s.Stats().Checkpoints < runs+2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	var busy, logPages, copied int
	if err := rawConn(t, path).QueryRowContext(t.Context(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logPages, &copied); err != nil || logPages != copied {
		t.Errorf("the log has %d pages, %d of them in the database (%v); want all", logPages, copied, err)
	}
}
