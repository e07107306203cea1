package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// schemaFiles holds the migrations, one SQL script each, named
// NNNN_what.sql. A migration once released is never edited: a change to the
// schema is a new file with the next number.
//
//go:embed migrations/*.sql
var schemaFiles embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	script  string
}

func loadMigrations() ([]migration, error) {
	list, err := readMigrations(schemaFiles, "migrations")
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errors.New("postgres: no migrations embedded")
	}
	return list, nil
}

// readMigrations reads the *.sql files of dir in fsys, in version order,
// and checks they are numbered 1, 2, 3... without gap or repeat, so that a
// misnamed file fails at start instead of being skipped.
func readMigrations(fsys fs.FS, dir string) ([]migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	list := make([]migration, 0, len(names))
	for _, name := range names {
		base := path.Base(name)
		number, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(number)
		if !ok || err != nil || version <= 0 {
			return nil, fmt.Errorf("postgres: migration %s: name must be NNNN_what.sql", base)
		}
		script, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("postgres: migration %s: %w", base, err)
		}
		list = append(list, migration{version: version, name: base, script: string(script)})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].version < list[j].version })
	for i, m := range list {
		if m.version != i+1 {
			return nil, fmt.Errorf("postgres: migration %s: expected version %d", m.name, i+1)
		}
	}
	return list, nil
}

// migrate applies every migration newer than the schema's version, each in
// its own transaction that also records it in schema_migrations, in order.
// It holds a session advisory lock, named after the schema, meanwhile: two
// nodes starting at once on a new database would otherwise both try to
// create it, and one would fail. The second waits, then finds nothing left
// to do. A schema newer than this binary is refused: running old code on a
// newer schema could write what the new code no longer expects.
func migrate(ctx context.Context, pool *pgxpool.Pool, list []migration, now time.Time) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer conn.Release()
	var schema *string
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	if schema == nil {
		return errors.New("postgres: migrate: no schema to create tables in: the search_path names none that exists")
	}
	key := migrationLockKey(*schema)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	defer func() {
		// The lock is the session's: if the unlock fails, closing the
		// connection ends the session and so releases it.
		unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unlockTimeout)
		defer cancel()
		if _, err := conn.Exec(unlockCtx, "SELECT pg_advisory_unlock($1)", key); err != nil {
			_ = conn.Conn().Close(unlockCtx)
		}
	}()
	return migrateLocked(ctx, conn.Conn(), list, now)
}

func migrateLocked(ctx context.Context, conn *pgx.Conn, list []migration, now time.Time) error {
	const bootstrap = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL
	)`
	if _, err := conn.Exec(ctx, bootstrap); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	var current int
	if err := conn.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&current); err != nil {
		return fmt.Errorf("postgres: migrate: read version: %w", err)
	}
	if current > len(list) {
		return fmt.Errorf("postgres: migrate: database is at version %d, this binary knows %d", current, len(list))
	}
	for _, m := range list[current:] {
		err := pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{}, func(tx pgx.Tx) error {
			// No arguments: pgx sends the script by the simple protocol,
			// which runs a script of several statements.
			if _, err := tx.Exec(ctx, m.script); err != nil {
				return err
			}
			const record = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)"
			_, err := tx.Exec(ctx, record, m.version, m.name, now)
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// unlockTimeout bounds the unlock after migrating, which runs even when the
// caller's context has ended.
const unlockTimeout = 5 * time.Second

// migrationLockKey names the advisory lock of one schema's migrations: a
// hash of the schema's name, so that journals in different schemas of one
// database migrate without waiting for each other.
func migrationLockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("meridian migrate " + schema))
	return int64(h.Sum64())
}
