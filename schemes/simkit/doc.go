// Package simkit is what every wallet simulator shares: the amount rule of
// spec/wallet-simulators.md, the ledger of payments, merchant-presented
// orders and refunds with its money invariants, and the durable journal the
// ledger lives in. A simulator adds only its wallet's API: the requests it
// reads, the signatures it checks, and the result codes it answers with.
// Nothing in simkit names a wallet or one of its codes.
//
// # A new simulator in a few lines
//
//	ledger, err := simkit.Open(simkit.Config{
//		Codes: simkit.Codes{ // the wallet's own result codes
//			Declines: map[simkit.Decline]string{simkit.DeclineInsufficientFunds: "NO_BALANCE", …}, // all five
//			Expired:  "ORDER_EXPIRED",
//		},
//		SlowDelay: cfg.SlowDelay, CancelWindow: …, RefundWindow: …, MaxEntries: …,
//		Path: cfg.LedgerPath, // "" keeps it in memory
//		Now:  cfg.Now, Logger: cfg.Logger,
//	})
//	holds := simkit.NewHolds() // Close it from http.Server.RegisterOnShutdown
//	mux.Handle("GET "+simkit.PathLedger, simkit.LedgerHandler(ledger, log))
//	mux.Handle("POST "+simkit.PathScan, &simkit.ScanHandler{Ledger: ledger, Holds: holds,
//		Decode: func(qr string) (simkit.ScanCommand, bool) { … QR payload → order token … }})
//
// Then each wallet endpoint reads its request, calls one ledger command and
// answers with the wallet's codes:
//
//	res, err := ledger.Pay(simkit.PayCommand{RequestID: id, Hash: ledger.Hash(fields…),
//		Currency: "KRW", MinorUnits: 10000, MerchantCurrency: "EUR", MerchantMinorUnits: 700,
//		Code: masked, WalletBrand: "…", CustomerID: "…"})
//	if err != nil { answer 503: the ledger could not record it; the outcome is unknown }
//	switch {
//	case res.Outcome != simkit.OutcomeOK: answer the refusal (full, mismatch, closed)
//	case res.Lose: answer HTTP 500 (96)
//	case res.Hold: if holds.Wait(ctx, slowDelay) { res.Payment, err = ledger.SettleSlow(id) } else { 503 }
//	}
//	answer res.Payment.Status: paid, failed (res.Payment.ResultCode), processing
//
// # The API
//
// Amount rule: RuleFor(minorUnits) Rule{Scenario, Decline}. Scenarios
// ScenarioApprove, ScenarioDecline, ScenarioPaidAfterInquiries (91),
// ScenarioInProcessForever (92), ScenarioSlowThenPaid (93),
// ScenarioResponseLost (96); declines DeclineInsufficientFunds (51),
// DeclineCodeExpired (54), DeclineNoReason (05), DeclineRisk (59),
// DeclineLimit (61). The ledger applies it to the merchant's amount when
// the command carries one, else to the amount charged.
//
// Ledger: Open(Config) (*Ledger, error); Load(Config) for reading a file
// offline (no lock, no writes); Close() error; Hash(fields ...string)
// string, the keyed request hash (kept in the file's header, so repeats
// after a restart match). Commands, each atomic and, for a durable ledger,
// synced before it returns (group commit: one fsync serves many):
//
//   - Pay(PayCommand) (PayResult, error): a customer-presented payment.
//     Outcome OK (Payment.Status paid, failed or processing), Full,
//     Mismatch, Closed; Repeat, Hold (93), Lose (96). PayCommand.Refusal
//     fails it at once with a code of the simulator's choosing (an invalid
//     customer code).
//   - CreateOrder(OrderCommand) (OrderResult, error): a merchant-presented
//     order, StatusAwaitingCustomer with an opaque Payment.OrderToken (put
//     it in the QR payload), expiring at ExpiresAt (zero: OrderLifetime).
//     Outcome OK, Full, Mismatch, Closed; Repeat.
//   - Scan(ScanCommand) (ScanResult, error): the customer pays the order
//     with the token; the amount rule decides (91 pays at the third inquiry
//     after the scan, 93 sets Hold, 96 makes the next inquiry Lose). Outcome
//     OK, NotFound, Expired, Closed, AlreadyScanned.
//   - SettleSlow(requestID) (Payment, error): ends a 93 hold, paid unless
//     cancelled meanwhile. Unheld, it is paid at its SettleAt anyway.
//   - Inquire(requestID) (InquiryResult, error): counts the inquiry (91),
//     Found, Lose. An order waiting for its customer is
//     StatusAwaitingCustomer: answer "pending", not "in process".
//   - Cancel(requestID) (CancelResult, error): closes an unpaid payment or
//     order, returns a paid one in full (Payment.Reversed); a never-seen id
//     leaves a placeholder that closes a later pay or order. Outcome OK,
//     Full, CancelWindowClosed, Refunded (already partly refunded).
//   - Refund(RefundCommand) (RefundResult, error): never more than is
//     left, idempotent on the refund id. Outcome OK, Full, Mismatch,
//     NotFound, Closed, NotPaid, CurrencyMismatch, RefundWindowClosed,
//     RefundExceeds; the record keeps its Outcome.
//
// Reading: Payments(), Payment(id), Refunds(), PayCalls(id), Snapshot(),
// OrderByToken(token), and Check() error, the money invariants: no payment
// charged twice or while not paid, every cancelled charge returned in full,
// refunds never above the charge and matching their records. An order not
// scanned by its ExpiresAt turns StatusExpired (ResultCode Codes.Expired) at
// the next look, at its own time, so a replay ends the same.
//
// Records (plain data, the JSON of GET /sim/ledger and of the file):
// Payment (requestId, walletTxnId, minorUnits, merchantMinorUnits, status,
// resultCode, charges, reversed, refunded, payCalls, inquiries, orderToken,
// expiresAt, …), Refund (requestId, paymentRequestId, outcome, …),
// Snapshot{Payments, Refunds}, Status (processing, paid, failed, cancelled,
// awaiting-customer, expired).
//
// HTTP: PathLedger and LedgerHandler; PathScan and ScanHandler (body
// {"qr": "…"}, answer ScanAnswer {"status","requestId","amount","currency",…}
// or {"error"} with 404 for an unknown order, 409 for one expired,
// cancelled or already scanned); Scan(ctx, client, baseURL, qr), the client
// side, whose refusals are *ScanError; Holds for the 93 hold.
//
// The journal (journal.go) is one JSON record a line: a header with the
// format version and the hash key, then one record per command holding the
// new state of what it changed, numbered without gaps. A torn last line is
// cut off with a warning; anything else that does not replay is a
// *CorruptLedgerError, and the file is locked while a ledger has it open.
package simkit
