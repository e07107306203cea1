// Package truemoney is the TrueMoney reference scheme adapter: it serves the
// Meridian scheme adapter contract (schemev1.SchemeAdapterServer) by calling
// the TrueMoney partner API over signed HTTPS/JSON, for payment codes the
// customer presents and for Thai QR orders the terminal presents.
//
// The package holds the partner API's wire types (api.go), exact THB amount
// conversion (amount.go: "150.00" is 15000 satang, never a float), the OAuth
// 2.0 client-credentials token source (token.go), request and response
// signing (signature.go, shared with the simulator in package sim), an HTTP
// client for the partner API (client.go), the one table that maps
// TrueMoney status codes to the contract's closed failure reasons
// (results.go), TrueMoney's limits on the contract's requests and their
// conversion (validate.go, convert.go) and the gRPC adapter (adapter.go,
// order.go). What every adapter shares lives elsewhere: key and secret
// loading in schemes/credentials, code masking in schemes/walletcode,
// request checks and common results in schemes/contract.
//
// What follows TrueMoney's published merchant documentation, and what is
// this package's model of the parts TrueMoney gives to partners under
// contract only:
//   - Token: POST PathToken, form fields grant_type=client_credentials,
//     client_id and client_secret (and a client_id header), answered
//     {access_token, token_type "Bearer", expires_in}. TrueMoney's.
//   - Request signature: header "Signature: algorithm=rsa-sha256;
//     keyVersion=1;signature=<base64>", RSASSA-PKCS1-v1_5 with SHA-256 over
//     the Timestamp header (Unix seconds) followed by the body. TrueMoney's.
//   - Response signature: the same algorithm over "<Timestamp>\n<request
//     path>\n<body>", so an answer cannot be replayed for another endpoint.
//     Defined here; TrueMoney publishes no response signing.
//   - Status codes 000001 (success), 000002 (any error) and 0200xx
//     (authentication). TrueMoney's. Business codes 030xxx, the endpoint
//     paths and the request and response fields beyond external_ref_id,
//     amount, currency, description and metadata: this package's model.
//
// Every answer the adapter cannot trust or did not get (timeout, transport
// error, a token it could not obtain, HTTP 5xx, bad signature, malformed
// body, a status it does not know, an answer about another request) is
// RESULT_STATUS_UNKNOWN, never a failure and never a success: the money may
// have moved, and the gateway resolves it by inquiry, cancel and refund.
// An access token the wallet rejects (HTTP 401, or HTTP 400 with 020006 or
// 020007) is renewed once and the request resent, which is safe as every
// request carries its idempotency key.
//
// TrueMoney charges THB only: Pay, CreateOrder and Refund in any other
// currency fail with INVALID_AMOUNT without a call. The wallet's own
// per-payment range (THB 1.00 to 30,000.00) is the wallet's to enforce; the
// adapter maps its answer to INVALID_AMOUNT.
//
// Serving the adapter:
//
//	priv, _ := credentials.LoadPrivateKey("env:TRUEMONEY_PRIVATE_KEY")
//	pub, _ := credentials.LoadPublicKey("/etc/meridian/truemoney-wallet.pem")
//	secret, _ := credentials.LoadSecret("env:TRUEMONEY_CLIENT_SECRET")
//	a, err := truemoney.New(truemoney.Config{
//		BaseURL:         "https://partner-api.truemoney.example",
//		ClientID:        "MERIDIAN-0001",
//		ClientSecret:    secret,
//		PrivateKey:      priv,
//		WalletPublicKey: pub,
//	})
//	defer a.Close()
//	s := grpc.NewServer()
//	schemev1.RegisterSchemeAdapterServer(s, a)
//	healthpb.RegisterHealthServer(s, health.NewServer())
//	s.Serve(listener)
package truemoney
