package sim

import "os"

// SetLedgerSync replaces how a durable simulator's ledger file is synced,
// for tests that watch or fail the sync. It panics for a ledger in memory.
func SetLedgerSync(s *Simulator, sync func(*os.File) error) {
	s.ledger.SetSync(sync)
}
