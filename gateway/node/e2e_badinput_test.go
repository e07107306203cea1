package node_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/meridian-gw/meridian/gateway/node/internal/e2etest"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// TestBadInput checks that bad requests get a clear answer, that broken
// framing closes only the connection it happened on, and that nothing
// refused reaches the wallet.
func TestBadInput(t *testing.T) {
	t.Parallel()
	h := e2etest.Start(t, e2etest.Options{})

	// refused sends req, wants rc, and checks that no attempt was journaled.
	refused := func(t *testing.T, c *pos.Client, req *wire.Message, rc string) *wire.Message {
		t.Helper()
		resp := e2etest.Do(t, c, req)
		wantRC(t, resp, rc)
		if a, err := h.Store().AttemptByKey(context.Background(), payment.KindPurchase, e2etest.KeyOf(req)); err == nil {
			t.Errorf("the refused request was journaled as a %s purchase", a.State)
		}
		return resp
	}

	t.Run("A purchase from a terminal that is not onboarded is answered 03", func(t *testing.T) {
		t.Parallel()
		stranger := &pos.Terminal{ID: "ZZ000002", MerchantID: e2etest.MerchantID}
		req := stranger.Purchase(amountApproved, h.Code())
		resp := refused(t, h.Dial(t), req, wire.RCInvalidMerchant)
		wantEchoed(t, req, resp, financialEcho...)
	})

	t.Run("A purchase whose DE 42 is not the terminal's merchant is answered 03", func(t *testing.T) {
		t.Parallel()
		term := h.NewTerminal(t)
		term.MerchantID = e2etest.OtherMerchantID
		refused(t, h.Dial(t), term.Purchase(amountApproved, h.Code()), wire.RCInvalidMerchant)
	})

	t.Run("A purchase naming a merchant that does not exist is answered 03", func(t *testing.T) {
		t.Parallel()
		term := h.NewTerminal(t)
		term.MerchantID = "NOSUCHMERCHANT1"
		refused(t, h.Dial(t), term.Purchase(amountApproved, h.Code()), wire.RCInvalidMerchant)
	})

	for _, code := range []struct{ name, code string }{
		{"a code no scheme claims", "9912345678901234"},
		{"an Alipay+ prefix that is too short", "281234567890123"},
		{"a code with letters", "28123456789012AB"},
	} {
		t.Run("A purchase with "+code.name+" is answered 14", func(t *testing.T) {
			t.Parallel()
			h.Remember(code.code)
			refused(t, h.Dial(t), h.NewTerminal(t).Purchase(amountApproved, code.code), wire.RCInvalidWalletCode)
		})
	}

	t.Run("A purchase with a code longer than the 512 characters of the spec is answered 30", func(t *testing.T) {
		t.Parallel()
		code := "28" + strings.Repeat("1", 600)
		h.Remember(code)
		refused(t, h.Dial(t), h.NewTerminal(t).Purchase(amountApproved, code), wire.RCFormatError)
	})

	t.Run("A purchase of zero is answered 13", func(t *testing.T) {
		t.Parallel()
		refused(t, h.Dial(t), h.NewTerminal(t).Purchase(0, h.Code()), wire.RCInvalidAmount)
	})

	t.Run("A purchase in a currency numeric that is not ISO 4217 is answered 30", func(t *testing.T) {
		t.Parallel()
		term := h.NewTerminal(t)
		term.Currency = "999"
		refused(t, h.Dial(t), term.Purchase(amountApproved, h.Code()), wire.RCFormatError)
	})

	t.Run("A purchase in a currency that is not the merchant's is answered 12", func(t *testing.T) {
		t.Parallel()
		term := h.NewTerminal(t)
		term.Currency = "840"
		refused(t, h.Dial(t), term.Purchase(amountApproved, h.Code()), wire.RCInvalidTransaction)
	})

	t.Run("A purchase without DE 48 is answered 30", func(t *testing.T) {
		t.Parallel()
		req := h.NewTerminal(t).Purchase(amountApproved, h.Code())
		req.Unset(48)
		refused(t, h.Dial(t), req, wire.RCFormatError)
	})

	t.Run("A purchase whose DE 48 lacks tag 01 is answered 30", func(t *testing.T) {
		t.Parallel()
		req := h.NewTerminal(t).Purchase(amountApproved, h.Code())
		req.PrivateData = wire.PrivateData{{Tag: wire.TagSchemeWanted, Value: "ALIPAYPLUS"}}
		refused(t, h.Dial(t), req, wire.RCFormatError)
	})

	t.Run("A purchase with an empty tag 01 is answered 30", func(t *testing.T) {
		t.Parallel()
		refused(t, h.Dial(t), h.NewTerminal(t).Purchase(amountApproved, ""), wire.RCFormatError)
	})

	t.Run("A purchase without DE 12 is answered 30", func(t *testing.T) {
		t.Parallel()
		req := h.NewTerminal(t).Purchase(amountApproved, h.Code())
		req.Unset(12)
		refused(t, h.Dial(t), req, wire.RCFormatError)
	})

	t.Run("A merchant-presented QR (DE 22 821) for a scheme the merchant does not take is answered 57", func(t *testing.T) {
		t.Parallel()
		req := h.NewTerminal(t).OrderPurchase(amountApproved, "GCASH")
		refused(t, h.Dial(t), req, wire.RCSchemeNotEnabled)
	})

	t.Run("A purchase with an entry mode the spec does not have is answered 12", func(t *testing.T) {
		t.Parallel()
		req := h.NewTerminal(t).Purchase(amountApproved, h.Code())
		req.EntryMode = "051"
		refused(t, h.Dial(t), req, wire.RCInvalidTransaction)
	})

	t.Run("A 0200 with an unsupported processing code is answered 12", func(t *testing.T) {
		t.Parallel()
		req := h.NewTerminal(t).Purchase(amountApproved, h.Code())
		req.ProcessingCode = "010000"
		resp := refused(t, h.Dial(t), req, wire.RCInvalidTransaction)
		wantEchoed(t, req, resp, financialEcho...)
	})

	t.Run("A 0200 without DE 3 is answered 30", func(t *testing.T) {
		t.Parallel()
		req := h.NewTerminal(t).Purchase(amountApproved, h.Code())
		req.Unset(3)
		refused(t, h.Dial(t), req, wire.RCFormatError)
	})

	t.Run("A 0100 with a processing code other than 300000 is answered 12", func(t *testing.T) {
		t.Parallel()
		req := h.NewTerminal(t).Status("000000000001")
		req.ProcessingCode = wire.ProcessingPurchase
		refused(t, h.Dial(t), req, wire.RCInvalidTransaction)
	})

	t.Run("A message with a non-digit in DE 4 but readable DE 11 and 41 is answered 30", func(t *testing.T) {
		t.Parallel()
		c := h.DialRaw(t)
		term := h.NewTerminal(t)
		req := term.Purchase(1234, h.Code())
		raw := encode(t, req)
		// MTI (4) + primary bitmap (16) + DE 3 (6): DE 4 is the next 12 bytes.
		const de4 = 4 + 16 + 6
		if got := string(raw[de4 : de4+12]); got != "000000001234" {
			t.Fatalf("DE 4 is not where expected: %q", got)
		}
		raw[de4+8] = 'X'
		c.Write(t, frame(raw))
		resp := readAnswer(t, c, req)
		wantRC(t, resp, wire.RCFormatError)
		wantEchoed(t, req, resp, 3, 7, 11, 41, 42, 49)
		if resp.Has(4) {
			t.Errorf("the answer echoes an unreadable DE 4 as %d", resp.Amount)
		}
		if _, err := h.Store().AttemptByKey(context.Background(), payment.KindPurchase, e2etest.KeyOf(req)); err == nil {
			t.Errorf("the malformed purchase was journaled")
		}
		// The connection is still in step.
		echo := term.Network(wire.NetworkEcho)
		c.Write(t, frame(encode(t, echo)))
		wantRC(t, readAnswer(t, c, echo), wire.RCApproved)
	})

	t.Run("A message whose DE 48 breaks the TLV format is answered 30", func(t *testing.T) {
		t.Parallel()
		c := h.DialRaw(t)
		code := h.Code()
		req := h.NewTerminal(t).Purchase(amountApproved, code)
		raw := encode(t, req)
		tlv := []byte(fmt.Sprintf("01%03d%s", len(code), code))
		i := bytes.Index(raw, tlv)
		if i < 0 {
			t.Fatal("tag 01 not found in the encoded message")
		}
		copy(raw[i+2:], "099") // announces more than DE 48 holds
		c.Write(t, frame(raw))
		wantRC(t, readAnswer(t, c, req), wire.RCFormatError)
	})

	t.Run("An empty frame is ignored and the connection keeps working", func(t *testing.T) {
		t.Parallel()
		c := h.Dial(t)
		if err := c.SendRaw([]byte{0, 0, 0, 0}); err != nil {
			t.Fatal(err)
		}
		term := h.NewTerminal(t)
		wantRC(t, e2etest.Do(t, c, term.Network(wire.NetworkEcho)), wire.RCApproved)
		approvedPurchase(t, h, term, c, amountApproved)
	})

	t.Run("A response MTI sent by a terminal is ignored and the connection keeps working", func(t *testing.T) {
		t.Parallel()
		c := h.Dial(t)
		term := h.NewTerminal(t)
		stray := term.Network(wire.NetworkEcho)
		stray.MTI = wire.MTINetworkResponse
		stray.ResponseCode = wire.RCApproved
		if err := c.Send(encode(t, stray)); err != nil {
			t.Fatal(err)
		}
		wantRC(t, e2etest.Do(t, c, term.Network(wire.NetworkEcho)), wire.RCApproved)
	})

	t.Run("A request MTI the interface does not use is answered 12", func(t *testing.T) {
		t.Parallel()
		c := h.DialRaw(t)
		req := h.NewTerminal(t).Purchase(amountApproved, h.Code())
		req.MTI = "0300"
		c.Write(t, frame(encode(t, req)))
		resp := readAnswer(t, c, req)
		if resp.MTI != "0310" {
			t.Errorf("an 0300 was answered with MTI %s, want 0310", resp.MTI)
		}
		wantRC(t, resp, wire.RCInvalidTransaction)
	})

	closers := []struct {
		name string
		raw  []byte
	}{
		{"Garbage that frames but has no readable MTI closes its connection",
			frame([]byte("this is not an ISO 8583 message at all"))},
		{"A message with a bitmap that is not hex closes its connection",
			frame([]byte("0200ZZZZZZZZZZZZZZZZ000000"))},
		{"A message cut short before DE 11 closes its connection",
			frame([]byte("0200" + "3020000000000000" + "000000" + "000000001234"))},
		{"A message announcing a data element the interface does not have closes its connection",
			frame([]byte("02004000000000000000" + "1234567890123456"))},
		{"A frame header of 0xFFFF closes its connection",
			[]byte{0xFF, 0xFF, 'x'}},
		{"A frame header one byte above the 8192-byte limit closes its connection",
			[]byte{0x20, 0x01}},
	}
	for _, cl := range closers {
		t.Run(cl.name+" while other connections keep working", func(t *testing.T) {
			t.Parallel()
			bystander := h.Dial(t)
			term := h.NewTerminal(t)
			wantRC(t, e2etest.Do(t, bystander, term.Network(wire.NetworkEcho)), wire.RCApproved)
			victim := h.Dial(t)
			if err := victim.SendRaw(cl.raw); err != nil {
				t.Fatal(err)
			}
			e2etest.Eventually(t, "the host closes the connection", func() bool {
				select {
				case <-victim.Done():
					return true
				default:
					return false
				}
			})
			approvedPurchase(t, h, term, bystander, amountApproved)
			approvedPurchase(t, h, term, h.Dial(t), amountApproved)
		})
	}
}

// encode returns the wire bytes of m.
func encode(t *testing.T, m *wire.Message) []byte {
	t.Helper()
	b, err := wire.Encode(m)
	if err != nil {
		t.Fatalf("encode %s: %v", m.MTI, err)
	}
	return b
}

// frame puts the 2-byte length header before a message.
func frame(message []byte) []byte {
	b, err := wire.AppendFrame(nil, message)
	if err != nil {
		panic(err)
	}
	return b
}

// readAnswer reads the next frame of c, which must answer req.
func readAnswer(t *testing.T, c *e2etest.RawConn, req *wire.Message) *wire.Message {
	t.Helper()
	resp, err := c.Read()
	if err != nil {
		t.Fatalf("no answer to %s STAN %s: %v", req.MTI, req.STAN, err)
	}
	if resp.STAN != req.STAN || resp.TerminalID != req.TerminalID {
		t.Fatalf("the answer is for %s STAN %s, want %s STAN %s", resp.TerminalID, resp.STAN, req.TerminalID, req.STAN)
	}
	return resp
}
