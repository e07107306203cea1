package contract

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"
)

// Limits of an adapter's gRPC server (ServerOptions).
const (
	// MaxRecvMsgBytes bounds a request: adapter requests are a few hundred
	// bytes, so 1 MiB only stops a hostile or broken client.
	MaxRecvMsgBytes = 1 << 20
	// MaxConcurrentStreams bounds calls in flight on one connection.
	MaxConcurrentStreams = 1024
	// KeepaliveMinTime is the most often a client may ping; more often and
	// the server closes the connection.
	KeepaliveMinTime = 10 * time.Second
)

// errPanicked is what a call that panicked is answered: Internal, which for
// a money-moving call is an outcome the gateway treats as unknown and
// resolves by inquiry.
var errPanicked = status.Error(codes.Internal, "the adapter failed on this call; its outcome is not known")

// ServerOptions are the options every adapter server of this module is
// built with, in its own process (adapterd) or inside the gateway: the
// limits above, and a panic confined to the call that raised it (logged to
// log with its stack, answered Internal) so that the process goes on
// serving. A nil log is slog.Default().
func ServerOptions(log *slog.Logger) []grpc.ServerOption {
	if log == nil {
		log = slog.Default()
	}
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(MaxRecvMsgBytes),
		grpc.MaxConcurrentStreams(MaxConcurrentStreams),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: KeepaliveMinTime, PermitWithoutStream: true}),
		grpc.ChainUnaryInterceptor(recoverUnary(log)),
		grpc.ChainStreamInterceptor(recoverStream(log)),
	}
}

func recoverUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if p := recover(); p != nil {
				logPanic(log, info.FullMethod, p)
				resp, err = nil, errPanicked
			}
		}()
		return handler(ctx, req)
	}
}

// recoverStream covers a stream handler's own goroutine; ServePayStream
// covers the goroutines it starts for each call.
func recoverStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if p := recover(); p != nil {
				logPanic(log, info.FullMethod, p)
				err = errPanicked
			}
		}()
		return handler(srv, ss)
	}
}

func logPanic(log *slog.Logger, method string, p any) {
	log.Error("adapter call panicked", "method", method, "panic", p, "stack", string(debug.Stack()))
}
