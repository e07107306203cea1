package contract

import (
	"strings"
	"unicode/utf8"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// SchemeTextLengthMax bounds, in bytes, the scheme code and message copied
// into a Result: they come from outside and end up in logs and the journal.
const SchemeTextLengthMax = 256

// SchemeText bounds text from a wallet to SchemeTextLengthMax and scrubs it
// of anything that could be a wallet code (walletcode.Scrub) before it is
// stored. A cut can split a character, and protobuf refuses invalid UTF-8
// strings, so the remains of one are dropped.
func SchemeText(s string) string {
	if len(s) > SchemeTextLengthMax {
		s = s[:SchemeTextLengthMax]
	}
	return walletcode.Scrub(strings.ToValidUTF8(s, ""))
}

// Unknown is the result when the wallet could not be heard, or its answer
// not trusted: the request may have been processed, so never a failure. The
// gateway resolves it by inquiry, cancel and refund.
func Unknown(err error) *schemev1.Result {
	return &schemev1.Result{
		Status:  schemev1.ResultStatus_RESULT_STATUS_UNKNOWN,
		Message: SchemeText(err.Error()),
	}
}

// LocalFailure is a failure the adapter decides without calling the
// wallet, when the request can be seen to fail before any money could move
// (a currency the wallet does not charge, a code too long to be one).
// schemeCode is the wallet's code for the refusal, or "" where it has none.
func LocalFailure(reason schemev1.FailureReason, schemeCode, message string) *schemev1.Result {
	return &schemev1.Result{
		Status:     schemev1.ResultStatus_RESULT_STATUS_FAILURE,
		Reason:     reason,
		SchemeCode: schemeCode,
		Message:    message,
	}
}

// Truncate cuts s to at most n bytes without splitting a character, for
// contract text (a merchant's name, an order description, a refund reason)
// sent in a wallet field of bounded length.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
