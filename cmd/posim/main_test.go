package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/meridian-gw/meridian/fx"
	"github.com/meridian-gw/meridian/gateway/config"
	"github.com/meridian-gw/meridian/gateway/node"
)

func TestParseAmountIsExactAtEveryExponent(t *testing.T) {
	for _, tc := range []struct {
		in, cur string
		want    int64
		err     string
	}{
		{"12.50", "EUR", 1250, ""},
		{"12.5", "EUR", 1250, ""},
		{"12", "EUR", 1200, ""},
		{"0.01", "EUR", 1, ""},
		{"1000", "KRW", 1000, ""},
		{"1.5", "KRW", 0, "0 decimal places"},
		{"1.234", "KWD", 1234, ""},
		{"1.2345", "KWD", 0, "3 decimal places"},
		{"12.", "EUR", 0, "write it like"},
		{".5", "EUR", 0, "write it like"},
		{"-1", "EUR", 0, "only digits"},
		{"1e3", "EUR", 0, "only digits"},
		{"99999999999.99", "EUR", 0, "12 digits"},
	} {
		cur, _ := fx.ByCode(tc.cur)
		got, err := parseAmount(tc.in, cur)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseAmount(%q, %s) error = %v, want one mentioning %q", tc.in, tc.cur, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseAmount(%q, %s) = %d, %v; want %d", tc.in, tc.cur, got, err, tc.want)
		}
		if back := formatAmount(got, cur); !strings.HasPrefix(back, strings.TrimRight(strings.TrimRight(tc.in, "0"), ".")) && tc.in != "12" && tc.in != "1000" {
			t.Errorf("formatAmount(%d) = %q, does not read back as %q", got, back, tc.in)
		}
	}
	eur, _ := fx.ByCode("EUR")
	if got := formatAmount(5, eur); got != "0.05 EUR" {
		t.Errorf("formatAmount(5, EUR) = %q", got)
	}
}

// TestPosimAgainstARunningGateway drives the CLI the way a person does,
// against a gateway started in-process.
func TestPosimAgainstARunningGateway(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // posim's STAN and last-purchase memory
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
data_dir: %s
metrics_addr: ""
terminal: {addr: "127.0.0.1:0"}
payment: {budget: 3s, inquiry_interval: 50ms, resolve_interval: 100ms}
adapters: [{scheme: ALIPAYPLUS, builtin: true, simulator: true}]
merchants: [{id: MERIDIANDEMO001, currency: EUR, schemes: [ALIPAYPLUS], terminals: [DEMO0001]}]
`, t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Shutdown(context.Background()) })
	posim := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := run(append(args, "--addr", n.TerminalAddr()), &out, &errOut)
		return out.String(), errOut.String(), code
	}

	out, _, code := posim("signon")
	if code != 0 || !strings.HasPrefix(out, "APPROVED  RC 00") {
		t.Fatalf("signon: exit %d, output %q", code, out)
	}
	out, _, code = posim("pay", "--amount", "12.50", "--code", "281012345678901234")
	if code != 0 || !strings.HasPrefix(out, "APPROVED  RC 00") || !strings.Contains(out, "12.50 EUR") || !strings.Contains(out, "Alipay") {
		t.Fatalf("pay: exit %d, output %q", code, out)
	}
	rrn := regexp.MustCompile(`RRN\s+(\d{12})`).FindStringSubmatch(out)
	if rrn == nil {
		t.Fatalf("pay printed no RRN: %q", out)
	}
	if out, _, _ = posim("status", "--rrn", rrn[1]); !strings.HasPrefix(out, "APPROVED (purchase stands)  RC 00") {
		t.Errorf("status: %q", out)
	}
	if out, _, _ = posim("refund", "--rrn", rrn[1], "--amount", "2.50"); !strings.HasPrefix(out, "APPROVED  RC 00") {
		t.Errorf("refund: %q", out)
	}
	if out, _, _ = posim("pay", "--amount", "12.51", "--code", "281012345678901234"); !strings.HasPrefix(out, "DECLINED  RC 51: insufficient funds") {
		t.Errorf("pay 12.51: %q", out)
	}
	// reverse without flags reverses the last purchase: the declined one.
	if out, _, _ = posim("reverse"); !strings.HasPrefix(out, "APPROVED  RC 00") {
		t.Errorf("reverse: %q", out)
	}
	if out, _, _ = posim("pay", "--json", "--amount", "1.00", "--code", "1234"); !strings.Contains(out, `"rc": "14"`) {
		t.Errorf("pay with an unroutable code, JSON: %q", out)
	}

	// Idle terminals: held open, and the gateway still answers.
	var idleOut, idleErr bytes.Buffer
	if code := run([]string{"idle", "--connections", "20", "--hold", "100ms", "--addr", n.TerminalAddr()}, &idleOut, &idleErr); code != 0 ||
		!strings.Contains(idleOut.String(), "holding 20 idle connections") {
		t.Errorf("idle: exit %d, output %q %q", code, idleOut.String(), idleErr.String())
	}
	if code := run([]string{"idle", "--connections", "0"}, &idleOut, &idleErr); code != 2 {
		t.Errorf("idle --connections 0: exit %d, want 2", code)
	}

	// A merchant-presented QR: shown, paid by scanning, then approved.
	out, _, code = posim("qr", "--amount", "3.00", "--wait", "0")
	if code != 0 || !strings.HasPrefix(out, "SHOW THIS QR TO THE CUSTOMER") || !strings.Contains(out, "payload: 000201") || !strings.Contains(out, "█") {
		t.Fatalf("qr: exit %d, output %q", code, out)
	}
	qrRRN := regexp.MustCompile(`RRN (\d{12})`).FindStringSubmatch(out)
	if qrRRN == nil {
		t.Fatalf("qr printed no RRN: %q", out)
	}
	if out, _, _ = posim("status", "--rrn", qrRRN[1]); !strings.HasPrefix(out, "IN PROGRESS  RC 09") {
		t.Errorf("status of an unpaid QR: %q", out)
	}
	var scanOut, scanErr bytes.Buffer
	if code := run([]string{"scan", "--wallet-url", n.SimulatorURL("ALIPAYPLUS")}, &scanOut, &scanErr); code != 0 || !strings.Contains(scanOut.String(), `"status":"paid"`) {
		t.Fatalf("scan: exit %d, output %q %q", code, scanOut.String(), scanErr.String())
	}
	if out, _, _ = posim("status", "--rrn", qrRRN[1]); !strings.HasPrefix(out, "APPROVED (purchase stands)  RC 00") {
		t.Errorf("status of a paid QR: %q", out)
	}
	if code := run([]string{"scan", "--wallet-url", n.SimulatorURL("ALIPAYPLUS")}, &scanOut, &scanErr); code == 0 || !strings.Contains(scanErr.String(), "refused") {
		t.Errorf("a second scan of a paid QR: exit %d, stderr %q; want the wallet's refusal", code, scanErr.String())
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"pay", "--amount", "12.50"}, "--code is required"},
		{[]string{"pay", "--code", "281012345678901234"}, "--amount is required"},
		{[]string{"pay", "--amount", "12,50", "--code", "281012345678901234"}, "only digits"},
		{[]string{"refund", "--amount", "1"}, "--rrn is required"},
		{[]string{"pay", "--currency", "EUX", "--amount", "1", "--code", "2"}, "not an ISO 4217 code"},
		{[]string{"launch"}, "unknown command"},
	} {
		_, errOut, code := posim(tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("posim %v: exit %d, stderr %q; want a failure mentioning %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestPosimSaysWhatToDoWhenNoGatewayAnswers(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	var out, errOut bytes.Buffer
	code := run([]string{"echo", "--addr", "127.0.0.1:1"}, &out, &errOut)
	if code == 0 || !strings.Contains(errOut.String(), "go run ./cmd/meridiand") {
		t.Errorf("exit %d, stderr %q: want a failure that says how to start the gateway", code, errOut.String())
	}
}

func TestDE10ReadsAsAReceiptPrintsIt(t *testing.T) {
	for in, want := range map[string]string{"77853451": "0.7853451", "67853451": "7.853451", "31342610": "1342.610", "00000001": "1", "70000001": "0.0000001"} {
		if got, ok := de10Rate(in); !ok || got != want {
			t.Errorf("de10Rate(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "8000000", "81234567", "7123456x"} {
		if got, ok := de10Rate(bad); ok {
			t.Errorf("de10Rate(%q) = %q, want refused", bad, got)
		}
	}
}
