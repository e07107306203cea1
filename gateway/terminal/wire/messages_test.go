package wire

import (
	"strings"
)

// Hand-built messages, written from the spec and not from the encoder: each
// is its MTI, its bitmap(s) worked out by hand from the data elements it
// carries (bit n is bit 8-(n-1)%8 of byte (n-1)/8, most significant first),
// then each element in its format.

// part is one piece of a hand-built message: de 0 is the MTI, 1 the bitmaps.
type part struct {
	de   int
	text string
}

type handMessage struct {
	name  string
	parts []part
	want  Message // without presence bits
	has   []int   // the data elements present
}

func (h handMessage) bytes() []byte {
	var b strings.Builder
	for _, p := range h.parts {
		b.WriteString(p.text)
	}
	return []byte(b.String())
}

// with returns the bytes of h with the text of data element de replaced.
func (h handMessage) with(de int, text string) []byte {
	var b strings.Builder
	for _, p := range h.parts {
		if p.de == de {
			b.WriteString(text)
			continue
		}
		b.WriteString(p.text)
	}
	return []byte(b.String())
}

// upTo returns the bytes of h before data element de, plus prefix of it.
func (h handMessage) upTo(de int, prefix string) []byte {
	var b strings.Builder
	for _, p := range h.parts {
		if p.de == de {
			b.WriteString(prefix)
			break
		}
		b.WriteString(p.text)
	}
	return []byte(b.String())
}

// offset returns the byte offset of data element de in h.
func (h handMessage) offset(de int) int {
	n := 0
	for _, p := range h.parts {
		if p.de == de {
			return n
		}
		n += len(p.text)
	}
	return -1
}

const walletCode = "281012345678901234"

var (
	signOn = handMessage{
		name: "0800 sign-on",
		parts: []part{
			{0, "0800"},
			// bits 1 (secondary), 7, 11, 41: 82 20 00 00 00 80 00 00; secondary bit 70: 04 00 ...
			{1, "8220000000800000" + "0400000000000000"},
			{7, "0615103000"},
			{11, "000001"},
			{41, "TERM0001"},
			{70, "001"},
		},
		want: Message{MTI: "0800", TransmissionTime: "0615103000", STAN: "000001", TerminalID: "TERM0001", NetworkCode: NetworkSignOn},
		has:  []int{7, 11, 41, 70},
	}
	signOnResponse = handMessage{
		name: "0810 sign-on response",
		parts: []part{
			{0, "0810"},
			// bits 1, 7, 11, 39, 41: 82 20 00 00 02 80 00 00; secondary bit 70
			{1, "8220000002800000" + "0400000000000000"},
			{7, "0615103000"},
			{11, "000001"},
			{39, "00"},
			{41, "TERM0001"},
			{70, "001"},
		},
		want: Message{MTI: "0810", TransmissionTime: "0615103000", STAN: "000001", ResponseCode: RCApproved, TerminalID: "TERM0001", NetworkCode: NetworkSignOn},
		has:  []int{7, 11, 39, 41, 70},
	}
	echo = handMessage{
		name: "0800 echo with a short terminal id",
		parts: []part{
			{0, "0800"},
			{1, "8220000000800000" + "0400000000000000"},
			{7, "1231235959"},
			{11, "999999"},
			{41, "T1      "}, // ans8, left-aligned, space-padded
			{70, "301"},
		},
		want: Message{MTI: "0800", TransmissionTime: "1231235959", STAN: "999999", TerminalID: "T1", NetworkCode: NetworkEcho},
		has:  []int{7, 11, 41, 70},
	}
	purchase = handMessage{
		name: "0200 purchase, consumer-presented",
		parts: []part{
			{0, "0200"},
			// bits 3 4 7 | 11 12 13 | 22 | 25 | - | 41 42 48 | 49 | -: 32 38 04 80 00 C1 80 00
			{1, "3238048000C18000"},
			{3, "000000"},
			{4, "000000001250"},
			{7, "0615103000"},
			{11, "000042"},
			{12, "113000"},
			{13, "0615"},
			{22, "031"},
			{25, "00"},
			{41, "TERM0001"},
			{42, "MERCHANT0000001"},
			{48, "023" + "01" + "018" + walletCode},
			{49, "978"},
		},
		want: Message{
			MTI: "0200", ProcessingCode: ProcessingPurchase, Amount: 1250, TransmissionTime: "0615103000",
			STAN: "000042", LocalTime: "113000", LocalDate: "0615", EntryMode: EntryModeConsumerPresented,
			ConditionCode: ConditionCodeNormal, TerminalID: "TERM0001", MerchantID: "MERCHANT0000001",
			PrivateData: PrivateData{{TagWalletCode, walletCode}}, Currency: "978",
		},
		has: []int{3, 4, 7, 11, 12, 13, 22, 25, 41, 42, 48, 49},
	}
	purchaseResponse = handMessage{
		name: "0210 purchase approved, wallet charged in KRW",
		parts: []part{
			{0, "0210"},
			// bits 3 4 6 7 | 10 11 | - | - | 37 38 39 | 41 42 48 | 49 51 | -: 36 60 00 00 0E C1 A0 00
			{1, "366000000EC1A000"},
			{3, "000000"},
			{4, "000000001250"},
			{6, "000000001870"},
			{7, "0615103000"},
			{10, "61496123"},
			{11, "000042"},
			{37, "616710000042"},
			{38, "A1B2C3"},
			{39, "00"},
			{41, "TERM0001"},
			{42, "MERCHANT0000001"},
			{48, "038" + "10" + "006" + "Alipay" + "11" + "013" + "2026061500001" + "13" + "004" + "2.50"},
			{49, "978"},
			{51, "410"},
		},
		want: Message{
			MTI: "0210", ProcessingCode: ProcessingPurchase, Amount: 1250, WalletAmount: 1870,
			TransmissionTime: "0615103000", ConversionRate: "61496123", STAN: "000042", RRN: "616710000042",
			ApprovalCode: "A1B2C3", ResponseCode: RCApproved, TerminalID: "TERM0001", MerchantID: "MERCHANT0000001",
			PrivateData: PrivateData{{TagWalletBrand, "Alipay"}, {TagSchemeTransactionID, "2026061500001"}, {TagFXMarkup, "2.50"}},
			Currency:    "978", WalletCurrency: "410",
		},
		has: []int{3, 4, 6, 7, 10, 11, 37, 38, 39, 41, 42, 48, 49, 51},
	}
	qrPurchase = handMessage{
		name: "0200 purchase, merchant-presented QR",
		parts: []part{
			{0, "0200"},
			{1, "3238048000C18000"},
			{3, "000000"},
			{4, "000000000999"},
			{7, "0615103001"},
			{11, "000043"},
			{12, "113001"},
			{13, "0615"},
			{22, "821"},
			{25, "00"},
			{41, "TERM0001"},
			{42, "MERCHANT0000001"},
			{48, "015" + "04" + "010" + "ALIPAYPLUS"},
			{49, "978"},
		},
		want: Message{
			MTI: "0200", ProcessingCode: ProcessingPurchase, Amount: 999, TransmissionTime: "0615103001",
			STAN: "000043", LocalTime: "113001", LocalDate: "0615", EntryMode: EntryModeMerchantPresented,
			ConditionCode: ConditionCodeNormal, TerminalID: "TERM0001", MerchantID: "MERCHANT0000001",
			PrivateData: PrivateData{{TagSchemeWanted, "ALIPAYPLUS"}}, Currency: "978",
		},
		has: []int{3, 4, 7, 11, 12, 13, 22, 25, 41, 42, 48, 49},
	}
	qrResponse = handMessage{
		name: "0210 in progress with the QR to display",
		parts: []part{
			{0, "0210"},
			// bits 3 4 7 | 11 | - | - | 37 39 | 41 42 48 | 49 | -: 32 20 00 00 0A C1 80 00
			{1, "322000000AC18000"},
			{3, "000000"},
			{4, "000000000999"},
			{7, "0615103001"},
			{11, "000043"},
			{37, "616710000043"},
			{39, "09"},
			{41, "TERM0001"},
			{42, "MERCHANT0000001"},
			{48, "034" + "03" + "029" + "https://qr.example/p?id=A1%2F"},
			{49, "978"},
		},
		want: Message{
			MTI: "0210", ProcessingCode: ProcessingPurchase, Amount: 999, TransmissionTime: "0615103001",
			STAN: "000043", RRN: "616710000043", ResponseCode: RCInProgress, TerminalID: "TERM0001",
			MerchantID: "MERCHANT0000001", PrivateData: PrivateData{{TagQRPayload, "https://qr.example/p?id=A1%2F"}},
			Currency: "978",
		},
		has: []int{3, 4, 7, 11, 37, 39, 41, 42, 48, 49},
	}
	refund = handMessage{
		name: "0200 refund",
		parts: []part{
			{0, "0200"},
			// bits 3 4 7 | 11 | - | - | - | 41 42 48 | 49 | -: 32 20 00 00 00 C1 80 00
			{1, "3220000000C18000"},
			{3, "200000"},
			{4, "000000000500"},
			{7, "0616090000"},
			{11, "000044"},
			{41, "TERM0001"},
			{42, "MERCHANT0000001"},
			{48, "017" + "20" + "012" + "616710000042"},
			{49, "978"},
		},
		want: Message{
			MTI: "0200", ProcessingCode: ProcessingRefund, Amount: 500, TransmissionTime: "0616090000",
			STAN: "000044", TerminalID: "TERM0001", MerchantID: "MERCHANT0000001",
			PrivateData: PrivateData{{TagOriginalRRN, "616710000042"}}, Currency: "978",
		},
		has: []int{3, 4, 7, 11, 41, 42, 48, 49},
	}
	refundResponse = handMessage{
		name: "0210 refund declined, original not found",
		parts: []part{
			{0, "0210"},
			// bits 3 4 7 | 11 | - | - | 39 | 41 42 | 49 | -: 32 20 00 00 02 C0 80 00
			{1, "3220000002C08000"},
			{3, "200000"},
			{4, "000000000500"},
			{7, "0616090000"},
			{11, "000044"},
			{39, "25"},
			{41, "TERM0001"},
			{42, "MERCHANT0000001"},
			{49, "978"},
		},
		want: Message{
			MTI: "0210", ProcessingCode: ProcessingRefund, Amount: 500, TransmissionTime: "0616090000",
			STAN: "000044", ResponseCode: RCOriginalNotFound, TerminalID: "TERM0001", MerchantID: "MERCHANT0000001",
			Currency: "978",
		},
		has: []int{3, 4, 7, 11, 39, 41, 42, 49},
	}
	status = handMessage{
		name: "0100 status inquiry",
		parts: []part{
			{0, "0100"},
			// bits 3 7 | 11 | - | - | - | 41 42 48 | - | -: 22 20 00 00 00 C1 00 00
			{1, "2220000000C10000"},
			{3, "300000"},
			{7, "0615103100"},
			{11, "000045"},
			{41, "TERM0001"},
			{42, "MERCHANT0000001"},
			{48, "017" + "20" + "012" + "616710000043"},
		},
		want: Message{
			MTI: "0100", ProcessingCode: ProcessingStatusInquiry, TransmissionTime: "0615103100", STAN: "000045",
			TerminalID: "TERM0001", MerchantID: "MERCHANT0000001", PrivateData: PrivateData{{TagOriginalRRN, "616710000043"}},
		},
		has: []int{3, 7, 11, 41, 42, 48},
	}
	statusResponse = handMessage{
		name: "0110 status: approved",
		parts: []part{
			{0, "0110"},
			// bits 3 7 | 11 | - | - | 37 39 | 41 42 | - | -: 22 20 00 00 0A C0 00 00
			{1, "222000000AC00000"},
			{3, "300000"},
			{7, "0615103100"},
			{11, "000045"},
			{37, "616710000043"},
			{39, "00"},
			{41, "TERM0001"},
			{42, "MERCHANT0000001"},
		},
		want: Message{
			MTI: "0110", ProcessingCode: ProcessingStatusInquiry, TransmissionTime: "0615103100", STAN: "000045",
			RRN: "616710000043", ResponseCode: RCApproved, TerminalID: "TERM0001", MerchantID: "MERCHANT0000001",
		},
		has: []int{3, 7, 11, 37, 39, 41, 42},
	}
	reversal = handMessage{
		name: "0400 reversal",
		parts: []part{
			{0, "0400"},
			// bits 1 3 4 7 | 11 | - | - | - | 41 42 | 49 | -: B2 20 00 00 00 C0 80 00
			// secondary: bit 90 is bit 2 of its byte 4 (bits 89-96): 00 00 00 40 00 00 00 00
			{1, "B220000000C08000" + "0000004000000000"},
			{3, "000000"},
			{4, "000000001250"},
			{7, "0615103205"},
			{11, "000046"},
			{41, "TERM0001"},
			{42, "MERCHANT0000001"},
			{49, "978"},
			{90, "0200" + "000042" + "0615103000" + "0000000000000000000000"},
		},
		want: Message{
			MTI: "0400", ProcessingCode: ProcessingPurchase, Amount: 1250, TransmissionTime: "0615103205",
			STAN: "000046", TerminalID: "TERM0001", MerchantID: "MERCHANT0000001", Currency: "978",
			OriginalData: OriginalData{MTI: "0200", STAN: "000042", TransmissionTime: "0615103000"},
		},
		has: []int{3, 4, 7, 11, 41, 42, 49, 90},
	}
	reversalResponse = handMessage{
		name: "0410 reversal done",
		parts: []part{
			{0, "0410"},
			// bits 3 4 7 | 11 | - | - | 39 | 41 42 | 49 | -: 32 20 00 00 02 C0 80 00
			{1, "3220000002C08000"},
			{3, "000000"},
			{4, "000000001250"},
			{7, "0615103205"},
			{11, "000046"},
			{39, "00"},
			{41, "TERM0001"},
			{42, "MERCHANT0000001"},
			{49, "978"},
		},
		want: Message{
			MTI: "0410", ProcessingCode: ProcessingPurchase, Amount: 1250, TransmissionTime: "0615103205",
			STAN: "000046", ResponseCode: RCApproved, TerminalID: "TERM0001", MerchantID: "MERCHANT0000001", Currency: "978",
		},
		has: []int{3, 4, 7, 11, 39, 41, 42, 49},
	}
)

// withMTI returns h as another message type: a repeat or an advice.
func withMTI(h handMessage, mti, name string) handMessage {
	h.name = name
	h.parts = append([]part{{0, mti}}, h.parts[1:]...)
	h.want.MTI = mti
	return h
}

var (
	purchaseRepeat       = withMTI(purchase, MTIFinancialRepeat, "0201 purchase repeat")
	reversalRepeat       = withMTI(reversal, MTIReversalRepeat, "0401 reversal repeat")
	reversalAdvice       = withMTI(reversal, MTIReversalAdvice, "0420 reversal advice")
	reversalAdviceRepeat = withMTI(reversal, MTIReversalAdviceRepeat, "0421 reversal advice repeat")
	reversalAdviceAnswer = withMTI(reversalResponse, MTIReversalAdviceResponse, "0430 reversal advice response")
	zeroAmountPurchase   = zeroAmount()
	handMessages         = []handMessage{signOn, signOnResponse, echo, purchase, purchaseResponse, qrPurchase, qrResponse, refund, refundResponse, status, statusResponse, reversal, reversalResponse, purchaseRepeat, reversalRepeat, reversalAdvice, reversalAdviceRepeat, reversalAdviceAnswer, zeroAmountPurchase}
)

// zeroAmount is a purchase of amount 0: DE 4 is present with zeros, which a
// Message can only say with SetPresent.
func zeroAmount() handMessage {
	h := withMTI(purchase, MTIFinancialRequest, "0200 purchase of zero (DE 4 present, all zeros)")
	h.parts = append([]part(nil), h.parts...)
	for i := range h.parts {
		if h.parts[i].de == 4 {
			h.parts[i].text = "000000000000"
		}
	}
	h.want.Amount = 0
	return h
}
