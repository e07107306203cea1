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
	"time"

	"github.com/meridian-gw/meridian/gateway/config"
	"github.com/meridian-gw/meridian/gateway/node"
	"github.com/meridian-gw/meridian/gateway/terminal/pos/load"
	"github.com/meridian-gw/meridian/gateway/terminal/pos/load/echo"
)

// Settings of posim bench.
const (
	// benchOpenShare is the share of a gateway stage's closed-loop
	// capacity (answered/s) its open loop runs at: issue 7 bounds the
	// latency the gateway adds at half its capacity.
	benchOpenShare = 0.5
	// benchOpenRateMin is the lowest open-loop rate run: a closed loop
	// that answered less than twice this a second failed, for a bench.
	benchOpenRateMin = 1.0
	// benchShutdownTimeout bounds a stage's node shutdown.
	benchShutdownTimeout = 30 * time.Second
	// benchMaxInFlight is the node's terminal.max_in_flight per
	// connection: above the default --concurrency, so that the load
	// generator, not the node, bounds what is in flight.
	benchMaxInFlight = 256
)

const benchUsage = `Usage: posim bench [--duration 10s] [--terminals 16] [--concurrency 8]
                   [--stages echo,minimal,alipayplus] [--json] [--write-doc PATH]

Runs the benchmark suite on this machine, load generator included: the
bare TCP echo ceiling, then the gateway (started in this process, journal
durable in a temporary directory) with the minimal in-memory adapter over
real gRPC, then with the Alipay+ adapter and its simulator.

Each gateway stage runs its node once for three loads of --duration each:
the closed loop (--terminals × --concurrency in flight), which measures its
capacity in answered/s; then an open loop at half that capacity, the
latency its terminals see at a sustainable load; then, with the node
stopped, the echo server in an open loop at the same rate. "p99 added" is
the gateway's open-loop p99 less the echo server's: what the gateway adds
at half its capacity. After the closed loop the node's own metrics give
where a purchase's time goes: its terminal request (read to write), the
journal's create and update, the adapter's pay, and the rest.

Prints the tables, or with --json the whole result as one JSON document.
--write-doc PATH writes the tables into a markdown file between the lines
  <!-- posim bench GOMAXPROCS=N begin -->
  <!-- posim bench GOMAXPROCS=N end -->
(N the run's GOMAXPROCS), or appends them with those lines when missing;
nothing else in the file changes. GOMAXPROCS (the environment variable)
sets the cores used:
  GOMAXPROCS=1 go run ./cmd/posim bench --write-doc docs/PERFORMANCE.md
  GOMAXPROCS=2 go run ./cmd/posim bench --write-doc docs/PERFORMANCE.md

Flags:
`

// benchOptions are posim bench's flags.
type benchOptions struct {
	duration               time.Duration
	terminals, concurrency int
	stages                 string
	cpuProfile, memProfile string
	trace                  string
	// traceFile is --trace's file until the first gateway stage's closed
	// loop has been traced into it, then nil.
	traceFile *os.File
	json      bool
	writeDoc  string
}

func (o *benchOptions) flags(stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("posim bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each load runs (a gateway stage runs three)")
	fs.IntVar(&o.terminals, "terminals", 16, "terminals (connections)")
	fs.IntVar(&o.concurrency, "concurrency", 8, "purchases in flight per terminal (closed loop); at most in flight (open loop)")
	fs.StringVar(&o.stages, "stages", "echo,minimal,alipayplus", "the stages to run, comma-separated (the echo ceiling always runs: every share is against it)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the gateway stages (load generator included) to this file; read it with go tool pprof")
	fs.StringVar(&o.memProfile, "memprofile", "", "write an allocation profile taken at the end of the run to this file")
	fs.StringVar(&o.trace, "trace", "", "write an execution trace of the first gateway stage's closed loop to this `file`; read it with go tool trace or docs/experiments/schedtrace")
	fs.BoolVar(&o.json, "json", false, "write the result as JSON to stdout instead of the tables")
	fs.StringVar(&o.writeDoc, "write-doc", "", "write the tables between this markdown `file`'s posim bench GOMAXPROCS=N markers")
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage)
		fs.PrintDefaults()
	}
	return fs
}

// benchStage is one stage of the suite: what it drives, and its results.
type benchStage struct {
	key     string // its name in --stages and in the JSON
	name    string
	scheme  string // "" for the echo ceiling
	code    string
	routing string

	closed *load.Summary // the closed loop: capacity
	// open is the gateway's open loop at benchOpenShare of closed's
	// answered/s, echoOpen the echo server's at the same rate; breakdown
	// is read from the node's metrics after the closed loop. All three
	// are nil for the echo ceiling.
	open, echoOpen *load.Summary
	breakdown      *stageBreakdown
}

// benchResult is one run of the suite.
type benchResult struct {
	gomaxprocs, cpus       int
	duration               time.Duration
	terminals, concurrency int
	stages                 []*benchStage // the echo ceiling first
}

// runBench runs the suite: the echo ceiling, then a gateway node started in
// this process with the minimal adapter (EXAMPLEPAY: the gateway's own
// capacity), then one with the Alipay+ adapter and its simulator (request
// signing included), each with the same load, the journal durable (SQLite,
// synchronous=FULL) in a temporary directory. Every capacity is also given
// as a share of the echo ceiling measured in the same run.
func runBench(args []string, stdout, stderr io.Writer) int {
	o := &benchOptions{}
	fs := o.flags(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "posim bench: unexpected argument %q (see posim bench --help)\n", fs.Arg(0))
		return 2
	}
	stages, err := benchStages(o.stages)
	if err != nil {
		fmt.Fprintf(stderr, "posim bench: %v\n", err)
		return 2
	}
	if o.writeDoc != "" {
		if err := checkBenchDoc(o.writeDoc, runtime.GOMAXPROCS(0)); err != nil {
			fmt.Fprintf(stderr, "posim bench: %v\n", err)
			return 1
		}
	}
	if o.trace != "" && len(stages) == 1 {
		fmt.Fprintf(stderr, "posim bench: --trace traces a gateway stage's closed loop, and --stages %q names none\n", o.stages)
		return 2
	}
	if o.trace != "" {
		if o.traceFile, err = createTrace(o.trace); err != nil {
			fmt.Fprintf(stderr, "posim bench: %v\n", err)
			return 1
		}
		defer o.traceFile.Close()
	}
	res := &benchResult{gomaxprocs: runtime.GOMAXPROCS(0), cpus: runtime.NumCPU(), duration: o.duration,
		terminals: o.terminals, concurrency: o.concurrency, stages: stages}
	ctx := context.Background()
	for i, st := range stages {
		if i == 1 && o.cpuProfile != "" {
			stop, err := startCPUProfile(o.cpuProfile)
			if err != nil {
				fmt.Fprintf(stderr, "posim bench: %v\n", err)
				return 1
			}
			defer stop()
		}
		if err := st.run(ctx, o, stderr); err != nil {
			fmt.Fprintf(stderr, "posim bench: %s: %v\n", st.name, err)
			return 1
		}
	}
	if o.memProfile != "" {
		if err := writeHeapProfile(o.memProfile); err != nil {
			fmt.Fprintf(stderr, "posim bench: %v\n", err)
			return 1
		}
	}
	if o.json {
		if err := writeBenchJSON(stdout, res); err != nil {
			fmt.Fprintf(stderr, "posim bench: writing the JSON result: %v\n", err)
			return 1
		}
	} else {
		printBench(stdout, res)
	}
	if o.writeDoc != "" {
		if err := writeBenchDoc(o.writeDoc, res, benchCommand(res.gomaxprocs, args), time.Now()); err != nil {
			fmt.Fprintf(stderr, "posim bench: %v\n", err)
			return 1
		}
		fmt.Fprintf(stderr, "posim bench: wrote the GOMAXPROCS=%d tables into %s\n", res.gomaxprocs, o.writeDoc)
	}
	return 0
}

// benchStages picks the suite's stages named in list; the echo ceiling is
// always first.
func benchStages(list string) ([]*benchStage, error) {
	all := map[string]*benchStage{
		"minimal": {key: "minimal", name: "gateway, minimal adapter (EXAMPLEPAY)", scheme: "EXAMPLEPAY", code: "991200000000000001",
			routing: `routing: [{scheme: EXAMPLEPAY, prefixes: ["9912"], min_length: 18, max_length: 18}]`},
		"alipayplus": {key: "alipayplus", name: "gateway, Alipay+ adapter and simulator", scheme: "ALIPAYPLUS", code: "281012345678901234"},
	}
	names := strings.Split(list, ",")
	for _, name := range names {
		if _, ok := all[name]; !ok && name != "echo" {
			return nil, fmt.Errorf("--stages: unknown stage %q (want echo, minimal, alipayplus)", name)
		}
	}
	stages := []*benchStage{{key: "echo", name: "echo ceiling (bare length-prefixed TCP)"}}
	for _, name := range []string{"minimal", "alipayplus"} {
		if slices.Contains(names, name) {
			stages = append(stages, all[name])
		}
	}
	return stages, nil
}

// run runs the stage's loads, saying on progress what runs.
func (st *benchStage) run(ctx context.Context, o *benchOptions, progress io.Writer) error {
	if st.scheme == "" {
		fmt.Fprintf(progress, "posim bench: %s for %s...\n", st.name, o.duration)
		s, err := runEchoLoad(ctx, st.loadConfig(o, 0))
		st.closed = s
		return err
	}
	return st.runGateway(ctx, o, progress)
}

// runGateway starts the stage's node once for its closed and open loops,
// reads its metrics in between, and stops it before the echo server's open
// loop, which would otherwise share the cores with an idle node's
// background work.
func (st *benchStage) runGateway(ctx context.Context, o *benchOptions, progress io.Writer) error {
	n, dir, err := st.startNode(ctx, o.terminals)
	if err != nil {
		return fmt.Errorf("starting the node: %w", err)
	}
	defer os.RemoveAll(dir)
	running := true
	defer func() {
		if running {
			_ = shutdownNode(n)
		}
	}()

	fmt.Fprintf(progress, "posim bench: %s, closed loop for %s...\n", st.name, o.duration)
	cfg := st.loadConfig(o, 0)
	cfg.Addr = n.TerminalAddr()
	if st.closed, err = o.traceFirst(func() (*load.Summary, error) { return benchLoad(ctx, cfg) }); err != nil {
		return fmt.Errorf("closed loop: %w", err)
	}
	if st.breakdown, err = gatherBreakdown(n.Metrics()); err != nil {
		return fmt.Errorf("reading the node's metrics after the closed loop: %w", err)
	}
	rate := st.closed.Throughput() * benchOpenShare
	if rate < benchOpenRateMin {
		return fmt.Errorf("the closed loop answered %.1f purchases a second: too few to run an open loop at %.0f %% of it", st.closed.Throughput(), 100*benchOpenShare)
	}
	fmt.Fprintf(progress, "posim bench: %s, open loop at %.0f/s for %s...\n", st.name, rate, o.duration)
	cfg.Rate = rate
	if st.open, err = benchLoad(ctx, cfg); err != nil {
		return fmt.Errorf("open loop at %.0f/s: %w", rate, err)
	}
	running = false
	if err := shutdownNode(n); err != nil {
		return err
	}
	fmt.Fprintf(progress, "posim bench: %s, echo server open loop at %.0f/s for %s...\n", st.name, rate, o.duration)
	if st.echoOpen, err = runEchoLoad(ctx, st.loadConfig(o, rate)); err != nil {
		return fmt.Errorf("echo server open loop at %.0f/s: %w", rate, err)
	}
	return nil
}

// traceFirst runs closedLoop, the first time under the execution trace
// --trace asks for.
func (o *benchOptions) traceFirst(closedLoop func() (*load.Summary, error)) (*load.Summary, error) {
	f := o.traceFile
	if f == nil {
		return closedLoop()
	}
	o.traceFile = nil
	stop, err := startTrace(f)
	if err != nil {
		return nil, err
	}
	defer stop()
	return closedLoop()
}

// loadConfig is the load every stage runs: the same terminals, merchant
// and code, closed loop unless rate is positive. Addr is left to the
// caller.
func (st *benchStage) loadConfig(o *benchOptions, rate float64) load.Config {
	return load.Config{Terminals: o.terminals, Concurrency: o.concurrency, Duration: o.duration, Rate: rate,
		TerminalPrefix: "BN", MerchantID: "BENCHMERCHANT01", WalletCode: st.code}
}

// runEchoLoad runs cfg against an echo server started for it.
func runEchoLoad(ctx context.Context, cfg load.Config) (*load.Summary, error) {
	srv, err := echo.Listen("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the echo server: %w", err)
	}
	defer srv.Close()
	cfg.Addr, cfg.Echo = srv.Addr(), true
	return benchLoad(ctx, cfg)
}

// benchLoad runs one load and checks that its counts add up.
func benchLoad(ctx context.Context, cfg load.Config) (*load.Summary, error) {
	r, err := load.New(cfg)
	if err != nil {
		return nil, err
	}
	s, err := r.Run(ctx)
	if err != nil {
		return nil, err
	}
	return s, s.Check()
}

// startNode starts a gateway node for the stage in a temporary directory,
// its operations endpoint on a loopback port for its metrics.
func (st *benchStage) startNode(ctx context.Context, terminals int) (*node.Node, string, error) {
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
terminal: {addr: "127.0.0.1:0", max_in_flight: %d}
adapters: [{scheme: %s, builtin: true, simulator: true}]
merchants: [{id: BENCHMERCHANT01, currency: EUR, schemes: [%s], terminals: [%s]}]
%s
`, dir, benchMaxInFlight, st.scheme, st.scheme, strings.Join(ids, ", "), st.routing)))
	if err == nil {
		var n *node.Node
		if n, err = node.Start(ctx, cfg, slog.New(slog.DiscardHandler)); err == nil {
			return n, dir, nil
		}
	}
	os.RemoveAll(dir)
	return nil, "", err
}

func shutdownNode(n *node.Node) error {
	ctx, cancel := context.WithTimeout(context.Background(), benchShutdownTimeout)
	defer cancel()
	if err := n.Shutdown(ctx); err != nil {
		return fmt.Errorf("stopping the node: %w", err)
	}
	return nil
}
