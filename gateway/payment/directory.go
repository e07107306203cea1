package payment

import (
	"context"
	"errors"

	lru "github.com/hashicorp/golang-lru/v2"
)

// ConfigVersion tells the generation of what the engine's admission reads:
// merchants, terminals and merchant policies. Stores that can tell it
// implement it.
type ConfigVersion interface {
	// ConfigVersion returns the current generation. Every committed change
	// of a merchant, a terminal or a merchant policy changes it, before
	// the call making the change returns; a ConfigVersion call that starts
	// after that return gets a generation no call returned before the
	// change. It is called on every terminal request: it must be cheap,
	// and return early when ctx ends.
	ConfigVersion(ctx context.Context) (uint64, error)
}

// DefaultDirectoryMax is Config.DirectoryMax's default: how many
// terminals, and as many merchants and policies, the engine keeps in memory.
const DefaultDirectoryMax = 50_000

// directory keeps the terminals, merchants and policies requests read, each
// with the configuration generation it was read at, so that a request at
// the same generation need not read it again. A row is always read from the
// store after its generation was: so it is at least as new as that
// generation, and an entry is never used once a change has made the
// generation move on. The caches lock only for their own bookkeeping, never
// across a store read; two requests missing the same row at once both read
// it.
type directory struct {
	version   ConfigVersion
	terminals *lru.Cache[string, entry[*Terminal]]
	merchants *lru.Cache[string, entry[*Merchant]]
	policies  *lru.Cache[string, entry[MerchantPolicy]]
}

// entry is one row as read at generation version: its value, or the
// store's ErrNotFound, which is kept as well, so that a request for an
// unknown terminal does not cost a read each time either.
type entry[T any] struct {
	version uint64
	value   T
	err     error
}

// newDirectory returns a directory keeping up to size rows of each kind,
// or nil, which reads every row from the store, when version is nil.
func newDirectory(version ConfigVersion, size int) (*directory, error) {
	if version == nil {
		return nil, nil
	}
	if size <= 0 {
		size = DefaultDirectoryMax
	}
	d := &directory{version: version}
	var err error
	if d.terminals, err = lru.New[string, entry[*Terminal]](size); err != nil {
		return nil, err
	}
	if d.merchants, err = lru.New[string, entry[*Merchant]](size); err != nil {
		return nil, err
	}
	if d.policies, err = lru.New[string, entry[MerchantPolicy]](size); err != nil {
		return nil, err
	}
	return d, nil
}

// generation is the configuration generation one request reads at; with
// ok false the request uses no cached row (there is no directory, or the
// generation could not be read).
type generation struct {
	version uint64
	ok      bool
}

// generation reads the current configuration generation. It is read once
// per request, before any row, so that every row the request reads from
// the store is at least as new as the generation it is cached under.
func (e *Engine) generation(ctx context.Context) generation {
	if e.dir == nil {
		return generation{}
	}
	v, err := e.dir.version.ConfigVersion(ctx)
	if err != nil {
		// The request reads the store itself, which answers or fails
		// as it does without a directory.
		return generation{}
	}
	return generation{version: v, ok: true}
}

// cached returns the row of id in c if it was read at generation g, else
// what load reads, which it keeps for the next request at g. Only a row
// found and ErrNotFound are kept: any other error is the store's trouble
// of the moment.
func cached[T any](c *lru.Cache[string, entry[T]], g generation, id string, load func() (T, error)) (T, error) {
	if g.ok {
		if e, ok := c.Get(id); ok && e.version == g.version {
			return e.value, e.err
		}
	}
	v, err := load()
	if g.ok && (err == nil || errors.Is(err, ErrNotFound)) {
		c.Add(id, entry[T]{version: g.version, value: v, err: err})
	}
	return v, err
}

// terminal returns the terminal id as of generation g or later. The row
// returned is a copy: the cached one is shared by every request.
func (e *Engine) terminal(ctx context.Context, g generation, id string) (*Terminal, error) {
	load := func() (*Terminal, error) { return e.cfg.Store.Terminal(ctx, id) }
	if e.dir == nil {
		return load()
	}
	t, err := cached(e.dir.terminals, g, id, load)
	if err != nil {
		return nil, err
	}
	c := *t
	return &c, nil
}

// merchant returns the merchant id as of generation g or later: a copy,
// whose Schemes it shares with the cached row (no one writes them).
func (e *Engine) merchant(ctx context.Context, g generation, id string) (*Merchant, error) {
	load := func() (*Merchant, error) { return e.cfg.Store.Merchant(ctx, id) }
	if e.dir == nil {
		return load()
	}
	m, err := cached(e.dir.merchants, g, id, load)
	if err != nil {
		return nil, err
	}
	c := *m
	return &c, nil
}

// merchantPolicy returns the policy of merchant id as of generation g or
// later. Its Markup map is shared with the cached policy: no one writes it.
func (e *Engine) merchantPolicy(ctx context.Context, g generation, id string) (MerchantPolicy, error) {
	load := func() (MerchantPolicy, error) { return e.cfg.Policies.MerchantPolicy(ctx, id) }
	if e.dir == nil {
		return load()
	}
	return cached(e.dir.policies, g, id, load)
}
