package kakaopay

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTimesAreKoreanLocalTimeWithoutAZone(t *testing.T) {
	utc := time.Date(2026, 3, 1, 15, 30, 45, 0, time.UTC)
	if got := FormatTime(utc); got != "2026-03-02T00:30:45" {
		t.Fatalf("FormatTime = %q, want the next day in Korea", got)
	}
	back, err := ParseTime("2026-03-02T00:30:45")
	if err != nil || !back.Equal(utc) {
		t.Fatalf("ParseTime = %v, %v; want %v", back, err, utc)
	}
	for _, bad := range []string{"", "2026-03-02 00:30:45", "2026-03-02T00:30:45Z", "yesterday"} {
		if _, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) succeeded", bad)
		}
	}
	if got := rfc3339("2026-03-02T00:30:45"); got != "2026-03-02T00:30:45+09:00" {
		t.Fatalf("rfc3339 = %q", got)
	}
	if got := rfc3339("not a time"); got != "" {
		t.Fatalf("rfc3339 of garbage = %q, want empty", got)
	}
}

func TestVATIsAnEleventhOfTheTaxableAmountRoundedHalfUp(t *testing.T) {
	cases := []struct{ total, taxFree, want int64 }{
		{1100, 0, 100},
		{2200, 0, 200},
		{1000, 0, 91},   // 90.909…
		{16, 0, 1},      // 1.4545…
		{5, 0, 0},       // 0.4545…
		{1155, 0, 105},  // 105 exactly
		{1111, 11, 100}, // taxable 1100
		{500, 500, 0},
		{0, 0, 0},
	}
	for _, c := range cases {
		if got := VATOf(c.total, c.taxFree); got != c.want {
			t.Errorf("VATOf(%d, %d) = %d, want %d", c.total, c.taxFree, got, c.want)
		}
	}
}

// TestWireNamesAreKakaoPays pins the JSON names of the published fields:
// renaming one would break the real API while every test against the
// simulator still passed.
func TestWireNamesAreKakaoPays(t *testing.T) {
	available := int64(700)
	cases := map[string]struct {
		v    any
		want []string
	}{
		"ready": {&ReadyRequest{}, []string{"cid", "partner_order_id", "partner_user_id", "item_name", "quantity",
			"total_amount", "tax_free_amount", "approval_url", "cancel_url", "fail_url"}},
		"cancel": {&CancelRequest{CancelAvailableAmount: &available, Payload: "p", TID: "T"}, []string{"cid", "tid",
			"cancel_amount", "cancel_tax_free_amount", "cancel_available_amount", "payload"}},
		"order": {&OrderResponse{}, []string{"tid", "cid", "status", "partner_order_id", "partner_user_id", "amount",
			"canceled_amount", "cancel_available_amount", "item_name", "quantity", "created_at", "payment_action_details"}},
		"error": {&ErrorResponse{Extras: &Extras{MethodResultCode: "X", MethodResultMessage: "Y"}},
			[]string{"error_code", "error_message", "extras"}},
		"amount": {&Amount{}, []string{"total", "tax_free", "vat", "point", "discount"}},
		"action": {&PaymentAction{Payload: "p"}, []string{"aid", "approved_at", "amount", "point_amount",
			"discount_amount", "green_deposit", "payment_action_type", "payload"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			data, err := json.Marshal(c.v)
			if err != nil {
				t.Fatal(err)
			}
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(data, &fields); err != nil {
				t.Fatal(err)
			}
			for _, f := range c.want {
				if _, ok := fields[f]; !ok {
					t.Errorf("%s lacks %q: %s", name, f, data)
				}
			}
		})
	}
}

func TestErrorBodyDecodesAsKakaoPaySendsIt(t *testing.T) {
	body := `{"error_code":-780,"error_message":"approval failure!","extras":{"method_result_code":"USER_LOCKED","method_result_message":"진행중인 거래가 있습니다."}}`
	var e ErrorResponse
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatal(err)
	}
	if e.ErrorCode != ErrCodeApprovalFailure || e.Extras == nil || e.Extras.MethodResultCode != MethodUserLocked {
		t.Fatalf("decoded %+v", e)
	}
}
