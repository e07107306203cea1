package wire_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

func TestParsePrivateData(t *testing.T) {
	p, err := wire.ParsePrivateData([]byte("01018281012345678901234" + "77003abc" + "04010ALIPAYPLUS" + "77000"))
	if err != nil {
		t.Fatal(err)
	}
	want := wire.PrivateData{
		{Tag: wire.TagWalletCode, Value: "281012345678901234"},
		{Tag: 77, Value: "abc"},
		{Tag: wire.TagSchemeWanted, Value: "ALIPAYPLUS"},
		{Tag: 77, Value: ""},
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got %#v", p)
	}
	if v, ok := p.Get(wire.TagSchemeWanted); !ok || v != "ALIPAYPLUS" {
		t.Errorf("Get(04) = %q, %v", v, ok)
	}
	if v, ok := p.Get(77); !ok || v != "abc" {
		t.Errorf("Get(77) = %q, %v; want the first", v, ok)
	}
	if _, ok := p.Get(wire.TagOriginalRRN); ok {
		t.Error("Get(20) found a tag that is not there")
	}
	if p, err := wire.ParsePrivateData(nil); err != nil || len(p) != 0 {
		t.Errorf("empty: %v, %v", p, err)
	}
}

func TestParsePrivateDataNamesTheOffset(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		offset int
		err    error
	}{
		{"a header cut short", "04010ALIPAYPLUS" + "1000", 15, wire.ErrTLVTruncated},
		{"a tag that is not digits", "04010ALIPAYPLUS" + "1A006Alipay", 15, wire.ErrTLVNotDigits},
		{"a length that is not digits", "04010ALIPAYPLUS" + "10 06Alipay", 17, wire.ErrTLVNotDigits},
		{"a signed length", "04010ALIPAYPLUS" + "10+06Alipay", 17, wire.ErrTLVNotDigits},
		{"a value cut short", "04010ALIPAYPLUS" + "10007Alipay", 20, wire.ErrTLVTruncated},
		{"a control character", "04010ALIPAY\rPLUS", 11, wire.ErrInvalidCharacter},
		{"a known tag twice", "04003ABC" + "04003DEF", 8, wire.ErrTLVDuplicateTag},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wire.ParsePrivateData([]byte(tt.data))
			var te *wire.TLVError
			if !errors.As(err, &te) || te.Offset != tt.offset || !errors.Is(err, tt.err) {
				t.Errorf("error %v, want %v at offset %d", err, tt.err, tt.offset)
			}
		})
	}
	if _, err := wire.ParsePrivateData([]byte("77001a77001b")); err != nil {
		t.Errorf("an unknown tag twice: %v", err)
	}
}

func TestAppendPrivateData(t *testing.T) {
	var p wire.PrivateData
	p.Set(wire.TagWalletBrand, "KakaoPay")
	p.Set(wire.TagSchemeTransactionID, "T-1")
	p.Set(wire.TagWalletBrand, "Alipay") // replaces
	got, err := wire.AppendPrivateData([]byte("kept"), p)
	if err != nil {
		t.Fatal(err)
	}
	if want := "kept" + "10006Alipay" + "11003T-1"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	long := strings.Repeat("Q", 999)
	got, err = wire.AppendPrivateData(nil, wire.PrivateData{{Tag: wire.TagQRPayload, Value: long}, {Tag: 0, Value: ""}})
	if err != nil || string(got) != "03999"+long+"00000" {
		t.Errorf("longest value and tag 00: %v", err)
	}
	for name, bad := range map[string]wire.PrivateData{
		"a value of 1000":   {{Tag: wire.TagQRPayload, Value: long + "Q"}},
		"tag 100":           {{Tag: 100, Value: "x"}},
		"a newline":         {{Tag: wire.TagWalletBrand, Value: "Ali\npay"}},
		"a known tag twice": {{Tag: wire.TagFXMarkup, Value: "1"}, {Tag: wire.TagFXMarkup, Value: "2"}},
	} {
		got, err := wire.AppendPrivateData([]byte("kept"), bad)
		var te *wire.TLVError
		if !errors.As(err, &te) || string(got) != "kept" {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
}

func TestPrivateDataPrintsMasked(t *testing.T) {
	p := wire.PrivateData{{Tag: wire.TagWalletCode, Value: "281012345678901234"}, {Tag: wire.TagSchemeWanted, Value: "KAKAOPAY"}, {Tag: 88, Value: "secret-ish"}}
	want := `{01="2810****1234" 04="KAKAOPAY" 88=<10 bytes>}`
	if got := p.String(); got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
}
