package emvco_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/meridian-gw/meridian/schemes/emvco"
)

func TestDecodeTLVReadsTagsAndLengthsOfEveryForm(t *testing.T) {
	long200 := bytes.Repeat([]byte{0xAB}, 200)
	long300 := bytes.Repeat([]byte{0xCD}, 300)
	data := concat(
		tlv("85", []byte("CPV01")),
		tlv("9F26", h("0102030405060708")),
		tlv("DF8101", []byte("x")),           // 3-byte proprietary tag
		tlv("C1", long200),                   // 0x81 form
		tlv("C2", long300),                   // 0x82 form
		[]byte{0xC3, 0x81, 0x02, 0x01, 0x02}, // 0x81 form of a short length
		tlv("61", tlv("4F", h("A0000000031010")), tlv("63", tlv("9F27", h("80")))),
		tlv("62"), // constructed and empty
	)
	got, err := emvco.DecodeTLV(data)
	if err != nil {
		t.Fatal(err)
	}
	wantTags := []uint32{0x85, 0x9F26, 0xDF8101, 0xC1, 0xC2, 0xC3, 0x61, 0x62}
	if len(got) != len(wantTags) {
		t.Fatalf("%d data objects, want %d: %v", len(got), len(wantTags), got)
	}
	for i, tag := range wantTags {
		if got[i].Tag != tag {
			t.Errorf("object %d: tag %X, want %X", i, got[i].Tag, tag)
		}
	}
	if !bytes.Equal(got[3].Value, long200) || !bytes.Equal(got[4].Value, long300) || !bytes.Equal(got[5].Value, h("0102")) {
		t.Error("a long-form length read the wrong value")
	}
	app := got[6]
	if !app.Constructed() || len(app.Children) != 2 || app.Children[1].Children[0].Tag != 0x9F27 {
		t.Fatalf("application template not read as a tree: %v", app)
	}
	if got[7].Constructed() != true || got[7].Children != nil {
		t.Errorf("empty template: %v", got[7])
	}
	if s := app.String(); s != "61{4F[7] 63{9F27[1]}}" {
		t.Errorf("String() = %q", s)
	}
}

func TestDecodeTLVRefusesBrokenEncodings(t *testing.T) {
	cases := []struct {
		name   string
		data   []byte
		offset int
		reason string
	}{
		{"a length longer than what remains", []byte{0x5A, 0x09, 0x12, 0x34}, 1, "tag 5A: length 9, only 2 bytes left"},
		{"a long length longer than what remains", []byte{0x5A, 0x82, 0x01, 0x00, 0x12}, 1, "tag 5A: length 256, only 1 bytes left"},
		{"the indefinite length", []byte{0x61, 0x80, 0x4F, 0x01, 0x01, 0x00, 0x00}, 1, "tag 61: indefinite length"},
		{"a length in three bytes", []byte{0x5A, 0x83, 0x00, 0x00, 0x01, 0x12}, 1, "tag 5A: length in 3 bytes, at most 2"},
		{"a length in 127 bytes", []byte{0x5A, 0xFF}, 1, "tag 5A: length in 127 bytes, at most 2"},
		{"a long length cut short", []byte{0x5A, 0x82, 0x01}, 1, "tag 5A: length cut short"},
		{"no length", []byte{0x85, 0x01, 0x41, 0x5A}, 4, "tag 5A: no length"},
		{"a multi-byte tag cut short", []byte{0x9F}, 0, "tag 9F… cut short"},
		{"a tag of four bytes", []byte{0xDF, 0x81, 0x81, 0x01, 0x00}, 0, "tag DF8181… longer than 3 bytes"},
		{"a tag with a leading zero", []byte{0x9F, 0x80, 0x01, 0x00}, 0, "tag 9F80: a leading zero in the tag number"},
		{"padding", []byte{0x85, 0x01, 0x41, 0x00, 0x00}, 3, "tag 00 (padding or end-of-contents)"},
		{"a bad child inside a good parent", tlv("61", tlv("4F", h("A000000003")), []byte{0x50, 0x05, 0x41}), 10, "tag 50: length 5, only 1 bytes left"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := emvco.DecodeTLV(c.data)
			if err == nil {
				t.Fatalf("decoded %v", got)
			}
			offset, reason, ok := emvco.TLVErrorAt(err)
			if !ok || offset != c.offset || reason != c.reason {
				t.Fatalf("error at %d %q, want at %d %q", offset, reason, c.offset, c.reason)
			}
		})
	}
}

// nest wraps value in n constructed templates.
func nest(n int, value []byte) []byte {
	for range n {
		value = tlv("E1", value)
	}
	return value
}

func TestDecodeTLVNestsDataObjectsAtMostFourDeep(t *testing.T) {
	t.Run("a primitive at depth 4 is read", func(t *testing.T) {
		got, err := emvco.DecodeTLV(nest(3, tlv("5A", h("12"))))
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Children[0].Children[0].Children[0].Tag != 0x5A {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("a template at depth 4 with children is refused", func(t *testing.T) {
		_, err := emvco.DecodeTLV(nest(4, tlv("5A", h("12"))))
		if _, reason, _ := emvco.TLVErrorAt(err); !strings.Contains(reason, "nested deeper than 4 levels") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("deep nesting far beyond the limit stops at the limit", func(t *testing.T) {
		// 120 levels of E1 01 …: the decoder must not recurse 120 times.
		data := bytes.Repeat([]byte{0xE1, 0x7F}, 120)
		if _, err := emvco.DecodeTLV(data); err == nil {
			t.Fatal("decoded")
		}
	})
}

func TestDecodeTLVReadsAtMost64DataObjects(t *testing.T) {
	one := tlv("C1", []byte{1})
	if _, err := emvco.DecodeTLV(bytes.Repeat(one, 64)); err != nil {
		t.Fatalf("64 objects: %v", err)
	}
	_, err := emvco.DecodeTLV(bytes.Repeat(one, 65))
	if offset, reason, _ := emvco.TLVErrorAt(err); offset != 64*3 || reason != "more than 64 data objects" {
		t.Fatalf("65 objects: at %d %q", offset, reason)
	}
	// Children count too.
	_, err = emvco.DecodeTLV(tlv("E1", bytes.Repeat(one, 64)))
	if _, reason, _ := emvco.TLVErrorAt(err); reason != "more than 64 data objects" {
		t.Fatalf("a template of 64: %v", err)
	}
}

func TestDecodeTLVNeverPanicsOnAnyShortInput(t *testing.T) {
	// Every input of up to two bytes, and every three-byte input starting
	// with a tag that takes more bytes.
	if _, err := emvco.DecodeTLV(nil); err != nil {
		t.Fatalf("empty input: %v", err)
	}
	for a := range 256 {
		emvco.DecodeTLV([]byte{byte(a)})
		for b := range 256 {
			emvco.DecodeTLV([]byte{byte(a), byte(b)})
		}
	}
	for b := range 256 {
		for c := range 256 {
			emvco.DecodeTLV([]byte{0x9F, byte(b), byte(c)})
			emvco.DecodeTLV([]byte{0x61, byte(b), byte(c)})
		}
	}
}

func TestTLVTagHexAndFindTag(t *testing.T) {
	list := []emvco.TLV{{Tag: 0x4F}, {Tag: 0x5F20}, {Tag: 0xDF8101}, {Tag: 0x5F20, Value: []byte("second")}}
	for i, want := range []string{"4F", "5F20", "DF8101"} {
		if got := list[i].TagHex(); got != want {
			t.Errorf("TagHex = %q, want %q", got, want)
		}
	}
	if got, ok := emvco.FindTag(list, 0x5F20); !ok || got.Value != nil {
		t.Errorf("FindTag found %v, %v; want the first 5F20", got, ok)
	}
	if _, ok := emvco.FindTag(list, 0x9F26); ok {
		t.Error("FindTag found an absent tag")
	}
}
