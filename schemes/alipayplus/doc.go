// Package alipayplus is the Alipay+ reference scheme adapter: it serves the
// Meridian scheme adapter contract (schemev1.SchemeAdapterServer) by calling
// the Alipay+ acquirer (ACQP) partner API over signed HTTPS/JSON.
//
// The package holds the partner API's wire types (api.go), its message
// signing (signature.go, shared with the simulator in package sim), an HTTP
// client for the partner API (client.go), the one table that maps Alipay+
// result codes to the contract's closed failure reasons (results.go),
// Alipay+'s limits on the contract's requests and their conversion
// (validate.go, convert.go) and the gRPC adapter (adapter.go). What every
// adapter shares lives elsewhere: key loading in schemes/credentials, code
// masking in schemes/walletcode, request checks and common results in
// schemes/contract.
//
// Every answer the adapter cannot trust or did not get (timeout, transport
// error, HTTP status other than 200, bad signature, malformed body, an answer
// about another request) is RESULT_STATUS_UNKNOWN, never a failure: the
// money may have moved, and the gateway resolves it by inquiry and cancel.
//
// Serving the adapter:
//
//	priv, _ := credentials.LoadPrivateKey("env:ALIPAYPLUS_PRIVATE_KEY")
//	pub, _ := credentials.LoadPublicKey("/etc/meridian/alipayplus-wallet.pem")
//	a, err := alipayplus.New(alipayplus.Config{
//		BaseURL:         "https://open-sea-global.alipayplus.com",
//		ClientID:        "SANDBOX_5Y...",
//		PrivateKey:      priv,
//		WalletPublicKey: pub,
//	})
//	s := grpc.NewServer()
//	schemev1.RegisterSchemeAdapterServer(s, a)
//	healthpb.RegisterHealthServer(s, health.NewServer())
//	s.Serve(listener)
package alipayplus
