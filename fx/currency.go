package fx

import "slices"

// Currency is one ISO 4217 currency.
type Currency struct {
	// Code is the alphabetic code, three upper-case ASCII letters: "EUR".
	Code string
	// Numeric is the numeric code, three ASCII digits with leading zeros
	// kept: "978", "008". ISO 8583 field 49 carries this form.
	Numeric string
	// Exponent is the number of minor-unit digits: 2 for EUR (cents),
	// 0 for JPY, 3 for KWD. An amount of n minor units is n / 10^Exponent
	// major units.
	Exponent int
	// Name is the English currency name as ISO 4217 spells it: "Yen",
	// "Pound Sterling", "Bolívar Soberano".
	Name string
}

// currencies is ISO 4217 List One ("current currency and funds") as
// published on 2026-01-01, sorted by Code, one row per currency. That
// edition already has XCG in place of ANG (2025-03), no CUC (withdrawn), no
// ZWL (2024-09, replaced by ZWG) and EUR in place of Bulgaria's BGN
// (2026-01).
//
// It lists only what a payment can be denominated in. These List One
// entries are left out on purpose, so a lookup of them fails as for any
// unknown code:
//   - fund codes, which are units of account or settlement variants of a
//     currency rather than money a cardholder pays with: BOV, CHE, CHW, CLF,
//     COU, MXV, USN, UYI, UYW;
//   - precious metals: XAG, XAU, XPD, XPT;
//   - supranational units of account: XAD, XBA, XBB, XBC, XBD, XDR, XSU, XUA;
//   - XTS (reserved for testing) and XXX (no currency involved).
//
// When ISO publishes an amendment, edit the rows here and the count pinned
// in currency_test.go; init checks the table's shape at start-up.
var currencies = [...]Currency{
	// Code, Numeric, Exponent, Name
	{"AED", "784", 2, "UAE Dirham"},
	{"AFN", "971", 2, "Afghani"},
	{"ALL", "008", 2, "Lek"},
	{"AMD", "051", 2, "Armenian Dram"},
	{"AOA", "973", 2, "Kwanza"},
	{"ARS", "032", 2, "Argentine Peso"},
	{"AUD", "036", 2, "Australian Dollar"},
	{"AWG", "533", 2, "Aruban Florin"},
	{"AZN", "944", 2, "Azerbaijan Manat"},
	{"BAM", "977", 2, "Convertible Mark"},
	{"BBD", "052", 2, "Barbados Dollar"},
	{"BDT", "050", 2, "Taka"},
	{"BHD", "048", 3, "Bahraini Dinar"},
	{"BIF", "108", 0, "Burundi Franc"},
	{"BMD", "060", 2, "Bermudian Dollar"},
	{"BND", "096", 2, "Brunei Dollar"},
	{"BOB", "068", 2, "Boliviano"},
	{"BRL", "986", 2, "Brazilian Real"},
	{"BSD", "044", 2, "Bahamian Dollar"},
	{"BTN", "064", 2, "Ngultrum"},
	{"BWP", "072", 2, "Pula"},
	{"BYN", "933", 2, "Belarusian Ruble"},
	{"BZD", "084", 2, "Belize Dollar"},
	{"CAD", "124", 2, "Canadian Dollar"},
	{"CDF", "976", 2, "Congolese Franc"},
	{"CHF", "756", 2, "Swiss Franc"},
	{"CLP", "152", 0, "Chilean Peso"},
	{"CNY", "156", 2, "Yuan Renminbi"},
	{"COP", "170", 2, "Colombian Peso"},
	{"CRC", "188", 2, "Costa Rican Colon"},
	{"CUP", "192", 2, "Cuban Peso"},
	{"CVE", "132", 2, "Cabo Verde Escudo"},
	{"CZK", "203", 2, "Czech Koruna"},
	{"DJF", "262", 0, "Djibouti Franc"},
	{"DKK", "208", 2, "Danish Krone"},
	{"DOP", "214", 2, "Dominican Peso"},
	{"DZD", "012", 2, "Algerian Dinar"},
	{"EGP", "818", 2, "Egyptian Pound"},
	{"ERN", "232", 2, "Nakfa"},
	{"ETB", "230", 2, "Ethiopian Birr"},
	{"EUR", "978", 2, "Euro"},
	{"FJD", "242", 2, "Fiji Dollar"},
	{"FKP", "238", 2, "Falkland Islands Pound"},
	{"GBP", "826", 2, "Pound Sterling"},
	{"GEL", "981", 2, "Lari"},
	{"GHS", "936", 2, "Ghana Cedi"},
	{"GIP", "292", 2, "Gibraltar Pound"},
	{"GMD", "270", 2, "Dalasi"},
	{"GNF", "324", 0, "Guinean Franc"},
	{"GTQ", "320", 2, "Quetzal"},
	{"GYD", "328", 2, "Guyana Dollar"},
	{"HKD", "344", 2, "Hong Kong Dollar"},
	{"HNL", "340", 2, "Lempira"},
	{"HTG", "332", 2, "Gourde"},
	{"HUF", "348", 2, "Forint"},
	{"IDR", "360", 2, "Rupiah"},
	{"ILS", "376", 2, "New Israeli Sheqel"},
	{"INR", "356", 2, "Indian Rupee"},
	{"IQD", "368", 3, "Iraqi Dinar"},
	{"IRR", "364", 2, "Iranian Rial"},
	{"ISK", "352", 0, "Iceland Krona"},
	{"JMD", "388", 2, "Jamaican Dollar"},
	{"JOD", "400", 3, "Jordanian Dinar"},
	{"JPY", "392", 0, "Yen"},
	{"KES", "404", 2, "Kenyan Shilling"},
	{"KGS", "417", 2, "Som"},
	{"KHR", "116", 2, "Riel"},
	{"KMF", "174", 0, "Comorian Franc"},
	{"KPW", "408", 2, "North Korean Won"},
	{"KRW", "410", 0, "Won"},
	{"KWD", "414", 3, "Kuwaiti Dinar"},
	{"KYD", "136", 2, "Cayman Islands Dollar"},
	{"KZT", "398", 2, "Tenge"},
	{"LAK", "418", 2, "Lao Kip"},
	{"LBP", "422", 2, "Lebanese Pound"},
	{"LKR", "144", 2, "Sri Lanka Rupee"},
	{"LRD", "430", 2, "Liberian Dollar"},
	{"LSL", "426", 2, "Loti"},
	{"LYD", "434", 3, "Libyan Dinar"},
	{"MAD", "504", 2, "Moroccan Dirham"},
	{"MDL", "498", 2, "Moldovan Leu"},
	{"MGA", "969", 2, "Malagasy Ariary"},
	{"MKD", "807", 2, "Denar"},
	{"MMK", "104", 2, "Kyat"},
	{"MNT", "496", 2, "Tugrik"},
	{"MOP", "446", 2, "Pataca"},
	{"MRU", "929", 2, "Ouguiya"},
	{"MUR", "480", 2, "Mauritius Rupee"},
	{"MVR", "462", 2, "Rufiyaa"},
	{"MWK", "454", 2, "Malawi Kwacha"},
	{"MXN", "484", 2, "Mexican Peso"},
	{"MYR", "458", 2, "Malaysian Ringgit"},
	{"MZN", "943", 2, "Mozambique Metical"},
	{"NAD", "516", 2, "Namibia Dollar"},
	{"NGN", "566", 2, "Naira"},
	{"NIO", "558", 2, "Cordoba Oro"},
	{"NOK", "578", 2, "Norwegian Krone"},
	{"NPR", "524", 2, "Nepalese Rupee"},
	{"NZD", "554", 2, "New Zealand Dollar"},
	{"OMR", "512", 3, "Rial Omani"},
	{"PAB", "590", 2, "Balboa"},
	{"PEN", "604", 2, "Sol"},
	{"PGK", "598", 2, "Kina"},
	{"PHP", "608", 2, "Philippine Peso"},
	{"PKR", "586", 2, "Pakistan Rupee"},
	{"PLN", "985", 2, "Zloty"},
	{"PYG", "600", 0, "Guarani"},
	{"QAR", "634", 2, "Qatari Rial"},
	{"RON", "946", 2, "Romanian Leu"},
	{"RSD", "941", 2, "Serbian Dinar"},
	{"RUB", "643", 2, "Russian Ruble"},
	{"RWF", "646", 0, "Rwanda Franc"},
	{"SAR", "682", 2, "Saudi Riyal"},
	{"SBD", "090", 2, "Solomon Islands Dollar"},
	{"SCR", "690", 2, "Seychelles Rupee"},
	{"SDG", "938", 2, "Sudanese Pound"},
	{"SEK", "752", 2, "Swedish Krona"},
	{"SGD", "702", 2, "Singapore Dollar"},
	{"SHP", "654", 2, "Saint Helena Pound"},
	{"SLE", "925", 2, "Leone"},
	{"SOS", "706", 2, "Somali Shilling"},
	{"SRD", "968", 2, "Surinam Dollar"},
	{"SSP", "728", 2, "South Sudanese Pound"},
	{"STN", "930", 2, "Dobra"},
	{"SVC", "222", 2, "El Salvador Colon"},
	{"SYP", "760", 2, "Syrian Pound"},
	{"SZL", "748", 2, "Lilangeni"},
	{"THB", "764", 2, "Baht"},
	{"TJS", "972", 2, "Somoni"},
	{"TMT", "934", 2, "Turkmenistan New Manat"},
	{"TND", "788", 3, "Tunisian Dinar"},
	{"TOP", "776", 2, "Pa’anga"},
	{"TRY", "949", 2, "Turkish Lira"},
	{"TTD", "780", 2, "Trinidad and Tobago Dollar"},
	{"TWD", "901", 2, "New Taiwan Dollar"},
	{"TZS", "834", 2, "Tanzanian Shilling"},
	{"UAH", "980", 2, "Hryvnia"},
	{"UGX", "800", 0, "Uganda Shilling"},
	{"USD", "840", 2, "US Dollar"},
	{"UYU", "858", 2, "Peso Uruguayo"},
	{"UZS", "860", 2, "Uzbekistan Sum"},
	{"VED", "926", 2, "Bolívar Soberano"},
	{"VES", "928", 2, "Bolívar Soberano"},
	{"VND", "704", 0, "Dong"},
	{"VUV", "548", 0, "Vatu"},
	{"WST", "882", 2, "Tala"},
	{"XAF", "950", 0, "CFA Franc BEAC"},
	{"XCD", "951", 2, "East Caribbean Dollar"},
	{"XCG", "532", 2, "Caribbean Guilder"},
	{"XOF", "952", 0, "CFA Franc BCEAO"},
	{"XPF", "953", 0, "CFP Franc"},
	{"YER", "886", 2, "Yemeni Rial"},
	{"ZAR", "710", 2, "Rand"},
	{"ZMW", "967", 2, "Zambian Kwacha"},
	{"ZWG", "924", 2, "Zimbabwe Gold"},
}

// The indexes hold a position in currencies plus one, so that zero means
// absent. uint8 is enough while the table has at most 255 rows; the constant
// below stops the build if it ever grows past that.
const _ = uint8(len(currencies))

var (
	// byAlpha is indexed by alphaKey of a Code: 26^3 entries.
	byAlpha [26 * 26 * 26]uint8
	// byNumeric is indexed by numericKey of a Numeric: 10^3 entries.
	byNumeric [1000]uint8
)

// init builds the lookup indexes and checks the table's invariants. A
// mistake in the table (a duplicate code, a malformed code, an exponent
// out of range, rows out of order) would put wrong amounts on the wire, so
// it stops the process at start-up instead of surfacing in a payment.
func init() {
	for i, c := range currencies {
		alpha, ok := alphaKey(c.Code)
		if !ok {
			panic("fx: malformed alphabetic code " + c.Code)
		}
		numeric, ok := numericKey(c.Numeric)
		if !ok {
			panic("fx: malformed numeric code " + c.Numeric + " for " + c.Code)
		}
		if c.Exponent < 0 || c.Exponent > 3 || c.Name == "" {
			panic("fx: bad exponent or empty name for " + c.Code)
		}
		if i > 0 && currencies[i-1].Code >= c.Code {
			panic("fx: table not sorted by code at " + c.Code)
		}
		if byNumeric[numeric] != 0 {
			panic("fx: duplicate numeric code " + c.Numeric)
		}
		byAlpha[alpha] = uint8(i + 1)
		byNumeric[numeric] = uint8(i + 1)
	}
}

// ByCode returns the currency whose alphabetic code is alpha. The code must
// be exactly three upper-case ASCII letters ("EUR"); anything else, and any
// code not in the table, reports false. Callers that accept lower case or
// padding from outside normalise it first, deliberately.
//
// ByCode does not allocate.
func ByCode(alpha string) (Currency, bool) {
	key, ok := alphaKey(alpha)
	if !ok {
		return Currency{}, false
	}
	return at(byAlpha[key])
}

// ByNumeric returns the currency whose numeric code is numeric. The code
// must be exactly three ASCII digits, leading zeros included ("978",
// "008"); anything else, and any code not in the table, reports false.
//
// ByNumeric does not allocate.
func ByNumeric(numeric string) (Currency, bool) {
	key, ok := numericKey(numeric)
	if !ok {
		return Currency{}, false
	}
	return at(byNumeric[key])
}

// All returns every currency in the table, sorted by Code. The slice is a
// fresh copy: changing it does not change the table.
func All() []Currency {
	return slices.Clone(currencies[:])
}

// at turns an index entry into a lookup result.
func at(position uint8) (Currency, bool) {
	if position == 0 {
		return Currency{}, false
	}
	return currencies[position-1], true
}

// alphaKey maps three upper-case ASCII letters to 0..26^3-1 and rejects
// everything else.
func alphaKey(code string) (int, bool) {
	if len(code) != 3 {
		return 0, false
	}
	key := 0
	for i := range 3 {
		letter := code[i]
		if letter < 'A' || letter > 'Z' {
			return 0, false
		}
		key = key*26 + int(letter-'A')
	}
	return key, true
}

// numericKey maps three ASCII digits to 0..999 and rejects everything else.
func numericKey(code string) (int, bool) {
	if len(code) != 3 {
		return 0, false
	}
	key := 0
	for i := range 3 {
		digit := code[i]
		if digit < '0' || digit > '9' {
			return 0, false
		}
		key = key*10 + int(digit-'0')
	}
	return key, true
}
