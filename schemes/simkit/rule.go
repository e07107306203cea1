package simkit

// Scenario is what a simulator does with a payment, chosen by the last two
// digits of an amount in minor units (spec/wallet-simulators.md).
type Scenario string

// The scenarios of the amount rule.
const (
	// ScenarioApprove: paid at once. Every amount without a rule below.
	ScenarioApprove Scenario = "approve"
	// ScenarioDecline: failed at once with the rule's Decline.
	ScenarioDecline Scenario = "decline"
	// ScenarioPaidAfterInquiries (91): in process for the next two
	// inquiries, paid at the third.
	ScenarioPaidAfterInquiries Scenario = "paid-after-inquiries"
	// ScenarioInProcessForever (92): in process until cancelled.
	ScenarioInProcessForever Scenario = "in-process-forever"
	// ScenarioSlowThenPaid (93): the answer is held for Config.SlowDelay,
	// and the payment is paid when it has passed, unless cancelled first.
	ScenarioSlowThenPaid Scenario = "slow-then-paid"
	// ScenarioResponseLost (96): paid, but the wallet answers with a server
	// error once, as if the answer were lost; later calls answer normally.
	ScenarioResponseLost Scenario = "response-lost"
)

// Decline is why the amount rule declines, in the spec's own terms; each
// simulator turns it into its wallet's result code (Codes).
type Decline string

// The declines of the amount rule, named by the terminal response code the
// spec gives each.
const (
	DeclineInsufficientFunds Decline = "insufficient-funds" // 51
	DeclineCodeExpired       Decline = "code-expired"       // 54
	DeclineNoReason          Decline = "no-reason"          // 05
	DeclineRisk              Decline = "risk"               // 59
	DeclineLimit             Decline = "limit"              // 61
)

// Declines lists every Decline, for simulators to check their code tables.
var Declines = []Decline{DeclineInsufficientFunds, DeclineCodeExpired, DeclineNoReason, DeclineRisk, DeclineLimit}

// Rule is the outcome the amount rule gives an amount. Decline is set only
// for ScenarioDecline.
type Rule struct {
	Scenario Scenario
	Decline  Decline
}

// RuleFor applies the amount rule to an amount in minor units: its last two
// digits choose the outcome, every other amount is approved.
func RuleFor(minorUnits int64) Rule {
	switch minorUnits % 100 {
	case 51:
		return Rule{ScenarioDecline, DeclineInsufficientFunds}
	case 54:
		return Rule{ScenarioDecline, DeclineCodeExpired}
	case 5:
		return Rule{ScenarioDecline, DeclineNoReason}
	case 59:
		return Rule{ScenarioDecline, DeclineRisk}
	case 61:
		return Rule{ScenarioDecline, DeclineLimit}
	case 91:
		return Rule{Scenario: ScenarioPaidAfterInquiries}
	case 92:
		return Rule{Scenario: ScenarioInProcessForever}
	case 93:
		return Rule{Scenario: ScenarioSlowThenPaid}
	case 96:
		return Rule{Scenario: ScenarioResponseLost}
	}
	return Rule{Scenario: ScenarioApprove}
}
