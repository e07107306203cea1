package sim

import (
	"cmp"
	"strings"

	"github.com/meridian-gw/meridian/schemes/emvco"
	"github.com/meridian-gw/meridian/schemes/simkit"
	"github.com/meridian-gw/meridian/schemes/truemoney"
)

// Lengths and fallbacks of the payload's merchant data objects.
const (
	qrNameMax       = 25
	qrCityMax       = 15
	qrLabelMax      = 25
	qrDefaultMCC    = "5999" // miscellaneous retail
	qrDefaultName   = "MERCHANT"
	qrDefaultCity   = "BANGKOK"
	qrDefaultRegion = "TH"
)

// orderQR builds the Thai QR of order p: TrueMoney's merchant account
// template with the order token and the partner's external_ref_id, the
// amount in THB, the merchant from md, and the order's transaction id as
// reference label. emvco.BuildMPM checks what it writes.
func orderQR(p *simkit.Payment, md truemoney.Metadata) (string, error) {
	m := emvco.MPM{
		PointOfInitiation: emvco.PointOfInitiationDynamic,
		MerchantAccounts: []emvco.MerchantAccount{{
			Tag:  truemoney.QRAccountTag,
			GUID: truemoney.QRGUID,
			Fields: []emvco.Field{
				{ID: truemoney.QRTokenField, Value: p.OrderToken},
				{ID: truemoney.QRExternalRefField, Value: p.RequestID},
			},
		}},
		MCC:          qrMCC(md.MCC),
		Currency:     truemoney.QRCurrencyNumeric,
		Amount:       emvco.FormatAmount(p.MinorUnits, 2),
		Country:      qrCountry(md.Country),
		MerchantName: qrText(cmp.Or(md.MerchantName, md.MerchantID), qrNameMax, qrDefaultName),
		MerchantCity: qrText(md.City, qrCityMax, qrDefaultCity),
	}
	if len(p.WalletTxnID) <= qrLabelMax {
		m.Additional = append(m.Additional, emvco.Field{ID: "05", Value: p.WalletTxnID})
	}
	if label := qrText(md.TerminalID, qrLabelMax, ""); label != "" {
		m.Additional = append(m.Additional, emvco.Field{ID: "07", Value: label})
	}
	return emvco.BuildMPM(m)
}

// decodeScan finds the order a scanned payload names: a valid MPM with
// TrueMoney's template and an order token.
func decodeScan(qr string) (simkit.ScanCommand, bool) {
	mpm, err := emvco.ParseMPM(qr)
	if err != nil {
		return simkit.ScanCommand{}, false
	}
	account, ok := truemoney.QRAccount(mpm)
	if !ok {
		return simkit.ScanCommand{}, false
	}
	var token string
	for _, f := range account.Fields {
		if f.ID == truemoney.QRTokenField {
			token = f.Value
		}
	}
	if token == "" {
		return simkit.ScanCommand{}, false
	}
	return simkit.ScanCommand{Token: token, WalletBrand: WalletBrand, CustomerID: customerID("scan:" + token)}, true
}

func qrMCC(mcc string) string {
	if len(mcc) == 4 && allDigits(mcc) {
		return mcc
	}
	return qrDefaultMCC
}

func qrCountry(country string) string {
	if len(country) == 2 && isUpper(country[0]) && isUpper(country[1]) {
		return country
	}
	return qrDefaultRegion
}

func isUpper(c byte) bool {
	return c >= 'A' && c <= 'Z'
}

// latinFold spells the accented Latin letters of European merchant names
// in ASCII, which is all an MPM's merchant name and city may hold.
var latinFold = map[rune]string{
	'À': "A", 'Á': "A", 'Â': "A", 'Ã': "A", 'Ä': "A", 'Å': "A", 'Æ': "AE", 'Ç': "C",
	'È': "E", 'É': "E", 'Ê': "E", 'Ë': "E", 'Ì': "I", 'Í': "I", 'Î': "I", 'Ï': "I",
	'Ñ': "N", 'Ò': "O", 'Ó': "O", 'Ô': "O", 'Õ': "O", 'Ö': "O", 'Ø': "O", 'Œ': "OE",
	'Ù': "U", 'Ú': "U", 'Û': "U", 'Ü': "U", 'Ý': "Y", 'ß': "ss",
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'æ': "ae", 'ç': "c",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ì': "i", 'í': "i", 'î': "i", 'ï': "i",
	'ñ': "n", 'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'œ': "oe",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ý': "y", 'ÿ': "y",
	'Ł': "L", 'ł': "l", 'Š': "S", 'š': "s", 'Ž': "Z", 'ž': "z", 'Č': "C", 'č': "c",
	'Ř': "R", 'ř': "r", 'Ś': "S", 'ś': "s", 'Ź': "Z", 'ź': "z", 'Ż': "Z", 'ż': "z",
	'Ą': "A", 'ą': "a", 'Ę': "E", 'ę': "e", 'Ń': "N", 'ń': "n", 'Ő': "O", 'ő': "o", 'Ű': "U", 'ű': "u",
}

// qrText is s as printable ASCII of at most max characters: accented
// letters folded, anything else outside ASCII dropped, spaces trimmed;
// fallback when nothing is left.
func qrText(s string, max int, fallback string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 0x20 && r <= 0x7E:
			b.WriteRune(r)
		case latinFold[r] != "":
			b.WriteString(latinFold[r])
		}
	}
	out := strings.TrimSpace(b.String())
	if len(out) > max {
		out = strings.TrimSpace(out[:max])
	}
	if out == "" {
		return fallback
	}
	return out
}
