package wire

import (
	"bytes"
	"fmt"

	"github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/encoding"
	"github.com/moov-io/iso8583/field"
	"github.com/moov-io/iso8583/prefix"
)

// Message type indicators of the spec's messages table.
const (
	MTIStatusRequest          = "0100"
	MTIStatusResponse         = "0110"
	MTIFinancialRequest       = "0200"
	MTIFinancialRepeat        = "0201"
	MTIFinancialResponse      = "0210"
	MTIReversalRequest        = "0400"
	MTIReversalRepeat         = "0401"
	MTIReversalResponse       = "0410"
	MTIReversalAdvice         = "0420"
	MTIReversalAdviceRepeat   = "0421"
	MTIReversalAdviceResponse = "0430"
	MTINetworkRequest         = "0800"
	MTINetworkResponse        = "0810"
)

// Processing codes (DE 3).
const (
	ProcessingPurchase      = "000000"
	ProcessingRefund        = "200000"
	ProcessingStatusInquiry = "300000"
)

// POS entry modes (DE 22).
const (
	// EntryModeConsumerPresented: the terminal scanned the customer's wallet code.
	EntryModeConsumerPresented = "031"
	// EntryModeMerchantPresented: the terminal shows a QR for the customer to scan.
	EntryModeMerchantPresented = "821"
)

// ConditionCodeNormal is the only POS condition code (DE 25) of the spec.
const ConditionCodeNormal = "00"

// Network management codes (DE 70).
const (
	NetworkSignOn  = "001"
	NetworkSignOff = "002"
	NetworkEcho    = "301"
)

// responseMTIs maps every request MTI the host answers, repeats included, to
// the MTI of its answer. 0101 and 0801 are not in the spec's table but follow
// the ISO 8583:1987 repeat rule (xxx1 is answered like xxx0).
var responseMTIs = map[string]string{
	"0100": "0110", "0101": "0110",
	"0200": "0210", "0201": "0210",
	"0400": "0410", "0401": "0410",
	"0420": "0430", "0421": "0430",
	"0800": "0810", "0801": "0810",
}

// ResponseMTI returns the MTI that answers requestMTI, and false when
// requestMTI is not a request or advice (a response, or garbage). The
// interface's own MTIs come from its table; any other ISO 8583:1987 request
// or advice (version 0, function 0 or 2, e.g. 0300) is answered by the ISO
// rule, function + 1 and origin 0 (0300 → 0310), so that the host can tell
// the terminal RC 12 rather than leave it waiting.
func ResponseMTI(requestMTI string) (string, bool) {
	if mti, ok := responseMTIs[requestMTI]; ok {
		return mti, true
	}
	m := requestMTI
	if len(m) != 4 || m[0] != '0' || m[1] < '1' || m[1] > '9' || (m[2] != '0' && m[2] != '2') || m[3] < '0' || m[3] > '5' {
		return "", false
	}
	return string([]byte{'0', m[1], m[2] + 1, '0'}), true
}

// charset is the set of characters a data element may hold. It also decides
// the padding of a fixed-length element, as the spec's Encoding section ties
// padding to the format: n is right-aligned and zero-padded, an and ans are
// left-aligned and space-padded.
type charset uint8

const (
	numeric      charset = iota + 1 // n: ASCII digits
	alphanumeric                    // an: letters, digits, and the padding space
	printable                       // ans: printable ASCII, 0x20 to 0x7E
)

// allowedBytes[c][b] says whether charset c allows byte b: one load per
// character, as every character of every message goes through it.
var allowedBytes = func() (table [printable + 1][256]bool) {
	for b := range 256 {
		digit := '0' <= b && b <= '9'
		letter := 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z'
		table[numeric][b] = digit
		table[alphanumeric][b] = digit || letter || b == ' '
		table[printable][b] = ' ' <= b && b <= '~'
	}
	return table
}()

func (c charset) allows(b byte) bool { return allowedBytes[c][b] }

// invalidAt returns the index of the first character of value that c does
// not allow, or -1.
func invalidAt[T string | []byte](c charset, value T) int {
	for i := 0; i < len(value); i++ {
		if !c.allows(value[i]) {
			return i
		}
	}
	return -1
}

func (c charset) err() error {
	if c == numeric {
		return ErrNonDigit
	}
	return ErrInvalidCharacter
}

func (c charset) pad() byte {
	if c == numeric {
		return '0'
	}
	return ' '
}

// codec packs and unpacks the interface's ASCII data elements for moov's
// field types. moov's own ASCII encoding accepts any byte below 0x80 and its
// numeric field accepts a sign, so the spec's n, an and ans formats are
// checked here; it is the same code Decode and Encode use (element), so a
// moov iso8583.Message built on messageSpec reads and writes exactly what
// this package does.
type codec struct{ chars charset }

var (
	_ field.Packer   = codec{}
	_ field.Unpacker = codec{}
)

// Unpack implements field.Unpacker.
func (c codec) Unpack(data []byte, s *field.Spec) ([]byte, int, error) {
	return element{spec: s, chars: c.chars}.scan(data)
}

// Pack implements field.Packer.
func (c codec) Pack(value []byte, s *field.Spec) ([]byte, error) {
	return appendElement(nil, element{spec: s, chars: c.chars}, value)
}

// fixed returns the moov spec of a fixed-length data element of the given format.
func fixed(chars charset, length int, description string) *field.String {
	return field.NewString(&field.Spec{
		Length:      length,
		Description: description,
		Enc:         encoding.ASCII,
		Pref:        prefix.ASCII.Fixed,
		Packer:      codec{chars},
		Unpacker:    codec{chars},
	})
}

// lllvar returns the moov spec of an LLLVAR data element of the given format.
func lllvar(chars charset, lengthMax int, description string) *field.String {
	return field.NewString(&field.Spec{
		Length:      lengthMax,
		Description: description,
		Enc:         encoding.ASCII,
		Pref:        prefix.ASCII.LLL,
		Packer:      codec{chars},
		Unpacker:    codec{chars},
	})
}

// messageSpec is the terminal host interface as data: exactly the data
// elements of the spec's table, in the spec's formats. Index 0 is the MTI and
// 1 the bitmap, as in moov. The bitmap's Length is the bytes of one bitmap
// (16 hex characters on the wire).
var messageSpec = &iso8583.MessageSpec{
	Name: "Meridian terminal host interface v1 (ISO 8583:1987 ASCII)",
	Fields: map[int]field.Field{
		0: fixed(numeric, 4, "Message type indicator"),
		1: field.NewBitmap(&field.Spec{
			Length:      8,
			Description: "Bitmap",
			Enc:         encoding.BytesToASCIIHex,
			Pref:        prefix.Hex.Fixed,
		}),
		3:  fixed(numeric, 6, "Processing code"),
		4:  fixed(numeric, 12, "Amount, transaction (minor units of DE 49)"),
		6:  fixed(numeric, 12, "Amount charged to the wallet (minor units of DE 51)"),
		7:  fixed(numeric, 10, "Transmission date and time, MMDDhhmmss UTC"),
		10: fixed(numeric, 8, "Conversion rate (decimal places, then 7 digits)"),
		11: fixed(numeric, 6, "System trace audit number"),
		12: fixed(numeric, 6, "Local time hhmmss"),
		13: fixed(numeric, 4, "Local date MMDD"),
		22: fixed(numeric, 3, "POS entry mode"),
		25: fixed(numeric, 2, "POS condition code"),
		37: fixed(alphanumeric, 12, "Retrieval reference number"),
		38: fixed(alphanumeric, 6, "Approval code"),
		39: fixed(alphanumeric, 2, "Response code"),
		41: fixed(printable, 8, "Terminal ID"),
		42: fixed(printable, 15, "Merchant ID"),
		48: lllvar(printable, 999, "Private data (TLV)"),
		49: fixed(numeric, 3, "Transaction currency, ISO 4217 numeric"),
		51: fixed(numeric, 3, "Wallet currency, ISO 4217 numeric"),
		70: fixed(numeric, 3, "Network management code"),
		90: fixed(numeric, 42, "Original data: MTI, STAN, DE 7, 22 zeros"),
	},
}

// element is one data element of messageSpec as Decode and Encode use it.
type element struct {
	spec  *field.Spec
	chars charset
}

// numbers lists the data elements of messageSpec in wire order, and
// elements indexes them by number (a nil spec: not in the interface).
var (
	numbers    []int
	elements   [129]element
	mtiElement element
	bitmapSpec *field.Spec
)

func init() {
	for de := 0; de <= 128; de++ {
		f, ok := messageSpec.Fields[de]
		if !ok || de == 1 {
			continue
		}
		c, ok := f.Spec().Unpacker.(codec)
		if !ok {
			panic(fmt.Sprintf("wire: DE %d of messageSpec has no wire codec", de))
		}
		if de == 0 {
			mtiElement = element{spec: f.Spec(), chars: c.chars}
			continue
		}
		elements[de] = element{spec: f.Spec(), chars: c.chars}
		numbers = append(numbers, de)
	}
	bitmapSpec = messageSpec.Fields[1].Spec()
	// Decode and Encode read and write a bitmap as one uint64.
	if bitmapSpec.Length*2 != bitmapHexLength {
		panic("wire: the bitmap of messageSpec is not 16 hex characters")
	}
}

// fixedLength reports whether the element has a fixed length (no length prefix).
func (e element) fixedLength() bool {
	return e.spec.Pref == prefix.ASCII.Fixed
}

// scan reads the element at the start of data. It returns the value (fixed
// an and ans values without their padding spaces; n values as sent, so they
// are echoed byte for byte) and the element's width on the wire. When the
// value breaks the format but the element's extent is known (its length
// prefix read and its bytes all present), width is that extent even though
// err is set, so that Decode can step over it; when the extent is unknown
// width is 0. The value aliases data.
func (e element) scan(data []byte) (value []byte, width int, err error) {
	if len(data) == 0 {
		return nil, 0, fmt.Errorf("%w: the message ends before the field", ErrTruncated)
	}
	length, prefixLength, err := e.spec.Pref.DecodeLength(e.spec.Length, data)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrBadLength, err)
	}
	// moov reads the prefix with strconv.Atoi, which takes a sign.
	if i := invalidAt(numeric, data[:prefixLength]); i >= 0 {
		return nil, 0, fmt.Errorf("%w: length prefix has a non-digit at position %d", ErrBadLength, i+1)
	}
	end := prefixLength + length
	if end > len(data) {
		return nil, 0, fmt.Errorf("%w: field needs %d bytes, %d left", ErrTruncated, end, len(data))
	}
	value = data[prefixLength:end]
	if i := invalidAt(e.chars, value); i >= 0 {
		return nil, end, fmt.Errorf("%w at position %d", e.chars.err(), i+1)
	}
	if e.chars != numeric && e.fixedLength() {
		value = bytes.TrimRight(value, " ")
	}
	return value, end, nil
}

// appendElement appends value to dst in the element's format: checked
// against its character set, padded when fixed, length-prefixed when not.
func appendElement[T string | []byte](dst []byte, e element, value T) ([]byte, error) {
	if i := invalidAt(e.chars, value); i >= 0 {
		return dst, fmt.Errorf("%w at position %d", e.chars.err(), i+1)
	}
	if len(value) > e.spec.Length {
		return dst, fmt.Errorf("%w: %d characters, at most %d", ErrTooLong, len(value), e.spec.Length)
	}
	if !e.fixedLength() {
		lengthPrefix, err := e.spec.Pref.EncodeLength(e.spec.Length, len(value))
		if err != nil {
			return dst, fmt.Errorf("%w: %v", ErrTooLong, err)
		}
		dst = append(dst, lengthPrefix...)
		return append(dst, value...), nil
	}
	padding := e.spec.Length - len(value)
	if e.chars == numeric { // right-aligned
		dst = appendRepeat(dst, e.chars.pad(), padding)
		return append(dst, value...), nil
	}
	dst = append(dst, value...) // left-aligned
	return appendRepeat(dst, e.chars.pad(), padding), nil
}

func appendRepeat(dst []byte, b byte, count int) []byte {
	for range count {
		dst = append(dst, b)
	}
	return dst
}
