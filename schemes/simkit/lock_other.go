//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package simkit

import "os"

// lockFile does nothing where flock is not available: do not point two
// simulators at one ledger file there.
func lockFile(*os.File) error {
	return nil
}
