// Package emvco parses and validates EMVCo QR payment payloads:
// consumer-presented (CPM) codes that terminals scan from a customer's
// wallet, and merchant-presented (MPM) payloads that terminals display.
//
// Consumer-presented codes (EMV QRCPS Consumer-Presented Mode v1.x) reach the
// gateway as base64 text in DE 48 tag 01. ParseCPM decodes the base64, reads
// the BER-TLV inside with this package's own bounded decoder (tlv.go: never a
// panic, every length checked against what remains, at most 4 levels and 64
// data objects), and checks the structure the spec requires: the Payload
// Format Indicator '85' = "CPV01" first, one or more Application Templates
// '61' each with its ADF Name '4F' (the AID the gateway routes by), and an
// optional Common Data Template '62'. LooksLikeCPM is the cheap test the
// router runs before that; MaskCPM is what may be logged of a code.
//
// A CPM carries the customer's account number (tag '5A' or the track 2
// equivalent data '57'), so nothing this package returns or prints shows it:
// errors name tags, lengths and offsets but never quote a value, and the
// String and LogValue methods of CPM, Application and TLV mask it.
//
// Merchant-presented payloads (EMV QRCPS Merchant-Presented Mode v1.1) are
// ID-length-value text ending in a CRC-16/CCITT-FALSE (crc.go). BuildMPM
// writes one from an MPM and checks it by parsing it back; ParseMPM reads one
// strictly: the Payload Format Indicator first, the CRC last and correct,
// every mandatory data object present once, every value in its format. As
// the spec says, a length counts characters, not bytes: the Merchant
// Information — Language Template '64' may hold UTF-8 text.
//
// Amounts in an MPM are decimal text ("12.50"); FormatAmount and ParseAmount
// convert them exactly to and from integer minor units (amount.go).
//
//	cpm, err := emvco.ParseCPM(code) // code from DE 48 tag 01
//	if err != nil { ... }            // RC 14, and log emvco.MaskCPM(code)
//	scheme := aidTable[cpm.Applications[0].AIDHex()]
//
//	qr, err := emvco.BuildMPM(emvco.MPM{
//		PointOfInitiation: emvco.PointOfInitiationDynamic,
//		MerchantAccounts: []emvco.MerchantAccount{{Tag: "26", GUID: "com.example.wallet",
//			Fields: []emvco.Field{{ID: "01", Value: "M-1234"}}}},
//		MCC: "5812", Currency: "978", Amount: emvco.FormatAmount(1250, 2),
//		Country: "DE", MerchantName: "Cafe Anna", MerchantCity: "Berlin",
//	})
package emvco
