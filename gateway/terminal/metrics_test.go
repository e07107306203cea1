package terminal

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/meridian-gw/meridian/gateway/metrics"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

func TestServerCountsRequestsConnectionsAndRejects(t *testing.T) {
	m := metrics.New()
	srv := startServer(t, &Server{Metrics: m, Handler: handlerFunc(func(_ context.Context, req *wire.Message) *wire.Message {
		return respond(req, wire.RCApproved)
	})})

	c := dial(t, srv.addr)
	term := newTerminal("TERM0001")
	for i := 0; i < 3; i++ {
		echo(t, c, term)
	}
	// Counted once the answer is written, which may be just after the
	// client read it.
	eventually(t, "three echoes are counted", func() bool {
		return testutil.ToFloat64(m.Requests.WithLabelValues("0800", "00")) == 3
	})
	if got := testutil.ToFloat64(m.Connections); got != 1 {
		t.Errorf("connections = %v with one open, want 1", got)
	}
	if got := testutil.CollectAndCount(m.Latency); got != 1 {
		t.Errorf("latency series = %d, want 1 (mti 0800)", got)
	}

	broken := dialRaw(t, srv.addr)
	broken.write(t, []byte{0xFF, 0xFF}) // announces 65,535 bytes: over the limit
	eventually(t, "the broken frame is counted", func() bool {
		return testutil.ToFloat64(m.Rejected.WithLabelValues("frame")) == 1
	})
	c.Close()
	eventually(t, "closed connections leave the gauge", func() bool {
		return testutil.ToFloat64(m.Connections) == 0
	})
}
