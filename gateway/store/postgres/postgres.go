package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/invariant"
)

var _ payment.Store = (*Store)(nil)

var (
	// ErrClosed is returned by every call made after Close.
	ErrClosed = errors.New("store is closed")

	// ErrInvariant is returned for a write that would break an invariant of
	// the journal (see package invariant); it is invariant.ErrViolated, as
	// in the SQLite store.
	ErrInvariant = invariant.ErrViolated
)

// Store is a payment.Store on a PostgreSQL database. It is safe for
// concurrent use, and several Stores, in several processes, may share one
// database: every check that guards money (a duplicate terminal key, a
// refund limit, a state transition) is made by the database or under a row
// lock inside the transaction that writes.
//
// Every write is one transaction, committed before the call returns: one
// statement on its own where that suffices (a purchase's create, an event,
// a claim), else an explicit READ COMMITTED transaction whose first
// statement locks the row the checks are about (a refund's purchase, an
// updated attempt). With the server's fsync and synchronous_commit on (Open
// checks), a nil return means on disk. If ctx ends while a write runs, its
// error wraps ctx.Err() and the write may or may not have committed: the
// caller must treat the outcome as unknown (re-read).
type Store struct {
	cfg    Config
	pool   *pgxpool.Pool
	closed atomic.Bool

	// versions shares reads of the configuration generation among the
	// requests that arrive together (ConfigVersion).
	versions versionBarrier
}

// Open connects to the database dsn names (a URL or key=value string, as
// pgx parses it; pool_* parameters set the pool), checks that commits are
// durable, applies the schema migrations it lacks, and returns the store.
// Close releases it. The schema lives in the connection's current schema
// (search_path), so one database can hold several journals apart.
func Open(ctx context.Context, dsn string, cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults(strings.Contains(dsn, "pool_max_conns"))
	if err != nil {
		return nil, err
	}
	migrations, err := loadMigrations()
	if err != nil {
		return nil, err
	}
	poolConfig, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx leaves the password out of its parse errors.
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if cfg.MaxConns > 0 {
		poolConfig.MaxConns = cfg.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, poolConfig)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	s := &Store{cfg: cfg, pool: pool}
	s.versions = versionBarrier{read: s.readConfigVersion, timeout: cfg.VersionReadTimeout}
	if err := s.start(ctx, migrations); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) start(ctx context.Context, migrations []migration) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: open: %w", err)
	}
	if err := checkDurability(ctx, s.pool); err != nil {
		return fmt.Errorf("postgres: open: %w", err)
	}
	return migrate(ctx, s.pool, migrations, s.cfg.Now())
}

// checkDurability reads back fsync and synchronous_commit: with either off,
// a commit could be lost after the call returned, voiding the promise that
// a nil return means on disk. A setting the server does not have (a
// PostgreSQL-compatible engine) is taken as durable.
func checkDurability(ctx context.Context, pool *pgxpool.Pool) error {
	var fsync, synchronousCommit *string
	err := pool.QueryRow(ctx, `SELECT current_setting('fsync', true), current_setting('synchronous_commit', true)`).
		Scan(&fsync, &synchronousCommit)
	if err != nil {
		return fmt.Errorf("read durability settings: %w", err)
	}
	if (fsync != nil && *fsync == "off") || (synchronousCommit != nil && *synchronousCommit == "off") {
		return errors.New("commits are not durable: fsync or synchronous_commit is off (set on the server, the role or the DSN)")
	}
	return nil
}

// Close closes the pool, waiting for the connections in use to be given
// back. Calls made after Close return ErrClosed. Close is idempotent.
func (s *Store) Close() error {
	if s.closed.CompareAndSwap(false, true) {
		s.pool.Close()
	}
	return nil
}

// Stat returns the pool's counters, for metrics: connections in use, idle,
// and how often and how long callers waited for one.
func (s *Store) Stat() *pgxpool.Stat { return s.pool.Stat() }

func (s *Store) checkOpen() error {
	if s.closed.Load() {
		return ErrClosed
	}
	return nil
}

// readCommitted is the isolation of every write. The refund limit relies on
// it: once the purchase's row lock is granted, the next statement's fresh
// snapshot sees every refund committed by the lock's previous holders
// (under REPEATABLE READ it would not).
var readCommitted = pgx.TxOptions{IsoLevel: pgx.ReadCommitted}

// querier is what a write runs its statements on: a transaction, or the
// pool for a write of one statement.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// write runs fn as one transaction: in a transaction of its own, committed
// if fn returns nil, when inTx is set; otherwise on the pool, for an fn
// that sends one statement, which PostgreSQL runs as a transaction of its
// own (saving the round trips of BEGIN and COMMIT). A transaction the
// server aborted as a deadlock victim or for a serialization failure is
// run again, up to Config.TxTriesMax times in all; fn must therefore start
// from its arguments each time, not from what an aborted try left.
func (s *Store) write(ctx context.Context, inTx bool, fn func(q querier) error) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err // before taking a connection: nothing was sent
	}
	var err error
	for range s.cfg.TxTriesMax {
		if inTx {
			err = pgx.BeginTxFunc(ctx, s.pool, readCommitted, func(tx pgx.Tx) error { return fn(tx) })
		} else {
			err = fn(s.pool)
		}
		if !retryable(err) || ctx.Err() != nil {
			break
		}
	}
	return err
}

// PostgreSQL error codes the store tells apart.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

func pgCode(err error) (code, constraint string) {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code, e.ConstraintName
	}
	return "", ""
}

func retryable(err error) bool {
	code, _ := pgCode(err)
	return code == codeSerializationFailure || code == codeDeadlockDetected
}
