package terminal

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// patience bounds every wait for an eventual condition; it is generous so
// that a slow machine under -race never fails a test that is right.
const patience = 5 * time.Second

// handlerFunc adapts a function to Handler.
type handlerFunc func(ctx context.Context, req *wire.Message) *wire.Message

func (f handlerFunc) ServeISO(ctx context.Context, req *wire.Message) *wire.Message {
	return f(ctx, req)
}

// approve answers every request 00, echoing what respond echoes.
var approve = handlerFunc(func(_ context.Context, req *wire.Message) *wire.Message {
	return respond(req, wire.RCApproved)
})

// gate is a Handler that holds every request until the test releases it,
// ignoring the request's context, and counts the calls in progress.
type gate struct {
	entered chan *wire.Message // receives each request as its call starts
	release chan struct{}      // each send lets one call answer 00

	releaseAll sync.Once
	all        chan struct{} // closed to let every call answer

	active    atomic.Int64
	maxActive atomic.Int64
}

func newGate(t *testing.T) *gate {
	g := &gate{entered: make(chan *wire.Message, 1024), release: make(chan struct{}), all: make(chan struct{})}
	t.Cleanup(g.open)
	return g
}

func (g *gate) ServeISO(_ context.Context, req *wire.Message) *wire.Message {
	n := g.active.Add(1)
	defer g.active.Add(-1)
	for {
		seen := g.maxActive.Load()
		if n <= seen || g.maxActive.CompareAndSwap(seen, n) {
			break
		}
	}
	g.entered <- req
	select {
	case <-g.release:
	case <-g.all:
	}
	return respond(req, wire.RCApproved)
}

// holding is a Handler that holds the requests of terminalID in g and
// approves the others at once.
func holding(g *gate, terminalID string) Handler {
	return handlerFunc(func(ctx context.Context, req *wire.Message) *wire.Message {
		if req.TerminalID == terminalID {
			return g.ServeISO(ctx, req)
		}
		return respond(req, wire.RCApproved)
	})
}

// open lets every call, present and future, answer.
func (g *gate) open() { g.releaseAll.Do(func() { close(g.all) }) }

// waitEntered returns the next request handed to the gate.
func (g *gate) waitEntered(t *testing.T) *wire.Message {
	t.Helper()
	select {
	case req := <-g.entered:
		return req
	case <-time.After(patience):
		t.Fatal("no request reached the handler")
		return nil
	}
}

// testServer is a Server serving on 127.0.0.1.
type testServer struct {
	*Server
	addr   string
	served chan struct{} // closed when Serve has returned
	err    error         // Serve's result, once served is closed
}

var discardLogger = slog.New(slog.DiscardHandler)

// startServer serves srv on a fresh listener on 127.0.0.1 and closes it
// when the test ends.
func startServer(t *testing.T, srv *Server) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveOn(t, srv, ln)
}

func serveOn(t *testing.T, srv *Server, ln net.Listener) *testServer {
	t.Helper()
	if srv.Logger == nil {
		srv.Logger = discardLogger
	}
	ts := &testServer{Server: srv, addr: ln.Addr().String(), served: make(chan struct{})}
	go func() {
		ts.err = srv.Serve(ln)
		close(ts.served)
	}()
	t.Cleanup(func() {
		srv.Close()
		select {
		case <-ts.served:
		case <-time.After(patience):
			t.Error("Serve did not return after Close")
		}
	})
	return ts
}

// serveResult waits for Serve to return and gives its error.
func (ts *testServer) serveResult(t *testing.T) error {
	t.Helper()
	select {
	case <-ts.served:
		return ts.err
	case <-time.After(patience):
		t.Fatal("Serve has not returned")
		return nil
	}
}

// dial connects a POS client, closed when the test ends.
func dial(t *testing.T, addr string) *pos.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	c, err := pos.Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// dialTCP connects a POS client over a plain TCP connection it also
// returns, for half-closing.
func dialTCP(t *testing.T, addr string) (*pos.Client, *net.TCPConn) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, patience)
	if err != nil {
		t.Fatal(err)
	}
	c := pos.NewClient(nc)
	t.Cleanup(func() { c.Close() })
	return c, nc.(*net.TCPConn)
}

// do sends req and returns its response, failing the test without one.
func do(t *testing.T, c *pos.Client, req *wire.Message) *wire.Message {
	t.Helper()
	resp, err := tryDo(c, req)
	if err != nil {
		t.Fatalf("%s STAN %s: %v", req.MTI, req.STAN, err)
	}
	return resp
}

func tryDo(c *pos.Client, req *wire.Message) (*wire.Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	return c.Do(ctx, req)
}

// wantApproved checks that resp answers req with 00.
func wantApproved(t *testing.T, req, resp *wire.Message) {
	t.Helper()
	wantMTI, _ := wire.ResponseMTI(req.MTI)
	if resp.MTI != wantMTI || resp.ResponseCode != wire.RCApproved || resp.STAN != req.STAN || resp.TerminalID != req.TerminalID {
		t.Errorf("response %v to %v: want MTI %s RC 00 with the request's DE 11 and DE 41", resp, req, wantMTI)
	}
}

// echo transacts one 0800 echo on c and checks it is approved.
func echo(t *testing.T, c *pos.Client, term *pos.Terminal) {
	t.Helper()
	req := term.Network(wire.NetworkEcho)
	wantApproved(t, req, do(t, c, req))
}

// waitClosed waits until the host has closed c's connection.
func waitClosed(t *testing.T, c *pos.Client, why string) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(patience):
		t.Fatalf("the host did not close the connection: %s", why)
	}
}

// isOpen reports whether c's connection is still open.
func isOpen(c *pos.Client) bool {
	select {
	case <-c.Done():
		return false
	default:
		return true
	}
}

// eventually polls cond until it holds, failing the test after patience.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// newTerminal returns a terminal builder with id.
func newTerminal(id string) *pos.Terminal {
	return &pos.Terminal{ID: id, MerchantID: "MERCHANT0000001"}
}

// encode returns req on the wire, without its frame header.
func encode(t *testing.T, req *wire.Message) []byte {
	t.Helper()
	b, err := wire.Encode(req)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// frame returns the frame of message.
func frame(t *testing.T, message []byte) []byte {
	t.Helper()
	b, err := wire.AppendFrame(nil, message)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// frameReader reads and decodes the frames a raw connection receives.
type frameReader struct {
	nc net.Conn
	r  *bufio.Reader
}

func newFrameReader(nc net.Conn) *frameReader { return &frameReader{nc: nc, r: bufio.NewReader(nc)} }

// rawClient is a terminal connection driven byte by byte, for input the
// POS client cannot produce.
type rawClient struct {
	*frameReader
	nc *net.TCPConn
}

func dialRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, patience)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawClient{frameReader: newFrameReader(nc), nc: nc.(*net.TCPConn)}
}

// write writes b as it is.
func (c *rawClient) write(t *testing.T, b []byte) {
	t.Helper()
	if _, err := c.nc.Write(b); err != nil {
		t.Fatal(err)
	}
}

func (fr *frameReader) next(t *testing.T) *wire.Message {
	t.Helper()
	if err := fr.nc.SetReadDeadline(time.Now().Add(patience)); err != nil {
		t.Fatal(err)
	}
	b, err := wire.ReadFrame(fr.r, nil)
	if err != nil {
		t.Fatalf("reading a response: %v", err)
	}
	m, err := wire.Decode(b)
	if err != nil {
		t.Fatalf("decoding a response: %v", err)
	}
	return m
}
