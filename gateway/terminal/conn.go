package terminal

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// conn is one terminal connection: one reader loop, one goroutine per
// request in flight (at most MaxInFlight), responses written whole under
// writeMu in the order they are ready.
type conn struct {
	srv    *Server
	nc     net.Conn
	reader *bufio.Reader
	slots  chan struct{} // a token per request in flight

	writeMu sync.Mutex // guards writer and the write deadline
	writer  *bufio.Writer

	// ctx is every request's context: cancelled by Server.Close, or when the
	// connection is done and its last answer written.
	ctx    context.Context
	cancel context.CancelFunc

	stopOnce sync.Once
	stopping chan struct{} // closed when the server stops reading this connection
	handlers sync.WaitGroup
}

func (c *conn) serve() {
	defer c.srv.forget(c)
	defer c.nc.Close()
	defer c.cancel()
	defer c.handlers.Wait() // answers in flight go out before the close
	for {
		frame, err := c.readFrame()
		if errors.Is(err, wire.ErrFrameEmpty) {
			continue // an empty frame is noise; the stream is still in step
		}
		if err != nil {
			c.readFailed(err)
			return
		}
		select {
		case c.slots <- struct{}{}:
		case <-c.stopping:
			return
		}
		c.handlers.Add(1)
		go c.handle(frame)
	}
}

// readFrame waits up to the idle timeout for a message to start, then up to
// the read timeout for the rest of it.
func (c *conn) readFrame() ([]byte, error) {
	if err := c.nc.SetReadDeadline(time.Now().Add(c.srv.idleTimeout())); err != nil {
		return nil, err
	}
	// stopReading may have set its deadline just before ours replaced it;
	// it closes stopping first, so checking after setting ours is enough.
	select {
	case <-c.stopping:
		return nil, os.ErrDeadlineExceeded
	default:
	}
	header, err := c.reader.Peek(wire.FrameHeaderLength)
	if err != nil {
		return nil, err
	}
	if n := int(binary.BigEndian.Uint16(header)); n > c.srv.maxMessageSize() {
		return nil, fmt.Errorf("%w: header announces %d bytes, the limit is %d", wire.ErrFrameTooLarge, n, c.srv.maxMessageSize())
	}
	if err := c.nc.SetReadDeadline(time.Now().Add(c.srv.readTimeout())); err != nil {
		return nil, err
	}
	// Each request is handled while the next is read, so each gets its own
	// buffer.
	return wire.ReadFrame(c.reader, nil)
}

func (c *conn) readFailed(err error) {
	select {
	case <-c.stopping:
		return // Shutdown ended the read; not the terminal's doing
	default:
	}
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.srv.logger().Info("terminal: connection timed out", "remote", c.nc.RemoteAddr().String())
	default:
		c.srv.reject("frame")
		c.srv.logger().Warn("terminal: broken frame; connection closed", "remote", c.nc.RemoteAddr().String(), "err", err)
	}
}

// stopReading makes the reader loop end at its next read; requests in
// flight are still answered.
func (c *conn) stopReading() {
	c.stopOnce.Do(func() {
		close(c.stopping)
		_ = c.nc.SetReadDeadline(time.Now())
	})
}

func (c *conn) handle(frame []byte) {
	start := time.Now()
	defer c.handlers.Done()
	defer func() { <-c.slots }()
	defer func() {
		if p := recover(); p != nil {
			c.srv.recovered(p, c.nc.RemoteAddr().String())
			c.nc.Close()
		}
	}()
	m := c.srv.Metrics
	if m != nil {
		m.InFlight.Inc()
		defer m.InFlight.Dec()
	}

	req, err := wire.Decode(frame)
	var resp *wire.Message
	if err != nil {
		var de *wire.DecodeError
		if !errors.As(err, &de) || !req.Answerable() {
			c.srv.reject("decode")
			c.srv.logger().Warn("terminal: unreadable message; connection closed", "remote", c.nc.RemoteAddr().String(), "err", err)
			c.nc.Close()
			return
		}
		c.srv.reject("format")
		c.srv.logger().Info("terminal: malformed message answered 30", "remote", c.nc.RemoteAddr().String(), "terminal", req.TerminalID, "stan", req.STAN, "field", de.Field)
		resp = respond(req, wire.RCFormatError)
	} else {
		resp = c.srv.Handler.ServeISO(c.ctx, req)
	}
	if resp == nil {
		return
	}
	// Messages log masked (wire.Message implements slog.LogValuer).
	c.srv.logger().Debug("terminal: answering", "remote", c.nc.RemoteAddr().String(), "request", req, "response", resp)
	if err := c.write(resp); err != nil {
		c.srv.logger().Warn("terminal: response not delivered", "remote", c.nc.RemoteAddr().String(), "terminal", req.TerminalID, "stan", req.STAN, "err", err)
		c.nc.Close()
		return
	}
	if m != nil {
		m.Requests.WithLabelValues(req.MTI, resp.ResponseCode).Inc()
		m.Latency.WithLabelValues(req.MTI).Observe(time.Since(start).Seconds())
	}
}

func (c *conn) write(resp *wire.Message) error {
	b, err := wire.Encode(resp)
	if err != nil {
		return err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := c.nc.SetWriteDeadline(time.Now().Add(c.srv.writeTimeout())); err != nil {
		return err
	}
	if err := wire.WriteFrame(c.writer, b); err != nil {
		return err
	}
	return c.writer.Flush()
}
