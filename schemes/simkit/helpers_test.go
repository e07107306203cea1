package simkit

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

// testCodes are made-up wallet codes, so tests see which one was stored.
var testCodes = Codes{
	Declines: map[Decline]string{
		DeclineInsufficientFunds: "W51", DeclineCodeExpired: "W54", DeclineNoReason: "W05",
		DeclineRisk: "W59", DeclineLimit: "W61",
	},
	Expired: "WEXP",
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// testConfig is a ledger configuration on clock (nil: a new one) with a
// copy of testCodes, which tests may change.
func testConfig(clock *fakeClock) Config {
	if clock == nil {
		clock = newClock()
	}
	declines := make(map[Decline]string, len(testCodes.Declines))
	for d, c := range testCodes.Declines {
		declines[d] = c
	}
	return Config{Codes: Codes{Declines: declines, Expired: testCodes.Expired}, Now: clock.Now,
		SlowDelay: time.Minute, OrderLifetime: 10 * time.Minute}
}

func openLedger(t *testing.T, clock *fakeClock, change func(*Config)) *Ledger {
	t.Helper()
	cfg := testConfig(clock)
	if change != nil {
		change(&cfg)
	}
	l, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func pay(t *testing.T, l *Ledger, id string, minorUnits int64) PayResult {
	t.Helper()
	r, err := l.Pay(PayCommand{RequestID: id, Hash: l.Hash(id, "EUR", strconv.FormatInt(minorUnits, 10)), Currency: "EUR", MinorUnits: minorUnits,
		Code: "2812****3456", WalletBrand: "Test Wallet", CustomerID: "c-1"})
	if err != nil {
		t.Fatalf("Pay %s: %v", id, err)
	}
	return r
}

func order(t *testing.T, l *Ledger, id string, minorUnits int64) OrderResult {
	t.Helper()
	r, err := l.CreateOrder(OrderCommand{RequestID: id, Hash: l.Hash("order", id), Currency: "EUR", MinorUnits: minorUnits})
	if err != nil {
		t.Fatalf("CreateOrder %s: %v", id, err)
	}
	if r.Outcome != OutcomeOK {
		t.Fatalf("CreateOrder %s = %s", id, r.Outcome)
	}
	return r
}

func scan(t *testing.T, l *Ledger, token string) ScanResult {
	t.Helper()
	r, err := l.Scan(ScanCommand{Token: token, WalletBrand: "Scanner Wallet", CustomerID: "c-2"})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return r
}

func inquire(t *testing.T, l *Ledger, id string) InquiryResult {
	t.Helper()
	r, err := l.Inquire(id)
	if err != nil {
		t.Fatalf("Inquire %s: %v", id, err)
	}
	return r
}

func cancel(t *testing.T, l *Ledger, id string) CancelResult {
	t.Helper()
	r, err := l.Cancel(id)
	if err != nil {
		t.Fatalf("Cancel %s: %v", id, err)
	}
	return r
}

func refund(t *testing.T, l *Ledger, id, paymentID string, minorUnits int64) RefundResult {
	t.Helper()
	r, err := l.Refund(RefundCommand{RequestID: id, PaymentRequestID: paymentID, Hash: l.Hash(paymentID, "EUR", strconv.FormatInt(minorUnits, 10)),
		Currency: "EUR", MinorUnits: minorUnits})
	if err != nil {
		t.Fatalf("Refund %s: %v", id, err)
	}
	return r
}

func wantState(t *testing.T, what string, p Payment, status Status, charges int) {
	t.Helper()
	if p.Status != status || p.Charges != charges {
		t.Fatalf("%s: %s charged %d times, want %s charged %d times", what, p.Status, p.Charges, status, charges)
	}
}

func checkLedger(t *testing.T, l *Ledger) {
	t.Helper()
	if err := l.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
}
