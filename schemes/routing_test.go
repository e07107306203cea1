package schemes

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func TestDefaultRoutesFollowTheSimulatorSpec(t *testing.T) {
	r, err := NewRouter(DefaultRoutes())
	if err != nil {
		t.Fatalf("NewRouter(DefaultRoutes()) = %v", err)
	}
	for _, tc := range []struct {
		code, scheme string
	}{
		{"281012345678901234", "ALIPAYPLUS"},
		{"2500000000000000", "ALIPAYPLUS"},         // 16 digits, lowest prefix
		{"300000000000000000000000", "ALIPAYPLUS"}, // 24 digits, highest prefix
		{"25000000000000000000000000", ""},         // 26 digits: too long
		{"250000000000000", ""},                    // 15 digits: too short
		{"3100000000000000", ""},                   // prefix 31
		{"2400000000000000", ""},                   // prefix 24
		{"54100000000000000000", "KAKAOPAY"},
		{"5410000000000000000", ""}, // 19 digits
		{"576400000000000000", "TRUEMONEY"},
		{"5764000000000000000", ""},
		{"28101234567890123x", ""},
		{"", ""},
		{"hQVDUFYwMWEaTwegAAAAAQEBUAg=", ""},
	} {
		got, ok := r.Route(tc.code)
		if got != tc.scheme || ok != (tc.scheme != "") {
			t.Errorf("Route(%q) = %q, %v; want %q", tc.code, got, ok, tc.scheme)
		}
	}
}

func TestNewRouterRejectsAmbiguousOrMalformedTables(t *testing.T) {
	for _, tc := range []struct {
		name   string
		routes []Route
		want   string
	}{
		{"a prefix of one entry starts another's, lengths overlapping",
			[]Route{{Scheme: "A", Prefixes: []string{"54"}, MinLength: 18, MaxLength: 20}, {Scheme: "B", Prefixes: []string{"5410"}, MinLength: 20, MaxLength: 20}},
			"both claim"},
		{"the same prefix twice", []Route{{Scheme: "A", Prefixes: []string{"1"}, MinLength: 5, MaxLength: 5}, {Scheme: "B", Prefixes: []string{"1"}, MinLength: 5, MaxLength: 5}}, "both claim"},
		{"lower-case scheme", []Route{{Scheme: "alipay", Prefixes: []string{"1"}, MinLength: 5, MaxLength: 5}}, "upper case"},
		{"no prefixes", []Route{{Scheme: "A", MinLength: 5, MaxLength: 5}}, "no prefixes"},
		{"non-digit prefix", []Route{{Scheme: "A", Prefixes: []string{"1a"}, MinLength: 5, MaxLength: 5}}, "prefix"},
		{"min above max", []Route{{Scheme: "A", Prefixes: []string{"1"}, MinLength: 6, MaxLength: 5}}, "lengths"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewRouter(tc.routes)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewRouter() error = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	// Same prefix, disjoint lengths, is fine.
	if _, err := NewRouter([]Route{{Scheme: "A", Prefixes: []string{"1"}, MinLength: 5, MaxLength: 6}, {Scheme: "B", Prefixes: []string{"1"}, MinLength: 7, MaxLength: 8}}); err != nil {
		t.Errorf("disjoint lengths rejected: %v", err)
	}
}

// cpmCode builds an EMVCo consumer-presented code whose first application
// has aid (hex).
func cpmCode(t *testing.T, aid string) string {
	t.Helper()
	id, err := hex.DecodeString(aid)
	if err != nil {
		t.Fatal(err)
	}
	app := append([]byte{0x4F, byte(len(id))}, id...)
	app = append(app, 0x50, 0x04, 'T', 'E', 'S', 'T')
	data := append([]byte{0x85, 0x05}, "CPV01"...)
	data = append(data, 0x61, byte(len(app)))
	data = append(data, app...)
	return base64.StdEncoding.EncodeToString(data)
}

func TestAIDRouting(t *testing.T) {
	r, err := NewAIDRouter(DefaultRoutes(), DefaultAIDRoutes())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, code, want string
	}{
		{"a KakaoPay AID routes to KAKAOPAY", cpmCode(t, "F04B414B414F"), "KAKAOPAY"},
		{"a longer AID under the TrueMoney RID routes to TRUEMONEY", cpmCode(t, "F0545255450101"), "TRUEMONEY"},
		{"an AID no entry claims routes nowhere", cpmCode(t, "A0000000031010"), ""},
		{"base64 that is not a CPM routes nowhere", "SGVsbG8gd29ybGQ=", ""},
		{"a truncated CPM routes nowhere", cpmCode(t, "F04B414B414F")[:12], ""},
		{"digit codes still route by prefix", "281012345678901234", "ALIPAYPLUS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := r.Route(tc.code)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("Route = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
	if _, err := NewAIDRouter(nil, []AIDRoute{{Scheme: "A", AID: "F0010203"}}); err == nil || !strings.Contains(err.Error(), "5 (a RID) to 16") {
		t.Errorf("a 4-byte AID: err = %v, want the length named", err)
	}
}
