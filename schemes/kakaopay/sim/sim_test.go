package sim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/schemes/kakaopay"
	"github.com/meridian-gw/meridian/schemes/kakaopay/sim"
	"github.com/meridian-gw/meridian/schemes/simkit"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

const (
	testCID    = "TC0ONETIME"
	testSecret = "DEVSECRET0123456789abcdef"
	kakaoCode  = "54101234567890123456"
)

// wallet is a simulator served on a real listener on 127.0.0.1.
type wallet struct {
	sim *sim.Simulator
	url string
}

func newWallet(t *testing.T, change func(*sim.Config)) *wallet {
	t.Helper()
	cfg := sim.Config{Secret: testSecret, CID: testCID}
	if change != nil {
		change(&cfg)
	}
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close()
		srv.Close()
		if err := s.Ledger().Check(); err != nil {
			t.Errorf("ledger does not reconcile: %v", err)
		}
	})
	return &wallet{sim: s, url: srv.URL}
}

// post sends body as JSON to path with authorization (none when empty) and
// returns the HTTP status and the answer's body.
func (w *wallet) post(t *testing.T, path, authorization string, body any) (int, []byte) {
	t.Helper()
	data, ok := body.([]byte)
	if !ok {
		var err error
		if data, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, w.url+path, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, answer
}

// call posts body with the right secret key and decodes a 200 answer into
// out, failing the test on any other answer.
func (w *wallet) call(t *testing.T, path string, body, out any) {
	t.Helper()
	status, answer := w.post(t, path, "SECRET_KEY "+testSecret, body)
	if status != http.StatusOK {
		t.Fatalf("POST %s = %d %s", path, status, answer)
	}
	if err := json.Unmarshal(answer, out); err != nil {
		t.Fatalf("POST %s: answer %s: %v", path, answer, err)
	}
}

// wantError checks an error answer: its HTTP status and KakaoPay's body.
func wantError(t *testing.T, what string, status int, answer []byte, wantStatus, wantCode int) {
	t.Helper()
	var e kakaopay.ErrorResponse
	if err := json.Unmarshal(answer, &e); err != nil || status != wantStatus || e.ErrorCode != wantCode || e.ErrorMessage == "" {
		t.Fatalf("%s = %d %s, want %d with error_code %d", what, status, answer, wantStatus, wantCode)
	}
}

func barcode(key string, won int64) *kakaopay.BarcodeRequest {
	return &kakaopay.BarcodeRequest{CID: testCID, PartnerOrderID: key, PartnerUserID: "M-1", Barcode: kakaoCode,
		ItemName: "coffee", Quantity: 1, TotalAmount: won}
}

func ready(key string, won int64) *kakaopay.ReadyRequest {
	return &kakaopay.ReadyRequest{CID: testCID, PartnerOrderID: key, PartnerUserID: "M-1", ItemName: "cake", Quantity: 1,
		TotalAmount: won, ApprovalURL: "https://x.invalid/a", CancelURL: "https://x.invalid/c", FailURL: "https://x.invalid/f"}
}

func TestEveryKakaoPayEndpointRequiresTheSecretKey(t *testing.T) {
	w := newWallet(t, nil)
	bodies := map[string]any{
		kakaopay.PathBarcode: barcode("k", 1000),
		kakaopay.PathReady:   ready("k", 1000),
		kakaopay.PathOrder:   &kakaopay.OrderRequest{CID: testCID, PartnerOrderID: "k"},
		kakaopay.PathCancel:  &kakaopay.CancelRequest{CID: testCID, PartnerOrderID: "k"},
	}
	for path, body := range bodies {
		for name, authorization := range map[string]string{
			"no header":          "",
			"another secret":     "SECRET_KEY WRONG0123",
			"another scheme":     "KakaoAK " + testSecret,
			"the secret without": testSecret,
		} {
			t.Run(path+" with "+name, func(t *testing.T) {
				status, answer := w.post(t, path, authorization, body)
				wantError(t, "POST", status, answer, http.StatusUnauthorized, kakaopay.ErrCodeUnauthorized)
				if bytes.Contains(answer, []byte(testSecret)) {
					t.Fatalf("answer shows the secret: %s", answer)
				}
			})
		}
	}
	if n := len(w.sim.Ledger().Payments()); n != 0 {
		t.Fatalf("unauthorized requests changed the ledger: %d payments", n)
	}
}

func TestAnotherCIDIsRefused(t *testing.T) {
	w := newWallet(t, nil)
	req := barcode("k", 1000)
	req.CID = "TC0OTHER00"
	status, answer := w.post(t, kakaopay.PathBarcode, "SECRET_KEY "+testSecret, req)
	wantError(t, "barcode", status, answer, http.StatusBadRequest, kakaopay.ErrCodeInvalidCID)
}

func TestMalformedRequestsGetInvalidParameter(t *testing.T) {
	w := newWallet(t, nil)
	change := func(f func(*kakaopay.BarcodeRequest)) *kakaopay.BarcodeRequest {
		r := barcode("bad", 1000)
		f(r)
		return r
	}
	available := int64(-1)
	cases := []struct {
		name string
		path string
		body any
	}{
		{"a body that is not JSON", kakaopay.PathBarcode, []byte(`{"cid":`)},
		{"an amount as text", kakaopay.PathBarcode, []byte(`{"cid":"TC0ONETIME","total_amount":"1000"}`)},
		{"a barcode payment without partner_order_id", kakaopay.PathBarcode, change(func(r *kakaopay.BarcodeRequest) { r.PartnerOrderID = "" })},
		{"a barcode payment without barcode", kakaopay.PathBarcode, change(func(r *kakaopay.BarcodeRequest) { r.Barcode = "" })},
		{"a barcode payment of nothing", kakaopay.PathBarcode, change(func(r *kakaopay.BarcodeRequest) { r.TotalAmount = 0 })},
		{"a tax-free barcode payment", kakaopay.PathBarcode, change(func(r *kakaopay.BarcodeRequest) { r.TaxFreeAmount = 10 })},
		{"a merchant amount without currency", kakaopay.PathBarcode, change(func(r *kakaopay.BarcodeRequest) {
			r.MerchantAmount = &kakaopay.MerchantAmount{MinorUnits: 100}
		})},
		{"a ready without URLs", kakaopay.PathReady, &kakaopay.ReadyRequest{CID: testCID, PartnerOrderID: "o", PartnerUserID: "M",
			ItemName: "x", Quantity: 1, TotalAmount: 100}},
		{"an order look-up naming nothing", kakaopay.PathOrder, &kakaopay.OrderRequest{CID: testCID}},
		{"a cancel of a negative amount", kakaopay.PathCancel, &kakaopay.CancelRequest{CID: testCID, TID: "T1", CancelAmount: -1}},
		{"a cancel by tid of nothing", kakaopay.PathCancel, &kakaopay.CancelRequest{CID: testCID, TID: "T1"}},
		{"a negative cancel_available_amount", kakaopay.PathCancel, &kakaopay.CancelRequest{CID: testCID, PartnerOrderID: "p",
			CancelAmount: 1, CancelAvailableAmount: &available}},
		{"a payload over 200 characters", kakaopay.PathCancel, &kakaopay.CancelRequest{CID: testCID, PartnerOrderID: "p",
			CancelAmount: 1, Payload: strings.Repeat("p", 201)}},
		{"a payload the simulator keeps for itself", kakaopay.PathCancel, &kakaopay.CancelRequest{CID: testCID, PartnerOrderID: "p",
			CancelAmount: 1, Payload: "kakaopay-sim:void:p"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, answer := w.post(t, c.path, "SECRET_KEY "+testSecret, c.body)
			wantError(t, "POST", status, answer, http.StatusBadRequest, kakaopay.ErrCodeInvalidParameter)
		})
	}
	if n := len(w.sim.Ledger().Payments()); n != 0 {
		t.Fatalf("malformed requests changed the ledger: %d payments", n)
	}
}

func TestOversizedBodyIsRefused(t *testing.T) {
	w := newWallet(t, func(c *sim.Config) { c.MaxBodyBytes = 256 })
	req := barcode("big", 1000)
	req.ItemName = strings.Repeat("x", 300)
	status, answer := w.post(t, kakaopay.PathBarcode, "SECRET_KEY "+testSecret, req)
	wantError(t, "barcode", status, answer, http.StatusRequestEntityTooLarge, kakaopay.ErrCodeInvalidParameter)
}

func TestLedgerEndpointServesTheLedgerWithCodesMasked(t *testing.T) {
	w := newWallet(t, nil)
	var paid kakaopay.PaymentResponse
	w.call(t, kakaopay.PathBarcode, barcode("seen", 2500), &paid)
	resp, err := http.Get(w.url + simkit.PathLedger)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var snap simkit.Snapshot
	if err := json.Unmarshal(body, &snap); err != nil {
		t.Fatalf("ledger %s: %v", body, err)
	}
	if len(snap.Payments) != 1 || snap.Payments[0].RequestID != "seen" || snap.Payments[0].WalletTxnID != paid.TID ||
		snap.Payments[0].Code != walletcode.Mask(kakaoCode) {
		t.Fatalf("ledger = %+v", snap)
	}
	if bytes.Contains(body, []byte(kakaoCode)) {
		t.Fatalf("ledger shows the code in full: %s", body)
	}
}

func TestOrderIsFoundByTidOrByPartnerOrderID(t *testing.T) {
	w := newWallet(t, nil)
	var paid kakaopay.PaymentResponse
	w.call(t, kakaopay.PathBarcode, barcode("lookup", 1100), &paid)
	for name, req := range map[string]*kakaopay.OrderRequest{
		"tid":              {CID: testCID, TID: paid.TID},
		"partner_order_id": {CID: testCID, PartnerOrderID: "lookup"},
		"both":             {CID: testCID, TID: paid.TID, PartnerOrderID: "lookup"},
	} {
		var order kakaopay.OrderResponse
		w.call(t, kakaopay.PathOrder, req, &order)
		if order.TID != paid.TID || order.Status != kakaopay.StatusSuccessPayment || order.Amount.Total != 1100 || order.Amount.VAT != 100 ||
			order.CancelAvailableAmount.Total != 1100 || len(order.PaymentActionDetails) != 1 {
			t.Fatalf("by %s: order = %+v", name, order)
		}
	}
	status, answer := w.post(t, kakaopay.PathOrder, "SECRET_KEY "+testSecret, &kakaopay.OrderRequest{CID: testCID, TID: paid.TID, PartnerOrderID: "other"})
	wantError(t, "order by a tid and another partner_order_id", status, answer, http.StatusBadRequest, kakaopay.ErrCodeNotFound)
	status, answer = w.post(t, kakaopay.PathOrder, "SECRET_KEY "+testSecret, &kakaopay.OrderRequest{CID: testCID, TID: "T0000000000000000000"})
	wantError(t, "order by an unknown tid", status, answer, http.StatusBadRequest, kakaopay.ErrCodeNotFound)
}

func TestRefundsAreRecordedUnderTheirPayloadAndShownInTheHistory(t *testing.T) {
	w := newWallet(t, nil)
	var paid kakaopay.PaymentResponse
	w.call(t, kakaopay.PathBarcode, barcode("hist", 10000), &paid)
	stale := int64(9999)
	status, answer := w.post(t, kakaopay.PathCancel, "SECRET_KEY "+testSecret,
		&kakaopay.CancelRequest{CID: testCID, TID: paid.TID, CancelAmount: 3000, CancelAvailableAmount: &stale, Payload: "r-1"})
	wantError(t, "cancel with a stale cancel_available_amount", status, answer, http.StatusBadRequest, kakaopay.ErrCodeCancelAvailableDiff)

	current := int64(10000)
	var cancel kakaopay.CancelResponse
	w.call(t, kakaopay.PathCancel, &kakaopay.CancelRequest{CID: testCID, TID: paid.TID, CancelAmount: 3000,
		CancelAvailableAmount: &current, Payload: "r-1"}, &cancel)
	if cancel.Status != kakaopay.StatusPartCancelPayment || cancel.ApprovedCancelAmount.Total != 3000 || cancel.Payload != "r-1" ||
		cancel.CancelAvailableAmount.Total != 7000 || cancel.AID == "" {
		t.Fatalf("cancel = %+v", cancel)
	}
	var repeat kakaopay.CancelResponse
	w.call(t, kakaopay.PathCancel, &kakaopay.CancelRequest{CID: testCID, TID: paid.TID, CancelAmount: 3000,
		CancelAvailableAmount: &current, Payload: "r-1"}, &repeat)
	if repeat.AID != cancel.AID {
		t.Fatalf("repeated cancel made another refund: %s, first %s", repeat.AID, cancel.AID)
	}
	status, answer = w.post(t, kakaopay.PathCancel, "SECRET_KEY "+testSecret,
		&kakaopay.CancelRequest{CID: testCID, TID: paid.TID, CancelAmount: 500})
	wantError(t, "partial cancel without payload", status, answer, http.StatusBadRequest, kakaopay.ErrCodeInvalidParameter)

	var order kakaopay.OrderResponse
	w.call(t, kakaopay.PathOrder, &kakaopay.OrderRequest{CID: testCID, TID: paid.TID}, &order)
	actions := order.PaymentActionDetails
	if len(actions) != 2 || actions[0].PaymentActionType != kakaopay.ActionPayment || actions[1].PaymentActionType != kakaopay.ActionCancel ||
		actions[1].Payload != "r-1" || actions[1].Amount != 3000 || actions[1].AID != cancel.AID || order.CanceledAmount.Total != 3000 {
		t.Fatalf("history = %+v, canceled %d", actions, order.CanceledAmount.Total)
	}
	if p, _ := w.sim.Ledger().Payment("hist"); p.Refunded != 3000 || len(w.sim.Ledger().Refunds()) != 1 {
		t.Fatalf("ledger: refunded %d in %d refunds", p.Refunded, len(w.sim.Ledger().Refunds()))
	}
}

func TestMockupPageShowsTheOrder(t *testing.T) {
	w := newWallet(t, func(c *sim.Config) { c.BaseURL = "https://pay.example.test/" })
	var order kakaopay.ReadyResponse
	w.call(t, kakaopay.PathReady, ready("page", 4200), &order)
	if !strings.HasPrefix(order.NextRedirectMobileURL, "https://pay.example.test/mockup/v1/") || order.TID == "" || order.CreatedAt == "" {
		t.Fatalf("ready = %+v", order)
	}
	page := strings.Replace(order.NextRedirectPCURL, "https://pay.example.test", w.url, 1)
	resp, err := http.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("4200 KRW")) {
		t.Fatalf("GET %s = %d %s", page, resp.StatusCode, body)
	}
	answer, err := simkit.Scan(t.Context(), http.DefaultClient, w.url, order.NextRedirectAppURL)
	if err != nil || answer.Status != simkit.StatusPaid {
		t.Fatalf("scan of the app URL = %+v, %v", answer, err)
	}
}

func TestDurableLedgerCarriesOnAfterARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kakaopay.ledger")
	first, err := sim.New(sim.Config{Secret: testSecret, CID: testCID, LedgerPath: path})
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	srv := httptest.NewServer(first)
	w := &wallet{sim: first, url: srv.URL}
	var paid kakaopay.PaymentResponse
	w.call(t, kakaopay.PathBarcode, barcode("durable", 3000), &paid)
	srv.Close()
	if err := first.CloseLedger(); err != nil {
		t.Fatalf("CloseLedger: %v", err)
	}

	w = newWallet(t, func(c *sim.Config) { c.LedgerPath = path })
	t.Cleanup(func() { w.sim.CloseLedger() })
	var repeat kakaopay.PaymentResponse
	w.call(t, kakaopay.PathBarcode, barcode("durable", 3000), &repeat)
	if repeat.TID != paid.TID || repeat.Status != kakaopay.StatusSuccessPayment {
		t.Fatalf("repeat after restart = %+v, first %+v", repeat, paid)
	}
	var order kakaopay.OrderResponse
	w.call(t, kakaopay.PathOrder, &kakaopay.OrderRequest{CID: testCID, TID: paid.TID}, &order)
	if order.PartnerOrderID != "durable" {
		t.Fatalf("order by tid after restart = %+v", order)
	}
	if p, _ := w.sim.Ledger().Payment("durable"); p.Charges != 1 || p.PayCalls != 2 {
		t.Fatalf("ledger after restart: charged %d times over %d pay calls", p.Charges, p.PayCalls)
	}
}

func TestHeldAnswersEndWhenTheSimulatorCloses(t *testing.T) {
	w := newWallet(t, func(c *sim.Config) { c.SlowDelay = time.Hour })
	body, _ := json.Marshal(barcode("held", 1093))
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, w.url+kakaopay.PathBarcode, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "SECRET_KEY "+testSecret)
	done := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	for { // until the held payment is recorded; the test's deadline bounds the wait
		if _, ok := w.sim.Ledger().Payment("held"); ok {
			break
		}
		time.Sleep(time.Millisecond)
	}
	w.sim.Close()
	if status := <-done; status != http.StatusServiceUnavailable {
		t.Fatalf("held answer after Close = %d, want 503", status)
	}
	if p, _ := w.sim.Ledger().Payment("held"); p.Status != simkit.StatusProcessing || p.Charges != 0 {
		t.Fatalf("ledger = %s charged %d times: the payment settles at its time, not at Close", p.Status, p.Charges)
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	bad := map[string]sim.Config{
		"no secret":          {CID: testCID},
		"secret with spaces": {Secret: "SECRET_KEY x", CID: testCID},
		"no cid":             {Secret: testSecret},
		"relative base URL":  {Secret: testSecret, CID: testCID, BaseURL: "/pay"},
		"negative delay":     {Secret: testSecret, CID: testCID, SlowDelay: -1},
	}
	for name, cfg := range bad {
		if _, err := sim.New(cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}
