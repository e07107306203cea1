package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/meridian-gw/meridian/gateway/store/invariant"
)

// The writer is the group commit: callers queue writes; one goroutine takes
// every write queued (up to Config.BatchMax) and runs them in one
// transaction, then commits once, so one fsync makes the whole batch
// durable. A write that fails is undone alone and the others still commit
// (execBatch says how); if the commit itself
// fails, every write of the batch fails, so nothing is reported durable that
// is not.
//
// A caller's context is honoured while it waits for room in the queue and
// while it waits for the answer. Once a write is in the queue, though, it is
// the writer's: it still commits or fails as a whole even if its caller has
// given up, and that caller cannot tell which (see writeAbandoned).

// writeOp is one write. It runs on the writer goroutine; it must touch only
// values its caller handed over (copies), since the caller may have returned
// already. It may run twice (see execBatch): the second run must set what
// the first did, as it does when it only derives its results from the
// transaction.
type writeOp func(tx *writeTx) error

// writeTx is what a writeOp runs against.
type writeTx struct {
	ctx context.Context
	st  *writeStatements
	now func() time.Time
	// rrn is the last RRN handed out. The writer keeps the counter here
	// rather than bumping its row once per create (a statement each), and
	// stores it once per transaction, before the commit; a write or a batch
	// that fails hands its numbers back by restoring it.
	rrn int64
	// heads remembers the kind, state and amount of attempts this writer
	// wrote, so that an update checks its transition without reading the
	// row back. The writer is the database's only writer, so the copy is
	// exact; it holds the transaction's view, so it is emptied whenever a
	// transaction or a savepoint is rolled back. Bounded by headsMax.
	heads map[string]invariant.Head
}

// headsMax bounds writeTx.heads; past it the map starts again empty. An
// attempt is updated a few times in the seconds after its creation, so a
// recent window is all that pays.
const headsMax = 1 << 16

// rememberHead records id's head as the transaction now has it.
func (tx *writeTx) rememberHead(id string, h invariant.Head) {
	if len(tx.heads) >= headsMax {
		clear(tx.heads)
	}
	tx.heads[id] = h
}

type request struct {
	op   writeOp
	done chan error // buffered: the writer never waits for an abandoned caller
}

// writerHooks let tests hold the writer and inject faults deterministically.
type writerHooks struct {
	// taken runs on the writer goroutine after it took the first write of
	// a batch and before it collects the rest.
	taken func()
	// commitFault, if it returns an error, replaces the COMMIT by a
	// ROLLBACK, as a failed commit would.
	commitFault func() error
}

type writer struct {
	statements writeStatements
	tx         writeTx
	batchMax   int
	batchWait  time.Duration
	hooks      writerHooks
	stats      writerStats

	mu     sync.RWMutex // guards closed and sending on queue against close(queue)
	closed bool
	queue  chan *request
	done   chan struct{} // closed when run returns
}

func newWriter(ctx context.Context, conn *sql.Conn, cfg Config, hooks writerHooks) (*writer, error) {
	w := &writer{
		batchMax:  cfg.BatchMax,
		batchWait: cfg.BatchWait,
		hooks:     hooks,
		queue:     make(chan *request, cfg.QueueMax),
		done:      make(chan struct{}),
	}
	if err := w.statements.prepare(ctx, conn); err != nil {
		return nil, fmt.Errorf("store: writer: %w", err)
	}
	// The writer's statements run under no caller's context: a write
	// handed over completes whatever happens to its caller.
	w.tx = writeTx{ctx: context.Background(), st: &w.statements, now: cfg.Now, heads: make(map[string]invariant.Head)}
	if err := w.statements.lastRRN.QueryRowContext(ctx).Scan(&w.tx.rrn); err != nil {
		w.statements.close()
		return nil, fmt.Errorf("store: writer: read the RRN counter: %w", err)
	}
	return w, nil
}

func (w *writer) start() { go w.run() }

// do queues op and waits for its outcome.
func (w *writer) do(ctx context.Context, op writeOp) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	req := &request{op: op, done: make(chan error, 1)}
	if err := w.enqueue(ctx, req); err != nil {
		return err
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		select {
		case err := <-req.done: // answered meanwhile: that is the truth
			return err
		default:
			return writeAbandoned{ctx.Err()}
		}
	}
}

func (w *writer) enqueue(ctx context.Context, req *request) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return ErrClosed
	}
	select {
	case w.queue <- req:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stop refuses new writes and waits until the writer has committed the
// queued ones. Senders blocked on a full queue hold mu.RLock; they get room
// as the writer drains, so taking mu here waits for them, not forever.
func (w *writer) stop() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	<-w.done
}

// writeAbandoned is returned to a caller whose context ended after its write
// was queued: the write may yet commit. It unwraps to the context's error.
type writeAbandoned struct{ err error }

func (e writeAbandoned) Error() string {
	return fmt.Sprintf("stopped waiting for a queued write, which may still commit: %v", e.err)
}

func (e writeAbandoned) Unwrap() error { return e.err }

func (w *writer) run() {
	defer close(w.done)
	batch := make([]*request, 0, w.batchMax)
	results := make([]error, w.batchMax)
	for first := range w.queue {
		if w.hooks.taken != nil {
			w.hooks.taken()
		}
		batch = w.collect(append(batch[:0], first))
		w.commitBatch(batch, results[:len(batch)])
		clear(batch) // let answered requests be collected
		clear(results)
	}
}

// collect adds to batch the writes already queued, and, if BatchWait is
// set, those arriving within it, until the batch holds BatchMax.
func (w *writer) collect(batch []*request) []*request {
	var deadline <-chan time.Time
	if w.batchWait > 0 {
		timer := time.NewTimer(w.batchWait)
		defer timer.Stop()
		deadline = timer.C
	}
	for len(batch) < w.batchMax {
		select {
		case req, ok := <-w.queue:
			if !ok {
				return batch
			}
			batch = append(batch, req)
			continue
		default:
		}
		if deadline == nil {
			return batch
		}
		select {
		case req, ok := <-w.queue:
			if !ok {
				return batch
			}
			batch = append(batch, req)
		case <-deadline:
			return batch
		}
	}
	return batch
}
