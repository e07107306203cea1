package fx_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/meridian-gw/meridian/fx"
)

// currencyCount pins the size of the table: ISO 4217 List One of
// 2026-01-01 has 178 codes, of which 23 (funds, metals, units of account,
// XTS, XXX) are left out on purpose. Change it together with the table.
const currencyCount = 155

func TestTableHasEveryActiveCurrency(t *testing.T) {
	if got := len(fx.All()); got != currencyCount {
		t.Fatalf("len(All()) = %d, want %d", got, currencyCount)
	}
}

// The exponents and numeric codes that are easy to get wrong, and the ones
// the gateway sees most.
func TestKnownCurrencies(t *testing.T) {
	tests := []struct {
		code     string
		numeric  string
		exponent int
	}{
		// Zero-decimal currencies.
		{"JPY", "392", 0},
		{"KRW", "410", 0},
		{"CLP", "152", 0},
		{"ISK", "352", 0},
		{"VND", "704", 0},
		{"XAF", "950", 0},
		{"XOF", "952", 0},
		{"PYG", "600", 0},
		{"UGX", "800", 0},
		{"KMF", "174", 0},
		{"RWF", "646", 0},
		{"DJF", "262", 0},
		{"GNF", "324", 0},
		{"VUV", "548", 0},
		{"XPF", "953", 0},
		{"BIF", "108", 0},
		// Three-decimal currencies.
		{"BHD", "048", 3},
		{"IQD", "368", 3},
		{"JOD", "400", 3},
		{"KWD", "414", 3},
		{"LYD", "434", 3},
		{"OMR", "512", 3},
		{"TND", "788", 3},
		// Two-decimal currencies the gateway handles every day.
		{"EUR", "978", 2},
		{"CNY", "156", 2},
		{"THB", "764", 2},
		{"HKD", "344", 2},
		{"SGD", "702", 2},
		{"MYR", "458", 2},
		{"PHP", "608", 2},
		{"IDR", "360", 2},
		{"GBP", "826", 2},
		{"CHF", "756", 2},
		{"SEK", "752", 2},
		{"DKK", "208", 2},
		{"NOK", "578", 2},
		{"PLN", "985", 2},
		{"CZK", "203", 2},
		{"HUF", "348", 2},
		{"USD", "840", 2},
		// Codes that replaced withdrawn ones.
		{"SLE", "925", 2},
		{"VES", "928", 2},
		{"VED", "926", 2},
		{"ZWG", "924", 2},
		{"STN", "930", 2},
		{"MRU", "929", 2},
		{"XCG", "532", 2},
		// Leading zeros in the numeric code are part of it.
		{"ALL", "008", 2},
		{"DZD", "012", 2},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			byCode, ok := fx.ByCode(tt.code)
			if !ok {
				t.Fatalf("ByCode(%q) reports absent", tt.code)
			}
			if byCode.Code != tt.code || byCode.Numeric != tt.numeric || byCode.Exponent != tt.exponent {
				t.Errorf("ByCode(%q) = %+v, want numeric %s, exponent %d", tt.code, byCode, tt.numeric, tt.exponent)
			}
			byNumeric, ok := fx.ByNumeric(tt.numeric)
			if !ok {
				t.Fatalf("ByNumeric(%q) reports absent", tt.numeric)
			}
			if byNumeric != byCode {
				t.Errorf("ByNumeric(%q) = %+v, want %+v", tt.numeric, byNumeric, byCode)
			}
		})
	}
}

func TestEveryRowIsWellFormedAndUnique(t *testing.T) {
	all := fx.All()
	codes := make(map[string]bool, len(all))
	numerics := make(map[string]string, len(all))
	for i, c := range all {
		if !isThree(c.Code, 'A', 'Z') {
			t.Errorf("row %d: code %q is not three upper-case letters", i, c.Code)
		}
		if !isThree(c.Numeric, '0', '9') {
			t.Errorf("%s: numeric %q is not three digits", c.Code, c.Numeric)
		}
		if c.Exponent != 0 && c.Exponent != 2 && c.Exponent != 3 {
			t.Errorf("%s: exponent %d, want 0, 2 or 3", c.Code, c.Exponent)
		}
		if c.Name == "" || strings.TrimSpace(c.Name) != c.Name {
			t.Errorf("%s: name %q is empty or padded", c.Code, c.Name)
		}
		if codes[c.Code] {
			t.Errorf("code %s appears twice", c.Code)
		}
		codes[c.Code] = true
		if other, seen := numerics[c.Numeric]; seen {
			t.Errorf("numeric %s belongs to both %s and %s", c.Numeric, other, c.Code)
		}
		numerics[c.Numeric] = c.Code
	}
	if !slices.IsSortedFunc(all, func(a, b fx.Currency) int { return strings.Compare(a.Code, b.Code) }) {
		t.Error("All() is not sorted by code")
	}
}

// Every row is reachable by both its codes, and both lookups agree.
func TestLookupsAgreeForEveryRow(t *testing.T) {
	for _, want := range fx.All() {
		if got, ok := fx.ByCode(want.Code); !ok || got != want {
			t.Errorf("ByCode(%q) = %+v, %t; want %+v", want.Code, got, ok, want)
		}
		if got, ok := fx.ByNumeric(want.Numeric); !ok || got != want {
			t.Errorf("ByNumeric(%q) = %+v, %t; want %+v", want.Numeric, got, ok, want)
		}
	}
}

func TestWithdrawnCurrenciesAreAbsent(t *testing.T) {
	withdrawn := []struct{ code, numeric string }{
		{"HRK", "191"}, // Croatia, euro since 2023
		{"SLL", "694"}, // Sierra Leone, replaced by SLE
		{"ZWL", "932"}, // Zimbabwe, replaced by ZWG
		{"MRO", "478"}, // Mauritania, replaced by MRU
		{"STD", "678"}, // São Tomé, replaced by STN
		{"VEF", "937"}, // Venezuela, replaced by VES
		{"LTL", "440"}, // Lithuania, euro since 2015
		{"LVL", "428"}, // Latvia, euro since 2014
		{"EEK", "233"}, // Estonia, euro since 2011
		{"BGN", "975"}, // Bulgaria, euro since 2026
		{"CUC", "931"}, // Cuba, convertible peso withdrawn
		{"BYR", "974"}, // Belarus, replaced by BYN
		{"ZMK", "894"}, // Zambia, replaced by ZMW
		{"ANG", ""},    // Curaçao and Sint Maarten; 532 now belongs to XCG
	}
	for _, w := range withdrawn {
		if c, ok := fx.ByCode(w.code); ok {
			t.Errorf("ByCode(%q) = %+v, want absent", w.code, c)
		}
		if w.numeric == "" {
			continue
		}
		if c, ok := fx.ByNumeric(w.numeric); ok {
			t.Errorf("ByNumeric(%q) (was %s) = %+v, want absent", w.numeric, w.code, c)
		}
	}
}

// Funds, metals, units of account and the testing codes are left out on
// purpose: nothing is paid in them.
func TestNonPaymentCodesAreAbsent(t *testing.T) {
	excluded := []struct{ code, numeric string }{
		{"BOV", "984"}, {"CHE", "947"}, {"CHW", "948"}, {"CLF", "990"},
		{"COU", "970"}, {"MXV", "979"}, {"USN", "997"}, {"UYI", "940"},
		{"UYW", "927"}, {"XAG", "961"}, {"XAU", "959"}, {"XPD", "964"},
		{"XPT", "962"}, {"XAD", "396"}, {"XBA", "955"}, {"XBB", "956"},
		{"XBC", "957"}, {"XBD", "958"}, {"XDR", "960"}, {"XSU", "994"},
		{"XUA", "965"}, {"XTS", "963"}, {"XXX", "999"},
	}
	for _, e := range excluded {
		if c, ok := fx.ByCode(e.code); ok {
			t.Errorf("ByCode(%q) = %+v, want absent", e.code, c)
		}
		if c, ok := fx.ByNumeric(e.numeric); ok {
			t.Errorf("ByNumeric(%q) (%s) = %+v, want absent", e.numeric, e.code, c)
		}
	}
}

func TestMalformedCodesAreRejected(t *testing.T) {
	alphas := []string{
		"", " EUR", "EUR ", "eur", "Eur", "EU", "EURO", "E R", "E1R",
		"EUR\x00", "\x00UR", "ÉUR", "ＥＵＲ", "978",
	}
	for _, alpha := range alphas {
		if c, ok := fx.ByCode(alpha); ok {
			t.Errorf("ByCode(%q) = %+v, want false", alpha, c)
		}
	}
	numerics := []string{
		"", "97", "9780", " 978", "978 ", "97a", "-97", "+97", "9 8",
		"0x3", "٩٧٨", "EUR", "8", "08",
	}
	for _, numeric := range numerics {
		if c, ok := fx.ByNumeric(numeric); ok {
			t.Errorf("ByNumeric(%q) = %+v, want false", numeric, c)
		}
	}
}

// Well-formed codes that ISO has not assigned (or this table leaves out).
func TestUnknownCodesAreAbsent(t *testing.T) {
	for _, alpha := range []string{"AAA", "ZZZ", "QQQ"} {
		if c, ok := fx.ByCode(alpha); ok {
			t.Errorf("ByCode(%q) = %+v, want absent", alpha, c)
		}
	}
	for _, numeric := range []string{"000", "001", "123", "998"} {
		if c, ok := fx.ByNumeric(numeric); ok {
			t.Errorf("ByNumeric(%q) = %+v, want absent", numeric, c)
		}
	}
}

func TestAllReturnsACopy(t *testing.T) {
	first := fx.All()
	for i := range first {
		first[i] = fx.Currency{Code: "XXX", Numeric: "999", Exponent: 7, Name: "changed"}
	}
	if eur, ok := fx.ByCode("EUR"); !ok || eur.Exponent != 2 || eur.Numeric != "978" {
		t.Errorf("after changing All()'s result, ByCode(EUR) = %+v, %t", eur, ok)
	}
	if again := fx.All(); again[0].Code == "XXX" || len(again) != currencyCount {
		t.Errorf("All() shares memory with an earlier result: first row %+v", again[0])
	}
}

func TestLookupsDoNotAllocate(t *testing.T) {
	// Inputs live in variables so the compiler cannot fold the calls away.
	inputs := []string{"EUR", "KRW", "ZZZ", "eur", "978", "410", "999", "97", ""}
	for _, in := range inputs {
		if n := testing.AllocsPerRun(100, func() { fx.ByCode(in) }); n != 0 {
			t.Errorf("ByCode(%q) allocates %v times per call", in, n)
		}
		if n := testing.AllocsPerRun(100, func() { fx.ByNumeric(in) }); n != 0 {
			t.Errorf("ByNumeric(%q) allocates %v times per call", in, n)
		}
	}
}

// BenchmarkByNumeric measures the lookup ISO 8583 field 49 needs on every
// purchase. Run: go test -run '^$' -bench . -benchmem ./fx/
func BenchmarkByNumeric(b *testing.B) {
	codes := []string{"978", "410", "392", "840", "764", "999"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		fx.ByNumeric(codes[i%len(codes)])
		i++
	}
}

func BenchmarkByCode(b *testing.B) {
	codes := []string{"EUR", "KRW", "JPY", "USD", "THB", "XXX"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		fx.ByCode(codes[i%len(codes)])
		i++
	}
}

func ExampleByNumeric() {
	krw, ok := fx.ByNumeric("410")
	fmt.Println(krw.Code, krw.Exponent, ok)
	_, ok = fx.ByNumeric("97")
	fmt.Println(ok)
	// Output:
	// KRW 0 true
	// false
}

func isThree(s string, low, high byte) bool {
	if len(s) != 3 {
		return false
	}
	for i := range 3 {
		if s[i] < low || s[i] > high {
			return false
		}
	}
	return true
}
