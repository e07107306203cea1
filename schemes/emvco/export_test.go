package emvco

import "errors"

// DecodeTLV exposes the BER-TLV decoder to the tests of its limits.
var DecodeTLV = decodeTLV

// TLVErrorAt returns where and why the decoder refused its input.
func TLVErrorAt(err error) (offset int, reason string, ok bool) {
	var te *tlvError
	if !errors.As(err, &te) {
		return 0, "", false
	}
	return te.offset, te.reason, true
}
