package crashtest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
)

// report is the reconciliation of the gateway's journal against the
// wallet's ledger and what the terminals were told. Every count but the
// totals must be zero.
type report struct {
	kills, purchases, approved, terminalApprovals, walletPayments int

	chargedTwice         int // a wallet payment charged more than once
	chargesWithoutRecord int // money taken under a key the gateway never journaled
	keptNotApproved      int // the wallet holds money for a purchase the gateway did not approve
	approvedNotHeld      int // the gateway approved a purchase the wallet does not hold
	amountsDisagree      int // held amount differs from the purchase less its approved refunds
	toldApprovedNotHeld  int // a terminal was told 00 for money the wallet does not hold (and did not reverse it)
	notFinal             int // attempts not final after the settle time
}

func (r report) discrepancies() int {
	return r.chargedTwice + r.chargesWithoutRecord + r.keptNotApproved + r.approvedNotHeld +
		r.amountsDisagree + r.toldApprovedNotHeld + r.notFinal
}

func (r report) String() string {
	return fmt.Sprintf("%d kills, %d purchases journaled (%d approved), %d approvals told to terminals, %d wallet payments; "+
		"charged twice %d, charges without a gateway record %d, money kept for a purchase not approved %d, "+
		"approved but not held %d, amounts disagree %d, approvals told to a terminal the wallet does not hold %d, "+
		"attempts not final %d: %d discrepancies",
		r.kills, r.purchases, r.approved, r.terminalApprovals, r.walletPayments,
		r.chargedTwice, r.chargesWithoutRecord, r.keptNotApproved, r.approvedNotHeld, r.amountsDisagree,
		r.toldApprovedNotHeld, r.notFinal, r.discrepancies())
}

type journaled struct {
	id, state, rrn string
	amount         int64
	refunded       int64 // approved terminal refunds
}

// recordLine is one purchase outcome written by posim load --record.
type recordLine struct {
	TerminalID         string `json:"terminal_id"`
	STAN               string `json:"stan"`
	RC                 string `json:"rc"`
	RRN                string `json:"rrn"`
	AdviceSent         bool   `json:"advice_sent"`
	AdviceAcknowledged bool   `json:"advice_acknowledged"`
}

func reconcile(t *testing.T, dbPath string, ledger sim.Snapshot, recordPath string) report {
	t.Helper()
	var r report
	purchases := readPurchases(t, dbPath)
	byRRN := make(map[string]*journaled, len(purchases))
	for _, p := range purchases {
		byRRN[p.rrn] = p
		r.purchases++
		if p.state == "approved" {
			r.approved++
		}
	}
	wallet := make(map[string]sim.Payment, len(ledger.Payments))
	for _, p := range ledger.Payments {
		wallet[p.RequestID] = p
		if p.Placeholder {
			continue
		}
		r.walletPayments++
		if p.Charges > 1 {
			r.chargedTwice++
		}
		if _, ok := purchases[p.RequestID]; !ok && p.Charges > 0 {
			r.chargesWithoutRecord++
		}
	}
	for id, p := range purchases {
		held := heldBy(wallet, id)
		switch {
		case p.state != "approved" && held > 0:
			r.keptNotApproved++
			t.Logf("purchase %s (RRN %s) is %s but the wallet holds %d", id, p.rrn, p.state, held)
		case p.state == "approved" && held == 0 && p.refunded < p.amount:
			r.approvedNotHeld++
			t.Logf("purchase %s (RRN %s) is approved but the wallet holds nothing", id, p.rrn)
		case p.state == "approved" && held != p.amount-p.refunded:
			r.amountsDisagree++
			t.Logf("purchase %s (RRN %s): wallet holds %d, journal says %d - %d refunded", id, p.rrn, held, p.amount, p.refunded)
		}
	}
	for _, line := range readRecord(t, recordPath) {
		if line.RC != "00" {
			continue
		}
		r.terminalApprovals++
		p, ok := byRRN[line.RRN]
		if line.AdviceAcknowledged {
			continue // the terminal itself undid it
		}
		if !ok || p.state != "approved" || heldBy(wallet, p.id) == 0 && p.refunded < p.amount {
			r.toldApprovedNotHeld++
			t.Logf("terminal %s STAN %s was told 00 (RRN %s) but the wallet does not hold it", line.TerminalID, line.STAN, line.RRN)
		}
	}
	return r
}

// heldBy is what the wallet keeps of a payment: paid, less what it returned.
func heldBy(wallet map[string]sim.Payment, id string) int64 {
	p, ok := wallet[id]
	if !ok || p.Status != sim.StatusPaid {
		return 0
	}
	return p.MinorUnits - p.Refunded
}

func readPurchases(t *testing.T, path string) map[string]*journaled {
	t.Helper()
	db := openJournal(t, path)
	defer db.Close()
	rows, err := db.Query(`SELECT p.id, p.state, p.rrn, p.amount_minor,
		COALESCE((SELECT SUM(r.amount_minor) FROM attempts r
			WHERE r.original_id = p.id AND r.kind = 'refund' AND r.state = 'approved'), 0)
		FROM attempts p WHERE p.kind = 'purchase' AND p.request_hash <> 'reversed-before-seen'`)
	if err != nil {
		t.Fatalf("read the journal: %v", err)
	}
	defer rows.Close()
	out := map[string]*journaled{}
	for rows.Next() {
		var p journaled
		if err := rows.Scan(&p.id, &p.state, &p.rrn, &p.amount, &p.refunded); err != nil {
			t.Fatal(err)
		}
		out[p.id] = &p
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func readRecord(t *testing.T, path string) []recordLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("posim's record: %v", err)
	}
	defer f.Close()
	var lines []recordLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l recordLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("posim's record line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}
