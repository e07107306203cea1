package payment

import "context"

// CreateForTest journals a new attempt exactly as a request does (create)
// and keeps it claimed, as a request in flight does, until release is
// called. Tests use it to look at an attempt in flight at a chosen moment.
func (e *Engine) CreateForTest(ctx context.Context, a *Attempt) (release func(), err error) {
	l, err := e.create(ctx, a)
	if err != nil {
		return nil, err
	}
	return func() { e.live.release(l) }, nil
}
