package wire

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// Tag is the tag of a DE 48 TLV element, 0 to 99 (two digits on the wire).
type Tag uint8

// Tags of the spec's DE 48 table.
const (
	// TagWalletCode (request): the wallet payment code scanned from the
	// customer, digits or EMVCo CPM base64, at most MaxWalletCodeLength
	// characters. Never log it: Message and PrivateData mask it when printed.
	TagWalletCode Tag = 1
	// TagQRPayload (response): the QR payload the terminal displays.
	TagQRPayload Tag = 3
	// TagSchemeWanted (request): the scheme wanted for a merchant-presented
	// QR, e.g. "ALIPAYPLUS", "KAKAOPAY", "TRUEMONEY".
	TagSchemeWanted Tag = 4
	// TagWalletBrand (response): the wallet brand printed on the receipt.
	TagWalletBrand Tag = 10
	// TagSchemeTransactionID (response): the scheme's transaction id.
	TagSchemeTransactionID Tag = 11
	// TagFXMarkup (response): the FX mark-up over the ECB euro reference
	// rate, percent, e.g. "2.50".
	TagFXMarkup Tag = 13
	// TagOriginalRRN (request): the original RRN (DE 37 of the purchase) for
	// refunds and status inquiries.
	TagOriginalRRN Tag = 20
)

// MaxWalletCodeLength is the longest wallet code (tag 01) of the spec. The
// TLV codec does not enforce it; the host answers a longer one RC 30, as a
// tag over the spec's length is a malformed field.
const MaxWalletCodeLength = 512

// tagMax is the largest tag two digits can write.
const tagMax = 99

// known reports whether the spec defines t.
func (t Tag) known() bool {
	switch t {
	case TagWalletCode, TagQRPayload, TagSchemeWanted, TagWalletBrand,
		TagSchemeTransactionID, TagFXMarkup, TagOriginalRRN:
		return true
	}
	return false
}

// String returns the tag as on the wire, two digits.
func (t Tag) String() string {
	return fmt.Sprintf("%02d", uint8(t))
}

// TLV is one element of DE 48.
type TLV struct {
	Tag   Tag
	Value string // ans: printable ASCII, at most 999 characters
}

// PrivateData is the content of DE 48: TLV elements in wire order. Tags the
// spec does not define are kept (so a message re-encodes as it came) and
// ignored by Get's callers; a tag the spec defines appears at most once, as
// two wallet codes, say, would leave which one to pay ambiguous.
type PrivateData []TLV

// Get returns the value of tag and whether it is present.
func (p PrivateData) Get(tag Tag) (string, bool) {
	for _, e := range p {
		if e.Tag == tag {
			return e.Value, true
		}
	}
	return "", false
}

// Set gives tag the value: it replaces the value of the first element with
// that tag, or appends an element.
func (p *PrivateData) Set(tag Tag, value string) {
	for i := range *p {
		if (*p)[i].Tag == tag {
			(*p)[i].Value = value
			return
		}
	}
	*p = append(*p, TLV{Tag: tag, Value: value})
}

// Errors of the DE 48 TLV format, wrapped in a *TLVError.
var (
	// ErrTLVTruncated: the data ends inside an element's tag, length or value.
	ErrTLVTruncated = errors.New("TLV element truncated")
	// ErrTLVNotDigits: a tag or length is not ASCII digits.
	ErrTLVNotDigits = errors.New("TLV tag or length is not digits")
	// ErrTLVDuplicateTag: a tag the spec defines appears twice.
	ErrTLVDuplicateTag = errors.New("TLV tag repeated")
)

// TLVError says where DE 48 breaks the TLV format.
type TLVError struct {
	// Offset is the byte offset within DE 48's value (after its length
	// prefix) of the part that is wrong.
	Offset int
	// Err wraps ErrTLVTruncated, ErrTLVNotDigits, ErrTLVDuplicateTag,
	// ErrInvalidCharacter or ErrTooLong. It never quotes a value.
	Err error
}

func (e *TLVError) Error() string {
	return fmt.Sprintf("DE 48 TLV at offset %d: %v", e.Offset, e.Err)
}

// Unwrap returns Err.
func (e *TLVError) Unwrap() error { return e.Err }

const (
	tlvTagLength    = 2
	tlvLengthLength = 3
	tlvHeaderLength = tlvTagLength + tlvLengthLength
	tlvValueMax     = 999
)

// ParsePrivateData reads the TLV elements of DE 48: each is a tag (2 ASCII
// digits), a length (3 ASCII digits) and that many characters of printable
// ASCII. Errors are *TLVError. The result does not alias data.
//
// It is not a moov composite field: the spec has both sides ignore unknown
// tags, which moov's TLV composite allows only with SkipUnknownTLVTags, the
// option DESIGN.md rules out for untrusted input.
func ParsePrivateData(data []byte) (PrivateData, error) {
	if len(data) == 0 {
		return nil, nil
	}
	// One string holds every value, so a message costs one allocation here
	// however many tags it has.
	text := string(data)
	p := make(PrivateData, 0, 4)
	var seen [tagMax + 1]bool
	for offset := 0; offset < len(text); {
		if len(text)-offset < tlvHeaderLength {
			return nil, &TLVError{Offset: offset, Err: fmt.Errorf("%w: %d bytes left for a %d-byte tag and length", ErrTLVTruncated, len(text)-offset, tlvHeaderLength)}
		}
		tag, ok := parseDigits(text[offset : offset+tlvTagLength])
		if !ok {
			return nil, &TLVError{Offset: offset, Err: fmt.Errorf("%w: tag", ErrTLVNotDigits)}
		}
		length, ok := parseDigits(text[offset+tlvTagLength : offset+tlvHeaderLength])
		if !ok {
			return nil, &TLVError{Offset: offset + tlvTagLength, Err: fmt.Errorf("%w: length of tag %02d", ErrTLVNotDigits, tag)}
		}
		start := offset + tlvHeaderLength
		if len(text)-start < length {
			return nil, &TLVError{Offset: start, Err: fmt.Errorf("%w: tag %02d needs %d bytes, %d left", ErrTLVTruncated, tag, length, len(text)-start)}
		}
		value := text[start : start+length]
		if i := invalidAt(printable, value); i >= 0 {
			return nil, &TLVError{Offset: start + i, Err: fmt.Errorf("%w: in tag %02d", ErrInvalidCharacter, tag)}
		}
		if Tag(tag).known() && seen[tag] {
			return nil, &TLVError{Offset: offset, Err: fmt.Errorf("%w: %02d", ErrTLVDuplicateTag, tag)}
		}
		seen[tag] = true
		p = append(p, TLV{Tag: Tag(tag), Value: value})
		offset = start + length
	}
	return p, nil
}

// parseDigits reads a short run of ASCII digits.
func parseDigits(s string) (int, bool) {
	v := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}

// AppendPrivateData appends the TLV elements of p to dst, in order, in the
// format ParsePrivateData reads, and checks them as it does. On error dst is
// returned unchanged and the error is a *TLVError whose Offset is where the
// faulty element would have started.
func AppendPrivateData(dst []byte, p PrivateData) ([]byte, error) {
	start := len(dst)
	var seen [tagMax + 1]bool
	for _, e := range p {
		offset := len(dst) - start
		switch {
		case e.Tag > tagMax:
			return dst[:start], &TLVError{Offset: offset, Err: fmt.Errorf("%w: tag %d has more than 2 digits", ErrTooLong, e.Tag)}
		case len(e.Value) > tlvValueMax:
			return dst[:start], &TLVError{Offset: offset, Err: fmt.Errorf("%w: tag %s value of %d characters, at most %d", ErrTooLong, e.Tag, len(e.Value), tlvValueMax)}
		case e.Tag.known() && seen[e.Tag]:
			return dst[:start], &TLVError{Offset: offset, Err: fmt.Errorf("%w: %s", ErrTLVDuplicateTag, e.Tag)}
		}
		if i := invalidAt(printable, e.Value); i >= 0 {
			return dst[:start], &TLVError{Offset: offset + tlvHeaderLength + i, Err: fmt.Errorf("%w: in tag %s", ErrInvalidCharacter, e.Tag)}
		}
		seen[e.Tag] = true
		dst = append(dst, '0'+byte(e.Tag)/10, '0'+byte(e.Tag)%10)
		dst = append(dst, '0'+byte(len(e.Value)/100), '0'+byte(len(e.Value)/10%10), '0'+byte(len(e.Value)%10))
		dst = append(dst, e.Value...)
	}
	return dst, nil
}

// encodedLength returns the length of p on the wire.
func (p PrivateData) encodedLength() int {
	n := 0
	for _, e := range p {
		n += tlvHeaderLength + len(e.Value)
	}
	return n
}

// appendPrivateDataElement appends DE 48, length prefix and TLV elements,
// in element e's format.
func appendPrivateDataElement(dst []byte, e element, p PrivateData) ([]byte, error) {
	length := p.encodedLength()
	lengthPrefix, err := e.spec.Pref.EncodeLength(e.spec.Length, length)
	if err != nil {
		return dst, fmt.Errorf("%w: %v", ErrTooLong, err)
	}
	start := len(dst)
	dst = append(dst, lengthPrefix...)
	if dst, err = AppendPrivateData(dst, p); err != nil {
		return dst[:start], err
	}
	return dst, nil
}

// String returns the elements for logs, as {tag="value" ...}. The wallet
// code is masked with walletcode.Mask; tags the spec does not define show
// only their length, as nothing says their content is safe to log.
func (p PrivateData) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, e := range p {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e.Tag.String())
		b.WriteByte('=')
		switch {
		case e.Tag == TagWalletCode:
			b.WriteString(strconv.Quote(walletcode.Mask(e.Value)))
		case e.Tag.known():
			b.WriteString(strconv.Quote(e.Value))
		default:
			fmt.Fprintf(&b, "<%d bytes>", len(e.Value))
		}
	}
	b.WriteByte('}')
	return b.String()
}

// GoString masks like String, so that %#v cannot leak the wallet code.
func (p PrivateData) GoString() string { return "wire.PrivateData" + p.String() }
