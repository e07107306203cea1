package conformance_test

import (
	"context"
	"fmt"
	"net"

	"github.com/meridian-gw/meridian/schemes/conformance"
	"github.com/meridian-gw/meridian/schemes/conformance/example"
)

// Serve an adapter on a socket and run the kit against it. Without a scan
// URL the kit cannot play the customer, so that one check is skipped.
func ExampleRun() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := example.Serve(ln, example.New(example.Config{}), nil)
	defer srv.Stop()

	report, err := conformance.Run(context.Background(), conformance.Config{Target: ln.Addr().String()})
	if err != nil {
		fmt.Println(err) // not reachable, or a bad Config
		return
	}
	for _, c := range report.Checks[:3] {
		fmt.Println(c)
	}
	fmt.Println(report.Summary())
	// Output:
	// PASS  health service answers SERVING
	// PASS  capabilities are well-formed
	// PASS  an approved pay succeeds with a scheme transaction id
	// 15 passed, 0 failed, 1 skipped
}
