package store

import (
	"fmt"
	"sync/atomic"
)

// commitBatch runs batch in one transaction and answers every caller.
func (w *writer) commitBatch(batch []*request, results []error) {
	err := w.execBatch(batch, results)
	// Counted before anyone is answered, so that a caller reading Stats
	// after its write returned sees that write counted.
	w.stats.writes.Add(uint64(len(batch)))
	w.stats.noteBatch(len(batch))
	if err != nil {
		w.stats.failedBatches.Add(1)
		err = fmt.Errorf("batch of %d writes not committed: %w", len(batch), err)
		for _, req := range batch {
			req.done <- err
		}
		return
	}
	w.stats.commits.Add(1)
	for i, req := range batch {
		req.done <- results[i]
	}
}

// execBatch runs each write in its own savepoint and commits. Its error is
// the batch's: every write failed. A write's own error goes to results.
func (w *writer) execBatch(batch []*request, results []error) error {
	st, ctx := w.tx.st, w.tx.ctx
	if _, err := st.begin.ExecContext(ctx); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	for i, req := range batch {
		opErr, err := w.execOne(req)
		if err != nil {
			w.rollback()
			return err
		}
		results[i] = opErr
	}
	if w.hooks.commitFault != nil {
		if err := w.hooks.commitFault(); err != nil {
			w.rollback()
			return fmt.Errorf("commit: %w", err)
		}
	}
	if _, err := st.commit.ExecContext(ctx); err != nil {
		w.rollback()
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// execOne runs one write in a savepoint, rolling the savepoint back if the
// write fails. Its second result is an error that spoils the whole
// transaction: SQLite may already have rolled it back (an I/O error, a full
// disk), and then the savepoint is gone too.
func (w *writer) execOne(req *request) (opErr, batchErr error) {
	st, ctx := w.tx.st, w.tx.ctx
	if _, err := st.savepoint.ExecContext(ctx); err != nil {
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	opErr = req.op(&w.tx)
	if opErr != nil {
		if _, err := st.rollbackTo.ExecContext(ctx); err != nil {
			return opErr, fmt.Errorf("roll back a failed write (%v): %w", opErr, err)
		}
	}
	if _, err := st.release.ExecContext(ctx); err != nil {
		return opErr, fmt.Errorf("release savepoint: %w", err)
	}
	return opErr, nil
}

// rollback ends a failed transaction. Its error is ignored: when SQLite has
// rolled back by itself there is no transaction left, and either way the
// batch is already reported failed.
func (w *writer) rollback() {
	_, _ = w.tx.st.rollback.ExecContext(w.tx.ctx)
}

// Stats counts the writer's work since Open.
type Stats struct {
	// Writes is how many writes the writer ran, committed or not.
	Writes uint64
	// Commits is how many transactions it committed: each is one fsync of
	// the log, so Writes/Commits is the group commit's gain.
	Commits uint64
	// FailedBatches is how many transactions failed to begin or commit;
	// every write in them was reported failed.
	FailedBatches uint64
	// BatchLargest is the most writes run in one transaction.
	BatchLargest uint64
}

type writerStats struct {
	writes, commits, failedBatches, batchLargest atomic.Uint64
}

func (s *writerStats) noteBatch(n int) {
	if uint64(n) > s.batchLargest.Load() { // only the writer goroutine stores
		s.batchLargest.Store(uint64(n))
	}
}

func (s *writerStats) snapshot() Stats {
	return Stats{
		Writes:        s.writes.Load(),
		Commits:       s.commits.Load(),
		FailedBatches: s.failedBatches.Load(),
		BatchLargest:  s.batchLargest.Load(),
	}
}
