package emvco_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/meridian-gw/meridian/schemes/emvco"
)

// FuzzParseCPM checks that no input panics ParseCPM, that every failure is a
// *CPMError with an offset inside the input, and that what parses has what
// the spec requires, is recognised by LooksLikeCPM and prints no more than
// the last 4 digits of a PAN. Each input is tried as a code and, so that the
// fuzzer reaches the BER-TLV inside without having to find valid base64, as
// the bytes of one.
//
//	go test -run='^$' -fuzz=FuzzParseCPM -fuzztime=60s ./schemes/emvco/
func FuzzParseCPM(f *testing.F) {
	for _, name := range payloadFiles(f, "cpm-") {
		payload := readPayload(f, name)
		f.Add(payload)
		if data, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(payload, "=")); err == nil {
			f.Add(string(data))
		}
	}
	f.Add("")
	f.Add("hQVDUFYwMQ")
	f.Fuzz(func(t *testing.T, input string) {
		checkCPM(t, input)
		checkCPM(t, base64.StdEncoding.EncodeToString([]byte(input)))
	})
}

func checkCPM(t *testing.T, payload string) {
	c, err := emvco.ParseCPM(payload)
	masked := emvco.MaskCPM(payload)
	if err != nil {
		var ce *emvco.CPMError
		if !errors.As(err, &ce) {
			t.Fatalf("error %v (%T) is not a *CPMError", err, err)
		}
		if ce.Offset < 0 || ce.Offset > len(payload) {
			t.Fatalf("offset %d outside %d characters", ce.Offset, len(payload))
		}
		if !errors.Is(err, emvco.ErrTooLong) && !errors.Is(err, emvco.ErrMalformed) && !errors.Is(err, emvco.ErrInvalid) {
			t.Fatalf("error %v wraps no sentinel", err)
		}
		if !strings.HasPrefix(masked, "invalid CPM") {
			t.Fatalf("MaskCPM of an invalid code = %q", masked)
		}
		return
	}
	if !emvco.LooksLikeCPM(payload) {
		t.Fatal("ParseCPM accepted a code LooksLikeCPM does not recognise")
	}
	if len(c.Applications) == 0 {
		t.Fatal("no application")
	}
	aids := make([]string, len(c.Applications))
	for i, a := range c.Applications {
		if len(a.AID) < 5 || len(a.AID) > 16 {
			t.Fatalf("AID of %d bytes", len(a.AID))
		}
		aids[i] = a.AIDHex()
		// What is printed of an application shows at most the last 4
		// digits of its PAN.
		shown := strings.TrimLeft(a.MaskedPAN(), "*")
		if len(a.MaskedPAN()) != len(a.PAN) || len(shown) > 4 || !strings.HasSuffix(a.PAN, shown) {
			t.Fatalf("MaskedPAN %q of a %d-digit PAN", a.MaskedPAN(), len(a.PAN))
		}
		if want := fmt.Sprintf("AID %s label %q PAN %s", a.AIDHex(), a.Label, a.MaskedPAN()); a.String() != want {
			t.Fatalf("String() = %q, want %q", a.String(), want)
		}
	}
	if want := "CPV01:" + strings.Join(aids, ",") + ":…"; masked != want {
		t.Fatalf("MaskCPM = %q, want %q", masked, want)
	}
}

// FuzzParseMPM checks that no input panics ParseMPM, that every failure is
// an *MPMError with an offset inside the input, and that what parses builds
// again into a payload of the same size that parses the same, and builds the
// same. Each input is tried as it is and, so that the fuzzer gets past the
// checksum, with its last 4 bytes replaced by the right CRC.
//
//	go test -run='^$' -fuzz=FuzzParseMPM -fuzztime=60s ./schemes/emvco/
func FuzzParseMPM(f *testing.F) {
	for _, name := range payloadFiles(f, "mpm-") {
		f.Add(readPayload(f, name))
	}
	f.Add(withCRC(minimal))
	f.Add("")
	f.Fuzz(func(t *testing.T, payload string) {
		checkMPM(t, payload)
		if len(payload) >= 4 {
			body := payload[:len(payload)-4]
			checkMPM(t, body+fmt.Sprintf("%04X", emvco.CRC16CCITTFalse([]byte(body))))
		}
	})
}

func checkMPM(t *testing.T, payload string) {
	m, err := emvco.ParseMPM(payload)
	if err != nil {
		var me *emvco.MPMError
		if !errors.As(err, &me) {
			t.Fatalf("error %v (%T) is not an *MPMError", err, err)
		}
		if me.Offset < 0 || me.Offset > len(payload) {
			t.Fatalf("offset %d outside %d bytes", me.Offset, len(payload))
		}
		return
	}
	built, err := emvco.BuildMPM(*m)
	if err != nil {
		t.Fatalf("BuildMPM(ParseMPM(payload)): %v", err)
	}
	again, err := emvco.ParseMPM(built)
	if err != nil {
		t.Fatalf("ParseMPM(BuildMPM(ParseMPM(payload))): %v", err)
	}
	if !reflect.DeepEqual(m, again) {
		t.Fatalf("round trip changed the MPM:\n%+v\n%+v", m, again)
	}
	if rebuilt, _ := emvco.BuildMPM(*again); rebuilt != built {
		t.Fatalf("BuildMPM is not canonical:\n%s\n%s", built, rebuilt)
	}
	if len(built) != len(payload) {
		t.Fatalf("rebuilt payload is %d bytes, the original %d: content was lost or added", len(built), len(payload))
	}
}
