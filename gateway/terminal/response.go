package terminal

import (
	"github.com/meridian-gw/meridian/fx"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// echoed are the data elements a response copies from its request: DE 3, 4,
// 7, 11, 41, 42, 49, and DE 70 for network management.
var echoed = [...]int{3, 4, 7, 11, 41, 42, 49, 70}

// respond builds the response to req with response code rc, echoing the
// elements of echoed that the request carried.
func respond(req *wire.Message, rc string) *wire.Message {
	mti, ok := wire.ResponseMTI(req.MTI)
	if !ok {
		mti = req.MTI
	}
	resp := &wire.Message{
		MTI:              mti,
		ProcessingCode:   req.ProcessingCode,
		Amount:           req.Amount,
		TransmissionTime: req.TransmissionTime,
		STAN:             req.STAN,
		TerminalID:       req.TerminalID,
		MerchantID:       req.MerchantID,
		Currency:         req.Currency,
		NetworkCode:      req.NetworkCode,
		ResponseCode:     rc,
	}
	for _, de := range echoed {
		if req.Has(de) {
			resp.SetPresent(de)
		}
	}
	return resp
}

// attemptResponse answers a purchase, refund or status request with what the
// gateway knows of its attempt.
func attemptResponse(req *wire.Message, a *payment.Attempt, rc string) *wire.Message {
	resp := respond(req, rc)
	resp.RRN = a.RRN
	if rc == wire.RCApproved {
		resp.ApprovalCode = a.ApprovalCode
	}
	if a.WalletBrand != "" {
		resp.PrivateData.Set(wire.TagWalletBrand, a.WalletBrand)
	}
	if a.SchemeTxnID != "" {
		resp.PrivateData.Set(wire.TagSchemeTransactionID, a.SchemeTxnID)
	}
	if rc == wire.RCInProgress && a.Order.Created() {
		resp.PrivateData.Set(wire.TagQRPayload, a.Order.QRPayload)
	}
	if rc == wire.RCApproved && a.Kind == payment.KindPurchase && a.Conversion.Applied() {
		addConversion(resp, a)
	}
	return resp
}

// addConversion shows the customer what the wallet was charged: DE 6 the
// wallet amount, DE 51 its currency, DE 10 the rate applied, and DE 48 tag
// 13 the mark-up over the ECB euro reference rate.
func addConversion(resp *wire.Message, a *payment.Attempt) {
	cur, ok := fx.ByCode(a.WalletAmount.Currency)
	de10, err := a.Conversion.DE10()
	if !ok || err != nil {
		return // the journal holds it; a receipt without it is still true
	}
	resp.WalletAmount = a.WalletAmount.Minor
	resp.SetPresent(6)
	resp.WalletCurrency = cur.Numeric
	resp.ConversionRate = de10
	resp.PrivateData.Set(wire.TagFXMarkup, a.Conversion.MarkupPercent)
}
