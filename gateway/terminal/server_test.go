package terminal

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

func TestServerWithoutHandlerRefusesToServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := (&Server{}).Serve(ln); err == nil || err == ErrServerClosed {
		t.Errorf("Serve without a Handler returned %v, want an error saying so", err)
	}
}

func TestServerPipelining(t *testing.T) {
	t.Run("requests in flight together are answered in the order they finish, each matched by DE 41 and DE 11", func(t *testing.T) {
		type key struct{ terminal, stan string }
		var (
			mu       sync.Mutex
			releases = map[key]chan struct{}{}
		)
		entered := make(chan key, 64)
		srv := startServer(t, &Server{Handler: handlerFunc(func(_ context.Context, req *wire.Message) *wire.Message {
			k := key{req.TerminalID, req.STAN}
			mu.Lock()
			release := releases[k]
			mu.Unlock()
			entered <- k
			<-release
			return respond(req, wire.RCApproved)
		})})

		// Two terminals share the connection and use the same STANs, so
		// only DE 41 and DE 11 together tell the responses apart; each
		// request has its own amount, which the response echoes.
		var requests []*wire.Message
		var stream []byte
		for _, id := range []string{"TERM0001", "TERM0002"} {
			term := newTerminal(id)
			for range 4 {
				req := term.Purchase(int64(1000+len(requests)), "281234567890123456")
				requests = append(requests, req)
				releases[key{req.TerminalID, req.STAN}] = make(chan struct{})
				stream = append(stream, frame(t, encode(t, req))...)
			}
		}
		t.Cleanup(func() {
			for _, release := range releases {
				select {
				case <-release:
				default:
					close(release)
				}
			}
		})
		nc, err := net.Dial("tcp", srv.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		if _, err := nc.Write(stream); err != nil {
			t.Fatal(err)
		}
		for range requests {
			select {
			case <-entered:
			case <-time.After(patience):
				t.Fatal("the requests of one connection were not all handed to the handler at once")
			}
		}

		responses := newFrameReader(nc)
		for i := len(requests) - 1; i >= 0; i-- {
			req := requests[i]
			close(releases[key{req.TerminalID, req.STAN}])
			resp := responses.next(t)
			wantApproved(t, req, resp)
			if resp.Amount != req.Amount {
				t.Errorf("the response for terminal %s STAN %s echoes amount %d, want %d: it answers another request", req.TerminalID, req.STAN, resp.Amount, req.Amount)
			}
		}
	})

	t.Run("many concurrent requests with varying handler delays each get their own response", func(t *testing.T) {
		srv := startServer(t, &Server{Handler: handlerFunc(func(_ context.Context, req *wire.Message) *wire.Message {
			time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
			return respond(req, wire.RCApproved)
		})})
		c := dial(t, srv.addr)
		terminals := []*pos.Terminal{newTerminal("TERM0001"), newTerminal("TERM0002"), newTerminal("TERM0003")}
		var wg sync.WaitGroup
		for i := range 48 {
			term := terminals[i%len(terminals)]
			var req *wire.Message
			if i%4 == 0 {
				req = term.Network(wire.NetworkEcho)
			} else {
				req = term.Purchase(int64(100+i), "281234567890123456")
			}
			wg.Go(func() {
				resp, err := tryDo(c, req)
				if err != nil {
					t.Errorf("terminal %s STAN %s: %v", req.TerminalID, req.STAN, err)
					return
				}
				wantApproved(t, req, resp)
				if resp.Amount != req.Amount || resp.TransmissionTime != req.TransmissionTime {
					t.Errorf("terminal %s STAN %s got a response echoing another request: %v", req.TerminalID, req.STAN, resp)
				}
			})
		}
		wg.Wait()
	})
}

func TestServerMaxInFlight(t *testing.T) {
	t.Run("with two requests in flight the third waits for one to finish, and all are answered", func(t *testing.T) {
		g := newGate(t)
		srv := startServer(t, &Server{Handler: g, MaxInFlight: 2})
		c := dial(t, srv.addr)
		term := newTerminal("TERM0001")
		const n = 5
		var wg sync.WaitGroup
		for range n {
			req := term.Network(wire.NetworkEcho)
			wg.Go(func() {
				resp, err := tryDo(c, req)
				if err != nil {
					t.Errorf("STAN %s: %v", req.STAN, err)
					return
				}
				wantApproved(t, req, resp)
			})
		}
		g.waitEntered(t)
		g.waitEntered(t)
		// Give the server the chance to break the limit before any call ends.
		select {
		case req := <-g.entered:
			t.Fatalf("STAN %s reached the handler while two requests were in flight", req.STAN)
		case <-time.After(100 * time.Millisecond):
		}
		for range n - 2 {
			g.release <- struct{}{}
			g.waitEntered(t)
		}
		for range 2 {
			g.release <- struct{}{}
		}
		wg.Wait()
		if got := g.maxActive.Load(); got != 2 {
			t.Errorf("at most %d handler calls ran at once, want 2", got)
		}
	})
}

func TestServerMaxConnections(t *testing.T) {
	t.Run("a third connection is closed, the first two keep working, and one is accepted again after one closes", func(t *testing.T) {
		srv := startServer(t, &Server{Handler: approve, MaxConnections: 2})
		term := newTerminal("TERM0001")
		first := dial(t, srv.addr)
		echo(t, first, term)
		second := dial(t, srv.addr)
		echo(t, second, term)

		third := dial(t, srv.addr)
		waitClosed(t, third, "a connection beyond MaxConnections")
		if _, err := tryDo(third, term.Network(wire.NetworkEcho)); err == nil {
			t.Error("a connection beyond MaxConnections was answered")
		}
		echo(t, first, term)
		echo(t, second, term)
		if got := srv.Connections(); got != 2 {
			t.Errorf("Connections() = %d, want 2", got)
		}

		first.Close()
		eventually(t, "Connections() drops to 1 after a terminal closes", func() bool { return srv.Connections() == 1 })
		fourth := dial(t, srv.addr)
		echo(t, fourth, term)
		echo(t, second, term)
	})
}

// lengthHeader returns a frame header announcing n bytes.
func lengthHeader(n int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(n)) }

func TestServerFraming(t *testing.T) {
	term := newTerminal("TERM0001")
	limit := len(encode(t, term.Network(wire.NetworkEcho)))
	srv := startServer(t, &Server{Handler: approve, MaxMessageSize: limit})
	bystander := dial(t, srv.addr)
	echo(t, bystander, term)

	t.Run("a message of exactly MaxMessageSize bytes is answered", func(t *testing.T) {
		c := dial(t, srv.addr)
		echo(t, c, term)
		echo(t, bystander, term)
	})

	t.Run("a header announcing one byte more than MaxMessageSize closes that connection only", func(t *testing.T) {
		c := dial(t, srv.addr)
		echo(t, c, term)
		if err := c.SendRaw(append(lengthHeader(limit+1), make([]byte, limit+1)...)); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, c, "a header above MaxMessageSize")
		echo(t, bystander, term)
	})

	t.Run("a header above the interface's 8,192-byte ceiling closes the connection even with a larger MaxMessageSize", func(t *testing.T) {
		big := startServer(t, &Server{Handler: approve, MaxMessageSize: 60000})
		c := dial(t, big.addr)
		echo(t, c, term)
		if err := c.SendRaw(lengthHeader(wire.MaxMessageLength + 1)); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, c, "a header above 8,192 bytes")
		echo(t, bystander, term)
	})

	t.Run("a truncated frame followed by the end of the stream closes the connection", func(t *testing.T) {
		c, nc := dialTCP(t, srv.addr)
		echo(t, c, term)
		message := encode(t, term.Network(wire.NetworkEcho))
		if err := c.SendRaw(append(lengthHeader(len(message)), message[:len(message)/2]...)); err != nil {
			t.Fatal(err)
		}
		if err := nc.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, c, "a frame cut short by the end of the stream")
		echo(t, bystander, term)
	})

	t.Run("a header cut short by the end of the stream closes the connection", func(t *testing.T) {
		c, nc := dialTCP(t, srv.addr)
		if err := c.SendRaw([]byte{0x00}); err != nil {
			t.Fatal(err)
		}
		if err := nc.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, c, "a header cut short by the end of the stream")
		echo(t, bystander, term)
	})

	t.Run("empty frames are skipped and the next message is answered", func(t *testing.T) {
		c := dial(t, srv.addr)
		if err := c.SendRaw([]byte{0, 0, 0, 0, 0, 0}); err != nil {
			t.Fatal(err)
		}
		echo(t, c, term)
		if err := c.SendRaw([]byte{0, 0}); err != nil {
			t.Fatal(err)
		}
		echo(t, c, term)
		echo(t, bystander, term)
	})

	t.Run("a frame written one byte at a time is answered", func(t *testing.T) {
		c := dialRaw(t, srv.addr)
		req := term.Network(wire.NetworkEcho)
		for _, b := range frame(t, encode(t, req)) {
			c.write(t, []byte{b})
		}
		wantApproved(t, req, c.next(t))
	})
}

// fieldsStart returns the offset of the first data element of message.
func fieldsStart(message []byte) int {
	if message[4] >= '8' { // bit 1: a secondary bitmap follows
		return 4 + 32
	}
	return 4 + 16
}

func TestServerMalformedMessages(t *testing.T) {
	var handled sync.Map // STAN → struct{}
	srv := startServer(t, &Server{Handler: handlerFunc(func(ctx context.Context, req *wire.Message) *wire.Message {
		handled.Store(req.STAN, struct{}{})
		return approve(ctx, req)
	})})
	term := newTerminal("TERM0001")
	bystander := dial(t, srv.addr)

	original := term.Purchase(1250, "281234567890123456")
	for _, tt := range []struct {
		name    string
		req     *wire.Message
		corrupt func(message []byte) // puts a non-digit into an n element
	}{
		{"a purchase with a non-digit in DE 4", term.Purchase(1250, "281234567890123456"),
			func(m []byte) { m[fieldsStart(m)+6+11] = 'X' }},
		{"a refund with a non-digit in DE 4", term.Refund("000000000123", 500),
			func(m []byte) { m[fieldsStart(m)+6] = ' ' }},
		{"a reversal with a non-digit in DE 4", term.Reversal(original, false),
			func(m []byte) { m[fieldsStart(m)+6+3] = 'A' }},
		{"a reversal advice with a non-digit in DE 4", term.Reversal(original, true),
			func(m []byte) { m[fieldsStart(m)+6+3] = 'A' }},
		{"a status inquiry with a non-digit in DE 3", term.Status("000000000123"),
			func(m []byte) { m[fieldsStart(m)] = '-' }},
		{"an echo with a non-digit in DE 70", term.Network(wire.NetworkEcho),
			func(m []byte) { m[len(m)-1] = 'E' }},
	} {
		t.Run(tt.name+" is answered 30 with the response MTI and the request's DE 11 and DE 41", func(t *testing.T) {
			c := dialRaw(t, srv.addr)
			message := encode(t, tt.req)
			tt.corrupt(message)
			c.write(t, frame(t, message))
			resp := c.next(t)
			wantMTI, _ := wire.ResponseMTI(tt.req.MTI)
			if resp.MTI != wantMTI || resp.ResponseCode != wire.RCFormatError || resp.STAN != tt.req.STAN || resp.TerminalID != tt.req.TerminalID {
				t.Errorf("response %v, want MTI %s RC 30 STAN %s terminal %s", resp, wantMTI, tt.req.STAN, tt.req.TerminalID)
			}
			if _, ok := handled.Load(tt.req.STAN); ok {
				t.Error("the malformed message was handed to the handler")
			}
			next := term.Network(wire.NetworkEcho)
			c.write(t, frame(t, encode(t, next)))
			wantApproved(t, next, c.next(t))
		})
	}

	echoMessage := encode(t, term.Network(wire.NetworkEcho))
	for _, tt := range []struct {
		name    string
		message []byte
	}{
		{"text that is not ISO 8583", []byte("GET / HTTP/1.1\r\nHost: meridian\r\n\r\n")},
		{"a request cut short inside DE 7, before DE 11", echoMessage[:fieldsStart(echoMessage)+5]},
		{"a bitmap that is not hex", []byte("0800ZZZZZZZZZZZZZZZZ0101120000000001TERM0001301")},
		{"a bitmap announcing DE 2, which the interface lacks, before DE 11", []byte("08004020000000800000" + "16" + "4111111111111111" + "000001" + "TERM0001")},
	} {
		t.Run(tt.name+" closes the connection and leaves others alone", func(t *testing.T) {
			c := dial(t, srv.addr)
			echo(t, c, term)
			if err := c.Send(tt.message); err != nil {
				t.Fatal(err)
			}
			waitClosed(t, c, tt.name)
			echo(t, bystander, term)
		})
	}
}

func TestServerHandlerPanic(t *testing.T) {
	t.Run("a panic for one message closes its connection only; other and new connections are answered", func(t *testing.T) {
		const panicSTAN = "000666"
		g := newGate(t)
		srv := startServer(t, &Server{Handler: handlerFunc(func(ctx context.Context, req *wire.Message) *wire.Message {
			switch {
			case req.STAN == panicSTAN:
				panic("handler bug")
			case req.TerminalID == "BYSTAND1":
				return g.ServeISO(ctx, req)
			}
			return respond(req, wire.RCApproved)
		})})

		bystanderTerm := newTerminal("BYSTAND1")
		bystander := dial(t, srv.addr)
		pending := bystanderTerm.Network(wire.NetworkEcho)
		answered := make(chan *wire.Message, 1)
		go func() {
			resp, err := tryDo(bystander, pending)
			if err != nil {
				t.Errorf("the request in flight on another connection: %v", err)
			}
			answered <- resp
		}()
		g.waitEntered(t)

		term := newTerminal("TERM0001")
		victim := dial(t, srv.addr)
		echo(t, victim, term)
		term.SetSTAN(666)
		if resp, err := tryDo(victim, term.Network(wire.NetworkEcho)); err == nil {
			t.Errorf("the message whose handler panicked was answered: %v", resp)
		}
		waitClosed(t, victim, "its handler panicked")

		g.release <- struct{}{}
		if resp := <-answered; resp != nil {
			wantApproved(t, pending, resp)
		}
		g.open()
		echo(t, bystander, bystanderTerm)
		echo(t, dial(t, srv.addr), term)
	})
}

func TestServerIdleTimeout(t *testing.T) {
	t.Run("a connection that sends nothing is closed after IdleTimeout", func(t *testing.T) {
		srv := startServer(t, &Server{Handler: approve, IdleTimeout: 200 * time.Millisecond})
		c := dial(t, srv.addr)
		waitClosed(t, c, "idle for longer than IdleTimeout")
		eventually(t, "Connections() drops to 0", func() bool { return srv.Connections() == 0 })
	})

	t.Run("a connection sending echoes more often than IdleTimeout stays open, and is closed once it stops", func(t *testing.T) {
		const idle = 300 * time.Millisecond
		srv := startServer(t, &Server{Handler: approve, IdleTimeout: idle})
		c := dial(t, srv.addr)
		term := newTerminal("TERM0001")
		for range 12 { // 12 × 50 ms: twice the idle timeout
			echo(t, c, term)
			time.Sleep(idle / 6)
		}
		if !isOpen(c) {
			t.Fatal("a connection kept alive with echoes was closed")
		}
		echo(t, c, term)
		waitClosed(t, c, "the echoes stopped")
	})
}

func TestServerReadTimeout(t *testing.T) {
	srv := startServer(t, &Server{Handler: approve, IdleTimeout: time.Minute, ReadTimeout: 200 * time.Millisecond})
	term := newTerminal("TERM0001")

	t.Run("a header whose message never follows closes the connection after ReadTimeout", func(t *testing.T) {
		c := dial(t, srv.addr)
		echo(t, c, term)
		if err := c.SendRaw(lengthHeader(64)); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, c, "the message announced by a header never came")
	})

	t.Run("a message that stops halfway closes the connection after ReadTimeout", func(t *testing.T) {
		c := dial(t, srv.addr)
		message := encode(t, term.Network(wire.NetworkEcho))
		if err := c.SendRaw(frame(t, message)[:10]); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, c, "a message stopped halfway")
	})

	t.Run("a message whose header and body arrive apart within ReadTimeout is answered", func(t *testing.T) {
		c := dialRaw(t, srv.addr)
		req := term.Network(wire.NetworkEcho)
		message := encode(t, req)
		c.write(t, lengthHeader(len(message)))
		time.Sleep(20 * time.Millisecond)
		c.write(t, message)
		wantApproved(t, req, c.next(t))
	})
}

func TestServerListenerOfANonComparableType(t *testing.T) {
	t.Run("Serve serves a listener whose dynamic type cannot be a map key", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		// A listener wrapper held by value with a func field, as
		// middleware often is: comparing two of them panics.
		wrapped := hookListener{ln, func(nc net.Conn) net.Conn { return nc }}
		srv := &Server{Handler: approve, Logger: discardLogger}
		served := make(chan error, 1)
		go func() {
			defer func() {
				if p := recover(); p != nil {
					served <- fmt.Errorf("Serve panicked: %v", p)
				}
			}()
			served <- srv.Serve(wrapped)
		}()
		defer srv.Close()

		c, err := pos.Dial(context.Background(), ln.Addr().String(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		req := newTerminal("TERM0001").Network(wire.NetworkEcho)
		answered := make(chan error, 1)
		go func() {
			_, err := tryDo(c, req)
			answered <- err
		}()
		select {
		case err := <-served:
			t.Fatalf("Serve returned %v", err)
		case err := <-answered:
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
		}
		srv.Close()
		select {
		case err := <-served:
			if !errors.Is(err, ErrServerClosed) {
				t.Errorf("Serve returned %v, want ErrServerClosed", err)
			}
		case <-time.After(patience):
			t.Error("Serve did not return after Close")
		}
	})
}
