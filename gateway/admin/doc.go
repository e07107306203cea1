// Package admin is the acquirer admin API (proto/meridian/admin/v1) over
// gRPC: acquirers, the gateway's tenants, onboard and manage their own
// merchants, stores and terminals, search and refund their transactions,
// list those flagged for review, and read the audit log of their changes,
// each seeing only its own objects.
//
// # Tenancy
//
// Every call is authenticated (auth.go): an API key ("mk_<id>_<secret>",
// stored as the SHA-256 of its secret) in the authorization or x-api-key
// metadata, or a verified client certificate whose subject is mapped to an
// acquirer. Every read and write then goes through Store with the caller's
// acquirer, and the store finds only that acquirer's objects: another
// acquirer's merchant, store, terminal or transaction is NotFound, exactly
// as one that does not exist. Transactions, terminals and stores belong to
// the acquirer of their merchant.
//
// Merchants and terminals are the payment engine's own rows (payment.Store
// Merchant and Terminal): a suspension through the API answers the next
// terminal request RC 03, with no restart.
//
// # Wiring into meridiand
//
//	db, _ := store.OpenSQLite(ctx, path, store.Config{})
//	srv, err := admin.NewServer(admin.Config{
//		Store:      db.Admin(),
//		Payments:   db,
//		Refunder:   admin.EngineRefunder{Engine: engine, Payments: db},
//		Schemes:    registry.Schemes(),
//		TLS:        tlsConfig, // nil: plain text, loopback only
//		Logger:     log,
//		Registerer: metrics.Registry,
//	})
//	ln, _ := net.Listen("tcp", cfg.AdminAddr)
//	go srv.Serve(ln)
//	...
//	srv.GracefulStop(shutdownCtx) // before the engine and the store close
//
// Operators create acquirers, issue and revoke keys, map certificates and
// give configuration-file merchants to an acquirer with Operator;
// Bootstrap creates an acquirer if missing and returns a new key's text,
// for the demo to print.
//
// # Errors
//
// Handlers check fields first (InvalidArgument with a google.rpc.BadRequest
// naming each offending field), then call the store, whose errors become
// statuses in one table (errors.go).
package admin
