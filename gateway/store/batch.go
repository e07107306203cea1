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

// execBatch runs the batch in one transaction and commits. Its error is the
// batch's: every write failed. A write's own error goes to results.
//
// Writes rarely fail (a terminal repeat, a refund over the limit), so the
// batch first runs without savepoints: a savepoint costs two statements and
// makes SQLite copy every page a write touches to the statement journal. If
// any write fails, the whole transaction is rolled back, undoing the half
// of that write that succeeded, and the batch runs again with a savepoint
// per write, where a failed write is undone alone. Writes may therefore run
// twice; they touch only their own copies (see writeOp), so the second run
// sets the same fields again.
func (w *writer) execBatch(batch []*request, results []error) error {
	rrn := w.tx.rrn
	failed, err := w.execFast(batch, rrn)
	if failed {
		w.tx.rrn = rrn
		w.stats.slowBatches.Add(1)
		err = w.execSavepoints(batch, results, rrn)
	}
	if err != nil {
		w.tx.rrn = rrn // nothing was committed: every number comes back
	}
	return err
}

// execFast runs every write of batch in one transaction without savepoints
// and commits; failed reports, with the transaction rolled back, that a
// write failed.
func (w *writer) execFast(batch []*request, rrn int64) (failed bool, err error) {
	st, ctx := w.tx.st, w.tx.ctx
	if _, err := st.begin.ExecContext(ctx); err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	for _, req := range batch {
		if req.op(&w.tx) != nil {
			w.rollback()
			return true, nil
		}
	}
	return false, w.commit(rrn)
}

// execSavepoints runs each write in its own savepoint and commits.
func (w *writer) execSavepoints(batch []*request, results []error, rrn int64) error {
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
	return w.commit(rrn)
}

// commit stores the RRN counter if the transaction moved it from rrn, and
// commits; if either fails, it rolls the transaction back.
func (w *writer) commit(rrn int64) error {
	if w.tx.rrn != rrn {
		if _, err := w.tx.st.setRRN.ExecContext(w.tx.ctx, w.tx.rrn); err != nil {
			w.rollback()
			return fmt.Errorf("store the RRN counter: %w", err)
		}
	}
	if w.hooks.commitFault != nil {
		if err := w.hooks.commitFault(); err != nil {
			w.rollback()
			return fmt.Errorf("commit: %w", err)
		}
	}
	if _, err := w.tx.st.commit.ExecContext(w.tx.ctx); err != nil {
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
	rrn := w.tx.rrn
	opErr = req.op(&w.tx)
	if opErr != nil {
		w.tx.rrn = rrn
		clear(w.tx.heads)
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
	clear(w.tx.heads)
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
	// SlowBatches is how many batches ran a second time, a savepoint per
	// write, because a write failed on the first run.
	SlowBatches uint64
	// Checkpoints is how many times the checkpointer ran, and
	// CheckpointedPages how many pages of the log it copied into the
	// database file; CheckpointFailures counts the runs that failed.
	Checkpoints, CheckpointedPages, CheckpointFailures uint64
}

type writerStats struct {
	writes, commits, failedBatches, batchLargest, slowBatches atomic.Uint64
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
		SlowBatches:   s.slowBatches.Load(),
	}
}
