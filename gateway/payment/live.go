package payment

import (
	"context"
	"fmt"
	"sync"
)

// liveSet tracks the attempts this process is working on, so that the
// foreground request, a concurrent reversal and the background resolver
// never act on one attempt at once, and so that a repeat can wait for the
// first request's answer.
type liveSet struct {
	mu sync.Mutex // guards m
	m  map[string]*live
}

// live is one attempt being worked on. mu serialises state changes; a is the
// current state, read and replaced only under mu (use snapshot), and
// replaced only after the store accepted the change.
type live struct {
	id   string // a.ID, which never changes; readable without mu
	mu   sync.Mutex
	a    *Attempt
	done chan struct{} // closed when the owner releases the attempt
}

// claim registers a copy of a as owned by the caller; false when someone
// owns it. The caller's a stays the caller's.
func (s *liveSet) claim(a *Attempt) (*live, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[a.ID]; ok {
		return nil, false
	}
	c := *a
	l := &live{id: a.ID, a: &c, done: make(chan struct{})}
	s.m[a.ID] = l
	return l, true
}

func (s *liveSet) get(id string) *live {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id]
}

func (s *liveSet) release(l *live) {
	s.mu.Lock()
	delete(s.m, l.id)
	s.mu.Unlock()
	close(l.done)
}

// reload replaces the live copy with the stored attempt. It reads under the
// live lock, which every transition holds while it writes, so a change made
// meanwhile by someone who found the attempt live (a reversal) is read, not
// overwritten by an older copy.
func (e *Engine) reload(ctx context.Context, l *live) (*Attempt, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, err := e.cfg.Store.Attempt(ctx, l.id)
	if err != nil {
		return nil, err
	}
	c := *a
	l.a = &c
	return a, nil
}

// snapshot returns a copy of the current attempt.
func (l *live) snapshot() *Attempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := *l.a
	return &c
}

// transition changes the attempt with change, but only if its current state
// is one of from, and journals the change as event typ. It reports whether
// the change was made; on a store error nothing changes in memory either.
func (e *Engine) transition(ctx context.Context, l *live, from []State, typ, detail string, change func(a *Attempt)) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !stateIn(l.a.State, from) {
		return false, nil
	}
	next := *l.a
	change(&next)
	if next.State.Final() {
		next.NextActionAt = next.NextActionAt.Truncate(0)
	}
	start := e.now()
	err := e.cfg.Store.UpdateAttempt(ctx, &next, Event{AttemptID: next.ID, At: start, Type: typ, Detail: detail})
	e.cfg.Observer.Stage("journal", next.Scheme, "update", outcomeOf(err), e.now().Sub(start))
	if err != nil {
		return false, fmt.Errorf("journal %s of %s: %w", typ, next.ID, err)
	}
	l.a = &next
	return true, nil
}

func stateIn(s State, set []State) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

func outcomeOf(err error) string {
	if err != nil {
		return "error"
	}
	return "success"
}
