package contract

import (
	"context"
	"log/slog"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// CallLog logs the outcome of an adapter's calls to its wallet: a warning
// for each call whose outcome is unknown, the lines operators look for when
// the gateway resolves a payment, and a debug line for each answered one.
// Every line carries the scheme id, the operation and the idempotency key;
// an attribute holding a wallet code must be masked by the caller
// (walletcode.Mask). It is safe for concurrent use.
type CallLog struct {
	log               *slog.Logger
	unknown, answered string
}

// NewCallLog returns the CallLog of the adapter of scheme, whose messages
// begin with name (e.g. "alipayplus call answered"). A nil log is
// slog.Default().
func NewCallLog(log *slog.Logger, scheme, name string) *CallLog {
	if log == nil {
		log = slog.Default()
	}
	return &CallLog{
		log:      log.With(slog.String("scheme", scheme)),
		unknown:  name + " call outcome unknown",
		answered: name + " call answered",
	}
}

// Unknown logs, as a warning, a call op under key whose outcome is not
// known, with err scrubbed of anything that could be a wallet code.
func (l *CallLog) Unknown(ctx context.Context, op, key string, err error, attrs ...slog.Attr) {
	attrs = append(attrs, slog.String("op", op), slog.String("idempotency_key", key),
		slog.String("error", walletcode.Scrub(err.Error())))
	l.log.LogAttrs(ctx, slog.LevelWarn, l.unknown, attrs...)
}

// Answered logs, at debug level, the result r of a call op under key.
func (l *CallLog) Answered(ctx context.Context, op, key string, r *schemev1.Result, attrs ...slog.Attr) {
	attrs = append(attrs, slog.String("op", op), slog.String("idempotency_key", key),
		slog.String("status", r.GetStatus().String()), slog.String("reason", r.GetReason().String()),
		slog.String("scheme_code", r.GetSchemeCode()))
	l.log.LogAttrs(ctx, slog.LevelDebug, l.answered, attrs...)
}
