package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/meridian-gw/meridian/gateway/config"
	"github.com/meridian-gw/meridian/gateway/node"
	"github.com/meridian-gw/meridian/gateway/terminal/pos/load"
	"github.com/meridian-gw/meridian/gateway/terminal/pos/load/echo"
)

// benchStage is one run of the suite: what it drives, and its result.
type benchStage struct {
	name    string
	scheme  string // "" for the echo ceiling
	code    string
	routing string
	summary *load.Summary
}

// runBench runs the suite: the echo ceiling, then a gateway node started in
// this process with the minimal adapter (EXAMPLEPAY: the gateway's own
// capacity), then one with the Alipay+ adapter and its simulator (request
// signing included), each for --duration with the same load, the journal
// durable (SQLite, synchronous=FULL) in a temporary directory. Every figure
// is also given as a share of the echo ceiling measured in the same run.
func runBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("posim bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	duration := fs.Duration("duration", 10*time.Second, "how long each stage runs")
	terminals := fs.Int("terminals", 16, "terminals (connections)")
	concurrency := fs.Int("concurrency", 8, "purchases in flight per terminal (closed loop)")
	only := fs.String("stages", "echo,minimal,alipayplus", "the stages to run, comma-separated (the echo ceiling always runs: every share is against it)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the gateway stages (load generator included) to this file; read it with go tool pprof")
	memProfile := fs.String("memprofile", "", "write an allocation profile taken at the end of the run to this file")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: posim bench [--duration 10s] [--terminals 16] [--concurrency 8]

Runs the benchmark suite on this machine, load generator included: the
bare TCP echo ceiling, then the gateway (started in this process, journal
durable in a temporary directory) with the minimal in-memory adapter over
real gRPC, then with the Alipay+ adapter and its simulator. Prints one
table; GOMAXPROCS (the environment variable) sets the cores used.

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
	stages, err := benchStages(*only)
	if err != nil {
		fmt.Fprintf(stderr, "posim bench: %v\n", err)
		return 2
	}
	for i, st := range stages {
		fmt.Fprintf(stderr, "posim bench: %s for %s...\n", st.name, *duration)
		if i == 1 && *cpuProfile != "" {
			stop, err := startCPUProfile(*cpuProfile)
			if err != nil {
				fmt.Fprintf(stderr, "posim bench: %v\n", err)
				return 1
			}
			defer stop()
		}
		s, err := st.run(*duration, *terminals, *concurrency)
		if err != nil {
			fmt.Fprintf(stderr, "posim bench: %s: %v\n", st.name, err)
			return 1
		}
		st.summary = s
	}
	if *memProfile != "" {
		if err := writeHeapProfile(*memProfile); err != nil {
			fmt.Fprintf(stderr, "posim bench: %v\n", err)
			return 1
		}
	}
	printBench(stdout, stages, *terminals, *concurrency)
	return 0
}

// benchStages picks the suite's stages named in list; the echo ceiling is
// always first.
func benchStages(list string) ([]*benchStage, error) {
	all := map[string]*benchStage{
		"minimal": {name: "gateway, minimal adapter (EXAMPLEPAY)", scheme: "EXAMPLEPAY", code: "991200000000000001",
			routing: `routing: [{scheme: EXAMPLEPAY, prefixes: ["9912"], min_length: 18, max_length: 18}]`},
		"alipayplus": {name: "gateway, Alipay+ adapter and simulator", scheme: "ALIPAYPLUS", code: "281012345678901234"},
	}
	stages := []*benchStage{{name: "echo ceiling (bare length-prefixed TCP)"}}
	for _, name := range []string{"minimal", "alipayplus"} {
		if slices.Contains(strings.Split(list, ","), name) {
			stages = append(stages, all[name])
		}
	}
	for _, name := range strings.Split(list, ",") {
		if _, ok := all[name]; !ok && name != "echo" {
			return nil, fmt.Errorf("--stages: unknown stage %q (want echo, minimal, alipayplus)", name)
		}
	}
	return stages, nil
}

func (st *benchStage) run(duration time.Duration, terminals, concurrency int) (*load.Summary, error) {
	cfg := load.Config{Terminals: terminals, Concurrency: concurrency, Duration: duration,
		TerminalPrefix: "BN", MerchantID: "BENCHMERCHANT01", WalletCode: st.code}
	if st.scheme == "" {
		srv, err := echo.Listen("127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		cfg.Addr, cfg.Echo = srv.Addr(), true
	} else {
		n, dir, err := st.startNode(terminals)
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		defer n.Shutdown(context.Background())
		cfg.Addr = n.TerminalAddr()
	}
	r, err := load.New(cfg)
	if err != nil {
		return nil, err
	}
	return r.Run(context.Background())
}

// startNode starts a gateway node for the stage in a temporary directory.
func (st *benchStage) startNode(terminals int) (*node.Node, string, error) {
	dir, err := os.MkdirTemp("", "posim-bench-")
	if err != nil {
		return nil, "", err
	}
	ids := make([]string, terminals)
	for i := range ids {
		ids[i] = fmt.Sprintf("BN%06d", i+1)
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
data_dir: %q
metrics_addr: ""
terminal: {addr: "127.0.0.1:0", max_in_flight: 256}
adapters: [{scheme: %s, builtin: true, simulator: true}]
merchants: [{id: BENCHMERCHANT01, currency: EUR, schemes: [%s], terminals: [%s]}]
%s
`, dir, st.scheme, st.scheme, strings.Join(ids, ", "), st.routing)))
	if err == nil {
		var n *node.Node
		if n, err = node.Start(context.Background(), cfg, slog.New(slog.DiscardHandler)); err == nil {
			return n, dir, nil
		}
	}
	os.RemoveAll(dir)
	return nil, "", err
}

func printBench(w io.Writer, stages []*benchStage, terminals, concurrency int) {
	fmt.Fprintf(w, "posim bench: %d terminals × %d in flight, GOMAXPROCS %d, %d CPUs\n\n",
		terminals, concurrency, runtime.GOMAXPROCS(0), runtime.NumCPU())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stage\tanswered/s\tof echo\tapproved\terrors\tp50 ms\tp99 ms\tp99.9 ms\tmax ms\t")
	ceiling := stages[0].summary.Throughput()
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }
	for _, st := range stages {
		s := st.summary
		share := "-"
		if ceiling > 0 {
			share = fmt.Sprintf("%.3f", s.Throughput()/ceiling)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t\n", st.name, s.Throughput(), share,
			approved(s), s.Errors(), ms(s.Latency.P50), ms(s.Latency.P99), ms(s.Latency.P999), ms(s.Latency.Max))
	}
	tw.Flush()
}

// approved counts the purchases answered 00.
func approved(s *load.Summary) int64 {
	for _, rc := range s.ResponseCodes {
		if rc.RC == "00" {
			return rc.Count
		}
	}
	return 0
}
