package node_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/meridian-gw/meridian/gateway/config"
	"github.com/meridian-gw/meridian/gateway/node"
)

// TestTheDemoStartsAgainOnItsOwnData starts a demo node twice on one data
// directory, as `go run ./cmd/meridiand` run twice does: the second start
// finds its acquirer and merchant from the first, and takes the demo's
// current merchant definition.
func TestTheDemoStartsAgainOnItsOwnData(t *testing.T) {
	dir := t.TempDir()
	start := func(schemes string) *node.Node {
		t.Helper()
		cfg, err := config.Parse([]byte(fmt.Sprintf(`
demo: true
data_dir: %q
metrics_addr: ""
terminal: {addr: "127.0.0.1:0"}
admin: {addr: "127.0.0.1:0", demo_acquirer: DEMO}
adapters: [{scheme: ALIPAYPLUS, builtin: true, simulator: true}, {scheme: KAKAOPAY, builtin: true, simulator: true}]
merchants: [{id: DEMOMERCHANT001, currency: EUR, schemes: [%s], terminals: [DEMOT001]}]
`, dir, schemes)))
		if err != nil {
			t.Fatal(err)
		}
		n, err := node.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatalf("start: %v", err)
		}
		return n
	}
	first := start("ALIPAYPLUS")
	key := first.DemoAdminKey()
	if key == "" {
		t.Fatal("the demo printed no admin key")
	}
	if err := first.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	second := start("ALIPAYPLUS, KAKAOPAY")
	defer second.Shutdown(context.Background())
	if k := second.DemoAdminKey(); k == "" || k == key {
		t.Errorf("second start's key %q: want a new one", k)
	}
	m, err := second.Store().Merchant(context.Background(), "DEMOMERCHANT001")
	if err != nil || !slices.Equal(m.Schemes, []string{"ALIPAYPLUS", "KAKAOPAY"}) {
		t.Errorf("demo merchant after the second start = %+v, %v; want the current definition", m, err)
	}
}
