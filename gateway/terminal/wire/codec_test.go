package wire

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// presentFields lists the data elements m carries.
func presentFields(m *Message) []int {
	var des []int
	for _, de := range numbers {
		if m.Has(de) {
			des = append(des, de)
		}
	}
	return des
}

// withoutPresence returns a copy of m without its presence bits, to compare
// values alone.
func withoutPresence(m Message) Message {
	m.present = [2]uint64{}
	return m
}

// built returns h's message as a builder would set it: the values, and
// SetPresent only for the present elements whose value is zero.
func built(h handMessage) *Message {
	m := h.want
	for _, de := range h.has {
		if m.isZero(de) {
			m.SetPresent(de)
		}
	}
	return &m
}

func TestEncodeWritesTheSpecsBytes(t *testing.T) {
	for _, h := range handMessages {
		t.Run(h.name, func(t *testing.T) {
			got, err := Encode(built(h))
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if want := h.bytes(); !bytes.Equal(got, want) {
				t.Errorf("Encode:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestDecodeReadsTheSpecsBytes(t *testing.T) {
	for _, h := range handMessages {
		t.Run(h.name, func(t *testing.T) {
			m, err := Decode(h.bytes())
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := withoutPresence(*m); !reflect.DeepEqual(got, withoutPresence(h.want)) {
				t.Errorf("Decode:\n got %#v\nwant %#v", got, withoutPresence(h.want))
			}
			if got := presentFields(m); !slices.Equal(got, h.has) {
				t.Errorf("present data elements %v, want %v", got, h.has)
			}
			again, err := Encode(m)
			if err != nil {
				t.Fatalf("Encode(Decode): %v", err)
			}
			if !bytes.Equal(again, h.bytes()) {
				t.Errorf("Encode(Decode) is not the original:\n got %s\nwant %s", again, h.bytes())
			}
		})
	}
}

func TestAppendEncodeAppendsToWhatIsThere(t *testing.T) {
	got, err := AppendEncode([]byte("xy"), built(signOn))
	if err != nil {
		t.Fatal(err)
	}
	if want := "xy" + string(signOn.bytes()); string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestResponsesMatchTheirRequests(t *testing.T) {
	pairs := []struct{ request, response handMessage }{
		{signOn, signOnResponse}, {purchase, purchaseResponse}, {qrPurchase, qrResponse},
		{refund, refundResponse}, {status, statusResponse}, {reversal, reversalResponse},
		{purchaseRepeat, purchaseResponse}, {reversalRepeat, reversalResponse},
		{reversalAdvice, reversalAdviceAnswer}, {reversalAdviceRepeat, reversalAdviceAnswer},
	}
	for _, p := range pairs {
		t.Run(p.request.name, func(t *testing.T) {
			req, err := Decode(p.request.bytes())
			if err != nil {
				t.Fatal(err)
			}
			if !req.Answerable() {
				t.Error("a well-formed request is not answerable")
			}
			mti, ok := ResponseMTI(req.MTI)
			if !ok || mti != p.response.want.MTI {
				t.Errorf("ResponseMTI(%s) = %q, %v; want %s", req.MTI, mti, ok, p.response.want.MTI)
			}
			resp, err := Decode(p.response.bytes())
			if err != nil {
				t.Fatal(err)
			}
			if resp.Answerable() {
				t.Error("a response is answerable")
			}
			// The spec's echo rule: DE 3, 4, 7, 11, 41, 42, 49 as in the request.
			for _, de := range []int{3, 4, 7, 11, 41, 42, 49} {
				if req.Has(de) != resp.Has(de) {
					t.Errorf("DE %d: in request %v, in response %v", de, req.Has(de), resp.Has(de))
				}
			}
			if resp.STAN != req.STAN || resp.TerminalID != req.TerminalID || resp.TransmissionTime != req.TransmissionTime {
				t.Errorf("response keyed %s/%s/%s, request %s/%s/%s", resp.TerminalID, resp.STAN, resp.TransmissionTime, req.TerminalID, req.STAN, req.TransmissionTime)
			}
		})
	}
}

func TestDecodeAcceptsHarmlessNoise(t *testing.T) {
	t.Run("lower-case bitmap hex", func(t *testing.T) {
		m, err := Decode(purchaseResponse.with(1, "366000000ec1a000"))
		if err != nil {
			t.Fatal(err)
		}
		if !m.Has(51) || m.WalletCurrency != "410" {
			t.Errorf("DE 51 = %q, present %v", m.WalletCurrency, m.Has(51))
		}
	})
	t.Run("an all-zero secondary bitmap", func(t *testing.T) {
		m, err := Decode(purchase.with(1, "B238048000C18000"+"0000000000000000"))
		if err != nil {
			t.Fatal(err)
		}
		if m.STAN != "000042" {
			t.Errorf("STAN %q", m.STAN)
		}
		again, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, purchase.bytes()) {
			t.Errorf("re-encoded with a secondary bitmap: %s", again)
		}
	})
	t.Run("unknown DE 48 tags", func(t *testing.T) {
		m, err := Decode(purchase.with(48, "035"+"99"+"007"+"vendor!"+"01"+"018"+walletCode))
		if err != nil {
			t.Fatal(err)
		}
		if code, ok := m.PrivateData.Get(TagWalletCode); !ok || code != walletCode {
			t.Errorf("wallet code %q, %v", code, ok)
		}
	})
}

func TestDecodeErrorsAndSalvage(t *testing.T) {
	tests := []struct {
		name       string
		data       []byte
		field      int
		offset     int
		err        error
		answerable bool
		has        []int // data elements salvaged
	}{
		{
			name: "a non-digit in DE 4 is stepped over",
			data: purchase.with(4, "00000000A000"), field: 4, offset: purchase.offset(4), err: ErrNonDigit,
			answerable: true, has: []int{3, 7, 11, 12, 13, 22, 25, 41, 42, 48, 49},
		},
		{
			name: "a signed amount is not digits",
			data: purchase.with(4, "-00000001250"), field: 4, offset: purchase.offset(4), err: ErrNonDigit,
			answerable: true, has: []int{3, 7, 11, 12, 13, 22, 25, 41, 42, 48, 49},
		},
		{
			name: "a non-digit in DE 3 leaves the message answerable",
			data: purchase.with(3, "00000X"), field: 3, offset: purchase.offset(3), err: ErrNonDigit,
			answerable: true, has: []int{4, 7, 11, 12, 13, 22, 25, 41, 42, 48, 49},
		},
		{
			name: "a message cut inside DE 3 is unanswerable",
			data: purchase.upTo(3, "000"), field: 3, offset: purchase.offset(3), err: ErrTruncated,
			answerable: false, has: nil,
		},
		{
			name: "a message cut inside DE 7 is unanswerable",
			data: purchase.upTo(7, "06151"), field: 7, offset: purchase.offset(7), err: ErrTruncated,
			answerable: false, has: []int{3, 4},
		},
		{
			name: "a message cut inside DE 42 is answerable",
			data: purchase.upTo(42, "MERCH"), field: 42, offset: purchase.offset(42), err: ErrTruncated,
			answerable: true, has: []int{3, 4, 7, 11, 12, 13, 22, 25, 41},
		},
		{
			name: "a message cut right after DE 42 is answerable",
			data: purchase.upTo(48, ""), field: 48, offset: purchase.offset(48), err: ErrTruncated,
			answerable: true, has: []int{3, 4, 7, 11, 12, 13, 22, 25, 41, 42},
		},
		{
			name: "a bad LLLVAR length loses what follows",
			data: purchase.with(48, "0A3"+"01"+"018"+walletCode), field: 48, offset: purchase.offset(48), err: ErrBadLength,
			answerable: true, has: []int{3, 4, 7, 11, 12, 13, 22, 25, 41, 42},
		},
		{
			name: "a signed LLLVAR length is bad",
			data: purchase.with(48, "+23"+"01"+"018"+walletCode), field: 48, offset: purchase.offset(48), err: ErrBadLength,
			answerable: true, has: []int{3, 4, 7, 11, 12, 13, 22, 25, 41, 42},
		},
		{
			name: "an LLLVAR length past the end is a truncation",
			data: purchase.with(48, "999"+"01"+"018"+walletCode), field: 48, offset: purchase.offset(48), err: ErrTruncated,
			answerable: true, has: []int{3, 4, 7, 11, 12, 13, 22, 25, 41, 42},
		},
		{
			name: "a malformed TLV is stepped over",
			data: purchase.with(48, "023"+"0A"+"018"+walletCode), field: 48, offset: purchase.offset(48), err: ErrTLVNotDigits,
			answerable: true, has: []int{3, 4, 7, 11, 12, 13, 22, 25, 41, 42, 49},
		},
		{
			name: "two wallet codes are malformed",
			data: purchase.with(48, "046"+"01"+"018"+walletCode+"01"+"018"+walletCode), field: 48, offset: purchase.offset(48), err: ErrTLVDuplicateTag,
			answerable: true, has: []int{3, 4, 7, 11, 12, 13, 22, 25, 41, 42, 49},
		},
		{
			name: "a control character in DE 48",
			data: purchase.with(48, "023"+"01"+"018"+"28101234567890123\n"), field: 48, offset: purchase.offset(48), err: ErrInvalidCharacter,
			answerable: true, has: []int{3, 4, 7, 11, 12, 13, 22, 25, 41, 42, 49},
		},
		{
			name: "a field after DE 41 broken",
			data: purchase.with(49, "9X8"), field: 49, offset: purchase.offset(49), err: ErrNonDigit,
			answerable: true, has: []int{3, 4, 7, 11, 12, 13, 22, 25, 41, 42, 48},
		},
		{
			name: "a control character in DE 41 leaves no terminal to answer",
			data: purchase.with(41, "TERM\x00001"), field: 41, offset: purchase.offset(41), err: ErrInvalidCharacter,
			answerable: false, has: []int{3, 4, 7, 11, 12, 13, 22, 25, 42, 48, 49},
		},
		{
			name: "the first of two failures is reported",
			data: []byte(strings.Replace(string(purchase.with(3, "00000X")), "978", "97X", 1)), field: 3, offset: purchase.offset(3), err: ErrNonDigit,
			answerable: true, has: []int{4, 7, 11, 12, 13, 22, 25, 41, 42, 48},
		},
		{
			name: "an an field with punctuation",
			data: purchaseResponse.with(37, "6167-0000042"), field: 37, offset: purchaseResponse.offset(37), err: ErrInvalidCharacter,
			answerable: false, has: []int{3, 4, 6, 7, 10, 11, 38, 39, 41, 42, 48, 49, 51},
		},
		{
			name: "bad bitmap hex",
			data: purchase.with(1, "3238048000C1800G"), field: 0, offset: 4, err: ErrBadBitmap,
			answerable: false, has: nil,
		},
		{
			name: "a truncated bitmap",
			data: purchase.upTo(1, "3238"), field: 0, offset: 4, err: ErrTruncated,
			answerable: false, has: nil,
		},
		{
			name: "a missing secondary bitmap",
			data: reversal.upTo(1, "B220000000C08000"), field: 0, offset: 20, err: ErrTruncated,
			answerable: false, has: nil,
		},
		{
			name: "a tertiary bitmap",
			data: reversal.with(1, "B220000000C08000"+"8000004000000000"), field: 0, offset: 20, err: ErrBadBitmap,
			answerable: false, has: nil,
		},
		{
			name: "a non-digit MTI",
			data: purchase.with(0, "02A0"), field: 0, offset: 0, err: ErrNonDigit,
			answerable: false, has: nil,
		},
		{
			name: "a data element the interface does not have (DE 2)",
			data: purchase.with(1, "7238048000C18000"), field: 2, offset: 20, err: ErrUnknownField,
			answerable: false, has: nil,
		},
		{
			name: "a data element the interface does not have after DE 41 (DE 43)",
			data: purchase.with(1, "3238048000E18000"), field: 43, offset: purchase.offset(48), err: ErrUnknownField,
			answerable: true, has: []int{3, 4, 7, 11, 12, 13, 22, 25, 41, 42},
		},
		{
			name: "bytes after the last field",
			data: append(purchase.bytes(), 'X'), field: 0, offset: len(purchase.bytes()), err: ErrTrailingData,
			answerable: true, has: purchase.has,
		},
		{
			name: "DE 90 with institution codes instead of zeros",
			data: reversal.with(90, "0200"+"000042"+"0615103000"+"0000000000100000000000"), field: 90, offset: reversal.offset(90), err: ErrBadOriginalData,
			answerable: true, has: []int{3, 4, 7, 11, 41, 42, 49},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode(tt.data)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode error %v (%T), want a *DecodeError", err, err)
			}
			if de.Field != tt.field || de.Offset != tt.offset || !errors.Is(err, tt.err) {
				t.Errorf("DecodeError{Field: %d, Offset: %d, Err: %v}, want field %d, offset %d, %v", de.Field, de.Offset, de.Err, tt.field, tt.offset, tt.err)
			}
			if m == nil {
				t.Fatal("no salvaged message")
			}
			if got := presentFields(m); !slices.Equal(got, tt.has) {
				t.Errorf("salvaged %v, want %v", got, tt.has)
			}
			if m.Answerable() != tt.answerable {
				t.Errorf("Answerable() = %v, want %v", m.Answerable(), tt.answerable)
			}
			if strings.Contains(err.Error(), walletCode) {
				t.Errorf("the error quotes the wallet code: %v", err)
			}
		})
	}
}

func TestSalvagedFieldsHaveTheirValues(t *testing.T) {
	m, err := Decode(purchase.with(4, "00000000A000"))
	if err == nil {
		t.Fatal("no error")
	}
	if m.MTI != "0200" || m.STAN != "000042" || m.TerminalID != "TERM0001" || m.Currency != "978" || m.Amount != 0 {
		t.Errorf("salvaged %#v", m)
	}
	if code, _ := m.PrivateData.Get(TagWalletCode); code != walletCode {
		t.Error("wallet code not salvaged")
	}
}

func TestDecodeRejectsGarbage(t *testing.T) {
	inputs := []string{"", "0", "020", "0200", "hello, world", "\x00\x00\x00\x00\x00", "\xff\xfe\xfd\xfc", "0200FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", "0800" + strings.Repeat("8", 40)}
	for _, in := range inputs {
		m, err := Decode([]byte(in))
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("Decode(%q) error %v, want a *DecodeError", in, err)
		}
		if m == nil {
			t.Errorf("Decode(%q) returned no message", in)
		} else if m.Answerable() {
			t.Errorf("Decode(%q) is answerable", in)
		}
	}
}

// panickingPrefixer stands for a moov bug on crafted input.
type panickingPrefixer struct{}

func (panickingPrefixer) EncodeLength(int, int) ([]byte, error)      { panic("encode") }
func (panickingPrefixer) DecodeLength(int, []byte) (int, int, error) { panic("crafted input") }
func (panickingPrefixer) Inspect() string                            { return "panics" }

func TestDecodeRecoversFromAPanic(t *testing.T) {
	saved := elements[41]
	t.Cleanup(func() { elements[41] = saved })
	spec := *saved.spec
	spec.Pref = panickingPrefixer{}
	elements[41] = element{spec: &spec, chars: saved.chars}

	m, err := Decode(purchase.bytes())
	var de *DecodeError
	if !errors.As(err, &de) || !errors.Is(err, ErrPanic) || de.Field != 41 || de.Offset != purchase.offset(41) {
		t.Fatalf("Decode error %v, want ErrPanic at DE 41", err)
	}
	if m == nil || m.STAN != "000042" {
		t.Errorf("salvage lost on panic: %v", m)
	}
}

func TestEncodeRejectsValuesOutsideTheSpec(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(m *Message)
		field string
		err   error
	}{
		{"a non-digit STAN", func(m *Message) { m.STAN = "00004a" }, "DE 11", ErrNonDigit},
		{"a STAN of 7 digits", func(m *Message) { m.STAN = "1000042" }, "DE 11", ErrTooLong},
		{"a terminal id of 9 characters", func(m *Message) { m.TerminalID = "TERMINAL1" }, "DE 41", ErrTooLong},
		{"a control character in the merchant id", func(m *Message) { m.MerchantID = "M\t1" }, "DE 42", ErrInvalidCharacter},
		{"non-ASCII in the merchant id", func(m *Message) { m.MerchantID = "Café" }, "DE 42", ErrInvalidCharacter},
		{"a negative amount", func(m *Message) { m.Amount = -1 }, "DE 4", ErrNonDigit},
		{"an amount of 13 digits", func(m *Message) { m.Amount = 1_000_000_000_000 }, "DE 4", ErrTooLong},
		{"a short MTI", func(m *Message) { m.MTI = "200" }, "MTI", ErrNonDigit},
		{"a non-digit MTI", func(m *Message) { m.MTI = "02x0" }, "MTI", ErrNonDigit},
		{"an RRN with punctuation", func(m *Message) { m.RRN = "6167-0000042" }, "DE 37", ErrInvalidCharacter},
		{"a non-ASCII wallet brand", func(m *Message) { m.PrivateData.Set(TagWalletBrand, "알리페이") }, "DE 48", ErrInvalidCharacter},
		{"DE 48 over 999 bytes", func(m *Message) { m.PrivateData.Set(TagQRPayload, strings.Repeat("Q", 995)) }, "DE 48", ErrTooLong},
		{"a three-digit tag", func(m *Message) { m.PrivateData = append(m.PrivateData, TLV{Tag: 100, Value: "x"}) }, "DE 48", ErrTooLong},
		{"a repeated known tag", func(m *Message) { m.PrivateData = append(m.PrivateData, TLV{TagWalletCode, "1"}) }, "DE 48", ErrTLVDuplicateTag},
		{"a short original STAN", func(m *Message) {
			m.OriginalData = OriginalData{MTI: "0200", STAN: "42", TransmissionTime: "0615103000"}
		}, "DE 90", ErrBadOriginalData},
		{"a non-digit original MTI", func(m *Message) {
			m.OriginalData = OriginalData{MTI: "02x0", STAN: "000042", TransmissionTime: "0615103000"}
		}, "DE 90", ErrNonDigit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := built(purchase)
			tt.edit(m)
			dst := []byte("keep")
			got, err := AppendEncode(dst, m)
			if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.field+":") {
				t.Errorf("error %v, want %v naming %s", err, tt.err, tt.field)
			}
			if string(got) != "keep" {
				t.Errorf("dst changed to %q", got)
			}
		})
	}
}

func TestPresence(t *testing.T) {
	t.Run("a zero amount is written only when marked", func(t *testing.T) {
		m := built(purchase)
		m.Amount = 0
		if m.Has(4) {
			t.Fatal("a zero amount is present")
		}
		m.SetPresent(4)
		if !m.Has(4) {
			t.Fatal("SetPresent(4) did not mark DE 4")
		}
		got, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, zeroAmountPurchase.bytes()) {
			t.Errorf("got %s", got)
		}
	})
	t.Run("Unset removes value and mark", func(t *testing.T) {
		m, err := Decode(purchase.bytes())
		if err != nil {
			t.Fatal(err)
		}
		for _, de := range []int{4, 11, 48} {
			m.Unset(de)
			if m.Has(de) {
				t.Errorf("DE %d still present", de)
			}
		}
		if m.Amount != 0 || m.STAN != "" || m.PrivateData != nil {
			t.Errorf("values left: %d %q %v", m.Amount, m.STAN, m.PrivateData)
		}
	})
	t.Run("numbers outside the interface are never present", func(t *testing.T) {
		var m Message
		for _, de := range []int{-1, 0, 1, 2, 5, 65, 128, 129, 1000} {
			m.SetPresent(de)
			if m.Has(de) {
				t.Errorf("DE %d present", de)
			}
			m.Unset(de)
		}
	})
	t.Run("an empty DE 48 is kept when read", func(t *testing.T) {
		m, err := Decode(purchase.with(48, "000"))
		if err != nil {
			t.Fatal(err)
		}
		if !m.Has(48) || len(m.PrivateData) != 0 {
			t.Fatalf("DE 48 present %v, %v", m.Has(48), m.PrivateData)
		}
		again, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, purchase.with(48, "000")) {
			t.Errorf("got %s", again)
		}
	})
}

func TestResponseMTI(t *testing.T) {
	want := map[string]string{
		"0100": "0110", "0101": "0110", "0200": "0210", "0201": "0210", "0400": "0410",
		"0401": "0410", "0420": "0430", "0421": "0430", "0800": "0810", "0801": "0810",
	}
	for req, resp := range want {
		if got, ok := ResponseMTI(req); !ok || got != resp {
			t.Errorf("ResponseMTI(%s) = %q, %v; want %s", req, got, ok, resp)
		}
	}
	for req, resp := range map[string]string{"0300": "0310", "0301": "0310", "0220": "0230", "0520": "0530", "0600": "0610"} {
		if got, ok := ResponseMTI(req); !ok || got != resp {
			t.Errorf("ResponseMTI(%s) = %q, %v; want %s by the ISO rule", req, got, ok, resp)
		}
	}
	for _, notRequest := range []string{"0110", "0210", "0430", "0810", "0310", "0230", "1200", "0000", "0206", "02a0", "", "020", "02000"} {
		if got, ok := ResponseMTI(notRequest); ok {
			t.Errorf("ResponseMTI(%q) = %q, true", notRequest, got)
		}
	}
}
