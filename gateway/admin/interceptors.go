package admin

import (
	"context"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// The unary chain, outermost first:
//
//  1. observe: logs every call (method, acquirer, actor, request ID, code,
//     duration) and counts it; outermost, so that it sees the final code of
//     a refused or panicking call.
//  2. recoverPanic: a panic becomes Internal for that call alone, logged
//     with its stack.
//  3. authenticate: every method of the admin API needs a caller; the
//     health service does not (load balancers probe it).

// apiPrefix starts the full method name of every admin API method.
const apiPrefix = "/meridian.admin.v1."

// call is what the chain learns of a call, shared by its interceptors and
// the handler through the context.
type call struct {
	requestID string  // the x-request-id metadata, if sane
	caller    *Caller // set by authenticate
}

type callKey struct{}

func callOf(ctx context.Context) *call {
	if c, ok := ctx.Value(callKey{}).(*call); ok {
		return c
	}
	return &call{}
}

// requestIDOf reads x-request-id: kept only if it is a sane ID, since it
// goes into logs and the audit log.
func requestIDOf(ctx context.Context) string {
	md, _ := metadata.FromIncomingContext(ctx)
	v := md.Get(requestIDHeader)
	if len(v) == 0 || v[0] == "" || len(v[0]) > requestIDMax || !printable(v[0], false) {
		return ""
	}
	return v[0]
}

// observer logs and counts calls.
type observer struct {
	log      *slog.Logger
	requests *prometheus.CounterVec   // method, code; nil: no metrics
	latency  *prometheus.HistogramVec // method
}

func (o *observer) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	c := &call{requestID: requestIDOf(ctx)}
	resp, err := handler(context.WithValue(ctx, callKey{}, c), req)
	o.done(ctx, info.FullMethod, c, status.Code(err), time.Since(start))
	return resp, err
}

func (o *observer) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	start := time.Now()
	err := handler(srv, ss)
	o.done(ss.Context(), info.FullMethod, &call{}, status.Code(err), time.Since(start))
	return err
}

func (o *observer) done(ctx context.Context, method string, c *call, code codes.Code, d time.Duration) {
	attrs := []any{"method", method, "code", code.String(), "duration", d}
	if c.caller != nil {
		attrs = append(attrs, "acquirer", c.caller.Acquirer.ID, "actor", c.caller.Actor)
	}
	if c.requestID != "" {
		attrs = append(attrs, "request_id", c.requestID)
	}
	// Health probes and reflection come often and say little: debug.
	level := slog.LevelDebug
	switch {
	case code == codes.Internal || code == codes.Unknown:
		level = slog.LevelError
	case strings.HasPrefix(method, apiPrefix):
		level = slog.LevelInfo
	}
	o.log.Log(ctx, level, "admin call", attrs...)
	if o.requests != nil {
		o.requests.WithLabelValues(method, code.String()).Inc()
		o.latency.WithLabelValues(method).Observe(d.Seconds())
	}
}

// recoverPanic confines a panic to its call.
func recoverPanic(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				log.ErrorContext(ctx, "admin call panicked", "method", info.FullMethod, "panic", r, "stack", string(debug.Stack()))
				resp, err = nil, status.Error(codes.Internal, "internal error")
			}
		}()
		return handler(ctx, req)
	}
}

// recoverStreamPanic is recoverPanic for streams (server reflection).
func recoverStreamPanic(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if r := recover(); r != nil {
				log.Error("admin stream panicked", "method", info.FullMethod, "panic", r, "stack", string(debug.Stack()))
				err = status.Error(codes.Internal, "internal error")
			}
		}()
		return handler(srv, ss)
	}
}

// authenticate refuses an admin API call without a valid caller.
func (a *authenticator) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if !strings.HasPrefix(info.FullMethod, apiPrefix) {
		return handler(ctx, req)
	}
	caller, err := a.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	callOf(ctx).caller = caller
	return handler(ctx, req)
}

// newMetrics registers the call counters on reg, or reuses those a server
// registered there before.
func newMetrics(reg prometheus.Registerer) (*prometheus.CounterVec, *prometheus.HistogramVec, error) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "meridian_admin_requests_total",
		Help: "Admin API calls answered, by method and gRPC code.",
	}, []string{"method", "code"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "meridian_admin_request_duration_seconds",
		Help:    "Time to answer an admin API call, by method.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method"})
	var err error
	if requests, err = register(reg, requests); err != nil {
		return nil, nil, err
	}
	if latency, err = register(reg, latency); err != nil {
		return nil, nil, err
	}
	return requests, latency, nil
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		if already, ok := err.(prometheus.AlreadyRegisteredError); ok {
			if existing, ok := already.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, err
	}
	return c, nil
}
