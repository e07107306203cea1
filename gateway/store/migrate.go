package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
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

// loadMigrations reads the *.sql files of dir in fsys, in version order, and
// checks they are numbered 1, 2, 3... without gap or repeat, so that a
// misnamed file fails at start instead of being skipped.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	list := make([]migration, 0, len(names))
	for _, name := range names {
		base := path.Base(name)
		number, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(number)
		if !ok || err != nil || version <= 0 {
			return nil, fmt.Errorf("store: migration %s: name must be NNNN_what.sql", base)
		}
		script, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("store: migration %s: %w", base, err)
		}
		list = append(list, migration{version: version, name: base, script: string(script)})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].version < list[j].version })
	for i, m := range list {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migration %s: expected version %d", m.name, i+1)
		}
	}
	return list, nil
}

// migrate applies, in one transaction, every migration newer than the
// database's version, recording each in schema_migrations. Either all of
// them apply or none does. A database newer than this binary is refused:
// running old code on a newer schema could write what the new code no
// longer expects.
func migrate(ctx context.Context, conn *sql.Conn, list []migration, now time.Time) (err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("store: migrate: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	const bootstrap = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`
	if _, err := conn.ExecContext(ctx, bootstrap); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	var current int
	row := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
	if err := row.Scan(&current); err != nil {
		return fmt.Errorf("store: migrate: read version: %w", err)
	}
	if current > len(list) {
		return fmt.Errorf("store: migrate: database is at version %d, this binary knows %d", current, len(list))
	}
	for _, m := range list[current:] {
		if _, err := conn.ExecContext(ctx, m.script); err != nil {
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
		const record = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"
		if _, err := conn.ExecContext(ctx, record, m.version, m.name, now.UnixNano()); err != nil {
			return fmt.Errorf("store: migration %s: record: %w", m.name, err)
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("store: migrate: commit: %w", err)
	}
	return nil
}

// errNoMigrations guards against a build that embedded no schema.
var errNoMigrations = errors.New("store: no migrations embedded")
