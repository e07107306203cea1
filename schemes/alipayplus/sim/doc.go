// Package sim simulates the Alipay+ acquirer (ACQP) partner API, so the
// Alipay+ adapter and the whole gateway run and are tested without Alipay+.
//
// It follows spec/wallet-simulators.md: it accepts the codes the default
// routing table gives to ALIPAYPLUS, chooses each payment's outcome from the
// last two digits of its amount in minor units, keeps Alipay+'s idempotency
// rules, and records every payment, cancellation and refund in a Ledger that
// tests reconcile against the gateway. It verifies request signatures with
// the acquirer's public key and signs responses with the wallet's private
// key, exactly as Alipay+ does (package alipayplus, signature.go).
//
// Serving it on a listener:
//
//	s, err := sim.New(sim.Config{AcquirerPublicKey: acqPub, WalletPrivateKey: walletPriv})
//	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
//	srv.RegisterOnShutdown(s.Close) // releases responses held by the 93 rule
//	go srv.Serve(listener)
//
// The ledger lives in memory unless Config.LedgerPath names a file: then
// every change is appended to that file and synced before the response that
// reports it is written, and a simulator started again on the file carries
// on where the last one stopped, even if that one was killed (journal.go
// describes the file). Stop a durable simulator with srv.Shutdown, then
// s.CloseLedger(). Command walletsim serves the simulator as its own
// process and checks ledger files offline (LoadLedger, Ledger.Check).
//
// Besides the four Alipay+ endpoints it serves GET /sim/ledger, the ledger
// as JSON.
package sim
