package simkit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// scanServer serves PathScan and PathLedger for l on a real listener; its
// QR payloads are "TESTQR:" and the order token.
func scanServer(t *testing.T, l *Ledger) (*httptest.Server, *Holds) {
	t.Helper()
	holds := NewHolds()
	decode := func(qr string) (ScanCommand, bool) {
		token, ok := strings.CutPrefix(qr, "TESTQR:")
		return ScanCommand{Token: token, WalletBrand: "Test Wallet", CustomerID: "c-9"}, ok
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+PathScan, &ScanHandler{Ledger: l, Decode: decode, Holds: holds})
	mux.Handle("GET "+PathLedger, LedgerHandler(l, nil))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { holds.Close(); srv.Close() })
	return srv, holds
}

func wantScanError(t *testing.T, err error, status int, text string) {
	t.Helper()
	var refused *ScanError
	if !errors.As(err, &refused) || refused.StatusCode != status || !strings.Contains(refused.Message, text) {
		t.Fatalf("Scan error = %v, want HTTP %d saying %q", err, status, text)
	}
}

func TestScanOverHTTPPaysTheOrderOnce(t *testing.T) {
	clock := newClock()
	l := openLedger(t, clock, nil)
	srv, _ := scanServer(t, l)
	o := order(t, l, "o", 1250)
	answer, err := Scan(context.Background(), srv.Client(), srv.URL, "TESTQR:"+o.Payment.OrderToken)
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if answer.Status != StatusPaid || answer.RequestID != "o" || answer.Amount != 1250 || answer.Currency != "EUR" || answer.WalletBrand != "Test Wallet" {
		t.Fatalf("answer = %+v", answer)
	}
	_, err = Scan(context.Background(), srv.Client(), srv.URL, "TESTQR:"+o.Payment.OrderToken)
	wantScanError(t, err, http.StatusConflict, "already scanned")

	declined := order(t, l, "declined", 1051)
	answer, err = Scan(context.Background(), srv.Client(), srv.URL, "TESTQR:"+declined.Payment.OrderToken)
	if err != nil || answer.Status != StatusFailed || answer.ResultCode != "W51" {
		t.Fatalf("declined scan = %+v, %v", answer, err)
	}

	resp, err := http.Get(srv.URL + PathLedger)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var snap Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil || len(snap.Payments) != 2 || snap.Payments[0].Charges != 1 {
		t.Fatalf("GET %s = %+v, %v", PathLedger, snap, err)
	}
}

func TestScanOverHTTPRefusesWhatCannotBePaid(t *testing.T) {
	clock := newClock()
	l := openLedger(t, clock, nil)
	srv, _ := scanServer(t, l)
	cancelled := order(t, l, "cancelled", 1000)
	cancel(t, l, "cancelled")
	expired := order(t, l, "expired", 1000)
	clock.Advance(time.Hour)
	cases := []struct {
		name, qr string
		status   int
		text     string
	}{
		{"a payload of another wallet", "OTHER:abc", http.StatusNotFound, "names no order"},
		{"a token no order has", "TESTQR:nope", http.StatusNotFound, "no order"},
		{"a cancelled order", "TESTQR:" + cancelled.Payment.OrderToken, http.StatusConflict, "was cancelled"},
		{"an expired order", "TESTQR:" + expired.Payment.OrderToken, http.StatusConflict, "expired at 2026-03-01T10:10:00Z"},
		{"an empty payload", "", http.StatusBadRequest, "want a JSON body"},
	}
	for _, c := range cases {
		t.Run("The scan of "+c.name+" is refused.", func(t *testing.T) {
			_, err := Scan(context.Background(), srv.Client(), srv.URL, c.qr)
			wantScanError(t, err, c.status, c.text)
		})
	}
	checkLedger(t, l)
}

func TestAHeldScanAnswersPaidAfterTheDelayOr503WhenReleased(t *testing.T) {
	l := openLedger(t, nil, func(c *Config) { c.SlowDelay = 50 * time.Millisecond })
	srv, holds := scanServer(t, l)
	held := order(t, l, "held", 1093)
	answer, err := Scan(context.Background(), srv.Client(), srv.URL, "TESTQR:"+held.Payment.OrderToken)
	if err != nil || answer.Status != StatusPaid {
		t.Fatalf("held scan = %+v, %v; want paid after the hold", answer, err)
	}
	released := order(t, l, "released", 2093)
	holds.Close()
	_, err = Scan(context.Background(), srv.Client(), srv.URL, "TESTQR:"+released.Payment.OrderToken)
	wantScanError(t, err, http.StatusServiceUnavailable, "shutting down")
	if p, _ := l.Payment("released"); p.Status != StatusProcessing || p.SettleAt.IsZero() {
		t.Fatalf("a released hold left the order %s; want processing until its settle time", p.Status)
	}
}
