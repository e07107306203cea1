package main

import (
	"strings"
	"testing"
	"time"
)

func TestOpenLoopAgainstAGateway(t *testing.T) {
	t.Parallel()
	g := startLoadGateway(t, "127.0.0.1:0", t.TempDir(), 3*time.Second, 4*time.Second)

	t.Run("An open loop at 100 a second for 2 s sends about 200 purchases and reports its target", func(t *testing.T) {
		r := posimLoad("--addr", g.TerminalAddr(), "--terminals", "4", "--concurrency", "8", "--rate", "100", "--duration", "2s", "--json")
		if r.code != loadExitDone {
			t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
		}
		s := parseLoadJSON(t, r)
		// The schedule holds 200 purchases due before 2 s; a slow machine
		// may leave some unsent when the time is up, never add any.
		if s.Sent > 200 || s.Sent < 50 {
			t.Errorf("sent %d; want about 200, and at most 200", s.Sent)
		}
		if s.Mode != "open" || s.Host != "gateway" || s.TargetRate != 100 {
			t.Errorf("mode %q host %q target %v; want an open loop against the gateway at 100/s", s.Mode, s.Host, s.TargetRate)
		}
		if s.Approved != s.Sent || s.Errors != 0 || s.LatencyMs.Count != s.Approved {
			t.Errorf("approved %d of %d, errors %d, latencies %d; want all approved, each with a latency", s.Approved, s.Sent, s.Errors, s.LatencyMs.Count)
		}
		if s.AchievedRate <= 0 {
			t.Errorf("achieved rate %v; want it measured", s.AchievedRate)
		}
	})
}

func TestLoadAgainstAnEchoServer(t *testing.T) {
	t.Parallel()
	t.Run("posim load --echo drives an in-process echo server and reports it as the host", func(t *testing.T) {
		r := posimLoad("--echo", "--terminals", "2", "--concurrency", "4", "--count", "500", "--json")
		if r.code != loadExitDone {
			t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
		}
		s := parseLoadJSON(t, r)
		if s.Host != "echo" || s.Mode != "closed" || s.Sent != 500 || s.Approved != 500 || s.Errors != 0 {
			t.Errorf("host %q mode %q sent %d echoed %d errors %d; want 500 echoed unchanged in a closed loop", s.Host, s.Mode, s.Sent, s.Approved, s.Errors)
		}
		if !strings.HasPrefix(s.Addr, "127.0.0.1:") {
			t.Errorf("addr %q; want the in-process server on 127.0.0.1", s.Addr)
		}
	})
	t.Run("The table names the echo server, and an open loop's target and achieved rate", func(t *testing.T) {
		r := posimLoad("--echo", "--terminals", "2", "--rate", "1000", "--count", "300")
		if r.code != loadExitDone {
			t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
		}
		for _, want := range []string{"the echo server at 127.0.0.1:", "open loop at 1000.0/s", "echoed unchanged", "against a target of 1000.0", "p99.9"} {
			if !strings.Contains(r.out, want) {
				t.Errorf("summary lacks %q:\n%s", want, r.out)
			}
		}
	})
	t.Run("--help documents --rate and --echo", func(t *testing.T) {
		r := posimLoad("--help")
		for _, want := range []string{"-rate", "-echo", "coordinated omission"} {
			if !strings.Contains(r.errOut, want) {
				t.Errorf("--help lacks %q", want)
			}
		}
	})
}
