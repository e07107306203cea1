package sim

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/simkit"
)

// The simulator's ledger is package simkit's, shared by every wallet
// simulator; these names keep the simulator's own API.
type (
	// Ledger records the simulator's payments, orders and refunds.
	Ledger = simkit.Ledger
	// Payment is the ledger record of one paymentRequestId: RequestID is
	// the paymentRequestId, WalletTxnID the paymentId.
	Payment = simkit.Payment
	// Refund is the ledger record of one refundRequestId: RequestID is the
	// refundRequestId, WalletTxnID the refundId.
	Refund = simkit.Refund
	// Snapshot is the whole ledger, as GET /sim/ledger serves it.
	Snapshot = simkit.Snapshot
	// Status is the state of a payment.
	Status = simkit.Status
	// CorruptLedgerError reports a ledger file that cannot be replayed.
	CorruptLedgerError = simkit.CorruptLedgerError
)

// Payment states.
const (
	StatusProcessing       = simkit.StatusProcessing
	StatusPaid             = simkit.StatusPaid
	StatusFailed           = simkit.StatusFailed
	StatusCancelled        = simkit.StatusCancelled
	StatusAwaitingCustomer = simkit.StatusAwaitingCustomer
	StatusExpired          = simkit.StatusExpired
)

// ErrLedgerClosed is returned for ledger commands after CloseLedger.
var ErrLedgerClosed = simkit.ErrClosed

// codes are the Alipay+ result codes the ledger records for what it
// decides. An order not paid in time is answered EXPIRED_CODE: its code
// expired, which the adapter reports as an expired code.
var codes = simkit.Codes{
	Declines: map[simkit.Decline]string{
		simkit.DeclineInsufficientFunds: alipayplus.CodeUserBalanceNotEnough,
		simkit.DeclineCodeExpired:       alipayplus.CodeExpiredCode,
		// Alipay+'s general business failure is its decline without a
		// reason.
		simkit.DeclineNoReason: alipayplus.CodeProcessFail,
		simkit.DeclineRisk:     alipayplus.CodeRiskReject,
		simkit.DeclineLimit:    alipayplus.CodeUserAmountExceedLimit,
	},
	Expired: alipayplus.CodeExpiredCode,
}

// formatID makes Alipay+-style ids: a timestamp, a kind marker and a
// sequence number.
func formatID(kind simkit.IDKind, now time.Time, sequence int64) string {
	marker := "8001"
	if kind == simkit.IDRefund {
		marker = "9001"
	}
	return fmt.Sprintf("%s%s%010d", now.UTC().Format("20060102150405"), marker, sequence)
}

// LoadLedger replays the ledger file at path into a ledger in memory, for
// reading it offline (walletsim check): it neither locks nor changes the
// file, so it may read the file of a running simulator. A torn last line is
// skipped with a warning to log (nil: none); corruption elsewhere is a
// *CorruptLedgerError. The ledger's clock is time.Now, so a slow (93)
// payment whose settle time has passed reads as paid.
func LoadLedger(path string, log *slog.Logger) (*Ledger, error) {
	return simkit.Load(simkit.Config{Path: path, Codes: codes, FormatID: formatID, Logger: log})
}
