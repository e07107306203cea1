// Package kakaopay is the KakaoPay reference scheme adapter: it serves the
// Meridian scheme adapter contract (schemev1.SchemeAdapterServer) by calling
// the KakaoPay partner API over HTTPS/JSON.
//
// The package holds the partner API's wire types (api.go), an HTTP client
// for the partner API (client.go), the one table that maps KakaoPay's
// errors and payment statuses to the contract's closed failure reasons
// (results.go), KakaoPay's limits on the contract's requests and their
// conversion (validate.go, convert.go) and the gRPC adapter (adapter.go for
// capabilities, Pay and Inquire; returns.go for Cancel and Refund; orders.go
// for CreateOrder). Package sim simulates the partner API. What every
// adapter shares lives elsewhere: secret loading in schemes/credentials,
// code masking in schemes/walletcode, request checks and common results in
// schemes/contract.
//
// # What follows KakaoPay's published API and what is modelled
//
// Published (developers.kakaopay.com, online single payment): the host
// open-api.kakaopay.com; "Authorization: SECRET_KEY {secret}" with JSON
// bodies; cid, tid, partner_order_id, partner_user_id, item_name, quantity,
// total_amount and tax_free_amount in won; ready (/online/v1/payment/ready,
// answering tid, next_redirect_*_url and created_at), order status
// (/online/v1/payment/order, with status, amount{total, tax_free, vat, point,
// discount}, canceled_amount, cancel_available_amount and
// payment_action_details), cancel (/online/v1/payment/cancel, full or
// partial, with cancel_amount, cancel_tax_free_amount, the optional
// cancel_available_amount check and the payload stored with the cancel);
// the payment statuses READY to FAIL_PAYMENT; errors as an HTTP 4xx or 5xx
// with error_code (negative), error_message and, for an approval failure
// (-780), extras{method_result_code, method_result_message}.
//
// Modelled, because KakaoPay does not publish it or the gateway needs what
// the published API lacks:
//   - The in-store barcode payment (POST /offline/v1/payment/barcode): the
//     partner sends the barcode the customer shows with the ready fields and
//     gets an answer shaped like approve's (tid, aid, status, amount,
//     approved_at). A payment still being approved answers AUTH_PASSWORD.
//     A repeat with the same partner_order_id and content answers the
//     original payment; other content is refused (-762).
//   - Look-up by partner_order_id: KakaoPay's order API takes tid, but the
//     contract's Inquire, Cancel and Refund carry only the gateway's key.
//     The order and cancel calls here name partner_order_id instead; a
//     cancel by partner_order_id of a payment KakaoPay does not know closes
//     that id, so a barcode payment still in flight cannot charge later.
//   - merchant_amount (the order amount in the merchant's currency),
//     expires_in_seconds and expires_at on ready, and extras on the order
//     answer of a FAIL_PAYMENT, all optional JSON fields.
//   - Every error code in the -7xx range other than -780, and the method
//     result codes other than USER_LOCKED (api.go lists which is which).
//   - The cancel window: KakaoPay's cancel works for a long time, and it is
//     the same call for a void and a refund. Here a cancel without payload
//     is the contract's Cancel (a void), refused past the window with -764;
//     a cancel with a payload is a Refund, which works after the window.
//
// In KakaoPay's online flow, once the customer has authenticated the
// partner confirms the payment with approve and the pg_token it received at
// its approval_url. A terminal has no such URL, so the simulator completes a
// merchant-presented payment when the customer scans it, and the adapter
// learns the outcome by inquiry alone.
//
// # Outcomes
//
// Every answer the adapter cannot trust or did not get (timeout, transport
// error, HTTP 5xx, a 4xx without KakaoPay's error body, a malformed body, an
// answer about another partner_order_id, an error code KakaoPay says to
// retry, a payment still being approved) is RESULT_STATUS_UNKNOWN, never a
// failure and never a success: the money may have moved, and the gateway
// resolves it by inquiry and cancel. KakaoPay charges won only: the adapter
// refuses any other currency with INVALID_AMOUNT without calling KakaoPay.
//
// Serving the adapter:
//
//	secret, err := credentials.LoadSecret("env:KAKAOPAY_SECRET_KEY")
//	a, err := kakaopay.New(kakaopay.Config{
//		BaseURL:   "https://open-api.kakaopay.com",
//		CID:       "TC0ONETIME",
//		SecretKey: secret,
//	})
//	defer a.Close()
//	s := grpc.NewServer()
//	schemev1.RegisterSchemeAdapterServer(s, a)
//	healthpb.RegisterHealthServer(s, health.NewServer())
//	s.Serve(listener)
package kakaopay
