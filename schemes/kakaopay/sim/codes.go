package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/meridian-gw/meridian/schemes/kakaopay"
	"github.com/meridian-gw/meridian/schemes/simkit"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// ledgerCodes are the result codes the ledger keeps for what the amount
// rule declines: the payment method results that accompany KakaoPay's
// approval failure (-780).
var ledgerCodes = simkit.Codes{
	Declines: map[simkit.Decline]string{
		simkit.DeclineInsufficientFunds: kakaopay.MethodInsufficientBalance,
		simkit.DeclineCodeExpired:       kakaopay.MethodExpiredBarcode,
		simkit.DeclineNoReason:          kakaopay.MethodDeclined,
		simkit.DeclineRisk:              kakaopay.MethodFDSDeclined,
		simkit.DeclineLimit:             kakaopay.MethodLimitExceeded,
	},
	Expired: kakaopay.StatusQuitPayment,
}

// methodMessages are the method_result_message texts of the declines.
var methodMessages = map[string]string{
	kakaopay.MethodInsufficientBalance: "잔액이 부족합니다. (balance not enough)",
	kakaopay.MethodExpiredBarcode:      "바코드 유효시간이 지났습니다. (barcode expired)",
	kakaopay.MethodDeclined:            "결제가 거절되었습니다. (declined)",
	kakaopay.MethodFDSDeclined:         "이상거래로 결제가 제한되었습니다. (fraud detection)",
	kakaopay.MethodLimitExceeded:       "결제 한도를 초과했습니다. (limit exceeded)",
	kakaopay.MethodInvalidBarcode:      "유효하지 않은 바코드입니다. (invalid barcode)",
}

// declineOf is the error a failed payment answers with: an invalid barcode
// is refused as such (-760), the amount rule's declines are approval
// failures (-780) whose extras say why.
func declineOf(p *simkit.Payment) (int, *kakaopay.Extras) {
	if p.ResultCode == kakaopay.MethodInvalidBarcode {
		return kakaopay.ErrCodeInvalidBarcode, nil
	}
	return kakaopay.ErrCodeApprovalFailure, extrasOf(p)
}

// extrasOf is the payment method's result of a failed payment.
func extrasOf(p *simkit.Payment) *kakaopay.Extras {
	if p.ResultCode == "" || p.ResultCode == kakaopay.StatusQuitPayment {
		return nil
	}
	return &kakaopay.Extras{MethodResultCode: p.ResultCode, MethodResultMessage: methodMessages[p.ResultCode]}
}

// validBarcode reports whether code is one the default routing table gives
// to KAKAOPAY: 20 digits starting 5410, or an EMVCo consumer-presented code
// whose first application is KakaoPay's (kakaopay.CPMApplicationID).
func validBarcode(code string) bool {
	if aid, ok := walletcode.FirstAID(code); ok {
		return aid == kakaopay.CPMApplicationID
	}
	return len(code) == kakaopay.CodeLength && strings.HasPrefix(code, kakaopay.CodePrefix) && allDigits(code)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// customerID derives a stable KakaoPay user id from what identifies the
// customer, without revealing it.
func customerID(identity string) string {
	sum := sha256.Sum256([]byte(identity))
	return "KP" + hex.EncodeToString(sum[:6])
}

// outcomeError is the error code of a ledger outcome other than OK.
func outcomeError(o simkit.Outcome) int {
	switch o {
	case simkit.OutcomeFull:
		return kakaopay.ErrCodeQuotaExceeded
	case simkit.OutcomeMismatch:
		return kakaopay.ErrCodeRequestInconsistent
	case simkit.OutcomeClosed:
		return kakaopay.ErrCodeAlreadyCancelled
	case simkit.OutcomeNotFound:
		return kakaopay.ErrCodeNotFound
	case simkit.OutcomeNotPaid, simkit.OutcomeRefunded:
		return kakaopay.ErrCodeNotCancellable
	case simkit.OutcomeCancelWindowClosed:
		return kakaopay.ErrCodeCancelWindowClosed
	case simkit.OutcomeRefundWindowClosed:
		return kakaopay.ErrCodeRefundWindowClosed
	case simkit.OutcomeRefundExceeds:
		return kakaopay.ErrCodeCancelAmountExceeded
	case simkit.OutcomeExpired:
		return kakaopay.ErrCodePaymentExpired
	case simkit.OutcomeAlreadyScanned:
		return kakaopay.ErrCodeAlreadyProcessed
	}
	return kakaopay.ErrCodeInvalidParameter
}
