package example_test

import (
	"bytes"
	"net"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/meridian-gw/meridian/schemes/conformance"
	"github.com/meridian-gw/meridian/schemes/conformance/example"
)

// This is how a partner runs the kit from go test: serve the adapter on a
// real socket, point the kit at it, each check becomes a subtest.
func TestTheExampleAdapterPassesTheConformanceKit(t *testing.T) {
	adapter := example.New(example.Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := example.Serve(ln, adapter, nil)
	t.Cleanup(srv.Stop)
	scan := httptest.NewServer(adapter.ScanHandler()) // the sandbox's customer
	t.Cleanup(scan.Close)

	conformance.RunT(t, conformance.Config{
		Target:  ln.Addr().String(),
		ScanURL: scan.URL,
	})
}

// docs/ADAPTERS.md quotes Pay; the quote must be this code, word for word.
func TestTheGuideQuotesPayAsItIs(t *testing.T) {
	guide, err := os.ReadFile("../../../docs/ADAPTERS.md")
	if err != nil {
		t.Fatal(err)
	}
	source, err := os.ReadFile("adapter.go")
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(guide, []byte("func (a *Adapter) Pay("))
	if start < 0 {
		t.Fatal("docs/ADAPTERS.md no longer quotes Pay")
	}
	end := bytes.Index(guide[start:], []byte("```"))
	quote := bytes.TrimSpace(guide[start : start+end])
	if !bytes.Contains(source, quote) {
		t.Error("the Pay quoted in docs/ADAPTERS.md differs from adapter.go: copy it again")
	}
}
