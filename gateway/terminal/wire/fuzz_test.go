package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// FuzzDecode checks that no input panics Decode, that every failure is a
// *DecodeError whose salvage re-encodes, and that whatever decodes survives
// encode → decode unchanged.
//
//	go test -run='^$' -fuzz=FuzzDecode -fuzztime=60s ./gateway/terminal/wire/
func FuzzDecode(f *testing.F) {
	for _, h := range handMessages {
		f.Add(h.bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if m == nil {
			t.Fatal("Decode returned no message")
		}
		_ = m.String()
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v (%T) is not a *DecodeError", err, err)
			}
			if errors.Is(err, ErrPanic) {
				t.Fatalf("Decode panicked: %v", err)
			}
			if de.Offset < 0 || de.Offset > len(data) || de.Field < 0 || de.Field > 128 {
				t.Fatalf("DecodeError out of range: %+v", de)
			}
			// Whatever was salvaged is valid, so the host can echo it in
			// its RC 30 answer.
			if m.MTI != "" {
				if _, err := Encode(m); err != nil {
					t.Fatalf("the salvage does not encode: %v", err)
				}
			}
			return
		}
		encoded, err := Encode(m)
		if err != nil {
			t.Fatalf("Encode(Decode(data)): %v", err)
		}
		again, err := Decode(encoded)
		if err != nil {
			t.Fatalf("Decode(Encode(Decode(data))): %v", err)
		}
		if !reflect.DeepEqual(m, again) {
			t.Fatalf("round trip changed the message:\n%#v\n%#v", m, again)
		}
		if reencoded, _ := Encode(again); !bytes.Equal(encoded, reencoded) {
			t.Fatalf("encoding is not canonical:\n%s\n%s", encoded, reencoded)
		}
	})
}

// FuzzPrivateData checks that the DE 48 TLV parser never panics, that its
// errors name an offset inside the data, and that what parses writes back
// byte for byte (the format has one spelling per content).
//
//	go test -run='^$' -fuzz=FuzzPrivateData -fuzztime=60s ./gateway/terminal/wire/
func FuzzPrivateData(f *testing.F) {
	for _, seed := range []string{"", "01018281012345678901234", "04010ALIPAYPLUS77003abc", "10006Alipay11003T-113004", "0A", "01999x"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePrivateData(data)
		_ = p.String()
		if err != nil {
			var te *TLVError
			if !errors.As(err, &te) {
				t.Fatalf("error %v (%T) is not a *TLVError", err, err)
			}
			if te.Offset < 0 || te.Offset > len(data) {
				t.Fatalf("offset %d outside %d bytes", te.Offset, len(data))
			}
			return
		}
		out, err := AppendPrivateData(nil, p)
		if err != nil {
			t.Fatalf("AppendPrivateData(ParsePrivateData(data)): %v", err)
		}
		if !bytes.Equal(out, data) {
			t.Fatalf("round trip:\n got %q\nwant %q", out, data)
		}
	})
}
