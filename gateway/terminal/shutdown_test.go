package terminal

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// shutdownAsync runs Shutdown with a context of the given timeout and
// delivers its result.
func shutdownAsync(srv *Server, timeout time.Duration) <-chan error {
	result := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		result <- srv.Shutdown(ctx)
	}()
	return result
}

func waitShutdown(t *testing.T, result <-chan error) error {
	t.Helper()
	select {
	case err := <-result:
		return err
	case <-time.After(patience):
		t.Fatal("Shutdown did not return")
		return nil
	}
}

// waitRefused waits until connecting to addr fails or the connection is
// closed at once: nobody accepts there any more.
func waitRefused(t *testing.T, addr string) {
	t.Helper()
	eventually(t, "new connections are refused", func() bool {
		nc, err := net.DialTimeout("tcp", addr, patience)
		if err != nil {
			return true
		}
		defer nc.Close()
		_ = nc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		_, err = nc.Read(make([]byte, 1))
		var ne net.Error
		return err != nil && !(errors.As(err, &ne) && ne.Timeout())
	})
}

func TestServerShutdown(t *testing.T) {
	t.Run("Shutdown stops accepting, answers the requests in flight once released, then returns nil, and Serve returns ErrServerClosed", func(t *testing.T) {
		g := newGate(t)
		srv := startServer(t, &Server{Handler: holding(g, "TERM0001")})
		term := newTerminal("TERM0001")
		busy := dial(t, srv.addr)
		idle := dial(t, srv.addr)
		echo(t, idle, newTerminal("TERM0002"))

		var requests []*wire.Message
		responses := make(chan *wire.Message, 2)
		for range 2 {
			req := term.Purchase(1250, "281234567890123456")
			requests = append(requests, req)
			go func() {
				resp, err := tryDo(busy, req)
				if err != nil {
					t.Errorf("a request in flight during Shutdown: %v", err)
				}
				responses <- resp
			}()
		}
		g.waitEntered(t)
		g.waitEntered(t)

		result := shutdownAsync(srv.Server, time.Minute)
		waitRefused(t, srv.addr)
		waitClosed(t, idle, "Shutdown closes a connection with nothing in flight")
		select {
		case err := <-result:
			t.Fatalf("Shutdown returned %v while requests were in flight", err)
		case <-busy.Done():
			t.Fatal("Shutdown closed a connection with requests in flight")
		default:
		}

		g.open()
		for range requests {
			if resp := <-responses; resp != nil && resp.ResponseCode != wire.RCApproved {
				t.Errorf("a request in flight was answered %s, want 00", resp.ResponseCode)
			}
		}
		if err := waitShutdown(t, result); err != nil {
			t.Errorf("Shutdown returned %v, want nil", err)
		}
		waitClosed(t, busy, "Shutdown closes a connection once its requests are answered")
		if err := srv.serveResult(t); !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		if got := srv.Connections(); got != 0 {
			t.Errorf("Connections() = %d after Shutdown, want 0", got)
		}
	})

	t.Run("Shutdown returns the context's error and closes connections when a handler that honours its context outlasts it", func(t *testing.T) {
		entered := make(chan struct{}, 1)
		srv := startServer(t, &Server{Handler: handlerFunc(func(ctx context.Context, req *wire.Message) *wire.Message {
			entered <- struct{}{}
			<-ctx.Done()
			return nil
		})})
		c := dial(t, srv.addr)
		go tryDo(c, newTerminal("TERM0001").Network(wire.NetworkEcho))
		<-entered

		result := shutdownAsync(srv.Server, 100*time.Millisecond)
		waitClosed(t, c, "Shutdown's context expired")
		if err := waitShutdown(t, result); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown returned %v, want context.DeadlineExceeded", err)
		}
	})

	t.Run("Shutdown returns the context's error and closes connections when a handler blocks past it regardless of its context", func(t *testing.T) {
		g := newGate(t)
		srv := startServer(t, &Server{Handler: holding(g, "TERM0001")})
		c := dial(t, srv.addr)
		go tryDo(c, newTerminal("TERM0001").Network(wire.NetworkEcho))
		g.waitEntered(t)

		result := shutdownAsync(srv.Server, 100*time.Millisecond)
		waitClosed(t, c, "Shutdown's context expired")
		select {
		case err := <-result:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Shutdown returned %v, want context.DeadlineExceeded", err)
			}
		case <-time.After(patience):
			t.Error("Shutdown did not return after its context expired: it waits for a handler that is still blocked")
		}
		g.open() // only now, so that the handler cannot be what ended Shutdown
	})

	t.Run("Shutdown does not cancel the context of the requests it lets finish", func(t *testing.T) {
		entered := make(chan struct{}, 1)
		release := make(chan struct{})
		srv := startServer(t, &Server{Handler: handlerFunc(func(ctx context.Context, req *wire.Message) *wire.Message {
			entered <- struct{}{}
			select {
			case <-release:
				return respond(req, wire.RCApproved)
			case <-ctx.Done():
				// What a handler calling the payment engine would do: the
				// engine gives up and the terminal gets 96.
				return respond(req, wire.RCSystemMalfunction)
			}
		})})
		defer func() {
			select {
			case <-release:
			default:
				close(release)
			}
		}()
		c := dial(t, srv.addr)
		req := newTerminal("TERM0001").Purchase(1250, "281234567890123456")
		responses := make(chan *wire.Message, 1)
		go func() {
			resp, _ := tryDo(c, req)
			responses <- resp
		}()
		<-entered

		result := shutdownAsync(srv.Server, time.Minute)
		waitRefused(t, srv.addr)
		// The reader of the connection stops at once; give a wrongly
		// cancelled context the time to show in an answer.
		select {
		case resp := <-responses:
			t.Fatalf("the request in flight was answered %v before it was released: Shutdown cancelled its context", resp)
		case <-time.After(300 * time.Millisecond):
		}
		close(release)
		if resp := <-responses; resp == nil || resp.ResponseCode != wire.RCApproved {
			t.Errorf("the request in flight was answered %v, want 00", resp)
		}
		if err := waitShutdown(t, result); err != nil {
			t.Errorf("Shutdown returned %v, want nil", err)
		}
	})

	t.Run("Shutdown racing with a connection's reader between two frames still stops it at once", func(t *testing.T) {
		// The hooked connection holds the reader loop right where it starts
		// reading the next frame until Shutdown has stopped the reading:
		// the interleaving a busy terminal hits by chance.
		g := newGate(t)
		hooked := make(chan *holdConn, 1)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := serveOn(t, &Server{Handler: g, IdleTimeout: time.Hour, ReadTimeout: time.Second}, &hookListener{ln, func(nc net.Conn) net.Conn {
			hc := &holdConn{Conn: nc, stopped: make(chan struct{})}
			hooked <- hc
			return hc
		}})
		c := dial(t, srv.addr)
		req := newTerminal("TERM0001").Network(wire.NetworkEcho)
		responses := make(chan *wire.Message, 1)
		go func() {
			resp, _ := tryDo(c, req)
			responses <- resp
		}()
		g.waitEntered(t)
		hc := <-hooked

		result := shutdownAsync(srv.Server, 2*time.Second)
		select {
		case <-hc.stopped:
		case <-time.After(patience):
			t.Fatal("Shutdown did not stop the connection's reading")
		}
		g.open()
		if resp := <-responses; resp == nil || resp.ResponseCode != wire.RCApproved {
			t.Errorf("the request in flight was answered %v, want 00", resp)
		}
		if err := waitShutdown(t, result); err != nil {
			t.Errorf("Shutdown returned %v, want nil: the reader went back to waiting IdleTimeout for a frame", err)
		}
	})

	t.Run("Serve after Shutdown returns ErrServerClosed at once", func(t *testing.T) {
		srv := &Server{Handler: approve, Logger: discardLogger}
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Serve(ln); !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		if _, err := net.DialTimeout("tcp", ln.Addr().String(), patience); err == nil {
			t.Error("Serve left its listener open")
		}
	})

	t.Run("Close closes every connection at once and Serve returns ErrServerClosed", func(t *testing.T) {
		g := newGate(t)
		srv := startServer(t, &Server{Handler: holding(g, "TERM0001")})
		busy := dial(t, srv.addr)
		idle := dial(t, srv.addr)
		echo(t, idle, newTerminal("TERM0002"))
		go tryDo(busy, newTerminal("TERM0001").Network(wire.NetworkEcho))
		g.waitEntered(t)

		if err := srv.Close(); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, busy, "Close")
		waitClosed(t, idle, "Close")
		if err := srv.serveResult(t); !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		waitRefused(t, srv.addr)
	})
}

// hookListener wraps each accepted connection with hook. Having a func
// field, a hookListener value is not comparable; use a *hookListener where
// that must not matter.
type hookListener struct {
	net.Listener
	hook func(net.Conn) net.Conn
}

func (l hookListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.hook(nc), nil
}

// holdConn holds the server's second idle read deadline (set when its
// reader loop goes back for the next frame) until a deadline that is not
// in the future (Shutdown stopping the reader) has been set.
type holdConn struct {
	net.Conn
	mu       sync.Mutex // guards idleSets
	idleSets int
	stopOnce sync.Once
	stopped  chan struct{}
}

func (c *holdConn) SetReadDeadline(deadline time.Time) error {
	if !deadline.After(time.Now()) {
		err := c.Conn.SetReadDeadline(deadline)
		c.stopOnce.Do(func() { close(c.stopped) })
		return err
	}
	if time.Until(deadline) > 30*time.Minute { // the idle timeout, one hour
		c.mu.Lock()
		c.idleSets++
		n := c.idleSets
		c.mu.Unlock()
		if n == 2 {
			select {
			case <-c.stopped:
			case <-time.After(patience):
			}
		}
	}
	return c.Conn.SetReadDeadline(deadline)
}
