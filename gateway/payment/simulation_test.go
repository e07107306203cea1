package payment_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"hash"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/payment/internal/simwallet"
	"github.com/meridian-gw/meridian/gateway/store"
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// The deterministic fault simulation (issue 3, "Deterministic fault
// simulation"; TigerBeetle's simulation testing is the model). Each seed
// runs a random workload of purchases, repeats, refunds, reversals and
// status inquiries against the real engine and the real SQLite store, on a
// virtual clock, with an in-memory wallet (internal/simwallet) that loses,
// delays and slows calls, and crashes the gateway inside adapter calls and
// store writes. After every step it checks the money-safety invariants of
// DESIGN.md that can be checked then; at the end it drives everything to a
// final state and reconciles the journal with the wallet's ledger.
//
// Everything comes from one seeded generator and runs on one goroutine, so a
// failing seed reproduces exactly:
//
//	go test ./gateway/payment/ -run 'TestSimulation$' -sim.seed=123 -sim.payments=400 -v
//
// A long run:
//
//	go test ./gateway/payment/ -run 'TestSimulation$' -sim.seeds=50 -sim.payments=2000 -timeout=2h
var (
	simSeeds    = flag.Int("sim.seeds", 3, "TestSimulation: how many seeds to run, from -sim.from on")
	simFrom     = flag.Int64("sim.from", 1, "TestSimulation: the first seed of -sim.seeds")
	simSeed     = flag.Int64("sim.seed", 0, "TestSimulation: run only this seed (reproduces a failure)")
	simPayments = flag.Int("sim.payments", 400, "TestSimulation: purchases per seed")
	simVerbose  = flag.Bool("sim.verbose", false, "TestSimulation: log every step and adapter call")
)

func TestSimulation(t *testing.T) {
	seeds := []int64{*simSeed}
	if *simSeed == 0 {
		seeds = seeds[:0]
		for i := range int64(*simSeeds) {
			seeds = append(seeds, *simFrom+i)
		}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			s := newSimulation(t, seed, *simPayments, 0)
			s.run()
			t.Logf("%s", s.summary())
		})
	}
}

// TestSimulationIsDeterministic runs one seed twice, starting at different
// moments, and compares what happened: every step and its answer, every
// journal entry and the wallet's ledger, with times relative to the start.
func TestSimulationIsDeterministic(t *testing.T) {
	const seed, payments = 7, 150
	shifts := [2]time.Duration{0, 37*time.Hour + 11*time.Minute + 13*time.Second}
	var digests [2]string
	for i := range digests {
		s := newSimulation(t, seed, payments, shifts[i])
		s.run()
		digests[i] = s.digest()
		s.close()
	}
	if digests[0] != digests[1] {
		t.Fatalf("seed %d ran twice gave digests %s and %s: something depends on real time, map order or scheduling",
			seed, digests[0], digests[1])
	}
}

// TestSimulationLatePayAfterNotFound is one scenario the simulation found
// (seeds 10 and 28 at 2000 payments, before the fix): a wallet without
// tombstones, a Pay lost, inquiries busy until late in the budget, then
// "not found", so the engine sends the Pay again at 19.75 s; the network
// holds that Pay for 50 s, less than the not-found grace, but it arrives
// after the grace counted from the attempt's creation, when a cancel had
// already found nothing and closed the attempt as "nothing was charged".
func TestSimulationLatePayAfterNotFound(t *testing.T) {
	s := newSimulation(t, 1, 1, 0)
	if s.profile.tombstones {
		t.Fatalf("seed 1 runs %s; the scenario needs a wallet without tombstones", s.profile.name)
	}
	s.faults = false
	start := s.clock.Now()
	pays := 0
	s.script = &simScript{reproduce: "go test ./gateway/payment/ -run TestSimulationLatePayAfterNotFound -sim.verbose -v",
		outcome: simwallet.Outcome{Status: simwallet.StatusPaid}}
	s.script.fault = func(c simwallet.Call) simwallet.Decision {
		switch {
		case c.Op == "pay":
			pays++
			if pays == 1 {
				return simwallet.Decision{Fault: simwallet.FaultLostBefore}
			}
			return simwallet.Decision{Fault: simwallet.FaultSlow, Delay: 50 * time.Second, Late: true}
		case c.Op == "inquire" && s.clock.Now().Sub(start) < 18*time.Second:
			return simwallet.Decision{Fault: simwallet.FaultBusy}
		}
		return simwallet.Decision{}
	}
	s.step++
	s.newPurchase()
	s.checkStep()
	// The resolver runs at 26 s, 50 s and 61 s, then every 5 s.
	for _, d := range []time.Duration{time.Second, 24 * time.Second, 11 * time.Second} {
		s.step++
		s.advance(d)
		s.checkStep()
	}
	for s.clock.Now().Sub(start) < 3*time.Minute {
		s.step++
		s.advance(5 * time.Second)
		s.checkStep()
	}
	s.drain()
	s.checkEnd()
	if pays != 2 || s.stats["purchase answered cancel_pending"] != 1 {
		t.Errorf("the scenario did not run as written: %d pays, answers %v", pays, s.stats)
	}
}

// TestSimulationReversalRepeatAfterCrash is the other scenario the
// simulation found (seeds 1 and 3 at 400 payments, before the fix): the
// gateway journals a reversal, then crashes before it decides the cancel
// (or before it holds the key of a purchase it never saw); the terminal
// repeats the reversal, which used to be acknowledged from the record with
// nothing done, leaving the purchase charged (or a late purchase free to
// charge).
func TestSimulationReversalRepeatAfterCrash(t *testing.T) {
	for _, tc := range []struct {
		name string
		// seen: the purchase reached the gateway before its reversal.
		seen  bool
		crash string // the store write the gateway crashes at
		fault string
	}{
		{"crash before the cancel is decided", true, "to cancel_pending (reversal)", "crash-before"},
		{"crash after the reversal is journaled", true, "create reversal", "crash-after"},
		{"crash before the unseen purchase's key is held", false, "create purchase", "crash-before"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSimulation(t, 3, 1, 0)
			s.faults = false
			crashed := false
			s.script = &simScript{reproduce: "go test ./gateway/payment/ -run 'TestSimulationReversalRepeatAfterCrash' -sim.verbose -v",
				outcome: simwallet.Outcome{Status: simwallet.StatusPaid},
				fault:   func(simwallet.Call) simwallet.Decision { return simwallet.Decision{} }}
			rec := &purchaseRec{key: s.nextKey(simTerminals[0].ID), merchantID: simTerminals[0].MerchantID,
				code: simCodePrefix + "1234567890123456", amount: payment.Money{Minor: 4250, Currency: "EUR"}}
			s.purchases = append(s.purchases, rec)
			s.byKey[rec.key] = rec
			if tc.seen {
				s.step++
				s.sendPurchase(rec, rec.amount, "purchase")
				s.checkStep()
				if !rec.toldApproved {
					t.Fatalf("the purchase was not approved; the scenario needs it")
				}
			}
			s.script.storeFault = func(what string) string {
				if !crashed && strings.Contains(what, tc.crash) {
					crashed = true
					return tc.fault
				}
				return "none"
			}
			s.step++
			s.reverse(rec)
			s.checkStep()
			if !crashed || s.reversals[0].acked {
				t.Fatalf("the gateway did not crash inside the reversal as written")
			}
			s.step++
			s.resendReversal() // checks the purchase no longer stands
			s.checkStep()
			if !tc.seen {
				s.step++
				s.sendPurchase(rec, rec.amount, "late purchase after its reversal")
				s.checkStep()
			}
			s.drain()
			s.checkEnd()
		})
	}
}

// The simulated world: one scheme, two merchants in currencies of different
// exponents, a few terminals each.
const (
	simScheme = "SIMWALLET"
	// simBudget and the other settings are the engine's defaults, written
	// out so that the simulation's time steps can be read against them.
	simBudget       = payment.DefaultBudget
	simGiveUpAge    = payment.DefaultGiveUpAge
	simDrainRounds  = 5000
	simDrainStep    = 10 * time.Second
	simTrailLength  = 60
	simFarFuture    = 100 * 365 * 24 * time.Hour
	simCodePrefix   = "28"
	simInvalidCode  = "991234567890123456"
	simCancelPrefix = "-cancel-"
)

var simMerchants = []*payment.Merchant{
	{ID: "M-SIM-EUR-0001", LegalName: "Sim Café GmbH", TradingName: "Sim Café", MCC: "5812",
		Country: "DE", City: "Berlin", Currency: "EUR", Schemes: []string{simScheme}, MaxAmount: 150_000},
	{ID: "M-SIM-JPY-0002", LegalName: "Sim Shop KK", TradingName: "Sim Shop", MCC: "5999",
		Country: "JP", City: "Tokyo", Currency: "JPY", Schemes: []string{simScheme}},
}

var simTerminals = []*payment.Terminal{
	{ID: "SIME0001", MerchantID: "M-SIM-EUR-0001", StoreID: "S-01"},
	{ID: "SIME0002", MerchantID: "M-SIM-EUR-0001", StoreID: "S-01"},
	{ID: "SIME0003", MerchantID: "M-SIM-EUR-0001", StoreID: "S-02"},
	{ID: "SIMJ0001", MerchantID: "M-SIM-JPY-0002", StoreID: "S-01"},
	{ID: "SIMJ0002", MerchantID: "M-SIM-JPY-0002", StoreID: "S-01"},
}

// purchaseRec is what a terminal knows of one purchase it sent (or only
// reversed, if its request never reached the gateway).
type purchaseRec struct {
	key        payment.TerminalKey
	merchantID string
	amount     payment.Money
	code       string
	attemptID  string // once an answer or the store named it
	rrn        string
	sent       bool // a purchase request was sent
	// toldApproved: an answer said approved. reversalSent: the terminal
	// sent a reversal (whether or not acknowledged); from then on it
	// counts on nothing of this purchase standing.
	toldApproved  bool
	reversalSent  bool
	reversalAcked bool
	// refundsApproved sums the refunds the terminal was told approved.
	refundsApproved int64
}

type refundRec struct {
	key          payment.TerminalKey
	purchase     *purchaseRec
	amount       payment.Money
	attemptID    string
	toldApproved bool
}

type reversalRec struct {
	key      payment.TerminalKey
	purchase *purchaseRec
	amount   payment.Money
	acked    bool
}

// simulation is one seed's run. Everything happens on the test's goroutine.
type simulation struct {
	t        *testing.T
	seed     int64
	payments int
	rng      *rand.Rand
	dir      string
	path     string
	clock    *simwallet.Clock
	start    time.Time
	began    time.Time // real time, for the summary only
	wallet   *simwallet.Wallet
	adapter  *simwallet.Adapter
	raw      *store.SQLite // the real store; the engine sees it through faultStore
	engine   *payment.Engine
	faults   bool

	ids        []string // every attempt ID handed out, in order
	step       int
	trail      []string
	logHash    hash.Hash // of every line noted, for the digest
	violations []string

	stans      map[string]int
	purchases  []*purchaseRec
	byKey      map[payment.TerminalKey]*purchaseRec
	byAttempt  map[string]*purchaseRec
	refunds    []*refundRec
	reversals  []*reversalRec
	followUps  []func()
	touched    []string // attempts written in this step
	touchedSet map[string]bool
	// journal is the last state of each attempt the store reported
	// durable; sinceRestart lists those written since the last restart.
	journal         map[string]*payment.Attempt
	purchaseByKey   map[payment.TerminalKey]string
	refundsOf       map[string][]string
	sinceRestart    []string
	sinceRestartSet map[string]bool
	newlyTold       []*purchaseRec
	purchasesIn     int

	profile simProfile
	outage  outage
	stats   map[string]int
	// script, when set, replaces the random faults and outcomes: a test
	// of one scenario written out.
	script *simScript
}

type simScript struct {
	fault   func(simwallet.Call) simwallet.Decision
	outcome simwallet.Outcome
	// storeFault, if set, names the fault of each store write (see
	// storeWrite): "none", "error", "crash-before" or "crash-after".
	storeFault func(what string) string
	// reproduce is the command that runs the scenario again.
	reproduce string
}

// simProfile is the kind of world a seed runs in; seeds take them in turn,
// so any three consecutive seeds see all of them.
type simProfile struct {
	name string
	// outageEvery: an outage starts at one step in outageEvery.
	outageEvery int
	// tombstones: the wallet's cancel of a key it never saw leaves a
	// tombstone (Alipay+); without, only the engine's not-found grace keeps
	// a Pay still in the network from charging after the cancel.
	tombstones bool
	// The wallet's cancel window is drawn from [min, max). A window shorter
	// than the budget sends cancels of payments still in process to a
	// refund, which must wait until they settle.
	cancelWindowMin, cancelWindowMax time.Duration
}

var simProfiles = []simProfile{
	{name: "calm wallet with tombstones", outageEvery: 150, tombstones: true,
		cancelWindowMin: 2 * time.Minute, cancelWindowMax: 15 * time.Minute},
	{name: "stormy wallet without tombstones", outageEvery: 20, tombstones: false,
		cancelWindowMin: time.Minute, cancelWindowMax: 5 * time.Minute},
	{name: "stormy wallet with tombstones, short cancel window", outageEvery: 25, tombstones: true,
		cancelWindowMin: 15 * time.Second, cancelWindowMax: time.Minute},
}

// newSimulation sets up a seed's run. Its virtual clock starts a minute
// ahead of real time, plus shift: only times relative to the start may
// matter, which TestSimulationIsDeterministic checks with two shifts.
func newSimulation(t *testing.T, seed int64, payments int, shift time.Duration) *simulation {
	t.Helper()
	// Whole seconds and no monotonic reading. Ahead of real time, so that
	// the virtual clock is never behind it.
	start := time.Unix(time.Now().Add(time.Minute+shift).Unix(), 0).UTC()
	s := &simulation{
		t: t, seed: seed, payments: payments,
		rng:   rand.New(rand.NewPCG(uint64(seed), 0x4d6572696469616e)),
		clock: simwallet.NewClock(start), start: start, began: time.Now(),
		faults: true,
		stans:  make(map[string]int), byKey: make(map[payment.TerminalKey]*purchaseRec),
		byAttempt: make(map[string]*purchaseRec), touchedSet: make(map[string]bool),
		journal: make(map[string]*payment.Attempt), sinceRestartSet: make(map[string]bool),
		purchaseByKey: make(map[payment.TerminalKey]string), refundsOf: make(map[string][]string),
		stats: make(map[string]int), logHash: sha256.New(),
	}
	s.dir = simDir(t)
	s.path = s.dir + "/journal.db"
	s.profile = simProfiles[seed%int64(len(simProfiles))]
	cancelWindow := s.profile.cancelWindowMin + time.Duration(s.rng.Int64N(int64(s.profile.cancelWindowMax-s.profile.cancelWindowMin)))
	s.wallet = simwallet.New(simwallet.Config{Now: s.clock.Now, CancelWindow: cancelWindow,
		Tombstones: s.profile.tombstones, Decide: s.outcome})
	s.adapter = simwallet.NewAdapter(simwallet.AdapterConfig{Wallet: s.wallet, Clock: s.clock,
		Decide: s.adapterFault, Sent: s.sent})
	s.openStore()
	ctx := context.Background()
	for _, m := range simMerchants {
		m := *m // the store stamps it; seeds run in parallel
		if err := s.raw.PutMerchant(ctx, &m); err != nil {
			t.Fatalf("PutMerchant: %v", err)
		}
	}
	for _, term := range simTerminals {
		term := *term
		if err := s.raw.PutTerminal(ctx, &term); err != nil {
			t.Fatalf("PutTerminal: %v", err)
		}
	}
	s.newEngine()
	t.Cleanup(s.close)
	s.note("seed %d: %d payments, %s, cancel window %v", seed, payments, s.profile.name, cancelWindow)
	return s
}

// simDir is a fresh directory for the journal: in memory (/dev/shm) where
// there is one, since fsync is then free.
func simDir(t *testing.T) string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "meridian-sim-"); err == nil {
			t.Cleanup(func() { _ = os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

func (s *simulation) openStore() {
	st, err := store.OpenSQLite(context.Background(), s.path, store.Config{Now: s.clock.Now})
	if err != nil {
		s.t.Fatalf("seed %d: open the store: %v", s.seed, err)
	}
	s.raw = st
}

func (s *simulation) newEngine() {
	e, err := payment.New(payment.Config{
		Store:     &faultStore{Store: s.raw, s: s},
		Adapters:  simAdapters{s},
		Router:    simRouter{},
		Clock:     s.clock,
		NewID:     s.newID,
		Budget:    simBudget,
		GiveUpAge: simGiveUpAge,
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		s.t.Fatalf("payment.New: %v", err)
	}
	s.engine = e
}

func (s *simulation) close() {
	if s.raw != nil {
		_ = s.raw.Close()
		s.raw = nil
	}
}

// restart is what a crash leaves: the engine and everything it held in
// memory gone, the store closed and opened again.
func (s *simulation) restart(where string) {
	s.checkViolations()
	s.stats["crashes"]++
	s.note("CRASH %s; restart", where)
	s.engine = nil
	if err := s.raw.Close(); err != nil {
		s.failf("close the store after a crash: %v", err)
	}
	s.openStore()
	s.newEngine()
	s.checkDurable()
}

// checkDurable: after a restart the journal holds every write the store
// reported durable before it, as the last word on its attempt.
func (s *simulation) checkDurable() {
	for _, id := range s.sinceRestart {
		a, err := s.raw.Attempt(context.Background(), id)
		want := s.journal[id]
		if err != nil || a.State != want.State || a.Tries != want.Tries || a.Reason != want.Reason {
			s.failf("after a restart the journal holds %s of %s, the store had reported %s durable (%v)",
				stateOf(a), id, want.State, err)
		}
	}
	clear(s.sinceRestartSet)
	s.sinceRestart = s.sinceRestart[:0]
}

func (s *simulation) newID() string {
	id := fmt.Sprintf("%08x%024x", uint32(s.seed), len(s.ids)+1)
	s.ids = append(s.ids, id)
	return id
}

type simAdapters struct{ s *simulation }

func (a simAdapters) Adapter(scheme string) (payment.Adapter, bool) {
	return a.s.adapter, scheme == simScheme
}

type simRouter struct{}

func (simRouter) Route(code string) (string, bool) {
	return simScheme, strings.HasPrefix(code, simCodePrefix) && len(code) == 18
}

// faultStore is the real store with faults on its writes: a failed write
// (disk full, database locked), and crashes just before or just after a
// write.
type faultStore struct {
	payment.Store
	s *simulation
}

func (f *faultStore) CreateAttempt(ctx context.Context, a *payment.Attempt) error {
	return f.s.storeWrite("create "+string(a.Kind)+" "+a.ID, a.ID, a, func() error { return f.Store.CreateAttempt(ctx, a) })
}

func (f *faultStore) UpdateAttempt(ctx context.Context, a *payment.Attempt, ev payment.Event) error {
	return f.s.storeWrite("update "+a.ID+" to "+string(a.State)+" ("+ev.Type+")", a.ID, a, func() error {
		return f.Store.UpdateAttempt(ctx, a, ev)
	})
}

func (f *faultStore) AppendEvent(ctx context.Context, ev payment.Event) error {
	return f.s.storeWrite("event "+ev.AttemptID+" "+ev.Type, ev.AttemptID, nil, func() error { return f.Store.AppendEvent(ctx, ev) })
}

var errSimStore = errors.New("simulated store failure: database is locked")

// storeWrite runs one write of attempt id (a, or nil for an event alone)
// through the fault plan. It keeps what the store reported durable in the
// simulation's copy of the journal, which the checks after each step read
// (the real store is read where the moment matters: at each money-moving
// call, after every restart and at the end).
func (s *simulation) storeWrite(what, id string, a *payment.Attempt, write func() error) error {
	s.markTouched(id)
	fault := "none"
	switch {
	case s.script != nil && s.script.storeFault != nil:
		fault = s.script.storeFault(what)
	case s.faults:
		switch x := s.rng.Float64(); {
		case x < 0.004:
			fault = "crash-before"
		case x < 0.008:
			fault = "crash-after"
		case x < 0.015:
			fault = "error"
		}
	}
	switch fault {
	case "crash-before":
		panic(simwallet.Crash{Where: "in store before " + what})
	case "error":
		s.note("  store %s: error", what)
		return errSimStore
	}
	err := write()
	if err == nil && a != nil {
		if !s.sinceRestartSet[id] {
			s.sinceRestartSet[id] = true
			s.sinceRestart = append(s.sinceRestart, id)
		}
		if s.journal[id] == nil {
			s.indexJournal(a)
		}
		c := *a
		s.journal[id] = &c
	}
	if fault == "crash-after" {
		panic(simwallet.Crash{Where: fmt.Sprintf("in store after %s (%v)", what, err)})
	}
	return err
}

// outcome is the wallet's decision on a new payment.
func (s *simulation) outcome(string) simwallet.Outcome {
	if s.script != nil {
		return s.script.outcome
	}
	declines := []schemev1.FailureReason{
		schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR, schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS,
		schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED, schemev1.FailureReason_FAILURE_REASON_RISK_DECLINED,
		schemev1.FailureReason_FAILURE_REASON_LIMIT_EXCEEDED, schemev1.FailureReason_FAILURE_REASON_INVALID_CODE,
	}
	switch x := s.rng.Float64(); {
	case x < 0.72:
		return simwallet.Outcome{Status: simwallet.StatusPaid}
	case x < 0.84:
		return simwallet.Outcome{Status: simwallet.StatusFailed, Reason: declines[s.rng.IntN(len(declines))]}
	}
	o := simwallet.Outcome{Status: simwallet.StatusProcessing, SettleTo: simwallet.StatusPaid,
		SettleAfter: time.Duration(5+s.rng.IntN(300)) * time.Second}
	if s.rng.IntN(5) == 0 {
		o.SettleAfter = time.Duration(5+s.rng.IntN(30)) * time.Minute
	}
	if s.rng.IntN(5) > 0 {
		o.SettleInquiries = 1 + s.rng.IntN(8)
	}
	if s.rng.IntN(5) == 0 {
		o.SettleTo, o.SettleReason = simwallet.StatusFailed, declines[s.rng.IntN(len(declines))]
	}
	return o
}

// outage is a stretch of time in which every call to the wallet goes wrong
// the same way: the adapter down, the network congested, the wallet busy.
type outage struct {
	until time.Time
	fault simwallet.Fault
}

func (s *simulation) startOutage() {
	faults := []simwallet.Fault{simwallet.FaultLostBefore, simwallet.FaultNotSent, simwallet.FaultSlow, simwallet.FaultSlow, simwallet.FaultBusy}
	o := outage{fault: faults[s.rng.IntN(len(faults))], until: s.clock.Now().Add(time.Duration(5+s.rng.IntN(175)) * time.Second)}
	s.outage = o
	s.stats["outage "+o.fault.String()]++
	s.note("outage: every call %s until %v", o.fault, o.until.Sub(s.start))
}

// adapterFault decides what goes wrong with one adapter call.
func (s *simulation) adapterFault(c simwallet.Call) simwallet.Decision {
	var d simwallet.Decision
	switch {
	case s.script != nil:
		d = s.script.fault(c)
	case !s.faults:
	case s.clock.Now().Before(s.outage.until):
		d = s.outageFault()
	default:
		d = s.randomFault()
	}
	if d.Fault != simwallet.FaultNone {
		fault := d.Fault.String()
		if d.Late {
			fault += ", arrives late"
		}
		s.stats["fault "+c.Op+" "+fault]++
	}
	s.note("  %s %s: %s", c.Op, c.Key, d.Fault)
	return d
}

// outageFault is the fault of a call during an outage. A congested network
// holds a request for up to 58 s: less than the engine's not-found grace.
func (s *simulation) outageFault() simwallet.Decision {
	d := simwallet.Decision{Fault: s.outage.fault}
	if d.Fault == simwallet.FaultSlow {
		d.Delay = time.Duration(1+s.rng.IntN(58)) * time.Second
		d.Late = s.rng.IntN(10) < 7
		d.Applied = !d.Late && s.rng.IntN(2) == 0
	}
	return d
}

// randomFault is the fault of a call in ordinary times: one call in ten
// goes wrong somehow.
func (s *simulation) randomFault() simwallet.Decision {
	var d simwallet.Decision
	switch x := s.rng.Float64(); {
	case x < 0.003:
		d.Fault = simwallet.FaultCrashBefore
	case x < 0.006:
		d.Fault = simwallet.FaultCrashAfter
		if s.rng.IntN(2) == 0 {
			d.Late, d.Delay = true, time.Duration(1+s.rng.IntN(40))*time.Second
		}
	case x < 0.026:
		d.Fault = simwallet.FaultBusy
	case x < 0.046:
		d.Fault = simwallet.FaultLostBefore
	case x < 0.052:
		d.Fault = simwallet.FaultNotSent
	case x < 0.072:
		d.Fault = simwallet.FaultLostAfter
	case x < 0.095:
		d.Fault = simwallet.FaultSlow
		d.Delay = time.Duration(1+s.rng.IntN(40)) * time.Second
		switch s.rng.IntN(3) {
		case 0:
			d.Applied = true
		case 1:
			d.Late = true
		}
	}
	return d
}

// sent checks intent before effect (DESIGN.md 1) and exact amounts (5) at
// the moment the engine makes a call: the store must have reported durable
// the attempt the call is for, in a state that asks for that call, with
// that amount. (What the store reported durable is a stricter test than
// what a read would find: a write still in progress does not count.)
func (s *simulation) sent(c simwallet.Call) {
	a := s.journal[c.Key]
	switch {
	case c.Op == "refund" && a == nil:
		s.sentCancelRefund(c)
	case a == nil:
		s.violate("intent before effect: %s %s sent with no attempt durable in the journal", c.Op, c.Key)
	case c.Op == "inquire":
		if a.Kind != payment.KindPurchase {
			s.violate("inquire %s: the attempt is a %s", c.Key, a.Kind)
		}
	case c.Op == "pay":
		s.checkSent(c, a, payment.KindPurchase, payment.StatePending, payment.StateUnknown)
		if rec := s.byKey[a.Key]; rec != nil && (rec.amount.Minor != c.Amount.Minor || rec.amount.Currency != c.Amount.Currency) {
			s.violate("amount: pay %s sends %d %s, the terminal asked %d %s", c.Key, c.Amount.Minor, c.Amount.Currency, rec.amount.Minor, rec.amount.Currency)
		}
	case c.Op == "cancel":
		s.checkSent(c, a, payment.KindPurchase, payment.StateCancelPending)
	case c.Op == "refund":
		s.checkSent(c, a, payment.KindRefund, payment.StatePending, payment.StateUnknown)
		if a.OriginalID != c.PaymentKey {
			s.violate("refund %s sent against %s, journaled against %s", c.Key, c.PaymentKey, a.OriginalID)
		}
	}
}

func (s *simulation) checkSent(c simwallet.Call, a *payment.Attempt, kind payment.Kind, states ...payment.State) {
	if a.Kind != kind || !slices.Contains(states, a.State) {
		s.violate("intent before effect: %s %s sent while the journal holds a %s in state %s", c.Op, c.Key, a.Kind, a.State)
	}
	if c.Op != "cancel" && (a.Amount.Minor != c.Amount.Minor || a.Amount.Currency != c.Amount.Currency) {
		s.violate("amount: %s %s sends %d %s, the journal holds %d %s", c.Op, c.Key,
			c.Amount.Minor, c.Amount.Currency, a.Amount.Minor, a.Amount.Currency)
	}
}

// sentCancelRefund checks a refund the engine makes of the rest of a
// purchase it could not cancel: its key names the purchase and the rest.
func (s *simulation) sentCancelRefund(c simwallet.Call) {
	p := s.journal[c.PaymentKey]
	if p == nil || !strings.HasPrefix(c.Key, c.PaymentKey+simCancelPrefix) {
		s.violate("intent before effect: refund %s of %s sent with no attempt durable in the journal", c.Key, c.PaymentKey)
		return
	}
	if p.State != payment.StateRefundPending {
		s.violate("intent before effect: refund %s sent while %s is %s", c.Key, p.ID, p.State)
	}
	rest := p.Amount.Minor - s.refundedOf(p.ID)
	if c.Amount.Minor != rest || c.Amount.Currency != p.Amount.Currency || c.Key != p.ID+simCancelPrefix+strconv.FormatInt(rest, 10) {
		s.violate("amount: refund %s returns %d %s of %s, whose rest is %d %s", c.Key, c.Amount.Minor, c.Amount.Currency, p.ID, rest, p.Amount.Currency)
	}
}

// refundedOf sums the approved refunds of a purchase, as the journal holds
// them.
func (s *simulation) refundedOf(purchaseID string) int64 {
	var sum int64
	for _, id := range s.refundsOf[purchaseID] {
		if r := s.journal[id]; r.State == payment.StateApproved {
			sum += r.Amount.Minor
		}
	}
	return sum
}

// violate records a broken invariant found inside a call of the engine's,
// to fail the step once the call returned (checkViolations).
func (s *simulation) violate(format string, args ...any) {
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
}

func (s *simulation) checkViolations() {
	if len(s.violations) > 0 {
		s.failf("%s", strings.Join(s.violations, "\n"))
	}
}

func (s *simulation) note(format string, args ...any) {
	line := fmt.Sprintf("%5d %9v ", s.step, s.clock.Now().Sub(s.start).Truncate(time.Millisecond)) + fmt.Sprintf(format, args...)
	fmt.Fprintln(s.logHash, line)
	if len(s.trail) == simTrailLength {
		s.trail = s.trail[1:]
	}
	s.trail = append(s.trail, line)
	if *simVerbose {
		s.t.Log(line)
	}
}

func (s *simulation) failf(format string, args ...any) {
	s.t.Helper()
	reproduce := fmt.Sprintf("go test ./gateway/payment/ -run 'TestSimulation$' -sim.seed=%d -sim.payments=%d -v", s.seed, s.payments)
	if s.script != nil {
		reproduce = s.script.reproduce
	}
	s.t.Fatalf("seed %d, step %d: %s\n\nlast steps:\n%s\n\nreproduce: %s",
		s.seed, s.step, fmt.Sprintf(format, args...), strings.Join(s.trail, "\n"), reproduce)
}

// guard runs one engine operation; a simulated crash in it restarts the
// gateway and is reported as true. Any other panic is an engine bug.
func (s *simulation) guard(op func()) (crashed bool) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		c, ok := r.(simwallet.Crash)
		if !ok {
			s.failf("the engine panicked: %v\n%s", r, debug.Stack())
		}
		s.restart(c.Where)
		crashed = true
	}()
	op()
	return false
}

// run is the whole seed: the workload, then the drain and the final checks.
func (s *simulation) run() {
	for s.purchasesIn < s.payments {
		s.step++
		s.randomStep()
		s.checkStep()
	}
	s.drain()
	s.checkEnd()
}

func (s *simulation) randomStep() {
	if len(s.followUps) > 0 && s.rng.IntN(10) < 7 {
		f := s.followUps[0]
		s.followUps = s.followUps[1:]
		f()
		return
	}
	if s.faults && s.rng.IntN(s.profile.outageEvery) == 0 {
		s.startOutage()
	}
	switch x := s.rng.IntN(100); {
	case x < 38:
		s.newPurchase()
	case x < 42:
		s.repeatPurchase(false)
	case x < 44:
		s.repeatPurchase(true)
	case x < 53:
		s.newRefund()
	case x < 55:
		s.repeatRefund()
	case x < 59:
		s.reverseApproved()
	case x < 61:
		s.reverseNeverSeen()
	case x < 62:
		s.reverseRefund()
	case x < 65:
		s.resendReversal()
	case x < 70:
		s.status()
	default:
		s.advance(s.randomAdvance())
	}
}

func (s *simulation) randomAdvance() time.Duration {
	switch x := s.rng.IntN(100); {
	case x < 60:
		return time.Duration(200+s.rng.IntN(4800)) * time.Millisecond
	case x < 90:
		return time.Duration(5+s.rng.IntN(55)) * time.Second
	case x < 98:
		return time.Duration(1+s.rng.IntN(9)) * time.Minute
	}
	return time.Duration(10+s.rng.IntN(30)) * time.Minute
}

// advance moves virtual time on and lets the resolver step what is due.
func (s *simulation) advance(d time.Duration) {
	s.clock.Advance(d)
	s.wallet.Tick()
	var n int
	var err error
	if s.guard(func() { n, err = s.engine.ResolveDue(context.Background()) }) {
		return
	}
	if err != nil {
		s.failf("ResolveDue: %v", err)
	}
	s.note("advance %v: resolver stepped %d", d, n)
}

func (s *simulation) nextKey(terminalID string) payment.TerminalKey {
	s.stans[terminalID]++
	n := s.stans[terminalID]
	return payment.TerminalKey{TerminalID: terminalID, STAN: fmt.Sprintf("%06d", n%1_000_000),
		TransmissionTime: fmt.Sprintf("%010d", 101000000+n)}
}

func (s *simulation) randomTerminal() *payment.Terminal {
	return simTerminals[s.rng.IntN(len(simTerminals))]
}

func currencyOf(merchantID string) string {
	for _, m := range simMerchants {
		if m.ID == merchantID {
			return m.Currency
		}
	}
	return ""
}

func (s *simulation) randomAmount(currency string) int64 {
	scale := []int64{100, 1_000, 10_000, 100_000, 200_000}
	if currency == "JPY" {
		scale = []int64{10, 100, 1_000, 10_000, 50_000}
	}
	return 1 + s.rng.Int64N(scale[s.rng.IntN(len(scale))])
}

func (s *simulation) randomCode() string {
	if s.rng.IntN(100) == 0 {
		return simInvalidCode
	}
	return simCodePrefix + fmt.Sprintf("%016d", s.rng.Int64N(1e16))
}

func (s *simulation) newPurchase() {
	term := s.randomTerminal()
	rec := &purchaseRec{key: s.nextKey(term.ID), merchantID: term.MerchantID, code: s.randomCode(),
		amount: payment.Money{Currency: currencyOf(term.MerchantID)}}
	rec.amount.Minor = s.randomAmount(rec.amount.Currency)
	s.purchases = append(s.purchases, rec)
	s.byKey[rec.key] = rec
	s.purchasesIn++
	s.sendPurchase(rec, rec.amount, "purchase")
}

// repeatPurchase repeats an earlier purchase under its key: the same
// request, or (mismatch) one for another amount, which must be refused.
func (s *simulation) repeatPurchase(mismatch bool) {
	rec := s.recentPurchase(func(p *purchaseRec) bool { return p.sent && (!mismatch || p.attemptID != "") })
	if rec == nil {
		return
	}
	amount := rec.amount
	if mismatch {
		amount.Minor++
		s.sendPurchase(rec, amount, "mismatched repeat")
		return
	}
	s.sendPurchase(rec, amount, "repeat")
}

// recentPurchase picks one of the last purchases that satisfies ok.
func (s *simulation) recentPurchase(ok func(*purchaseRec) bool) *purchaseRec {
	for range 8 {
		n := len(s.purchases)
		if n == 0 {
			return nil
		}
		p := s.purchases[n-1-s.rng.IntN(min(n, 40))]
		if ok(p) {
			return p
		}
	}
	return nil
}

func (s *simulation) sendPurchase(rec *purchaseRec, amount payment.Money, what string) {
	req := payment.PurchaseRequest{Key: rec.key, MerchantID: rec.merchantID, Amount: amount, Code: rec.code}
	rec.sent = true
	s.note("%s %s/%s %d %s", what, rec.key.TerminalID, rec.key.STAN, amount.Minor, amount.Currency)
	start := s.clock.Now()
	var a *payment.Attempt
	var err error
	if s.guard(func() { a, err = s.engine.Purchase(context.Background(), req) }) {
		s.noAnswer(rec)
		return
	}
	s.checkInTime(start, what)
	if err != nil {
		s.purchaseRefused(rec, amount, what, err)
		return
	}
	s.note("  answer %s %s %s (attempt %s, rrn %s)", a.State, a.Reason, rcOf(a), a.ID, a.RRN)
	s.checkPurchaseAnswer(rec, amount, what, a)
	s.stats["purchase answered "+string(a.State)]++
	switch {
	case a.State == payment.StateApproved && what != "mismatched repeat":
		if !rec.toldApproved {
			rec.toldApproved = true
			s.newlyTold = append(s.newlyTold, rec)
		}
		if s.rng.IntN(40) == 0 {
			s.followUps = append([]func(){func() { s.reverse(rec) }}, s.followUps...)
		}
	case !a.State.Final() || a.Reason == payment.ReasonTimeout:
		// Answered 91: a terminal may reverse at once, while the engine is
		// still cancelling.
		if s.rng.IntN(2) == 0 {
			s.followUps = append([]func(){func() { s.reverse(rec) }}, s.followUps...)
		}
	}
}

// noAnswer is the terminal's side of a crash: it got no answer, so it
// reverses the purchase, possibly after repeating it once.
func (s *simulation) noAnswer(rec *purchaseRec) {
	s.stats["purchase not answered"]++
	if s.rng.IntN(3) == 0 {
		s.followUps = append(s.followUps, func() {
			s.sendPurchase(rec, rec.amount, "repeat after no answer")
			if !rec.toldApproved && !rec.reversalSent {
				s.followUps = append(s.followUps, func() { s.reverse(rec) })
			}
		})
		return
	}
	s.followUps = append(s.followUps, func() { s.reverse(rec) })
}

func (s *simulation) purchaseRefused(rec *purchaseRec, amount payment.Money, what string, err error) {
	s.note("  refused: %v", err)
	s.stats["purchase refused"]++
	switch {
	case what == "mismatched repeat" && !errors.Is(err, payment.ErrKeyMismatch) && !errors.Is(err, payment.ErrSystem):
		s.failf("a repeat of %s/%s with another amount got %v, want ErrKeyMismatch", rec.key.TerminalID, rec.key.STAN, err)
	case errors.Is(err, payment.ErrSystem) || errors.Is(err, payment.ErrUnavailable):
		// 96 or 91: whatever the wallet did is undone by the resolver.
		if s.rng.IntN(3) == 0 {
			s.followUps = append(s.followUps, func() { s.reverse(rec) })
		}
	case errors.Is(err, payment.ErrAmountLimit), errors.Is(err, payment.ErrNoScheme), errors.Is(err, payment.ErrKeyMismatch):
	default:
		s.failf("%s %d %s: unexpected refusal %v", what, amount.Minor, amount.Currency, err)
	}
}

// checkPurchaseAnswer checks what the engine told the terminal.
func (s *simulation) checkPurchaseAnswer(rec *purchaseRec, amount payment.Money, what string, a *payment.Attempt) {
	if a.Kind != payment.KindPurchase || a.Key != rec.key {
		s.failf("%s answered with a %s of key %v", what, a.Kind, a.Key)
	}
	if a.RequestHash != "reversed-before-seen" && a.Amount != rec.amount {
		s.failf("amount: %s of %d %s answered with an attempt of %d %s", what, rec.amount.Minor, rec.amount.Currency, a.Amount.Minor, a.Amount.Currency)
	}
	if what == "mismatched repeat" && a.RequestHash != "reversed-before-seen" {
		s.failf("a repeat with another amount (%d) was answered %s instead of refused", amount.Minor, a.State)
	}
	if rec.attemptID != "" && a.ID != rec.attemptID {
		s.failf("exactly once: %s of %s/%s answered from attempt %s, the first from %s", what, rec.key.TerminalID, rec.key.STAN, a.ID, rec.attemptID)
	}
	if rec.toldApproved && !rec.reversalSent && a.State != payment.StateApproved {
		s.failf("%s of a purchase told approved answered %s", what, a.State)
	}
	s.learnAttempt(rec, a)
	if a.State == payment.StateApproved && (a.WalletAmount.Minor != a.Amount.Minor || a.WalletAmount.Currency != a.Amount.Currency) {
		s.failf("amount: approved %d %s, the wallet reported %d %s", a.Amount.Minor, a.Amount.Currency, a.WalletAmount.Minor, a.WalletAmount.Currency)
	}
}

func (s *simulation) learnAttempt(rec *purchaseRec, a *payment.Attempt) {
	rec.attemptID, rec.rrn = a.ID, a.RRN
	s.byAttempt[a.ID] = rec
}

// checkInTime checks DESIGN.md 4 on the virtual clock: every terminal
// request is answered within the host budget.
func (s *simulation) checkInTime(start time.Time, what string) {
	if took := s.clock.Now().Sub(start); took > simBudget {
		s.failf("answer in time: %s answered after %v, budget %v", what, took, simBudget)
	}
}

func rcOf(a *payment.Attempt) string {
	switch {
	case a.State == payment.StateApproved:
		return "(00)"
	case !a.State.Final() || a.Reason == payment.ReasonTimeout || a.Reason == payment.ReasonUnavailable:
		return "(91)"
	}
	return "(declined)"
}

func (s *simulation) newRefund() {
	p := s.recentPurchase(func(p *purchaseRec) bool { return p.toldApproved && !p.reversalSent && p.rrn != "" })
	if p == nil {
		return
	}
	rest := p.amount.Minor - p.refundsApproved
	amount := rest
	switch x := s.rng.IntN(10); {
	case x < 4 && rest > 1:
		amount = 1 + s.rng.Int64N(rest-1)
	case x >= 8:
		amount = rest + 1 + s.rng.Int64N(p.amount.Minor)
	}
	term := p.key.TerminalID
	if s.rng.IntN(4) == 0 {
		term = s.sameMerchantTerminal(p.merchantID)
	}
	r := &refundRec{key: s.nextKey(term), purchase: p, amount: payment.Money{Minor: amount, Currency: p.amount.Currency}}
	s.refunds = append(s.refunds, r)
	s.sendRefund(r, "refund")
}

func (s *simulation) sameMerchantTerminal(merchantID string) string {
	var ids []string
	for _, t := range simTerminals {
		if t.MerchantID == merchantID {
			ids = append(ids, t.ID)
		}
	}
	return ids[s.rng.IntN(len(ids))]
}

func (s *simulation) repeatRefund() {
	if len(s.refunds) == 0 {
		return
	}
	r := s.refunds[len(s.refunds)-1-s.rng.IntN(min(len(s.refunds), 20))]
	s.sendRefund(r, "refund repeat")
}

func (s *simulation) sendRefund(r *refundRec, what string) {
	p := r.purchase
	req := payment.RefundRequest{Key: r.key, MerchantID: p.merchantID, OriginalRRN: p.rrn, Amount: r.amount}
	s.note("%s %s/%s %d %s of %s (told approved %d of %d)", what, r.key.TerminalID, r.key.STAN, r.amount.Minor,
		r.amount.Currency, p.attemptID, p.refundsApproved, p.amount.Minor)
	start := s.clock.Now()
	var a *payment.Attempt
	var err error
	if s.guard(func() { a, err = s.engine.Refund(context.Background(), req) }) {
		s.stats["refund not answered"]++
		if s.rng.IntN(2) == 0 {
			s.followUps = append(s.followUps, func() { s.sendRefund(r, "refund repeat after no answer") })
		}
		return
	}
	s.checkInTime(start, what)
	if err != nil {
		s.note("  refused: %v", err)
		s.stats["refund refused"]++
		if !errors.Is(err, payment.ErrInvalidAmount) && !errors.Is(err, payment.ErrSystem) && !errors.Is(err, payment.ErrNotSupported) {
			s.failf("refund: unexpected refusal %v", err)
		}
		return
	}
	s.note("  answer %s %s (attempt %s)", a.State, a.Reason, a.ID)
	s.stats["refund answered "+string(a.State)]++
	if a.Kind != payment.KindRefund || a.OriginalID != p.attemptID || a.Amount != r.amount {
		s.failf("refund answered with a %s of %s for %d %s", a.Kind, a.OriginalID, a.Amount.Minor, a.Amount.Currency)
	}
	if r.attemptID != "" && r.attemptID != a.ID {
		s.failf("exactly once: refund repeat answered from attempt %s, the first from %s", a.ID, r.attemptID)
	}
	r.attemptID = a.ID
	if a.State == payment.StateApproved && !r.toldApproved {
		r.toldApproved = true
		p.refundsApproved += r.amount.Minor
		if p.refundsApproved > p.amount.Minor {
			s.failf("refunds approved to the terminal, %d, exceed the purchase of %d", p.refundsApproved, p.amount.Minor)
		}
	}
}

func (s *simulation) reverseApproved() {
	if p := s.recentPurchase(func(p *purchaseRec) bool { return p.toldApproved && !p.reversalSent }); p != nil {
		s.reverse(p)
	}
}

// reverseNeverSeen reverses a purchase whose request never reached the
// gateway; sometimes that request arrives afterwards, and must not charge.
func (s *simulation) reverseNeverSeen() {
	term := s.randomTerminal()
	rec := &purchaseRec{key: s.nextKey(term.ID), merchantID: term.MerchantID, code: s.randomCode(),
		amount: payment.Money{Currency: currencyOf(term.MerchantID)}}
	rec.amount.Minor = s.randomAmount(rec.amount.Currency)
	s.purchases = append(s.purchases, rec)
	s.byKey[rec.key] = rec
	s.reverse(rec)
	if s.rng.IntN(2) == 0 {
		s.followUps = append(s.followUps, func() { s.sendPurchase(rec, rec.amount, "late purchase after its reversal") })
	}
}

// reverseRefund sends a reversal naming a refund, which no scheme can undo.
func (s *simulation) reverseRefund() {
	if len(s.refunds) == 0 {
		return
	}
	r := s.refunds[s.rng.IntN(len(s.refunds))]
	req := payment.ReversalRequest{Key: s.nextKey(r.key.TerminalID), MerchantID: r.purchase.merchantID, Original: r.key, Amount: r.amount}
	s.note("reversal of refund %s/%s", r.key.TerminalID, r.key.STAN)
	var err error
	if s.guard(func() { _, err = s.engine.Reverse(context.Background(), req) }) {
		return
	}
	s.note("  answer %v", err)
	if err != nil && !errors.Is(err, payment.ErrNotSupported) && !errors.Is(err, payment.ErrSystem) {
		s.failf("reversal of a refund: %v", err)
	}
}

func (s *simulation) reverse(p *purchaseRec) {
	if p.reversalSent {
		return
	}
	p.reversalSent = true
	v := &reversalRec{key: s.nextKey(p.key.TerminalID), purchase: p, amount: p.amount}
	s.reversals = append(s.reversals, v)
	s.sendReversal(v, "reversal")
}

// resendReversal repeats a reversal not yet acknowledged, as a terminal
// repeats a 0420 advice until it gets its 0430.
func (s *simulation) resendReversal() {
	for _, v := range s.reversals {
		if !v.acked {
			s.sendReversal(v, "reversal repeat")
			return
		}
	}
}

func (s *simulation) sendReversal(v *reversalRec, what string) {
	p := v.purchase
	req := payment.ReversalRequest{Key: v.key, MerchantID: p.merchantID, Original: p.key, Amount: v.amount}
	s.note("%s %s/%s of %s/%s (attempt %q, told approved %t)", what, v.key.TerminalID, v.key.STAN,
		p.key.TerminalID, p.key.STAN, p.attemptID, p.toldApproved)
	start := s.clock.Now()
	var a *payment.Attempt
	var err error
	if s.guard(func() { a, err = s.engine.Reverse(context.Background(), req) }) {
		return
	}
	s.checkInTime(start, what)
	if err != nil {
		s.note("  refused: %v", err)
		if !errors.Is(err, payment.ErrSystem) {
			s.failf("%s: unexpected refusal %v", what, err)
		}
		return
	}
	s.note("  acknowledged (record %s)", a.ID)
	v.acked, p.reversalAcked = true, true
	s.stats["reversal acknowledged"]++
	s.checkReversed(p, what)
}

// checkReversed: once a reversal is acknowledged, the purchase must not
// stand as approved in the journal.
func (s *simulation) checkReversed(p *purchaseRec, what string) {
	a := s.journal[s.purchaseByKey[p.key]]
	if a == nil {
		s.failf("%s acknowledged, but no purchase holds its key: a late request could still charge", what)
	}
	if a.State == payment.StateApproved || a.State == payment.StatePending || a.State == payment.StateUnknown {
		s.failf("%s of %s acknowledged, but the purchase is still %s in the journal:\n%s", what, a.ID, a.State, s.describe(a.ID))
	}
}

func (s *simulation) status() {
	p := s.recentPurchase(func(p *purchaseRec) bool { return p.rrn != "" })
	if p == nil {
		return
	}
	a, err := s.engine.Status(context.Background(), p.merchantID, p.key.TerminalID, p.rrn)
	if err != nil {
		s.failf("status of rrn %s: %v", p.rrn, err)
	}
	s.note("status %s: %s %s", p.rrn, a.State, a.Reason)
	switch {
	case a.ID != p.attemptID:
		s.failf("status of rrn %s is attempt %s, want %s", p.rrn, a.ID, p.attemptID)
	case p.toldApproved && !p.reversalSent && a.State != payment.StateApproved:
		s.failf("status of a purchase told approved and not reversed is %s", a.State)
	case p.reversalAcked && (a.State == payment.StateApproved || a.State == payment.StatePending || a.State == payment.StateUnknown):
		s.failf("status of a purchase whose reversal was acknowledged is %s", a.State)
	}
}

// checkStep checks, after every step, the invariants that hold at any
// moment: the wallet's ledger is exact (no double charge, nothing returned
// twice), no wallet charge lacks a gateway attempt, and every purchase the
// terminal was told approved, and has not reversed, is held at the wallet.
func (s *simulation) checkStep() {
	s.wallet.Tick()
	s.checkViolations()
	for _, key := range s.wallet.TakeDirty() {
		s.checkWalletPayment(s.wallet.Payment(key))
		if rec := s.byAttempt[key]; rec != nil {
			s.checkTold(rec)
		}
		s.markTouched(key)
	}
	for _, rec := range s.newlyTold {
		s.checkTold(rec)
	}
	s.newlyTold = s.newlyTold[:0]
	for _, id := range s.touched {
		s.checkFinal(id)
	}
	s.touched = s.touched[:0]
	clear(s.touchedSet)
}

// indexJournal indexes a new attempt of the journal's copy: purchases by
// terminal key, refunds by purchase.
func (s *simulation) indexJournal(a *payment.Attempt) {
	switch a.Kind {
	case payment.KindPurchase:
		s.purchaseByKey[a.Key] = a.ID
	case payment.KindRefund:
		s.refundsOf[a.OriginalID] = append(s.refundsOf[a.OriginalID], a.ID)
	}
}

// markTouched notes an attempt to check after the step (checkFinal).
func (s *simulation) markTouched(id string) {
	if !s.touchedSet[id] {
		s.touchedSet[id] = true
		s.touched = append(s.touched, id)
	}
}

// checkFinal: an attempt the engine has settled agrees with the wallet from
// that moment on. An approved purchase is paid and not returned; any other
// final purchase holds nothing; an approved refund was made, a declined one
// never will be.
func (s *simulation) checkFinal(id string) {
	a := s.journal[id]
	if a == nil || !a.State.Final() || !a.FlaggedAt.IsZero() {
		return
	}
	switch a.Kind {
	case payment.KindPurchase:
		p := s.wallet.Payment(id)
		if a.State == payment.StateApproved && (p == nil || p.Status != simwallet.StatusPaid || p.Charges != 1 || p.Reversed != 0) {
			s.failf("the journal says approved, the wallet holds %s:\n%s", walletText(p), s.describe(id))
		}
		if a.State != payment.StateApproved && p != nil && p.Held() != 0 {
			s.failf("the journal says %s %s, the wallet holds %d:\n%s", a.State, a.Reason, p.Held(), s.describe(id))
		}
	case payment.KindRefund:
		r := s.wallet.RefundOf(id)
		made := r != nil && r.Success
		if made != (a.State == payment.StateApproved) || (made && r.Amount.Minor != a.Amount.Minor) {
			s.failf("refund %s is %s in the journal, at the wallet %+v:\n%s", id, a.State, r, s.describe(a.OriginalID))
		}
		if p := s.journal[a.OriginalID]; p == nil || s.refundedOf(p.ID) > p.Amount.Minor {
			s.failf("refunds approved exceed the purchase:\n%s", s.describe(a.OriginalID))
		}
	}
}

// checkWalletPayment checks one payment of the wallet's ledger, and that a
// payment that received a Pay has its attempt in the journal.
func (s *simulation) checkWalletPayment(p *simwallet.Payment) {
	if err := s.wallet.CheckPayment(p); err != nil {
		s.failf("exactly once: %v", err)
	}
	if a := s.journal[p.Key]; p.PayCalls > 0 && (a == nil || a.Kind != payment.KindPurchase) {
		s.failf("no wallet charge without a gateway attempt: wallet payment %s (%s, charged %d) has no purchase in the journal",
			p.Key, p.Status, p.Charges)
	}
}

// checkTold: a purchase the terminal was told approved, and has not
// reversed, is paid at the wallet, charged once and not returned.
func (s *simulation) checkTold(rec *purchaseRec) {
	if !rec.toldApproved || rec.reversalSent {
		return
	}
	p := s.wallet.Payment(rec.attemptID)
	if p == nil || p.Status != simwallet.StatusPaid || p.Charges != 1 || p.Reversed != 0 {
		s.failf("exactly once: %s was told approved to the terminal, but the wallet holds %s:\n%s",
			rec.attemptID, walletText(p), s.describe(rec.attemptID))
	}
}

func stateOf(a *payment.Attempt) payment.State {
	if a == nil {
		return "missing"
	}
	return a.State
}

func walletText(p *simwallet.Payment) string {
	if p == nil {
		return "no payment"
	}
	return fmt.Sprintf("%s tombstone=%t amount=%d %s charges=%d reversed=%d refunded=%d pay calls=%d",
		p.Status, p.Tombstone, p.Amount.Minor, p.Amount.Currency, p.Charges, p.Reversed, p.Refunded, p.PayCalls)
}

// describe shows an attempt's journal and its wallet record, for failures.
func (s *simulation) describe(id string) string {
	ctx := context.Background()
	var b strings.Builder
	a, err := s.raw.Attempt(ctx, id)
	if err != nil {
		fmt.Fprintf(&b, "  attempt %s: %v\n", id, err)
	} else {
		fmt.Fprintf(&b, "  attempt %s: %s %s %s %d %s, rrn %s, original %s, tries %d, flagged %t\n", a.ID, a.Kind,
			a.State, a.Reason, a.Amount.Minor, a.Amount.Currency, a.RRN, a.OriginalID, a.Tries, !a.FlaggedAt.IsZero())
		events, _ := s.raw.Events(ctx, id)
		for _, ev := range events {
			fmt.Fprintf(&b, "    %9v %s: %s\n", ev.At.Sub(s.start), ev.Type, ev.Detail)
		}
	}
	fmt.Fprintf(&b, "  wallet: %s", walletText(s.wallet.Payment(id)))
	return b.String()
}

// drain ends the run as an operator would after an outage: no more faults,
// the terminals' pending reversals repeated until acknowledged, and time
// moving on until every attempt is final (DESIGN.md 2), within a bound.
func (s *simulation) drain() {
	s.faults = false
	s.note("drain: faults off")
	for len(s.followUps) > 0 {
		f := s.followUps[0]
		s.followUps = s.followUps[1:]
		s.step++
		f()
		s.checkStep()
	}
	for round := 0; ; round++ {
		if round == simDrainRounds {
			s.failf("everything ends: still not final after %d rounds of %v:\n%s", round, simDrainStep, s.describeNonFinal())
		}
		acked := true
		for _, v := range s.reversals {
			if !v.acked {
				s.step++
				s.sendReversal(v, "reversal repeat")
				s.checkStep()
				acked = acked && v.acked
			}
		}
		if acked && s.wallet.InFlight() == 0 && len(s.nonFinal(1)) == 0 {
			s.note("drain: everything final after %d rounds", round)
			return
		}
		s.step++
		s.advance(simDrainStep)
		s.checkStep()
	}
}

func (s *simulation) nonFinal(limit int) []*payment.Attempt {
	due, err := s.raw.DueAttempts(context.Background(), s.clock.Now().Add(simFarFuture), limit)
	if err != nil {
		s.failf("DueAttempts: %v", err)
	}
	return due
}

func (s *simulation) describeNonFinal() string {
	var b strings.Builder
	for _, a := range s.nonFinal(5) {
		b.WriteString(s.describe(a.ID) + "\n")
	}
	fmt.Fprintf(&b, "requests in the network: %d", s.wallet.InFlight())
	return b.String()
}

// checkEnd reconciles, once everything is final: every attempt against the
// wallet, every wallet record against the journal, the terminals' view
// against both, and the totals per currency.
func (s *simulation) checkEnd() {
	ctx := context.Background()
	flagged, err := s.raw.FlaggedAttempts(ctx, 1<<20)
	if err != nil {
		s.failf("FlaggedAttempts: %v", err)
	}
	skip := make(map[string]bool)
	for _, a := range flagged {
		skip[a.ID] = true
		s.note("flagged for review (not reconciled): %s", s.describe(a.ID))
	}
	s.stats["flagged"] = len(flagged)
	journal := make(map[string]int64)
	for _, id := range s.ids {
		a, err := s.raw.Attempt(ctx, id)
		switch {
		case errors.Is(err, payment.ErrNotFound):
			s.endNotJournaled(id)
		case err != nil:
			s.failf("Attempt %s: %v", id, err)
		case skip[id]:
		case !a.State.Final():
			s.failf("everything ends: %s", s.describe(id))
		case a.Kind == payment.KindPurchase:
			s.endPurchase(a, journal)
		case a.Kind == payment.KindRefund:
			s.endRefund(a)
		}
	}
	s.endWallet(skip)
	for _, rec := range s.purchases {
		s.endTerminal(rec, skip)
	}
	s.endTotals(journal, skip)
}

// endNotJournaled: an ID handed out but never journaled (its create failed
// or crashed) moved no money.
func (s *simulation) endNotJournaled(id string) {
	if p := s.wallet.Payment(id); p != nil && p.PayCalls > 0 {
		s.failf("intent before effect: wallet payment %s has no attempt: %s", id, walletText(p))
	}
	if r := s.wallet.RefundOf(id); r != nil {
		s.failf("intent before effect: wallet refund %s has no attempt", id)
	}
}

func (s *simulation) endPurchase(a *payment.Attempt, journal map[string]int64) {
	p := s.wallet.Payment(a.ID)
	var held int64
	if p != nil {
		held = p.Held()
	}
	refunded, err := s.raw.RefundedMinor(context.Background(), a.ID)
	if err != nil {
		s.failf("RefundedMinor %s: %v", a.ID, err)
	}
	if refunded > a.Amount.Minor {
		s.failf("refunds approved, %d, exceed the purchase:\n%s", refunded, s.describe(a.ID))
	}
	switch a.State {
	case payment.StateApproved:
		if p == nil || p.Status != simwallet.StatusPaid || held != a.Amount.Minor-refunded {
			s.failf("reconciliation: the journal holds %d-%d, the wallet %d:\n%s", a.Amount.Minor, refunded, held, s.describe(a.ID))
		}
		journal[a.Amount.Currency] += a.Amount.Minor - refunded
	default:
		if held != 0 {
			s.failf("reconciliation: the purchase ended %s %s, but the wallet holds %d:\n%s", a.State, a.Reason, held, s.describe(a.ID))
		}
	}
}

func (s *simulation) endRefund(a *payment.Attempt) {
	r := s.wallet.RefundOf(a.ID)
	ok := r != nil && r.Success && r.PaymentKey == a.OriginalID && r.Amount.Minor == a.Amount.Minor &&
		r.Amount.Currency == a.Amount.Currency
	if ok != (a.State == payment.StateApproved) {
		s.failf("reconciliation: refund %s is %s in the journal, at the wallet %+v:\n%s", a.ID, a.State, r, s.describe(a.OriginalID))
	}
}

// endWallet: every payment the wallet received and every refund it made
// has its attempt in the journal, in the state that says so.
func (s *simulation) endWallet(skip map[string]bool) {
	ctx := context.Background()
	for _, p := range s.wallet.Payments() {
		s.checkWalletPayment(p)
		if a, err := s.raw.Attempt(ctx, p.Key); p.PayCalls > 0 && (err != nil || a.Kind != payment.KindPurchase) {
			s.failf("no wallet charge without a gateway attempt: wallet payment %s has no purchase in the journal (%v)", p.Key, err)
		}
		if p.Status == simwallet.StatusProcessing && !skip[p.Key] {
			s.failf("everything ends: wallet payment %s still processing:\n%s", p.Key, s.describe(p.Key))
		}
	}
	for _, r := range s.wallet.Refunds() {
		if !r.Success || skip[r.PaymentKey] {
			continue
		}
		if a, err := s.raw.Attempt(ctx, r.Key); err == nil {
			if a.Kind != payment.KindRefund || a.State != payment.StateApproved {
				s.failf("reconciliation: wallet refund %s is a %s %s in the journal", r.Key, a.Kind, a.State)
			}
			continue
		}
		p, err := s.raw.Attempt(ctx, r.PaymentKey)
		if err != nil || r.Key != p.ID+simCancelPrefix+strconv.FormatInt(r.Amount.Minor, 10) || p.State != payment.StateRefunded {
			s.failf("reconciliation: wallet refund %s of %d has no refund in the journal (%v):\n%s", r.Key, r.Amount.Minor, err, s.describe(r.PaymentKey))
		}
	}
}

// endTerminal: what a terminal was told, and did, is what the money says:
// a purchase told approved and not reversed is held less its refunds; any
// other holds nothing.
func (s *simulation) endTerminal(rec *purchaseRec, skip map[string]bool) {
	ctx := context.Background()
	a, err := s.raw.AttemptByKey(ctx, payment.KindPurchase, rec.key)
	if errors.Is(err, payment.ErrNotFound) {
		if rec.toldApproved {
			s.failf("purchase %s/%s was told approved and is not in the journal", rec.key.TerminalID, rec.key.STAN)
		}
		return
	}
	if err != nil {
		s.failf("AttemptByKey: %v", err)
	}
	if skip[a.ID] {
		return
	}
	var held int64
	if p := s.wallet.Payment(a.ID); p != nil {
		held = p.Held()
	}
	refunded, _ := s.raw.RefundedMinor(ctx, a.ID)
	switch {
	case rec.toldApproved && !rec.reversalSent:
		if a.State != payment.StateApproved || held != a.Amount.Minor-refunded || refunded < rec.refundsApproved {
			s.failf("exactly once: told approved (refunds %d told approved), now %s holding %d of %d-%d:\n%s",
				rec.refundsApproved, a.State, held, a.Amount.Minor, refunded, s.describe(a.ID))
		}
	case held != 0 || a.State == payment.StateApproved:
		why := "not told approved"
		if rec.reversalSent {
			why = "reversed by the terminal"
		}
		s.failf("a purchase %s is %s and holds %d at the wallet:\n%s", why, a.State, held, s.describe(a.ID))
	}
}

// endTotals: the wallet's holdings and the journal's approved amounts less
// refunds agree exactly, per currency.
func (s *simulation) endTotals(journal map[string]int64, skip map[string]bool) {
	wallet := make(map[string]int64)
	for _, p := range s.wallet.Payments() {
		if p.PayCalls > 0 && !skip[p.Key] {
			wallet[p.Amount.Currency] += p.Held()
		}
	}
	var currencies []string
	for c := range wallet {
		currencies = append(currencies, c)
	}
	for c := range journal {
		if _, ok := wallet[c]; !ok {
			currencies = append(currencies, c)
		}
	}
	slices.Sort(currencies)
	for _, c := range currencies {
		s.note("totals %s: wallet %d, journal %d", c, wallet[c], journal[c])
		if wallet[c] != journal[c] {
			s.failf("reconciliation: the wallet holds %d %s, the journal %d %s", wallet[c], c, journal[c], c)
		}
	}
}

// digest sums up the run: every step and answer, every attempt with its
// journal, and the wallet's ledger, with times relative to the start. The
// approval code is left out: the engine draws it from crypto/rand, and
// nothing depends on it.
func (s *simulation) digest() string {
	ctx := context.Background()
	h := sha256.New()
	h.Write(s.logHash.Sum(nil))
	rel := func(t time.Time) time.Duration {
		if t.IsZero() {
			return -1
		}
		return t.Sub(s.start)
	}
	for _, id := range s.ids {
		a, err := s.raw.Attempt(ctx, id)
		if err != nil {
			fmt.Fprintln(h, id, err)
			continue
		}
		fmt.Fprintln(h, a.ID, a.Kind, a.RRN, a.Key, a.MerchantID, a.Scheme, a.RequestHash, a.Amount, a.State, a.Reason,
			a.SchemeCode, a.SchemeTxnID, a.WalletAmount, a.WalletBrand, a.OriginalID, a.OriginalRRN, a.Tries,
			rel(a.NextActionAt), rel(a.FlaggedAt), rel(a.CreatedAt), rel(a.UpdatedAt))
		events, _ := s.raw.Events(ctx, id)
		for _, ev := range events {
			fmt.Fprintln(h, rel(ev.At), ev.Type, ev.Detail)
		}
	}
	for _, line := range s.wallet.Log() {
		fmt.Fprintln(h, line)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (s *simulation) summary() string {
	var keys []string
	for k := range s.stats {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d (%s): %d steps, %d purchases, %d refunds, %d reversals, %d attempts; virtual time %v, real time %v; digest %s",
		s.seed, s.profile.name, s.step, s.purchasesIn, len(s.refunds), len(s.reversals), len(s.ids),
		s.clock.Now().Sub(s.start).Round(time.Second), time.Since(s.began).Round(time.Millisecond), s.digest()[:16])
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %s: %d", k, s.stats[k])
	}
	counts := s.wallet.Counts()
	keys = keys[:0]
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  wallet %s: %d", k, counts[k])
	}
	return b.String()
}
