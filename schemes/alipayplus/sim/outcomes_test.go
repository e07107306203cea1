package sim

import (
	"encoding/base64"
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
	t.Run("A consumer-presented code is valid by its first AID.", func(t *testing.T) {
		alipay := base64.StdEncoding.EncodeToString([]byte("\x85\x05CPV01\x61\x0A\x4F\x08\xF0ALIPAY+"))
		kakao := base64.StdEncoding.EncodeToString([]byte("\x85\x05CPV01\x61\x08\x4F\x06\xF0KAKAO"))
		if !validCode(alipay) || walletBrand(alipay) != CPMBrand {
			t.Errorf("Alipay+ CPM: valid %v, brand %q", validCode(alipay), walletBrand(alipay))
		}
		if validCode(kakao) || validCode(alipay[:16]) {
			t.Errorf("a KakaoPay CPM or a truncated one is valid")
		}
	})
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
