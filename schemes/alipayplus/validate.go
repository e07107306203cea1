package alipayplus

import (
	"github.com/meridian-gw/meridian/schemes/contract"
	"github.com/meridian-gw/meridian/schemes/emvco"
)

// limits are Alipay+'s bounds on the contract's requests: paymentRequestId
// and refundRequestId, which the idempotency keys become, take at most 64
// characters.
var limits = contract.Limits{KeyLengthMax: 64}

// maxCodeLength bounds a payment code sent to the wallet. Alipay+ codes are
// at most 24 digits and an EMVCo consumer-presented code at most
// emvco.PayloadLengthMax characters; anything longer is not a code and is
// refused without a call, so no wallet ever sees it.
const maxCodeLength = emvco.PayloadLengthMax
