package sim

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/meridian-gw/meridian/schemes/alipayplus"
)

// Scenario is what the simulator does with a payment, chosen by the last two
// digits of its amount in minor units (spec/wallet-simulators.md).
type Scenario string

// The scenarios of the amount rule.
const (
	// ScenarioApprove: paid at once. Every amount without a rule below.
	ScenarioApprove Scenario = "approve"
	// ScenarioDecline: failed at once with the rule's result code.
	ScenarioDecline Scenario = "decline"
	// ScenarioPaidAfterInquiries (91): in process for the first two
	// inquiries, paid at the third.
	ScenarioPaidAfterInquiries Scenario = "paid-after-inquiries"
	// ScenarioInProcessForever (92): in process until cancelled.
	ScenarioInProcessForever Scenario = "in-process-forever"
	// ScenarioSlowThenPaid (93): the pay response is held for
	// Config.SlowDelay, and the payment is paid when it has passed, unless
	// cancelled first.
	ScenarioSlowThenPaid Scenario = "slow-then-paid"
	// ScenarioResponseLost (96): paid, but the first pay request is answered
	// with HTTP 500 as if the response were lost; repeats answer normally.
	ScenarioResponseLost Scenario = "response-lost"
)

// rule is the outcome the amount rule gives a payment.
type rule struct {
	scenario Scenario
	// code is the Alipay+ result code of a decline.
	code string
}

// ruleFor applies the amount rule to an amount in minor units.
func ruleFor(minorUnits int64) rule {
	switch minorUnits % 100 {
	case 51:
		return rule{ScenarioDecline, alipayplus.CodeUserBalanceNotEnough}
	case 54:
		return rule{ScenarioDecline, alipayplus.CodeExpiredCode}
	case 5:
		// Alipay+'s general business failure is its decline without a reason.
		return rule{ScenarioDecline, alipayplus.CodeProcessFail}
	case 59:
		return rule{ScenarioDecline, alipayplus.CodeRiskReject}
	case 61:
		return rule{ScenarioDecline, alipayplus.CodeUserAmountExceedLimit}
	case 91:
		return rule{scenario: ScenarioPaidAfterInquiries}
	case 92:
		return rule{scenario: ScenarioInProcessForever}
	case 93:
		return rule{scenario: ScenarioSlowThenPaid}
	case 96:
		return rule{scenario: ScenarioResponseLost}
	}
	return rule{scenario: ScenarioApprove}
}

// validCode reports whether code is one the default routing table gives to
// ALIPAYPLUS: all digits, 16 to 24 long, first two digits 25 to 30.
func validCode(code string) bool {
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

// walletBrand returns the brand of a valid code.
func walletBrand(code string) string {
	return walletBrands[code[:2]]
}

// customerID derives a stable customer id from a code without revealing it.
func customerID(code string) string {
	sum := sha256.Sum256([]byte(code))
	return "2160" + hex.EncodeToString(sum[:6])
}
