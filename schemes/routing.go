package schemes

import (
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/meridian-gw/meridian/schemes/emvco"
)

// Route claims wallet codes for a scheme: all digits, a length within
// [MinLength, MaxLength], starting with one of Prefixes.
type Route struct {
	Scheme    string   `yaml:"scheme"`
	Prefixes  []string `yaml:"prefixes"`
	MinLength int      `yaml:"min_length"`
	MaxLength int      `yaml:"max_length"`
}

// DefaultRoutes is the default routing table of
// shared/spec/wallet-simulators.md.
func DefaultRoutes() []Route {
	return []Route{
		{Scheme: "ALIPAYPLUS", Prefixes: []string{"25", "26", "27", "28", "29", "30"}, MinLength: 16, MaxLength: 24},
		{Scheme: "KAKAOPAY", Prefixes: []string{"5410"}, MinLength: 20, MaxLength: 20},
		{Scheme: "TRUEMONEY", Prefixes: []string{"5764"}, MinLength: 18, MaxLength: 18},
	}
}

// AIDRoute claims EMVCo consumer-presented QR codes (CPM) for a scheme by
// the application identifier (tag 4F) of the code's first application
// template: the code's AID starts with AID (hex).
type AIDRoute struct {
	Scheme string `yaml:"scheme"`
	AID    string `yaml:"aid"`
}

// DefaultAIDRoutes is the default AID table. The AIDs are proprietary
// (ISO/IEC 7816-5 category F: not registered), one per reference wallet
// simulator, and spell the scheme in ASCII.
func DefaultAIDRoutes() []AIDRoute {
	return []AIDRoute{
		{Scheme: "ALIPAYPLUS", AID: "F0414C495041592B"}, // "ALIPAY+"
		{Scheme: "KAKAOPAY", AID: "F04B414B414F"},       // "KAKAO"
		{Scheme: "TRUEMONEY", AID: "F054525545"},        // "TRUE"
	}
}

// Router picks the scheme of a consumer-presented wallet code. It is
// immutable once built and safe for concurrent use.
type Router struct {
	routes []Route
	aids   []AIDRoute
}

// NewAIDRouter builds a Router for digit codes (routes) and EMVCo CPM codes
// (aids). Entries that are malformed, or that could both claim one code, are
// rejected: a code must never be routable two ways.
func NewAIDRouter(routes []Route, aids []AIDRoute) (*Router, error) {
	r, err := NewRouter(routes)
	if err != nil {
		return nil, err
	}
	norm := make([]AIDRoute, len(aids))
	for i, a := range aids {
		a.AID = strings.ToUpper(a.AID)
		if err := a.validate(); err != nil {
			return nil, fmt.Errorf("AID routing entry %d (%s): %w", i+1, a.Scheme, err)
		}
		for j := range i {
			if strings.HasPrefix(a.AID, norm[j].AID) || strings.HasPrefix(norm[j].AID, a.AID) {
				return nil, fmt.Errorf("AID routing entries %d (%s, %s) and %d (%s, %s): one AID starts with the other, so a code could go either way; make them distinct",
					j+1, norm[j].Scheme, norm[j].AID, i+1, a.Scheme, a.AID)
			}
		}
		norm[i] = a
	}
	r.aids = norm
	return r, nil
}

// NewRouter checks a table of digit routes and builds a Router without AID
// routes. Entries that are malformed, or that could both claim one code, are
// rejected: a code must never be routable two ways.
func NewRouter(routes []Route) (*Router, error) {
	for i, r := range routes {
		if err := r.validate(); err != nil {
			return nil, fmt.Errorf("routing entry %d (%s): %w", i+1, r.Scheme, err)
		}
	}
	for i := range routes {
		for j := i + 1; j < len(routes); j++ {
			if p, ok := overlap(routes[i], routes[j]); ok {
				return nil, fmt.Errorf("routing entries %d (%s) and %d (%s) both claim codes starting %q of the same length; make the prefixes or lengths disjoint",
					i+1, routes[i].Scheme, j+1, routes[j].Scheme, p)
			}
		}
	}
	sorted := append([]Route(nil), routes...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Scheme < sorted[j].Scheme })
	return &Router{routes: sorted}, nil
}

// Route returns the scheme that claims code, or false when none does (or an
// EMVCo code is malformed).
func (r *Router) Route(code string) (string, bool) {
	if !allDigits(code) {
		return r.routeCPM(code)
	}
	for _, rt := range r.routes {
		if len(code) < rt.MinLength || len(code) > rt.MaxLength {
			continue
		}
		for _, p := range rt.Prefixes {
			if strings.HasPrefix(code, p) {
				return rt.Scheme, true
			}
		}
	}
	return "", false
}

// routeCPM routes an EMVCo consumer-presented code by the AID of its first
// application template.
func (r *Router) routeCPM(code string) (string, bool) {
	if len(r.aids) == 0 || !emvco.LooksLikeCPM(code) {
		return "", false
	}
	cpm, err := emvco.ParseCPM(code)
	if err != nil || len(cpm.Applications) == 0 {
		return "", false
	}
	aid := cpm.Applications[0].AIDHex()
	for _, a := range r.aids {
		if strings.HasPrefix(aid, a.AID) {
			return a.Scheme, true
		}
	}
	return "", false
}

// Schemes lists the schemes the table routes to.
func (r *Router) Schemes() []string {
	var out []string
	for _, rt := range r.routes {
		if len(out) == 0 || out[len(out)-1] != rt.Scheme {
			out = append(out, rt.Scheme)
		}
	}
	return out
}

func (r Route) validate() error {
	switch {
	case r.Scheme == "" || strings.ToUpper(r.Scheme) != r.Scheme:
		return fmt.Errorf("scheme id %q must be upper case and not empty", r.Scheme)
	case len(r.Prefixes) == 0:
		return fmt.Errorf("no prefixes")
	case r.MinLength < 1 || r.MaxLength < r.MinLength || r.MaxLength > 512:
		return fmt.Errorf("lengths %d..%d: want 1 <= min_length <= max_length <= 512", r.MinLength, r.MaxLength)
	}
	for _, p := range r.Prefixes {
		if p == "" || !allDigits(p) || len(p) > r.MinLength {
			return fmt.Errorf("prefix %q must be 1 to min_length digits", p)
		}
	}
	return nil
}

func (a AIDRoute) validate() error {
	b, err := hex.DecodeString(a.AID)
	switch {
	case a.Scheme == "" || strings.ToUpper(a.Scheme) != a.Scheme:
		return fmt.Errorf("scheme id %q must be upper case and not empty", a.Scheme)
	case err != nil:
		return fmt.Errorf("aid %q is not hex", a.AID)
	case len(b) < 5 || len(b) > 16:
		return fmt.Errorf("aid %q: %d bytes, want 5 (a RID) to 16", a.AID, len(b))
	}
	return nil
}

// overlap reports a prefix shared by two routes whose length ranges meet.
func overlap(a, b Route) (string, bool) {
	if a.MaxLength < b.MinLength || b.MaxLength < a.MinLength {
		return "", false
	}
	for _, pa := range a.Prefixes {
		for _, pb := range b.Prefixes {
			if strings.HasPrefix(pa, pb) {
				return pa, true
			}
			if strings.HasPrefix(pb, pa) {
				return pb, true
			}
		}
	}
	return "", false
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
