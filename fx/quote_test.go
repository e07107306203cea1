package fx

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var quoteTime = time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)

func fixedID() string { return "q-1" }

func ecbRate(base, quote, value string) Rate {
	return Rate{Base: base, Quote: quote, Value: decimal.RequireFromString(value), Source: "ECB", AsOf: quoteTime.Add(-18 * time.Hour)}
}

func mustQuote(t testing.TB, ref Rate, markup string, r Rounding) Quote {
	t.Helper()
	q, err := NewQuote(ref, decimal.RequireFromString(markup), 5*time.Minute, quoteTime, r, fixedID)
	if err != nil {
		t.Fatalf("NewQuote(%v, %s): %v", ref, markup, err)
	}
	return q
}

func TestNewQuoteAppliesTheMarkupOverTheReferenceRate(t *testing.T) {
	q := mustQuote(t, ecbRate("EUR", "KRW", "1456.78"), "2.50", RoundHalfUp)
	// 1456.78 × 1.025 = 1493.1995 exactly
	if want := decimal.RequireFromString("1493.1995"); !q.Applied.Equal(want) {
		t.Errorf("Applied = %s; want %s", q.Applied, want)
	}
	if q.ID != "q-1" || q.From != "EUR" || q.To != "KRW" || q.Source != "ECB" ||
		!q.CreatedAt.Equal(quoteTime) || !q.ExpiresAt.Equal(quoteTime.Add(5*time.Minute)) || q.Rounding != RoundHalfUp {
		t.Errorf("quote fields = %+v", q)
	}
	// 100.00 EUR: 145678 KRW at the reference rate, 149319.95 → 149320 KRW marked up
	got, err := q.Charge(10000)
	if err != nil || got != 149320 {
		t.Errorf("Charge(10000) = %d, %v; want 149320", got, err)
	}
}

// The customer never pays less wallet currency than at the reference rate,
// and pays more the higher the mark-up.
func TestMarkupAlwaysMakesTheCustomerPayAtLeastTheReferenceAmount(t *testing.T) {
	random := rand.New(rand.NewPCG(2019, 518))
	pairs := [][2]string{{"EUR", "KRW"}, {"EUR", "CNY"}, {"EUR", "KWD"}, {"GBP", "JPY"}, {"EUR", "THB"}}
	for range 3000 {
		pair := pairs[random.IntN(len(pairs))]
		ref := Rate{Base: pair[0], Quote: pair[1], Value: decimal.New(random.Int64N(99_999_999)+1, -int32(random.IntN(8)))}
		low := decimal.New(random.Int64N(1001), -2) // 0.00 – 10.00 %
		high := low.Add(decimal.New(random.Int64N(1001), -2))
		amount := random.Int64N(100_000_000)
		for _, mode := range []Rounding{RoundHalfUp, RoundHalfEven} {
			atReference, err := Convert(amount, ref.Base, ref.Value, ref.Quote, mode)
			if errors.Is(err, ErrAmountTooLarge) {
				continue
			}
			lowQuote, err := NewQuote(ref, low, time.Minute, quoteTime, mode, fixedID)
			if err != nil {
				t.Fatal(err)
			}
			highQuote, err := NewQuote(ref, high, time.Minute, quoteTime, mode, fixedID)
			if err != nil {
				t.Fatal(err)
			}
			lowCharge, errLow := lowQuote.Charge(amount)
			highCharge, errHigh := highQuote.Charge(amount)
			if errLow != nil || errHigh != nil {
				continue // too large once marked up
			}
			if lowCharge < atReference || highCharge < lowCharge {
				t.Fatalf("%d %s at %s: reference %d, +%s%% %d, +%s%% %d", amount, ref.Base, ref.Value, atReference, low, lowCharge, high, highCharge)
			}
		}
	}
}

func TestNewQuoteRejectsBadInput(t *testing.T) {
	good := ecbRate("EUR", "CNY", "7.8535")
	cases := []struct {
		name   string
		ref    Rate
		markup string
		ttl    time.Duration
		mode   Rounding
		newID  func() string
		want   error
	}{
		{"an unknown merchant currency", ecbRate("XYZ", "CNY", "7.8"), "1", time.Minute, RoundHalfUp, fixedID, ErrUnknownCurrency},
		{"an unknown wallet currency", ecbRate("EUR", "cny", "7.8"), "1", time.Minute, RoundHalfUp, fixedID, ErrUnknownCurrency},
		{"the same currency on both sides", ecbRate("EUR", "EUR", "1"), "1", time.Minute, RoundHalfUp, fixedID, ErrInvalidQuote},
		{"a zero rate", ecbRate("EUR", "CNY", "0"), "1", time.Minute, RoundHalfUp, fixedID, ErrInvalidRate},
		{"a negative mark-up", good, "-0.01", time.Minute, RoundHalfUp, fixedID, ErrInvalidMarkup},
		{"a mark-up above 20 %", good, "20.01", time.Minute, RoundHalfUp, fixedID, ErrInvalidMarkup},
		{"a mark-up with three decimals", good, "2.505", time.Minute, RoundHalfUp, fixedID, ErrInvalidMarkup},
		{"no rounding mode", good, "1", time.Minute, 0, fixedID, ErrInvalidRounding},
		{"a zero time to live", good, "1", 0, RoundHalfUp, fixedID, ErrInvalidQuote},
		{"no ID generator", good, "1", time.Minute, RoundHalfUp, nil, ErrInvalidQuote},
		{"an empty ID", good, "1", time.Minute, RoundHalfUp, func() string { return "" }, ErrInvalidQuote},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewQuote(c.ref, decimal.RequireFromString(c.markup), c.ttl, quoteTime, c.mode, c.newID)
			if !errors.Is(err, c.want) {
				t.Fatalf("NewQuote = %v; want %v", err, c.want)
			}
		})
	}
	for _, markup := range []string{"0", "20", "20.00", "2.5"} {
		if _, err := NewQuote(good, decimal.RequireFromString(markup), time.Minute, quoteTime, RoundHalfEven, fixedID); err != nil {
			t.Errorf("mark-up %s: %v", markup, err)
		}
	}
}

func TestQuoteExpiresAtItsExpiryInstant(t *testing.T) {
	q := mustQuote(t, ecbRate("EUR", "THB", "38.5"), "1", RoundHalfUp)
	if q.Expired(quoteTime) || q.Expired(q.ExpiresAt.Add(-time.Nanosecond)) {
		t.Error("a quote is expired before its expiry")
	}
	if !q.Expired(q.ExpiresAt) || !q.Expired(q.ExpiresAt.Add(time.Hour)) {
		t.Error("a quote is not expired at or after its expiry")
	}
}

func TestMarkupDE48HasTwoDecimals(t *testing.T) {
	for markup, want := range map[string]string{"2.50": "2.50", "2.5": "2.50", "0": "0.00", "20": "20.00", "0.07": "0.07"} {
		q := mustQuote(t, ecbRate("EUR", "CNY", "7.85"), markup, RoundHalfUp)
		if got := q.MarkupDE48(); got != want {
			t.Errorf("MarkupDE48 for %s = %q; want %q", markup, got, want)
		}
	}
}

func TestDE10UsesTheMostDecimalPlacesThatFit(t *testing.T) {
	cases := []struct{ rate, want string }{
		{"7.8534512", "67853451"},
		{"0.78534512", "77853451"},
		{"1342.61", "31342610"},
		{"1493.1995", "31493200"},   // 1493199.5 rounds half-up
		{"1493.19949", "31493199"},  // just below the tie
		{"9.99999995", "51000000"},  // carries out of six places
		{"0.1234567", "71234567"},   // exactly seven digits
		{"0.00000005", "70000001"},  // the smallest rate that shows
		{"1", "61000000"},           // 1.000000
		{"163", "41630000"},         // 163.0000
		{"9999999.4", "09999999"},   // no decimals left
		{"1234567.89", "01234568"},  //
		{"38.50000049", "53850000"}, // 3850000.049
	}
	for _, c := range cases {
		q := Quote{Applied: decimal.RequireFromString(c.rate)}
		got, err := q.DE10()
		if err != nil || got != c.want {
			t.Errorf("DE10(%s) = %q, %v; want %q", c.rate, got, err, c.want)
		}
	}
	for _, rate := range []string{"9999999.5", "10000000", "123456789", "0.00000004", "0", "-1"} {
		q := Quote{Applied: decimal.RequireFromString(rate)}
		if got, err := q.DE10(); !errors.Is(err, ErrRateNotEncoded) {
			t.Errorf("DE10(%s) = %q, %v; want ErrRateNotEncoded", rate, got, err)
		}
	}
}

func TestDE10ReadsBackWithinHalfAUnitOfTheLastPlace(t *testing.T) {
	random := rand.New(rand.NewPCG(10, 8583))
	for range 5000 {
		rate := decimal.New(random.Int64N(1_000_000_000_000)+1, -int32(random.IntN(12)))
		got, err := Quote{Applied: rate}.DE10()
		if err != nil {
			if rate.GreaterThanOrEqual(decimal.RequireFromString("9999999.5")) || rate.LessThan(decimal.RequireFromString("0.00000005")) {
				continue
			}
			t.Fatalf("DE10(%s): %v", rate, err)
		}
		places := int32(got[0] - '0')
		digits, _ := strconv.ParseInt(got[1:], 10, 64)
		shown := decimal.New(digits, -places)
		if len(got) != 8 || shown.Sub(rate).Abs().GreaterThan(decimal.New(5, -places-1)) {
			t.Fatalf("DE10(%s) = %q reads back as %s", rate, got, shown)
		}
		if places < 7 && digits < 1_000_000 {
			t.Fatalf("DE10(%s) = %q does not use the most decimal places", rate, got)
		}
	}
}

func TestRefundChargeWorkedExample(t *testing.T) {
	q := mustQuote(t, ecbRate("EUR", "KRW", "1456.78"), "2.50", RoundHalfUp)
	charged, err := q.Charge(10000) // 149319.95 → 149320 KRW
	if err != nil || charged != 149320 {
		t.Fatalf("Charge = %d, %v", charged, err)
	}
	steps := []struct{ refund, want int64 }{
		{3333, 49769}, // 49768.339335 rounded up
		{3333, 49769}, // again
		{3334, 49782}, // 49783.27133 rounds up to 49784, capped at the remaining 49782
	}
	var returned int64
	for _, s := range steps {
		got, err := RefundCharge(q, s.refund, 10000, charged, returned)
		if err != nil || got != s.want {
			t.Fatalf("refund of %d after %d returned = %d, %v; want %d", s.refund, returned, got, err, s.want)
		}
		returned += got
	}
	if returned != charged {
		t.Errorf("returned %d of %d", returned, charged)
	}
	full, err := RefundCharge(q, 10000, 10000, charged, 0)
	if err != nil || full != charged {
		t.Errorf("a full refund = %d, %v; want %d", full, err, charged)
	}
}

func TestRefundChargeRejectsBadInput(t *testing.T) {
	q := mustQuote(t, ecbRate("EUR", "CNY", "7.85"), "1", RoundHalfEven)
	cases := []struct {
		name                                string
		refund, purchase, charged, refunded int64
	}{
		{"a zero refund", 0, 1000, 7929, 0},
		{"a negative refund", -1, 1000, 7929, 0},
		{"a refund above the purchase", 1001, 1000, 7929, 0},
		{"a negative charge", 10, 1000, -1, 0},
		{"a negative amount already refunded", 10, 1000, 7929, -1},
		{"more refunded than charged", 10, 1000, 7929, 7930},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, err := RefundCharge(q, c.refund, c.purchase, c.charged, c.refunded); !errors.Is(err, ErrInvalidRefund) {
				t.Fatalf("RefundCharge = %d, %v; want ErrInvalidRefund", got, err)
			}
		})
	}
	if got, err := RefundCharge(Quote{From: "XXX", To: "CNY"}, 1, 1, 1, 0); !errors.Is(err, ErrUnknownCurrency) {
		t.Errorf("unknown currency: %d, %v", got, err)
	}
}

// Random purchases split into random partial refunds, at every exponent
// pair and in both modes: the running total never passes the charge, each
// refund is at most its exact share rounded up, and a sequence that
// refunds the whole purchase returns exactly the charge.
func TestPartialRefundsNeverReturnMoreThanChargedAndAllOfItAtTheEnd(t *testing.T) {
	random := rand.New(rand.NewPCG(1, 4))
	codes := []string{"KRW", "JPY", "EUR", "CNY", "THB", "KWD", "BHD"}
	for range 5000 {
		from, to := codes[random.IntN(len(codes))], codes[random.IntN(len(codes))]
		if from == to {
			continue
		}
		ref := Rate{Base: from, Quote: to, Value: decimal.New(random.Int64N(9_999_999)+1, -int32(random.IntN(9)))}
		mode := []Rounding{RoundHalfUp, RoundHalfEven}[random.IntN(2)]
		q, err := NewQuote(ref, decimal.New(random.Int64N(2001), -2), time.Minute, quoteTime, mode, fixedID)
		if err != nil {
			t.Fatal(err)
		}
		purchase := random.Int64N(10_000_000) + 1
		charged, err := q.Charge(purchase)
		if errors.Is(err, ErrAmountTooLarge) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		completes := random.IntN(4) != 0 // a quarter of the sequences stop short
		var refundedMerchant, refundedWallet int64
		for refundedMerchant < purchase {
			part := random.Int64N(min(purchase-refundedMerchant, 1+purchase/int64(1+random.IntN(20)))) + 1
			if !completes && refundedMerchant+part == purchase {
				break
			}
			got, err := RefundCharge(q, part, purchase, charged, refundedWallet)
			if err != nil {
				t.Fatalf("RefundCharge(%d of %d, %d charged, %d back): %v", part, purchase, charged, refundedWallet, err)
			}
			ceiling, _ := convert(part, mustExponent(t, from), q.Applied, mustExponent(t, to), roundUp)
			if got < 0 || got > ceiling {
				t.Fatalf("refund of %d returned %d, above its share rounded up %d", part, got, ceiling)
			}
			refundedMerchant += part
			refundedWallet += got
			if refundedWallet > charged {
				t.Fatalf("%s→%s at %s: returned %d of %d charged", from, to, q.Applied, refundedWallet, charged)
			}
		}
		if refundedMerchant == purchase && refundedWallet != charged {
			t.Fatalf("%s→%s at %s (%v): full refund of %d returned %d of %d charged", from, to, q.Applied, mode, purchase, refundedWallet, charged)
		}
	}
}

// go test -run '^$' -bench 'Convert|QuoteCharge' -benchmem ./fx/
func BenchmarkQuoteCharge(b *testing.B) {
	q := mustQuote(b, ecbRate("EUR", "KRW", "1456.78"), "2.50", RoundHalfEven)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := q.Charge(int64(1234 + i%1000)); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAppliedRateKeepsFewCoefficientDigits(t *testing.T) {
	q := mustQuote(t, ecbRate("EUR", "KRW", "1456.7800"), "2.50", RoundHalfUp)
	if q.Applied.Exponent() != -4 || q.Applied.CoefficientInt64() != 14931995 {
		t.Errorf("Applied = %d × 10^%d; want 14931995 × 10^-4", q.Applied.CoefficientInt64(), q.Applied.Exponent())
	}
	if allocs := testing.AllocsPerRun(100, func() { _, _ = q.Charge(1234) }); allocs != 0 {
		t.Errorf("Charge allocates %v times; want 0", allocs)
	}
}
