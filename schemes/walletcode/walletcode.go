// Package walletcode says what may be shown of a customer's wallet code:
// in logs, errors, journal records and simulator ledgers a code appears
// only masked (DESIGN.md, money safety 6), and text a wallet sends back is
// scrubbed of anything that could be a code. It also reads the one thing
// of an EMVCo consumer-presented code that is not secret, its first AID,
// which is what tells whose code it is.
package walletcode

import (
	"strings"
	"unicode/utf8"

	"github.com/meridian-gw/meridian/schemes/emvco"
)

// Masking of a code that is not an EMVCo consumer-presented one.
const (
	// shownEachEnd is how many characters of each end of a code are shown.
	shownEachEnd = 4
	// shownLengthMin is the shortest code whose ends are shown: showing 8
	// characters of a shorter code would show most of it.
	shownLengthMin = 16
	// middle stands for everything between the ends, and for all of a
	// shorter code. It is the same for every length, so the mask does not
	// tell how long the code is.
	middle = "****"
)

// Mask returns what may be shown of code. An EMVCo consumer-presented code
// is shown by its payload format and AIDs alone (emvco.MaskCPM): its
// payload carries the customer's account number, which even a few
// characters of base64 could partly show. Any other code of 16 characters
// or more is shown as its first and last 4 characters around "****"; a
// shorter one, or an empty one, is "****".
func Mask(code string) string {
	if emvco.LooksLikeCPM(code) {
		return emvco.MaskCPM(code)
	}
	if utf8.RuneCountInString(code) < shownLengthMin {
		return middle
	}
	// Cut on character boundaries, so the mask stays valid UTF-8 whatever a
	// terminal sent.
	head, tail := 0, len(code)
	for range shownEachEnd {
		_, size := utf8.DecodeRuneInString(code[head:])
		head += size
		_, size = utf8.DecodeLastRuneInString(code[:tail])
		tail -= size
	}
	return code[:head] + middle + code[tail:]
}

// digitRunMin is the shortest run of digits Scrub masks: wallet codes are
// 16 digits and more, while what must stay readable in a wallet's message
// (amounts, MCCs, result codes) is much shorter.
const digitRunMin = 12

// Scrub masks, with Mask, every run of 12 or more digits in text that comes
// back from a wallet (a result message, an error body), so that a wallet
// echoing the payment code cannot leak it into results, logs or the
// journal.
func Scrub(text string) string {
	var b strings.Builder
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		run := text[start:end]
		if len(run) >= digitRunMin {
			run = Mask(run)
		}
		b.WriteString(run)
		start = -1
	}
	for i := 0; i < len(text); i++ {
		if text[i] >= '0' && text[i] <= '9' {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
		b.WriteByte(text[i])
	}
	flush(len(text))
	return b.String()
}

// FirstAID returns the AID of the first application of an EMVCo
// consumer-presented code, in upper-case hex, and whether code is such a
// code that parses. The first application is the one a code routes by
// (schemes.Router), so it is the one a wallet checks to know the code is
// its own.
func FirstAID(code string) (aidHex string, ok bool) {
	if !emvco.LooksLikeCPM(code) {
		return "", false
	}
	cpm, err := emvco.ParseCPM(code)
	if err != nil || len(cpm.Applications) == 0 {
		return "", false
	}
	return cpm.Applications[0].AIDHex(), true
}
