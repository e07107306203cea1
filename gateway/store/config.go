package store

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Config holds the settings of a SQLite store. Its zero value works: each
// field's zero means the default its comment names.
type Config struct {
	// BatchMax is the most writes the writer runs in one transaction, that
	// is under one commit and one fsync. Zero means 256.
	BatchMax int

	// BatchWait is how long the writer, having taken every write already
	// queued, waits for more before committing a batch smaller than
	// BatchMax. Zero (the default) means it does not wait: under load,
	// writes queue up while the previous commit's fsync runs, so batches
	// form by themselves, and a wait would only add latency when load is
	// light.
	BatchWait time.Duration

	// QueueMax bounds the writes waiting for the writer. A caller finding
	// the queue full waits for room, or until its context is done. Zero
	// means 4096.
	QueueMax int

	// ReadConnsMax bounds the pool of read connections, which WAL lets run
	// beside the writer. Zero means 8.
	ReadConnsMax int

	// BusyTimeout is how long a connection waits for a lock held by another
	// process (a backup, an operator's sqlite3 shell) before failing with
	// SQLITE_BUSY. Zero means 5 s.
	BusyTimeout time.Duration

	// Now stamps CreatedAt, UpdatedAt and events given no time. Nil means
	// time.Now.
	Now func() time.Time
}

// Defaults of Config; see its fields.
const (
	BatchMaxDefault     = 256
	QueueMaxDefault     = 4096
	ReadConnsMaxDefault = 8
	BusyTimeoutDefault  = 5 * time.Second
)

// withDefaults returns c with every zero field set to its default, or an
// error for a negative setting, which is a mistake rather than a wish.
func (c Config) withDefaults() (Config, error) {
	if c.BatchMax < 0 || c.BatchWait < 0 || c.QueueMax < 0 || c.ReadConnsMax < 0 || c.BusyTimeout < 0 {
		return c, errors.New("store: config: negative setting")
	}
	if c.BatchMax == 0 {
		c.BatchMax = BatchMaxDefault
	}
	if c.QueueMax == 0 {
		c.QueueMax = QueueMaxDefault
	}
	if c.ReadConnsMax == 0 {
		c.ReadConnsMax = ReadConnsMaxDefault
	}
	if c.BusyTimeout == 0 {
		c.BusyTimeout = BusyTimeoutDefault
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// walCheckpointPages is how many pages the log grows to (about 80 MiB of
// 4 KiB pages) before the writer copies them into the database file itself,
// at the end of a commit. The checkpointer (checkpoint.go) normally does it
// first, beside the writer; this bounds the log should it fall behind.
// Every commit of the journal rewrites the same few pages (the ends of the
// tables and their indexes), and a checkpoint copies each page once however
// many commits rewrote it: checkpointing twenty times less often than
// SQLite's default of 1000 pages lifted posim bench's gateway capacity by
// about 10 % (issue 7, docs/PERFORMANCE.md).
const walCheckpointPages = 20000

// writerCacheKiB is the writer connection's page cache, 64 MiB instead of
// SQLite's 2 MiB: the journal's indexes outgrow 2 MiB within minutes of
// load, after which every write read their pages back from the operating
// system. With it and the checkpointer, the p99 of posim bench's 60 s open
// loop at half capacity fell from about 500 ms to 80–150 ms
// (docs/PERFORMANCE.md).
const writerCacheKiB = 64 << 10

// writerDSN names the database for the one writer connection. The pragmas
// are what makes a nil return mean durable: WAL with synchronous=FULL fsyncs
// the log at every commit.
func writerDSN(path string, c Config) (string, error) {
	return dsn(path, c, "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)",
		fmt.Sprintf("cache_size(-%d)", writerCacheKiB),
		fmt.Sprintf("wal_autocheckpoint(%d)", walCheckpointPages))
}

// readerDSN names the database for the read pool. query_only makes a write
// slipped onto a reader fail instead of bypassing the group commit.
func readerDSN(path string, c Config) (string, error) {
	return dsn(path, c, "query_only(1)")
}

func dsn(path string, c Config, pragmas ...string) (string, error) {
	// The driver splits the name at the first '?' into path and
	// parameters, so a path holding one would be misread.
	if path == "" || strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") {
		return "", fmt.Errorf("store: path %q: must be a plain file path without '?'", path)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", c.BusyTimeout.Milliseconds()))
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	return path + "?" + q.Encode(), nil
}
