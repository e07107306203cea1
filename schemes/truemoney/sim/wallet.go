package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/meridian-gw/meridian/schemes/simkit"
	"github.com/meridian-gw/meridian/schemes/truemoney"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// WalletBrand is the brand every simulated payment is made with.
const WalletBrand = "TrueMoney Wallet"

// ledgerCodes are the TrueMoney status codes of what the ledger decides.
var ledgerCodes = simkit.Codes{
	Declines: map[simkit.Decline]string{
		simkit.DeclineInsufficientFunds: truemoney.StatusInsufficientBalance,
		simkit.DeclineCodeExpired:       truemoney.StatusPaymentCodeExpired,
		simkit.DeclineNoReason:          truemoney.StatusTransactionDeclined,
		simkit.DeclineRisk:              truemoney.StatusRiskRejected,
		simkit.DeclineLimit:             truemoney.StatusUserLimitExceeded,
	},
	Expired: truemoney.StatusQROrderExpired,
}

// statusMessages are the messages the simulator answers each code with.
// The first ones are TrueMoney's published texts.
var statusMessages = map[string]string{
	truemoney.StatusSuccess:                    "Success",
	truemoney.StatusSystemError:                "Any error occur",
	truemoney.StatusAuthorizationMissing:       "Authorization is missing in the request header",
	truemoney.StatusAuthorizationInvalid:       "Authorization in the request header is invalid format",
	truemoney.StatusAccessTokenInvalid:         "Access token is invalid",
	truemoney.StatusAccessTokenExpired:         "Access token has been expired",
	truemoney.StatusTimestampMissing:           "Timestamp is missing in the request header",
	truemoney.StatusTimestampInvalid:           "Timestamp in the request header is invalid format",
	truemoney.StatusClientIDMissing:            "Client-Id is missing in the request header",
	truemoney.StatusSignatureMissing:           "Signature is missing in the request header",
	truemoney.StatusSignatureAlgorithmInvalid:  "Signature algorithm is invalid",
	truemoney.StatusSignatureInvalid:           "Signature in the request header is invalid",
	truemoney.StatusAccessTokenOfAnotherClient: "Access token belongs to another client",
	truemoney.StatusInvalidRequest:             "Invalid request parameter",
	truemoney.StatusInvalidPaymentCode:         "Payment code is invalid",
	truemoney.StatusPaymentCodeExpired:         "Payment code is expired or already used",
	truemoney.StatusInsufficientBalance:        "Wallet balance is insufficient",
	truemoney.StatusRiskRejected:               "Transaction is rejected by risk control",
	truemoney.StatusUserLimitExceeded:          "Transaction exceeds the user's limit",
	truemoney.StatusAmountOutOfRange:           "Amount must be between 1.00 and 30,000.00 THB",
	truemoney.StatusCurrencyNotSupported:       "Currency is not supported",
	truemoney.StatusTransactionDeclined:        "Transaction is declined",
	truemoney.StatusTransactionInProcess:       "Transaction is being processed",
	truemoney.StatusDuplicateExternalRefID:     "external_ref_id was used with different content",
	truemoney.StatusTransactionNotFound:        "Transaction not found",
	truemoney.StatusTransactionVoided:          "Transaction is voided",
	truemoney.StatusVoidWindowExpired:          "Transaction can no longer be voided",
	truemoney.StatusVoidNotAllowed:             "Transaction was refunded and cannot be voided",
	truemoney.StatusRefundExceedsAmount:        "Refund amount exceeds the amount left",
	truemoney.StatusTransactionNotPaid:         "Transaction is not paid",
	truemoney.StatusRefundWindowExpired:        "Transaction can no longer be refunded",
	truemoney.StatusQROrderExpired:             "QR order is expired",
	truemoney.StatusRequestTrafficExceeded:     "Request traffic exceeds the limit",
}

func status(code string) truemoney.Status {
	return truemoney.Status{Code: code, Message: statusMessages[code]}
}

// validCode reports whether code is a TrueMoney payment code: 18 digits
// starting 5764, or an EMVCo consumer-presented code whose first
// application is TrueMoney's: its AID is F054525545 or, as EMV's partial
// selection allows and the gateway's routing table matches, starts so.
func validCode(code string) bool {
	if aid, ok := walletcode.FirstAID(code); ok {
		return strings.HasPrefix(aid, truemoney.CPMApplicationID)
	}
	return len(code) == truemoney.CodeLength && strings.HasPrefix(code, truemoney.CodePrefix) && allDigits(code)
}

// customerID derives a stable customer id from a code without revealing it.
func customerID(code string) string {
	sum := sha256.Sum256([]byte(code))
	return "TMN" + hex.EncodeToString(sum[:6])
}

// paymentStatus is p's state in TrueMoney's vocabulary.
func paymentStatus(p *simkit.Payment) string {
	switch p.Status {
	case simkit.StatusPaid:
		switch {
		case p.Refunded == 0:
			return truemoney.PaymentStatusSuccess
		case p.Refunded < p.MinorUnits:
			return truemoney.PaymentStatusPartialRefunded
		}
		return truemoney.PaymentStatusRefunded
	case simkit.StatusFailed:
		return truemoney.PaymentStatusFailed
	case simkit.StatusCancelled:
		return truemoney.PaymentStatusVoided
	case simkit.StatusAwaitingCustomer:
		return truemoney.PaymentStatusPending
	case simkit.StatusExpired:
		return truemoney.PaymentStatusExpired
	}
	return truemoney.PaymentStatusProcessing
}

// paymentData is the answer data describing p.
func paymentData(p *simkit.Payment) *truemoney.Payment {
	d := &truemoney.Payment{
		TransactionID: p.WalletTxnID,
		ExternalRefID: p.RequestID,
		PaymentStatus: paymentStatus(p),
		WalletBrand:   p.WalletBrand,
	}
	if !p.Placeholder {
		d.Amount, d.Currency = truemoney.FormatAmount(p.MinorUnits), p.Currency
		d.RefundedAmount = truemoney.FormatAmount(p.Refunded)
	}
	if p.Status == simkit.StatusFailed || p.Status == simkit.StatusExpired {
		d.FailureCode = p.ResultCode
	}
	d.PaidAt = timeText(p.PaidAt)
	d.VoidedAt = timeText(p.CancelledAt)
	return d
}

// outcomeCode is the status code answering p's state after a payment or
// scan: success only once paid.
func outcomeCode(p *simkit.Payment) string {
	switch p.Status {
	case simkit.StatusPaid:
		return truemoney.StatusSuccess
	case simkit.StatusFailed, simkit.StatusExpired:
		return p.ResultCode
	case simkit.StatusCancelled:
		return truemoney.StatusTransactionVoided
	}
	return truemoney.StatusTransactionInProcess
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
