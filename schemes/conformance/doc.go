// Package conformance checks that a scheme adapter keeps the semantics of
// the adapter contract (proto/meridian/scheme/v1): health, well-formed
// capabilities, approvals and declines, idempotency, unknown outcomes
// resolved by inquiry, cancel, refunds never above the charge, clear errors
// for bad requests and, when the adapter offers them, merchant-presented
// orders.
//
// The kit drives the adapter over real gRPC and relies on the sandbox
// behaviours every Meridian wallet simulator shares
// (shared/spec/wallet-simulators.md): the last two digits of an amount in
// minor units choose the outcome (00 approved; 05, 51, 54, 59, 61 declined;
// 91 in process for two inquiries, then paid; 92 in process until
// cancelled). A partner adapter must offer those behaviours in its sandbox
// for the kit to pass. The kit makes valid wallet codes from the adapter's
// own capabilities and uses a fresh random idempotency key for every call,
// so it can run again and again against the same adapter.
//
// From a program:
//
//	report, err := conformance.Run(ctx, conformance.Config{Target: "127.0.0.1:7101"})
//	if err != nil { ... } // not reachable, or a bad Config
//	for _, c := range report.Checks {
//		fmt.Println(c)
//	}
//
// From go test, each check a subtest:
//
//	func TestAdapterConformance(t *testing.T) {
//		conformance.RunT(t, conformance.Config{Target: addr})
//	}
//
// Command conformance (cmd/conformance) runs the kit from a shell.
package conformance
