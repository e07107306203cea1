package reference

import (
	"github.com/meridian-gw/meridian/schemes/conformance/example"
)

func init() { register(example.DefaultSchemeID, buildExample) }

// buildExample builds the example adapter of the partner guide: a wallet
// kept in memory, with the sandbox behaviours of every simulator and no
// partner API, so that it costs no I/O. It measures the gateway's own
// capacity (docs/PERFORMANCE.md) and shows a partner the contract; its
// "simulator" is only the customer's scan (POST /sim/scan).
func buildExample(a *Adapter, opts Options) error {
	adapter := example.New(example.Config{ChargeCurrencies: opts.ChargeCurrencies})
	a.Server = adapter
	if opts.Simulator {
		return a.serveSimulator(opts, adapter.ScanHandler(), nil)
	}
	return nil
}
