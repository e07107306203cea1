package emvco

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// PayloadLengthMax is the longest payload this package reads, in characters:
// the terminal interface's limit for a wallet code (DE 48 tag 01) and the
// MPM spec's limit for a merchant-presented payload.
const PayloadLengthMax = 512

// The data objects of the CPM spec (EMV QRCPS Consumer-Presented Mode v1.1,
// section 7), with the EMV Book 3 tags it takes over.
const (
	tagPayloadFormat       = 0x85   // Payload Format Indicator, "CPV01"
	tagApplication         = 0x61   // Application Template
	tagCommonData          = 0x62   // Common Data Template
	tagADFName             = 0x4F   // ADF Name: the AID
	tagApplicationLabel    = 0x50   // Application Label
	tagTrack2              = 0x57   // Track 2 Equivalent Data
	tagPAN                 = 0x5A   // Application PAN
	tagCardholderName      = 0x5F20 // Cardholder Name
	tagLanguagePreference  = 0x5F2D // Language Preference
	tagIssuerURL           = 0x5F50 // Issuer URL
	tagApplicationVersion  = 0x9F08 // Application Version Number
	tagTokenRequestorID    = 0x9F19 // Token Requestor ID
	tagPaymentAccountRef   = 0x9F24 // Payment Account Reference
	tagLast4DigitsOfPAN    = 0x9F25 // Last 4 Digits of PAN
	payloadFormatIndicator = "CPV01"
)

// cpmRule is what the spec says of one data object inside an Application or
// Common Data Template: its name, value length in bytes and format.
type cpmRule struct {
	tag      uint32
	name     string
	min, max int
	// format returns what is wrong with a value of the right length, or "".
	// It never quotes the value.
	format func([]byte) string
}

// cpmDataObjects are the template data objects this package checks. Others,
// such as proprietary tags, are allowed and kept as they are; the contents of
// the Application Specific Transparent Template '63' and the Common Data
// Transparent Template '64' (cryptogram, ATC, issuer application data…) are
// for the issuer and not checked.
var cpmDataObjects = []cpmRule{
	{tagADFName, "ADF name", 5, 16, nil},
	{tagApplicationLabel, "application label", 1, 16, ansFormat[[]byte]},
	{tagTrack2, "track 2 equivalent data", 1, 19, track2Format},
	{tagPAN, "application PAN", 1, 10, panFormat},
	{tagCardholderName, "cardholder name", 2, 26, ansFormat[[]byte]},
	{tagLanguagePreference, "language preference", 2, 8, languageFormat},
	{tagIssuerURL, "issuer URL", 1, 255, ansFormat[[]byte]},
	{tagApplicationVersion, "application version number", 2, 2, nil},
	{tagTokenRequestorID, "token requestor ID", 6, 6, bcdFormat},
	{tagPaymentAccountRef, "payment account reference", 29, 29, alphanumericFormat},
	{tagLast4DigitsOfPAN, "last 4 digits of PAN", 2, 2, bcdFormat},
}

// CPM is a consumer-presented code: the wallet's applications the customer
// offers, and the data they share.
type CPM struct {
	// Applications are the Application Templates '61', in the order the
	// wallet lists them (its order of preference); there is at least one.
	Applications []Application
	// Common is the content of the Common Data Template '62', if any.
	Common []TLV
}

// Application is one Application Template '61' of a consumer-presented code.
type Application struct {
	// AID is the ADF Name '4F', 5 to 16 bytes: the payment application the
	// gateway routes by.
	AID []byte
	// Label is the Application Label '50', "" when absent.
	Label string
	// PAN is the account number: from the template's Application PAN '5A'
	// or Track 2 Equivalent Data '57', else from the Common Data Template's;
	// "" when the code carries none (a token-only code). It must never be
	// shown or logged: use MaskedPAN, Last4 or String.
	PAN string
	// Last4 is the Last 4 Digits of PAN '9F25', or the last 4 of PAN; ""
	// when neither is present.
	Last4 string
	// TLVs are all the data objects of the template, in order, including
	// those above and the Application Specific Transparent Template '63'
	// with the cryptogram data the issuer checks.
	TLVs []TLV
}

// AIDHex returns the AID in upper-case hex, as routing tables write it.
func (a Application) AIDHex() string { return upperHex(a.AID) }

// MaskedPAN returns the PAN with every digit but the last 4 replaced by '*',
// the most of it a receipt or log may show (all of a PAN of 4 digits or
// fewer); "" when there is no PAN.
func (a Application) MaskedPAN() string {
	if len(a.PAN) <= 4 {
		return strings.Repeat("*", len(a.PAN))
	}
	return strings.Repeat("*", len(a.PAN)-4) + a.PAN[len(a.PAN)-4:]
}

// String describes the application for logs, with the PAN masked.
func (a Application) String() string {
	return fmt.Sprintf("AID %s label %q PAN %s", a.AIDHex(), a.Label, a.MaskedPAN())
}

// GoString is String, so that %#v cannot print the PAN either.
func (a Application) GoString() string { return "emvco.Application{" + a.String() + "}" }

// LogValue logs the application with the PAN masked.
func (a Application) LogValue() slog.Value {
	return slog.GroupValue(slog.String("aid", a.AIDHex()), slog.String("label", a.Label),
		slog.String("pan", a.MaskedPAN()))
}

// String describes the code for logs: its applications with their PANs
// masked, and the tags and lengths of the common data.
func (c CPM) String() string {
	var b strings.Builder
	b.WriteString(payloadFormatIndicator)
	for _, a := range c.Applications {
		b.WriteString(" [" + a.String() + "]")
	}
	if c.Common != nil {
		b.WriteString(" common " + TLV{Tag: tagCommonData, Children: c.Common}.String())
	}
	return b.String()
}

// GoString is String, so that %#v cannot print the PAN either.
func (c CPM) GoString() string { return "emvco.CPM{" + c.String() + "}" }

// LogValue logs the code as String does.
func (c CPM) LogValue() slog.Value { return slog.StringValue(c.String()) }

// GoString shows what String does, so that %#v cannot print a value either.
func (t TLV) GoString() string { return "emvco.TLV{" + t.String() + "}" }

// ParseCPM reads a consumer-presented code: base64 (standard alphabet, with
// or without padding) of BER-TLV data objects as the CPM spec lays them out.
// Errors are *CPMError and never quote the code or its values. The byte
// slices of the result share one buffer, decoded from payload.
func ParseCPM(payload string) (*CPM, error) {
	data, err := decodeCPMBase64(payload)
	if err != nil {
		return nil, err
	}
	top, err := decodeTLV(data)
	if err != nil {
		var te *tlvError
		if errors.As(err, &te) {
			return nil, &CPMError{Offset: te.offset, Reason: te.reason, Err: ErrMalformed}
		}
		return nil, &CPMError{Reason: err.Error(), Err: ErrMalformed}
	}
	return readCPM(top)
}

// LooksLikeCPM reports, cheaply, whether code is meant as a consumer-presented
// code: not all digits (those are wallet codes of their own), base64 text of
// at most PayloadLengthMax characters, starting with the Payload Format
// Indicator '85' = "CPV01". It does not mean ParseCPM will accept it.
func LooksLikeCPM(code string) bool {
	// 12 characters are the shortest whole base64 run holding the 7 bytes
	// of the indicator.
	const prefixChars = 12
	if len(code) < prefixChars || len(code) > PayloadLengthMax || allDigits(code) || invalidBase64At(code) >= 0 {
		return false
	}
	var prefix [9]byte
	n, err := base64.StdEncoding.Decode(prefix[:], []byte(code[:prefixChars]))
	return err == nil && n >= 7 && string(prefix[:7]) == "\x85\x05"+payloadFormatIndicator
}

// MaskCPM returns what may be logged of a consumer-presented code: the
// payload format and the applications' AIDs, e.g.
// "CPV01:A0000000555555,A0000000666666:…", never an account number or
// cryptogram. A code that does not parse is shown by its length only.
func MaskCPM(payload string) string {
	c, err := ParseCPM(payload)
	if err != nil {
		return fmt.Sprintf("invalid CPM of %d characters", len(payload))
	}
	aids := make([]string, len(c.Applications))
	for i, a := range c.Applications {
		aids[i] = a.AIDHex()
	}
	return payloadFormatIndicator + ":" + strings.Join(aids, ",") + ":…"
}

// The encodings of a code, strict: the unused bits of the last character
// must be zero, so each code has one spelling. (Strict returns a copy of the
// encoding, which is why they are made once.)
var (
	base64Padded   = base64.StdEncoding.Strict()
	base64Unpadded = base64.RawStdEncoding.Strict()
)

// decodeCPMBase64 decodes the base64 text of a code. Go's decoder skips
// '\r' and '\n', so the alphabet is checked first: a code is one token.
func decodeCPMBase64(payload string) ([]byte, error) {
	switch {
	case payload == "":
		return nil, &CPMError{Reason: "empty", Err: ErrMalformed}
	case len(payload) > PayloadLengthMax:
		return nil, &CPMError{Offset: PayloadLengthMax, Reason: fmt.Sprintf("%d characters, at most %d", len(payload), PayloadLengthMax), Err: ErrTooLong}
	}
	if i := invalidBase64At(payload); i >= 0 {
		return nil, &CPMError{Offset: i, Reason: "not a base64 character", Err: ErrMalformed}
	}
	encoding := base64Unpadded
	if len(payload)%4 == 0 {
		encoding = base64Padded
	}
	data, err := encoding.DecodeString(payload)
	if err != nil {
		offset := 0
		var corrupt base64.CorruptInputError
		if errors.As(err, &corrupt) {
			offset = int(corrupt)
		}
		return nil, &CPMError{Offset: offset, Reason: "bad base64", Err: ErrMalformed}
	}
	return data, nil
}

// readCPM checks the top-level data objects: '85' first, then one or more
// '61', then at most one '62'.
func readCPM(top []TLV) (*CPM, error) {
	if len(top) == 0 || top[0].Tag != tagPayloadFormat {
		return nil, &CPMError{Reason: "the first data object is not the payload format indicator (tag 85)", Err: ErrInvalid}
	}
	if !bytes.Equal(top[0].Value, []byte(payloadFormatIndicator)) {
		return nil, &CPMError{Reason: "tag 85: payload format indicator is not " + payloadFormatIndicator, Err: ErrInvalid}
	}
	c := &CPM{}
	var common *TLV
	for i := 1; i < len(top); i++ {
		t := top[i]
		switch {
		case t.Tag == tagApplication && common == nil:
			app, err := readApplication(len(c.Applications)+1, t)
			if err != nil {
				return nil, err
			}
			c.Applications = append(c.Applications, app)
		case t.Tag == tagApplication:
			return nil, cpmInvalid(t, "application template after the common data template")
		case t.Tag == tagCommonData && common == nil:
			if err := checkTemplate(0, t); err != nil {
				return nil, err
			}
			common = &top[i]
		case t.Tag == tagCommonData || t.Tag == tagPayloadFormat:
			return nil, cpmInvalid(t, fmt.Sprintf("tag %s: present twice", t.TagHex()))
		default:
			return nil, cpmInvalid(t, fmt.Sprintf("tag %s: not allowed at the top level here", t.TagHex()))
		}
	}
	if len(c.Applications) == 0 {
		return nil, &CPMError{Reason: "no application template (tag 61)", Err: ErrInvalid}
	}
	if common != nil {
		c.Common = common.Children
		fillFromCommon(c.Applications, common.Children)
	}
	return c, nil
}

// readApplication checks the n-th Application Template (from 1).
func readApplication(n int, t TLV) (Application, error) {
	if err := checkTemplate(n, t); err != nil {
		return Application{}, err
	}
	aid, ok := FindTag(t.Children, tagADFName)
	if !ok {
		return Application{}, cpmInvalid(t, templateName(n)+": no ADF name (tag 4F)")
	}
	a := Application{AID: aid.Value, TLVs: t.Children}
	if label, ok := FindTag(t.Children, tagApplicationLabel); ok {
		a.Label = string(label.Value)
	}
	a.PAN = accountNumber(t.Children)
	if last4, ok := FindTag(t.Children, tagLast4DigitsOfPAN); ok {
		a.Last4 = upperHex(last4.Value)
	}
	fillLast4(&a)
	return a, nil
}

// fillFromCommon gives the applications that carry no account number of
// their own the one in the Common Data Template, as the spec's example does.
func fillFromCommon(apps []Application, common []TLV) {
	pan := accountNumber(common)
	last4, hasLast4 := FindTag(common, tagLast4DigitsOfPAN)
	for i := range apps {
		if apps[i].PAN == "" {
			apps[i].PAN = pan
		}
		if apps[i].Last4 == "" && hasLast4 {
			apps[i].Last4 = upperHex(last4.Value)
		}
		fillLast4(&apps[i])
	}
}

func fillLast4(a *Application) {
	if a.Last4 == "" && len(a.PAN) >= 4 {
		a.Last4 = a.PAN[len(a.PAN)-4:]
	}
}

// accountNumber returns the PAN in list's Application PAN or, failing that,
// its Track 2 Equivalent Data; both were checked by checkTemplate.
func accountNumber(list []TLV) string {
	if pan, ok := FindTag(list, tagPAN); ok {
		digits, _ := compressedNumeric(pan.Value)
		return digits
	}
	if track2, ok := FindTag(list, tagTrack2); ok {
		digits, _ := track2PAN(track2.Value)
		return digits
	}
	return ""
}

// checkTemplate checks the data objects directly inside template t, the
// n-th application template or, for n = 0, the common data template: the
// ones the spec defines at most once each and in their format.
func checkTemplate(n int, t TLV) error {
	var seen uint32 // bit i: cpmDataObjects[i] was found
	for _, c := range t.Children {
		i := slices.IndexFunc(cpmDataObjects, func(r cpmRule) bool { return r.tag == c.Tag })
		if i < 0 {
			continue
		}
		rule := cpmDataObjects[i]
		if seen&(1<<i) != 0 {
			return cpmInvalid(c, fmt.Sprintf("%s: tag %s: present twice", templateName(n), c.TagHex()))
		}
		seen |= 1 << i
		if length := len(c.Value); length < rule.min || length > rule.max {
			want := fmt.Sprintf("%d to %d bytes", rule.min, rule.max)
			if rule.min == rule.max {
				want = fmt.Sprintf("%d bytes", rule.min)
			}
			return cpmInvalid(c, fmt.Sprintf("%s: tag %s: length %d, want %s", templateName(n), c.TagHex(), length, want))
		}
		if rule.format == nil {
			continue
		}
		if problem := rule.format(c.Value); problem != "" {
			return cpmInvalid(c, fmt.Sprintf("%s: tag %s (%s): %s", templateName(n), c.TagHex(), rule.name, problem))
		}
	}
	return nil
}

// templateName names the n-th application template, or for n = 0 the
// common data template, in errors.
func templateName(n int) string {
	if n == 0 {
		return "common data template"
	}
	return fmt.Sprintf("application template %d", n)
}

func cpmInvalid(t TLV, reason string) *CPMError {
	return &CPMError{Offset: t.offset, Reason: reason, Err: ErrInvalid}
}

// The value formats of EMV Book 3 section 4.3. Each returns what is wrong,
// or "", without quoting the value.

// ansFormat: printable ASCII, space included.
func ansFormat[T string | []byte](v T) string {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7E {
			return "a character that is not printable ASCII"
		}
	}
	return ""
}

func alphanumericFormat(v []byte) string {
	for _, c := range v {
		if !isDigit(c) && !isLetter(c) {
			return "a character that is not a letter or digit"
		}
	}
	return ""
}

// languageFormat: 1 to 4 ISO 639-1 codes of 2 letters each.
func languageFormat(v []byte) string {
	if len(v)%2 != 0 {
		return "not a whole number of 2-letter language codes"
	}
	for _, c := range v {
		if !isLetter(c) {
			return "a character that is not a letter"
		}
	}
	return ""
}

// bcdFormat: format n, two decimal digits a byte.
func bcdFormat(v []byte) string {
	for _, c := range v {
		if c>>4 > 9 || c&0x0F > 9 {
			return "a nibble that is not a decimal digit"
		}
	}
	return ""
}

func panFormat(v []byte) string {
	if _, ok := compressedNumeric(v); !ok {
		return "not compressed numeric (digits, then only F padding)"
	}
	return ""
}

func track2Format(v []byte) string {
	if _, ok := track2PAN(v); !ok {
		return "not track 2 data (1 to 19 digits, separator D, 7 or more digits, F padding)"
	}
	return ""
}

// compressedNumeric reads format cn: decimal digits a nibble, left
// justified, padded on the right with F nibbles. It needs at least one digit.
func compressedNumeric(v []byte) (string, bool) {
	digits := make([]byte, 0, 2*len(v))
	padding := false
	for i := range 2 * len(v) {
		switch nibble := nibbleAt(v, i); {
		case nibble <= 9 && !padding:
			digits = append(digits, '0'+nibble)
		case nibble == 0xF:
			padding = true
		default:
			return "", false
		}
	}
	return string(digits), len(digits) > 0
}

// track2PAN checks Track 2 Equivalent Data (EMV Book 3 table 33: the PAN of
// up to 19 digits, field separator D, expiry date, service code and
// discretionary data as digits, one F of padding to a whole byte) and
// returns its PAN.
func track2PAN(v []byte) (string, bool) {
	n := 2 * len(v)
	if n > 0 && nibbleAt(v, n-1) == 0xF {
		n--
	}
	separator := -1
	for i := range n {
		switch nibble := nibbleAt(v, i); {
		case nibble <= 9:
		case nibble == 0xD && separator < 0:
			separator = i
		default:
			return "", false
		}
	}
	// The separator follows 1 to 19 digits of PAN and precedes at least
	// the expiry date (YYMM) and service code (3 digits).
	const afterSeparatorMin = 7
	if separator < 1 || separator > 19 || n-separator-1 < afterSeparatorMin {
		return "", false
	}
	pan := make([]byte, separator)
	for i := range pan {
		pan[i] = '0' + nibbleAt(v, i)
	}
	return string(pan), true
}

// nibbleAt returns the i-th half byte of v, high half first.
func nibbleAt(v []byte, i int) byte {
	if i%2 == 0 {
		return v[i/2] >> 4
	}
	return v[i/2] & 0x0F
}

// upperHex is hex.EncodeToString in upper case, as EMV writes AIDs.
func upperHex(v []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 2*len(v))
	for i, b := range v {
		out[2*i], out[2*i+1] = digits[b>>4], digits[b&0x0F]
	}
	return string(out)
}

// invalidBase64At returns the index of the first character outside the
// standard base64 alphabet and its '=' padding, or -1.
func invalidBase64At(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isLetter(c) && !isDigit(c) && c != '+' && c != '/' && c != '=' {
			return i
		}
	}
	return -1
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }
