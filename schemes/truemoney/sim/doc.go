// Package sim simulates the TrueMoney partner API, so the TrueMoney adapter
// and the whole gateway run and are tested without TrueMoney.
//
// It speaks the API as package truemoney models it: an OAuth 2.0
// client-credentials token endpoint whose tokens live Config.TokenTTL (an
// unknown, revoked or expired token gets HTTP 401 with TrueMoney's 020006 or
// 020007); request signatures checked with the partner's public key and
// answers signed with the wallet's private key (truemoney.Message);
// TrueMoney's bodies, {"status": {"code", "message"}, "data": {...}}, and
// its status codes; amounts as THB decimal strings.
//
// Wallet behaviour comes from package simkit, which every simulator
// shares: the amount rule of spec/wallet-simulators.md (applied to
// metadata.merchant_amount when the request carries it, else to the THB
// amount), idempotency on external_ref_id and external_refund_ref_id, the
// cancel and refund windows, QR orders and their expiry, and the ledger
// with its money invariants (Ledger().Check()). On top of it the simulator
// refuses, as the wallet would, codes that are not TrueMoney's (18 digits
// starting 5764, or an EMVCo consumer-presented code whose first
// application has AID F054525545), amounts outside THB 1.00 to 30,000.00
// (AMOUNT_OUT_OF_RANGE, 030106) and currencies other than THB.
//
// A QR order's payload is an EMVCo merchant-presented Thai QR built with
// package emvco: TrueMoney's template (tag 30, GUID COM.TRUEMONEY) holding
// the order token and external_ref_id, currency 764, the amount, the
// merchant's name, city and country, the transaction id as reference label
// and the CRC. POST /sim/scan {"qr": "<payload>"} is the customer scanning
// it with the wallet app and paying; the amount rule decides how.
//
// Serving it on a listener:
//
//	s, err := sim.New(sim.Config{ClientID: "MERIDIAN", ClientSecret: secret,
//		PartnerPublicKey: partnerPub, WalletPrivateKey: walletPriv})
//	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
//	srv.RegisterOnShutdown(s.Close) // releases answers held by the 93 rule
//	go srv.Serve(listener)
//
// The ledger lives in memory unless Config.LedgerPath names a file (simkit
// describes it); stop a durable simulator with srv.Shutdown, then
// s.CloseLedger(). Besides the TrueMoney endpoints it serves GET /sim/ledger,
// the ledger as JSON, and POST /sim/scan.
package sim
