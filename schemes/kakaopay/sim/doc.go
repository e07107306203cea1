// Package sim simulates the KakaoPay partner API, so the KakaoPay adapter
// and the whole gateway run and are tested without KakaoPay.
//
// It follows spec/wallet-simulators.md through package simkit, which keeps
// its ledger and decides every outcome: it accepts the codes the default
// routing table gives to KAKAOPAY (20 digits starting 5410, or an EMVCo
// consumer-presented code whose first application is kakaopay.CPMApplicationID),
// chooses each payment's outcome from the last two digits of its amount
// (of merchant_amount when the partner sends it, else of total_amount), and
// records every payment, order, cancel and refund in a simkit.Ledger that
// tests reconcile against the gateway. Everything else refuses as KakaoPay
// does: HTTP 401 with error_code -401 without the right "SECRET_KEY"
// header, -730 for another cid, -2 for a malformed request, -760 for a
// barcode that is not KakaoPay's.
//
// It serves, with KakaoPay's shapes (package kakaopay, api.go; its doc says
// which parts are published and which modelled):
//   - POST /offline/v1/payment/barcode: charge the customer's barcode
//     (modelled). Declines answer -780 with extras.method_result_code; a
//     payment being approved (91, 92) answers AUTH_PASSWORD; 93 holds the
//     answer for Config.SlowDelay; 96 answers HTTP 500 once, though paid.
//   - POST /online/v1/payment/ready: open a merchant-presented order. Its
//     next_redirect_mobile_url is what the terminal shows as a QR code:
//     Config.BaseURL + /mockup/v1/{token}/mInfo, a page this simulator
//     serves too.
//   - POST /online/v1/payment/order: the payment's status and history, by
//     tid or by partner_order_id (modelled). Every look-up counts as an
//     inquiry for the amount rule.
//   - POST /online/v1/payment/cancel: with a payload, a refund recorded
//     under it; without, a void within Config.CancelWindow (-764 after).
//   - GET /sim/ledger: the ledger as JSON (simkit.Snapshot).
//   - POST /sim/scan {"qr": "<order URL>"}: the customer scans the order's
//     QR code and pays it; the amount rule decides how.
//
// Simplifications, each because the gateway's contract does not need more:
// a scan completes the payment (real KakaoPay waits for the partner's
// approve with a pg_token, which the simulator does not serve); the ledger
// keeps amounts in won without tax-free parts, so tax_free_amount and
// cancel_tax_free_amount must be 0; it keeps no item_name or
// partner_user_id, so answers leave them empty; a partial cancel needs a
// payload, so that it can be told from a void.
//
// Serving it on a listener:
//
//	s, err := sim.New(sim.Config{Secret: secret, CID: "TC0ONETIME"})
//	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
//	srv.RegisterOnShutdown(s.Close) // releases answers held by the 93 rule
//	go srv.Serve(listener)
//
// With Config.LedgerPath the ledger is durable (simkit.Config.Path); stop
// such a simulator with srv.Shutdown, then s.CloseLedger().
package sim
