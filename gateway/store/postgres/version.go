package postgres

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
)

var _ payment.ConfigVersion = (*Store)(nil)

// The configuration generation (migration 0003): a one-row counter that
// every transaction which may change a merchant, a terminal or a merchant
// policy moves on, as its last statement. Taking its row lock last, after
// the rows the transaction changes, keeps it out of any lock cycle, and
// holds it only until the commit that follows.
const (
	queryConfigVersion     = `SELECT version FROM config_version`
	queryBumpConfigVersion = `UPDATE config_version SET version = version + 1`
)

// bumpConfigVersion moves the configuration generation on, in the
// transaction q runs.
func bumpConfigVersion(ctx context.Context, q querier) error {
	tag, err := q.Exec(ctx, queryBumpConfigVersion)
	if err != nil {
		return fmt.Errorf("move the config version on: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("move the config version on: %d rows in config_version, want 1", tag.RowsAffected())
	}
	return nil
}

// ConfigVersion returns the generation of the merchants, terminals and
// merchant policies the engine reads (payment.ConfigVersion), as the
// database holds it: it sees every change committed, on any node, before
// the call began. The requests that arrive while one read is under way
// share the next read, which starts when that one ends, so one round trip
// answers all of them however many there are (versionBarrier). A caller
// stops waiting when ctx ends.
func (s *Store) ConfigVersion(ctx context.Context) (uint64, error) {
	if err := s.checkOpen(); err != nil {
		return 0, fmt.Errorf("postgres: config version: %w", err)
	}
	v, err := s.versions.get(ctx)
	if err != nil {
		return 0, fmt.Errorf("postgres: config version: %w", err)
	}
	return v, nil
}

// readConfigVersion reads the generation: one statement on the pool.
func (s *Store) readConfigVersion(ctx context.Context) (uint64, error) {
	if err := s.checkOpen(); err != nil {
		return 0, err
	}
	var v int64
	if err := s.pool.QueryRow(ctx, queryConfigVersion).Scan(&v); err != nil {
		return 0, err
	}
	return uint64(v), nil // never negative: a CHECK says so
}

// versionBarrier is a single-flight read barrier: get returns the result of
// a read that started after get was called, yet starts at most one read at
// a time. A caller finding no read under way starts one; callers arriving
// while one is under way cannot use it (it may have begun before a change
// they must see) and share the next, which starts as soon as the current
// one ends. So under load each read serves every caller that arrived during
// the one before, and a caller waits at most about two reads.
//
// The reads run on a goroutine of the barrier's own, under no caller's
// context (many share each), bounded by timeout; there is at most one such
// goroutine, and it ends when no caller waits.
type versionBarrier struct {
	read    func(ctx context.Context) (uint64, error)
	timeout time.Duration

	mu      sync.Mutex   // guards running and next
	running bool         // a read is under way
	next    *versionRead // the read shared by callers who arrived during the running one; nil if none
}

// versionRead is one read and the callers sharing it.
type versionRead struct {
	done    chan struct{} // closed once version and err are set
	version uint64
	err     error
	callers int // how many callers wait for it; guarded by versionBarrier.mu
}

// get waits for a read that starts after it is called, or until ctx ends.
func (b *versionBarrier) get(ctx context.Context) (uint64, error) {
	b.mu.Lock()
	var r *versionRead
	if b.running {
		if b.next == nil {
			b.next = &versionRead{done: make(chan struct{})}
		}
		r = b.next
	} else {
		r = &versionRead{done: make(chan struct{})}
		b.running = true
		go b.run(r)
	}
	r.callers++
	b.mu.Unlock()
	select {
	case <-r.done:
		return r.version, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// run performs r, then the read callers queued meanwhile, until none is.
func (b *versionBarrier) run(r *versionRead) {
	for r != nil {
		ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
		r.version, r.err = b.read(ctx)
		cancel()
		close(r.done)

		b.mu.Lock()
		r, b.next = b.next, nil
		b.running = r != nil
		b.mu.Unlock()
	}
}
