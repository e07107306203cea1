// Package echo is a bare length-prefixed TCP echo server: the ceiling a
// terminal host can be measured against. It reads frames as the terminal
// interface frames them (a 2-byte big-endian length, then the message) and
// writes every frame back exactly as it came, without decoding it, so that
// `posim load --echo` drives it with the same bytes it sends a gateway.
package echo

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// headerLength is the frame header's length: the message's length, 2
// bytes, big-endian.
const headerLength = 2

// ioBufferSize sizes each connection's read and write buffers: many
// frames of a few hundred bytes, so that a pipelining client's frames are
// read and written back in batches, one system call for many.
const ioBufferSize = 32 << 10

// Server echoes frames on every connection it accepts, until Close.
type Server struct {
	ln     net.Listener
	frames atomic.Int64
	wg     sync.WaitGroup

	mu     sync.Mutex // guards conns and closed
	conns  map[net.Conn]struct{}
	closed bool
}

// Listen starts a server on addr (host:port; port 0 picks a free one).
func Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("echo: listen on %s: %w", addr, err)
	}
	s := &Server{ln: ln, conns: map[net.Conn]struct{}{}}
	s.wg.Go(s.accept)
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Frames is the number of frames echoed so far.
func (s *Server) Frames() int64 { return s.frames.Load() }

// Close stops accepting, closes every connection and waits until their
// goroutines have returned.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	err := s.ln.Close()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return // closed; a listener's other errors are not worth a retry here
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Go(func() {
			_ = s.serve(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			_ = c.Close()
		})
	}
}

// serve echoes c's frames until it ends. It flushes only when no more
// input is buffered, so frames that arrived together leave together.
func (s *Server) serve(c net.Conn) error {
	r := bufio.NewReaderSize(c, ioBufferSize)
	w := bufio.NewWriterSize(c, ioBufferSize)
	buf := make([]byte, headerLength+1<<16)
	for {
		if _, err := io.ReadFull(r, buf[:headerLength]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		n := headerLength + int(binary.BigEndian.Uint16(buf))
		if _, err := io.ReadFull(r, buf[headerLength:n]); err != nil {
			return err
		}
		if _, err := w.Write(buf[:n]); err != nil {
			return err
		}
		s.frames.Add(1)
		if r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return err
			}
		}
	}
}
