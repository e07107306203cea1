package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
	"github.com/meridian-gw/meridian/schemes/credentials"
)

const (
	testClientID = "WALLETSIM-TEST"
	testCode     = "281012345678901234"
)

// readyLine is the line walletsim prints once it serves.
var readyLine = regexp.MustCompile(`walletsim: serving Alipay\+ partner API at (http://\S+) \(ledger (.*)\)\n`)

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testKeys writes a key set once per test binary: making keys takes a while.
var testKeys = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "walletsim-keys-")
	if err != nil {
		return "", err
	}
	var stdout, stderr bytes.Buffer
	if status := run(context.Background(), []string{"keys", "--dir", dir}, &stdout, &stderr); status != 0 {
		return "", fmt.Errorf("keys = %d: %s", status, stderr.String())
	}
	return dir, nil
})

func keysDir(t *testing.T) string {
	t.Helper()
	dir, err := testKeys()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestMain(m *testing.M) {
	status := m.Run()
	if dir, err := testKeys(); err == nil {
		os.RemoveAll(dir)
	}
	os.Exit(status)
}

// serveArgs are the flags of a walletsim on a free port with the test keys.
func serveArgs(t *testing.T, ledger string, more ...string) []string {
	dir := keysDir(t)
	args := []string{"--addr", "127.0.0.1:0", "--acquirer-public-key", filepath.Join(dir, "acquirer.pub.pem"),
		"--wallet-private-key", filepath.Join(dir, "wallet.pem"), "--client-id", testClientID}
	if ledger != "" {
		args = append(args, "--ledger", ledger)
	}
	return append(args, more...)
}

// gatewayClient is a partner-API client with the gateway's half of the keys,
// loaded from the files walletsim keys wrote.
func gatewayClient(t *testing.T, baseURL string) *alipayplus.Client {
	t.Helper()
	dir := keysDir(t)
	private, err := credentials.LoadPrivateKey(filepath.Join(dir, "acquirer.pem"))
	if err != nil {
		t.Fatal(err)
	}
	walletPublic, err := credentials.LoadPublicKey(filepath.Join(dir, "wallet.pub.pem"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := alipayplus.NewClient(alipayplus.ClientConfig{BaseURL: baseURL, ClientID: testClientID,
		PrivateKey: private, WalletPublicKey: walletPublic, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func payRequest(id string, minorUnits int64) *alipayplus.PayRequest {
	amount := alipayplus.NewAmount("EUR", minorUnits)
	return &alipayplus.PayRequest{
		ProductCode:      alipayplus.ProductCodeInStorePayment,
		PaymentRequestID: id,
		Order: alipayplus.Order{ReferenceOrderID: id, OrderDescription: "walletsim test", OrderAmount: amount,
			Merchant: alipayplus.Merchant{ReferenceMerchantID: "M-1", MerchantName: "Test", MerchantMCC: "5812"}},
		PaymentAmount: amount,
		PaymentMethod: alipayplus.PaymentMethod{PaymentMethodType: alipayplus.PaymentMethodConnectWallet, PaymentMethodID: testCode},
	}
}

func pay(t *testing.T, c *alipayplus.Client, id string, minorUnits int64, wantStatus string) *alipayplus.PayResponse {
	t.Helper()
	resp, err := c.Pay(context.Background(), payRequest(id, minorUnits))
	if err != nil {
		t.Fatalf("Pay %s: %v", id, err)
	}
	if resp.Result.ResultStatus != wantStatus {
		t.Fatalf("Pay %s = %s %s, want %s", id, resp.Result.ResultStatus, resp.Result.ResultCode, wantStatus)
	}
	return resp
}

func servedLedger(t *testing.T, baseURL string) sim.Snapshot {
	t.Helper()
	resp, err := http.Get(baseURL + "/sim/ledger")
	if err != nil {
		t.Fatalf("GET /sim/ledger: %v", err)
	}
	defer resp.Body.Close()
	var snap sim.Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil {
		t.Fatalf("decode /sim/ledger: %v", err)
	}
	return snap
}

func paymentOf(t *testing.T, snap sim.Snapshot, id string) sim.Payment {
	t.Helper()
	for _, p := range snap.Payments {
		if p.RequestID == id {
			return p
		}
	}
	t.Fatalf("payment %s is not in the ledger", id)
	return sim.Payment{}
}

// process is walletsim running as its own process.
type process struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	exited         chan struct{}
	err            error // set when exited is closed
	url            string
}

// buildWalletsim builds the command into a temporary directory.
func buildWalletsim(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build walletsim with")
	}
	bin := filepath.Join(t.TempDir(), "walletsim")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startProcess runs walletsim and waits for its ready line.
func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start walletsim: %v", err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
	})
	deadline := time.After(30 * time.Second)
	for {
		if m := readyLine.FindStringSubmatch(p.stdout.String()); m != nil {
			p.url = m[1]
			return p
		}
		select {
		case <-p.exited:
			t.Fatalf("walletsim exited before it served: %v\nstderr: %s", p.err, p.stderr.String())
		case <-deadline:
			t.Fatalf("no ready line within 30s; stdout: %q\nstderr: %s", p.stdout.String(), p.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// stop sends sig and returns the exit status (-1 when killed by a signal).
func (p *process) stop(t *testing.T, sig os.Signal) int {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("walletsim did not exit within 30s of %v", sig)
	}
	return p.cmd.ProcessState.ExitCode()
}

func TestWalletsimKeepsItsLedgerAcrossSIGTERMAndKill9(t *testing.T) {
	bin := buildWalletsim(t)
	ledger := filepath.Join(t.TempDir(), "walletsim-ledger.jsonl")
	args := serveArgs(t, ledger)

	first := startProcess(t, bin, args...)
	if !strings.Contains(first.stdout.String(), "(ledger "+ledger+")") || strings.HasSuffix(first.url, ":0") {
		t.Fatalf("ready line %q does not name the ledger and the port picked", first.stdout.String())
	}
	c := gatewayClient(t, first.url)
	paid := pay(t, c, "e2e-paid", 1000, "S")
	pay(t, c, "e2e-in-process", 1092, "U")
	if status := first.stop(t, syscall.SIGTERM); status != 0 {
		t.Fatalf("exit status after SIGTERM = %d, want 0; stderr: %s", status, first.stderr.String())
	}
	if !strings.Contains(first.stderr.String(), "walletsim stopped") {
		t.Fatalf("no stop line on stderr: %s", first.stderr.String())
	}

	second := startProcess(t, bin, args...)
	c = gatewayClient(t, second.url)
	snap := servedLedger(t, second.url)
	if p := paymentOf(t, snap, "e2e-paid"); p.Status != sim.StatusPaid || p.WalletTxnID != paid.PaymentID {
		t.Fatalf("after a restart the payment is %+v", p)
	}
	if repeat := pay(t, c, "e2e-paid", 1000, "S"); repeat.PaymentID != paid.PaymentID {
		t.Fatalf("repeat after a restart answered payment %s, want %s", repeat.PaymentID, paid.PaymentID)
	}
	cancel, err := c.CancelPayment(context.Background(), &alipayplus.CancelPaymentRequest{PaymentRequestID: "e2e-in-process"})
	if err != nil || cancel.Result.ResultStatus != "S" {
		t.Fatalf("Cancel = %+v, %v", cancel, err)
	}
	if status := second.stop(t, syscall.SIGKILL); status != -1 {
		t.Fatalf("exit status after kill -9 = %d, want -1 (killed)", status)
	}

	third := startProcess(t, bin, args...)
	snap = servedLedger(t, third.url)
	if p := paymentOf(t, snap, "e2e-paid"); p.Charges != 1 || p.PayCalls != 2 {
		t.Fatalf("after kill -9: %d charges over %d pay calls, want 1 over 2", p.Charges, p.PayCalls)
	}
	if p := paymentOf(t, snap, "e2e-in-process"); p.Status != sim.StatusCancelled {
		t.Fatalf("the cancel answered before kill -9 is lost: %s", p.Status)
	}
	out, err := exec.Command(bin, "check", "--ledger", ledger).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "check: OK") || !strings.Contains(string(out), "paid 1, failed 0, cancelled 1") {
		t.Fatalf("walletsim check on a running walletsim's ledger = %v:\n%s", err, out)
	}
	if status := third.stop(t, os.Interrupt); status != 0 {
		t.Fatalf("exit status after SIGINT = %d, want 0; stderr: %s", status, third.stderr.String())
	}
}

func TestServeInProcessStopsWhenItsContextEnds(t *testing.T) {
	ledger := filepath.Join(t.TempDir(), "ledger.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	status := make(chan int, 1)
	go func() { status <- run(ctx, serveArgs(t, ledger, "--slow-delay", "1m"), stdout, stderr) }()
	var url string
	deadline := time.Now().Add(30 * time.Second)
	for url == "" {
		if m := readyLine.FindStringSubmatch(stdout.String()); m != nil {
			url = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no ready line; stderr: %s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	c := gatewayClient(t, url)
	pay(t, c, "in-process", 1000, "S")
	held := make(chan error, 1)
	go func() { _, err := c.Pay(context.Background(), payRequest("held", 1093)); held <- err }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		// The record is durable before the answer is held.
		if l, err := sim.LoadLedger(ledger, nil); err == nil {
			if _, ok := l.Payment("held"); ok {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the 93 payment did not reach the ledger file within 10s")
		}
	}
	cancel()
	select {
	case s := <-status:
		if s != 0 {
			t.Fatalf("status = %d; stderr: %s", s, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop within 15s of its context ending (a held answer kept it?)")
	}
	if err := <-held; !errors.Is(err, alipayplus.ErrHTTPStatus) {
		t.Fatalf("held Pay error = %v, want HTTP 503 at shutdown", err)
	}
	l, err := sim.LoadLedger(ledger, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := l.Payment("held"); p.Status != sim.StatusProcessing || p.SettleAt.IsZero() {
		t.Fatalf("held payment after the stop: %s settling at %v, want processing with a settle time", p.Status, p.SettleAt)
	}
}

func TestServeRefusesWhatItCannotRun(t *testing.T) {
	dir := keysDir(t)
	corrupt := filepath.Join(t.TempDir(), "corrupt.jsonl")
	os.WriteFile(corrupt, []byte("not a record\n{\"n\":2}\n"), 0o600)
	busy := startInProcess(t, serveArgs(t, "")...)
	cases := []struct {
		name   string
		args   []string
		status int
		want   string
	}{
		{"no acquirer key", []string{"--wallet-private-key", filepath.Join(dir, "wallet.pem")}, 2, "--acquirer-public-key is required"},
		{"no wallet key", []string{"--acquirer-public-key", filepath.Join(dir, "acquirer.pub.pem")}, 2, "--wallet-private-key is required"},
		{"keys swapped", []string{"--acquirer-public-key", filepath.Join(dir, "wallet.pem"), "--wallet-private-key", filepath.Join(dir, "acquirer.pem")}, 2, "not a public key"},
		{"a missing key file", []string{"--acquirer-public-key", filepath.Join(dir, "missing.pem"), "--wallet-private-key", filepath.Join(dir, "wallet.pem")}, 2, "no such file"},
		{"a zero delay", serveArgs(t, "", "--slow-delay", "0s"), 2, "must be positive"},
		{"a bad log level", serveArgs(t, "", "--log-level", "loud"), 2, "--log-level"},
		{"an unknown flag", []string{"--colour"}, 2, "flag provided but not defined"},
		{"an extra argument", []string{"keys", "--dir", t.TempDir(), "extra"}, 2, "unexpected argument"},
		{"an unknown command", []string{"replay"}, 2, `unknown command "replay"`},
		{"a corrupt ledger", serveArgs(t, corrupt), 1, "corrupt at line 1"},
		{"a busy address", append(serveArgs(t, ""), "--addr", strings.TrimPrefix(busy, "http://")), 1, "address already in use"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			status := run(context.Background(), c.args, &stdout, &stderr)
			if status != c.status || !strings.Contains(stderr.String(), c.want) {
				t.Fatalf("status %d, stderr %q; want %d mentioning %q", status, stderr.String(), c.status, c.want)
			}
		})
	}
}

// startInProcess serves walletsim in the test process until the test ends
// and returns its URL.
func startInProcess(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan struct{})
	go func() { run(ctx, args, stdout, stderr); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := readyLine.FindStringSubmatch(stdout.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ready line; stderr: %s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestHelpExplainsEveryCommandAndFlag(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"keys", "--help"}, {"check", "-help"}, {"serve", "--help"}, {"scan", "--help"}} {
		var stdout, stderr bytes.Buffer
		if status := run(context.Background(), args, &stdout, &stderr); status != 0 {
			t.Fatalf("run(%v) = %d, want 0", args, status)
		}
		for _, want := range []string{"--addr", "--ledger", "--acquirer-public-key", "--wallet-private-key", "--client-id",
			"--slow-delay", "--cancel-window", "--refund-window", "--max-ledger-entries", "--shutdown-grace", "--log-level",
			"keys --dir", "check --ledger", "scan --url", "--qr", "--timeout", "acquirer.pem", "wallet.pub.pem", "Exit status"} {
			if !strings.Contains(stdout.String(), want) {
				t.Fatalf("run(%v) help does not mention %q", args, want)
			}
		}
	}
}

func TestKeysWritesTwoPairsThatMatchAndNeverOverwrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "keys")
	var stdout, stderr bytes.Buffer
	if status := run(context.Background(), []string{"keys", "--dir", dir}, &stdout, &stderr); status != 0 {
		t.Fatalf("keys = %d: %s", status, stderr.String())
	}
	for _, want := range []string{"private_key: " + filepath.Join(dir, "acquirer.pem"), "wallet_public_key: " + filepath.Join(dir, "wallet.pub.pem"),
		"--acquirer-public-key " + filepath.Join(dir, "acquirer.pub.pem"), "--wallet-private-key " + filepath.Join(dir, "wallet.pem")} {
		if !strings.Contains(stdout.String(), want) {
			t.Fatalf("keys output does not say %q:\n%s", want, stdout.String())
		}
	}
	contents := map[string][]byte{}
	for _, name := range []string{"acquirer.pem", "acquirer.pub.pem", "wallet.pem", "wallet.pub.pem"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, mode %v; want mode 0600", name, err, info.Mode().Perm())
		}
		contents[name], _ = os.ReadFile(filepath.Join(dir, name))
	}
	for _, who := range []string{"acquirer", "wallet"} {
		private, err := credentials.LoadPrivateKey(filepath.Join(dir, who+".pem"))
		if err != nil {
			t.Fatal(err)
		}
		public, err := credentials.LoadPublicKey(filepath.Join(dir, who+".pub.pem"))
		if err != nil {
			t.Fatal(err)
		}
		if !private.PublicKey.Equal(public) || private.N.BitLen() != 2048 {
			t.Fatalf("%s.pub.pem is not the public half of a 2048-bit %s.pem", who, who)
		}
	}
	stdout.Reset()
	stderr.Reset()
	if status := run(context.Background(), []string{"keys", "--dir", dir}, &stdout, &stderr); status != 1 || !strings.Contains(stderr.String(), "never overwritten") {
		t.Fatalf("keys into a full directory = %d %q, want 1 and a refusal", status, stderr.String())
	}
	for name, before := range contents {
		if after, _ := os.ReadFile(filepath.Join(dir, name)); !bytes.Equal(before, after) {
			t.Fatalf("%s was overwritten", name)
		}
	}
	if status := run(context.Background(), []string{"keys"}, &stdout, &stderr); status != 2 {
		t.Fatalf("keys without --dir = %d, want 2", status)
	}
}

// ledgerLines is a hand-written ledger file: a header and a paid payment
// charged the given number of times.
func ledgerLines(charges int) string {
	return `{"n":1,"op":"header","version":2,"hashKey":"` + strings.Repeat("ab", 32) + `","createdAt":"2026-03-01T10:00:00Z"}
{"n":2,"op":"pay","seq":1,"payment":{"requestId":"p-1","walletTxnId":"2026030110000080010000000001","scenario":"approve","currency":"EUR","minorUnits":1250,"status":"paid","createdAt":"2026-03-01T10:00:00Z","paidAt":"2026-03-01T10:00:00Z","charges":` + fmt.Sprint(charges) + `,"reversed":0,"refunded":0,"payCalls":1,"inquiries":0}}
{"n":3,"op":"refund","seq":2,"payment":{"requestId":"p-1","walletTxnId":"2026030110000080010000000001","scenario":"approve","currency":"EUR","minorUnits":1250,"status":"paid","createdAt":"2026-03-01T10:00:00Z","paidAt":"2026-03-01T10:00:00Z","charges":` + fmt.Sprint(charges) + `,"reversed":0,"refunded":250,"refundIds":["r-1"],"payCalls":1,"inquiries":0},"refund":{"requestId":"r-1","walletTxnId":"2026030110000090010000000002","paymentRequestId":"p-1","currency":"EUR","minorUnits":250,"outcome":"ok","createdAt":"2026-03-01T10:00:00Z"}}
`
}

func TestCheckExitStatus(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	clean := ledgerLines(1)
	cases := []struct {
		name         string
		args         []string
		status       int
		stdout, warn string
	}{
		{"a clean ledger", []string{"check", "--ledger", write("clean.jsonl", clean)}, 0, "check: OK", ""},
		{"a double charge", []string{"check", "--ledger", write("double.jsonl", ledgerLines(2))}, 1, "payment p-1 (paid): charged 2 times, want 1", ""},
		{"a torn last line", []string{"check", "--ledger", write("torn.jsonl", clean+`{"n":4,"op":"pa`)}, 0, "check: OK", "torn last line"},
		{"corruption in the middle", []string{"check", "--ledger", write("corrupt.jsonl", strings.Replace(clean, `"op":"pay"`, `"op":"pay`, 1))}, 3, "", "corrupt at line 2"},
		{"a missing ledger", []string{"check", "--ledger", filepath.Join(dir, "missing.jsonl")}, 3, "", "no such file"},
		{"no ledger flag", []string{"check"}, 2, "", "--ledger is required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			status := run(context.Background(), c.args, &stdout, &stderr)
			if status != c.status || !strings.Contains(stdout.String(), c.stdout) || !strings.Contains(stderr.String(), c.warn) {
				t.Fatalf("status %d\nstdout: %s\nstderr: %s\nwant %d, stdout with %q, stderr with %q", status, stdout.String(), stderr.String(), c.status, c.stdout, c.warn)
			}
		})
	}
	var stdout bytes.Buffer
	run(context.Background(), []string{"check", "--ledger", filepath.Join(dir, "clean.jsonl")}, &stdout, &bytes.Buffer{})
	for _, want := range []string{"1 payments, 1 refunds", "paid 1, failed 0, cancelled 0", "1 succeeded, 0 refused", "EUR", "1250", "250", "1000"} {
		if !strings.Contains(stdout.String(), want) {
			t.Fatalf("summary does not say %q:\n%s", want, stdout.String())
		}
	}
}

// orderQR places a merchant-presented order at the walletsim at url and
// returns its QR payload.
func orderQR(t *testing.T, url, id string, minorUnits int64) string {
	t.Helper()
	req := payRequest(id, minorUnits)
	req.PaymentMethod.PaymentMethodID = ""
	req.PaymentFactor = &alipayplus.PaymentFactor{IsInStorePayment: "true", InStorePaymentScenario: alipayplus.InStoreScenarioOrderCode}
	resp, err := gatewayClient(t, url).Pay(context.Background(), req)
	if err != nil || resp.OrderCodeForm == nil || len(resp.OrderCodeForm.CodeDetails) == 0 {
		t.Fatalf("order %s = %+v, %v; want an order code", id, resp, err)
	}
	return resp.OrderCodeForm.CodeDetails[0].CodeValue
}

func TestScanPaysAnOrderAndSaysSoInPlainWords(t *testing.T) {
	url := startInProcess(t, serveArgs(t, "")...)
	paid, declined := orderQR(t, url, "scan-paid", 1250), orderQR(t, url, "scan-declined", 1051)
	cases := []struct {
		name   string
		args   []string
		status int
		stdout string
		stderr string
	}{
		{"an open order is paid", []string{"scan", "--url", url, "--qr", paid}, 0, "paid: order scan-paid, EUR 12.50 charged to the customer's Alipay wallet", ""},
		{"the amount rule declines", []string{"scan", "--url", url, "--qr", declined}, 0, "declined: order scan-declined, EUR 10.51 not charged; the wallet answered USER_BALANCE_NOT_ENOUGH", ""},
		{"a second scan is refused", []string{"scan", "--url", url, "--qr", paid}, 1, "", "not paid: order scan-paid was already scanned; it is paid (HTTP 409)"},
		{"a payload of no order is refused", []string{"scan", "--url", url, "--qr", "hello"}, 1, "", "(HTTP 404)"},
		{"no walletsim at the URL", []string{"scan", "--url", "http://127.0.0.1:1", "--qr", paid}, 1, "", "walletsim scan:"},
		{"no payload", []string{"scan", "--url", url}, 2, "", "--qr is required"},
		{"no URL", []string{"scan", "--qr", paid}, 2, "", "--url is required"},
	}
	for _, c := range cases {
		t.Run("When "+c.name+", scan exits "+fmt.Sprint(c.status)+".", func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			status := run(context.Background(), c.args, &stdout, &stderr)
			if status != c.status || !strings.Contains(stdout.String(), c.stdout) || !strings.Contains(stderr.String(), c.stderr) {
				t.Fatalf("status %d\nstdout: %s\nstderr: %s\nwant %d, stdout with %q, stderr with %q", status, stdout.String(), stderr.String(), c.status, c.stdout, c.stderr)
			}
		})
	}
	if p := paymentOf(t, servedLedger(t, url), "scan-paid"); p.Status != sim.StatusPaid || p.Charges != 1 {
		t.Fatalf("ledger after the scans: %s charged %d times, want paid once", p.Status, p.Charges)
	}
	var stdout bytes.Buffer
	ledger := filepath.Join(t.TempDir(), "orders.jsonl")
	durable := startInProcess(t, serveArgs(t, ledger)...)
	orderQR(t, durable, "open-order", 1000)
	run(context.Background(), []string{"check", "--ledger", ledger}, &stdout, &bytes.Buffer{})
	if !strings.Contains(stdout.String(), "orders: 1 merchant-presented, 1 awaiting the customer, 0 expired unpaid") {
		t.Fatalf("check does not count the open order:\n%s", stdout.String())
	}
}
