package wire

// Response codes (DE 39) of the spec's table.
const (
	RCApproved              = "00"
	RCInvalidMerchant       = "03"
	RCDoNotHonour           = "05"
	RCInProgress            = "09"
	RCInvalidTransaction    = "12"
	RCInvalidAmount         = "13"
	RCInvalidWalletCode     = "14"
	RCOriginalNotFound      = "25"
	RCFormatError           = "30"
	RCInsufficientFunds     = "51"
	RCExpiredWalletCode     = "54"
	RCSchemeNotEnabled      = "57"
	RCSuspectedFraud        = "59"
	RCExceedsAmountLimit    = "61"
	RCExceedsFrequencyLimit = "65"
	RCSchemeUnavailable     = "91"
	RCDuplicateSTAN         = "94"
	RCSystemMalfunction     = "96"
)

// responseCodes is the spec's response code table: each code with its
// meaning in the words of the spec.
var responseCodes = []struct{ code, meaning string }{
	{RCApproved, "approved / done"},
	{RCInvalidMerchant, "invalid merchant or terminal (unknown, suspended, or not signed on)"},
	{RCDoNotHonour, "do not honour (wallet declined, no specific reason)"},
	{RCInProgress, "request in progress (waiting for the customer)"},
	{RCInvalidTransaction, "invalid transaction (unsupported for this merchant)"},
	{RCInvalidAmount, "invalid amount"},
	{RCInvalidWalletCode, "invalid wallet code (unknown format or no scheme claims it)"},
	{RCOriginalNotFound, "original transaction not found"},
	{RCFormatError, "format error (missing or malformed field)"},
	{RCInsufficientFunds, "insufficient funds in the wallet"},
	{RCExpiredWalletCode, "expired wallet code"},
	{RCSchemeNotEnabled, "scheme not enabled for this merchant"},
	{RCSuspectedFraud, "suspected fraud"},
	{RCExceedsAmountLimit, "exceeds amount limit"},
	{RCExceedsFrequencyLimit, "exceeds frequency limit"},
	{RCSchemeUnavailable, "scheme unavailable or outcome unknown in time (payment cancelled)"},
	{RCDuplicateSTAN, "duplicate STAN with different content"},
	{RCSystemMalfunction, "system malfunction"},
}

// RCMeaning returns the meaning of response code rc in plain words, as the
// spec's table gives it, or "unknown response code" for a code not in it.
func RCMeaning(rc string) string {
	for _, r := range responseCodes {
		if r.code == rc {
			return r.meaning
		}
	}
	return "unknown response code"
}
