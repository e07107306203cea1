package schemes

import (
	"errors"
	"fmt"
	"sort"
	"sync"
)

// Registry holds the configured adapters by scheme id. It is safe for
// concurrent use.
type Registry struct {
	mu      sync.RWMutex // guards clients
	clients map[string]*Client
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{clients: make(map[string]*Client)}
}

// Add registers c under its scheme id. A second client for one scheme is an
// error: configuration must say one thing.
func (r *Registry) Add(c *Client) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.clients[c.Scheme()]; ok {
		return fmt.Errorf("schemes: adapter for %s configured twice", c.Scheme())
	}
	r.clients[c.Scheme()] = c
	return nil
}

// Client returns the adapter client for scheme.
func (r *Registry) Client(scheme string) (*Client, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.clients[scheme]
	return c, ok
}

// Schemes lists the registered scheme ids, sorted.
func (r *Registry) Schemes() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.clients))
	for s := range r.clients {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Close closes every client.
func (r *Registry) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for _, c := range r.clients {
		errs = append(errs, c.Close())
	}
	r.clients = map[string]*Client{}
	return errors.Join(errs...)
}
