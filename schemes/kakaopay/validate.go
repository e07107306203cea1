package kakaopay

import (
	"github.com/meridian-gw/meridian/schemes/contract"
	"github.com/meridian-gw/meridian/schemes/emvco"
)

// maxIDLength is KakaoPay's limit on partner_order_id and partner_user_id;
// the gateway's idempotency keys become partner_order_ids, refund keys
// become cancel payloads (at most 200 characters) and merchant ids become
// partner_user_ids, so all of them are held to it, and so is the CID.
const maxIDLength = 100

// limits are KakaoPay's bounds on the contract's requests.
var limits = contract.Limits{KeyLengthMax: maxIDLength, MerchantIDLengthMax: maxIDLength}

// maxCodeLength bounds a barcode sent to KakaoPay. KakaoPay barcodes are 20
// digits and an EMVCo consumer-presented code at most
// emvco.PayloadLengthMax characters; anything longer is not a code and is
// refused without a call, so KakaoPay never sees it.
const maxCodeLength = emvco.PayloadLengthMax
