// Package pos is a POS terminal's side of the terminal host interface: a
// client that sends requests over one connection and matches the responses
// by DE 41 + DE 11 (many may be in flight), and a Terminal that builds the
// interface's requests. posim and the gateway's end-to-end tests use it.
package pos

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// ErrClosed is returned for requests on a closed or broken connection.
var ErrClosed = errors.New("pos: connection closed")

// Client is one connection to the host. It is safe for concurrent use.
type Client struct {
	conn net.Conn

	writeMu sync.Mutex // guards writes to conn

	mu      sync.Mutex // guards pending and err
	pending map[string]chan *wire.Message
	err     error

	done chan struct{}
}

// Dial connects to the host at addr; with tlsConfig non-nil over TLS.
func Dial(ctx context.Context, addr string, tlsConfig *tls.Config) (*Client, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	var conn net.Conn
	var err error
	if tlsConfig != nil {
		td := tls.Dialer{NetDialer: &d, Config: tlsConfig}
		conn, err = td.DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("pos: connect to %s: %w", addr, err)
	}
	return NewClient(conn), nil
}

// NewClient runs a client over an established connection.
func NewClient(conn net.Conn) *Client {
	c := &Client{conn: conn, pending: make(map[string]chan *wire.Message), done: make(chan struct{})}
	go c.readLoop()
	return c
}

// Do sends req and waits for the response with the same DE 41 and DE 11,
// or until ctx ends.
func (c *Client) Do(ctx context.Context, req *wire.Message) (*wire.Message, error) {
	b, err := wire.Encode(req)
	if err != nil {
		return nil, fmt.Errorf("pos: encode %s: %w", req.MTI, err)
	}
	ch, err := c.expect(req)
	if err != nil {
		return nil, err
	}
	defer c.forget(req)
	if err := c.Send(b); err != nil {
		return nil, err
	}
	select {
	case resp, ok := <-ch:
		if !ok {
			return nil, c.closedErr()
		}
		return resp, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("pos: no response to %s STAN %s: %w", req.MTI, req.STAN, ctx.Err())
	}
}

// Send writes one raw message as a frame, for tests of malformed input.
func (c *Client) Send(message []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := wire.WriteFrame(c.conn, message); err != nil {
		return fmt.Errorf("pos: send: %w", err)
	}
	return nil
}

// SendRaw writes bytes as they are, frame header included or not.
func (c *Client) SendRaw(b []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_, err := c.conn.Write(b)
	return err
}

// Expect registers interest in the response to req without sending it, for
// callers that send the bytes themselves; Wait collects it.
func (c *Client) Expect(req *wire.Message) error {
	_, err := c.expect(req)
	return err
}

// Wait waits for the response to a request registered with Expect.
func (c *Client) Wait(ctx context.Context, req *wire.Message) (*wire.Message, error) {
	c.mu.Lock()
	ch, ok := c.pending[key(req)]
	c.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("pos: nothing expected for STAN %s", req.STAN)
	}
	defer c.forget(req)
	select {
	case resp, ok := <-ch:
		if !ok {
			return nil, c.closedErr()
		}
		return resp, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Done is closed when the connection has ended (closed by either side).
func (c *Client) Done() <-chan struct{} { return c.done }

// Close closes the connection.
func (c *Client) Close() error {
	err := c.conn.Close()
	<-c.done
	return err
}

func (c *Client) expect(req *wire.Message) (chan *wire.Message, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return nil, c.err
	}
	k := key(req)
	if _, ok := c.pending[k]; ok {
		return nil, fmt.Errorf("pos: a request with terminal %s STAN %s is already in flight", req.TerminalID, req.STAN)
	}
	ch := make(chan *wire.Message, 1)
	c.pending[k] = ch
	return ch, nil
}

func (c *Client) forget(req *wire.Message) {
	c.mu.Lock()
	delete(c.pending, key(req))
	c.mu.Unlock()
}

func (c *Client) closedErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *Client) readLoop() {
	defer close(c.done)
	r := bufio.NewReader(c.conn)
	var err error
	for {
		var frame []byte
		if frame, err = wire.ReadFrame(r, nil); err != nil {
			break
		}
		resp, derr := wire.Decode(frame)
		if derr != nil {
			continue // a host that sends garbage gets no match; Do times out
		}
		c.mu.Lock()
		if ch, ok := c.pending[key(resp)]; ok {
			select {
			case ch <- resp: // kept until Do or Wait collects it
			default: // a second answer to one request: the first stands
			}
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	c.err = fmt.Errorf("%w: %v", ErrClosed, err)
	for k, ch := range c.pending {
		close(ch)
		delete(c.pending, k)
	}
	c.mu.Unlock()
}

func key(m *wire.Message) string { return m.TerminalID + "\x00" + m.STAN }
