// Package sim simulates the Alipay+ acquirer (ACQP) partner API, so the
// Alipay+ adapter and the whole gateway run and are tested without Alipay+.
//
// It follows spec/wallet-simulators.md: it accepts the codes the default
// routing table gives to ALIPAYPLUS, chooses each payment's outcome from the
// last two digits of its amount in minor units (of order.orderAmount, the
// merchant's amount, when sent), keeps Alipay+'s idempotency rules, and
// records every payment, order, cancellation and refund in a Ledger that
// tests reconcile against the gateway. The ledger, the amount rule and the
// ledger file are package simkit's, shared by every wallet simulator; this
// package is the Alipay+ API around them. It verifies request signatures with
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
// Merchant-presented orders ("Order Code"): a pay request whose
// paymentFactor.inStorePaymentScenario is "OrderCode" creates an order and
// is answered U PAYMENT_IN_PROCESS with an orderCodeForm whose TEXT code is
// an EMVCo merchant-presented payload (orders.go). The order waits for its
// customer until paymentExpiryTime (at most MaxOrderLifetime ahead; default
// OrderLifetime), which inquiryPayment reports as PROCESSING with the
// simulator's own simOrderStatus AWAITING_CUSTOMER, since Alipay+ itself
// does not tell waiting from in process. POST /sim/scan {"qr": payload} is
// the customer scanning and paying it; the amount rule decides as for a
// payment. cancelPayment and refund work on orders as on payments.
//
// The ledger lives in memory unless Config.LedgerPath names a file: then
// every change is appended to that file and synced before the response that
// reports it is written, and a simulator started again on the file carries
// on where the last one stopped, even if that one was killed (simkit's
// journal.go describes the file). Stop a durable simulator with
// srv.Shutdown, then s.CloseLedger(). Command walletsim serves the
// simulator as its own process, checks ledger files offline (LoadLedger,
// Ledger.Check) and scans order codes (walletsim scan).
//
// Besides the four Alipay+ endpoints it serves GET /sim/ledger, the ledger
// as JSON, and POST /sim/scan.
package sim
