// Package crashtest holds the kill -9 harness: the wallet simulator as its
// own process with a durable ledger, meridiand as a subprocess killed with
// SIGKILL at random moments and restarted, posim load driving terminals
// through it all, and a reconciliation of the gateway's journal against the
// wallet's ledger at the end. It runs only when MERIDIAN_CRASH_KILLS is set;
// see docs/RELIABILITY.md.
package crashtest
