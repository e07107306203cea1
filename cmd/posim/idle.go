package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os/signal"
	"syscall"
	"time"
)

// runIdle opens many terminal connections and keeps them open without
// sending anything, as terminals between purchases do, so that the
// gateway's memory per connected terminal can be read (its RSS) while they
// are held. The gateway's idle timeout (5 minutes by default) bounds how
// long they stay.
func runIdle(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("posim idle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", defaultAddr(), "gateway terminal `address`")
	connections := fs.Int("connections", 10000, "connections to open")
	hold := fs.Duration("hold", time.Minute, "how long to hold them (Ctrl-C ends sooner)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: posim idle [--connections 10000] [--hold 1m] [--addr host:port]

Opens that many terminal connections and holds them idle, to measure what
connected terminals cost the gateway: read the gateway's RSS meanwhile, e.g.
  grep VmRSS /proc/$(pgrep meridiand)/status
Each connection is a file descriptor here too: raise ulimit -n first.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *connections <= 0 {
		fmt.Fprintln(stderr, "posim idle: --connections must be positive")
		return 2
	}
	conns := make([]net.Conn, 0, *connections)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	d := net.Dialer{Timeout: 5 * time.Second}
	for len(conns) < *connections {
		c, err := d.Dial("tcp", *addr)
		if err != nil {
			fmt.Fprintf(stderr, "posim idle: connection %d: %v\n", len(conns)+1, err)
			return 1
		}
		conns = append(conns, c)
	}
	fmt.Fprintf(stdout, "posim idle: holding %d idle connections to %s for %s\n", len(conns), *addr, *hold)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	select {
	case <-ctx.Done():
	case <-time.After(*hold):
	}
	return 0
}
