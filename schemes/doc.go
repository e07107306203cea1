// Package schemes is the gateway's side of the scheme adapter contract
// (proto/meridian/scheme/v1): a client for one adapter with per-call
// deadlines over a reused gRPC connection, the registry of configured
// adapters, and the routing table that says which scheme a wallet code
// belongs to.
package schemes
