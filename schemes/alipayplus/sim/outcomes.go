package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/simkit"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// validCode reports whether code is one the default routing table gives to
// ALIPAYPLUS: all digits, 16 to 24 long, first two digits 25 to 30; or an
// EMVCo consumer-presented code whose first application's AID is Alipay+'s
// (alipayplus.CPMApplicationID) or, as EMV's partial selection allows and
// the gateway's routing table matches, starts so.
func validCode(code string) bool {
	if aid, ok := walletcode.FirstAID(code); ok {
		return strings.HasPrefix(aid, alipayplus.CPMApplicationID)
	}
	if len(code) < 16 || len(code) > 24 {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	prefix := int(code[0]-'0')*10 + int(code[1]-'0')
	return prefix >= 25 && prefix <= 30
}

// walletBrands names the wallet behind each code prefix. Alipay+ does not
// publish such a table (codes are issued by Alipay+ for every wallet); this
// one is the simulator's own, so tests see several brands: 28 is Alipay, as
// Alipay (CN) codes commonly start with 28, and the others are Alipay+
// partner wallets.
var walletBrands = map[string]string{
	"25": "GCash",
	"26": "Kakao Pay",
	"27": "TrueMoney",
	"28": "Alipay",
	"29": "Touch 'n Go eWallet",
	"30": "DANA",
}

// CPMBrand is the wallet brand of a paid EMVCo consumer-presented code: its
// AID says Alipay+, not which partner wallet showed it.
const CPMBrand = "Alipay+ (QR)"

// walletBrand returns the brand of a valid code.
func walletBrand(code string) string {
	if _, ok := walletcode.FirstAID(code); ok {
		return CPMBrand
	}
	return walletBrands[code[:2]]
}

// customerID derives a stable customer id from a code without revealing it.
func customerID(code string) string {
	sum := sha256.Sum256([]byte(code))
	return "2160" + hex.EncodeToString(sum[:6])
}

// paymentResult is the result that reports p's current state.
func paymentResult(p *Payment) alipayplus.Result {
	switch p.Status {
	case StatusPaid:
		return result(alipayplus.ResultSuccess, alipayplus.CodeSuccess)
	case StatusFailed, StatusExpired:
		return result(alipayplus.ResultFailure, p.ResultCode)
	case StatusCancelled:
		return result(alipayplus.ResultFailure, alipayplus.CodeOrderIsClosed)
	}
	// Processing, or an order awaiting its customer.
	return result(alipayplus.ResultUnknown, alipayplus.CodePaymentInProcess)
}

// paymentStatus is p's state in inquiryPayment's vocabulary.
func paymentStatus(p *Payment) string {
	switch p.Status {
	case StatusPaid:
		return alipayplus.PaymentStatusSuccess
	case StatusFailed, StatusExpired:
		return alipayplus.PaymentStatusFail
	case StatusCancelled:
		return alipayplus.PaymentStatusCancelled
	}
	return alipayplus.PaymentStatusProcessing
}

// orderStatus is the simulator's SimOrderStatus of p, empty for a payment.
func orderStatus(p *Payment) string {
	switch {
	case !p.IsOrder():
		return ""
	case p.Status == StatusAwaitingCustomer:
		return alipayplus.SimOrderAwaitingCustomer
	case p.ScannedAt.IsZero():
		return alipayplus.SimOrderClosed
	}
	return alipayplus.SimOrderScanned
}

// outcomeResults are the answers to what the ledger refused, for every
// outcome but OutcomeOK, whose answer is the payment's state.
var outcomeResults = map[simkit.Outcome]alipayplus.Result{
	simkit.OutcomeFull:     result(alipayplus.ResultUnknown, alipayplus.CodeRequestTrafficExceedLimit),
	simkit.OutcomeMismatch: result(alipayplus.ResultFailure, alipayplus.CodeRepeatReqInconsistent),
	simkit.OutcomeClosed:   result(alipayplus.ResultFailure, alipayplus.CodeOrderIsClosed),
	simkit.OutcomeNotFound: result(alipayplus.ResultFailure, alipayplus.CodeOrderNotExist),
	// A payment never paid (processing, failed) has nothing to refund:
	// Alipay+ answers with its general business failure there, as it does
	// for a cancel after a refund.
	simkit.OutcomeNotPaid:            result(alipayplus.ResultFailure, alipayplus.CodeProcessFail),
	simkit.OutcomeRefunded:           result(alipayplus.ResultFailure, alipayplus.CodeProcessFail),
	simkit.OutcomeCurrencyMismatch:   result(alipayplus.ResultFailure, alipayplus.CodeParamIllegal),
	simkit.OutcomeCancelWindowClosed: result(alipayplus.ResultFailure, alipayplus.CodeCancelWindowExceed),
	simkit.OutcomeRefundWindowClosed: result(alipayplus.ResultFailure, alipayplus.CodeRefundWindowExceed),
	simkit.OutcomeRefundExceeds:      result(alipayplus.ResultFailure, alipayplus.CodeRefundAmountExceed),
}

// outcomeResult answers outcome: success for OutcomeOK (the caller reports
// the payment's state where that is the answer), else the refusal.
func outcomeResult(outcome simkit.Outcome) alipayplus.Result {
	if outcome == simkit.OutcomeOK {
		return result(alipayplus.ResultSuccess, alipayplus.CodeSuccess)
	}
	if r, ok := outcomeResults[outcome]; ok {
		return r
	}
	return result(alipayplus.ResultFailure, alipayplus.CodeProcessFail)
}

// resultMessages are the messages Alipay+ documents for the codes the
// simulator answers with.
var resultMessages = map[string]string{
	alipayplus.CodeSuccess:                   "Success",
	alipayplus.CodeUserBalanceNotEnough:      "The user balance is not enough for the payment.",
	alipayplus.CodeExpiredCode:               "The code is expired.",
	alipayplus.CodeInvalidCode:               "The code is invalid.",
	alipayplus.CodeProcessFail:               "A general business failure occurred. Don't retry.",
	alipayplus.CodeRiskReject:                "The request is rejected because of the risk control.",
	alipayplus.CodeUserAmountExceedLimit:     "The payment amount exceeds the user payment limit.",
	alipayplus.CodePaymentInProcess:          "The payment is being processed.",
	alipayplus.CodeOrderIsClosed:             "The order is closed.",
	alipayplus.CodeOrderNotExist:             "The order doesn't exist.",
	alipayplus.CodeRepeatReqInconsistent:     "Repeated requests are inconsistent.",
	alipayplus.CodeCancelWindowExceed:        "The cancellation exceeds the cancellable period.",
	alipayplus.CodeRefundAmountExceed:        "The total refund amount exceeds the payment amount.",
	alipayplus.CodeRefundWindowExceed:        "The refund exceeds the refundable period.",
	alipayplus.CodeRequestTrafficExceedLimit: "The request traffic exceeds the limit.",
	alipayplus.CodeParamIllegal:              "Illegal parameters exist.",
	alipayplus.CodeInvalidSignature:          "The signature is invalid.",
	alipayplus.CodeInvalidClient:             "The client is invalid.",
}

func result(status, code string) alipayplus.Result {
	return alipayplus.Result{ResultStatus: status, ResultCode: code, ResultMessage: resultMessages[code]}
}
