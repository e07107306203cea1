package postgres

import (
	"errors"
	"time"
)

// Config holds the settings of a PostgreSQL store. Its zero value works:
// each field's zero means the default its comment names.
type Config struct {
	// MaxConns bounds the pool of connections to the database, shared by
	// reads and writes; a call finding every connection busy waits for one,
	// or until its context is done. Zero means the DSN's pool_max_conns if
	// it has one, else MaxConnsDefault (16). Several nodes each hold their
	// own pool: their sum must stay under the server's max_connections.
	MaxConns int32

	// TxTriesMax bounds how many times a write is run when the server
	// aborts its transaction as a deadlock victim or for a serialization
	// failure (which PostgreSQL-compatible distributed engines return
	// under contention); the last failure is returned. Zero means 3. Writes
	// take their row locks in one order, so PostgreSQL itself should not
	// need a second try.
	TxTriesMax int

	// VersionReadTimeout bounds one read of the configuration generation
	// (ConfigVersion), which the requests arriving meanwhile share and
	// wait for; each also stops waiting when its own context ends. Zero
	// means VersionReadTimeoutDefault (2 s).
	VersionReadTimeout time.Duration

	// Now stamps CreatedAt, UpdatedAt and events given no time. Nil means
	// time.Now. Every node stamps with its own clock.
	Now func() time.Time
}

// Defaults of Config; see its fields.
const (
	MaxConnsDefault           = 16
	TxTriesMaxDefault         = 3
	VersionReadTimeoutDefault = 2 * time.Second
)

// withDefaults returns c with every zero field set to its default, or an
// error for a negative setting, which is a mistake rather than a wish.
// dsnMaxConns reports whether the DSN set pool_max_conns itself.
func (c Config) withDefaults(dsnMaxConns bool) (Config, error) {
	if c.MaxConns < 0 || c.TxTriesMax < 0 || c.VersionReadTimeout < 0 {
		return c, errors.New("postgres: config: negative setting")
	}
	if c.MaxConns == 0 && !dsnMaxConns {
		c.MaxConns = MaxConnsDefault
	}
	if c.TxTriesMax == 0 {
		c.TxTriesMax = TxTriesMaxDefault
	}
	if c.VersionReadTimeout == 0 {
		c.VersionReadTimeout = VersionReadTimeoutDefault
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}
