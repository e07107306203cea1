package terminal

import (
	"context"
	"log/slog"
	"strings"
	"sync"

	"github.com/meridian-gw/meridian/fx"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// Required fields per request, from the interface's message table.
var (
	requiredNetwork  = []int{7, 11, 41, 70}
	requiredPurchase = []int{3, 4, 7, 11, 12, 13, 22, 25, 41, 42, 48, 49}
	requiredMPM      = []int{3, 4, 7, 11, 12, 13, 22, 25, 41, 42, 49}
	requiredStatus   = []int{3, 7, 11, 41, 42, 48}
	requiredRefund   = []int{3, 4, 7, 11, 41, 42, 48, 49}
	requiredReversal = []int{3, 4, 7, 11, 41, 42, 49, 90}
)

// Host answers terminal requests with the payment engine. It implements
// Handler.
type Host struct {
	Engine *payment.Engine
	// RequireSignOn answers financial requests of a terminal that has not
	// signed on (0800 / 001) since the host started with RC 03.
	RequireSignOn bool
	Logger        *slog.Logger

	signedOn sync.Map // terminal id → struct{}
}

var _ Handler = (*Host)(nil)

// ServeISO implements Handler.
func (h *Host) ServeISO(ctx context.Context, req *wire.Message) *wire.Message {
	switch req.MTI {
	case "0800", "0801":
		return h.network(ctx, req)
	case "0200", "0201":
		return h.financial(ctx, req)
	case "0100", "0101":
		if !has(req, requiredStatus...) {
			return respond(req, wire.RCFormatError)
		}
		if req.ProcessingCode != wire.ProcessingStatusInquiry {
			return respond(req, wire.RCInvalidTransaction)
		}
		return h.status(ctx, req)
	case "0400", "0401", "0420", "0421":
		return h.reversal(ctx, req)
	}
	// A request class the interface does not use: answered 12 when it has a
	// response MTI, dropped (and logged) when it is not a request at all.
	if _, ok := wire.ResponseMTI(req.MTI); ok {
		return respond(req, wire.RCInvalidTransaction)
	}
	h.logger().Info("terminal: ignored a message that is not a request", "mti", req.MTI, "terminal", req.TerminalID)
	return nil
}

func (h *Host) network(ctx context.Context, req *wire.Message) *wire.Message {
	if !has(req, requiredNetwork...) {
		return respond(req, wire.RCFormatError)
	}
	if err := h.Engine.TerminalKnown(ctx, req.TerminalID); err != nil {
		return respond(req, rcForError(err))
	}
	switch req.NetworkCode {
	case wire.NetworkSignOn:
		h.signedOn.Store(req.TerminalID, struct{}{})
	case wire.NetworkSignOff:
		h.signedOn.Delete(req.TerminalID)
	case wire.NetworkEcho:
	default:
		return respond(req, wire.RCInvalidTransaction)
	}
	return respond(req, wire.RCApproved)
}

func (h *Host) financial(ctx context.Context, req *wire.Message) *wire.Message {
	switch req.ProcessingCode {
	case wire.ProcessingPurchase:
		if req.EntryMode == wire.EntryModeMerchantPresented {
			if !has(req, requiredMPM...) {
				return respond(req, wire.RCFormatError)
			}
			return h.order(ctx, req)
		}
		if !has(req, requiredPurchase...) {
			return respond(req, wire.RCFormatError)
		}
		if req.EntryMode != wire.EntryModeConsumerPresented {
			return respond(req, wire.RCInvalidTransaction)
		}
		return h.purchase(ctx, req)
	case wire.ProcessingRefund:
		if !has(req, requiredRefund...) {
			return respond(req, wire.RCFormatError)
		}
		return h.refund(ctx, req)
	case "":
		return respond(req, wire.RCFormatError)
	}
	return respond(req, wire.RCInvalidTransaction)
}

func (h *Host) purchase(ctx context.Context, req *wire.Message) *wire.Message {
	amount, code, rc := h.money(req)
	if rc != "" {
		return respond(req, rc)
	}
	walletCode, ok := req.PrivateData.Get(wire.TagWalletCode)
	if !ok || walletCode == "" || len(walletCode) > wire.MaxWalletCodeLength {
		return respond(req, wire.RCFormatError)
	}
	if rc := h.signOnCheck(req); rc != "" {
		return respond(req, rc)
	}
	a, err := h.Engine.Purchase(ctx, payment.PurchaseRequest{
		Key:        keyOf(req),
		MerchantID: req.MerchantID,
		Amount:     payment.Money{Minor: amount, Currency: code},
		Code:       walletCode,
	})
	if err != nil {
		return h.refused(req, err)
	}
	return attemptResponse(req, a, rcForAttempt(a))
}

// order answers a merchant-presented purchase: RC 09 with the QR to show
// in DE 48 tag 03 and the RRN (DE 37) the terminal polls with (0100).
func (h *Host) order(ctx context.Context, req *wire.Message) *wire.Message {
	amount, code, rc := h.money(req)
	if rc != "" {
		return respond(req, rc)
	}
	scheme, _ := req.PrivateData.Get(wire.TagSchemeWanted)
	if len(scheme) > maxSchemeID {
		return respond(req, wire.RCFormatError)
	}
	if rc := h.signOnCheck(req); rc != "" {
		return respond(req, rc)
	}
	a, err := h.Engine.Order(ctx, payment.OrderRequest{
		Key:        keyOf(req),
		MerchantID: req.MerchantID,
		Amount:     payment.Money{Minor: amount, Currency: code},
		Scheme:     strings.ToUpper(strings.TrimSpace(scheme)),
	})
	if err != nil {
		return h.refused(req, err)
	}
	return attemptResponse(req, a, rcForStatus(a))
}

// maxSchemeID bounds DE 48 tag 04: scheme ids are short upper-case names.
const maxSchemeID = 32

func (h *Host) refund(ctx context.Context, req *wire.Message) *wire.Message {
	amount, code, rc := h.money(req)
	if rc != "" {
		return respond(req, rc)
	}
	rrn, rc := originalRRN(req)
	if rc != "" {
		return respond(req, rc)
	}
	if rc := h.signOnCheck(req); rc != "" {
		return respond(req, rc)
	}
	a, err := h.Engine.Refund(ctx, payment.RefundRequest{
		Key:         keyOf(req),
		MerchantID:  req.MerchantID,
		OriginalRRN: rrn,
		Amount:      payment.Money{Minor: amount, Currency: code},
	})
	if err != nil {
		return h.refused(req, err)
	}
	return attemptResponse(req, a, rcForAttempt(a))
}

func (h *Host) status(ctx context.Context, req *wire.Message) *wire.Message {
	rrn, rc := originalRRN(req)
	if rc != "" {
		return respond(req, rc)
	}
	if rc := h.signOnCheck(req); rc != "" {
		return respond(req, rc)
	}
	a, err := h.Engine.Status(ctx, req.MerchantID, req.TerminalID, rrn)
	if err != nil {
		return h.refused(req, err)
	}
	return attemptResponse(req, a, rcForStatus(a))
}

func (h *Host) reversal(ctx context.Context, req *wire.Message) *wire.Message {
	if !has(req, requiredReversal...) {
		return respond(req, wire.RCFormatError)
	}
	amount, code, rc := h.money(req)
	if rc != "" {
		return respond(req, rc)
	}
	orig := req.OriginalData
	if rc := h.signOnCheck(req); rc != "" {
		return respond(req, rc)
	}
	_, err := h.Engine.Reverse(ctx, payment.ReversalRequest{
		Key:        keyOf(req),
		MerchantID: req.MerchantID,
		Original:   payment.TerminalKey{TerminalID: req.TerminalID, STAN: orig.STAN, TransmissionTime: orig.TransmissionTime},
		Amount:     payment.Money{Minor: amount, Currency: code},
	})
	if err != nil {
		return h.refused(req, err)
	}
	return respond(req, wire.RCApproved)
}

// money reads DE 4 and DE 49; a currency that is not ISO 4217 is a format
// error.
func (h *Host) money(req *wire.Message) (int64, string, string) {
	c, ok := fx.ByNumeric(req.Currency)
	if !ok {
		return 0, "", wire.RCFormatError
	}
	return req.Amount, c.Code, ""
}

func (h *Host) signOnCheck(req *wire.Message) string {
	if !h.RequireSignOn {
		return ""
	}
	if _, ok := h.signedOn.Load(req.TerminalID); !ok {
		return wire.RCInvalidMerchant
	}
	return ""
}

func (h *Host) refused(req *wire.Message, err error) *wire.Message {
	rc := rcForError(err)
	if rc == wire.RCSystemMalfunction || rc == wire.RCSchemeUnavailable {
		h.logger().Error("terminal: request failed", "mti", req.MTI, "terminal", req.TerminalID, "stan", req.STAN, "rc", rc, "err", err)
	}
	return respond(req, rc)
}

func (h *Host) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

func originalRRN(req *wire.Message) (string, string) {
	rrn, ok := req.PrivateData.Get(wire.TagOriginalRRN)
	if !ok || rrn == "" || len(rrn) > 12 {
		return "", wire.RCFormatError
	}
	return rrn, ""
}

func keyOf(req *wire.Message) payment.TerminalKey {
	return payment.TerminalKey{TerminalID: req.TerminalID, STAN: req.STAN, TransmissionTime: req.TransmissionTime}
}

func has(req *wire.Message, fields ...int) bool {
	for _, f := range fields {
		if !req.Has(f) {
			return false
		}
	}
	return true
}
