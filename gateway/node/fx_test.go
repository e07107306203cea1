package node_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/config"
	"github.com/meridian-gw/meridian/gateway/node"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

func TestAConvertedPurchaseShowsTheWalletAmountRateAndMarkup(t *testing.T) {
	t.Parallel()
	today := time.Now().UTC().Format("2006-01-02")
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
data_dir: %s
metrics_addr: "127.0.0.1:0"
terminal: {addr: "127.0.0.1:0"}
payment: {budget: 3s, inquiry_interval: 50ms, resolve_interval: 100ms}
fx:
  source: static
  static: {date: "%s", rates: {CNY: "8.2964", KRW: "1461.25"}}
  markup: "2.50"
adapters: [{scheme: ALIPAYPLUS, builtin: true, simulator: true, charge_currencies: [CNY], markup: "1.75"}]
merchants: [{id: FXMERCHANT00001, currency: EUR, schemes: [ALIPAYPLUS], terminals: [FXTERM01]}]
`, t.TempDir(), today)))
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Shutdown(context.Background()) })
	c, err := pos.Dial(context.Background(), n.TerminalAddr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	term := &pos.Terminal{ID: "FXTERM01", MerchantID: "FXMERCHANT00001"}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := c.Do(ctx, term.Purchase(1250, "281012345678901234"))
	if err != nil {
		t.Fatal(err)
	}
	// 12.50 EUR at 8.2964 + 1.75 % (the scheme's mark-up beats the default)
	// = 12.50 × 8.441587 = 105.5198375 → 105.52 CNY, half-up.
	if resp.ResponseCode != wire.RCApproved || resp.WalletAmount != 10552 || resp.WalletCurrency != "156" {
		t.Fatalf("answer RC %s, DE 6 %d, DE 51 %q; want 00, 10552, 156", resp.ResponseCode, resp.WalletAmount, resp.WalletCurrency)
	}
	if resp.ConversionRate != "68441587" {
		t.Errorf("DE 10 = %q, want 68441587 (8.441587)", resp.ConversionRate)
	}
	if m, _ := resp.PrivateData.Get(wire.TagFXMarkup); m != "1.75" {
		t.Errorf("DE 48 tag 13 = %q, want 1.75", m)
	}
	if resp.Amount != 1250 || resp.Currency != "978" {
		t.Errorf("DE 4 %d DE 49 %q: the merchant's amount must be echoed", resp.Amount, resp.Currency)
	}
	status, body := readyz(t, n.MetricsAddr())
	if status != http.StatusOK || !strings.Contains(body, "fx rates: ok") {
		t.Errorf("/readyz = %d %q, want 200 with fx rates ok", status, body)
	}
}

func TestStaleRatesMakeTheNodeNotReadyAndPurchasesNeedingThemAre91(t *testing.T) {
	t.Parallel()
	old := time.Now().UTC().AddDate(0, 0, -10).Format("2006-01-02")
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
data_dir: %s
metrics_addr: "127.0.0.1:0"
terminal: {addr: "127.0.0.1:0"}
fx: {source: static, static: {date: "%s", rates: {CNY: "8.2964"}}}
adapters: [{scheme: ALIPAYPLUS, builtin: true, simulator: true, charge_currencies: [CNY]}]
merchants: [{id: FXMERCHANT00002, currency: EUR, schemes: [ALIPAYPLUS], terminals: [FXTERM02]}]
`, t.TempDir(), old)))
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Shutdown(context.Background()) })
	status, body := readyz(t, n.MetricsAddr())
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "stale") {
		t.Errorf("/readyz with 10-day-old rates = %d %q, want 503 naming stale rates", status, body)
	}
	c, err := pos.Dial(context.Background(), n.TerminalAddr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := c.Do(ctx, (&pos.Terminal{ID: "FXTERM02", MerchantID: "FXMERCHANT00002"}).Purchase(1250, "281012345678901234"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.ResponseCode != wire.RCSchemeUnavailable {
		t.Errorf("a purchase needing stale rates = RC %s, want 91: never converted at a guessed rate", resp.ResponseCode)
	}
}

func readyz(t *testing.T, addr string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
