package terminal

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meridian-gw/meridian/gateway/metrics"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("terminal: server closed")

// Handler answers one decoded terminal request. It returns the response to
// send, or nil to send nothing (never for a request that needs an answer).
// It is called concurrently, also for requests of one connection.
type Handler interface {
	ServeISO(ctx context.Context, req *wire.Message) *wire.Message
}

// Defaults of Server's zero-valued limits.
const (
	DefaultMaxConnections = 10000
	DefaultMaxInFlight    = 64
	DefaultIdleTimeout    = 5 * time.Minute
	DefaultReadTimeout    = 30 * time.Second
	DefaultWriteTimeout   = 10 * time.Second
)

// Server serves terminals. Its fields are its options; set them before
// Serve. The zero value of every limit means the default named next to it.
type Server struct {
	// Handler answers requests; required.
	Handler Handler
	// TLSConfig, when set, makes the server speak TLS.
	TLSConfig *tls.Config
	// MaxConnections bounds open connections; further ones are closed at
	// once. Default DefaultMaxConnections.
	MaxConnections int
	// MaxInFlight bounds requests of one connection being processed at
	// once; the server stops reading that connection while it is reached.
	// Default DefaultMaxInFlight.
	MaxInFlight int
	// MaxMessageSize bounds a message; a larger length header closes the
	// connection. Default and ceiling wire.MaxMessageLength (8,192 bytes).
	MaxMessageSize int
	// IdleTimeout closes a connection on which no message starts for this
	// long. Default DefaultIdleTimeout (5 minutes).
	IdleTimeout time.Duration
	// ReadTimeout bounds reading the rest of a message once its length
	// header arrived. Default DefaultReadTimeout.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing one response. Default DefaultWriteTimeout.
	WriteTimeout time.Duration
	// Logger receives the server's logs; default slog.Default().
	Logger *slog.Logger
	// Metrics, when set, receives counts and latencies.
	Metrics *metrics.Metrics

	mu sync.Mutex // guards listeners, conns, closed
	// listeners is keyed by pointer: a listener's dynamic type need not be
	// comparable.
	listeners map[*net.Listener]struct{}
	conns     map[*conn]struct{}
	closed    bool
	active    sync.WaitGroup // one per connection
	nconns    atomic.Int64
}

// ListenAndServe listens on addr and serves.
func (s *Server) ListenAndServe(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("terminal: listen on %s: %w", addr, err)
	}
	return s.Serve(ln)
}

// Serve accepts connections on ln until Shutdown or Close; it always
// returns a non-nil error, ErrServerClosed after Shutdown or Close.
func (s *Server) Serve(ln net.Listener) error {
	if s.Handler == nil {
		return errors.New("terminal: server has no handler")
	}
	if s.TLSConfig != nil {
		ln = tls.NewListener(ln, s.TLSConfig)
	}
	if !s.track(&ln) {
		ln.Close()
		return ErrServerClosed
	}
	defer s.untrack(&ln)
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			if temporary(err) {
				// Out of file descriptors and the like: back off, do not die.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.logger().Warn("terminal: accept failed; retrying", "err", err, "in", delay)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("terminal: accept: %w", err)
		}
		delay = 0
		if int(s.nconns.Load()) >= s.maxConnections() {
			s.reject("limit")
			nc.Close()
			continue
		}
		c := s.newConn(nc)
		if c == nil {
			nc.Close()
			return ErrServerClosed
		}
		go c.serve()
	}
}

// temporary reports whether an accept error passes (a timeout, EMFILE,
// ENFILE, ECONNABORTED), so Serve backs off instead of returning.
func temporary(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// Shutdown stops accepting, stops reading new requests, lets the requests
// in flight be answered, then closes every connection. If ctx ends first it
// closes them at once, cancels the contexts of the requests still running,
// and returns ctx's error without waiting for them; what was in flight is in
// the journal and the payment engine finishes it.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for ln := range s.listeners {
		(*ln).Close()
	}
	for c := range s.conns {
		c.stopReading()
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() { s.active.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.Close()
		return ctx.Err()
	}
}

// Close closes listeners and connections at once and cancels the contexts
// of the requests in flight. It does not wait for their handlers.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for ln := range s.listeners {
		(*ln).Close()
	}
	for c := range s.conns {
		c.cancel()
		c.nc.Close()
	}
	return nil
}

// Connections is the number of open connections.
func (s *Server) Connections() int { return int(s.nconns.Load()) }

func (s *Server) track(ln *net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.listeners == nil {
		s.listeners = make(map[*net.Listener]struct{})
	}
	s.listeners[ln] = struct{}{}
	return true
}

func (s *Server) untrack(ln *net.Listener) {
	s.mu.Lock()
	delete(s.listeners, ln)
	s.mu.Unlock()
}

func (s *Server) newConn(nc net.Conn) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	if s.conns == nil {
		s.conns = make(map[*conn]struct{})
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{
		srv:      s,
		ctx:      ctx,
		cancel:   cancel,
		nc:       nc,
		slots:    make(chan struct{}, s.maxInFlight()),
		reader:   bufio.NewReaderSize(nc, 4096),
		writer:   bufio.NewWriterSize(nc, 4096),
		stopping: make(chan struct{}),
	}
	s.conns[c] = struct{}{}
	s.active.Add(1)
	s.nconns.Add(1)
	if s.Metrics != nil {
		s.Metrics.Connections.Inc()
	}
	return c
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.nconns.Add(-1)
	if s.Metrics != nil {
		s.Metrics.Connections.Dec()
	}
	s.active.Done()
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Server) reject(reason string) {
	if s.Metrics != nil {
		s.Metrics.Rejected.WithLabelValues(reason).Inc()
	}
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Server) maxConnections() int { return orDefault(s.MaxConnections, DefaultMaxConnections) }
func (s *Server) maxInFlight() int    { return orDefault(s.MaxInFlight, DefaultMaxInFlight) }
func (s *Server) maxMessageSize() int {
	if s.MaxMessageSize <= 0 || s.MaxMessageSize > wire.MaxMessageLength {
		return wire.MaxMessageLength
	}
	return s.MaxMessageSize
}
func (s *Server) idleTimeout() time.Duration  { return orDefault(s.IdleTimeout, DefaultIdleTimeout) }
func (s *Server) readTimeout() time.Duration  { return orDefault(s.ReadTimeout, DefaultReadTimeout) }
func (s *Server) writeTimeout() time.Duration { return orDefault(s.WriteTimeout, DefaultWriteTimeout) }

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// recovered logs a panic confined to one message; the stack never holds
// message bytes, only code locations.
func (s *Server) recovered(p any, remote string) {
	s.reject("panic")
	s.logger().Error("terminal: panic while handling a message; connection closed", "remote", remote, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
}
