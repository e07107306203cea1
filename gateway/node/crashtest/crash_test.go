package crashtest

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // reads the gateway's journal after the run

	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
)

// Settings, from the environment so that CI runs a short version and a
// person the long one:
//
//	MERIDIAN_CRASH_KILLS=25 MERIDIAN_CRASH_DURATION=120s go test -v -timeout 30m -run TestCrash ./gateway/node/crashtest/
type settings struct {
	kills     int           // MERIDIAN_CRASH_KILLS: SIGKILLs of meridiand, at least
	duration  time.Duration // MERIDIAN_CRASH_DURATION: how long posim load runs
	seed      uint64        // MERIDIAN_CRASH_SEED: when the kills happen
	terminals int
	settle    time.Duration // after the last restart, every attempt must be final within this
}

func loadSettings(t *testing.T) settings {
	kills := os.Getenv("MERIDIAN_CRASH_KILLS")
	if kills == "" {
		t.Skip("the kill -9 harness runs with MERIDIAN_CRASH_KILLS=N (see docs/RELIABILITY.md)")
	}
	s := settings{duration: 60 * time.Second, seed: uint64(time.Now().UnixNano()), terminals: 8, settle: 90 * time.Second}
	var err error
	if s.kills, err = strconv.Atoi(kills); err != nil || s.kills < 1 {
		t.Fatalf("MERIDIAN_CRASH_KILLS=%q: want a positive number", kills)
	}
	if d := os.Getenv("MERIDIAN_CRASH_DURATION"); d != "" {
		if s.duration, err = time.ParseDuration(d); err != nil {
			t.Fatalf("MERIDIAN_CRASH_DURATION: %v", err)
		}
	}
	if v := os.Getenv("MERIDIAN_CRASH_SEED"); v != "" {
		if s.seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("MERIDIAN_CRASH_SEED: %v", err)
		}
	}
	return s
}

func TestCrash(t *testing.T) {
	s := loadSettings(t)
	t.Logf("seed %d (rerun with MERIDIAN_CRASH_SEED=%d): %d kills over %v of load", s.seed, s.seed, s.kills, s.duration)
	dir := t.TempDir()
	bin := buildBinaries(t, dir)

	wallet := startWallet(t, bin, dir)
	gw := newGateway(t, bin, dir, wallet.url, s.terminals)
	gw.start(t)

	record := filepath.Join(dir, "record.jsonl")
	load := exec.Command(bin("posim"), "load",
		"--addr", gw.addr, "--terminals", strconv.Itoa(s.terminals), "--terminal-prefix", "LOAD",
		"--merchant", merchantID, "--concurrency", "4", "--duration", s.duration.String(),
		"--mix", "00:80,51:3,05:2,91:4,92:3,93:3,96:5", "--timeout", "8s", "--drain", "90s",
		"--record", record, "--json")
	var loadOut strings.Builder
	load.Stdout = &loadOut
	load.Stderr = testWriter{t, "posim"}
	if err := load.Start(); err != nil {
		t.Fatal(err)
	}
	loadDone := make(chan error, 1)
	go func() { loadDone <- load.Wait() }()

	rng := rand.New(rand.NewPCG(s.seed, 0))
	kills := 0
	interval := s.duration / time.Duration(s.kills+1)
	for kills < s.kills {
		pause := interval/2 + time.Duration(rng.Int64N(int64(interval)))
		select {
		case err := <-loadDone:
			t.Fatalf("posim load ended after %d kills, before %d: %v\n%s", kills, s.kills, err, loadOut.String())
		case <-time.After(pause):
		}
		gw.kill(t)
		kills++
		time.Sleep(time.Duration(rng.Int64N(int64(500 * time.Millisecond))))
		gw.start(t)
	}
	t.Logf("killed meridiand %d times; waiting for the load to finish", kills)
	if err := <-loadDone; err != nil {
		t.Errorf("posim load: %v (exit 2 means reversal advices left outstanding)", err)
	}
	t.Logf("posim load summary:\n%s", loadOut.String())

	// Everything ends: after the last restart, every attempt is final in a
	// set time, with the gateway running.
	lastRestart := time.Now()
	open := -1
	for time.Since(lastRestart) < s.settle {
		if open = countNotFinal(t, gw.db); open == 0 {
			break
		}
		time.Sleep(time.Second)
	}
	gw.stop(t)

	r := reconcile(t, gw.db, wallet.ledger(t), record)
	r.notFinal = countNotFinal(t, gw.db)
	r.kills = kills
	t.Logf("reconciliation: %s", r)
	if r.discrepancies() != 0 {
		t.Errorf("discrepancies: %s", r)
	}
}

const merchantID = "CRASHMERCHANT01"

// buildBinaries builds the three programs once and returns their paths.
func buildBinaries(t *testing.T, dir string) func(string) string {
	t.Helper()
	root := moduleRoot(t)
	for _, name := range []string{"meridiand", "walletsim", "posim"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, name), "./cmd/"+name)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build ./cmd/%s: %v\n%s", name, err, out)
		}
	}
	return func(name string) string { return filepath.Join(dir, name) }
}

func moduleRoot(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

type walletProcess struct {
	url        string
	ledgerPath string
}

func (w walletProcess) ledger(t *testing.T) sim.Snapshot {
	t.Helper()
	resp, err := http.Get(w.url + "/sim/ledger")
	if err != nil {
		t.Fatalf("read the wallet's ledger: %v", err)
	}
	defer resp.Body.Close()
	var snap sim.Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil {
		t.Fatalf("decode the wallet's ledger: %v", err)
	}
	return snap
}

// startWallet runs the wallet simulator as its own process, never killed,
// with a durable ledger.
func startWallet(t *testing.T, bin func(string) string, dir string) walletProcess {
	t.Helper()
	keys := filepath.Join(dir, "keys")
	if out, err := exec.Command(bin("walletsim"), "keys", "--dir", keys).CombinedOutput(); err != nil {
		t.Fatalf("walletsim keys: %v\n%s", err, out)
	}
	ledger := filepath.Join(dir, "wallet-ledger.jsonl")
	cmd := exec.Command(bin("walletsim"), "--addr", "127.0.0.1:0", "--ledger", ledger,
		"--acquirer-public-key", filepath.Join(keys, "acquirer.pub.pem"),
		"--wallet-private-key", filepath.Join(keys, "wallet.pem"),
		"--client-id", clientID, "--slow-delay", "6s")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = testWriter{t, "walletsim"}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if i := strings.Index(lines.Text(), "http://"); i >= 0 {
			url := strings.Fields(lines.Text()[i:])[0]
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return walletProcess{url: url, ledgerPath: ledger}
		}
	}
	t.Fatalf("walletsim printed no URL: %v", lines.Err())
	return walletProcess{}
}

const clientID = "MERIDIAN-CRASH"

type gateway struct {
	bin    string
	config string
	addr   string
	db     string
	cmd    *exec.Cmd
	starts int
}

func newGateway(t *testing.T, bin func(string) string, dir, walletURL string, terminals int) *gateway {
	t.Helper()
	addr := freeAddr(t)
	var ids []string
	for i := 1; i <= terminals; i++ {
		ids = append(ids, fmt.Sprintf("LOAD%04d", i))
	}
	keys := filepath.Join(dir, "keys")
	config := fmt.Sprintf(`data_dir: %s
metrics_addr: ""
terminal: {addr: "%s"}
payment: {budget: 5s, inquiry_interval: 100ms, resolve_interval: 200ms, retry_max: 2s, not_found_grace: 10s}
adapters:
  - scheme: ALIPAYPLUS
    builtin: true
    call_timeout: 3s
    base_url: %s
    client_id: %s
    private_key: %s
    wallet_public_key: %s
merchants:
  - {id: %s, currency: EUR, schemes: [ALIPAYPLUS], terminals: [%s]}
`, filepath.Join(dir, "data"), addr, walletURL, clientID,
		filepath.Join(keys, "acquirer.pem"), filepath.Join(keys, "wallet.pub.pem"), merchantID, strings.Join(ids, ", "))
	path := filepath.Join(dir, "meridian.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	g := &gateway{bin: bin("meridiand"), config: path, addr: addr, db: filepath.Join(dir, "data", "meridian.db")}
	t.Cleanup(func() {
		if g.cmd != nil {
			_ = g.cmd.Process.Kill()
			_ = g.cmd.Wait()
		}
	})
	return g
}

func (g *gateway) start(t *testing.T) {
	t.Helper()
	g.starts++
	g.cmd = exec.Command(g.bin, "--config", g.config, "--log-format", "json")
	g.cmd.Stdout = io.Discard
	g.cmd.Stderr = logFile(t, fmt.Sprintf("meridiand-%02d.log", g.starts))
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", g.addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("meridiand (start %d) did not listen on %s", g.starts, g.addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (g *gateway) kill(t *testing.T) {
	t.Helper()
	if err := g.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 meridiand: %v", err)
	}
	_ = g.cmd.Wait()
	g.cmd = nil
}

func (g *gateway) stop(t *testing.T) {
	t.Helper()
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = g.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(40 * time.Second):
		t.Error("meridiand did not stop within 40 s of SIGTERM")
		_ = g.cmd.Process.Kill()
		<-done
	}
	g.cmd = nil
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// logFile keeps each meridiand run's log in the test's temporary directory,
// or under MERIDIAN_CRASH_LOGS when set, for reading after a failure.
func logFile(t *testing.T, name string) *os.File {
	dir := os.Getenv("MERIDIAN_CRASH_LOGS")
	if dir == "" {
		dir = t.TempDir()
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

type testWriter struct {
	t      *testing.T
	prefix string
}

func (w testWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if strings.TrimSpace(line) != "" && !strings.Contains(line, "\r") {
			w.t.Logf("%s: %s", w.prefix, line)
		}
	}
	return len(p), nil
}

func countNotFinal(t *testing.T, path string) int {
	t.Helper()
	db := openJournal(t, path)
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM attempts WHERE state NOT IN ('approved', 'declined', 'cancelled', 'refunded')`).Scan(&n); err != nil {
		t.Fatalf("count attempts not final: %v", err)
	}
	return n
}

func openJournal(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	return db
}
