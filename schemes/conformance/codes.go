package conformance

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// newCode makes a wallet code the adapter claims, fresh for every payment
// (real wallet codes are good for one payment). It prefers a digits format;
// an adapter that claims only EMVCo consumer-presented QRs gets one of those.
func (r *runner) newCode() (string, error) {
	if r.caps == nil {
		return "", r.capsErr
	}
	var code string
	var err error
	if f := firstFormat(r.caps, schemev1.CodeKind_CODE_KIND_DIGITS); f != nil {
		code, err = digitsCode(f)
	} else if f := firstFormat(r.caps, schemev1.CodeKind_CODE_KIND_EMVCO_CPM); f != nil {
		code, err = cpmCode(f)
	} else {
		return "", errors.New("the capabilities claim no code format the kit can make a code for " +
			"(CODE_KIND_DIGITS with prefixes, or CODE_KIND_EMVCO_CPM with AIDs)")
	}
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	r.codes = append(r.codes, code)
	r.mu.Unlock()
	return code, nil
}

func firstFormat(caps *schemev1.Capabilities, kind schemev1.CodeKind) *schemev1.CodeFormat {
	for _, f := range caps.GetCodeFormats() {
		usable := len(f.GetPrefixes()) > 0
		if kind == schemev1.CodeKind_CODE_KIND_EMVCO_CPM {
			usable = len(f.GetAids()) > 0
		}
		if f.GetKind() == kind && usable {
			return f
		}
	}
	return nil
}

// digitsCode is the format's first prefix followed by random digits up to
// its minimum length.
func digitsCode(f *schemev1.CodeFormat) (string, error) {
	prefix := f.GetPrefixes()[0]
	length := max(int(f.GetMinLength()), len(prefix))
	if f.GetMaxLength() > 0 && length > int(f.GetMaxLength()) {
		return "", fmt.Errorf("digits format: prefix %q is longer than max_length %d", prefix, f.GetMaxLength())
	}
	var b strings.Builder
	b.WriteString(prefix)
	for b.Len() < length {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			return "", err
		}
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String(), nil
}

// cpmCode is an EMVCo consumer-presented QR for the format's first AID:
// base64 of the BER-TLV payload format indicator (85 "CPV01") and one
// application template (61) holding the AID (4F), a label (50) and an
// application-specific template (63) with a random application cryptogram
// (9F26), so each code is new.
func cpmCode(f *schemev1.CodeFormat) (string, error) {
	aid, err := hex.DecodeString(f.GetAids()[0])
	if err != nil || len(aid) == 0 {
		return "", fmt.Errorf("CPM format: AID %q is not hex", f.GetAids()[0])
	}
	cryptogram := make([]byte, 8)
	rand.Read(cryptogram)
	app := tlv([]byte{0x4F}, aid)
	app = append(app, tlv([]byte{0x50}, []byte("CONFORMANCE"))...)
	app = append(app, tlv([]byte{0x63}, tlv([]byte{0x9F, 0x26}, cryptogram))...)
	payload := tlv([]byte{0x85}, []byte("CPV01"))
	payload = append(payload, tlv([]byte{0x61}, app)...)
	return base64.StdEncoding.EncodeToString(payload), nil
}

// tlv encodes one BER-TLV element; values here are under 128 bytes, so the
// length is one byte.
func tlv(tag, value []byte) []byte {
	out := append([]byte{}, tag...)
	out = append(out, byte(len(value)))
	return append(out, value...)
}

// maskCode shows at most the first 4 and last 4 characters of a wallet
// code, the most Meridian ever shows of one.
func maskCode(code string) string {
	const shown = 4
	if len(code) <= 2*shown {
		return strings.Repeat("*", len(code))
	}
	return code[:shown] + strings.Repeat("*", len(code)-2*shown) + code[len(code)-shown:]
}

// scrub masks every code the run made in text that may echo one: the
// adapter's messages and errors, before they reach a report or a log.
func (r *runner) scrub(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.codes {
		if c != "" && strings.Contains(s, c) {
			s = strings.ReplaceAll(s, c, maskCode(c))
		}
	}
	return s
}
