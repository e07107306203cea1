package contract_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/contract"
)

const code = "281234567890123456"

var limits = contract.Limits{KeyLengthMax: 64, MerchantIDLengthMax: 100, ExpiresInSecondsMax: 86400}

func goodPay() *schemev1.PayRequest {
	return &schemev1.PayRequest{
		IdempotencyKey: "key-1", PaymentCode: code,
		Amount:         &schemev1.Money{Currency: "EUR", MinorUnits: 1000},
		MerchantAmount: &schemev1.Money{Currency: "EUR", MinorUnits: 1000},
		Merchant:       &schemev1.MerchantInfo{MerchantId: "M-1"},
	}
}

func goodOrder() *schemev1.CreateOrderRequest {
	return &schemev1.CreateOrderRequest{
		IdempotencyKey: "key-2", Amount: &schemev1.Money{Currency: "THB", MinorUnits: 15000},
		Merchant: &schemev1.MerchantInfo{MerchantId: "M-1"}, ExpiresInSeconds: 300,
	}
}

// wantInvalid checks that err is InvalidArgument naming field, and that it
// never quotes the payment code.
func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	st, ok := status.FromError(err)
	switch {
	case err == nil:
		t.Fatalf("accepted, want InvalidArgument naming %s", field)
	case !ok || st.Code() != codes.InvalidArgument:
		t.Fatalf("error %v, want InvalidArgument", err)
	case !strings.HasPrefix(st.Message(), field+" "):
		t.Fatalf("message %q does not name %s", st.Message(), field)
	case strings.Contains(st.Message(), code):
		t.Fatalf("message %q quotes the code", st.Message())
	}
}

func TestWellFormedRequestsPass(t *testing.T) {
	refund := &schemev1.RefundRequest{RefundIdempotencyKey: "r-1", PaymentIdempotencyKey: "key-1",
		Amount: &schemev1.Money{Currency: "EUR", MinorUnits: 1}}
	noMerchantAmount := goodPay()
	noMerchantAmount.MerchantAmount = nil
	for name, err := range map[string]error{
		"pay":                         limits.CheckPay(goodPay()),
		"pay without merchant amount": limits.CheckPay(noMerchantAmount),
		"order":                       limits.CheckCreateOrder(goodOrder()),
		"refund":                      limits.CheckRefund(refund),
		"key":                         limits.CheckKey("idempotency_key", strings.Repeat("k", 64)),
		"long key without a bound":    contract.Limits{}.CheckKey("idempotency_key", strings.Repeat("k", 1000)),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestMalformedPaysAreInvalidArgumentNamingTheField(t *testing.T) {
	cases := []struct {
		name, field string
		spoil       func(*schemev1.PayRequest)
	}{
		{"An empty key is refused.", "idempotency_key", func(p *schemev1.PayRequest) { p.IdempotencyKey = "" }},
		{"A key over the wallet's limit is refused.", "idempotency_key", func(p *schemev1.PayRequest) { p.IdempotencyKey = strings.Repeat("k", 65) }},
		{"An empty code is refused.", "payment_code", func(p *schemev1.PayRequest) { p.PaymentCode = "" }},
		{"A missing amount is refused.", "amount", func(p *schemev1.PayRequest) { p.Amount = nil }},
		{"An amount without currency is refused.", "amount.currency", func(p *schemev1.PayRequest) { p.Amount.Currency = "" }},
		{"A lower-case currency is refused.", "amount.currency", func(p *schemev1.PayRequest) { p.Amount.Currency = "eur" }},
		{"A negative amount is refused.", "amount.minor_units", func(p *schemev1.PayRequest) { p.Amount.MinorUnits = -1 }},
		{"A zero amount is refused.", "amount.minor_units", func(p *schemev1.PayRequest) { p.Amount.MinorUnits = 0 }},
		{"A malformed merchant amount is refused.", "merchant_amount.currency", func(p *schemev1.PayRequest) { p.MerchantAmount.Currency = "EURO" }},
		{"A zero merchant amount is refused.", "merchant_amount.minor_units", func(p *schemev1.PayRequest) { p.MerchantAmount.MinorUnits = 0 }},
		{"A missing merchant is refused.", "merchant.merchant_id", func(p *schemev1.PayRequest) { p.Merchant = nil }},
		{"A merchant id over the wallet's limit is refused.", "merchant.merchant_id", func(p *schemev1.PayRequest) { p.Merchant.MerchantId = strings.Repeat("m", 101) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := goodPay()
			c.spoil(req)
			wantInvalid(t, limits.CheckPay(req), c.field)
		})
	}
	t.Run("The message says the wallet's limit.", func(t *testing.T) {
		req := goodPay()
		req.IdempotencyKey = strings.Repeat("k", 65)
		if err := limits.CheckPay(req); !strings.Contains(err.Error(), "longer than 64 characters") {
			t.Fatalf("error %v does not say the limit", err)
		}
	})
}

func TestOrderLifetimesAreCheckedAgainstTheWalletsBound(t *testing.T) {
	for _, c := range []struct {
		name    string
		limits  contract.Limits
		seconds int64
		want    string
	}{
		{"A negative lifetime is refused without a bound.", contract.Limits{}, -1, "must not be negative"},
		{"A negative lifetime is refused with a bound.", limits, -1, "must be between 0 and 86400"},
		{"A lifetime over the bound is refused.", limits, 86401, "must be between 0 and 86400"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := goodOrder()
			req.ExpiresInSeconds = c.seconds
			err := c.limits.CheckCreateOrder(req)
			wantInvalid(t, err, "expires_in_seconds")
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
	req := goodOrder()
	req.ExpiresInSeconds = 86400
	if err := limits.CheckCreateOrder(req); err != nil {
		t.Fatalf("a lifetime at the bound is refused: %v", err)
	}
}

func TestMalformedRefundsNameTheField(t *testing.T) {
	for field, spoil := range map[string]func(*schemev1.RefundRequest){
		"refund_idempotency_key":  func(r *schemev1.RefundRequest) { r.RefundIdempotencyKey = "" },
		"payment_idempotency_key": func(r *schemev1.RefundRequest) { r.PaymentIdempotencyKey = strings.Repeat("k", 65) },
		"amount":                  func(r *schemev1.RefundRequest) { r.Amount = nil },
	} {
		req := &schemev1.RefundRequest{RefundIdempotencyKey: "r-1", PaymentIdempotencyKey: "key-1",
			Amount: &schemev1.Money{Currency: "EUR", MinorUnits: 1}}
		spoil(req)
		wantInvalid(t, limits.CheckRefund(req), field)
	}
}

func TestSchemeTextIsBoundedScrubbedAndValidUTF8(t *testing.T) {
	t.Run("A code in a wallet's message is masked, short numbers are kept.", func(t *testing.T) {
		got := contract.SchemeText("code " + code + " rejected, MCC 5812")
		if got != "code 2812****3456 rejected, MCC 5812" {
			t.Fatalf("SchemeText = %q", got)
		}
	})
	t.Run("A long message is cut to the bound on a character boundary.", func(t *testing.T) {
		got := contract.SchemeText(strings.Repeat("a", contract.SchemeTextLengthMax-1) + "é and more")
		if !utf8.ValidString(got) || len(got) != contract.SchemeTextLengthMax-1 {
			t.Fatalf("SchemeText cut to %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
		}
	})
	t.Run("Invalid UTF-8 from the wallet is dropped.", func(t *testing.T) {
		if got := contract.SchemeText("ok\xff"); got != "ok" {
			t.Fatalf("SchemeText = %q", got)
		}
	})
}

func TestResultsOfCallsThatWereNotAnswered(t *testing.T) {
	t.Run("An error the wallet may have acted on is UNKNOWN, its text scrubbed.", func(t *testing.T) {
		r := contract.Unknown(errors.New("post: code " + code + ": timeout"))
		if r.Status != schemev1.ResultStatus_RESULT_STATUS_UNKNOWN || r.Reason != schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED ||
			strings.Contains(r.Message, code) || !strings.Contains(r.Message, "timeout") {
			t.Fatalf("Unknown = %v", r)
		}
	})
	t.Run("A local failure carries its reason, scheme code and message.", func(t *testing.T) {
		r := contract.LocalFailure(schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT, "CURRENCY_NOT_SUPPORT", "EUR only")
		if r.Status != schemev1.ResultStatus_RESULT_STATUS_FAILURE || r.Reason != schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT ||
			r.SchemeCode != "CURRENCY_NOT_SUPPORT" || r.Message != "EUR only" {
			t.Fatalf("LocalFailure = %v", r)
		}
	})
}

func TestCancelWindowSeconds(t *testing.T) {
	for _, c := range []struct {
		name   string
		window time.Duration
		want   int64
	}{
		{"Zero takes the wallet's window.", 0, 900},
		{"A configured window is reported.", time.Hour, 3600},
		{"A negative window reports not known.", -time.Second, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := contract.CancelWindowSeconds(c.window, 15*time.Minute); got != c.want {
				t.Fatalf("CancelWindowSeconds(%v) = %d, want %d", c.window, got, c.want)
			}
		})
	}
}

func TestCallLogNamesTheCallAndNeverTheCode(t *testing.T) {
	var buf bytes.Buffer
	calls := contract.NewCallLog(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), "EXAMPLEPAY", "examplepay")
	ctx := context.Background()
	calls.Unknown(ctx, "pay", "key-1", errors.New("wallet echoed "+code), slog.String("code", "2812****3456"))
	calls.Answered(ctx, "cancel", "key-1", contract.LocalFailure(schemev1.FailureReason_FAILURE_REASON_NOT_FOUND, "ORDER_NOT_EXIST", ""))
	out := buf.String()
	for _, want := range []string{
		`level=WARN msg="examplepay call outcome unknown" scheme=EXAMPLEPAY code=2812****3456 op=pay idempotency_key=key-1`,
		`level=DEBUG msg="examplepay call answered" scheme=EXAMPLEPAY op=cancel idempotency_key=key-1 status=RESULT_STATUS_FAILURE reason=FAILURE_REASON_NOT_FOUND scheme_code=ORDER_NOT_EXIST`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, code) {
		t.Fatalf("logs show the code:\n%s", out)
	}
}

func TestTruncateNeverSplitsACharacter(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"Café", 10, "Café"},
		{"Café", 4, "Caf"},
		{"Café", 5, "Café"},
		{"한국", 2, ""},
	} {
		if got := contract.Truncate(c.in, c.n); got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestCopyMoneyDoesNotAlias(t *testing.T) {
	m := &schemev1.Money{Currency: "KRW", MinorUnits: 5000}
	c := contract.CopyMoney(m)
	m.MinorUnits = 1
	if c.GetCurrency() != "KRW" || c.GetMinorUnits() != 5000 || contract.CopyMoney(nil) != nil {
		t.Fatalf("CopyMoney = %v", c)
	}
}
