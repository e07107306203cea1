package node_test

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/meridian-gw/meridian/gateway/node/internal/e2etest"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// TestJournal checks what the gateway journals of a payment, and that no
// wallet code appears in full in the journal, the logs or the metrics.
func TestJournal(t *testing.T) {
	t.Parallel()
	h := e2etest.Start(t, e2etest.Options{})

	// journalOf makes a purchase of amount, wants rc, and returns the final
	// attempt, its journal and the code used.
	journalOf := func(t *testing.T, amount int64, rc string) (*payment.Attempt, []payment.Event, string) {
		t.Helper()
		term, c := h.NewTerminal(t), h.Dial(t)
		code := h.Code()
		req := term.Purchase(amount, code)
		wantRC(t, e2etest.Do(t, c, req), rc)
		a := h.WaitFinal(t, h.Attempt(t, payment.KindPurchase, req).ID)
		events := h.Events(t, a.ID)
		for i, e := range events {
			if e.AttemptID != a.ID {
				t.Errorf("event %d belongs to %s", i, e.AttemptID)
			}
			if i > 0 && e.At.Before(events[i-1].At) {
				t.Errorf("event %d (%s) is older than the one before it", i, e.Type)
			}
			if strings.Contains(e.Detail, code) {
				t.Errorf("event %s holds the wallet code in full", e.Type)
			}
		}
		if a.CodeMasked == code || strings.Contains(a.CodeMasked, code[4:len(code)-4]) {
			t.Errorf("the attempt keeps the code as %q", a.CodeMasked)
		}
		if len(events) == 0 || events[0].Type != "intent" {
			t.Fatalf("the journal %v does not start with the intent", eventTypes(events))
		}
		return a, events, code
	}

	t.Run("An approved purchase journals its intent first and the approval last", func(t *testing.T) {
		t.Parallel()
		a, events, _ := journalOf(t, amountApproved, wire.RCApproved)
		last := events[len(events)-1]
		if a.State != payment.StateApproved || last.Type != "pay_result" || last.Detail != "approved" {
			t.Errorf("attempt %s, journal ends %s %q; want approved, ending pay_result \"approved\"", a.State, last.Type, last.Detail)
		}
		if !strings.Contains(events[0].Detail, strconv.Itoa(amountApproved)) || !strings.Contains(events[0].Detail, "EUR") {
			t.Errorf("the intent %q does not say the amount and currency", events[0].Detail)
		}
	})

	t.Run("A purchase approved after inquiries journals intent, the unknown outcome and the inquiry's approval", func(t *testing.T) {
		t.Parallel()
		_, events, _ := journalOf(t, amountAfterInquiries, wire.RCApproved)
		wantInOrder(t, eventTypes(events), "intent", "pay_unknown", "inquire_result")
		if last := events[len(events)-1]; last.Detail != "approved" {
			t.Errorf("the journal ends %s %q, want the approval", last.Type, last.Detail)
		}
	})

	t.Run("A purchase approved after the wallet's server error journals intent, the unknown outcome and the approval", func(t *testing.T) {
		t.Parallel()
		_, events, _ := journalOf(t, amountServerErrorOnce, wire.RCApproved)
		wantInOrder(t, eventTypes(events), "intent", "pay_unknown")
		if last := events[len(events)-1]; last.Detail != "approved" {
			t.Errorf("the journal ends %s %q, want the approval", last.Type, last.Detail)
		}
	})

	t.Run("A declined purchase journals intent then the decline with its reason", func(t *testing.T) {
		t.Parallel()
		a, events, _ := journalOf(t, amountInsufficient, wire.RCInsufficientFunds)
		if a.State != payment.StateDeclined || a.Reason != payment.ReasonInsufficientFunds || a.SchemeCode == "" {
			t.Errorf("attempt %s (%s, scheme code %q), want declined for insufficient funds with the scheme's code", a.State, a.Reason, a.SchemeCode)
		}
		wantInOrder(t, eventTypes(events), "intent", "pay_result")
	})

	t.Run("A purchase unknown past its budget journals the cancel decision before its confirmation", func(t *testing.T) {
		t.Parallel()
		a, events, _ := journalOf(t, amountInProcessForever, wire.RCSchemeUnavailable)
		if a.State != payment.StateCancelled {
			t.Errorf("attempt %s, want cancelled", a.State)
		}
		wantInOrder(t, eventTypes(events), "intent", "pay_unknown", "cancel_decided", "cancel_result")
	})

	t.Run("No wallet code appears in full in the logs, the journal, the metrics or the wallet's ledger", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		// A purchase of every kind of outcome, a refund, a status and a
		// reversal, each with its own code.
		var codes []string
		for _, amount := range []int64{amountApproved, amountInsufficient, amountAfterInquiries, amountServerErrorOnce} {
			code := h.Code()
			codes = append(codes, code)
			resp := e2etest.Do(t, c, term.Purchase(amount, code))
			if amount == amountApproved {
				wantRC(t, e2etest.Do(t, c, term.Refund(resp.RRN, 100)), wire.RCApproved)
				wantRC(t, e2etest.Do(t, c, term.Status(resp.RRN)), wire.RCApproved)
			}
		}
		bad := h.Code()
		codes = append(codes, bad)
		malformed := term.Purchase(amountApproved, bad)
		malformed.Currency = "999"
		wantRC(t, e2etest.Do(t, c, malformed), wire.RCFormatError)
		reversed := term.Purchase(amountApproved, h.Code())
		wantRC(t, e2etest.Do(t, c, reversed), wire.RCApproved)
		wantRC(t, e2etest.Do(t, c, term.Reversal(reversed, false)), wire.RCApproved)
		h.WaitFinal(t, h.Attempt(t, payment.KindPurchase, reversed).ID)

		logs := h.Logs.String()
		if !strings.Contains(logs, "alipayplus call answered") {
			t.Fatalf("the node logged no adapter call at debug level; the check below would prove nothing")
		}
		metrics := h.MetricsText(t)
		ledger := h.LedgerJSON(t)
		for _, code := range codes {
			for where, text := range map[string]string{"the logs": logs, "the metrics": metrics, "the wallet ledger": ledger} {
				if strings.Contains(text, code) {
					t.Errorf("a wallet code appears in full in %s", where)
				}
			}
		}
		// The harness checks every code of this node against the whole log
		// again after shutdown.
	})
}

// TestOperationsEndpoint checks /metrics, /healthz and /readyz.
func TestOperationsEndpoint(t *testing.T) {
	t.Parallel()
	h := e2etest.Start(t, e2etest.Options{})
	term, c := h.NewTerminal(t), h.Dial(t)
	const approved, declined = 4, 2
	for range approved {
		approvedPurchase(t, h, term, c, amountApproved)
	}
	for range declined {
		wantRC(t, e2etest.Do(t, c, term.Purchase(amountInsufficient, h.Code())), wire.RCInsufficientFunds)
	}
	wantRC(t, e2etest.Do(t, c, term.Network(wire.NetworkEcho)), wire.RCApproved)

	t.Run("The metrics count the purchases answered, by MTI and response code", func(t *testing.T) {
		text := h.MetricsText(t)
		for _, m := range []struct {
			series string
			least  float64
		}{
			{`meridian_terminal_requests_total{mti="0200",rc="00"}`, approved},
			{`meridian_terminal_requests_total{mti="0200",rc="51"}`, declined},
			{`meridian_terminal_requests_total{mti="0800",rc="00"}`, 1},
			// Each purchase journals its intent and its outcome.
			{`meridian_journal_writes_total`, 2 * (approved + declined)},
			{`meridian_journal_commits_total`, 1},
		} {
			got, ok := sample(text, m.series)
			if !ok {
				t.Errorf("/metrics has no %s", m.series)
			} else if got < m.least {
				t.Errorf("%s is %v, want at least %v", m.series, got, m.least)
			}
		}
		for _, name := range []string{"meridian_terminal_request_duration_seconds_bucket", "meridian_stage_duration_seconds_bucket", "meridian_terminal_connections"} {
			if !strings.Contains(text, name) {
				t.Errorf("/metrics has no %s", name)
			}
		}
	})

	t.Run("A purchase cancelled by the resolver is counted as resolved", func(t *testing.T) {
		req := term.Purchase(amountInProcessForever, h.Code())
		wantRC(t, e2etest.Do(t, c, req), wire.RCSchemeUnavailable)
		h.WaitFinal(t, h.Attempt(t, payment.KindPurchase, req).ID)
		if got, ok := sample(h.MetricsText(t), `meridian_attempts_resolved_total{scheme="ALIPAYPLUS",state="cancelled"}`); !ok || got < 1 {
			t.Errorf("meridian_attempts_resolved_total for a cancel is %v (present %t), want at least 1", got, ok)
		}
	})

	for _, path := range []string{"/healthz", "/readyz"} {
		t.Run(path+" answers 200", func(t *testing.T) {
			if status, body := h.HTTPStatus(t, path); status != http.StatusOK {
				t.Errorf("%s answered %d: %s", path, status, body)
			}
		})
	}
}

// sample returns the value of the series (name and labels as the text
// format writes them) in a Prometheus text exposition.
func sample(text, series string) (float64, bool) {
	s := bufio.NewScanner(strings.NewReader(text))
	for s.Scan() {
		rest, ok := strings.CutPrefix(s.Text(), series+" ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.Fields(rest)[0], 64)
		return v, err == nil
	}
	return 0, false
}
