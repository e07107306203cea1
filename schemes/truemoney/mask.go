package truemoney

import (
	"strings"

	"github.com/meridian-gw/meridian/schemes/emvco"
)

// MaskCode returns code with all but its first 4 and last 4 characters
// replaced by '*', the most of a wallet code Meridian ever shows (DESIGN.md,
// money safety 6). Codes of 8 characters or fewer are masked entirely, as
// showing 4+4 of them would show all.
func MaskCode(code string) string {
	const shown = 4
	if len(code) <= 2*shown {
		return strings.Repeat("*", len(code))
	}
	return code[:shown] + strings.Repeat("*", len(code)-2*shown) + code[len(code)-shown:]
}

// longDigitRun is the shortest run of digits scrubbed from text coming back
// from the wallet: TrueMoney codes are 18 digits, ids we need to keep
// readable (status codes, MCCs, amounts) are much shorter.
const longDigitRun = 12

// scrubCodes masks every run of longDigitRun or more digits in s, so a wallet
// message that echoes the payment code cannot leak it into our results.
func scrubCodes(s string) string {
	var b strings.Builder
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		run := s[start:end]
		if len(run) >= longDigitRun {
			run = MaskCode(run)
		}
		b.WriteString(run)
		start = -1
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
		b.WriteByte(s[i])
	}
	flush(len(s))
	return b.String()
}

// maskPaymentCode is what may be logged of a payment code: for an EMVCo
// consumer-presented code its format and AIDs (emvco.MaskCPM), for any
// other its first and last 4 characters.
func maskPaymentCode(code string) string {
	if emvco.LooksLikeCPM(code) {
		return emvco.MaskCPM(code)
	}
	return MaskCode(code)
}
