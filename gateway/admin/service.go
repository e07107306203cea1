package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"reflect"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/meridian-gw/meridian/gateway/payment"
)

// core is what every service's handlers share. Handlers are thin: they
// check the request's fields, call the store (or the refunder), and turn
// its error into a status with statusOf.
type core struct {
	store    Store
	payments payment.Store
	refunder Refunder
	schemes  map[string]bool // scheme IDs merchants may enable
	log      *slog.Logger
}

// caller returns the authenticated caller of an admin API call.
func (c *core) caller(ctx context.Context) (*Caller, error) {
	if caller := callOf(ctx).caller; caller != nil {
		return caller, nil
	}
	// Only reachable if the server were assembled without the chain.
	return nil, status.Error(codes.Unauthenticated, "not authenticated")
}

// fail turns an error met acting on object into the caller's status.
func (c *core) fail(ctx context.Context, err error, object string) error {
	return statusOf(ctx, c.log, err, object)
}

// event starts the audit event of a change the caller makes; change is
// marshalled to JSON.
func (c *core) event(ctx context.Context, caller *Caller, action, object string, change any) AuditEvent {
	return AuditEvent{
		AcquirerID: caller.Acquirer.ID,
		Actor:      caller.Actor,
		Action:     action,
		Object:     object,
		RequestID:  callOf(ctx).requestID,
		Change:     changeJSON(change),
	}
}

// request makes the idempotency record of a create: content is what the
// client sent, hashed with the action, so that the same request ID with
// other content, or for another action, is told apart.
func (c *core) request(ctx context.Context, caller *Caller, requestID, action, object string, content, change any) Request {
	ev := c.event(ctx, caller, action, object, change)
	ev.RequestID = requestID
	return Request{ID: requestID, Hash: requestHash(action, content), Audit: ev}
}

func requestHash(action string, content any) string {
	b, _ := json.Marshal(content) // the callers' values are plain data
	h := sha256.New()
	h.Write([]byte(action))
	h.Write([]byte{0})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

func changeJSON(v any) string {
	if v == nil {
		return "{}"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// fieldChange is one changed field in the audit log.
type fieldChange struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// diff lists the fields (JSON names) in which two views of an object
// differ; nil when none does.
func diff(before, after any) map[string]fieldChange {
	var b, a map[string]any
	bb, _ := json.Marshal(before)
	ab, _ := json.Marshal(after)
	_ = json.Unmarshal(bb, &b)
	_ = json.Unmarshal(ab, &a)
	changes := map[string]fieldChange{}
	for k, v := range a {
		if !reflect.DeepEqual(b[k], v) {
			changes[k] = fieldChange{From: b[k], To: v}
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			changes[k] = fieldChange{From: v, To: nil}
		}
	}
	if len(changes) == 0 {
		return nil
	}
	return changes
}
