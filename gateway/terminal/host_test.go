package terminal

import (
	"context"
	"strings"
	"testing"

	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// These cases are refused before the engine is asked anything, so a Host
// without an engine answers them; the engine's answers are covered end to
// end in gateway/node.
func TestHostRefusesIncompleteOrUnsupportedRequests(t *testing.T) {
	term := &pos.Terminal{ID: "TERM0001", MerchantID: "MERCHANT0000001"}
	without := func(m *wire.Message, de int) *wire.Message { m.Unset(de); return m }
	withMTI := func(m *wire.Message, mti string) *wire.Message { m.MTI = mti; return m }
	for _, tc := range []struct {
		name    string
		req     *wire.Message
		wantMTI string
		wantRC  string
	}{
		{"an 0800 without DE 70 is a format error", without(term.Network(wire.NetworkEcho), 70), "0810", wire.RCFormatError},
		{"an 0800 without DE 7 is a format error", without(term.Network(wire.NetworkEcho), 7), "0810", wire.RCFormatError},
		{"a purchase without DE 49 is a format error", without(term.Purchase(1250, "281012345678901234"), 49), "0210", wire.RCFormatError},
		{"a purchase without DE 48 is a format error", without(term.Purchase(1250, "281012345678901234"), 48), "0210", wire.RCFormatError},
		{"a purchase without DE 22 is a format error", without(term.Purchase(1250, "281012345678901234"), 22), "0210", wire.RCFormatError},
		{"a purchase without DE 12 is a format error", without(term.Purchase(1250, "281012345678901234"), 12), "0210", wire.RCFormatError},
		{"a repeat purchase without DE 42 is a format error", without(withMTI(term.Purchase(1250, "281012345678901234"), "0201"), 42), "0210", wire.RCFormatError},
		{"a refund without DE 48 is a format error", without(term.Refund("000000000001", 100), 48), "0210", wire.RCFormatError},
		{"a refund without DE 4 is a format error", without(term.Refund("000000000001", 100), 4), "0210", wire.RCFormatError},
		{"a status inquiry without DE 48 is a format error", without(term.Status("000000000001"), 48), "0110", wire.RCFormatError},
		{"a status inquiry with a purchase processing code is invalid", func() *wire.Message {
			m := term.Status("000000000001")
			m.ProcessingCode = wire.ProcessingPurchase
			return m
		}(), "0110", wire.RCInvalidTransaction},
		{"a reversal without DE 90 is a format error", without(term.ReversalOf("0200", "000001", "1122160000", "", 100, false), 90), "0410", wire.RCFormatError},
		{"a reversal advice without DE 49 is a format error", without(term.ReversalOf("0200", "000001", "1122160000", "", 100, true), 49), "0430", wire.RCFormatError},
		{"a purchase with an unknown processing code is invalid", func() *wire.Message {
			m := term.Purchase(1250, "281012345678901234")
			m.ProcessingCode = "010000"
			return m
		}(), "0210", wire.RCInvalidTransaction},
		{"a merchant-presented purchase (DE 22 821) without DE 49 is a format error", func() *wire.Message {
			m := without(term.Purchase(1250, ""), 49)
			m.EntryMode = wire.EntryModeMerchantPresented
			m.PrivateData = nil
			return m
		}(), "0210", wire.RCFormatError},
		{"a merchant-presented purchase asking for an overlong scheme id is a format error", func() *wire.Message {
			m := term.Purchase(1250, "")
			m.EntryMode = wire.EntryModeMerchantPresented
			m.PrivateData = wire.PrivateData{{Tag: wire.TagSchemeWanted, Value: strings.Repeat("X", 40)}}
			return m
		}(), "0210", wire.RCFormatError},
		{"a purchase with another entry mode is invalid", func() *wire.Message {
			m := term.Purchase(1250, "281012345678901234")
			m.EntryMode = "051"
			return m
		}(), "0210", wire.RCInvalidTransaction},
		{"a purchase whose wallet code tag is empty is a format error", func() *wire.Message {
			m := term.Purchase(1250, "281012345678901234")
			m.PrivateData = wire.PrivateData{{Tag: wire.TagSchemeWanted, Value: "ALIPAYPLUS"}}
			return m
		}(), "0210", wire.RCFormatError},
		{"a purchase in a currency that is not ISO 4217 is a format error", func() *wire.Message {
			m := term.Purchase(1250, "281012345678901234")
			m.Currency = "999"
			return m
		}(), "0210", wire.RCFormatError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &Host{}
			resp := h.ServeISO(context.Background(), tc.req)
			if resp == nil {
				t.Fatal("no response")
			}
			if resp.MTI != tc.wantMTI || resp.ResponseCode != tc.wantRC {
				t.Fatalf("answer %s RC %s, want %s RC %s", resp.MTI, resp.ResponseCode, tc.wantMTI, tc.wantRC)
			}
			for _, de := range []int{3, 4, 7, 11, 41, 42, 49} {
				if tc.req.Has(de) != resp.Has(de) {
					t.Errorf("DE %d present in request %v, in response %v: responses echo it", de, tc.req.Has(de), resp.Has(de))
				}
			}
			if resp.STAN != tc.req.STAN || resp.TerminalID != tc.req.TerminalID || resp.TransmissionTime != tc.req.TransmissionTime ||
				resp.ProcessingCode != tc.req.ProcessingCode || resp.Amount != tc.req.Amount || resp.MerchantID != tc.req.MerchantID || resp.Currency != tc.req.Currency {
				t.Errorf("response %v does not echo request %v", resp, tc.req)
			}
		})
	}
}

func TestHostIgnoresMessagesThatAreNotRequests(t *testing.T) {
	h := &Host{}
	m := (&pos.Terminal{ID: "TERM0001"}).Network(wire.NetworkEcho)
	m.MTI = "0810"
	if resp := h.ServeISO(context.Background(), m); resp != nil {
		t.Errorf("a response sent to the host was answered: %v", resp)
	}
}
