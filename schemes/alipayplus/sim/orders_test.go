package sim_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
	"github.com/meridian-gw/meridian/schemes/emvco"
	"github.com/meridian-gw/meridian/schemes/internal/adaptertest"
	"github.com/meridian-gw/meridian/schemes/simkit"
)

// orderRequest is an order code pay request for minorUnits in EUR.
func orderRequest(id string, minorUnits int64) *alipayplus.PayRequest {
	req := payRequest(id, "", minorUnits)
	req.PaymentMethod = alipayplus.PaymentMethod{PaymentMethodType: alipayplus.PaymentMethodConnectWallet}
	req.PaymentFactor = &alipayplus.PaymentFactor{IsInStorePayment: "true", InStorePaymentScenario: alipayplus.InStoreScenarioOrderCode}
	req.Order.Merchant.MerchantAddress = &alipayplus.Address{Region: "DE", City: "Berlin"}
	return req
}

// createOrder places an order and returns its QR payload.
func createOrder(t *testing.T, c *alipayplus.Client, req *alipayplus.PayRequest) (*alipayplus.PayResponse, string) {
	t.Helper()
	resp, err := c.Pay(context.Background(), req)
	if err != nil {
		t.Fatalf("Pay (order code) %s: %v", req.PaymentRequestID, err)
	}
	wantCode(t, "order code", resp.Result, "U", "PAYMENT_IN_PROCESS")
	form := resp.OrderCodeForm
	if form == nil || len(form.CodeDetails) != 1 || form.CodeDetails[0].DisplayType != alipayplus.DisplayTypeText || form.ExpireTime == "" {
		t.Fatalf("order code answer = %+v, want one TEXT code and its expiry", resp)
	}
	return resp, form.CodeDetails[0].CodeValue
}

func scanQR(t *testing.T, baseURL, qr string) *simkit.ScanAnswer {
	t.Helper()
	answer, err := simkit.Scan(context.Background(), http.DefaultClient, baseURL, qr)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return answer
}

func wantOrderInquiry(t *testing.T, c *alipayplus.Client, id, status, orderStatus string) *alipayplus.InquiryPaymentResponse {
	t.Helper()
	resp := mustInquire(t, c, id)
	if resp.PaymentStatus != status || resp.SimOrderStatus != orderStatus {
		t.Fatalf("inquiry of %s = %s / %s, want %s / %s", id, resp.PaymentStatus, resp.SimOrderStatus, status, orderStatus)
	}
	return resp
}

func TestAnOrderCodeIsAnEMVCoPayloadThatPaysWhenScanned(t *testing.T) {
	s, srv := startSim(t, nil)
	c := newClient(t, srv.URL, 5*time.Second)
	created, qr := createOrder(t, c, orderRequest("order-1", 1250))
	mpm, err := emvco.ParseMPM(qr)
	if err != nil {
		t.Fatalf("the order code is not a valid EMVCo payload: %v", err)
	}
	p, _ := s.Ledger().Payment("order-1")
	account := mpm.MerchantAccounts[0]
	if account.Tag != "26" || account.GUID != alipayplus.OrderCodeGUID || account.Fields[0] != (emvco.Field{ID: "01", Value: p.OrderToken}) {
		t.Fatalf("merchant account = %+v, want template 26 with %s and the order token", account, alipayplus.OrderCodeGUID)
	}
	if mpm.Currency != "978" || mpm.Amount != "12.50" || mpm.Country != "DE" || mpm.MerchantCity != "Berlin" ||
		mpm.Additional[0] != (emvco.Field{ID: "05", Value: "order-1"}) || mpm.PointOfInitiation != emvco.PointOfInitiationDynamic {
		t.Fatalf("payload = %+v", mpm)
	}
	if created.PaymentID != p.WalletTxnID || p.Status != sim.StatusAwaitingCustomer {
		t.Fatalf("ledger = %+v, answer paymentId %s", p, created.PaymentID)
	}
	wantOrderInquiry(t, c, "order-1", alipayplus.PaymentStatusProcessing, alipayplus.SimOrderAwaitingCustomer)

	answer := scanQR(t, srv.URL, qr)
	if answer.Status != sim.StatusPaid || answer.RequestID != "order-1" || answer.Amount != 1250 || answer.WalletBrand != sim.DefaultScanBrand {
		t.Fatalf("scan = %+v", answer)
	}
	paid := wantOrderInquiry(t, c, "order-1", alipayplus.PaymentStatusSuccess, alipayplus.SimOrderScanned)
	if paid.PaymentAmount == nil || paid.PaymentAmount.Value != "1250" || paid.WalletBrandName != sim.DefaultScanBrand {
		t.Fatalf("paid inquiry = %+v", paid)
	}
	repeat, repeatQR := mustPayOrder(t, c, orderRequest("order-1", 1250))
	wantCode(t, "repeat of a paid order", repeat.Result, "S", "SUCCESS")
	if repeatQR != qr {
		t.Fatal("a repeat of the order answered another code")
	}
	if _, err := simkit.Scan(context.Background(), http.DefaultClient, srv.URL, qr); !isScanRefusal(err, http.StatusConflict) {
		t.Fatalf("second scan = %v, want HTTP 409", err)
	}
	if p, _ := s.Ledger().Payment("order-1"); p.Charges != 1 || p.PayCalls != 2 {
		t.Fatalf("ledger = %d charges over %d calls, want 1 over 2", p.Charges, p.PayCalls)
	}
	if err := s.Ledger().Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func mustPayOrder(t *testing.T, c *alipayplus.Client, req *alipayplus.PayRequest) (*alipayplus.PayResponse, string) {
	t.Helper()
	resp, err := c.Pay(context.Background(), req)
	if err != nil {
		t.Fatalf("Pay (order code): %v", err)
	}
	if resp.OrderCodeForm == nil || len(resp.OrderCodeForm.CodeDetails) == 0 {
		return resp, ""
	}
	return resp, resp.OrderCodeForm.CodeDetails[0].CodeValue
}

func isScanRefusal(err error, status int) bool {
	var refused *simkit.ScanError
	return errors.As(err, &refused) && refused.StatusCode == status
}

func TestACancelledOrderCannotBePaid(t *testing.T) {
	s, srv := startSim(t, nil)
	c := newClient(t, srv.URL, 5*time.Second)
	_, qr := createOrder(t, c, orderRequest("order-cancelled", 1000))
	wantCode(t, "cancel of an open order", mustCancel(t, c, "order-cancelled").Result, "S", "SUCCESS")
	if _, err := simkit.Scan(context.Background(), http.DefaultClient, srv.URL, qr); !isScanRefusal(err, http.StatusConflict) {
		t.Fatalf("scan after the cancel = %v, want HTTP 409", err)
	}
	wantOrderInquiry(t, c, "order-cancelled", alipayplus.PaymentStatusCancelled, alipayplus.SimOrderClosed)

	_, qr = createOrder(t, c, orderRequest("order-reversed", 1000))
	scanQR(t, srv.URL, qr)
	wantCode(t, "cancel of a paid order", mustCancel(t, c, "order-reversed").Result, "S", "SUCCESS")
	if p, _ := s.Ledger().Payment("order-reversed"); p.Status != sim.StatusCancelled || p.Reversed != 1000 {
		t.Fatalf("paid order after the cancel = %s, reversed %d", p.Status, p.Reversed)
	}
	if err := s.Ledger().Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func TestAnOrderNotPaidInTimeExpires(t *testing.T) {
	clock := adaptertest.NewClock()
	_, srv := startSim(t, func(c *sim.Config) { c.Now = clock.Now })
	c := newClient(t, srv.URL, 5*time.Second)
	req := orderRequest("order-late", 1000)
	req.PaymentExpiryTime = clock.Now().Add(5 * time.Minute).Format(time.RFC3339)
	created, qr := createOrder(t, c, req)
	if created.OrderCodeForm.ExpireTime != "2026-03-01T10:05:00Z" {
		t.Fatalf("expireTime = %s, want the one asked for", created.OrderCodeForm.ExpireTime)
	}
	clock.Advance(5 * time.Minute)
	resp := wantOrderInquiry(t, c, "order-late", alipayplus.PaymentStatusFail, alipayplus.SimOrderClosed)
	wantCode(t, "expired order", *resp.PaymentResult, "F", "EXPIRED_CODE")
	if _, err := simkit.Scan(context.Background(), http.DefaultClient, srv.URL, qr); !isScanRefusal(err, http.StatusConflict) {
		t.Fatalf("scan of an expired order = %v, want HTTP 409", err)
	}
}

func TestOrderCodeRequestsAreChecked(t *testing.T) {
	clock := adaptertest.NewClock()
	_, srv := startSim(t, func(c *sim.Config) { c.Now = clock.Now })
	c := newClient(t, srv.URL, 5*time.Second)
	far := orderRequest("order-far", 1000)
	far.PaymentExpiryTime = clock.Now().Add(2 * time.Hour).Format(time.RFC3339)
	if created, _ := createOrder(t, c, far); created.OrderCodeForm.ExpireTime != "2026-03-01T10:30:00Z" {
		t.Fatalf("expireTime = %s, want it shortened to 30 minutes", created.OrderCodeForm.ExpireTime)
	}
	if created, _ := createOrder(t, c, orderRequest("order-default", 1000)); created.OrderCodeForm.ExpireTime != "2026-03-01T10:15:00Z" {
		t.Fatalf("expireTime = %s, want the default 15 minutes", created.OrderCodeForm.ExpireTime)
	}
	refused := map[string]struct {
		change func(*alipayplus.PayRequest)
		code   string
	}{
		"an expiry in the past":       {func(r *alipayplus.PayRequest) { r.PaymentExpiryTime = "2026-03-01T09:00:00Z" }, "PARAM_ILLEGAL"},
		"an expiry that is no time":   {func(r *alipayplus.PayRequest) { r.PaymentExpiryTime = "soon" }, "PARAM_ILLEGAL"},
		"a payment code":              {func(r *alipayplus.PayRequest) { r.PaymentMethod.PaymentMethodID = code }, "PARAM_ILLEGAL"},
		"no merchant":                 {func(r *alipayplus.PayRequest) { r.Order.Merchant.ReferenceMerchantID = "" }, "PARAM_ILLEGAL"},
		"a bad order amount":          {func(r *alipayplus.PayRequest) { r.Order.OrderAmount.Value = "1.00" }, "PARAM_ILLEGAL"},
		"a currency without a number": {func(r *alipayplus.PayRequest) { r.PaymentAmount.Currency = "XYZ" }, "CURRENCY_NOT_SUPPORT"},
	}
	for name, r := range refused {
		t.Run("An order code request with "+name+" is refused.", func(t *testing.T) {
			req := orderRequest("refused-"+strings.ReplaceAll(name, " ", "-"), 1000)
			r.change(req)
			resp, err := c.Pay(context.Background(), req)
			if err != nil {
				t.Fatalf("Pay: %v", err)
			}
			wantCode(t, name, resp.Result, "F", r.code)
		})
	}
	changed := orderRequest("order-default", 2000)
	if resp, _ := c.Pay(context.Background(), changed); resp == nil || resp.Result.ResultCode != "REPEAT_REQ_INCONSISTENT" {
		t.Fatalf("order repeated with another amount = %+v", resp)
	}
	if resp, _ := c.Pay(context.Background(), payRequest("order-default", code, 1000)); resp == nil || resp.Result.ResultCode != "REPEAT_REQ_INCONSISTENT" {
		t.Fatalf("a payment under an order's id = %+v", resp)
	}
}

func TestTheOrderAmountChoosesTheOutcome(t *testing.T) {
	_, srv := startSim(t, nil)
	c := newClient(t, srv.URL, 5*time.Second)
	converted := payRequest("converted", code, 7800)
	converted.PaymentAmount.Currency = "CNY"
	converted.Order.OrderAmount = alipayplus.NewAmount("EUR", 1051)
	resp, err := c.Pay(context.Background(), converted)
	if err != nil {
		t.Fatalf("Pay: %v", err)
	}
	wantCode(t, "CNY 78.00 for EUR 10.51", resp.Result, "F", "USER_BALANCE_NOT_ENOUGH")

	order := orderRequest("converted-order", 7800)
	order.PaymentAmount.Currency = "CNY"
	order.Order.OrderAmount = alipayplus.NewAmount("EUR", 1061)
	_, qr := createOrder(t, c, order)
	if answer := scanQR(t, srv.URL, qr); answer.Status != sim.StatusFailed || answer.ResultCode != "USER_AMOUNT_EXCEED_LIMIT" ||
		answer.MerchantAmount != 1061 || answer.MerchantCurrency != "EUR" || answer.Amount != 7800 {
		t.Fatalf("scan = %+v", answer)
	}
}

func TestAScannedNinetySixOrderLosesItsNextInquiry(t *testing.T) {
	_, srv := startSim(t, nil)
	c := newClient(t, srv.URL, 5*time.Second)
	_, qr := createOrder(t, c, orderRequest("order-96", 1096))
	scanQR(t, srv.URL, qr)
	_, err := c.InquiryPayment(context.Background(), &alipayplus.InquiryPaymentRequest{PaymentRequestID: "order-96"})
	if !errors.Is(err, alipayplus.ErrHTTPStatus) || !strings.Contains(err.Error(), "500") {
		t.Fatalf("first inquiry error = %v, want HTTP 500", err)
	}
	wantOrderInquiry(t, c, "order-96", alipayplus.PaymentStatusSuccess, alipayplus.SimOrderScanned)
}

func TestAScanOfSomethingElseIsNotFound(t *testing.T) {
	_, srv := startSim(t, nil)
	other, err := emvco.BuildMPM(emvco.MPM{MerchantAccounts: []emvco.MerchantAccount{{Tag: "26", GUID: "COM.EXAMPLE", Fields: []emvco.Field{{ID: "01", Value: "x"}}}},
		MCC: "5812", Currency: "978", Country: "DE", MerchantName: "Cafe", MerchantCity: "Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	for _, qr := range []string{other, "not a QR payload", code} {
		if _, err := simkit.Scan(context.Background(), http.DefaultClient, srv.URL, qr); !isScanRefusal(err, http.StatusNotFound) {
			t.Fatalf("scan of %.12q = %v, want HTTP 404", qr, err)
		}
	}
}

func TestAnOpenOrderSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	clock := adaptertest.NewClock()
	first := startDurable(t, path, clock, nil)
	_, qr := createOrder(t, newClient(t, first.srv.URL, 5*time.Second), orderRequest("order-durable", 1000))
	first.stop()
	second := startDurable(t, path, clock, nil)
	if answer := scanQR(t, second.srv.URL, qr); answer.Status != sim.StatusPaid {
		t.Fatalf("scan after the restart = %+v", answer)
	}
	if p, _ := second.sim.Ledger().Payment("order-durable"); p.Charges != 1 {
		t.Fatalf("order after the restart and the scan = %+v", p)
	}
}
