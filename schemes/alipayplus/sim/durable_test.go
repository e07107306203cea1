package sim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
	"github.com/meridian-gw/meridian/schemes/internal/adaptertest"
)

// durableSim is a simulator with a ledger file, served on a real listener.
type durableSim struct {
	sim  *sim.Simulator
	srv  *httptest.Server
	log  *adaptertest.LogBuffer
	stop func()
}

// startDurable starts a simulator on the ledger file at path; stop (also
// run at cleanup) shuts it down as walletsim does: the server, then the
// ledger file.
func startDurable(t *testing.T, path string, clock *adaptertest.Clock, change func(*sim.Config)) *durableSim {
	t.Helper()
	d, err := tryStartDurable(t, path, clock, change)
	if err != nil {
		t.Fatalf("sim.New on %s: %v", path, err)
	}
	return d
}

func tryStartDurable(t *testing.T, path string, clock *adaptertest.Clock, change func(*sim.Config)) (*durableSim, error) {
	t.Helper()
	logs := &adaptertest.LogBuffer{}
	cfg := sim.Config{AcquirerPublicKey: &keys().acquirer.PublicKey, WalletPrivateKey: keys().wallet,
		AcquirerClientID: clientID, LedgerPath: path, Now: clock.Now,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if change != nil {
		change(&cfg)
	}
	s, err := sim.New(cfg)
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(s)
	var once sync.Once
	stop := func() {
		once.Do(func() {
			s.Close()
			srv.Close()
			if err := s.CloseLedger(); err != nil {
				t.Errorf("CloseLedger: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return &durableSim{sim: s, srv: srv, log: logs, stop: stop}, nil
}

func snapshotJSON(t *testing.T, s *sim.Simulator) string {
	t.Helper()
	data, err := json.MarshalIndent(s.Ledger().Snapshot(), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func refundRequest(paymentID, refundID string, minorUnits int64) *alipayplus.RefundRequest {
	return &alipayplus.RefundRequest{PaymentRequestID: paymentID, RefundRequestID: refundID, RefundAmount: alipayplus.NewAmount("EUR", minorUnits)}
}

// mustPay pays and fails the test on a transport error.
func mustPay(t *testing.T, c *alipayplus.Client, id string, minorUnits int64) *alipayplus.PayResponse {
	t.Helper()
	resp, err := c.Pay(context.Background(), payRequest(id, code, minorUnits))
	if err != nil {
		t.Fatalf("Pay %s: %v", id, err)
	}
	return resp
}

func mustInquire(t *testing.T, c *alipayplus.Client, id string) *alipayplus.InquiryPaymentResponse {
	t.Helper()
	resp, err := c.InquiryPayment(context.Background(), &alipayplus.InquiryPaymentRequest{PaymentRequestID: id})
	if err != nil {
		t.Fatalf("InquiryPayment %s: %v", id, err)
	}
	return resp
}

func mustCancel(t *testing.T, c *alipayplus.Client, id string) *alipayplus.CancelPaymentResponse {
	t.Helper()
	resp, err := c.CancelPayment(context.Background(), &alipayplus.CancelPaymentRequest{PaymentRequestID: id})
	if err != nil {
		t.Fatalf("CancelPayment %s: %v", id, err)
	}
	return resp
}

func mustRefund(t *testing.T, c *alipayplus.Client, paymentID, refundID string, minorUnits int64) *alipayplus.RefundResponse {
	t.Helper()
	resp, err := c.Refund(context.Background(), refundRequest(paymentID, refundID, minorUnits))
	if err != nil {
		t.Fatalf("Refund %s: %v", refundID, err)
	}
	return resp
}

// writeEveryKindOfChange drives one of each ledger change through the API.
func writeEveryKindOfChange(t *testing.T, c *alipayplus.Client) {
	t.Helper()
	wantCode(t, "Pay approved", mustPay(t, c, "approved", 1000).Result, "S", "SUCCESS")
	wantCode(t, "Pay declined", mustPay(t, c, "declined", 1051).Result, "F", "USER_BALANCE_NOT_ENOUGH")
	wantCode(t, "Pay 91", mustPay(t, c, "after-inquiries", 1091).Result, "U", "PAYMENT_IN_PROCESS")
	mustInquire(t, c, "after-inquiries")
	mustInquire(t, c, "after-inquiries")
	wantCode(t, "Pay 92", mustPay(t, c, "forever", 1092).Result, "U", "PAYMENT_IN_PROCESS")
	wantCode(t, "Cancel 92", mustCancel(t, c, "forever").Result, "S", "SUCCESS")
	if _, err := c.Pay(context.Background(), payRequest("lost", code, 1096)); !errors.Is(err, alipayplus.ErrHTTPStatus) {
		t.Fatalf("Pay 96 error = %v, want HTTP 500", err)
	}
	wantCode(t, "Refund", mustRefund(t, c, "approved", "refund-1", 400).Result, "S", "SUCCESS")
	wantCode(t, "Refund of a decline", mustRefund(t, c, "declined", "refund-bad", 100).Result, "F", "PROCESS_FAIL")
	wantCode(t, "Cancel of an unknown payment", mustCancel(t, c, "never-paid").Result, "S", "SUCCESS")
}

func TestDurableLedgerSurvivesARestartWithTheSameAnswersAndNoSecondCharge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	clock := adaptertest.NewClock()
	first := startDurable(t, path, clock, nil)
	c1 := newClient(t, first.srv.URL, 5*time.Second)
	writeEveryKindOfChange(t, c1)
	approved := mustPay(t, c1, "approved", 1000)
	refund := mustRefund(t, c1, "approved", "refund-1", 400)
	before := snapshotJSON(t, first.sim)
	first.stop()
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("ledger file: %v, mode %v, want 0600", err, info.Mode().Perm())
	}

	second := startDurable(t, path, clock, nil)
	if after := snapshotJSON(t, second.sim); after != before {
		t.Fatalf("ledger after restart differs.\nbefore: %s\nafter: %s", before, after)
	}
	c2 := newClient(t, second.srv.URL, 5*time.Second)
	repeat := mustPay(t, c2, "approved", 1000)
	wantCode(t, "repeat Pay", repeat.Result, "S", "SUCCESS")
	if repeat.PaymentID != approved.PaymentID {
		t.Fatalf("repeat after restart answered payment id %s, want %s", repeat.PaymentID, approved.PaymentID)
	}
	wantCode(t, "changed repeat", mustPay(t, c2, "approved", 2000).Result, "F", "REPEAT_REQ_INCONSISTENT")
	wantCode(t, "repeat of the lost answer", mustPay(t, c2, "lost", 1096).Result, "S", "SUCCESS")
	wantCode(t, "pay after a cancel of the unknown id", mustPay(t, c2, "never-paid", 1000).Result, "F", "ORDER_IS_CLOSED")
	inquiry := mustInquire(t, c2, "after-inquiries")
	if inquiry.PaymentStatus != alipayplus.PaymentStatusSuccess {
		t.Fatalf("third inquiry (two before the restart) = %s, want SUCCESS", inquiry.PaymentStatus)
	}
	repeatRefund := mustRefund(t, c2, "approved", "refund-1", 400)
	if repeatRefund.RefundID != refund.RefundID || repeatRefund.Result.ResultStatus != "S" {
		t.Fatalf("repeat refund = %s %s, want S %s", repeatRefund.Result.ResultStatus, repeatRefund.RefundID, refund.RefundID)
	}
	fresh := mustPay(t, c2, "fresh", 1000)
	for _, p := range second.sim.Ledger().Payments() {
		if p.RequestID != "fresh" && p.WalletTxnID == fresh.PaymentID {
			t.Fatalf("new payment got id %s, already given to %s before the restart", fresh.PaymentID, p.RequestID)
		}
	}
	for id, want := range map[string]int{"approved": 4, "lost": 2} {
		p, _ := second.sim.Ledger().Payment(id)
		if p.Charges != 1 || p.PayCalls != want {
			t.Fatalf("%s: %d charges over %d pay calls, want 1 over %d", id, p.Charges, p.PayCalls, want)
		}
	}
	if err := second.sim.Ledger().Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	before = snapshotJSON(t, second.sim)
	second.stop()

	third := startDurable(t, path, clock, nil)
	if after := snapshotJSON(t, third.sim); after != before {
		t.Fatalf("ledger after the second restart differs.\nbefore: %s\nafter: %s", before, after)
	}
	if logs := third.log.String(); logs != "" {
		t.Fatalf("a clean ledger file logged warnings: %s", logs)
	}
}

// writeLedger makes a ledger file with a few records and returns its content.
func writeLedger(t *testing.T, path string, clock *adaptertest.Clock) []byte {
	t.Helper()
	d := startDurable(t, path, clock, nil)
	c := newClient(t, d.srv.URL, 5*time.Second)
	writeEveryKindOfChange(t, c)
	d.stop()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestTornLastLineIsCutOffWithAWarning(t *testing.T) {
	clock := adaptertest.NewClock()
	valid := writeLedger(t, filepath.Join(t.TempDir(), "ledger.jsonl"), clock)
	last := lastLine(valid)
	withoutLast := valid[:len(valid)-len(last)-1]
	cases := []struct {
		name        string
		whole, torn []byte
	}{
		{"a record cut short", valid, []byte(`{"n":99,"op":"pay","seq":12,"payment":{"requestId":"half`)},
		{"a whole record without its newline", withoutLast, last},
		{"zeros where the record should be", valid, make([]byte, 512)},
		{"a garbled last line with its newline", valid, []byte("{\"n\":99,\"op\":\"pay\x00\x00\x00\n")},
		{"an empty last line", valid, []byte("\n")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ledger.jsonl")
			if err := os.WriteFile(path, append(bytes.Clone(c.whole), c.torn...), 0o600); err != nil {
				t.Fatal(err)
			}
			wantPayments := paymentIDs(t, c.whole)
			d := startDurable(t, path, clock, nil)
			if logs := d.log.String(); !strings.Contains(logs, "torn last line") {
				t.Fatalf("no warning about the torn line; logs: %q", logs)
			}
			if got := paymentIDsOf(d.sim); got != wantPayments {
				t.Fatalf("payments after the torn line = %s, want %s", got, wantPayments)
			}
			c := newClient(t, d.srv.URL, 5*time.Second)
			wantCode(t, "Pay after the torn line", mustPay(t, c, "after-torn", 1000).Result, "S", "SUCCESS")
			d.stop()
			again := startDurable(t, path, clock, nil)
			if logs := again.log.String(); logs != "" {
				t.Fatalf("the torn line was not cut off: a second start logs %q", logs)
			}
			if _, ok := again.sim.Ledger().Payment("after-torn"); !ok {
				t.Fatal("the payment made after the torn line is lost")
			}
		})
	}
}

func lastLine(data []byte) []byte {
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	return lines[len(lines)-1]
}

// paymentIDs lists the payments a ledger file holds, by loading it.
func paymentIDs(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "load.jsonl")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := sim.LoadLedger(path, nil)
	if err != nil {
		t.Fatalf("LoadLedger: %v", err)
	}
	var ids []string
	for _, p := range l.Payments() {
		ids = append(ids, p.RequestID+"="+string(p.Status))
	}
	return strings.Join(ids, ",")
}

func paymentIDsOf(s *sim.Simulator) string {
	var ids []string
	for _, p := range s.Ledger().Payments() {
		ids = append(ids, p.RequestID+"="+string(p.Status))
	}
	return strings.Join(ids, ",")
}

func TestCorruptionBeforeTheLastLineIsRefused(t *testing.T) {
	clock := adaptertest.NewClock()
	valid := writeLedger(t, filepath.Join(t.TempDir(), "ledger.jsonl"), clock)
	lines := bytes.SplitAfter(valid, []byte("\n"))
	lines = lines[:len(lines)-1] // the empty string after the last newline
	if len(lines) < 6 {
		t.Fatalf("ledger has %d lines, want at least 6", len(lines))
	}
	edit := func(change func([][]byte) [][]byte) []byte {
		copied := make([][]byte, len(lines))
		for i := range lines {
			copied[i] = bytes.Clone(lines[i])
		}
		return bytes.Join(change(copied), nil)
	}
	cases := []struct {
		name string
		data []byte
		line int
		want string
	}{
		{"a garbled line", edit(func(l [][]byte) [][]byte { l[3] = []byte("{\"n\":4,\"op\":\"pa\x00\x00\n"); return l }), 4, "invalid character"},
		{"a lost line", edit(func(l [][]byte) [][]byte { return append(l[:3], l[4:]...) }), 4, "record number 5 follows 3"},
		{"a repeated line", edit(func(l [][]byte) [][]byte { return append(l[:4], l[3:]...) }), 5, "record number 4 follows 4"},
		{"an unknown field", edit(func(l [][]byte) [][]byte {
			l[2] = bytes.Replace(l[2], []byte(`"op":`), []byte(`"extra":1,"op":`), 1)
			return l
		}), 3, `unknown field "extra"`},
		{"an unknown operation", edit(func(l [][]byte) [][]byte {
			l[2] = bytes.Replace(l[2], []byte(`"op":"pay"`), []byte(`"op":"steal"`), 1)
			return l
		}), 3, `unknown operation "steal"`},
		{"no header", edit(func(l [][]byte) [][]byte {
			l[1] = bytes.Replace(l[1], []byte(`"n":2`), []byte(`"n":1`), 1)
			return l[1:]
		}), 1, "want the header"},
		{"a newer file version", edit(func(l [][]byte) [][]byte {
			l[0] = bytes.Replace(l[0], []byte(`"version":2`), []byte(`"version":3`), 1)
			return l
		}), 1, "version 3"},
		{"a version 1 file from before simkit", edit(func(l [][]byte) [][]byte {
			l[0] = bytes.Replace(l[0], []byte(`"version":2`), []byte(`"version":1`), 1)
			return l
		}), 1, "start a new file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ledger.jsonl")
			if err := os.WriteFile(path, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := tryStartDurable(t, path, clock, nil)
			var corrupt *sim.CorruptLedgerError
			if !errors.As(err, &corrupt) || corrupt.Line != c.line || !strings.Contains(err.Error(), c.want) ||
				!strings.Contains(err.Error(), fmt.Sprintf("corrupt at line %d", c.line)) {
				t.Fatalf("sim.New = %v, want a corrupt ledger error at line %d mentioning %q", err, c.line, c.want)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, c.data) {
				t.Fatal("a refused ledger file was changed")
			}
			if _, err := sim.LoadLedger(path, nil); !errors.As(err, &corrupt) {
				t.Fatalf("LoadLedger = %v, want the same refusal", err)
			}
		})
	}
}

func TestEveryAnswerIsInTheFileWhenTheClientHasIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	d := startDurable(t, path, adaptertest.NewClock(), nil)
	c := newClient(t, d.srv.URL, 10*time.Second)
	const workers, each = 8, 6
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("on-disk-%d-%d", w, i)
				amount := int64(1000 + 92*(i%2)) // approved, or in process until cancelled
				resp, err := c.Pay(context.Background(), payRequest(id, code, amount))
				if err != nil {
					t.Errorf("Pay %s: %v", id, err)
					return
				}
				wantStatus := map[string]sim.Status{"S": sim.StatusPaid, "U": sim.StatusProcessing}[resp.Result.ResultStatus]
				if got := fileStatus(t, path, id); got != wantStatus {
					t.Errorf("answered %s for %s, but the file says %q", resp.Result.ResultStatus, id, got)
				}
				if amount%100 == 92 {
					if _, err := c.CancelPayment(context.Background(), &alipayplus.CancelPaymentRequest{PaymentRequestID: id}); err != nil {
						t.Errorf("Cancel %s: %v", id, err)
						return
					}
					if got := fileStatus(t, path, id); got != sim.StatusCancelled {
						t.Errorf("cancel of %s answered, but the file says %q", id, got)
					}
				}
			}
		})
	}
	wg.Wait()
}

// fileStatus reads the ledger file as another process would and returns the
// last status it records for a payment.
func fileStatus(t *testing.T, path, id string) sim.Status {
	t.Helper()
	l, err := sim.LoadLedger(path, nil)
	if err != nil {
		t.Errorf("LoadLedger: %v", err)
		return ""
	}
	p, _ := l.Payment(id)
	return p.Status
}

func TestAnAnswerWaitsForTheSyncOfItsRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	d := startDurable(t, path, adaptertest.NewClock(), nil)
	c := newClient(t, d.srv.URL, 10*time.Second)
	release := make(chan struct{})
	syncing := make(chan string, 1)
	sim.SetLedgerSync(d.sim, func(f *os.File) error {
		written, _ := os.ReadFile(path)
		syncing <- string(written)
		<-release
		return f.Sync()
	})
	answered := make(chan *alipayplus.PayResponse, 1)
	go func() {
		resp, err := c.Pay(context.Background(), payRequest("synced", code, 1000))
		if err != nil {
			t.Errorf("Pay: %v", err)
		}
		answered <- resp
	}()
	select {
	case written := <-syncing:
		if !strings.Contains(written, `"requestId":"synced"`) {
			t.Fatalf("the record is not written when the sync starts; file: %s", written)
		}
	case resp := <-answered:
		close(release)
		t.Fatalf("the pay was answered (%+v) without a sync of its record", resp)
	case <-time.After(5 * time.Second):
		t.Fatal("no sync within 5s of the pay")
	}
	select {
	case <-answered:
		t.Fatal("the pay was answered before the sync of its record ended")
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if resp := <-answered; resp == nil || resp.Result.ResultStatus != "S" {
		t.Fatalf("Pay after the sync = %+v", resp)
	}
}

func TestConcurrentChangesShareOneSync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	d := startDurable(t, path, adaptertest.NewClock(), nil)
	c := newClient(t, d.srv.URL, 10*time.Second)
	release := make(chan struct{})
	var releaseOnce sync.Once
	free := func() { releaseOnce.Do(func() { close(release) }) }
	defer free() // before the cleanup closes the ledger, which syncs
	var syncs atomic.Int32
	sim.SetLedgerSync(d.sim, func(f *os.File) error {
		if syncs.Add(1) == 1 {
			<-release // hold the first sync while the others arrive
		}
		return f.Sync()
	})
	const concurrent = 10
	var wg sync.WaitGroup
	for i := range concurrent + 1 {
		if i == 1 {
			waitFor(t, func() bool { return syncs.Load() == 1 })
		}
		wg.Go(func() { mustPay(t, c, fmt.Sprintf("group-%d", i), 1000) })
	}
	waitFor(t, func() bool { return len(d.sim.Ledger().Payments()) == concurrent+1 })
	free()
	wg.Wait()
	if n := syncs.Load(); n != 2 {
		t.Fatalf("%d pays took %d syncs, want 2 (the held one, then one for the other %d)", concurrent+1, n, concurrent)
	}
}

func TestAFailedSyncAnswers503AndRefusesLaterChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	d := startDurable(t, path, adaptertest.NewClock(), nil)
	c := newClient(t, d.srv.URL, 10*time.Second)
	sim.SetLedgerSync(d.sim, func(*os.File) error { return errors.New("disk on fire") })
	for _, id := range []string{"unknown-outcome", "refused"} {
		_, err := c.Pay(context.Background(), payRequest(id, code, 1000))
		if !errors.Is(err, alipayplus.ErrHTTPStatus) || !strings.Contains(err.Error(), "503") {
			t.Fatalf("Pay %s error = %v, want HTTP 503", id, err)
		}
	}
	if _, ok := d.sim.Ledger().Payment("refused"); ok {
		t.Fatal("a change was made after the ledger file failed")
	}
	if logs := d.log.String(); !strings.Contains(logs, "disk on fire") {
		t.Fatalf("the failure is not logged: %q", logs)
	}
}

func TestSlowPaymentSettlesAtItsTimeAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	clock := adaptertest.NewClock()
	start := clock.Now()
	slow := func(c *sim.Config) { c.SlowDelay = time.Minute }
	first := startDurable(t, path, clock, slow)
	shortClient := newClient(t, first.srv.URL, 100*time.Millisecond)
	for _, id := range []string{"slow", "slow-cancelled"} {
		if _, err := shortClient.Pay(context.Background(), payRequest(id, code, 1093)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Pay %s error = %v, want the client's deadline", id, err)
		}
	}
	wantCode(t, "Cancel", mustCancel(t, newClient(t, first.srv.URL, 5*time.Second), "slow-cancelled").Result, "S", "SUCCESS")
	first.stop()

	clock.Advance(30 * time.Second)
	second := startDurable(t, path, clock, slow)
	p, _ := second.sim.Ledger().Payment("slow")
	if p.Status != sim.StatusProcessing || !p.SettleAt.Equal(start.Add(time.Minute)) {
		t.Fatalf("before its settle time: %s settling at %v, want processing settling at %v", p.Status, p.SettleAt, start.Add(time.Minute))
	}
	second.stop()

	clock.Advance(time.Hour) // the simulator was down when the settle time came
	third := startDurable(t, path, clock, slow)
	third.stop()                 // settled at start, before any request
	file, _ := os.ReadFile(path) // so the file holds the settlement
	if !bytes.Contains(file, []byte(`"op":"settle"`)) {
		t.Fatal("the settlement at start is not in the file")
	}
	fourth := startDurable(t, path, clock, slow)
	p, _ = fourth.sim.Ledger().Payment("slow")
	if p.Status != sim.StatusPaid || p.Charges != 1 || !p.PaidAt.Equal(p.SettleAt) {
		t.Fatalf("after its settle time: %s, %d charges, paid at %v; want paid once at %v", p.Status, p.Charges, p.PaidAt, p.SettleAt)
	}
	if p, _ := fourth.sim.Ledger().Payment("slow-cancelled"); p.Status != sim.StatusCancelled || p.Charges != 0 {
		t.Fatalf("cancelled slow payment: %s, %d charges; want cancelled, never charged", p.Status, p.Charges)
	}
	inquiry := mustInquire(t, newClient(t, fourth.srv.URL, 5*time.Second), "slow")
	if inquiry.PaymentStatus != alipayplus.PaymentStatusSuccess {
		t.Fatalf("inquiry = %s, want SUCCESS", inquiry.PaymentStatus)
	}
	if err := fourth.sim.Ledger().Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func TestALedgerFileServesOneSimulatorAtATime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	clock := adaptertest.NewClock()
	first := startDurable(t, path, clock, nil)
	if _, err := tryStartDurable(t, path, clock, nil); err == nil || !strings.Contains(err.Error(), "in use by another simulator") {
		t.Fatalf("second sim.New on an open ledger = %v, want in use", err)
	}
	first.stop()
	startDurable(t, path, clock, nil) // free again once closed
}

func TestAClosedLedgerRefusesChangesWith503(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	d := startDurable(t, path, adaptertest.NewClock(), nil)
	c := newClient(t, d.srv.URL, 5*time.Second)
	mustPay(t, c, "before-close", 1000)
	if err := d.sim.CloseLedger(); err != nil {
		t.Fatalf("CloseLedger: %v", err)
	}
	if err := d.sim.CloseLedger(); err != nil {
		t.Fatalf("second CloseLedger: %v", err)
	}
	_, err := c.Pay(context.Background(), payRequest("after-close", code, 1000))
	if !errors.Is(err, alipayplus.ErrHTTPStatus) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("Pay after CloseLedger error = %v, want HTTP 503", err)
	}
	resp, err := http.Get(d.srv.URL + "/sim/ledger")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /sim/ledger after CloseLedger = %v, %v", resp, err)
	}
	resp.Body.Close()
	if n := len(d.sim.Ledger().Payments()); n != 1 {
		t.Fatalf("ledger holds %d payments, want 1", n)
	}
}

func TestLoadLedgerReadsWhatTheSimulatorServed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	clock := adaptertest.NewClock()
	d := startDurable(t, path, clock, nil)
	writeEveryKindOfChange(t, newClient(t, d.srv.URL, 5*time.Second))
	resp, err := http.Get(d.srv.URL + "/sim/ledger")
	if err != nil {
		t.Fatal(err)
	}
	var served sim.Snapshot
	json.NewDecoder(resp.Body).Decode(&served)
	resp.Body.Close()
	l, err := sim.LoadLedger(path, nil)
	if err != nil {
		t.Fatalf("LoadLedger of a running simulator's file: %v", err)
	}
	loaded := l.Snapshot()
	a, _ := json.Marshal(served)
	b, _ := json.Marshal(loaded)
	if !bytes.Equal(a, b) {
		t.Fatalf("loaded ledger differs from the served one.\nserved: %s\nloaded: %s", a, b)
	}
	if err := l.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if _, err := sim.LoadLedger(filepath.Join(t.TempDir(), "missing.jsonl"), nil); err == nil {
		t.Fatal("LoadLedger of a missing file succeeded")
	}
}
