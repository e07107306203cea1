package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"
)

// The checkpointer copies the log into the database file from a connection
// of its own, every checkpointEvery, so that the writer does not: a
// checkpoint the writer ran itself at the end of a commit (SQLite's
// wal_autocheckpoint) copied tens of megabytes and fsynced the database
// file while every write waited behind it, which was the long tail of the
// journal's latency under load. A PASSIVE checkpoint runs beside the writer
// and readers and never waits for them; it copies what no reader still
// needs, and the writer starts the log again from its beginning once it is
// all copied. The writer still checkpoints by itself if the log outgrows
// walCheckpointPages, so a checkpointer that falls behind bounds the log
// rather than letting it grow.

// checkpointEvery is how often the checkpointer runs.
const checkpointEvery = 200 * time.Millisecond

type checkpointer struct {
	db     *sql.DB // one connection, used by run only
	stop   chan struct{}
	done   chan struct{}
	runs   atomic.Uint64
	pages  atomic.Uint64
	failed atomic.Uint64
}

func newCheckpointer(ctx context.Context, path string, cfg Config) (*checkpointer, error) {
	dsn, err := writerDSN(path, cfg)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: checkpointer: %w", err)
	}
	return &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}, nil
}

func (c *checkpointer) start() { go c.run() }

func (c *checkpointer) run() {
	defer close(c.done)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		c.checkpoint()
	}
}

// checkpoint runs one PASSIVE checkpoint. Its failure is counted, not
// fatal: the log stays whole and the writer checkpoints by itself past
// walCheckpointPages.
func (c *checkpointer) checkpoint() {
	var busy, logPages, copied int64
	err := c.db.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logPages, &copied)
	c.runs.Add(1)
	if err != nil {
		c.failed.Add(1)
		return
	}
	if copied > 0 {
		c.pages.Add(uint64(copied))
	}
}

// close stops the checkpointer and closes its connection.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}
