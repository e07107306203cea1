package wire

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/encoding"
	"github.com/moov-io/iso8583/prefix"
)

func TestSpecHasExactlyTheElementsOfTheTable(t *testing.T) {
	want := []int{3, 4, 6, 7, 10, 11, 12, 13, 22, 25, 37, 38, 39, 41, 42, 48, 49, 51, 70, 90}
	if !slices.Equal(numbers, want) {
		t.Errorf("data elements %v, want %v", numbers, want)
	}
	formats := map[int]struct {
		chars  charset
		length int
		fixed  bool
	}{
		3: {numeric, 6, true}, 4: {numeric, 12, true}, 6: {numeric, 12, true}, 7: {numeric, 10, true},
		10: {numeric, 8, true}, 11: {numeric, 6, true}, 12: {numeric, 6, true}, 13: {numeric, 4, true},
		22: {numeric, 3, true}, 25: {numeric, 2, true}, 37: {alphanumeric, 12, true}, 38: {alphanumeric, 6, true},
		39: {alphanumeric, 2, true}, 41: {printable, 8, true}, 42: {printable, 15, true}, 48: {printable, 999, false},
		49: {numeric, 3, true}, 51: {numeric, 3, true}, 70: {numeric, 3, true}, 90: {numeric, 42, true},
	}
	for _, de := range numbers {
		e, f := elements[de], formats[de]
		if e.chars != f.chars || e.spec.Length != f.length || e.fixedLength() != f.fixed {
			t.Errorf("DE %d: charset %d length %d fixed %v; want %d %d %v", de, e.chars, e.spec.Length, e.fixedLength(), f.chars, f.length, f.fixed)
		}
		if e.spec.Enc != encoding.ASCII {
			t.Errorf("DE %d is not ASCII", de)
		}
		if !e.fixedLength() && e.spec.Pref != prefix.ASCII.LLL {
			t.Errorf("DE %d is variable but not LLLVAR", de)
		}
	}
	if mtiElement.chars != numeric || mtiElement.spec.Length != 4 || !mtiElement.fixedLength() {
		t.Error("the MTI is not 4 digits")
	}
}

func TestEveryElementHasAMessageField(t *testing.T) {
	var m Message
	for _, de := range numbers {
		if err := m.set(de, []byte(validValue(de))); err != nil {
			t.Errorf("DE %d: %v", de, err)
		}
		if !m.Has(de) || m.isZero(de) {
			t.Errorf("DE %d: set but not held", de)
		}
	}
}

// validValue returns a non-zero value of data element de in its format.
func validValue(de int) string {
	switch de {
	case 48:
		return "01004abcd"
	case 90:
		return "0200" + "000042" + "0615103000" + strings.Repeat("0", 22)
	}
	e := elements[de]
	v := make([]byte, min(e.spec.Length, 5))
	for i := range v {
		v[i] = '1'
	}
	return string(v)
}

// TestMoovReadsAndWritesTheSameBytes proves messageSpec is sound moov data:
// moov's own iso8583.Message, built on it, reads every hand-built message
// and writes it back byte for byte, agreeing with Decode on the values.
func TestMoovReadsAndWritesTheSameBytes(t *testing.T) {
	for _, h := range handMessages {
		t.Run(h.name, func(t *testing.T) {
			mm := iso8583.NewMessage(messageSpec)
			if err := mm.Unpack(h.bytes()); err != nil {
				t.Fatalf("moov Unpack: %v", err)
			}
			packed, err := mm.Pack()
			if err != nil {
				t.Fatalf("moov Pack: %v", err)
			}
			if !bytes.Equal(packed, h.bytes()) {
				t.Errorf("moov Pack:\n got %s\nwant %s", packed, h.bytes())
			}
			m, err := Decode(h.bytes())
			if err != nil {
				t.Fatal(err)
			}
			for _, de := range []int{7, 11, 41, 42} {
				got, err := mm.GetString(de)
				if err != nil {
					t.Fatal(err)
				}
				if f := m.field(de); got != *f {
					t.Errorf("DE %d: moov %q, Decode %q", de, got, *f)
				}
			}
		})
	}
}

func TestMoovWithTheSpecRejectsWhatDecodeRejects(t *testing.T) {
	for name, data := range map[string][]byte{
		"a non-digit amount":  purchase.with(4, "00000000A000"),
		"a signed amount":     purchase.with(4, "+00000001250"),
		"a signed LLL length": purchase.with(48, "+23"+"01"+"018"+walletCode),
		"a control character": purchase.with(41, "TERM\x00001"),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Decode(data); err == nil {
				t.Error("Decode accepted it")
			}
			err := iso8583.NewMessage(messageSpec).Unpack(data)
			if err == nil {
				t.Error("moov with messageSpec accepted it")
			}
		})
	}
	if err := iso8583.NewMessage(messageSpec).Unpack(purchase.with(4, "00000000A000")); !errors.Is(err, ErrNonDigit) {
		t.Errorf("moov error %v does not wrap ErrNonDigit", err)
	}
}
