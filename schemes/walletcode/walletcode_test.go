package walletcode_test

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// cpm builds an EMVCo consumer-presented code whose applications have the
// AIDs given (hex), each with a label and the PAN 5410998877665544.
func cpm(t *testing.T, aids ...string) string {
	t.Helper()
	tlv := func(tag byte, value []byte) []byte { return append([]byte{tag, byte(len(value))}, value...) }
	data := tlv(0x85, []byte("CPV01"))
	for _, aid := range aids {
		id, err := hex.DecodeString(aid)
		if err != nil {
			t.Fatal(err)
		}
		app := append(tlv(0x4F, id), tlv(0x50, []byte("TEST"))...)
		app = append(app, tlv(0x5A, []byte{0x54, 0x10, 0x99, 0x88, 0x77, 0x66, 0x55, 0x44})...)
		data = append(data, tlv(0x61, app)...)
	}
	return base64.StdEncoding.EncodeToString(data)
}

func TestMaskShowsAtMostTheFirstAndLastFourCharacters(t *testing.T) {
	cases := []struct{ name, code, want string }{
		{"An 18-digit code shows its ends around a fixed middle.", "281234567890123456", "2812****3456"},
		{"A 24-digit code is masked to the same length as an 18-digit one.", "300000000000000000001234", "3000****1234"},
		{"A 16-character code, the shortest shown, shows its ends.", "5410123456789012", "5410****9012"},
		{"A 15-character code is masked entirely.", "541012345678901", "****"},
		{"An 8-character code is masked entirely.", "12345678", "****"},
		{"An empty code is masked.", "", "****"},
		{"A 512-character code that is not a CPM shows its ends only.", strings.Repeat("A", 512), "AAAA****AAAA"},
		{"Characters beyond ASCII are cut whole.", "ééééxxxxxxxxxxxxàààà", "éééé****àààà"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := walletcode.Mask(c.code)
			if got != c.want {
				t.Fatalf("Mask(%q) = %q, want %q", c.code, got, c.want)
			}
			if !utf8.ValidString(got) {
				t.Fatalf("Mask(%q) = %q, not valid UTF-8", c.code, got)
			}
		})
	}
}

func TestMaskShowsAConsumerPresentedCodeByItsAIDsOnly(t *testing.T) {
	code := cpm(t, "F0414C495041592B", "A0000000041010")
	got := walletcode.Mask(code)
	if got != "CPV01:F0414C495041592B,A0000000041010:…" {
		t.Fatalf("Mask(CPM) = %q", got)
	}
	if strings.Contains(got, code[:4]) || strings.Contains(got, code[len(code)-4:]) || strings.Contains(got, "5410998877665544") {
		t.Fatalf("Mask(CPM) = %q shows part of the payload or the PAN", got)
	}
	t.Run("A code that looks consumer-presented but does not parse is shown by its length only.", func(t *testing.T) {
		broken := code[:24]
		if got := walletcode.Mask(broken); got != "invalid CPM of 24 characters" {
			t.Fatalf("Mask(truncated CPM) = %q", got)
		}
	})
}

func TestScrubMasksLongDigitRunsAndKeepsShortNumbers(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"A code in a message is masked, an MCC is kept.", "code 281234567890123456 rejected, MCC 5812", "code 2812****3456 rejected, MCC 5812"},
		{"A run of 12 digits is masked entirely.", "ref 123456789012.", "ref ****."},
		{"A run of 11 digits is kept.", "ref 12345678901", "ref 12345678901"},
		{"A code at the start and at the end is masked.", "5410123456789012345-5764123456789012345", "5410****2345-5764****2345"},
		{"Text without digits is unchanged.", "잔액이 부족합니다.", "잔액이 부족합니다."},
		{"Empty text stays empty.", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := walletcode.Scrub(c.text); got != c.want {
				t.Fatalf("Scrub(%q) = %q, want %q", c.text, got, c.want)
			}
		})
	}
}

func TestFirstAIDReadsTheFirstApplicationOfAConsumerPresentedCode(t *testing.T) {
	t.Run("The first of two applications is the one read, in upper-case hex.", func(t *testing.T) {
		aid, ok := walletcode.FirstAID(cpm(t, "f054525545", "F04B414B414F"))
		if !ok || aid != "F054525545" {
			t.Fatalf("FirstAID = %q, %v; want F054525545, true", aid, ok)
		}
	})
	notCPM := map[string]string{
		"A digits code has no AID.":             "281234567890123456",
		"An empty code has no AID.":             "",
		"Base64 that is not a CPM has no AID.":  "SGVsbG8gd29ybGQ=",
		"A truncated CPM has no AID.":           cpm(t, "F04B414B414F")[:16],
		"A CPM with no application has no AID.": cpm(t),
	}
	for name, code := range notCPM {
		t.Run(name, func(t *testing.T) {
			if aid, ok := walletcode.FirstAID(code); ok || aid != "" {
				t.Fatalf("FirstAID(%q) = %q, %v; want no AID", code, aid, ok)
			}
		})
	}
}
