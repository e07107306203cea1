package simkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// openFile opens a durable ledger on path; its logs go to the returned
// buffer. The ledger is closed at cleanup (a second Close does nothing).
func openFile(t *testing.T, path string, clock *fakeClock) (*Ledger, *syncBuffer) {
	t.Helper()
	l, logs, err := tryOpenFile(t, path, clock)
	if err != nil {
		t.Fatalf("Open %s: %v", path, err)
	}
	return l, logs
}

func tryOpenFile(t *testing.T, path string, clock *fakeClock) (*Ledger, *syncBuffer, error) {
	t.Helper()
	logs := &syncBuffer{}
	cfg := testConfig(clock)
	cfg.Path = path
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	l, err := Open(cfg)
	if err != nil {
		return nil, logs, err
	}
	t.Cleanup(func() { l.Close() })
	return l, logs, nil
}

func snapshotJSON(t *testing.T, l *Ledger) string {
	t.Helper()
	data, err := json.Marshal(l.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// everyKindOfChange makes one of each ledger change, orders included.
func everyKindOfChange(t *testing.T, l *Ledger) {
	t.Helper()
	pay(t, l, "approved", 1000)
	pay(t, l, "declined", 1051)
	pay(t, l, "after-inquiries", 1091)
	inquire(t, l, "after-inquiries")
	inquire(t, l, "after-inquiries")
	pay(t, l, "forever", 1092)
	cancel(t, l, "forever")
	pay(t, l, "lost", 1096)
	refund(t, l, "refund-1", "approved", 400)
	refund(t, l, "refund-bad", "declined", 100)
	cancel(t, l, "never-paid")
	scan(t, l, order(t, l, "order-paid", 2000).Payment.OrderToken)
	order(t, l, "order-open", 3000)
	scan(t, l, order(t, l, "order-lost", 3096).Payment.OrderToken)
}

func TestADurableLedgerCarriesOnAfterARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	clock := newClock()
	first, _ := openFile(t, path, clock)
	everyKindOfChange(t, first)
	hash := first.Hash("x")
	before := snapshotJSON(t, first)
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("ledger file: %v, want mode 0600", err)
	}

	second, logs := openFile(t, path, clock)
	if after := snapshotJSON(t, second); after != before {
		t.Fatalf("ledger after the restart differs.\nbefore: %s\nafter:  %s", before, after)
	}
	if second.Hash("x") != hash {
		t.Fatal("the hash key changed across the restart: repeats would look like new requests")
	}
	if logs.String() != "" {
		t.Fatalf("a clean file logged: %s", logs)
	}
	if r := pay(t, second, "approved", 1000); !r.Repeat || r.Payment.Charges != 1 {
		t.Fatalf("repeat after the restart = %+v", r)
	}
	if r := pay(t, second, "never-paid", 1000); r.Outcome != OutcomeClosed {
		t.Fatalf("pay after a cancel of the unknown id = %s", r.Outcome)
	}
	wantState(t, "third inquiry, two before the restart", inquire(t, second, "after-inquiries").Payment, StatusPaid, 1)
	if r := inquire(t, second, "order-lost"); !r.Lose {
		t.Fatal("the lost inquiry of a 96 order was forgotten across the restart")
	}
	open, _ := second.Payment("order-open")
	if r := scan(t, second, open.OrderToken); r.Outcome != OutcomeOK {
		t.Fatalf("scan of an order made before the restart = %s", r.Outcome)
	}
	fresh := pay(t, second, "fresh", 1000)
	for _, p := range second.Payments() {
		if p.RequestID != "fresh" && p.WalletTxnID == fresh.Payment.WalletTxnID {
			t.Fatalf("a new payment got id %s, given to %s before the restart", fresh.Payment.WalletTxnID, p.RequestID)
		}
	}
	checkLedger(t, second)
}

func TestWhatFellDueWhileNoSimulatorRanHappensAtItsTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	clock := newClock()
	start := clock.Now()
	first, _ := openFile(t, path, clock)
	pay(t, first, "slow", 1093)
	order(t, first, "unscanned", 1000)
	first.Close()

	clock.Advance(time.Hour)
	second, _ := openFile(t, path, clock)
	second.Close() // settled and expired at start, before any command
	file, _ := os.ReadFile(path)
	if !bytes.Contains(file, []byte(`"op":"settle"`)) || !bytes.Contains(file, []byte(`"op":"expire"`)) {
		t.Fatalf("the settlement and the expiry at start are not in the file:\n%s", file)
	}
	third, _ := openFile(t, path, clock)
	p, _ := third.Payment("slow")
	if p.Status != StatusPaid || !p.PaidAt.Equal(start.Add(time.Minute)) {
		t.Fatalf("slow payment: %s paid at %v, want paid at its settle time", p.Status, p.PaidAt)
	}
	if o, _ := third.Payment("unscanned"); o.Status != StatusExpired || o.ResultCode != "WEXP" {
		t.Fatalf("unscanned order: %s %s, want expired", o.Status, o.ResultCode)
	}
}

// writeLedgerFile makes a ledger file with every kind of change and returns
// its content.
func writeLedgerFile(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	l, _ := openFile(t, path, newClock())
	everyKindOfChange(t, l)
	l.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func requestIDs(l *Ledger) string {
	var ids []string
	for _, p := range l.Payments() {
		ids = append(ids, p.RequestID+"="+string(p.Status))
	}
	return strings.Join(ids, ",")
}

func TestATornLastLineIsCutOffWithAWarning(t *testing.T) {
	valid := writeLedgerFile(t)
	lines := bytes.SplitAfter(valid, []byte("\n"))
	last := lines[len(lines)-2]
	withoutLast := valid[:len(valid)-len(last)]
	cases := []struct {
		name        string
		whole, torn []byte
	}{
		{"a record cut short", valid, []byte(`{"n":99,"op":"pay","seq":12,"payment":{"requestId":"half`)},
		{"a whole record without its newline", withoutLast, bytes.TrimSuffix(last, []byte("\n"))},
		{"zeros where the record should be", valid, make([]byte, 512)},
		{"a garbled last line with its newline", valid, []byte("{\"n\":99,\"op\":\"pay\x00\x00\n")},
	}
	for _, c := range cases {
		t.Run(c.name+" is cut off", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ledger.jsonl")
			if err := os.WriteFile(path, append(bytes.Clone(c.whole), c.torn...), 0o600); err != nil {
				t.Fatal(err)
			}
			clean := filepath.Join(t.TempDir(), "clean.jsonl")
			os.WriteFile(clean, c.whole, 0o600)
			want, err := Load(Config{Path: clean, Now: newClock().Now})
			if err != nil {
				t.Fatalf("Load of the whole part: %v", err)
			}
			l, logs := openFile(t, path, newClock())
			if !strings.Contains(logs.String(), "torn last line") {
				t.Fatalf("no warning about the torn line; logs: %q", logs)
			}
			if got := requestIDs(l); got != requestIDs(want) {
				t.Fatalf("payments after the torn line = %s, want %s", got, requestIDs(want))
			}
			pay(t, l, "after-torn", 1000)
			l.Close()
			again, logs := openFile(t, path, newClock())
			if logs.String() != "" {
				t.Fatalf("the torn line was not cut off: a second start logs %q", logs)
			}
			if _, ok := again.Payment("after-torn"); !ok {
				t.Fatal("the payment made after the torn line is lost")
			}
		})
	}
}

func TestCorruptionBeforeTheLastLineIsRefused(t *testing.T) {
	valid := writeLedgerFile(t)
	lines := bytes.SplitAfter(valid, []byte("\n"))
	lines = lines[:len(lines)-1] // the empty string after the last newline
	edit := func(change func([][]byte) [][]byte) []byte {
		copied := make([][]byte, len(lines))
		for i := range lines {
			copied[i] = bytes.Clone(lines[i])
		}
		return bytes.Join(change(copied), nil)
	}
	replace := func(line int, old, new string) []byte {
		return edit(func(l [][]byte) [][]byte { l[line] = bytes.Replace(l[line], []byte(old), []byte(new), 1); return l })
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
		{"an unknown field", replace(2, `"op":`, `"extra":1,"op":`), 3, `unknown field "extra"`},
		{"an unknown operation", replace(2, `"op":"pay"`, `"op":"steal"`), 3, `unknown operation "steal"`},
		{"an unknown status", replace(1, `"status":"paid"`, `"status":"stolen"`), 2, `unknown status "stolen"`},
		{"a negative amount", replace(1, `"minorUnits":1000`, `"minorUnits":-1000`), 2, "negative"},
		{"a newer file version", replace(0, `"version":2`, `"version":3`), 1, "version 3"},
		{"a version 1 file", replace(0, `"version":2`, `"version":1`), 1, "start a new file"},
	}
	for _, c := range cases {
		t.Run(c.name+" is refused", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ledger.jsonl")
			if err := os.WriteFile(path, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := tryOpenFile(t, path, newClock())
			var corrupt *CorruptLedgerError
			if !errors.As(err, &corrupt) || corrupt.Line != c.line || !strings.Contains(err.Error(), c.want) ||
				!strings.Contains(err.Error(), fmt.Sprintf("corrupt at line %d", c.line)) {
				t.Fatalf("Open = %v, want a corrupt ledger error at line %d mentioning %q", err, c.line, c.want)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, c.data) {
				t.Fatal("a refused ledger file was changed")
			}
			if _, err := Load(Config{Path: path}); !errors.As(err, &corrupt) {
				t.Fatalf("Load = %v, want the same refusal", err)
			}
		})
	}
}

func TestCheckCatchesADoubleChargeForgedInTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	l, _ := openFile(t, path, newClock())
	pay(t, l, "p", 1000)
	l.Close()
	data, _ := os.ReadFile(path)
	forged := bytes.Replace(data, []byte(`"charges":1`), []byte(`"charges":2`), 1)
	if bytes.Equal(forged, data) {
		t.Fatal("the file has no charge to forge")
	}
	os.WriteFile(path, forged, 0o600)
	loaded, err := Load(Config{Path: path})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if err := loaded.Check(); err == nil || !strings.Contains(err.Error(), "payment p (paid): charged 2 times, want 1") {
		t.Fatalf("Check = %v, want the double charge", err)
	}
}

func TestEveryChangeIsInTheFileWhenItsCommandReturns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	l, _ := openFile(t, path, newClock())
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := range 4 {
				id := fmt.Sprintf("on-disk-%d-%d", w, i)
				r, err := l.Pay(PayCommand{RequestID: id, Hash: id, Currency: "EUR", MinorUnits: int64(1000 + 92*(i%2))})
				if err != nil {
					t.Errorf("Pay %s: %v", id, err)
					return
				}
				loaded, err := Load(Config{Path: path})
				if err != nil {
					t.Errorf("Load: %v", err)
					return
				}
				if p, _ := loaded.Payment(id); p.Status != r.Payment.Status {
					t.Errorf("Pay %s returned %s, but the file says %q", id, r.Payment.Status, p.Status)
				}
			}
		})
	}
	wg.Wait()
}

func TestConcurrentCommandsShareOneSync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	l, _ := openFile(t, path, newClock())
	release := make(chan struct{})
	var releaseOnce sync.Once
	free := func() { releaseOnce.Do(func() { close(release) }) }
	defer free() // before the cleanup closes the ledger, which syncs
	var syncs atomic.Int32
	l.SetSync(func(f *os.File) error {
		if syncs.Add(1) == 1 {
			<-release // hold the first sync while the others arrive
		}
		return f.Sync()
	})
	const concurrent = 10
	var wg sync.WaitGroup
	wg.Go(func() { pay(t, l, "group-first", 1000) })
	waitFor(t, func() bool { return syncs.Load() == 1 })
	for i := range concurrent {
		wg.Go(func() { pay(t, l, fmt.Sprintf("group-%d", i), 1000) })
	}
	waitFor(t, func() bool { return len(l.Payments()) == concurrent+1 })
	free()
	wg.Wait()
	if n := syncs.Load(); n != 2 {
		t.Fatalf("%d pays took %d syncs, want 2 (the held one, then one for the other %d)", concurrent+1, n, concurrent)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestAFailedSyncRefusesThatCommandAndEveryLaterOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	l, logs := openFile(t, path, newClock())
	l.SetSync(func(*os.File) error { return errors.New("disk on fire") })
	if _, err := l.Pay(PayCommand{RequestID: "unknown-outcome", Hash: "h", Currency: "EUR", MinorUnits: 1000}); err == nil {
		t.Fatal("a pay whose record was not synced returned no error")
	}
	if _, err := l.Scan(ScanCommand{Token: "t"}); err == nil {
		t.Fatal("a command after the failure returned no error")
	}
	if _, ok := l.Payment("unknown-outcome"); !ok {
		t.Fatal("the change in memory is gone; it should stay, its outcome unknown to the partner")
	}
	if !strings.Contains(logs.String(), "disk on fire") {
		t.Fatalf("the failure is not logged: %q", logs)
	}
}

func TestAClosedLedgerRefusesCommands(t *testing.T) {
	l, _ := openFile(t, filepath.Join(t.TempDir(), "ledger.jsonl"), newClock())
	pay(t, l, "before", 1000)
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := l.Pay(PayCommand{RequestID: "after", Hash: "h", Currency: "EUR", MinorUnits: 1}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Pay after Close = %v, want ErrClosed", err)
	}
	if n := len(l.Payments()); n != 1 {
		t.Fatalf("ledger holds %d payments, want 1", n)
	}
}

func TestALedgerFileServesOneLedgerAtATime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	first, _ := openFile(t, path, newClock())
	if _, _, err := tryOpenFile(t, path, newClock()); err == nil || !strings.Contains(err.Error(), "in use by another simulator") {
		t.Fatalf("a second Open of an open file = %v, want in use", err)
	}
	first.Close()
	openFile(t, path, newClock()) // free again once closed
}

func TestLoadReadsWhatARunningLedgerWrote(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	clock := newClock()
	l, _ := openFile(t, path, clock)
	everyKindOfChange(t, l)
	loaded, err := Load(Config{Path: path, Now: clock.Now, Codes: testCodes})
	if err != nil {
		t.Fatalf("Load of an open file: %v", err)
	}
	if a, b := snapshotJSON(t, l), snapshotJSON(t, loaded); a != b {
		t.Fatalf("loaded ledger differs.\nrunning: %s\nloaded:  %s", a, b)
	}
	checkLedger(t, loaded)
	if _, err := Load(Config{Path: filepath.Join(t.TempDir(), "missing.jsonl")}); err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
	empty := filepath.Join(t.TempDir(), "empty.jsonl")
	os.WriteFile(empty, nil, 0o600)
	if _, err := Load(Config{Path: empty}); err == nil || !strings.Contains(err.Error(), "no records") {
		t.Fatalf("Load of an empty file = %v", err)
	}
}
