package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/invariant"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

var _ payment.Store = (*SQLite)(nil)

var (
	// ErrClosed is returned by every call made after Close.
	ErrClosed = errors.New("store is closed")

	// ErrInvariant is returned for a write that would break an invariant of
	// the journal: an attempt without ID or kind, a negative amount, a final
	// state moved back, a changed amount. It is a programmer error in the
	// caller, returned rather than panicked so that one bad request does not
	// take down every terminal's session. It is invariant.ErrViolated, which
	// every payment.Store of this module returns for the same writes.
	ErrInvariant = invariant.ErrViolated
)

// SQLite is a payment.Store on one SQLite database file. Writes go through
// one connection, fed by one goroutine that group-commits them; reads use a
// separate pool of connections, which WAL lets run beside the writer. It is
// safe for concurrent use.
//
// A write's context is honoured while it waits for room in the write queue
// and while it waits for its answer. A write already queued, though, still
// commits or fails as a whole even if its caller gave up: the error that
// caller gets wraps its context's error and says the write may still
// commit, so the caller must treat the outcome as unknown (re-read).
type SQLite struct {
	cfg Config

	writeDB *sql.DB   // one connection: writeConn
	write   *sql.Conn // used by the writer goroutine only, once it runs
	writer  *writer

	readDB *sql.DB
	reads  readStatements

	// configVersion is the generation ConfigVersion returns: moved on
	// after every write that may change a merchant, terminal or merchant
	// policy has committed or failed, before its caller is answered.
	configVersion atomic.Uint64

	closed      atomic.Bool
	checkpoints *checkpointer // copies the log into the database file

	closeOnce sync.Once
	closeErr  error
}

// OpenSQLite opens the database file at path, creating it and its parent
// directory if missing, applies the schema migrations it lacks, and starts
// the writer. Close releases it.
func OpenSQLite(ctx context.Context, path string, cfg Config) (*SQLite, error) {
	return openSQLite(ctx, path, cfg, writerHooks{})
}

func openSQLite(ctx context.Context, path string, cfg Config, hooks writerHooks) (*SQLite, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	migrations, err := loadMigrations(schemaFiles, "migrations")
	if err != nil {
		return nil, err
	}
	if len(migrations) == 0 {
		return nil, errNoMigrations
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &SQLite{cfg: cfg}
	if err := s.openWriter(ctx, path, migrations, hooks); err != nil {
		s.release()
		return nil, err
	}
	if err := s.openReaders(ctx, path); err != nil {
		s.release()
		return nil, err
	}
	if s.checkpoints, err = newCheckpointer(ctx, path, cfg); err != nil {
		s.release()
		return nil, err
	}
	s.writer.start()
	s.checkpoints.start()
	return s, nil
}

// openWriter opens the one write connection, checks that the pragmas the
// durability promise rests on took effect, and migrates the schema.
func (s *SQLite) openWriter(ctx context.Context, path string, migrations []migration, hooks writerHooks) error {
	dsn, err := writerDSN(path, s.cfg)
	if err != nil {
		return err
	}
	if s.writeDB, err = sql.Open("sqlite", dsn); err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	s.writeDB.SetMaxOpenConns(1)
	if s.write, err = s.writeDB.Conn(ctx); err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := checkDurability(ctx, s.write); err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := migrate(ctx, s.write, migrations, s.cfg.Now()); err != nil {
		return err
	}
	s.writer, err = newWriter(ctx, s.write, s.cfg, hooks)
	return err
}

// checkDurability reads back journal_mode, synchronous and foreign_keys: a
// pragma the driver ignored would otherwise silently void the promise that
// a nil return means on disk.
func checkDurability(ctx context.Context, conn *sql.Conn) error {
	var mode string
	var synchronous, foreignKeys int
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&synchronous); err != nil {
		return err
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&foreignKeys); err != nil {
		return err
	}
	const synchronousFull = 2
	if mode != "wal" || synchronous != synchronousFull || foreignKeys != 1 {
		return fmt.Errorf("pragmas not in effect: journal_mode=%s synchronous=%d foreign_keys=%d",
			mode, synchronous, foreignKeys)
	}
	return nil
}

func (s *SQLite) openReaders(ctx context.Context, path string) error {
	dsn, err := readerDSN(path, s.cfg)
	if err != nil {
		return err
	}
	if s.readDB, err = sql.Open("sqlite", dsn); err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	s.readDB.SetMaxOpenConns(s.cfg.ReadConnsMax)
	s.readDB.SetMaxIdleConns(s.cfg.ReadConnsMax)
	if err := s.reads.prepare(ctx, s.readDB); err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	return nil
}

// Close stops taking writes, lets the writer commit every write already
// queued, answers their callers, and closes the database. Calls made after
// Close return ErrClosed. Close is idempotent.
func (s *SQLite) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		if s.writer != nil {
			s.writer.stop()
		}
		var errs []error
		if s.checkpoints != nil {
			if err := s.checkpoints.close(); err != nil {
				errs = append(errs, fmt.Errorf("store: close the checkpointer: %w", err))
			}
		}
		s.closeErr = errors.Join(append(errs, s.release())...)
	})
	return s.closeErr
}

// release closes whatever was opened; the writer goroutine, if it ran, must
// have stopped.
func (s *SQLite) release() error {
	var errs []error
	s.reads.close()
	if s.writer != nil {
		s.writer.statements.close()
	}
	if s.write != nil {
		errs = append(errs, s.write.Close())
	}
	if s.writeDB != nil {
		errs = append(errs, s.writeDB.Close())
	}
	if s.readDB != nil {
		errs = append(errs, s.readDB.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Stats returns counters of the writer since Open.
func (s *SQLite) Stats() Stats {
	st := s.writer.stats.snapshot()
	st.Checkpoints = s.checkpoints.runs.Load()
	st.CheckpointedPages = s.checkpoints.pages.Load()
	st.CheckpointFailures = s.checkpoints.failed.Load()
	return st
}
