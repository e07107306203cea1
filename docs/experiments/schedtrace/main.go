// Command schedtrace reads an execution trace (posim bench --trace) and
// says how the scheduler spent it: how long work was runnable while a P
// had nothing running, and, for one goroutine named by a function on its
// stack (the journal's writer), where its time went and how long the
// goroutines it woke waited before they ran. docs/PERFORMANCE.md quotes
// its figures.
//
//	go run . TRACE FUNC
//
// for example, from this directory,
//
//	go run . /tmp/closed.trace 'store.(*writer).run'
package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/exp/trace"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: schedtrace TRACE FUNC (FUNC: part of a function name on the stack of the goroutine to follow)")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "schedtrace:", err)
		os.Exit(1)
	}
	defer f.Close()
	a := &analysis{follow: os.Args[2], goroutines: map[trace.GoID]*goroutine{}, writer: trace.NoGoroutine,
		shares: map[shareKey]trace.Time{}, writerTime: map[string]trace.Time{}, writerCount: map[string]int{}}
	if err := a.read(f); err != nil {
		fmt.Fprintln(os.Stderr, "schedtrace:", err)
		os.Exit(1)
	}
	a.print(os.Stdout)
}

// goroutine is what the analysis knows of one goroutine.
type goroutine struct {
	state trace.GoState
	since trace.Time
	// wokenBy is the P of the followed goroutine when it made this one
	// runnable, -1 otherwise; fromSyscall says it became runnable on
	// leaving a system call whose P had been taken away.
	wokenBy     trace.ProcID
	fromSyscall bool
}

// shareKey is a moment's count of goroutines running, runnable (at most
// runnableCap) and in a system call.
type shareKey struct{ running, runnable, syscall int }

const runnableCap = 9

type analysis struct {
	follow     string
	goroutines map[trace.GoID]*goroutine
	writer     trace.GoID
	gomaxprocs int

	running, runnable, syscall int
	first, last                trace.Time
	shares                     map[shareKey]trace.Time
	starved                    trace.Time // work runnable, fewer goroutines running than Ps

	writerTime  map[string]trace.Time
	writerCount map[string]int
	wokeWait    []trace.Time // from woken by the followed goroutine to running
	wokeSameP   int
}

func (a *analysis) read(r io.Reader) error {
	tr, err := trace.NewReader(r)
	if err != nil {
		return fmt.Errorf("reading the trace: %w", err)
	}
	for {
		ev, err := tr.ReadEvent()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the trace: %w", err)
		}
		a.advance(ev.Time())
		switch ev.Kind() {
		case trace.EventMetric:
			if m := ev.Metric(); m.Name == "/sched/gomaxprocs:threads" {
				a.gomaxprocs = int(m.Value.Uint64())
			}
		case trace.EventStateTransition:
			if st := ev.StateTransition(); st.Resource.Kind == trace.ResourceGoroutine {
				a.transition(ev, st)
			}
		}
	}
}

// advance counts the time since the last event against the counts that
// held during it.
func (a *analysis) advance(t trace.Time) {
	if a.first == 0 {
		a.first, a.last = t, t
	}
	d := t - a.last
	a.last = t
	a.shares[shareKey{a.running, min(a.runnable, runnableCap), a.syscall}] += d
	if a.runnable > 0 && a.running < a.gomaxprocs {
		a.starved += d
	}
}

func (a *analysis) transition(ev trace.Event, st trace.StateTransition) {
	id := st.Resource.Goroutine()
	from, to := st.Goroutine()
	g := a.goroutines[id]
	if g == nil {
		g = &goroutine{state: from, since: ev.Time(), wokenBy: -1}
		a.goroutines[id] = g
	}
	if a.writer == trace.NoGoroutine && ev.Goroutine() == id && (onStack(st.Stack, a.follow) || onStack(ev.Stack(), a.follow)) {
		a.writer = id
	}
	spent := ev.Time() - g.since
	if id == a.writer {
		name := g.state.String()
		if g.state == trace.GoRunnable && g.fromSyscall {
			name = "Runnable after its P was taken in a syscall"
		}
		a.writerTime[name] += spent
		a.writerCount[name]++
	}
	if g.state == trace.GoRunnable && to == trace.GoRunning && g.wokenBy >= 0 {
		a.wokeWait = append(a.wokeWait, spent)
		if g.wokenBy == ev.Proc() {
			a.wokeSameP++
		}
	}
	a.count(g.state, -1)
	a.count(to, +1)
	g.wokenBy = -1
	if to == trace.GoRunnable && from == trace.GoWaiting && a.writer != trace.NoGoroutine && ev.Goroutine() == a.writer {
		g.wokenBy = ev.Proc()
	}
	g.fromSyscall = to == trace.GoRunnable && from == trace.GoSyscall
	g.state, g.since = to, ev.Time()
}

func (a *analysis) count(s trace.GoState, n int) {
	switch s {
	case trace.GoRunning:
		a.running += n
	case trace.GoRunnable:
		a.runnable += n
	case trace.GoSyscall:
		a.syscall += n
	}
}

func onStack(s trace.Stack, fn string) bool {
	for f := range s.Frames() {
		if strings.Contains(f.Func, fn) {
			return true
		}
	}
	return false
}

func (a *analysis) print(w io.Writer) {
	total := float64(a.last - a.first)
	if total == 0 {
		fmt.Fprintln(w, "the trace holds no time")
		return
	}
	fmt.Fprintf(w, "trace: %.0f ms, GOMAXPROCS %d\n\n", total/1e6, a.gomaxprocs)
	fmt.Fprintf(w, "share of the time with work runnable and fewer goroutines running than Ps: %.2f\n\n", float64(a.starved)/total)
	keys := make([]shareKey, 0, len(a.shares))
	for k := range a.shares {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y shareKey) int { return cmp.Compare(a.shares[y], a.shares[x]) })
	fmt.Fprintf(w, "goroutines running, runnable (%d: %d or more), in a syscall: share of the time\n", runnableCap, runnableCap)
	for _, k := range keys[:min(len(keys), 8)] {
		fmt.Fprintf(w, "  %d  %d  %d  %.3f\n", k.running, k.runnable, k.syscall, float64(a.shares[k])/total)
	}
	if a.writer == trace.NoGoroutine {
		fmt.Fprintf(w, "\nno goroutine has %q on its stack\n", a.follow)
		return
	}
	fmt.Fprintf(w, "\ngoroutine %d (%s): time by state, share of the trace, spells, mean µs a spell\n", a.writer, a.follow)
	names := make([]string, 0, len(a.writerTime))
	for n := range a.writerTime {
		names = append(names, n)
	}
	slices.SortFunc(names, func(x, y string) int { return cmp.Compare(a.writerTime[y], a.writerTime[x]) })
	for _, n := range names {
		fmt.Fprintf(w, "  %-44s %.3f %8d %9.1f\n", n, float64(a.writerTime[n])/total, a.writerCount[n], float64(a.writerTime[n])/1e3/float64(a.writerCount[n]))
	}
	if len(a.wokeWait) == 0 {
		return
	}
	slices.Sort(a.wokeWait)
	var sum trace.Time
	for _, d := range a.wokeWait {
		sum += d
	}
	q := func(p float64) float64 { return float64(a.wokeWait[int(p*float64(len(a.wokeWait)-1))]) / 1e3 }
	fmt.Fprintf(w, "\ngoroutines it woke, from runnable to running: %d, mean %.0f µs, p50 %.0f, p90 %.0f, p99 %.0f; %.2f of them ran on the P that woke them\n",
		len(a.wokeWait), float64(sum)/1e3/float64(len(a.wokeWait)), q(0.5), q(0.9), q(0.99), float64(a.wokeSameP)/float64(len(a.wokeWait)))
}
