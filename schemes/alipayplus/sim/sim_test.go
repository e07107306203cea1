package sim_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
	"github.com/meridian-gw/meridian/schemes/internal/adaptertest"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

const (
	clientID = "TEST_5Y00000000000001"
	code     = "271234567890123456" // prefix 27: TrueMoney
)

type keySet struct{ acquirer, wallet, stranger *rsa.PrivateKey }

// keys are generated once per test binary: each takes tens of milliseconds.
var keys = sync.OnceValue(func() keySet {
	generate := func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	}
	return keySet{generate(), generate(), generate()}
})

// startSim serves a simulator on a real HTTP listener.
func startSim(t *testing.T, change func(*sim.Config)) (*sim.Simulator, *httptest.Server) {
	t.Helper()
	cfg := sim.Config{AcquirerPublicKey: &keys().acquirer.PublicKey, WalletPrivateKey: keys().wallet, AcquirerClientID: clientID}
	if change != nil {
		change(&cfg)
	}
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() { s.Close(); srv.Close() })
	return s, srv
}

func newClient(t *testing.T, baseURL string, timeout time.Duration) *alipayplus.Client {
	t.Helper()
	c, err := alipayplus.NewClient(alipayplus.ClientConfig{
		BaseURL: baseURL, ClientID: clientID, PrivateKey: keys().acquirer,
		WalletPublicKey: &keys().wallet.PublicKey, Timeout: timeout,
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func payRequest(id, paymentCode string, minorUnits int64) *alipayplus.PayRequest {
	amount := alipayplus.NewAmount("EUR", minorUnits)
	return &alipayplus.PayRequest{
		ProductCode:      alipayplus.ProductCodeInStorePayment,
		PaymentRequestID: id,
		Order: alipayplus.Order{
			ReferenceOrderID: id, OrderDescription: "test", OrderAmount: amount,
			Merchant: alipayplus.Merchant{ReferenceMerchantID: "M-1", MerchantName: "Test", MerchantMCC: "5812"},
		},
		PaymentAmount: amount,
		PaymentMethod: alipayplus.PaymentMethod{PaymentMethodType: alipayplus.PaymentMethodConnectWallet, PaymentMethodID: paymentCode},
		PaymentFactor: &alipayplus.PaymentFactor{IsInStorePayment: "true", InStorePaymentScenario: alipayplus.InStoreScenarioPaymentCode},
	}
}

func wantCode(t *testing.T, what string, got alipayplus.Result, status, resultCode string) {
	t.Helper()
	if got.ResultStatus != status || got.ResultCode != resultCode {
		t.Fatalf("%s = %s %s, want %s %s", what, got.ResultStatus, got.ResultCode, status, resultCode)
	}
}

func TestPayAnswersTheAmountRuleInAlipayPlusTerms(t *testing.T) {
	_, srv := startSim(t, nil)
	client := newClient(t, srv.URL, 5*time.Second)
	cases := []struct {
		minorUnits int64
		status     string
		code       string
	}{
		{1000, "S", "SUCCESS"}, {1051, "F", "USER_BALANCE_NOT_ENOUGH"}, {1054, "F", "EXPIRED_CODE"},
		{1005, "F", "PROCESS_FAIL"}, {1059, "F", "RISK_REJECT"}, {1061, "F", "USER_AMOUNT_EXCEED_LIMIT"},
		{1091, "U", "PAYMENT_IN_PROCESS"}, {1092, "U", "PAYMENT_IN_PROCESS"}, {5, "F", "PROCESS_FAIL"}, {105, "F", "PROCESS_FAIL"},
	}
	for _, c := range cases {
		resp, err := client.Pay(context.Background(), payRequest(fmt.Sprintf("amount-%d", c.minorUnits), code, c.minorUnits))
		if err != nil {
			t.Fatalf("Pay %d: %v", c.minorUnits, err)
		}
		wantCode(t, fmt.Sprintf("Pay %d", c.minorUnits), resp.Result, c.status, c.code)
	}
	resp, err := client.Pay(context.Background(), payRequest("brand", code, 700))
	if err != nil {
		t.Fatalf("Pay: %v", err)
	}
	if resp.WalletBrandName != "TrueMoney" || resp.CustomerID == "" || resp.PaymentAmount.Value != "700" {
		t.Fatalf("Pay = %+v", resp)
	}
}

func TestPayTakesConsumerPresentedCodesOfTheAlipayPlusAID(t *testing.T) {
	s, srv := startSim(t, nil)
	client := newClient(t, srv.URL, 5*time.Second)
	codes := []struct{ name, id, aid string }{
		{"A code of the Alipay+ AID is paid.", "cpm-1", alipayplus.CPMApplicationID},
		{"A code of a longer AID that starts so is paid as well.", "cpm-2", alipayplus.CPMApplicationID + "0101"},
	}
	for _, c := range codes {
		t.Run(c.name, func(t *testing.T) {
			id, cpm := c.id, adaptertest.CPM(t, c.aid, "ALIPAY+")
			resp, err := client.Pay(context.Background(), payRequest(id, cpm, 1000))
			if err != nil {
				t.Fatalf("Pay: %v", err)
			}
			wantCode(t, "Pay", resp.Result, "S", "SUCCESS")
			if resp.WalletBrandName != sim.CPMBrand || resp.CustomerID == "" {
				t.Fatalf("Pay = brand %q, customer %q; want brand %q", resp.WalletBrandName, resp.CustomerID, sim.CPMBrand)
			}
			p, ok := s.Ledger().Payment(id)
			if !ok || p.Code != walletcode.Mask(cpm) || !strings.HasPrefix(p.Code, "CPV01:"+alipayplus.CPMApplicationID) {
				t.Fatalf("ledger keeps the code as %q, want its AIDs only", p.Code)
			}
		})
	}
	t.Run("A code of another wallet's AID is refused as invalid.", func(t *testing.T) {
		resp, err := client.Pay(context.Background(), payRequest("cpm-kakao", adaptertest.CPM(t, "F04B414B414F", "ALIPAY+"), 1000))
		if err != nil {
			t.Fatalf("Pay: %v", err)
		}
		wantCode(t, "Pay", resp.Result, "F", "INVALID_CODE")
	})
}

func TestLostResponseRecordsThePaymentAndAnswers500Once(t *testing.T) {
	s, srv := startSim(t, nil)
	client := newClient(t, srv.URL, 5*time.Second)
	_, err := client.Pay(context.Background(), payRequest("lost", code, 996))
	if !errors.Is(err, alipayplus.ErrHTTPStatus) || !strings.Contains(err.Error(), "500") {
		t.Fatalf("first Pay error = %v, want HTTP 500", err)
	}
	if p, _ := s.Ledger().Payment("lost"); p.Status != sim.StatusPaid || p.Charges != 1 {
		t.Fatalf("ledger after the lost response = %+v", p)
	}
	resp, err := client.Pay(context.Background(), payRequest("lost", code, 996))
	if err != nil {
		t.Fatalf("second Pay: %v", err)
	}
	wantCode(t, "second Pay", resp.Result, "S", "SUCCESS")
	if p, _ := s.Ledger().Payment("lost"); p.Charges != 1 || s.Ledger().PayCalls("lost") != 2 {
		t.Fatalf("ledger = %d charges over %d calls, want 1 over 2", p.Charges, s.Ledger().PayCalls("lost"))
	}
}

// finished wraps h and reports each time a request handler returns.
func finished(h http.Handler) (http.Handler, <-chan struct{}) {
	done := make(chan struct{}, 16)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { done <- struct{}{} }()
		h.ServeHTTP(w, r)
	}), done
}

func TestHeldResponseAnswersPaidAfterTheDelay(t *testing.T) {
	const slowDelay = 200 * time.Millisecond
	clock := adaptertest.NewClock() // stands still: the hold pays
	s, srv := startSim(t, func(c *sim.Config) { c.SlowDelay = slowDelay; c.Now = clock.Now })
	start := time.Now()
	resp, err := newClient(t, srv.URL, 5*time.Second).Pay(context.Background(), payRequest("held-paid", code, 2093))
	if err != nil {
		t.Fatalf("Pay: %v", err)
	}
	if elapsed := time.Since(start); elapsed < slowDelay {
		t.Fatalf("answered after %v, before the delay of %v", elapsed, slowDelay)
	}
	wantCode(t, "held Pay", resp.Result, "S", "SUCCESS")
	if p, _ := s.Ledger().Payment("held-paid"); p.Status != sim.StatusPaid || p.Charges != 1 {
		t.Fatalf("ledger = %s charged %d, want paid once", p.Status, p.Charges)
	}
}

func TestHeldResponseEndsWhenTheClientGoesAwayAndThePaymentIsStillPaid(t *testing.T) {
	clock := adaptertest.NewClock()
	s, err := sim.New(sim.Config{AcquirerPublicKey: &keys().acquirer.PublicKey, WalletPrivateKey: keys().wallet,
		SlowDelay: time.Minute, Now: clock.Now})
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	handler, done := finished(s)
	srv := httptest.NewServer(handler)
	defer srv.Close()
	_, err = newClient(t, srv.URL, 100*time.Millisecond).Pay(context.Background(), payRequest("slow", code, 1093))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Pay error = %v, want the client's deadline", err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the held handler did not end when its client went away")
	}
	if p, _ := s.Ledger().Payment("slow"); p.Status != sim.StatusProcessing {
		t.Fatalf("before the settle time the payment is %s, want processing", p.Status)
	}
	clock.Advance(time.Minute)
	if p, _ := s.Ledger().Payment("slow"); p.Status != sim.StatusPaid || p.Charges != 1 {
		t.Fatalf("after the settle time the payment is %s charged %d, want paid once", p.Status, p.Charges)
	}
}

func TestShutdownReleasesHeldResponses(t *testing.T) {
	s, err := sim.New(sim.Config{AcquirerPublicKey: &keys().acquirer.PublicKey, WalletPrivateKey: keys().wallet, SlowDelay: time.Minute})
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	srv.RegisterOnShutdown(s.Close)
	go srv.Serve(lis)
	client := newClient(t, "http://"+lis.Addr().String(), 30*time.Second)
	payErr := make(chan error, 1)
	go func() {
		_, err := client.Pay(context.Background(), payRequest("held", code, 93))
		payErr <- err
	}()
	waitFor(t, func() bool { _, ok := s.Ledger().Payment("held"); return ok })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("Shutdown waited %v for a held response", elapsed)
	}
	if err := <-payErr; !errors.Is(err, alipayplus.ErrHTTPStatus) {
		t.Fatalf("held Pay error = %v, want HTTP 503", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rawPost sends body to path with the given headers and returns the status,
// the decoded result and whether the response signature verifies.
func rawPost(t *testing.T, url, path string, body []byte, header http.Header) (int, alipayplus.Result, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var decoded struct{ Result alipayplus.Result }
	json.Unmarshal(data, &decoded)
	msg := alipayplus.Message{Method: "POST", Path: path, ClientID: header.Get(alipayplus.HeaderClientID),
		Time: resp.Header.Get(alipayplus.HeaderResponseTime), Body: data}
	return resp.StatusCode, decoded.Result, msg.Verify(&keys().wallet.PublicKey, resp.Header.Get(alipayplus.HeaderSignature))
}

func signedHeader(t *testing.T, key *rsa.PrivateKey, client, path string, body []byte) http.Header {
	t.Helper()
	return signedHeaderAt(t, key, client, path, body, time.Now().Format(time.RFC3339))
}

func signedHeaderAt(t *testing.T, key *rsa.PrivateKey, client, path string, body []byte, now string) http.Header {
	t.Helper()
	sig, err := alipayplus.Message{Method: "POST", Path: path, ClientID: client, Time: now, Body: body}.Sign(key, "1")
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set(alipayplus.HeaderClientID, client)
	h.Set(alipayplus.HeaderRequestTime, now)
	h.Set(alipayplus.HeaderSignature, sig)
	return h
}

func TestRequestsThatDoNotAuthenticateAreRefusedWithSignedResults(t *testing.T) {
	s, srv := startSim(t, nil)
	body, _ := json.Marshal(payRequest("unauthenticated", code, 1000))
	path := alipayplus.PathPay
	noSignature := signedHeader(t, keys().acquirer, clientID, path, body)
	noSignature.Del(alipayplus.HeaderSignature)
	noTime := signedHeader(t, keys().acquirer, clientID, path, body)
	noTime.Del(alipayplus.HeaderRequestTime)
	cases := []struct {
		name   string
		header http.Header
		body   []byte
		code   string
	}{
		{"signed by a stranger", signedHeader(t, keys().stranger, clientID, path, body), body, "INVALID_SIGNATURE"},
		{"no signature", noSignature, body, "INVALID_SIGNATURE"},
		{"no request time", noTime, body, "INVALID_SIGNATURE"},
		{"body changed after signing", signedHeader(t, keys().acquirer, clientID, path, body), bytes.Replace(body, []byte("1000"), []byte("9000"), 2), "INVALID_SIGNATURE"},
		{"other client id", signedHeader(t, keys().acquirer, "OTHER_CLIENT", path, body), body, "INVALID_CLIENT"},
		{"malformed JSON", signedHeader(t, keys().acquirer, clientID, path, []byte("{")), []byte("{"), "PARAM_ILLEGAL"},
		{"request time not RFC 3339", signedHeaderAt(t, keys().acquirer, clientID, path, body, "yesterday"), body, "PARAM_ILLEGAL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, res, verifyErr := rawPost(t, srv.URL, path, c.body, c.header)
			if status != http.StatusOK || res.ResultStatus != "F" || res.ResultCode != c.code {
				t.Fatalf("answer = %d %s %s, want 200 F %s", status, res.ResultStatus, res.ResultCode, c.code)
			}
			if verifyErr != nil {
				t.Fatalf("refusal is not signed by the wallet: %v", verifyErr)
			}
		})
	}
	if n := len(s.Ledger().Payments()); n != 0 {
		t.Fatalf("ledger has %d payments from unauthenticated requests", n)
	}
}

func TestRequestBodyIsBounded(t *testing.T) {
	_, srv := startSim(t, func(c *sim.Config) { c.MaxBodyBytes = 1024 })
	req := payRequest("big", code, 1000)
	req.Order.OrderDescription = strings.Repeat("x", 2048)
	body, _ := json.Marshal(req)
	status, res, _ := rawPost(t, srv.URL, alipayplus.PathPay, body, signedHeader(t, keys().acquirer, clientID, alipayplus.PathPay, body))
	if status != http.StatusRequestEntityTooLarge || res.ResultCode != "PARAM_ILLEGAL" {
		t.Fatalf("answer = %d %s, want 413 PARAM_ILLEGAL", status, res.ResultCode)
	}
}

func TestPayRequestsMissingRequiredFieldsAreParamIllegal(t *testing.T) {
	_, srv := startSim(t, nil)
	client := newClient(t, srv.URL, 5*time.Second)
	changes := map[string]func(*alipayplus.PayRequest){
		"no request id":       func(r *alipayplus.PayRequest) { r.PaymentRequestID = "" },
		"other product":       func(r *alipayplus.PayRequest) { r.ProductCode = "CASHIER_PAYMENT" },
		"signed amount":       func(r *alipayplus.PayRequest) { r.PaymentAmount.Value = "-100" },
		"decimal amount":      func(r *alipayplus.PayRequest) { r.PaymentAmount.Value = "10.00" },
		"zero amount":         func(r *alipayplus.PayRequest) { r.PaymentAmount.Value = "0" },
		"no code":             func(r *alipayplus.PayRequest) { r.PaymentMethod.PaymentMethodID = "" },
		"other method":        func(r *alipayplus.PayRequest) { r.PaymentMethod.PaymentMethodType = "CARD" },
		"no merchant":         func(r *alipayplus.PayRequest) { r.Order.Merchant.ReferenceMerchantID = "" },
		"lower-case currency": func(r *alipayplus.PayRequest) { r.PaymentAmount.Currency = "eur" },
	}
	for name, change := range changes {
		req := payRequest("param-"+strings.ReplaceAll(name, " ", "-"), code, 1000)
		change(req)
		resp, err := client.Pay(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: Pay: %v", name, err)
		}
		wantCode(t, name, resp.Result, "F", "PARAM_ILLEGAL")
	}
}

func TestLedgerIsBounded(t *testing.T) {
	s, srv := startSim(t, func(c *sim.Config) { c.MaxLedgerEntries = 2 })
	client := newClient(t, srv.URL, 5*time.Second)
	for _, id := range []string{"a", "b"} {
		if resp, err := client.Pay(context.Background(), payRequest(id, code, 100)); err != nil || resp.Result.ResultStatus != "S" {
			t.Fatalf("Pay %s = %v, %v", id, resp, err)
		}
	}
	resp, err := client.Pay(context.Background(), payRequest("c", code, 100))
	if err != nil {
		t.Fatalf("Pay c: %v", err)
	}
	wantCode(t, "Pay beyond the cap", resp.Result, "U", "REQUEST_TRAFFIC_EXCEED_LIMIT")
	refund, err := client.Refund(context.Background(), &alipayplus.RefundRequest{PaymentRequestID: "a", RefundRequestID: "ra", RefundAmount: alipayplus.NewAmount("EUR", 10)})
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	wantCode(t, "Refund beyond the cap", refund.Result, "U", "REQUEST_TRAFFIC_EXCEED_LIMIT")
	repeat, err := client.Pay(context.Background(), payRequest("a", code, 100))
	if err != nil {
		t.Fatalf("repeat Pay a: %v", err)
	}
	wantCode(t, "repeat of a recorded payment", repeat.Result, "S", "SUCCESS")
	if n := len(s.Ledger().Payments()); n != 2 {
		t.Fatalf("ledger has %d payments, want 2", n)
	}
}

func TestCancelAfterAPartialRefundFails(t *testing.T) {
	s, srv := startSim(t, nil)
	client := newClient(t, srv.URL, 5*time.Second)
	client.Pay(context.Background(), payRequest("p", code, 1000))
	refund, err := client.Refund(context.Background(), &alipayplus.RefundRequest{PaymentRequestID: "p", RefundRequestID: "r", RefundAmount: alipayplus.NewAmount("EUR", 100)})
	if err != nil || refund.Result.ResultStatus != "S" {
		t.Fatalf("Refund = %v, %v", refund, err)
	}
	cancel, err := client.CancelPayment(context.Background(), &alipayplus.CancelPaymentRequest{PaymentRequestID: "p"})
	if err != nil {
		t.Fatalf("CancelPayment: %v", err)
	}
	wantCode(t, "Cancel", cancel.Result, "F", "PROCESS_FAIL")
	if err := s.Ledger().Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func TestRefundAfterTheRefundWindowFails(t *testing.T) {
	clock := adaptertest.NewClock()
	_, srv := startSim(t, func(c *sim.Config) { c.Now = clock.Now; c.RefundWindow = 48 * time.Hour })
	client := newClient(t, srv.URL, 5*time.Second)
	client.Pay(context.Background(), payRequest("old", code, 1000))
	clock.Advance(49 * time.Hour)
	refund, err := client.Refund(context.Background(), &alipayplus.RefundRequest{PaymentRequestID: "old", RefundRequestID: "r", RefundAmount: alipayplus.NewAmount("EUR", 100)})
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	wantCode(t, "Refund", refund.Result, "F", "REFUND_WINDOW_EXCEED")
}

func TestLedgerIsServedAsJSONWithMaskedCodes(t *testing.T) {
	s, srv := startSim(t, nil)
	client := newClient(t, srv.URL, 5*time.Second)
	client.Pay(context.Background(), payRequest("listed-1", code, 1000))
	client.Pay(context.Background(), payRequest("listed-2", code, 2051))
	client.Refund(context.Background(), &alipayplus.RefundRequest{PaymentRequestID: "listed-1", RefundRequestID: "r1", RefundAmount: alipayplus.NewAmount("EUR", 400)})
	resp, err := http.Get(srv.URL + "/sim/ledger")
	if err != nil {
		t.Fatalf("GET /sim/ledger: %v", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if strings.Contains(string(data), code) {
		t.Fatalf("ledger JSON contains the full code: %s", data)
	}
	var snap sim.Snapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(snap.Payments) != 2 || len(snap.Refunds) != 1 {
		t.Fatalf("ledger = %d payments, %d refunds, want 2 and 1", len(snap.Payments), len(snap.Refunds))
	}
	first := snap.Payments[0]
	if first.RequestID != "listed-1" || first.Status != sim.StatusPaid || first.Refunded != 400 || first.Code != walletcode.Mask(code) {
		t.Fatalf("first payment = %+v", first)
	}
	if snap.Payments[1].Status != sim.StatusFailed || snap.Payments[1].ResultCode != "USER_BALANCE_NOT_ENOUGH" {
		t.Fatalf("second payment = %+v", snap.Payments[1])
	}
	direct := s.Ledger().Snapshot()
	if len(direct.Payments) != len(snap.Payments) || direct.Payments[0].WalletTxnID != first.WalletTxnID {
		t.Fatal("GET /sim/ledger and Ledger().Snapshot() disagree")
	}
}

func TestConcurrentRepeatsOfOnePaymentChargeOnce(t *testing.T) {
	s, srv := startSim(t, nil)
	client := newClient(t, srv.URL, 10*time.Second)
	const repeats = 20
	var wg sync.WaitGroup
	ids := make(chan string, repeats)
	for range repeats {
		wg.Go(func() {
			resp, err := client.Pay(context.Background(), payRequest("race", code, 1234))
			if err != nil {
				t.Errorf("Pay: %v", err)
				return
			}
			ids <- resp.PaymentID
		})
	}
	wg.Wait()
	close(ids)
	first := <-ids
	for id := range ids {
		if id != first {
			t.Fatalf("repeats answered with payment ids %s and %s", first, id)
		}
	}
	p, _ := s.Ledger().Payment("race")
	if p.Charges != 1 || p.PayCalls != repeats {
		t.Fatalf("ledger: %d charges over %d calls, want 1 over %d", p.Charges, p.PayCalls, repeats)
	}
	if err := s.Ledger().Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func TestNewRefusesMissingKeys(t *testing.T) {
	if _, err := sim.New(sim.Config{WalletPrivateKey: keys().wallet}); err == nil {
		t.Fatal("New without the acquirer key succeeded")
	}
	if _, err := sim.New(sim.Config{AcquirerPublicKey: &keys().acquirer.PublicKey}); err == nil {
		t.Fatal("New without the wallet key succeeded")
	}
	if _, err := sim.New(sim.Config{AcquirerPublicKey: &keys().acquirer.PublicKey, WalletPrivateKey: keys().wallet, SlowDelay: -1}); err == nil {
		t.Fatal("New with a negative delay succeeded")
	}
}
