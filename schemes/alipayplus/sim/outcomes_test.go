package sim

import (
	"testing"

	"github.com/meridian-gw/meridian/schemes/simkit"
)

func TestValidCodeFollowsTheDefaultRoutingTable(t *testing.T) {
	valid := []string{"2500000000000000", "300000000000000000000000", "281234567890123456"}
	invalid := []string{"", "2400000000000000", "3100000000000000", "250000000000000", "3000000000000000000000000", "28000000000000000a", "２８00000000000000"}
	for _, c := range valid {
		if !validCode(c) {
			t.Errorf("validCode(%q) = false", c)
		}
	}
	for _, c := range invalid {
		if validCode(c) {
			t.Errorf("validCode(%q) = true", c)
		}
	}
}

func TestEveryLedgerOutcomeHasAnAlipayPlusAnswer(t *testing.T) {
	refusals := []simkit.Outcome{simkit.OutcomeFull, simkit.OutcomeMismatch, simkit.OutcomeClosed, simkit.OutcomeNotFound,
		simkit.OutcomeNotPaid, simkit.OutcomeRefunded, simkit.OutcomeCurrencyMismatch, simkit.OutcomeCancelWindowClosed,
		simkit.OutcomeRefundWindowClosed, simkit.OutcomeRefundExceeds}
	for _, o := range refusals {
		r, ok := outcomeResults[o]
		if !ok || r.ResultStatus == "S" || r.ResultMessage == "" {
			t.Errorf("outcome %s answers %+v, want a documented refusal", o, r)
		}
	}
	for _, d := range simkit.Declines {
		if codes.Declines[d] == "" || resultMessages[codes.Declines[d]] == "" {
			t.Errorf("decline %s has no documented Alipay+ code", d)
		}
	}
}
