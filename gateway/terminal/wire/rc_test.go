package wire_test

import (
	"strings"
	"testing"

	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

func TestRCMeaningCoversTheSpecsTable(t *testing.T) {
	// The spec's table, code and a word of its meaning.
	table := map[string]string{
		wire.RCApproved: "approved", wire.RCInvalidMerchant: "invalid merchant", wire.RCDoNotHonour: "do not honour",
		wire.RCInProgress: "in progress", wire.RCInvalidTransaction: "invalid transaction", wire.RCInvalidAmount: "invalid amount",
		wire.RCInvalidWalletCode: "invalid wallet code", wire.RCOriginalNotFound: "original transaction not found",
		wire.RCFormatError: "format error", wire.RCInsufficientFunds: "insufficient funds", wire.RCExpiredWalletCode: "expired",
		wire.RCSchemeNotEnabled: "not enabled", wire.RCSuspectedFraud: "fraud", wire.RCExceedsAmountLimit: "amount limit",
		wire.RCExceedsFrequencyLimit: "frequency limit", wire.RCSchemeUnavailable: "unavailable", wire.RCDuplicateSTAN: "duplicate STAN",
		wire.RCSystemMalfunction: "system malfunction",
	}
	codes := []string{"00", "03", "05", "09", "12", "13", "14", "25", "30", "51", "54", "57", "59", "61", "65", "91", "94", "96"}
	if len(table) != len(codes) {
		t.Fatalf("%d distinct constants, the spec has %d codes", len(table), len(codes))
	}
	for _, code := range codes {
		word, ok := table[code]
		if !ok {
			t.Errorf("no constant for RC %s", code)
			continue
		}
		if got := wire.RCMeaning(code); !strings.Contains(got, word) {
			t.Errorf("RCMeaning(%s) = %q, want it to say %q", code, got, word)
		}
	}
	for _, unknown := range []string{"01", "99", "", "0", "000"} {
		if got := wire.RCMeaning(unknown); got != "unknown response code" {
			t.Errorf("RCMeaning(%q) = %q", unknown, got)
		}
	}
}
