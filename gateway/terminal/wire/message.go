package wire

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// Message is one message of the terminal interface, request or response.
// Each data element of the spec is a field named for what it means; its
// comment gives the DE number and format. Elements a response echoes byte for
// byte (DE 3, 7, 11, ...) are kept as the strings sent, zeros included.
//
// A data element is present (Has, and written by Encode) when it was read
// from the wire, marked with SetPresent, or holds a non-zero value. So a
// builder only needs SetPresent for a value that is legitimately zero, such
// as an amount of 0 echoed in DE 4; Decode marks every element it reads.
//
// Printing a Message (String, %v, %#v, slog) masks the wallet code.
type Message struct {
	// MTI is the message type indicator, 4 digits, e.g. MTIFinancialRequest.
	MTI string

	ProcessingCode   string       // DE 3, n6: ProcessingPurchase, ProcessingRefund, ...
	Amount           int64        // DE 4, n12: minor units of Currency
	WalletAmount     int64        // DE 6, n12: charged to the wallet, minor units of WalletCurrency
	TransmissionTime string       // DE 7, n10: MMDDhhmmss, UTC
	ConversionRate   string       // DE 10, n8: decimal places, then 7 digits
	STAN             string       // DE 11, n6: system trace audit number
	LocalTime        string       // DE 12, n6: hhmmss
	LocalDate        string       // DE 13, n4: MMDD
	EntryMode        string       // DE 22, n3: EntryModeConsumerPresented or EntryModeMerchantPresented
	ConditionCode    string       // DE 25, n2: ConditionCodeNormal
	RRN              string       // DE 37, an12: retrieval reference number
	ApprovalCode     string       // DE 38, an6
	ResponseCode     string       // DE 39, an2: RCApproved, ...
	TerminalID       string       // DE 41, ans8, without its padding spaces
	MerchantID       string       // DE 42, ans15, without its padding spaces
	PrivateData      PrivateData  // DE 48, ans..999 LLLVAR: TLV elements
	Currency         string       // DE 49, n3: ISO 4217 numeric, e.g. "978"
	WalletCurrency   string       // DE 51, n3: ISO 4217 numeric
	NetworkCode      string       // DE 70, n3: NetworkSignOn, NetworkSignOff, NetworkEcho
	OriginalData     OriginalData // DE 90, n42

	// present has bit de-1 set for each data element read from the wire or
	// marked with SetPresent.
	present [2]uint64
}

// OriginalData is DE 90: the request a reversal reverses, named by its MTI,
// STAN (DE 11) and transmission time (DE 7). On the wire the 20 digits are
// followed by 22 zeros, where ISO 8583:1987 has institution codes the
// interface does not use.
type OriginalData struct {
	MTI              string // 4 digits
	STAN             string // 6 digits
	TransmissionTime string // 10 digits, MMDDhhmmss
}

// originalDataZeros is the number of zeros that end DE 90.
const originalDataZeros = 22

// parseOriginalData reads DE 90 from its 42 digits, already checked as n.
func parseOriginalData(value []byte) (OriginalData, error) {
	if len(value) != 4+6+10+originalDataZeros {
		return OriginalData{}, fmt.Errorf("%w: %d digits, want 42", ErrBadOriginalData, len(value))
	}
	for i, b := range value[20:] {
		if b != '0' {
			return OriginalData{}, fmt.Errorf("%w: digit %d is not a zero", ErrBadOriginalData, 21+i)
		}
	}
	return OriginalData{
		MTI:              string(value[0:4]),
		STAN:             string(value[4:10]),
		TransmissionTime: string(value[10:20]),
	}, nil
}

// appendOriginalData appends DE 90 in element e's format. Each part must
// have its exact length: they are copied from the original request, so a
// shorter one is a caller's mistake that padding would hide.
func appendOriginalData(dst []byte, e element, o OriginalData) ([]byte, error) {
	parts := [...]struct {
		name   string
		value  string
		length int
	}{{"MTI", o.MTI, 4}, {"STAN", o.STAN, 6}, {"transmission time", o.TransmissionTime, 10}}
	var digits [4 + 6 + 10 + originalDataZeros]byte
	n := 0
	for _, p := range parts {
		if len(p.value) != p.length {
			return dst, fmt.Errorf("%w: %s has %d characters, want %d", ErrBadOriginalData, p.name, len(p.value), p.length)
		}
		n += copy(digits[n:], p.value)
	}
	for ; n < len(digits); n++ {
		digits[n] = '0'
	}
	return appendElement(dst, e, digits[:])
}

// field returns the string field that holds data element de, or nil when de
// is held otherwise (DE 4, 6, 48, 90) or not in the interface.
func (m *Message) field(de int) *string {
	switch de {
	case 3:
		return &m.ProcessingCode
	case 7:
		return &m.TransmissionTime
	case 10:
		return &m.ConversionRate
	case 11:
		return &m.STAN
	case 12:
		return &m.LocalTime
	case 13:
		return &m.LocalDate
	case 22:
		return &m.EntryMode
	case 25:
		return &m.ConditionCode
	case 37:
		return &m.RRN
	case 38:
		return &m.ApprovalCode
	case 39:
		return &m.ResponseCode
	case 41:
		return &m.TerminalID
	case 42:
		return &m.MerchantID
	case 49:
		return &m.Currency
	case 51:
		return &m.WalletCurrency
	case 70:
		return &m.NetworkCode
	}
	return nil
}

// inInterface reports whether de is a data element of the spec's table.
func inInterface(de int) bool {
	return 2 <= de && de <= 128 && elements[de].spec != nil
}

// Has reports whether data element de is present: read from the wire, marked
// with SetPresent, or holding a non-zero value. It is false for every number
// that is not a data element of the interface.
func (m *Message) Has(de int) bool {
	if !inInterface(de) {
		return false
	}
	return m.present[(de-1)/64]&(1<<((de-1)%64)) != 0 || !m.isZero(de)
}

// SetPresent marks data element de present, so that Encode writes it even
// when its value is zero. Numbers outside the interface are ignored.
func (m *Message) SetPresent(de int) {
	if inInterface(de) {
		m.present[(de-1)/64] |= 1 << ((de - 1) % 64)
	}
}

// Unset removes data element de: its value becomes zero and it is no longer
// present.
func (m *Message) Unset(de int) {
	if !inInterface(de) {
		return
	}
	m.present[(de-1)/64] &^= 1 << ((de - 1) % 64)
	switch de {
	case 4:
		m.Amount = 0
	case 6:
		m.WalletAmount = 0
	case 48:
		m.PrivateData = nil
	case 90:
		m.OriginalData = OriginalData{}
	default:
		*m.field(de) = ""
	}
}

func (m *Message) isZero(de int) bool {
	switch de {
	case 4:
		return m.Amount == 0
	case 6:
		return m.WalletAmount == 0
	case 48:
		return len(m.PrivateData) == 0
	case 90:
		return m.OriginalData == OriginalData{}
	}
	if f := m.field(de); f != nil {
		return *f == ""
	}
	return true
}

// Answerable reports whether a response to m can be addressed: its MTI is a
// request the host answers and it carries DE 11 and DE 41, by which the
// terminal matches responses. A message that fails to decode is answered
// with RCFormatError when Answerable; otherwise the host closes the
// connection, as no terminal could match the answer.
func (m *Message) Answerable() bool {
	_, ok := ResponseMTI(m.MTI)
	return ok && m.Has(11) && m.Has(41)
}

// set stores the value of data element de read from the wire (already
// checked against the element's format) and marks it present.
func (m *Message) set(de int, value []byte) error {
	switch de {
	case 4:
		m.Amount = digitsValue(value)
	case 6:
		m.WalletAmount = digitsValue(value)
	case 48:
		p, err := ParsePrivateData(value)
		if err != nil {
			return err
		}
		m.PrivateData = p
	case 90:
		o, err := parseOriginalData(value)
		if err != nil {
			return err
		}
		m.OriginalData = o
	default:
		f := m.field(de)
		if f == nil {
			return fmt.Errorf("wire: DE %d has no Message field", de)
		}
		*f = string(value)
	}
	m.SetPresent(de)
	return nil
}

// digitsValue returns the number written by digits, at most 18 of them (the
// amounts are 12), which fits an int64.
func digitsValue(digits []byte) int64 {
	var v int64
	for _, d := range digits {
		v = v*10 + int64(d-'0')
	}
	return v
}

// appendField appends data element de of m in its wire format.
func (m *Message) appendField(dst []byte, de int) ([]byte, error) {
	e := elements[de]
	switch de {
	case 4, 6:
		amount := m.Amount
		if de == 6 {
			amount = m.WalletAmount
		}
		if amount < 0 {
			return dst, fmt.Errorf("%w: negative amount %d", ErrNonDigit, amount)
		}
		var digits [20]byte
		return appendElement(dst, e, strconv.AppendInt(digits[:0], amount, 10))
	case 48:
		return appendPrivateDataElement(dst, e, m.PrivateData)
	case 90:
		return appendOriginalData(dst, e, m.OriginalData)
	}
	return appendElement(dst, e, *m.field(de))
}

// String returns the message for logs: the MTI, then each present data
// element as number=value in wire order. The wallet code (DE 48 tag 01)
// shows at most its first and last 4 characters; DE 48 tags the spec does
// not define show only their length, as their content is unknown.
func (m Message) String() string {
	var b strings.Builder
	b.Grow(256)
	b.WriteString(strconv.Quote(m.MTI))
	for _, de := range numbers {
		if !m.Has(de) {
			continue
		}
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(de))
		b.WriteByte('=')
		switch de {
		case 4:
			b.WriteString(strconv.FormatInt(m.Amount, 10))
		case 6:
			b.WriteString(strconv.FormatInt(m.WalletAmount, 10))
		case 48:
			b.WriteString(m.PrivateData.String())
		case 90:
			fmt.Fprintf(&b, "{%q %q %q}", m.OriginalData.MTI, m.OriginalData.STAN, m.OriginalData.TransmissionTime)
		default:
			b.WriteString(strconv.Quote(*m.field(de)))
		}
	}
	return b.String()
}

// GoString masks like String, so that %#v cannot leak the wallet code.
func (m Message) GoString() string { return "wire.Message{" + m.String() + "}" }

// LogValue masks like String, for log/slog.
func (m Message) LogValue() slog.Value { return slog.StringValue(m.String()) }
