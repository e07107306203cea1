package payment_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// TestStatusOfAPurchaseInFlight does not run in parallel with other tests,
// so that a data race the race detector finds in it is reported against it
// alone.
func TestStatusOfAPurchaseInFlight(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()

	t.Run("the status of a purchase in flight is its live state, and its final state afterwards", func(t *testing.T) {
		key := h.NextKey()
		done := make(chan *payment.Attempt, 1)
		go func() {
			// The 93 rule holds the pay call: the purchase is in flight
			// for the whole pay timeout.
			a, err := h.Engine.Purchase(ctx, purchaseRequest(key, 5093))
			if err != nil {
				t.Errorf("Purchase: %v", err)
			}
			done <- a
		}()
		stored := h.waitStored(t, payment.KindPurchase, key)
		live, err := h.Engine.Status(ctx, merchantID, terminalID, stored.RRN)
		if err != nil {
			t.Fatalf("Status in flight: %v", err)
		}
		if live.ID != stored.ID || (live.State != payment.StatePending && live.State != payment.StateUnknown) {
			t.Errorf("status in flight = %s %s, want %s pending or unknown", live.ID, live.State, stored.ID)
		}
		answer := <-done
		if answer == nil {
			t.FailNow()
		}
		final := h.WaitFinal(t, stored.ID)
		now, err := h.Engine.Status(ctx, merchantID, terminalID, stored.RRN)
		if err != nil {
			t.Fatalf("Status afterwards: %v", err)
		}
		if now.State != payment.StateCancelled || now.State != final.State {
			t.Errorf("status afterwards = %s, want cancelled as stored (%s)", now.State, final.State)
		}
	})
}

func TestStatus(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()

	t.Run("the status of an approved purchase is approved with its approval code", func(t *testing.T) {
		t.Parallel()
		p := h.Approved(t, 5000)
		s, err := h.Engine.Status(ctx, merchantID, terminalID, p.RRN)
		if err != nil {
			t.Fatalf("Status: %v", err)
		}
		if s.ID != p.ID || s.State != payment.StateApproved || s.ApprovalCode != p.ApprovalCode {
			t.Errorf("status = %s %s %s, want %s approved %s", s.ID, s.State, s.ApprovalCode, p.ID, p.ApprovalCode)
		}
	})

	t.Run("the status of an unknown RRN is original not found", func(t *testing.T) {
		t.Parallel()
		if s, err := h.Engine.Status(ctx, merchantID, terminalID, "999999999999"); !errors.Is(err, payment.ErrOriginalNotFound) || s != nil {
			t.Errorf("Status = %v, %v; want nil, ErrOriginalNotFound", s, err)
		}
	})

	t.Run("the status of a refund's RRN is original not found", func(t *testing.T) {
		t.Parallel()
		p := h.Approved(t, 5000)
		r, err := h.Engine.Refund(ctx, refundRequest(h.NextKey(), p.RRN, 100))
		if err != nil {
			t.Fatalf("Refund: %v", err)
		}
		if s, err := h.Engine.Status(ctx, merchantID, terminalID, r.RRN); !errors.Is(err, payment.ErrOriginalNotFound) {
			t.Errorf("Status of a refund = %v, %v; want ErrOriginalNotFound", s, err)
		}
	})

	t.Run("the status of another merchant's purchase is original not found", func(t *testing.T) {
		t.Parallel()
		p := h.Approved(t, 5000)
		if s, err := h.Engine.Status(ctx, otherMerchantID, otherTerminalID, p.RRN); !errors.Is(err, payment.ErrOriginalNotFound) {
			t.Errorf("Status by another merchant = %v, %v; want ErrOriginalNotFound", s, err)
		}
		if s, err := h.Engine.Status(ctx, merchantID, otherTerminalID, p.RRN); !errors.Is(err, payment.ErrUnknownMerchant) {
			t.Errorf("Status from a terminal of another merchant = %v, %v; want ErrUnknownMerchant", s, err)
		}
	})
}

// TestStatusOfAnAttemptJustJournaled does not run in parallel with other
// tests, so that a data race the race detector finds in it is reported
// against it alone. Its request does nothing after the journal write, so no
// other synchronisation hides a race from the detector.
func TestStatusOfAnAttemptJustJournaled(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()

	t.Run("the status of an attempt just journaled is read without racing the request that journaled it", func(t *testing.T) {
		key := h.NextKey()
		a := &payment.Attempt{
			ID: "0123456789abcdef0123456789abcdef", Kind: payment.KindPurchase, Key: key,
			MerchantID: merchantID, Scheme: schemeID, CodeMasked: walletcode.Mask(alipayCode),
			RequestHash: "hash", Amount: payment.Money{Minor: 1000, Currency: "EUR"},
			State: payment.StatePending, NextActionAt: time.Now().Add(time.Hour),
		}
		finish := make(chan struct{})
		created := make(chan error, 1)
		go func() {
			release, err := h.Engine.CreateForTest(ctx, a)
			if err == nil {
				<-finish
				release()
			}
			created <- err
		}()
		stored := h.waitStored(t, payment.KindPurchase, key)
		s, err := h.Engine.Status(ctx, merchantID, terminalID, stored.RRN)
		close(finish)
		if err := <-created; err != nil {
			t.Fatalf("create: %v", err)
		}
		if err != nil {
			t.Fatalf("Status: %v", err)
		}
		if s.ID != stored.ID || s.RRN != stored.RRN || !s.CreatedAt.Equal(stored.CreatedAt) {
			t.Errorf("status = %s RRN %q created %v, want %s RRN %q created %v as journaled",
				s.ID, s.RRN, s.CreatedAt, stored.ID, stored.RRN, stored.CreatedAt)
		}
	})
}
