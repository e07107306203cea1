package terminal

import (
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
	return resp
}
