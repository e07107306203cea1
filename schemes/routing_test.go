package schemes

import (
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
