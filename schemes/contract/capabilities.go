package contract

import "time"

// Version is the contract version every adapter of this module serves
// (Capabilities.contract_version).
const Version = "v1"

// CancelWindowSeconds is the Capabilities.cancel_window_seconds of an
// adapter configured with window: zero means fallback, the wallet's own
// window, and a negative window reports 0 ("not known"), which leaves the
// gateway to rely on FAILURE_REASON_CANCEL_WINDOW_CLOSED.
func CancelWindowSeconds(window, fallback time.Duration) int64 {
	switch {
	case window == 0:
		window = fallback
	case window < 0:
		window = 0
	}
	return int64(window / time.Second)
}
