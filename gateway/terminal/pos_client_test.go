package terminal

import (
	"context"
	"testing"

	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// The POS client lives in gateway/terminal/pos; these tests of it run here
// against the real server.

func TestPOSClientExpectAndWait(t *testing.T) {
	t.Run("Wait returns a response that arrived before Wait was called", func(t *testing.T) {
		// With one request in flight at a time the server writes the first
		// response before it hands the second request to the handler, so
		// once the second is answered the first has surely arrived.
		srv := startServer(t, &Server{Handler: approve, MaxInFlight: 1})
		c := dial(t, srv.addr)
		term := newTerminal("TERM0001")
		first := term.Network(wire.NetworkEcho)
		if err := c.Expect(first); err != nil {
			t.Fatal(err)
		}
		if err := c.Send(encode(t, first)); err != nil {
			t.Fatal(err)
		}
		echo(t, c, term)

		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		resp, err := c.Wait(ctx, first)
		if err != nil {
			t.Fatalf("Wait for a response that had already arrived: %v", err)
		}
		wantApproved(t, first, resp)
	})
}
