package pos

import (
	"fmt"
	"sync"
	"time"

	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// Terminal builds the requests of one POS terminal, numbering them with its
// STAN counter.
type Terminal struct {
	ID         string // DE 41
	MerchantID string // DE 42
	// Currency is DE 49, ISO 4217 numeric; default "978" (EUR).
	Currency string
	// Now stamps DE 7, 12 and 13; default time.Now.
	Now func() time.Time

	mu   sync.Mutex // guards stan
	stan int
}

// SetSTAN sets the STAN the next request gets (1 to 999999).
func (t *Terminal) SetSTAN(stan int) {
	t.mu.Lock()
	t.stan = stan - 1
	t.mu.Unlock()
}

// NextSTAN returns the next STAN, six digits, wrapping after 999999.
func (t *Terminal) NextSTAN() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stan = t.stan%999999 + 1
	return fmt.Sprintf("%06d", t.stan)
}

func (t *Terminal) base(mti string) *wire.Message {
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	ts := now().UTC()
	return &wire.Message{
		MTI:              mti,
		TransmissionTime: ts.Format("0102150405"),
		STAN:             t.NextSTAN(),
		TerminalID:       t.ID,
	}
}

func (t *Terminal) financial(mti, proc string, amount int64) *wire.Message {
	m := t.base(mti)
	local := time.Now()
	if t.Now != nil {
		local = t.Now()
	}
	m.ProcessingCode = proc
	m.Amount = amount
	m.SetPresent(4)
	m.LocalTime = local.Format("150405")
	m.LocalDate = local.Format("0102")
	m.ConditionCode = wire.ConditionCodeNormal
	m.MerchantID = t.MerchantID
	m.Currency = t.currency()
	return m
}

func (t *Terminal) currency() string {
	if t.Currency == "" {
		return "978"
	}
	return t.Currency
}

// Network builds an 0800: code is wire.NetworkSignOn, NetworkSignOff or
// NetworkEcho.
func (t *Terminal) Network(code string) *wire.Message {
	m := t.base(wire.MTINetworkRequest)
	m.NetworkCode = code
	return m
}

// Purchase builds an 0200 consumer-presented purchase of amount minor units
// with a scanned wallet code.
func (t *Terminal) Purchase(amount int64, code string) *wire.Message {
	m := t.financial(wire.MTIFinancialRequest, wire.ProcessingPurchase, amount)
	m.EntryMode = wire.EntryModeConsumerPresented
	m.PrivateData.Set(wire.TagWalletCode, code)
	return m
}

// OrderPurchase builds an 0200 merchant-presented purchase (DE 22 821) of
// amount minor units: the host answers 09 with a QR for the customer to
// scan. scheme (DE 48 tag 04) may be empty to let the host choose.
func (t *Terminal) OrderPurchase(amount int64, scheme string) *wire.Message {
	m := t.financial(wire.MTIFinancialRequest, wire.ProcessingPurchase, amount)
	m.EntryMode = wire.EntryModeMerchantPresented
	if scheme != "" {
		m.PrivateData.Set(wire.TagSchemeWanted, scheme)
	}
	return m
}

// Refund builds an 0200 refund of amount minor units of the purchase with
// RRN rrn.
func (t *Terminal) Refund(rrn string, amount int64) *wire.Message {
	m := t.financial(wire.MTIFinancialRequest, wire.ProcessingRefund, amount)
	m.PrivateData.Set(wire.TagOriginalRRN, rrn)
	return m
}

// Status builds an 0100 status inquiry about the purchase with RRN rrn.
func (t *Terminal) Status(rrn string) *wire.Message {
	m := t.base(wire.MTIStatusRequest)
	m.ProcessingCode = wire.ProcessingStatusInquiry
	m.MerchantID = t.MerchantID
	m.PrivateData.Set(wire.TagOriginalRRN, rrn)
	return m
}

// Reversal builds an 0400 (or, with advice, an 0420) reversing orig, a
// request this terminal sent.
func (t *Terminal) Reversal(orig *wire.Message, advice bool) *wire.Message {
	return t.ReversalOf(orig.MTI, orig.STAN, orig.TransmissionTime, orig.ProcessingCode, orig.Amount, advice)
}

// ReversalOf builds a reversal of the request identified by its MTI, STAN
// and DE 7.
func (t *Terminal) ReversalOf(mti, stan, transmissionTime, proc string, amount int64, advice bool) *wire.Message {
	rmti := wire.MTIReversalRequest
	if advice {
		rmti = wire.MTIReversalAdvice
	}
	if proc == "" {
		proc = wire.ProcessingPurchase
	}
	m := t.financial(rmti, proc, amount)
	m.LocalTime, m.LocalDate = "", ""
	m.Unset(12)
	m.Unset(13)
	m.ConditionCode = ""
	m.Unset(25)
	m.OriginalData = wire.OriginalData{MTI: mti, STAN: stan, TransmissionTime: transmissionTime}
	return m
}

// Repeat returns a copy of req as its repeat: 0200 → 0201, 0400 → 0401,
// 0420 → 0421, same STAN and content.
func Repeat(req *wire.Message) *wire.Message {
	c := *req
	c.PrivateData = append(wire.PrivateData(nil), req.PrivateData...)
	b := []byte(c.MTI)
	b[3] = '1'
	c.MTI = string(b)
	return &c
}
