package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/config"
	"github.com/meridian-gw/meridian/gateway/node"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/pos/load"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// loadGateway is a gateway node started in-process for posim load, with the
// terminals LOAD0001 to LOAD0008 onboarded and the built-in Alipay+
// simulator holding its "no answer" amounts (…93) for slowDelay.
type loadGateway struct {
	*node.Node
	stopOnce sync.Once
}

func startLoadGateway(t *testing.T, addr, dataDir string, budget, slowDelay time.Duration) *loadGateway {
	t.Helper()
	cfg, err := config.Parse(fmt.Appendf(nil, `
data_dir: %s
metrics_addr: ""
terminal: {addr: %q}
payment: {budget: %s, inquiry_interval: 50ms, resolve_interval: 100ms}
adapters: [{scheme: ALIPAYPLUS, builtin: true, simulator: true, simulator_slow_delay: %s}]
merchants:
  - id: MERIDIANDEMO001
    currency: EUR
    schemes: [ALIPAYPLUS]
    terminals: [LOAD0001, LOAD0002, LOAD0003, LOAD0004, LOAD0005, LOAD0006, LOAD0007, LOAD0008]
`, dataDir, addr, budget, slowDelay))
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	g := &loadGateway{Node: n}
	t.Cleanup(func() { g.stop(context.Background()) })
	return g
}

// stop shuts the node down; with ctx already ended, at once, cutting off
// the requests in flight as a crash would.
func (g *loadGateway) stop(ctx context.Context) {
	g.stopOnce.Do(func() { _ = g.Shutdown(ctx) })
}

type loadRun struct {
	code        int
	out, errOut string
}

func posimLoad(args ...string) loadRun {
	var out, errOut bytes.Buffer
	code := run(append([]string{"load"}, args...), &out, &errOut)
	return loadRun{code, out.String(), errOut.String()}
}

func readRecord(t *testing.T, path string) []load.Outcome {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var outcomes []load.Outcome
	s := bufio.NewScanner(f)
	for s.Scan() {
		dec := json.NewDecoder(bytes.NewReader(s.Bytes()))
		dec.DisallowUnknownFields()
		var o load.Outcome
		if err := dec.Decode(&o); err != nil {
			t.Fatalf("record line %d %q: %v", len(outcomes)+1, s.Text(), err)
		}
		outcomes = append(outcomes, o)
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return outcomes
}

func parseLoadJSON(t *testing.T, r loadRun) loadJSON {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(r.out))
	dec.DisallowUnknownFields()
	var s loadJSON
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("summary is not the JSON document: %v\nstdout: %s\nstderr: %s", err, r.out, r.errOut)
	}
	return s
}

// rcBySuffix is what a terminal is told for each amount suffix, from
// shared/spec/wallet-simulators.md.
var rcBySuffix = map[int64]string{
	0: "00", 5: "05", 51: "51", 54: "54", 59: "59", 61: "61",
	91: "00", // in process twice, then paid
	92: "91", // in process until cancelled
	93: "91", // no answer within the budget, then cancelled
	96: "00", // a server error once, then a safe retry
}

var (
	stanPattern = regexp.MustCompile(`^\d{6}$`)
	de7Pattern  = regexp.MustCompile(`^\d{10}$`)
	loadID      = regexp.MustCompile(`^LOAD000[1-8]$`)
)

func TestLoadAgainstAGateway(t *testing.T) {
	t.Parallel()
	g := startLoadGateway(t, "127.0.0.1:0", t.TempDir(), 3*time.Second, 4*time.Second)
	addr := g.TerminalAddr()

	t.Run("Every outcome of the mix is accounted for in the summary and the record, with the spec's RC for its amount", func(t *testing.T) {
		t.Parallel()
		record := filepath.Join(t.TempDir(), "load.jsonl")
		r := posimLoad("--addr", addr, "--terminals", "8", "--concurrency", "4", "--count", "200",
			"--mix", "00:4,05:1,51:1,54:1,59:1,61:1,91:1,92:1,93:1,96:1", "--timeout", "20s",
			"--record", record, "--json")
		if r.code != loadExitDone {
			t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
		}
		s := parseLoadJSON(t, r)
		if s.Sent != 200 || s.Sent != s.Answered+s.NoAnswer || s.NoAnswer != 0 {
			t.Errorf("sent %d, answered %d, no answer %d; want 200 all answered (the gateway answers within its budget)", s.Sent, s.Answered, s.NoAnswer)
		}
		if s.Answered != s.Approved+s.Declined+s.Answered91 || s.LatencyMs.Count != s.Answered {
			t.Errorf("answered %d, but %d approved + %d declined + %d 91, latency of %d", s.Answered, s.Approved, s.Declined, s.Answered91, s.LatencyMs.Count)
		}
		byRC := map[string]int64{}
		for _, c := range s.ResponseCodes {
			if c.Meaning == "" || c.Meaning == wire.RCMeaning("xx") {
				t.Errorf("RC %s has no meaning in the summary", c.RC)
			}
			byRC[c.RC] = c.Count
		}

		outcomes := readRecord(t, record)
		if int64(len(outcomes)) != s.Sent {
			t.Fatalf("the record has %d lines for %d purchases", len(outcomes), s.Sent)
		}
		approved := int64(0)
		seen := map[string]bool{}
		recordRCs := map[string]int64{}
		for _, o := range outcomes {
			key := o.TerminalID + "/" + o.STAN + "/" + o.TransmissionTime
			if seen[key] {
				t.Errorf("purchase %s twice in the record", key)
			}
			seen[key] = true
			if !loadID.MatchString(o.TerminalID) || !stanPattern.MatchString(o.STAN) || !de7Pattern.MatchString(o.TransmissionTime) || o.Currency != "978" || o.MTI != "0210" || o.AdviceSent {
				t.Errorf("record line %+v", o)
			}
			suffix := o.Amount % 100
			if o.Amount-suffix != 1000 {
				t.Errorf("amount %d is not 10.00 with a suffix", o.Amount)
			}
			if want := rcBySuffix[suffix]; o.RC != want {
				t.Errorf("purchase of %d answered %s, want %s", o.Amount, o.RC, want)
			}
			recordRCs[o.RC]++
			if o.MTI == "0210" && o.RC == "00" {
				approved++
				if len(o.RRN) != 12 || o.ApprovalCode == "" || o.SchemeTransactionID == "" {
					t.Errorf("approved purchase without RRN, approval code or scheme id: %+v", o)
				}
			}
		}
		if approved != s.Approved {
			t.Errorf("the summary counts %d approved, the record %d", s.Approved, approved)
		}
		for rc, n := range recordRCs {
			if byRC[rc] != n {
				t.Errorf("RC %s: %d in the summary, %d in the record", rc, byRC[rc], n)
			}
		}
	})

	t.Run("The text summary has a row per RC with its meaning, advices, throughput and latency", func(t *testing.T) {
		t.Parallel()
		r := posimLoad("--addr", addr, "--terminals", "2", "--concurrency", "2", "--count", "20", "--mix", "00:1,51:1")
		if r.code != loadExitDone {
			t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
		}
		for _, want := range []string{
			"2 terminals × 2 in flight, mix 00:1,51:1",
			"  00           10   50.0%  approved / done",
			"  51           10   50.0%  insufficient funds in the wallet",
			"  all          20  100.0%  sent",
			"reversal advices  0 sent, 0 acknowledged, 0 refused, 0 outstanding",
			"purchases answered per second",
			"latency           p50 ",
		} {
			if !strings.Contains(r.out, want) {
				t.Errorf("summary lacks %q:\n%s", want, r.out)
			}
		}
	})
}

// TestLoadAcrossAGatewayRestart cuts the gateway off in the middle of the
// load, as the crash harness does, and starts a new one on the same
// address and data directory: the terminals reconnect, and every purchase
// left without an answer gets a reversal advice the new gateway journals
// and acknowledges.
func TestLoadAcrossAGatewayRestart(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	dir := t.TempDir()
	// The first gateway holds the …93 purchases for its whole 30 s budget,
	// so some are certainly in flight when it goes down.
	first := startLoadGateway(t, addr, dir, 30*time.Second, 40*time.Second)
	record := filepath.Join(t.TempDir(), "load.jsonl")
	done := make(chan loadRun, 1)
	go func() {
		done <- posimLoad("--addr", addr, "--terminals", "8", "--concurrency", "4", "--count", "200",
			"--mix", "00:3,93:1", "--timeout", "20s", "--record", record, "--json")
	}()
	waitForLines(t, record, 16)
	cutOff, cancel := context.WithCancel(context.Background())
	cancel()
	first.stop(cutOff)
	second := startLoadGateway(t, addr, dir, 3*time.Second, 4*time.Second)

	var r loadRun
	select {
	case r = <-done:
	case <-time.After(2 * time.Minute): // a safety net, not a measure
		t.Fatal("posim load did not end")
	}
	if r.code != loadExitDone {
		t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
	}
	s := parseLoadJSON(t, r)
	if s.Sent != 200 || s.Sent != s.Answered+s.NoAnswer || s.NoAnswer == 0 {
		t.Errorf("sent %d, answered %d, no answer %d; want 200, some of them without an answer", s.Sent, s.Answered, s.NoAnswer)
	}
	if a := s.Advices; a.Sent != s.NoAnswer || a.Acknowledged != s.NoAnswer || a.Outstanding != 0 || a.Refused != 0 {
		t.Errorf("advices %+v for %d purchases without an answer; want all acknowledged", a, s.NoAnswer)
	}
	t.Logf("sent %d, answered %d, no answer %d, advices %+v, reconnects %d", s.Sent, s.Answered, s.NoAnswer, s.Advices, s.Connections.Reconnects)
	if s.Connections.Reconnects < 8 {
		t.Errorf("%d reconnects; each of the 8 terminals lost its connection", s.Connections.Reconnects)
	}

	outcomes := readRecord(t, record)
	if int64(len(outcomes)) != s.Sent {
		t.Fatalf("the record has %d lines for %d purchases", len(outcomes), s.Sent)
	}
	unanswered := int64(0)
	ctx := t.Context()
	for _, o := range outcomes {
		if o.RC != "" {
			continue
		}
		unanswered++
		if !o.AdviceSent || !o.AdviceAcknowledged || o.AdviceRC != "00" {
			t.Errorf("purchase without an answer, advice not acknowledged: %+v", o)
			continue
		}
		key := payment.TerminalKey{TerminalID: o.TerminalID, STAN: o.AdviceSTAN, TransmissionTime: o.AdviceTransmissionTime}
		if _, err := second.Store().AttemptByKey(ctx, payment.KindReversal, key); err != nil {
			t.Errorf("the advice for %s/%s is not in the journal: %v", o.TerminalID, o.STAN, err)
		}
		purchase := payment.TerminalKey{TerminalID: o.TerminalID, STAN: o.STAN, TransmissionTime: o.TransmissionTime}
		if a, err := second.Store().AttemptByKey(ctx, payment.KindPurchase, purchase); err == nil && a.State == payment.StateApproved {
			t.Errorf("purchase %s/%s stands approved after its reversal advice was acknowledged", o.TerminalID, o.STAN)
		}
	}
	if unanswered != s.NoAnswer {
		t.Errorf("the record has %d purchases without an answer, the summary %d", unanswered, s.NoAnswer)
	}
}

func TestLoadRefusesWhatCannotRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "127.0.0.1:1"}, "--duration or --count is required"},
		{[]string{"--count", "1", "--mix", "00:1,5:1"}, "two-digit suffix"},
		{[]string{"--count", "1", "--terminals", "10000"}, "no room for 10000"},
		{[]string{"--count", "1", "--amount-base", "0.50"}, "amount of 0"},
		{[]string{"--count", "1", "--amount-base", "10,00"}, "--amount-base"},
		{[]string{"--count", "1", "--currency", "EUX"}, "not an ISO 4217 code"},
		{[]string{"--count", "1", "--timeout", "0s"}, "must be positive"},
		{[]string{"--count", "1", "--record", filepath.Join(t.TempDir(), "no", "such", "dir")}, "--record"},
		{[]string{"--count", "1", "stray"}, "unexpected argument"},
		{[]string{"--no-such-flag"}, "flag provided but not defined"},
	} {
		r := posimLoad(tc.args...)
		if r.code != loadExitFailed || !strings.Contains(r.errOut, tc.want) {
			t.Errorf("posim load %v: exit %d, stderr %q; want exit 1 mentioning %q", tc.args, r.code, r.errOut, tc.want)
		}
	}
	if r := posimLoad("--help"); r.code != 0 || !strings.Contains(r.errOut, "reversal advice") {
		t.Errorf("posim load --help: exit %d, %q", r.code, r.errOut)
	}
}

func TestLoadSaysWhatToDoWhenNoGatewayAnswers(t *testing.T) {
	t.Parallel()
	r := posimLoad("--addr", freeAddr(t), "--count", "10", "--connect-timeout", "200ms")
	if r.code != loadExitFailed || !strings.Contains(r.errOut, "never reachable") || !strings.Contains(r.errOut, "go run ./cmd/meridiand") {
		t.Errorf("exit %d, stderr %q: want exit 1 saying the gateway was never reachable and how to start it", r.code, r.errOut)
	}
}

func TestProgressLine(t *testing.T) {
	last := load.Progress{Elapsed: time.Second, Approved: 100}
	p := load.Progress{Elapsed: 2 * time.Second, Sent: 260, Approved: 300, Declined: 20, Unavailable: 5, NoAnswer: 3, InFlight: 32, Late: 4, Connected: 8, Reconnects: 2, AdvicesOutstanding: 1,
		Latency: load.Latency{Count: 320, P50: 1500 * time.Microsecond, P90: 3 * time.Millisecond, P99: 12 * time.Millisecond, P999: 40 * time.Millisecond, Max: 1250 * time.Millisecond}}
	want := "    2s  225/s  sent 260  approved 300  declined 20  91 5  no answer 3  in flight 32  late 4  connected 8  reconnects 2  advices outstanding 1  p50 1.50 ms p90 3.00 ms p99 12.00 ms p99.9 40.00 ms max 1.25 s"
	if got := progressLine(p, last); got != want {
		t.Errorf("progress line\n got %q\nwant %q", got, want)
	}
}

// freeAddr returns a loopback address no one listens on now, for a gateway
// that must come back on the same address.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// waitForLines waits until the file at path holds at least n lines.
func waitForLines(t *testing.T, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute) // a safety net, not a measure
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && bytes.Count(b, []byte("\n")) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never held %d lines", path, n)
}
