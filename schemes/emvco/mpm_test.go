package emvco_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/meridian-gw/meridian/schemes/emvco"
)

// withCRC completes a payload without its CRC object.
func withCRC(s string) string {
	s += "6304"
	return s + fmt.Sprintf("%04X", emvco.CRC16CCITTFalse([]byte(s)))
}

// obj writes one ID-length-value data object, its length in characters.
func obj(id, value string) string {
	return fmt.Sprintf("%s%02d%s", id, len([]rune(value)), value)
}

func TestParseMPMPayloadFiles(t *testing.T) {
	cases := map[string]struct {
		want *emvco.MPM
		err  error
		id   string
	}{
		"mpm-valid-emvco-sample.txt": {want: &emvco.MPM{
			PointOfInitiation: emvco.PointOfInitiationDynamic,
			MerchantAccounts: []emvco.MerchantAccount{
				{Tag: "29", GUID: "D15600000000", Fields: []emvco.Field{{ID: "05", Value: "A93FO3230Q"}}},
				{Tag: "31", GUID: "D15600000001", Fields: []emvco.Field{{ID: "03", Value: "12345678"}}},
			},
			MCC: "4111", Currency: "156", Amount: "23.72", TipIndicator: emvco.TipPrompt, Country: "CN",
			MerchantName: "BEST TRANSPORT", MerchantCity: "BEIJING",
			Additional: []emvco.Field{{ID: "03", Value: "1234"}, {ID: "06", Value: "***"}, {ID: "07", Value: "A6008667"}, {ID: "09", Value: "ME"}},
			Language:   []emvco.Field{{ID: "00", Value: "ZH"}, {ID: "01", Value: "最佳运输"}, {ID: "02", Value: "北京"}},
			Unreserved: []emvco.Template{{Tag: "91", GUID: "A011223344998877", Fields: []emvco.Field{{ID: "07", Value: "12345678"}}}},
		}},
		"mpm-valid-mastercard-sqr.txt": {want: &emvco.MPM{
			PointOfInitiation: emvco.PointOfInitiationStatic,
			MerchantAccounts:  []emvco.MerchantAccount{{Tag: "05", Value: "04736a2f41a3-c54c-fce8-32d2-0324e1c32e22*3440e5bf-81ca-4c5f-a1b2-cf989f09a039"}},
			MCC:               "5024", Currency: "840", Amount: "100", Country: "US", MerchantName: "Test Merchant", MerchantCity: "New York",
			Additional: []emvco.Field{{ID: "03", Value: "1234"}},
		}},
		"mpm-valid-khqr-library-example.txt": {want: &emvco.MPM{
			PointOfInitiation: emvco.PointOfInitiationDynamic,
			MerchantAccounts:  []emvco.MerchantAccount{{Tag: "15", Value: "37210116372101160123456789ABCDE"}},
			MCC:               "4131", Currency: "840", Amount: "10.00", Country: "KH", MerchantName: "Merchant Shop", MerchantCity: "Phnom Penh",
			Additional: []emvco.Field{{ID: "01", Value: "12345678"}, {ID: "02", Value: "012444444"}},
		}},
		"mpm-invalid-bad-crc.txt":               {err: emvco.ErrChecksum, id: "63"},
		"mpm-invalid-missing-merchant-name.txt": {err: emvco.ErrInvalid, id: "59"},
	}
	for _, name := range payloadFiles(t, "mpm-") {
		c, listed := cases[name]
		if !listed {
			t.Errorf("%s has no case in this table", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			got, err := emvco.ParseMPM(readPayload(t, name))
			if c.err != nil {
				var me *emvco.MPMError
				if !errors.As(err, &me) || !errors.Is(err, c.err) || me.ID != c.id {
					t.Fatalf("err = %v, want an MPMError about ID %s wrapping %v", err, c.id, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestCRC16CCITTFalse(t *testing.T) {
	t.Run("the catalogue check value", func(t *testing.T) {
		if got := emvco.CRC16CCITTFalse([]byte("123456789")); got != 0x29B1 {
			t.Fatalf("CRC of 123456789 = %04X, want 29B1", got)
		}
	})
	t.Run("the EMVCo sample's published CRC, over its UTF-8 bytes", func(t *testing.T) {
		sample := readPayload(t, "mpm-valid-emvco-sample.txt")
		if got := emvco.CRC16CCITTFalse([]byte(sample[:len(sample)-4])); got != 0xA13A {
			t.Fatalf("CRC = %04X, want A13A", got)
		}
	})
	t.Run("the empty input is the initial value", func(t *testing.T) {
		if got := emvco.CRC16CCITTFalse(nil); got != 0xFFFF {
			t.Fatalf("CRC of nothing = %04X", got)
		}
	})
}

// minimal is the smallest valid payload's content, without the CRC.
var minimal = obj("00", "01") + obj("26", obj("00", "com.example")) + obj("52", "5812") + obj("53", "978") +
	obj("58", "DE") + obj("59", "Cafe Anna") + obj("60", "Berlin")

func TestParseMPMRefusesWhatBreaksTheSpec(t *testing.T) {
	cases := []struct {
		name    string
		payload string
		err     error
		id      string
		reason  string
	}{
		{"the payload format indicator not first", withCRC(obj("01", "11") + minimal), emvco.ErrInvalid, "", "the first data object is not the payload format indicator (ID 00)"},
		{"payload format 02", withCRC(strings.Replace(minimal, "000201", "000202", 1)), emvco.ErrInvalid, "00", "want 01"},
		{"the CRC not last", minimal + "6304ABCD" + obj("61", "10115"), emvco.ErrInvalid, "", "the last data object is not the CRC (ID 63)"},
		{"no CRC", minimal, emvco.ErrInvalid, "", "the last data object is not the CRC (ID 63)"},
		{"a CRC of 3 digits", minimal + "6303ABC", emvco.ErrInvalid, "63", "length 3, want 4 characters"},
		{"a CRC in lower case", minimal + "6304" + strings.ToLower(withCRC(minimal)[len(minimal)+4:]), emvco.ErrInvalid, "63", "not upper-case hexadecimal"},
		{"a length beyond the end", withCRC(minimal) + "0199", emvco.ErrMalformed, "01", "length 99, more than the characters left"},
		{"an ID that is not digits", withCRC(minimal + "A1" + "02xx"), emvco.ErrMalformed, "", "ID is not 2 digits"},
		{"a length that is not digits", withCRC(minimal + "61" + "x2ab"), emvco.ErrMalformed, "61", "length is not 2 digits"},
		{"an object cut short", minimal + "630", emvco.ErrMalformed, "", "data object cut short before its ID and length"},
		{"an empty object", withCRC(minimal + "6100"), emvco.ErrInvalid, "61", "length 00: an empty data object is left out, not sent"},
		{"an ID twice", withCRC(minimal + obj("52", "5411")), emvco.ErrInvalid, "52", "present twice"},
		{"a reserved ID", withCRC(minimal + obj("65", "x")), emvco.ErrInvalid, "65", "reserved for future use by EMVCo"},
		{"no merchant account", withCRC(strings.Replace(minimal, obj("26", obj("00", "com.example")), "", 1)), emvco.ErrInvalid, "", "no merchant account information (IDs 02 to 51)"},
		{"a merchant account template without GUID", withCRC(strings.Replace(minimal, obj("26", obj("00", "com.example")), obj("26", obj("01", "x")), 1)), emvco.ErrInvalid, "26", "no globally unique identifier (00)"},
		{"a GUID of 33 characters", withCRC(strings.Replace(minimal, obj("26", obj("00", "com.example")), obj("26", obj("00", strings.Repeat("g", 33))), 1)), emvco.ErrInvalid, "26.00", "length 33, want 1 to 32 characters"},
		{"a broken sub-field", withCRC(minimal + obj("62", "0509ab")), emvco.ErrMalformed, "62.05", "length 9, more than the characters left"},
		{"a sub-field twice", withCRC(minimal + obj("62", obj("05", "a")+obj("05", "b"))), emvco.ErrInvalid, "62.05", "present twice"},
		{"sub-field 00 in additional data", withCRC(minimal + obj("62", obj("00", "a"))), emvco.ErrInvalid, "62.00", "not allowed in this template"},
		{"a reference label of 26 characters", withCRC(minimal + obj("62", obj("05", strings.Repeat("r", 26)))), emvco.ErrInvalid, "62.05", "length 26, want 1 to 25 characters"},
		{"a consumer data request letter twice", withCRC(minimal + obj("62", obj("09", "MM"))), emvco.ErrInvalid, "62.09", "not a set of the letters A, M and E"},
		{"a language template without a name", withCRC(minimal + obj("64", obj("00", "ZH"))), emvco.ErrInvalid, "64", "needs its language preference (00) and alternate merchant name (01)"},
		{"a control character in the alternate name", withCRC(minimal + obj("64", obj("00", "ZH")+obj("01", "a\u200bb"))), emvco.ErrInvalid, "64.01", "a control or unprintable character"},
		{"an unreserved template without GUID", withCRC(minimal + obj("80", obj("01", "x"))), emvco.ErrInvalid, "80", "no globally unique identifier (00)"},
		{"a merchant name of 26 characters", withCRC(strings.Replace(minimal, obj("59", "Cafe Anna"), obj("59", strings.Repeat("n", 26)), 1)), emvco.ErrInvalid, "59", "length 26, want 1 to 25 characters"},
		{"a merchant name in Chinese", withCRC(strings.Replace(minimal, obj("59", "Cafe Anna"), obj("59", "最佳运输"), 1)), emvco.ErrInvalid, "59", "a character that is not printable ASCII"},
		{"a city of 16 characters", withCRC(strings.Replace(minimal, obj("60", "Berlin"), obj("60", strings.Repeat("c", 16)), 1)), emvco.ErrInvalid, "60", "length 16, want 1 to 15 characters"},
		{"a lower-case country", withCRC(strings.Replace(minimal, obj("58", "DE"), obj("58", "de"), 1)), emvco.ErrInvalid, "58", "a character that is not an upper-case letter"},
		{"an alphabetic currency", withCRC(strings.Replace(minimal, obj("53", "978"), obj("53", "EUR"), 1)), emvco.ErrInvalid, "53", "a character that is not a digit"},
		{"an MCC of 3 digits", withCRC(strings.Replace(minimal, obj("52", "5812"), obj("52", "581"), 1)), emvco.ErrInvalid, "52", "length 3, want 4 characters"},
		{"an amount with two points", withCRC(minimal + obj("54", "1.2.3")), emvco.ErrInvalid, "54", "more than one '.'"},
		{"an amount with a comma", withCRC(minimal + obj("54", "12,50")), emvco.ErrInvalid, "54", "a character other than a digit or '.'"},
		{"an amount of 14 characters", withCRC(minimal + obj("54", "12345678901.00")), emvco.ErrInvalid, "54", "length 14, want 1 to 13 characters"},
		{"an amount starting with the point", withCRC(minimal + obj("54", ".50")), emvco.ErrInvalid, "54", "no digit before the decimal point"},
		{"a point of initiation 13", withCRC(minimal + obj("01", "13")), emvco.ErrInvalid, "01", "want 11 or 12"},
		{"a fixed fee without its indicator", withCRC(minimal + obj("56", "1.00")), emvco.ErrInvalid, "56", "present exactly when the tip or convenience indicator (55) is 02"},
		{"a percentage indicator without its percentage", withCRC(minimal + obj("55", "03")), emvco.ErrInvalid, "57", "present exactly when the tip or convenience indicator (55) is 03"},
		{"a mandatory object missing", withCRC(strings.Replace(minimal, obj("53", "978"), "", 1)), emvco.ErrInvalid, "53", "missing"},
		{"invalid UTF-8", withCRC(minimal + obj("64", obj("00", "ZH")+"0102\xff\xfe")), emvco.ErrMalformed, "", "not valid UTF-8"},
		{"513 characters", withCRC(minimal + obj("62", obj("50", strings.Repeat("x", 95))) + obj("61", "1234567890") + obj("54", "123456") +
			obj("81", obj("00", "g")+obj("01", strings.Repeat("u", 90))) + obj("82", obj("00", "g")+obj("01", strings.Repeat("v", 90))) + obj("83", obj("00", "g")+obj("01", strings.Repeat("w", 90)))),
			emvco.ErrTooLong, "", "513 characters, at most 512"},
		{"far too many bytes", strings.Repeat("0", 4*512+1), emvco.ErrTooLong, "", "2049 bytes, more than 512 characters"},
		{"a wrong CRC", minimal + "6304FFFF", emvco.ErrChecksum, "63", "does not match the payload"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := emvco.ParseMPM(c.payload)
			var me *emvco.MPMError
			if !errors.As(err, &me) || !errors.Is(err, c.err) || me.ID != c.id || me.Reason != c.reason {
				t.Fatalf("err = %v (%#v), want %v about %q: %q", err, me, c.err, c.id, c.reason)
			}
			if me.Offset < 0 || me.Offset > len(c.payload) {
				t.Errorf("offset %d outside the payload", me.Offset)
			}
			if emvco.ValidateMPM(c.payload) == nil {
				t.Error("ValidateMPM accepted what ParseMPM refused")
			}
		})
	}
}

func TestParseMPMAcceptsTheMinimalPayloadAndAnyOrderInside(t *testing.T) {
	if err := emvco.ValidateMPM(withCRC(minimal)); err != nil {
		t.Fatalf("minimal: %v", err)
	}
	longest := withCRC(minimal + obj("62", obj("50", strings.Repeat("x", 95))) + obj("61", "1234567890") + obj("54", "12345") +
		obj("81", obj("00", "g")+obj("01", strings.Repeat("u", 90))) + obj("82", obj("00", "g")+obj("01", strings.Repeat("v", 90))) + obj("83", obj("00", "g")+obj("01", strings.Repeat("w", 90))))
	if err := emvco.ValidateMPM(longest); len(longest) != 512 || err != nil {
		t.Fatalf("%d characters: %v", len(longest), err)
	}
	// The spec fixes only the first and last objects; the EMVCo sample
	// itself puts 64 before 54.
	reordered := obj("00", "01") + obj("60", "Berlin") + obj("59", "Cafe Anna") + obj("58", "DE") + obj("53", "978") +
		obj("52", "5812") + obj("27", obj("02", "b")+obj("00", "org")) + obj("26", obj("00", "com.example"))
	m, err := emvco.ParseMPM(withCRC(reordered))
	if err != nil {
		t.Fatal(err)
	}
	if m.MerchantAccounts[0].Tag != "26" || m.MerchantAccounts[1].GUID != "org" || m.MerchantAccounts[1].Fields[0].ID != "02" {
		t.Errorf("accounts not read in ascending order: %+v", m.MerchantAccounts)
	}
}

func TestMPMErrorsNameTheObjectButNotItsValue(t *testing.T) {
	secret := "ORDER-7f3a9c2e1b-SECRET"
	payload := withCRC(minimal + obj("62", obj("05", secret+"-TOO-LONG")))
	err := emvco.ValidateMPM(payload)
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("err = %v", err)
	}
	if want := "emvco: mpm: ID 62.05 (reference label): length 32, want 1 to 25 characters (offset"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Error() = %q, want it to start %q", err, want)
	}
}

// meridianOrder is a dynamic order as a Meridian adapter would build it,
// with its lists out of order to check BuildMPM sorts them.
func meridianOrder() emvco.MPM {
	return emvco.MPM{
		PointOfInitiation: emvco.PointOfInitiationDynamic,
		MerchantAccounts: []emvco.MerchantAccount{{Tag: "26", GUID: "com.meridian-gw.alipayplus",
			Fields: []emvco.Field{{ID: "02", Value: "T-0001"}, {ID: "01", Value: "M-1234"}}}},
		MCC: "5812", Currency: "978", Amount: emvco.FormatAmount(1250, 2), Country: "DE",
		MerchantName: "Cafe Anna", MerchantCity: "Berlin", PostalCode: "10115",
		Additional: []emvco.Field{{ID: "07", Value: "POS-7"}, {ID: "05", Value: "ORDER-42"}},
	}
}

func TestBuildMPMWritesTheSpecsLayout(t *testing.T) {
	got, err := emvco.BuildMPM(meridianOrder())
	if err != nil {
		t.Fatal(err)
	}
	// Written out by hand and its CRC computed by a separate
	// implementation (Python, bit by bit), not by this package.
	want := "000201010212" + "26500026com.meridian-gw.alipayplus0106M-12340206T-0001" +
		"52045812" + "5303978" + "540512.50" + "5802DE" + "5909Cafe Anna" + "6006Berlin" + "610510115" +
		"62210508ORDER-420705POS-7" + "630423C2"
	if got != want {
		t.Fatalf("BuildMPM =\n%s\nwant\n%s", got, want)
	}
}

func TestBuildMPMRoundTripsThePublishedExamples(t *testing.T) {
	for _, name := range payloadFiles(t, "mpm-valid-") {
		t.Run(name, func(t *testing.T) {
			m, err := emvco.ParseMPM(readPayload(t, name))
			if err != nil {
				t.Fatal(err)
			}
			built, err := emvco.BuildMPM(*m)
			if err != nil {
				t.Fatal(err)
			}
			again, err := emvco.ParseMPM(built)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m, again) {
				t.Fatalf("round trip changed it:\n%+v\n%+v", m, again)
			}
		})
	}
}

func TestBuildMPMRefusesWhatItCannotWrite(t *testing.T) {
	cases := []struct {
		name   string
		change func(*emvco.MPM)
		id     string
		reason string
	}{
		{"no merchant name", func(m *emvco.MPM) { m.MerchantName = "" }, "59", "missing"},
		{"a merchant name of 26 characters", func(m *emvco.MPM) { m.MerchantName = strings.Repeat("n", 26) }, "59", "length 26, want 1 to 25 characters"},
		{"no merchant account", func(m *emvco.MPM) { m.MerchantAccounts = nil }, "", "no merchant account information (IDs 02 to 51)"},
		{"an account tag 52", func(m *emvco.MPM) { m.MerchantAccounts[0].Tag = "52" }, "", "merchant account tag is not 02 to 51"},
		{"an account tag of one digit", func(m *emvco.MPM) { m.MerchantAccounts[0].Tag = "7" }, "", "merchant account tag is not 02 to 51"},
		{"a template account with a Value", func(m *emvco.MPM) { m.MerchantAccounts[0].Value = "x" }, "26", "accounts 26 to 51 have a GUID and Fields, not a Value"},
		{"a card scheme account with a GUID", func(m *emvco.MPM) { m.MerchantAccounts[0].Tag = "04" }, "04", "accounts 02 to 25 have a Value, not a GUID or Fields"},
		{"a card scheme account with no value", func(m *emvco.MPM) { m.MerchantAccounts[0] = emvco.MerchantAccount{Tag: "04"} }, "04", "empty value"},
		{"a template account without GUID", func(m *emvco.MPM) { m.MerchantAccounts[0].GUID = "" }, "26", "no globally unique identifier (00)"},
		{"the GUID among the fields", func(m *emvco.MPM) { m.MerchantAccounts[0].Fields[0].ID = "00" }, "26.00", "the globally unique identifier goes in GUID, not Fields"},
		{"a field ID of three digits", func(m *emvco.MPM) { m.Additional[0].ID = "100" }, "62", "a sub-field ID is not 2 digits"},
		{"an empty field", func(m *emvco.MPM) { m.Additional[0].Value = "" }, "62.07", "empty value"},
		{"a field of 100 characters", func(m *emvco.MPM) { m.Additional[0].Value = strings.Repeat("x", 100) }, "62.07", "100 characters, at most 99"},
		{"a template over 99 characters", func(m *emvco.MPM) {
			m.Additional = []emvco.Field{{ID: "50", Value: strings.Repeat("x", 60)}, {ID: "51", Value: strings.Repeat("y", 60)}}
		}, "62", "128 characters, at most 99"},
		{"a value of invalid UTF-8", func(m *emvco.MPM) { m.MerchantCity = "\xff" }, "60", "not valid UTF-8"},
		{"an amount in float notation", func(m *emvco.MPM) { m.Amount = "1.25e1" }, "54", "a character other than a digit or '.'"},
		{"the same account twice", func(m *emvco.MPM) { m.MerchantAccounts = append(m.MerchantAccounts, m.MerchantAccounts[0]) }, "26", "present twice"},
		{"an unreserved template without GUID", func(m *emvco.MPM) { m.Unreserved = []emvco.Template{{Tag: "85"}} }, "85", "no globally unique identifier (00)"},
		{"an unreserved template tagged 79", func(m *emvco.MPM) { m.Unreserved = []emvco.Template{{Tag: "79", GUID: "x"}} }, "", "unreserved template tag is not 80 to 99"},
		{"more than 512 characters", func(m *emvco.MPM) {
			for i := range 6 {
				m.Unreserved = append(m.Unreserved, emvco.Template{Tag: fmt.Sprint(80 + i), GUID: strings.Repeat("g", 32),
					Fields: []emvco.Field{{ID: "01", Value: strings.Repeat("f", 59)}}})
			}
		}, "", "at most 512"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := meridianOrder()
			c.change(&m)
			got, err := emvco.BuildMPM(m)
			var me *emvco.MPMError
			if !errors.As(err, &me) || me.ID != c.id || !strings.Contains(me.Reason, c.reason) {
				t.Fatalf("BuildMPM = %q, %v; want an MPMError about %q: %q", got, err, c.id, c.reason)
			}
		})
	}
}

func TestBuildMPMDoesNotChangeItsInput(t *testing.T) {
	m := meridianOrder()
	if _, err := emvco.BuildMPM(m); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, meridianOrder()) {
		t.Fatalf("BuildMPM sorted the caller's slices: %+v", m)
	}
}

// randomMPM makes a valid MPM from r, covering every field the type has.
func randomMPM(r *rand.Rand) emvco.MPM {
	text := func(min, max int) string {
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .-*/&"
		b := make([]byte, min+r.IntN(max-min+1))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return strings.TrimSpace(string(b)) + "x"
	}
	fields := func(ids ...int) []emvco.Field {
		var out []emvco.Field
		for _, id := range ids {
			if r.IntN(2) == 0 {
				out = append(out, emvco.Field{ID: fmt.Sprintf("%02d", id), Value: text(0, 9)})
			}
		}
		return out
	}
	m := emvco.MPM{
		MCC: fmt.Sprintf("%04d", r.IntN(10000)), Currency: fmt.Sprintf("%03d", r.IntN(1000)),
		Country:      string([]byte{byte('A' + r.IntN(26)), byte('A' + r.IntN(26))}),
		MerchantName: text(0, 24), MerchantCity: text(0, 14),
	}
	m.PointOfInitiation = []string{"", emvco.PointOfInitiationStatic, emvco.PointOfInitiationDynamic}[r.IntN(3)]
	if r.IntN(2) == 0 {
		m.Amount = emvco.FormatAmount(r.Int64N(1e11), r.IntN(4))
	}
	switch r.IntN(4) {
	case 1:
		m.TipIndicator = emvco.TipPrompt
	case 2:
		m.TipIndicator, m.ConvenienceFeeFixed = emvco.TipConvenienceFeeFixed, emvco.FormatAmount(r.Int64N(10000), 2)
	case 3:
		m.TipIndicator, m.ConvenienceFeePercentage = emvco.TipConvenienceFeePercent, emvco.FormatAmount(1+r.Int64N(9999), 2)
	}
	if r.IntN(2) == 0 {
		m.PostalCode = text(0, 9)
	}
	for _, tag := range r.Perm(50)[:1+r.IntN(3)] {
		a := emvco.MerchantAccount{Tag: fmt.Sprintf("%02d", tag+2)}
		if tag+2 < 26 {
			a.Value = text(0, 20)
		} else {
			a.GUID, a.Fields = text(0, 20), fields(1, 2, 3, 17)
		}
		m.MerchantAccounts = append(m.MerchantAccounts, a)
	}
	m.Additional = fields(1, 5, 7, 8, 11, 50)
	for i := range m.Additional {
		if m.Additional[i].ID == "11" {
			m.Additional[i].Value = "123"
		}
	}
	if r.IntN(2) == 0 {
		m.Language = []emvco.Field{{ID: "00", Value: "TH"}, {ID: "01", Value: "ร้านกาแฟ"}}
	}
	if r.IntN(3) == 0 {
		m.Unreserved = []emvco.Template{{Tag: fmt.Sprint(80 + r.IntN(20)), GUID: text(0, 10), Fields: fields(1, 2)}}
	}
	return m
}

// normalized is m as ParseMPM returns it: lists sorted, empty lists nil.
func normalized(m emvco.MPM) *emvco.MPM {
	byTag := func(a, b emvco.MerchantAccount) int { return strings.Compare(a.Tag, b.Tag) }
	byID := func(a, b emvco.Field) int { return strings.Compare(a.ID, b.ID) }
	fields := func(f []emvco.Field) []emvco.Field {
		if len(f) == 0 {
			return nil
		}
		f = slices.Clone(f)
		slices.SortFunc(f, byID)
		return f
	}
	m.MerchantAccounts = slices.Clone(m.MerchantAccounts)
	slices.SortFunc(m.MerchantAccounts, byTag)
	for i := range m.MerchantAccounts {
		m.MerchantAccounts[i].Fields = fields(m.MerchantAccounts[i].Fields)
	}
	m.Additional, m.Language = fields(m.Additional), fields(m.Language)
	if len(m.Unreserved) == 0 {
		m.Unreserved = nil
	}
	for i := range m.Unreserved {
		m.Unreserved[i].Fields = fields(m.Unreserved[i].Fields)
	}
	return &m
}

func TestBuildThenParseGivesBackTheSameMPM(t *testing.T) {
	r := rand.New(rand.NewPCG(20261122, 1))
	built := 0
	for i := range 2000 {
		m := randomMPM(r)
		payload, err := emvco.BuildMPM(m)
		if errors.Is(err, emvco.ErrTooLong) {
			continue // a random one can exceed 512 characters
		}
		if err != nil {
			t.Fatalf("case %d: BuildMPM(%+v): %v", i, m, err)
		}
		built++
		got, err := emvco.ParseMPM(payload)
		if err != nil {
			t.Fatalf("case %d: ParseMPM(BuildMPM(m)): %v\n%s", i, err, payload)
		}
		if want := normalized(m); !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: round trip\n got %+v\nwant %+v", i, got, want)
		}
	}
	if built < 1900 {
		t.Fatalf("only %d of 2000 random MPMs fit in 512 characters; the generator tests too little", built)
	}
}
