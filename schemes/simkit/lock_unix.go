//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package simkit

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock on f, without waiting: two
// simulators appending to one ledger file would corrupt it. The lock ends
// when f is closed or the process dies.
func lockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}
