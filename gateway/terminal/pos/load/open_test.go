package load_test

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/terminal/pos/load"
	"github.com/meridian-gw/meridian/gateway/terminal/pos/load/echo"
)

// silentServer accepts connections on 127.0.0.1 and reads whatever comes,
// never answering: a host that stalled.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex // guards conns
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { _, _ = io.Copy(io.Discard, c) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

func TestOpenLoopCountsWhatItNeverSent(t *testing.T) {
	t.Parallel()
	t.Run("A generator held up by a host that never answers reports the purchases due but never sent, and a low achieved rate", func(t *testing.T) {
		t.Parallel()
		// 1000 a second for 200 ms: 200 purchases due, on one terminal
		// that may have 2 in flight; both wait for answers that never
		// come, so the other 198 cannot go out.
		r, err := load.New(load.Config{
			Addr: silentServer(t), MerchantID: "M", Echo: true,
			Rate: 1000, Duration: 200 * time.Millisecond, Concurrency: 2, Timeout: 500 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		s, err := r.Run(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Check(); err != nil {
			t.Fatal(err)
		}
		if s.Sent > 2 || s.NoAnswer != s.Sent || s.Unsent != 200-s.Sent {
			t.Errorf("sent %d, no answer %d, unsent %d; want at most 2 sent, none answered, and the rest of the 200 due unsent", s.Sent, s.NoAnswer, s.Unsent)
		}
		if got := s.SendRate(); got >= s.Rate/10 {
			t.Errorf("achieved rate %.1f/s against a target of %.0f/s with %d of 200 sent; the unsent ones must lower it", got, s.Rate, s.Sent)
		}
	})
	t.Run("A generator that keeps up leaves nothing unsent", func(t *testing.T) {
		t.Parallel()
		srv, err := echo.Listen("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		r, err := load.New(load.Config{Addr: srv.Addr(), MerchantID: "M", Echo: true, Rate: 2000, Count: 100, Terminals: 2, Concurrency: 4})
		if err != nil {
			t.Fatal(err)
		}
		s, err := r.Run(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Check(); err != nil {
			t.Fatal(err)
		}
		if s.Sent != 100 || s.Unsent != 0 || s.Approved != 100 {
			t.Errorf("sent %d, unsent %d, echoed %d; want 100, 0, 100", s.Sent, s.Unsent, s.Approved)
		}
	})
	t.Run("A closed loop has nothing unsent", func(t *testing.T) {
		t.Parallel()
		r, err := load.New(load.Config{
			Addr: silentServer(t), MerchantID: "M", Echo: true,
			Duration: 100 * time.Millisecond, Timeout: 200 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		s, err := r.Run(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if s.Unsent != 0 || s.Sent != 1 {
			t.Errorf("sent %d, unsent %d; want 1 and 0", s.Sent, s.Unsent)
		}
	})
}
