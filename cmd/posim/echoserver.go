package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"syscall"

	"github.com/meridian-gw/meridian/gateway/terminal/pos/load/echo"
)

// runEchoServer serves the bare length-prefixed echo that `posim load
// --echo --addr` drives, on its own (say on the gateway's machine, to
// measure that machine's network ceiling), until SIGINT or SIGTERM.
func runEchoServer(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("posim echo-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8590", "`address` to listen on")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: posim echo-server [--listen host:port]

Answers every 2-byte length-prefixed frame with the same bytes: the ceiling
a gateway's figures are compared with. Drive it with
  posim load --echo --addr host:port ...
Stop it with Ctrl-C.

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
	s, err := echo.Listen(*listen)
	if err != nil {
		fmt.Fprintf(stderr, "posim echo-server: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "posim echo-server: echoing frames on %s\n", s.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	frames := s.Frames()
	if err := s.Close(); err != nil {
		fmt.Fprintf(stderr, "posim echo-server: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "posim echo-server: echoed %d frames\n", frames)
	return 0
}
