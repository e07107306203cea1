package emvco_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/meridian-gw/meridian/schemes/emvco"
)

// The PAN of the EMVCo CPM spec's examples, and a public Visa test PAN.
const (
	specPAN = "1234567890123458"
	visaPAN = "4761739001010010"
)

func TestParseCPMPayloadFiles(t *testing.T) {
	type app struct{ aid, label, pan, last4 string }
	cases := map[string]struct {
		apps   []app
		common []uint32 // tags of the common data template
		err    error
		reason string
	}{
		"cpm-valid-one-app.txt": {apps: []app{{"A0000000555555", "", specPAN, "3458"}}},
		"cpm-valid-two-apps-common.txt": {
			apps: []app{
				{"A0000000555555", "Product1", specPAN, "3458"},
				{"A0000000666666", "Product2", specPAN, "3458"},
			},
			common: []uint32{0x5A, 0x5F20, 0x5F2D, 0x64},
		},
		"cpm-valid-transparent-template.txt": {
			apps:   []app{{"A0000000031010", "VISA CREDIT", visaPAN, "0010"}},
			common: []uint32{0x5F2D, 0x5F20},
		},
		"cpm-invalid-wrong-format-indicator.txt": {err: emvco.ErrInvalid, reason: "tag 85: payload format indicator is not CPV01"},
		"cpm-invalid-missing-aid.txt":            {err: emvco.ErrInvalid, reason: "application template 1: no ADF name (tag 4F)"},
		"cpm-invalid-short-aid.txt":              {err: emvco.ErrInvalid, reason: "application template 1: tag 4F: length 3, want 5 to 16 bytes"},
		"cpm-invalid-truncated-length.txt":       {err: emvco.ErrMalformed, reason: "tag 61: length 48, only 9 bytes left"},
		"cpm-invalid-indefinite-length.txt":      {err: emvco.ErrMalformed, reason: "tag 61: indefinite length"},
	}
	for _, name := range payloadFiles(t, "cpm-") {
		c, listed := cases[name]
		if !listed {
			t.Errorf("%s has no case in this table", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			payload := readPayload(t, name)
			got, err := emvco.ParseCPM(payload)
			if c.err != nil {
				var ce *emvco.CPMError
				if !errors.As(err, &ce) || !errors.Is(err, c.err) || ce.Reason != c.reason {
					t.Fatalf("err = %v, want a CPMError wrapping %v: %q", err, c.err, c.reason)
				}
				if !strings.HasPrefix(err.Error(), "emvco: cpm: "+c.reason) {
					t.Errorf("Error() = %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Applications) != len(c.apps) {
				t.Fatalf("%d applications, want %d", len(got.Applications), len(c.apps))
			}
			for i, want := range c.apps {
				a := got.Applications[i]
				if a.AIDHex() != want.aid || a.Label != want.label || a.PAN != want.pan || a.Last4 != want.last4 {
					t.Errorf("application %d = %s %q %s/%s, want %+v", i+1, a.AIDHex(), a.Label, a.PAN, a.Last4, want)
				}
			}
			var common []uint32
			for _, tlv := range got.Common {
				common = append(common, tlv.Tag)
			}
			if fmt.Sprint(common) != fmt.Sprint(c.common) {
				t.Errorf("common data tags %X, want %X", common, c.common)
			}
		})
	}
}

func TestParseCPMKeepsTheApplicationsDataObjects(t *testing.T) {
	c, err := emvco.ParseCPM(readPayload(t, "cpm-valid-transparent-template.txt"))
	if err != nil {
		t.Fatal(err)
	}
	a := c.Applications[0]
	transparent, ok := emvco.FindTag(a.TLVs, 0x63)
	if !ok {
		t.Fatal("no application specific transparent template")
	}
	cryptogram, ok := emvco.FindTag(transparent.Children, 0x9F26)
	if !ok || !bytes.Equal(cryptogram.Value, h("1A2B3C4D5E6F7081")) {
		t.Errorf("9F26 = %X, %v", cryptogram.Value, ok)
	}
	if proprietary, ok := emvco.FindTag(a.TLVs, 0xDF01); !ok || string(proprietary.Value) != "proprietary" {
		t.Error("the proprietary tag DF01 was not kept")
	}
	if !bytes.Equal(a.AID, h("A0000000031010")) {
		t.Errorf("AID = %X", a.AID)
	}
}

func TestParseCPMAcceptsBase64WithAndWithoutPadding(t *testing.T) {
	padded := readPayload(t, "cpm-valid-two-apps-common.txt")
	unpadded := strings.TrimRight(padded, "=")
	if unpadded == padded {
		t.Fatal("the example has no padding to remove")
	}
	a, errA := emvco.ParseCPM(padded)
	b, errB := emvco.ParseCPM(unpadded)
	if errA != nil || errB != nil {
		t.Fatalf("padded: %v, unpadded: %v", errA, errB)
	}
	if a.String() != b.String() {
		t.Errorf("padded %s, unpadded %s", a, b)
	}
}

func TestParseCPMRefusesWhatIsNotOneBase64Token(t *testing.T) {
	valid := readPayload(t, "cpm-valid-two-apps-common.txt")
	cases := []struct {
		name    string
		payload string
		err     error
		offset  int
	}{
		{"empty", "", emvco.ErrMalformed, 0},
		{"a line break inside, which Go's decoder would skip", valid[:20] + "\n" + valid[20:], emvco.ErrMalformed, 20},
		{"a space at the end", valid + " ", emvco.ErrMalformed, len(valid)},
		{"the URL-safe alphabet", strings.ReplaceAll(valid, "+", "-"), emvco.ErrMalformed, strings.Index(valid, "+")},
		{"padding where none belongs", strings.TrimRight(valid, "=") + "=", emvco.ErrMalformed, len(valid) - 2},
		{"one character too many", valid[:len(valid)-2] + "A", emvco.ErrMalformed, 0},
		{"513 characters", strings.Repeat("A", 513), emvco.ErrTooLong, 512},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := emvco.ParseCPM(c.payload)
			var ce *emvco.CPMError
			if !errors.As(err, &ce) || !errors.Is(err, c.err) {
				t.Fatalf("err = %v, want a CPMError wrapping %v", err, c.err)
			}
			if c.offset != 0 && ce.Offset != c.offset {
				t.Errorf("offset %d, want %d", ce.Offset, c.offset)
			}
		})
	}
	t.Run("unused bits set in the last character", func(t *testing.T) {
		// "hQVDUFYwMQ" is 85 05 "CPV01" unpadded; "hQVDUFYwMR" decodes to
		// the same bytes leniently, with a stray bit.
		if _, err := emvco.ParseCPM("hQVDUFYwMR"); !errors.Is(err, emvco.ErrMalformed) {
			t.Fatalf("err = %v", err)
		}
	})
}

// cpmPayload base64-encodes a payload format indicator and data objects.
func cpmPayload(objects ...[]byte) string {
	return base64.StdEncoding.EncodeToString(concat(tlv("85", []byte("CPV01")), concat(objects...)))
}

func TestParseCPMChecksTheStructure(t *testing.T) {
	app := tlv("61", tlv("4F", h("A0000000041010")))
	cases := []struct {
		name    string
		payload string
		reason  string
	}{
		{"no application template", cpmPayload(), "no application template (tag 61)"},
		{"an application template first", base64.StdEncoding.EncodeToString(concat(app, tlv("85", []byte("CPV01")))), "the first data object is not the payload format indicator (tag 85)"},
		{"a payload format indicator of 4 characters", base64.StdEncoding.EncodeToString(concat(tlv("85", []byte("CPV0")), app)), "tag 85: payload format indicator is not CPV01"},
		{"the payload format indicator twice", cpmPayload(app, tlv("85", []byte("CPV01"))), "tag 85: present twice"},
		{"an application after the common data", cpmPayload(app, tlv("62"), app), "application template after the common data template"},
		{"two common data templates", cpmPayload(app, tlv("62"), tlv("62")), "tag 62: present twice"},
		{"an unknown top-level tag", cpmPayload(app, tlv("9F26", h("00"))), "tag 9F26: not allowed at the top level here"},
		{"an AID twice", cpmPayload(tlv("61", tlv("4F", h("A000000004")), tlv("4F", h("A000000004")))), "application template 1: tag 4F: present twice"},
		{"an AID of 17 bytes", cpmPayload(tlv("61", tlv("4F", bytes.Repeat([]byte{0xA0}, 17)))), "application template 1: tag 4F: length 17, want 5 to 16 bytes"},
		{"an empty label in the second application", cpmPayload(app, tlv("61", tlv("4F", h("A000000004")), tlv("50"))), "application template 2: tag 50: length 0, want 1 to 16 bytes"},
		{"a label with a control character", cpmPayload(tlv("61", tlv("4F", h("A000000004")), tlv("50", []byte("A\x07B")))), "application template 1: tag 50 (application label): a character that is not printable ASCII"},
		{"a PAN with a letter nibble", cpmPayload(tlv("61", tlv("4F", h("A000000004")), tlv("5A", h("47617390010A0010")))), "application template 1: tag 5A (application PAN): not compressed numeric (digits, then only F padding)"},
		{"a PAN with a digit after padding", cpmPayload(tlv("61", tlv("4F", h("A000000004")), tlv("5A", h("476173900101F1")))), "application template 1: tag 5A (application PAN): not compressed numeric (digits, then only F padding)"},
		{"a PAN of 11 bytes", cpmPayload(tlv("61", tlv("4F", h("A000000004")), tlv("5A", h("1234567890123456789012")))), "application template 1: tag 5A: length 11, want 1 to 10 bytes"},
		{"track 2 without a separator", cpmPayload(tlv("61", tlv("4F", h("A000000004")), tlv("57", h("1234567890123458191220")))), "application template 1: tag 57 (track 2 equivalent data): not track 2 data (1 to 19 digits, separator D, 7 or more digits, F padding)"},
		{"track 2 without its expiry date", cpmPayload(tlv("61", tlv("4F", h("A000000004")), tlv("57", h("1234567890123458D1912F")))), "application template 1: tag 57 (track 2 equivalent data): not track 2 data (1 to 19 digits, separator D, 7 or more digits, F padding)"},
		{"last 4 digits that are not digits", cpmPayload(tlv("61", tlv("4F", h("A000000004")), tlv("9F25", h("12AB")))), "application template 1: tag 9F25 (last 4 digits of PAN): a nibble that is not a decimal digit"},
		{"a language code of 3 letters", cpmPayload(tlv("61", tlv("4F", h("A000000004")), tlv("5F2D", []byte("eng")))), "application template 1: tag 5F2D (language preference): not a whole number of 2-letter language codes"},
		{"a payment account reference with a hyphen", cpmPayload(tlv("61", tlv("4F", h("A000000004")), tlv("9F24", []byte("V0010013818300000000000-00001")))), "application template 1: tag 9F24 (payment account reference): a character that is not a letter or digit"},
		{"a language code with a digit", cpmPayload(tlv("61", tlv("4F", h("A000000004")), tlv("5F2D", []byte("e1")))), "application template 1: tag 5F2D (language preference): a character that is not a letter"},
		{"a bad PAN in the common data", cpmPayload(app, tlv("62", tlv("5A", h("FF")))), "common data template: tag 5A (application PAN): not compressed numeric (digits, then only F padding)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := emvco.ParseCPM(c.payload)
			var ce *emvco.CPMError
			if !errors.As(err, &ce) || ce.Reason != c.reason {
				t.Fatalf("err = %v, want reason %q", err, c.reason)
			}
			if !errors.Is(err, emvco.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestParseCPMAllowsWhatTheSpecLeavesOpen(t *testing.T) {
	cases := []struct {
		name    string
		payload string
		pan     string
	}{
		{"a token-only code with no PAN", cpmPayload(tlv("61", tlv("4F", h("A0000000041010")), tlv("9F19", h("012345678901")))), ""},
		{"a PAN padded with F", cpmPayload(tlv("61", tlv("4F", h("A0000000041010")), tlv("5A", h("476173900101001FFF")))), "476173900101001"},
		{"proprietary and unknown tags in a template", cpmPayload(tlv("61", tlv("4F", h("A0000000041010")), tlv("DF01", h("00")), tlv("DF01", h("01")), tlv("BF0C", tlv("9F4D", h("0B0A"))))), ""},
		{"an empty common data template", cpmPayload(tlv("61", tlv("4F", h("A0000000041010"))), tlv("62")), ""},
		{"its own PAN before the common one", cpmPayload(tlv("61", tlv("4F", h("A0000000041010")), tlv("5A", h(visaPAN))), tlv("62", tlv("5A", h(specPAN)))), visaPAN},
		{"track 2 with a 19-digit PAN and padding", cpmPayload(tlv("61", tlv("4F", h("A0000000041010")), tlv("57", h("1234567890123456789D25122011234F")))), "1234567890123456789"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := emvco.ParseCPM(c.payload)
			if err != nil {
				t.Fatal(err)
			}
			if got.Applications[0].PAN != c.pan {
				t.Errorf("PAN = %q, want %q", got.Applications[0].PAN, c.pan)
			}
		})
	}
	t.Run("a payment account reference and last 4 digits in the common data", func(t *testing.T) {
		got, err := emvco.ParseCPM(cpmPayload(tlv("61", tlv("4F", h("A0000000041010"))),
			tlv("62", tlv("9F24", []byte("V0010013818300000000000000001")), tlv("9F25", h("9876")))))
		if err != nil {
			t.Fatal(err)
		}
		if a := got.Applications[0]; a.PAN != "" || a.Last4 != "9876" || a.MaskedPAN() != "" {
			t.Errorf("PAN %q, Last4 %q, MaskedPAN %q; want only Last4 9876", a.PAN, a.Last4, a.MaskedPAN())
		}
	})
}

func TestNothingPrintedOfACPMShowsItsPAN(t *testing.T) {
	c, err := emvco.ParseCPM(readPayload(t, "cpm-valid-transparent-template.txt"))
	if err != nil {
		t.Fatal(err)
	}
	a := c.Applications[0]
	if a.MaskedPAN() != "************0010" {
		t.Errorf("MaskedPAN() = %q", a.MaskedPAN())
	}
	var logged bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logged, nil))
	logger.Info("cpm", "code", c, "app", a, "pointer", &a)
	outputs := map[string]string{
		"%v of the code":            fmt.Sprintf("%v", c),
		"%+v of the code":           fmt.Sprintf("%+v", *c),
		"%#v of the code":           fmt.Sprintf("%#v", *c),
		"%+v of the application":    fmt.Sprintf("%+v", a),
		"%#v of the application":    fmt.Sprintf("%#v", a),
		"%v of the application TLV": fmt.Sprintf("%v", a.TLVs),
		"%#v of its TLVs":           fmt.Sprintf("%#v", a.TLVs),
		"slog JSON":                 logged.String(),
		"MaskCPM":                   emvco.MaskCPM(readPayload(t, "cpm-valid-transparent-template.txt")),
	}
	for what, out := range outputs {
		if strings.Contains(out, visaPAN) || strings.Contains(out, visaPAN[:8]) || strings.Contains(out, "TEST/CARDHOLDER") {
			t.Errorf("%s shows the PAN or the cardholder: %s", what, out)
		}
		if !strings.Contains(out, "A0000000031010") && !strings.Contains(out, "4F[7]") {
			t.Errorf("%s does not say which application: %s", what, out)
		}
	}
}

func TestCPMErrorsNeverQuoteTheCodeOrItsPAN(t *testing.T) {
	pan := tlv("5A", h(visaPAN))
	payloads := []string{
		cpmPayload(tlv("61", pan, tlv("50", []byte("BAD\x01")))),
		cpmPayload(tlv("61", pan)),
		cpmPayload(tlv("61", tlv("4F", h("A0000000041010")), pan, pan)),
		cpmPayload(tlv("61", tlv("4F", h("A0000000041010")), tlv("57", h(visaPAN+"D251")))),
		cpmPayload(tlv("61", tlv("4F", h("A0000000041010")), pan), tlv("9F26", h(visaPAN))),
	}
	for i, p := range payloads {
		_, err := emvco.ParseCPM(p)
		if err == nil {
			t.Fatalf("payload %d parsed", i)
		}
		msg := err.Error()
		if strings.Contains(msg, visaPAN) || strings.Contains(msg, visaPAN[:6]) || strings.Contains(msg, p[8:20]) {
			t.Errorf("payload %d: error quotes the code: %s", i, msg)
		}
	}
}

func TestLooksLikeCPM(t *testing.T) {
	valid := readPayload(t, "cpm-valid-two-apps-common.txt")
	cases := []struct {
		name string
		code string
		want bool
	}{
		{"the spec's example", valid, true},
		{"the spec's example without padding", strings.TrimRight(valid, "="), true},
		{"a code that is CPM by its prefix but does not parse", readPayload(t, "cpm-invalid-missing-aid.txt"), true},
		{"an Alipay code of digits", "281234567890123456", false},
		{"digits that are valid base64", "123456789012345678901234", false},
		{"another payload format", readPayload(t, "cpm-invalid-wrong-format-indicator.txt"), false},
		{"a merchant-presented payload", readPayload(t, "mpm-valid-mastercard-sqr.txt"), false},
		{"too short to hold the indicator", "hQVDUFYwMQ", false},
		{"a character outside base64", valid[:30] + "!" + valid[31:], false},
		{"longer than 512 characters", valid + strings.Repeat("A", 512), false},
		{"empty", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := emvco.LooksLikeCPM(c.code); got != c.want {
				t.Fatalf("LooksLikeCPM = %v, want %v", got, c.want)
			}
		})
	}
}

func TestMaskCPM(t *testing.T) {
	if got, want := emvco.MaskCPM(readPayload(t, "cpm-valid-two-apps-common.txt")), "CPV01:A0000000555555,A0000000666666:…"; got != want {
		t.Errorf("MaskCPM = %q, want %q", got, want)
	}
	invalid := readPayload(t, "cpm-invalid-short-aid.txt")
	if got, want := emvco.MaskCPM(invalid), fmt.Sprintf("invalid CPM of %d characters", len(invalid)); got != want {
		t.Errorf("MaskCPM of an invalid code = %q, want %q", got, want)
	}
}
