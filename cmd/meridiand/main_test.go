package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/node"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store"
)

func TestRunRefusesWhatItCannotRun(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("merchants: [{id: M1, currency: EUX}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", filepath.Join(t.TempDir(), "missing.yaml")}, "no such file"},
		{[]string{"--config", bad}, `currency "EUX"`},
		{[]string{"--log-level", "loud"}, "--log-level"},
		{[]string{"--log-format", "xml"}, "--log-format"},
		{[]string{"serve"}, "unexpected argument"},
	} {
		err := run(tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%v) = %v, want an error mentioning %q", tc.args, err, tc.want)
		}
	}
	if err := run([]string{"--help"}); err != nil {
		t.Errorf("run(--help) = %v, want nil", err)
	}
}

func TestReviewListsFlaggedPayments(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, node.DatabaseFile), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	st.Close()
	if err := review([]string{"--data-dir", dir}, &out); err != nil || !strings.Contains(out.String(), "No payments flagged") {
		t.Fatalf("review of an empty database = %v, %q", err, out.String())
	}

	st, err = store.OpenSQLite(ctx, filepath.Join(dir, node.DatabaseFile), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	a := &payment.Attempt{ID: "flagged-attempt-1", Kind: payment.KindPurchase, MerchantID: "M1", Scheme: "ALIPAYPLUS",
		Key:    payment.TerminalKey{TerminalID: "T1", STAN: "000042", TransmissionTime: "1122120000"},
		Amount: payment.Money{Minor: 1250, Currency: "EUR"}, State: payment.StateCancelPending, NextActionAt: time.Now()}
	if err := st.CreateAttempt(ctx, a); err != nil {
		t.Fatal(err)
	}
	a.FlaggedAt = time.Now()
	if err := st.UpdateAttempt(ctx, a, payment.Event{AttemptID: a.ID, Type: "flagged_for_review"}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out.Reset()
	err = review([]string{"--data-dir", dir}, &out)
	var flagged errFlagged
	if !errors.As(err, &flagged) || flagged.n != 1 {
		t.Errorf("review = %v, want errFlagged{1} (exit 3)", err)
	}
	for _, want := range []string{"flagged-attempt-1", "cancel_pending", a.RRN, "1250 EUR", "000042"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("review output lacks %q:\n%s", want, out.String())
		}
	}
}
