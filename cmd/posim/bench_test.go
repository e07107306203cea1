package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

var benchStageNames = []string{"echo ceiling", "minimal adapter (EXAMPLEPAY)", "Alipay+ adapter and simulator"}

// benchRows returns the rows of the printed table whose title starts with
// title, each split into its cells, by the stage they name.
func benchRows(t *testing.T, out, title string) map[string][]string {
	t.Helper()
	rows := map[string][]string{}
	for _, block := range strings.Split(out, "\n\n") {
		lines := strings.Split(strings.TrimSpace(block), "\n")
		if !strings.HasPrefix(lines[0], title) || len(lines) < 2 {
			continue
		}
		for _, l := range lines[2:] { // the title, the header
			cells := regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(l), -1)
			for _, stage := range benchStageNames {
				if strings.Contains(cells[0], stage) {
					rows[stage] = cells
				}
			}
		}
		return rows
	}
	t.Fatalf("no table %q in:\n%s", title, out)
	return nil
}

func number(t *testing.T, cell string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(cell, 64)
	if err != nil {
		t.Fatalf("cell %q is not a number", cell)
	}
	return f
}

// TestBenchRunsTheWholeSuite is the seconds-long smoke of the benchmark
// suite: every stage runs and answers, the closed-loop table gives each as
// a share of the echo ceiling, the gateway stages have their open loop and
// breakdown, and --json holds all of it. It asserts no time.
func TestBenchRunsTheWholeSuite(t *testing.T) {
	args := []string{"bench", "--duration", "300ms", "--terminals", "2", "--concurrency", "2"}
	t.Run("The tables hold a closed-loop row per stage, and an open-loop and a breakdown row per gateway stage", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 0 {
			t.Fatalf("exit %d, stderr %q", code, errOut.String())
		}
		closed := benchRows(t, out.String(), "closed loop")
		for _, stage := range benchStageNames {
			row := closed[stage]
			if len(row) != 9 {
				t.Fatalf("no closed-loop row for %q in:\n%s", stage, out.String())
			}
			if approved, errs := number(t, row[3]), number(t, row[4]); approved == 0 || errs != 0 {
				t.Errorf("%s: %v approved, %v errors; want some approved and none failed (row %q)", stage, approved, errs, row)
			}
		}
		open := benchRows(t, out.String(), "open loop")
		breakdown := benchRows(t, out.String(), "where a purchase's time goes")
		for _, stage := range benchStageNames[1:] {
			row := open[stage]
			if len(row) != 12 {
				t.Fatalf("no open-loop row for %q in:\n%s", stage, out.String())
			}
			rate, achieved, errs := number(t, row[1]), number(t, row[2]), number(t, row[5])
			if rate <= 0 || achieved <= 0 || errs != 0 || rate > number(t, closed[stage][1]) {
				t.Errorf("%s: open loop at %v/s, %v/s achieved, %v errors; want half the closed loop's rate, achieved, no errors (row %q)", stage, rate, achieved, errs, row)
			}
			if added := number(t, row[11]); math.Abs(added-(number(t, row[7])-number(t, row[10]))) > 0.011 {
				t.Errorf("%s: p99 added %v is not p99 %s less the echo's %s", stage, added, row[7], row[10])
			}
			b := breakdown[stage]
			if len(b) != 7 || number(t, b[1]) == 0 || number(t, b[2]) <= 0 {
				t.Errorf("%s: breakdown row %q; want purchases and a request time", stage, b)
			}
		}
		if _, ok := open[benchStageNames[0]]; ok {
			t.Error("the echo ceiling has an open-loop row")
		}
	})
	t.Run("--json writes every stage with its closed loop, and the gateway's open loop and breakdown", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if code := run(append(args, "--json"), &out, &errOut); code != 0 {
			t.Fatalf("exit %d, stderr %q", code, errOut.String())
		}
		var doc benchJSON
		dec := json.NewDecoder(&out)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("not the JSON document: %v", err)
		}
		if doc.GOMAXPROCS != runtime.GOMAXPROCS(0) || doc.CPUs != runtime.NumCPU() || doc.Terminals != 2 || doc.Concurrency != 2 || doc.DurationSeconds != 0.3 {
			t.Errorf("run %+v; want this process's GOMAXPROCS and CPUs, 2 × 2, 0.3 s", doc)
		}
		if len(doc.Stages) != 3 || doc.Stages[0].Stage != "echo" || doc.Stages[1].Stage != "minimal" || doc.Stages[2].Stage != "alipayplus" {
			t.Fatalf("stages %+v; want echo, minimal, alipayplus", doc.Stages)
		}
		for i, s := range doc.Stages {
			if s.AnsweredPerSecond <= 0 || s.Approved == 0 || s.Errors != 0 || s.LatencyMs.Count == 0 || s.ShareOfEcho <= 0 {
				t.Errorf("%s: %+v; want answers, approved, no errors, latencies, a share of echo", s.Stage, s)
			}
			if (i == 0) != (s.OpenLoop == nil) || (i == 0) != (s.BreakdownMs == nil) {
				t.Errorf("%s: open loop %+v, breakdown %+v; want both for the gateway stages only", s.Stage, s.OpenLoop, s.BreakdownMs)
				continue
			}
			if i == 0 {
				continue
			}
			o := s.OpenLoop
			if math.Abs(o.RatePerSecond-s.AnsweredPerSecond/2) > 1e-6*s.AnsweredPerSecond || o.Gateway.LatencyMs.Count == 0 || o.Echo.LatencyMs.Count == 0 || o.Gateway.Errors != 0 || o.Echo.Errors != 0 {
				t.Errorf("%s: open loop %+v; want half of %v/s, answered by gateway and echo alike", s.Stage, o, s.AnsweredPerSecond)
			}
			if math.Abs(o.P99AddedMs-(o.Gateway.LatencyMs.P99-o.Echo.LatencyMs.P99)) > 1e-9 {
				t.Errorf("%s: p99 added %v, p99 %v, echo p99 %v", s.Stage, o.P99AddedMs, o.Gateway.LatencyMs.P99, o.Echo.LatencyMs.P99)
			}
			b := s.BreakdownMs
			parts := b.JournalCreate + b.JournalUpdate + b.AdapterPay + b.Other
			if b.Purchases == 0 || b.Purchases > s.Approved || b.Request <= 0 || b.JournalCreate <= 0 || b.AdapterPay <= 0 || math.Abs(parts-b.Request) > 0.01 {
				t.Errorf("%s: breakdown %+v; want up to %d purchases whose parts add up to the request", s.Stage, b, s.Approved)
			}
		}
	})
}

// withoutBenchTables is doc without its posim bench markers and what lies
// between them: the real document as a starting point the tests can add
// markers to.
func withoutBenchTables(doc string) []byte {
	var b strings.Builder
	inside := false
	for _, line := range strings.SplitAfter(doc, "\n") {
		switch {
		case strings.HasPrefix(line, "<!-- posim bench ") && strings.Contains(line, " begin -->"):
			inside = true
		case strings.HasPrefix(line, "<!-- posim bench ") && strings.Contains(line, " end -->"):
			inside = false
		case !inside:
			b.WriteString(line)
		}
	}
	return []byte(b.String())
}

// benchDoc runs a short echo-only bench writing into path.
func benchDoc(t *testing.T, path string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run([]string{"bench", "--stages", "echo", "--duration", "100ms", "--terminals", "1", "--write-doc", path}, &out, &errOut)
	return code, errOut.String()
}

func TestBenchWritesTheDoc(t *testing.T) {
	doc, err := os.ReadFile("../../docs/PERFORMANCE.md")
	if err != nil {
		t.Fatal(err)
	}
	perf := withoutBenchTables(string(doc))
	begin, end := benchDocMarkers(runtime.GOMAXPROCS(0))
	otherBegin, otherEnd := benchDocMarkers(runtime.GOMAXPROCS(0) + 1)
	header := "| stage | answered/s | of echo |"
	read := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	t.Run("Only the text between the run's markers is replaced, and a second run leaves one table", func(t *testing.T) {
		head := string(perf) + "\n" + otherBegin + "\nanother run's table\n" + otherEnd + "\n\nText before.\n"
		tail := "Text after.\n"
		path := filepath.Join(t.TempDir(), "PERFORMANCE.md")
		if err := os.WriteFile(path, []byte(head+begin+"\nthe old table\n"+end+"\n"+tail), 0o640); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if code, errOut := benchDoc(t, path); code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			got := read(path)
			if !strings.HasPrefix(got, head+begin+"\n") || !strings.HasSuffix(got, "\n"+end+"\n"+tail) {
				t.Fatalf("the text around the markers changed:\n%s", got)
			}
			inside := strings.TrimSuffix(strings.TrimPrefix(got, head+begin+"\n"), end+"\n"+tail)
			if strings.Count(inside, header) != 1 || strings.Contains(inside, "old table") || !strings.Contains(inside, "| echo ceiling (bare length-prefixed TCP) |") {
				t.Errorf("between the markers:\n%s\nwant one table of this run and nothing of the old one", inside)
			}
			if !strings.Contains(inside, "go run ./cmd/posim bench --stages echo") || !strings.Contains(inside, runtime.Version()) {
				t.Errorf("between the markers:\n%s\nwant the command and the machine", inside)
			}
		}
		if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o640 {
			t.Errorf("the file's mode is %v (%v); want 0640 kept", info.Mode(), err)
		}
	})
	t.Run("Without the markers the table is appended with them under a heading, once", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "PERFORMANCE.md")
		if err := os.WriteFile(path, perf, 0o644); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if code, errOut := benchDoc(t, path); code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			got := read(path)
			added, ok := strings.CutPrefix(got, string(perf))
			if !ok || !strings.HasPrefix(added, "\n## posim bench, GOMAXPROCS=") || !strings.HasSuffix(added, "\n"+end+"\n") {
				t.Fatalf("appended:\n%s\nwant the original text, then a heading and the markers", added)
			}
			if strings.Count(added, header) != 1 || strings.Count(added, begin) != 1 {
				t.Errorf("appended:\n%s\nwant one table between one pair of markers", added)
			}
		}
	})
	t.Run("Markers missing one of the pair, doubled, out of order or sharing a line leave the file untouched", func(t *testing.T) {
		for _, text := range []string{
			"a\n" + begin + "\nb\n",
			"a\n" + end + "\nb\n",
			begin + "\n" + end + "\n" + begin + "\n" + end + "\n",
			end + "\n" + begin + "\n",
			"a " + begin + "\n" + end + "\n",
		} {
			path := filepath.Join(t.TempDir(), "PERFORMANCE.md")
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			code, errOut := benchDoc(t, path)
			if code != 1 || !strings.Contains(errOut, "--write-doc") || read(path) != text {
				t.Errorf("with %q: exit %d, stderr %q, file %q; want exit 1 naming --write-doc and the file unchanged", text, code, errOut, read(path))
			}
		}
	})
	t.Run("A file that is not there is an error", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "missing.md")
		if code, errOut := benchDoc(t, path); code != 1 || !strings.Contains(errOut, "missing.md") {
			t.Errorf("exit %d, stderr %q; want 1 naming the file", code, errOut)
		}
		if _, err := os.Stat(path); err == nil {
			t.Error("the file was created")
		}
	})
}

func TestBenchCommandQuotesForTheShell(t *testing.T) {
	got := benchCommand(2, []string{"--duration", "5s", "--write-doc", "docs/my perf's.md"})
	want := `GOMAXPROCS=2 go run ./cmd/posim bench --duration 5s --write-doc 'docs/my perf'\''s.md'`
	if got != want {
		t.Errorf("benchCommand = %s, want %s", got, want)
	}
}

// TestBenchTracesTheFirstClosedLoop checks that --trace leaves an execution
// trace, in the runtime's format, of a run that otherwise goes as without it.
func TestBenchTracesTheFirstClosedLoop(t *testing.T) {
	path := filepath.Join(t.TempDir(), "closed.trace")
	var out, errOut bytes.Buffer
	args := []string{"bench", "--stages", "minimal", "--duration", "200ms", "--terminals", "2", "--concurrency", "2", "--trace", path}
	if code := run(args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if row := benchRows(t, out.String(), "closed loop")[benchStageNames[1]]; len(row) != 9 || number(t, row[3]) == 0 {
		t.Errorf("closed-loop row %q; want the minimal adapter's purchases approved", row)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Every execution trace opens with "go 1.N trace" and NUL padding.
	if !regexp.MustCompile(`^go 1\.\d+ trace\x00`).Match(b) || len(b) < 1024 {
		t.Errorf("%s holds %d bytes starting %q; want an execution trace", path, len(b), b[:min(len(b), 16)])
	}
}

func TestBenchRefusesATraceItCannotTake(t *testing.T) {
	var out, errOut bytes.Buffer
	path := filepath.Join(t.TempDir(), "missing", "closed.trace")
	args := []string{"bench", "--stages", "minimal", "--duration", "100ms", "--terminals", "1", "--trace", path}
	if code := run(args, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "creating the execution trace") {
		t.Errorf("exit %d, stderr %q; want 1 and what failed", code, errOut.String())
	}
	out.Reset()
	errOut.Reset()
	args = []string{"bench", "--stages", "echo", "--duration", "100ms", "--trace", filepath.Join(t.TempDir(), "echo.trace")}
	if code := run(args, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "names none") {
		t.Errorf("--trace without a gateway stage: exit %d, stderr %q; want 2 and why", code, errOut.String())
	}
}
