package emvco

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Point of Initiation Method '01' values.
const (
	// PointOfInitiationStatic: the same QR for every payment; the customer
	// enters the amount.
	PointOfInitiationStatic = "11"
	// PointOfInitiationDynamic: a QR for one payment, usually with its amount.
	PointOfInitiationDynamic = "12"
)

// Tip or Convenience Indicator '55' values.
const (
	TipPrompt                = "01" // the customer is asked for a tip
	TipConvenienceFeeFixed   = "02" // ConvenienceFeeFixed is added
	TipConvenienceFeePercent = "03" // ConvenienceFeePercentage is added
)

// MPM is a merchant-presented payload (EMV QRCPS Merchant-Presented Mode
// v1.1). Its Payload Format Indicator '00' is always "01" and its CRC '63' is
// computed, so neither is a field. Empty optional fields are absent.
type MPM struct {
	// PointOfInitiation is '01': PointOfInitiationStatic, ...Dynamic or "".
	PointOfInitiation string
	// MerchantAccounts are '02' to '51', at least one, ascending by Tag.
	MerchantAccounts []MerchantAccount
	// MCC is '52', the ISO 18245 merchant category code, 4 digits.
	MCC string
	// Currency is '53', the ISO 4217 numeric currency code, 3 digits.
	Currency string
	// Amount is '54', decimal text such as "12.50" (see FormatAmount); ""
	// has the customer enter it.
	Amount string
	// TipIndicator is '55', one of the Tip… constants or "".
	TipIndicator string
	// ConvenienceFeeFixed is '56', an amount, present exactly when
	// TipIndicator is TipConvenienceFeeFixed.
	ConvenienceFeeFixed string
	// ConvenienceFeePercentage is '57', e.g. "3.00", present exactly when
	// TipIndicator is TipConvenienceFeePercent.
	ConvenienceFeePercentage string
	// Country is '58', ISO 3166-1 alpha-2 in upper case.
	Country string
	// MerchantName is '59', 1 to 25 characters.
	MerchantName string
	// MerchantCity is '60', 1 to 15 characters.
	MerchantCity string
	// PostalCode is '61', "" or 1 to 10 characters.
	PostalCode string
	// Additional are the sub-fields of the Additional Data Field Template
	// '62' (01 bill number, 05 reference label, 07 terminal label, …),
	// ascending by ID.
	Additional []Field
	// Language are the sub-fields of the Merchant Information — Language
	// Template '64' (00 language, 01 name, 02 city, in UTF-8), ascending.
	Language []Field
	// Unreserved are the templates '80' to '99', ascending by Tag.
	Unreserved []Template
}

// MerchantAccount is one Merchant Account Information data object.
type MerchantAccount struct {
	// Tag is "02" to "51". 02 to 25 are reserved for card schemes and hold
	// one value; 26 to 51 are templates with a GUID and sub-fields.
	Tag string
	// Value is the whole value of an account tagged 02 to 25; "" for a
	// template.
	Value string
	// GUID is a template's sub-field 00, the Globally Unique Identifier of
	// the payment network (a reverse domain name or an AID); "" for 02–25.
	GUID string
	// Fields are a template's other sub-fields, 01 to 99, ascending by ID.
	Fields []Field
}

// Template is an unreserved template, '80' to '99'.
type Template struct {
	// Tag is "80" to "99".
	Tag string
	// GUID is sub-field 00, the Globally Unique Identifier of its owner.
	GUID string
	// Fields are the other sub-fields, 01 to 99, ascending by ID.
	Fields []Field
}

// Field is one data object inside a template.
type Field struct {
	// ID is two digits, "00" to "99".
	ID    string
	Value string
}

// The top-level IDs that are not plain values.
const (
	idPayloadFormat  = 0
	idAccountFirst   = 2
	idAccountLast    = 51
	idTemplateFirst  = 26 // first merchant account that is a template
	idAdditional     = 62
	idCRC            = 63
	idLanguage       = 64
	idReservedFirst  = 65 // 65 to 79 are reserved for future use by EMVCo
	idUnreservedLast = 99
	idUnreserved     = 80
	valueLengthMax   = 99 // two digits of length
	guidLengthMax    = 32
)

// mpmRule is what the spec says of one data object: its name, its length in
// characters and its format.
type mpmRule struct {
	name     string
	min, max int
	// format returns what is wrong with a value, or "", never quoting it.
	format func(string) string
}

// mpmTopLevel are the top-level data objects with a single value.
var mpmTopLevel = map[int]mpmRule{
	0:  {"payload format indicator", 2, 2, oneOf("01")},
	1:  {"point of initiation method", 2, 2, oneOf(PointOfInitiationStatic, PointOfInitiationDynamic)},
	52: {"merchant category code", 4, 4, digitsFormat},
	53: {"transaction currency", 3, 3, digitsFormat},
	54: {"transaction amount", 1, 13, amountFormat},
	55: {"tip or convenience indicator", 2, 2, oneOf(TipPrompt, TipConvenienceFeeFixed, TipConvenienceFeePercent)},
	56: {"convenience fee fixed", 1, 13, amountFormat},
	57: {"convenience fee percentage", 1, 5, amountFormat},
	58: {"country code", 2, 2, upperLettersFormat},
	59: {"merchant name", 1, 25, ansText},
	60: {"merchant city", 1, 15, ansText},
	61: {"postal code", 1, 10, ansText},
	63: {"CRC", 4, 4, upperHexFormat},
}

// mpmMandatory are the top-level IDs every payload has, besides 00, 63 and
// a merchant account.
var mpmMandatory = []int{52, 53, 58, 59, 60}

// additionalRules are the sub-fields of '62' the spec defines; 12 to 49 are
// reserved and 50 to 99 belong to payment systems, both plain text.
var additionalRules = map[int]mpmRule{
	1:  {"bill number", 1, 25, ansText},
	2:  {"mobile number", 1, 25, ansText},
	3:  {"store label", 1, 25, ansText},
	4:  {"loyalty number", 1, 25, ansText},
	5:  {"reference label", 1, 25, ansText},
	6:  {"customer label", 1, 25, ansText},
	7:  {"terminal label", 1, 25, ansText},
	8:  {"purpose of transaction", 1, 25, ansText},
	9:  {"additional consumer data request", 1, 3, consumerDataRequestFormat},
	10: {"merchant tax ID", 1, 20, ansText},
	11: {"merchant channel", 3, 3, ansText},
}

// languageRules are the sub-fields of '64'; the alternate-language texts
// are UTF-8, the one place the spec allows more than ASCII.
var languageRules = map[int]mpmRule{
	0: {"language preference", 2, 2, lettersFormat},
	1: {"alternate merchant name", 1, 25, unicodeText},
	2: {"alternate merchant city", 1, 15, unicodeText},
}

// primitive returns the field of m that holds top-level ID id, or nil.
func (m *MPM) primitive(id int) *string {
	switch id {
	case 1:
		return &m.PointOfInitiation
	case 52:
		return &m.MCC
	case 53:
		return &m.Currency
	case 54:
		return &m.Amount
	case 55:
		return &m.TipIndicator
	case 56:
		return &m.ConvenienceFeeFixed
	case 57:
		return &m.ConvenienceFeePercentage
	case 58:
		return &m.Country
	case 59:
		return &m.MerchantName
	case 60:
		return &m.MerchantCity
	case 61:
		return &m.PostalCode
	}
	return nil
}

// mpmObject is one ID-length-value data object as scanned.
type mpmObject struct {
	id     int
	value  string
	length int // in characters, as the length field says
	offset int // byte offset of the ID in the whole payload
}

// ValidateMPM checks a merchant-presented payload as ParseMPM does.
func ValidateMPM(payload string) error {
	_, err := ParseMPM(payload)
	return err
}

// ParseMPM reads a merchant-presented payload strictly: at most 512
// characters of valid UTF-8; the Payload Format Indicator '00' = "01" first;
// the CRC '63' last, 4 upper-case hex digits, matching; every length
// consistent; no ID twice; the mandatory data objects present (00, a merchant
// account 02–51, 52, 53, 58, 59, 60, 63); every value in its format. The
// objects may come in any order between the first and the last; the result
// lists accounts, templates and sub-fields ascending. Errors are *MPMError.
func ParseMPM(payload string) (*MPM, error) {
	if err := checkMPMText(payload); err != nil {
		return nil, err
	}
	objects, err := scanMPM(payload, 0, "")
	if err != nil {
		return nil, err
	}
	if err := checkFrame(payload, objects); err != nil {
		return nil, err
	}
	return readMPM(objects)
}

// checkMPMText checks the payload's size and encoding.
func checkMPMText(payload string) error {
	// A character is at most 4 bytes, so a longer payload is too long
	// without counting.
	if len(payload) > 4*PayloadLengthMax {
		return &MPMError{Reason: fmt.Sprintf("%d bytes, more than %d characters", len(payload), PayloadLengthMax), Err: ErrTooLong}
	}
	if !utf8.ValidString(payload) {
		return &MPMError{Offset: invalidUTF8At(payload), Reason: "not valid UTF-8", Err: ErrMalformed}
	}
	if n := utf8.RuneCountInString(payload); n > PayloadLengthMax {
		return &MPMError{Reason: fmt.Sprintf("%d characters, at most %d", n, PayloadLengthMax), Err: ErrTooLong}
	}
	return nil
}

// scanMPM splits s, which starts at byte base of the payload and is the
// value of template parent ("" for the top level), into data objects.
func scanMPM(s string, base int, parent string) ([]mpmObject, error) {
	// The smallest object is 5 characters; most are 8 to 20.
	objects := make([]mpmObject, 0, min(len(s)/8+1, 32))
	for at := 0; at < len(s); {
		if len(s)-at < 4 {
			return nil, &MPMError{Offset: base + at, ID: parent, Reason: "data object cut short before its ID and length", Err: ErrMalformed}
		}
		id, okID := twoDigits(s[at : at+2])
		length, okLength := twoDigits(s[at+2 : at+4])
		switch {
		case !okID:
			return nil, &MPMError{Offset: base + at, ID: parent, Reason: "ID is not 2 digits", Err: ErrMalformed}
		case !okLength:
			return nil, &MPMError{Offset: base + at, ID: subID(parent, id), Reason: "length is not 2 digits", Err: ErrMalformed}
		case length == 0:
			return nil, &MPMError{Offset: base + at, ID: subID(parent, id), Reason: "length 00: an empty data object is left out, not sent", Err: ErrInvalid}
		}
		size, ok := runesSize(s[at+4:], length)
		if !ok {
			return nil, &MPMError{Offset: base + at, ID: subID(parent, id),
				Reason: fmt.Sprintf("length %d, more than the characters left", length), Err: ErrMalformed}
		}
		objects = append(objects, mpmObject{id: id, value: s[at+4 : at+4+size], length: length, offset: base + at})
		at += 4 + size
	}
	return objects, nil
}

// checkFrame checks the payload's first and last data objects, the CRC,
// and that no top-level ID repeats.
func checkFrame(payload string, objects []mpmObject) error {
	if len(objects) == 0 || objects[0].id != idPayloadFormat {
		return &MPMError{Reason: "the first data object is not the payload format indicator (ID 00)", Err: ErrInvalid}
	}
	last := objects[len(objects)-1]
	if last.id != idCRC {
		return &MPMError{Offset: last.offset, Reason: "the last data object is not the CRC (ID 63)", Err: ErrInvalid}
	}
	var seen [idUnreservedLast + 1]bool
	for _, o := range objects {
		if seen[o.id] {
			return &MPMError{Offset: o.offset, ID: twoDigitID(o.id), Reason: "present twice", Err: ErrInvalid}
		}
		seen[o.id] = true
	}
	if err := checkValue(last, "", mpmTopLevel[idCRC]); err != nil {
		return err
	}
	want := crc16(payload[:len(payload)-4])
	if got, _ := strconv.ParseUint(last.value, 16, 16); uint16(got) != want {
		return &MPMError{Offset: last.offset, ID: "63", Reason: "does not match the payload", Err: ErrChecksum}
	}
	return nil
}

// readMPM reads the checked top-level objects into an MPM.
func readMPM(objects []mpmObject) (*MPM, error) {
	m := &MPM{}
	var present [idUnreservedLast + 1]bool
	for _, o := range objects {
		present[o.id] = true
		if err := readTopLevel(m, o); err != nil {
			return nil, err
		}
	}
	if len(m.MerchantAccounts) == 0 {
		return nil, &MPMError{Reason: "no merchant account information (IDs 02 to 51)", Err: ErrInvalid}
	}
	for _, id := range mpmMandatory {
		if !present[id] {
			return nil, &MPMError{ID: twoDigitID(id), Reason: "missing", Err: ErrInvalid}
		}
	}
	if err := checkTip(m); err != nil {
		return nil, err
	}
	slices.SortFunc(m.MerchantAccounts, func(a, b MerchantAccount) int { return cmp.Compare(a.Tag, b.Tag) })
	slices.SortFunc(m.Unreserved, func(a, b Template) int { return cmp.Compare(a.Tag, b.Tag) })
	return m, nil
}

// readTopLevel checks one top-level object and stores it in m.
func readTopLevel(m *MPM, o mpmObject) error {
	id := twoDigitID(o.id)
	switch {
	case o.id >= idAccountFirst && o.id < idTemplateFirst:
		rule := mpmRule{"merchant account information", 1, valueLengthMax, ansText}
		if err := checkValue(o, "", rule); err != nil {
			return err
		}
		m.MerchantAccounts = append(m.MerchantAccounts, MerchantAccount{Tag: id, Value: o.value})
	case o.id >= idTemplateFirst && o.id <= idAccountLast, o.id >= idUnreserved:
		guid, fields, err := readGUIDTemplate(o)
		if err != nil {
			return err
		}
		if o.id >= idUnreserved {
			m.Unreserved = append(m.Unreserved, Template{Tag: id, GUID: guid, Fields: fields})
		} else {
			m.MerchantAccounts = append(m.MerchantAccounts, MerchantAccount{Tag: id, GUID: guid, Fields: fields})
		}
	case o.id == idAdditional:
		fields, err := readTemplate(o, additionalRule)
		m.Additional = fields
		return err
	case o.id == idLanguage:
		fields, err := readTemplate(o, languageRule)
		if err == nil && (len(fields) < 2 || fields[0].ID != "00" || fields[1].ID != "01") {
			err = &MPMError{Offset: o.offset, ID: id, Reason: "needs its language preference (00) and alternate merchant name (01)", Err: ErrInvalid}
		}
		m.Language = fields
		return err
	case o.id >= idReservedFirst && o.id < idUnreserved:
		return &MPMError{Offset: o.offset, ID: id, Reason: "reserved for future use by EMVCo", Err: ErrInvalid}
	default: // 00, 01, 52 to 61, 63: plain values
		if err := checkValue(o, "", mpmTopLevel[o.id]); err != nil {
			return err
		}
		if field := m.primitive(o.id); field != nil {
			*field = o.value
		}
	}
	return nil
}

// readGUIDTemplate reads a template whose sub-field 00 is a Globally Unique
// Identifier: a merchant account 26–51 or an unreserved template 80–99.
func readGUIDTemplate(o mpmObject) (string, []Field, error) {
	fields, err := readTemplate(o, guidTemplateRule)
	if err != nil {
		return "", nil, err
	}
	if len(fields) == 0 || fields[0].ID != "00" {
		return "", nil, &MPMError{Offset: o.offset, ID: twoDigitID(o.id), Reason: "no globally unique identifier (00)", Err: ErrInvalid}
	}
	rest := fields[1:]
	if len(rest) == 0 {
		rest = nil
	}
	return fields[0].Value, rest, nil
}

// readTemplate reads the sub-fields of template o, each checked by the rule
// rules gives for its ID, and returns them ascending by ID.
func readTemplate(o mpmObject, rules func(sub int) (mpmRule, bool)) ([]Field, error) {
	id := twoDigitID(o.id)
	subs, err := scanMPM(o.value, o.offset+4, id)
	if err != nil {
		return nil, err
	}
	var seen [idUnreservedLast + 1]bool
	fields := make([]Field, 0, len(subs))
	for _, s := range subs {
		if seen[s.id] {
			return nil, &MPMError{Offset: s.offset, ID: subID(id, s.id), Reason: "present twice", Err: ErrInvalid}
		}
		seen[s.id] = true
		rule, ok := rules(s.id)
		if !ok {
			return nil, &MPMError{Offset: s.offset, ID: subID(id, s.id), Reason: "not allowed in this template", Err: ErrInvalid}
		}
		if err := checkValue(s, id, rule); err != nil {
			return nil, err
		}
		fields = append(fields, Field{ID: twoDigitID(s.id), Value: s.value})
	}
	slices.SortFunc(fields, func(a, b Field) int { return cmp.Compare(a.ID, b.ID) })
	return fields, nil
}

func additionalRule(sub int) (mpmRule, bool) {
	if rule, ok := additionalRules[sub]; ok {
		return rule, true
	}
	// 12–49 reserved for EMVCo, 50–99 payment system specific templates;
	// 00 is not defined in this template.
	return mpmRule{additionalName(sub), 1, valueLengthMax, ansText}, sub >= 12
}

func languageRule(sub int) (mpmRule, bool) {
	if rule, ok := languageRules[sub]; ok {
		return rule, true
	}
	return mpmRule{"reserved for future use", 1, valueLengthMax, unicodeText}, true
}

func guidTemplateRule(sub int) (mpmRule, bool) {
	if sub == 0 {
		return mpmRule{"globally unique identifier", 1, guidLengthMax, ansText}, true
	}
	return mpmRule{"template data", 1, valueLengthMax, ansText}, true
}

// checkValue checks one object's length in characters and its format;
// parent is the ID of its template, "" at the top level.
func checkValue(o mpmObject, parent string, rule mpmRule) error {
	if o.length < rule.min || o.length > rule.max {
		want := fmt.Sprintf("%d to %d characters", rule.min, rule.max)
		if rule.min == rule.max {
			want = fmt.Sprintf("%d characters", rule.min)
		}
		return &MPMError{Offset: o.offset, ID: subID(parent, o.id), Reason: fmt.Sprintf("length %d, want %s", o.length, want), Err: ErrInvalid}
	}
	if problem := rule.format(o.value); problem != "" {
		return &MPMError{Offset: o.offset, ID: subID(parent, o.id), Reason: problem, Err: ErrInvalid}
	}
	return nil
}

// checkTip checks that the fee fields come exactly with the indicator that
// calls for them.
func checkTip(m *MPM) error {
	if (m.ConvenienceFeeFixed != "") != (m.TipIndicator == TipConvenienceFeeFixed) {
		return &MPMError{ID: "56", Reason: "present exactly when the tip or convenience indicator (55) is 02", Err: ErrInvalid}
	}
	if (m.ConvenienceFeePercentage != "") != (m.TipIndicator == TipConvenienceFeePercent) {
		return &MPMError{ID: "57", Reason: "present exactly when the tip or convenience indicator (55) is 03", Err: ErrInvalid}
	}
	return nil
}

// BuildMPM writes m as a merchant-presented payload: the Payload Format
// Indicator, then every data object ascending by ID (accounts, templates and
// sub-fields too), then the CRC. It checks the result with ParseMPM, so it
// returns only payloads ParseMPM accepts, and ParseMPM of the result equals m
// with its lists sorted. Errors are *MPMError.
func BuildMPM(m MPM) (string, error) {
	var b strings.Builder
	b.Grow(256)
	writeObject(&b, "00", "01")
	for id := 1; id <= 61; id++ {
		if id == idAccountFirst {
			if err := writeAccounts(&b, m.MerchantAccounts); err != nil {
				return "", err
			}
		}
		value := m.primitive(id)
		if value == nil {
			continue
		}
		if err := checkBuildValue(b.Len(), twoDigitID(id), *value); err != nil {
			return "", err
		}
		writeObject(&b, twoDigitID(id), *value)
	}
	if err := writeTemplate(&b, "62", "", m.Additional); err != nil {
		return "", err
	}
	if err := writeTemplate(&b, "64", "", m.Language); err != nil {
		return "", err
	}
	unreserved := slices.Clone(m.Unreserved)
	slices.SortStableFunc(unreserved, func(a, b Template) int { return cmp.Compare(a.Tag, b.Tag) })
	for _, t := range unreserved {
		if id, ok := twoDigits(t.Tag); !ok || id < idUnreserved {
			return "", &MPMError{Offset: b.Len(), Reason: "unreserved template tag is not 80 to 99", Err: ErrInvalid}
		}
		if t.GUID == "" {
			return "", &MPMError{Offset: b.Len(), ID: t.Tag, Reason: "no globally unique identifier (00)", Err: ErrInvalid}
		}
		if err := writeTemplate(&b, t.Tag, t.GUID, t.Fields); err != nil {
			return "", err
		}
	}
	b.WriteString("6304")
	payload := b.String()
	payload += fmt.Sprintf("%04X", crc16(payload))
	if _, err := ParseMPM(payload); err != nil {
		return "", err
	}
	return payload, nil
}

// writeAccounts writes the merchant accounts ascending by tag.
func writeAccounts(b *strings.Builder, accounts []MerchantAccount) error {
	sorted := slices.Clone(accounts)
	slices.SortStableFunc(sorted, func(x, y MerchantAccount) int { return cmp.Compare(x.Tag, y.Tag) })
	for _, a := range sorted {
		id, ok := twoDigits(a.Tag)
		switch {
		case !ok || id < idAccountFirst || id > idAccountLast:
			return &MPMError{Offset: b.Len(), Reason: "merchant account tag is not 02 to 51", Err: ErrInvalid}
		case id < idTemplateFirst && (a.GUID != "" || len(a.Fields) > 0):
			return &MPMError{Offset: b.Len(), ID: a.Tag, Reason: "accounts 02 to 25 have a Value, not a GUID or Fields", Err: ErrInvalid}
		case id >= idTemplateFirst && a.Value != "":
			return &MPMError{Offset: b.Len(), ID: a.Tag, Reason: "accounts 26 to 51 have a GUID and Fields, not a Value", Err: ErrInvalid}
		case id < idTemplateFirst && a.Value == "":
			return &MPMError{Offset: b.Len(), ID: a.Tag, Reason: "empty value", Err: ErrInvalid}
		case id >= idTemplateFirst && a.GUID == "":
			return &MPMError{Offset: b.Len(), ID: a.Tag, Reason: "no globally unique identifier (00)", Err: ErrInvalid}
		case id < idTemplateFirst:
			if err := checkBuildValue(b.Len(), a.Tag, a.Value); err != nil {
				return err
			}
			writeObject(b, a.Tag, a.Value)
		default:
			if err := writeTemplate(b, a.Tag, a.GUID, a.Fields); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeTemplate writes template id holding guid (as sub-field 00, when not
// "") and fields, ascending by ID; nothing when both are empty.
func writeTemplate(b *strings.Builder, id, guid string, fields []Field) error {
	sorted := slices.Clone(fields)
	slices.SortStableFunc(sorted, func(x, y Field) int { return cmp.Compare(x.ID, y.ID) })
	if err := checkBuildValue(b.Len(), id+".00", guid); err != nil {
		return err
	}
	var t strings.Builder
	writeObject(&t, "00", guid)
	for _, f := range sorted {
		if _, ok := twoDigits(f.ID); !ok {
			return &MPMError{Offset: b.Len(), ID: id, Reason: "a sub-field ID is not 2 digits", Err: ErrInvalid}
		}
		if f.ID == "00" && guid != "" {
			return &MPMError{Offset: b.Len(), ID: id + ".00", Reason: "the globally unique identifier goes in GUID, not Fields", Err: ErrInvalid}
		}
		if err := checkBuildValue(b.Len(), id+"."+f.ID, f.Value); err != nil {
			return err
		}
		if f.Value == "" {
			return &MPMError{Offset: b.Len(), ID: id + "." + f.ID, Reason: "empty value", Err: ErrInvalid}
		}
		writeObject(&t, f.ID, f.Value)
	}
	if err := checkBuildValue(b.Len(), id, t.String()); err != nil {
		return err
	}
	writeObject(b, id, t.String())
	return nil
}

// checkBuildValue checks what ID-length-value cannot carry at all: a value
// of more than 99 characters or of invalid UTF-8. ParseMPM checks the rest.
func checkBuildValue(offset int, id, value string) error {
	if !utf8.ValidString(value) {
		return &MPMError{Offset: offset, ID: id, Reason: "not valid UTF-8", Err: ErrInvalid}
	}
	if n := utf8.RuneCountInString(value); n > valueLengthMax {
		return &MPMError{Offset: offset, ID: id, Reason: fmt.Sprintf("%d characters, at most %d", n, valueLengthMax), Err: ErrInvalid}
	}
	return nil
}

// writeObject writes one data object, or nothing for an empty value.
func writeObject(b *strings.Builder, id, value string) {
	if value == "" {
		return
	}
	b.WriteString(id)
	n := utf8.RuneCountInString(value)
	b.WriteByte(byte('0' + n/10))
	b.WriteByte(byte('0' + n%10))
	b.WriteString(value)
}

// runesSize returns how many bytes the first n characters of s take.
func runesSize(s string, n int) (int, bool) {
	i := 0
	for range n {
		if i >= len(s) {
			return 0, false
		}
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i, true
}

func invalidUTF8At(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i
			}
		}
	}
	return 0
}

func twoDigits(s string) (int, bool) {
	if len(s) != 2 || !isDigit(s[0]) || !isDigit(s[1]) {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// twoDigitIDs spells the IDs 00 to 99 once, so reading an ID costs no
// allocation.
var twoDigitIDs = func() (ids [idUnreservedLast + 1]string) {
	for i := range ids {
		ids[i] = string([]byte{byte('0' + i/10), byte('0' + i%10)})
	}
	return ids
}()

func twoDigitID(id int) string { return twoDigitIDs[id] }

func subID(parent string, id int) string {
	if parent == "" {
		return twoDigitID(id)
	}
	return parent + "." + twoDigitID(id)
}

// mpmName names data object id ("59", "62.05") for errors.
func mpmName(id string) string {
	top, sub, isSub := strings.Cut(id, ".")
	t, _ := twoDigits(top)
	s, _ := twoDigits(sub)
	switch {
	case !isSub && t >= idAccountFirst && t <= idAccountLast:
		return "merchant account information"
	case !isSub && t == idAdditional:
		return "additional data field template"
	case !isSub && t == idLanguage:
		return "merchant information language template"
	case !isSub && t >= idUnreserved:
		return "unreserved template"
	case !isSub && t >= idReservedFirst:
		return "reserved for EMVCo"
	case !isSub:
		return mpmTopLevel[t].name
	case t == idAdditional:
		rule, _ := additionalRule(s)
		return rule.name
	case t == idLanguage:
		rule, _ := languageRule(s)
		return rule.name
	}
	rule, _ := guidTemplateRule(s)
	return rule.name
}

func additionalName(sub int) string {
	switch {
	case sub == 0:
		return "not defined"
	case sub < 50:
		return "reserved for future use"
	}
	return "payment system specific template"
}

// The MPM value formats. Each returns what is wrong, or "", never quoting
// the value.

func oneOf(values ...string) func(string) string {
	want := "want " + strings.Join(values, " or ")
	return func(s string) string {
		if slices.Contains(values, s) {
			return ""
		}
		return want
	}
}

func digitsFormat(s string) string {
	if !allDigits(s) {
		return "a character that is not a digit"
	}
	return ""
}

func ansText(s string) string { return ansFormat(s) }

// unicodeText: any UTF-8 text a person reads, including spaces of other
// scripts, but no control or format characters.
func unicodeText(s string) string {
	for _, r := range s {
		if !unicode.IsGraphic(r) {
			return "a control or unprintable character"
		}
	}
	return ""
}

func lettersFormat(s string) string {
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) {
			return "a character that is not a letter"
		}
	}
	return ""
}

func upperLettersFormat(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return "a character that is not an upper-case letter"
		}
	}
	return ""
}

func upperHexFormat(s string) string {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && (s[i] < 'A' || s[i] > 'F') {
			return "not upper-case hexadecimal"
		}
	}
	return ""
}

// consumerDataRequestFormat: the data the wallet should ask the customer
// for, each at most once: A address, M mobile number, E e-mail.
func consumerDataRequestFormat(s string) string {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("AME", rune(s[i])) || strings.IndexByte(s[:i], s[i]) >= 0 {
			return "not a set of the letters A, M and E"
		}
	}
	return ""
}
