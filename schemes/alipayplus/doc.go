// Package alipayplus is the Alipay+ reference scheme adapter: it serves the
// Meridian scheme adapter contract (schemev1.SchemeAdapterServer) by calling
// the Alipay+ acquirer (ACQP) partner API over signed HTTPS/JSON.
//
// The package holds the partner API's wire types (api.go), its message
// signing (signature.go, shared with the simulator in package sim), key
// loading (keys.go), an HTTP client for the partner API (client.go), the
// table that maps Alipay+ result codes to the contract's closed failure
// reasons (results.go), and the gRPC adapter itself (adapter.go).
//
// Serving the adapter:
//
//	priv, _ := alipayplus.LoadPrivateKey("env:ALIPAYPLUS_PRIVATE_KEY")
//	pub, _ := alipayplus.LoadPublicKey("/etc/meridian/alipayplus-wallet.pem")
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
