package payment_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/postgres"
	"github.com/meridian-gw/meridian/internal/pgtest"
)

// countingStore counts the engine's reads of merchants and terminals.
type countingStore struct {
	payment.Store
	terminals, merchants atomic.Int64
}

func (s *countingStore) Terminal(ctx context.Context, id string) (*payment.Terminal, error) {
	s.terminals.Add(1)
	return s.Store.Terminal(ctx, id)
}

func (s *countingStore) Merchant(ctx context.Context, id string) (*payment.Merchant, error) {
	s.merchants.Add(1)
	return s.Store.Merchant(ctx, id)
}

// countingPolicies counts the engine's reads of merchant policies.
type countingPolicies struct {
	payment.Policies
	reads atomic.Int64
}

func (p *countingPolicies) MerchantPolicy(ctx context.Context, id string) (payment.MerchantPolicy, error) {
	p.reads.Add(1)
	return p.Policies.MerchantPolicy(ctx, id)
}

// reads is how many merchant, terminal and policy reads were counted.
type reads struct{ terminals, merchants, policies int64 }

// directoryWorld is an engine reading its merchants, terminals and policies
// through counters, and an admin store changing them: the engine's own
// store's, or another node's on the same database.
type directoryWorld struct {
	h        *harness
	engine   *payment.Engine
	store    *countingStore
	policies *countingPolicies
	admin    admin.Store
	acquirer string
}

func (w *directoryWorld) reads() reads {
	return reads{w.store.terminals.Load(), w.store.merchants.Load(), w.policies.reads.Load()}
}

// newCachingEngine builds an engine on st, as the harness's, with policies
// and versions, and runs its resolver until the test ends.
func newCachingEngine(tb testing.TB, h *harness, st payment.Store, policies payment.Policies, versions payment.ConfigVersion) *payment.Engine {
	tb.Helper()
	cfg := h.engineConfig(st)
	cfg.Policies, cfg.ConfigVersion, cfg.DirectoryMax = policies, versions, 16
	return h.newEngine(tb, cfg)
}

// newDirectoryWorld wires an engine on journal, with versions and
// policies, to an acquirer changing its merchant through changes. With the
// harness's FX and CNY charge currency, a mark-up shows in what each
// purchase charges.
func newDirectoryWorld(t *testing.T, h *harness, journal payment.Store, versions payment.ConfigVersion,
	policies payment.Policies, changes admin.Store) *directoryWorld {
	t.Helper()
	w := &directoryWorld{h: h, admin: changes, acquirer: "ACQ-DIRECTORY",
		store: &countingStore{Store: journal}, policies: &countingPolicies{Policies: policies}}
	w.engine = newCachingEngine(t, h, w.store, w.policies, versions)
	ev := admin.AuditEvent{AcquirerID: w.acquirer, Actor: "key:test", Action: "test", Object: "directory", Change: "{}"}
	if err := changes.CreateAcquirer(t.Context(), &admin.Acquirer{ID: w.acquirer, Name: "Directory"}, ev); err != nil {
		t.Fatalf("CreateAcquirer: %v", err)
	}
	if _, err := changes.AssignMerchant(t.Context(), w.acquirer, merchantID, ev); err != nil {
		t.Fatalf("AssignMerchant: %v", err)
	}
	return w
}

// purchase buys minor EUR cents at the world's terminal.
func (w *directoryWorld) purchase(t *testing.T, minor int64) (*payment.Attempt, error) {
	t.Helper()
	return w.engine.Purchase(t.Context(), purchaseRequest(w.h.NextKey(), minor))
}

// approved makes a purchase that must be approved and returns its
// journaled mark-up.
func (w *directoryWorld) approved(t *testing.T, minor int64) string {
	t.Helper()
	a, err := w.purchase(t, minor)
	if err != nil || a.State != payment.StateApproved {
		t.Fatalf("purchase = %v, %v; want approved", a, err)
	}
	return a.Conversion.MarkupPercent
}

// updateMerchant changes the world's merchant through the admin store.
func (w *directoryWorld) updateMerchant(t *testing.T, change func(m *admin.Merchant)) {
	t.Helper()
	_, err := w.admin.UpdateMerchant(t.Context(), w.acquirer, merchantID, func(m *admin.Merchant) (*admin.AuditEvent, error) {
		change(m)
		return &admin.AuditEvent{AcquirerID: w.acquirer, Actor: "key:test", Action: "merchant.update", Object: "merchants/" + m.ID, Change: "{}"}, nil
	})
	if err != nil {
		t.Fatalf("UpdateMerchant: %v", err)
	}
}

// suspendTerminal suspends or activates the world's terminal through the
// admin store.
func (w *directoryWorld) suspendTerminal(t *testing.T, suspended bool) {
	t.Helper()
	_, err := w.admin.UpdateTerminal(t.Context(), w.acquirer, terminalID, func(term *payment.Terminal, _ *admin.Merchant) (*admin.AuditEvent, error) {
		term.Suspended = suspended
		return &admin.AuditEvent{AcquirerID: w.acquirer, Actor: "key:test", Action: "terminal.update", Object: "terminals/" + term.ID, Change: "{}"}, nil
	})
	if err != nil {
		t.Fatalf("UpdateTerminal: %v", err)
	}
}

// warm makes two approved purchases and checks the second read no
// merchant, terminal or policy: what follows tests the cache, not the
// store.
func (w *directoryWorld) warm(t *testing.T) {
	t.Helper()
	w.approved(t, 1000)
	before := w.reads()
	w.approved(t, 1000)
	if after := w.reads(); after != before {
		t.Fatalf("a purchase right after another read %+v, having read %+v before: the directory is not in use", after, before)
	}
}

// runAdminChanges checks that every kind of change an acquirer makes is
// seen by the very next request.
func runAdminChanges(t *testing.T, w *directoryWorld) {
	t.Run("A suspended terminal is refused at its next request and served once active again", func(t *testing.T) {
		w.warm(t)
		w.suspendTerminal(t, true)
		if _, err := w.purchase(t, 1000); !errors.Is(err, payment.ErrUnknownMerchant) {
			t.Errorf("purchase at the suspended terminal: %v, want ErrUnknownMerchant", err)
		}
		if err := w.engine.TerminalKnown(t.Context(), terminalID); !errors.Is(err, payment.ErrUnknownMerchant) {
			t.Errorf("TerminalKnown of the suspended terminal: %v, want ErrUnknownMerchant", err)
		}
		w.suspendTerminal(t, false)
		if err := w.engine.TerminalKnown(t.Context(), terminalID); err != nil {
			t.Errorf("TerminalKnown once active again: %v", err)
		}
		w.approved(t, 1000)
	})
	t.Run("A suspended merchant is refused at its next request and served once active again", func(t *testing.T) {
		w.warm(t)
		w.updateMerchant(t, func(m *admin.Merchant) { m.Status = admin.MerchantSuspended })
		if _, err := w.purchase(t, 1000); !errors.Is(err, payment.ErrUnknownMerchant) {
			t.Errorf("purchase of the suspended merchant: %v, want ErrUnknownMerchant", err)
		}
		if err := w.engine.CheckTerminal(t.Context(), merchantID, terminalID); !errors.Is(err, payment.ErrUnknownMerchant) {
			t.Errorf("CheckTerminal of the suspended merchant: %v, want ErrUnknownMerchant", err)
		}
		w.updateMerchant(t, func(m *admin.Merchant) { m.Status = admin.MerchantActive })
		w.approved(t, 1000)
	})
	t.Run("A lowered maximum amount refuses the next purchase above it", func(t *testing.T) {
		w.warm(t)
		w.updateMerchant(t, func(m *admin.Merchant) { m.MaxAmount = 999 })
		if _, err := w.purchase(t, 1000); !errors.Is(err, payment.ErrAmountLimit) {
			t.Errorf("purchase above the new maximum: %v, want ErrAmountLimit", err)
		}
		w.updateMerchant(t, func(m *admin.Merchant) { m.MaxAmount = 0 })
		w.approved(t, 1000)
	})
	t.Run("A new mark-up prices the next purchase", func(t *testing.T) {
		w.warm(t)
		// 10 EUR at these mark-ups is 8400 and 8338 CNY: amounts the
		// wallet simulator approves (simkit.RuleFor).
		for _, markup := range []string{"1.25", "0.50"} {
			w.updateMerchant(t, func(m *admin.Merchant) { m.MarkupPercent = map[string]string{schemeID: markup} })
			if got := w.approved(t, 1000); got != markup {
				t.Errorf("purchase after the mark-up became %s was charged at mark-up %s", markup, got)
			}
		}
		w.updateMerchant(t, func(m *admin.Merchant) { m.MarkupPercent = nil })
		if got := w.approved(t, 1000); got != "2.50" {
			t.Errorf("purchase after the merchant's mark-up was removed was charged at %s, want the configured 2.50", got)
		}
	})
	t.Run("A scheme taken off the merchant's list refuses its next purchase", func(t *testing.T) {
		w.warm(t)
		w.updateMerchant(t, func(m *admin.Merchant) { m.Schemes = []string{"KAKAOPAY"} })
		if _, err := w.purchase(t, 1000); !errors.Is(err, payment.ErrSchemeNotEnabled) {
			t.Errorf("purchase in a scheme taken off: %v, want ErrSchemeNotEnabled", err)
		}
		w.updateMerchant(t, func(m *admin.Merchant) { m.Schemes = []string{schemeID} })
		w.approved(t, 1000)
	})
	t.Run("A frequency limit refuses the next purchase past it", func(t *testing.T) {
		w.warm(t) // two purchases this minute at least
		w.updateMerchant(t, func(m *admin.Merchant) { m.Limits.PurchasesPerTerminalPerMinute = 2 })
		if _, err := w.purchase(t, 1000); !errors.Is(err, payment.ErrFrequencyLimit) {
			t.Errorf("purchase past the new limit: %v, want ErrFrequencyLimit", err)
		}
		w.updateMerchant(t, func(m *admin.Merchant) { m.Limits.PurchasesPerTerminalPerMinute = 0 })
		w.approved(t, 1000)
	})
}

func TestDirectory(t *testing.T) {
	t.Parallel()

	t.Run("After one purchase the next ones read no merchant, terminal or policy", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{NoEngine: true})
		st := &countingStore{Store: h.Store}
		p := &countingPolicies{Policies: h.Store.Admin()}
		e := newCachingEngine(t, h, st, p, h.Store)
		h.Engine = e
		h.Approved(t, 1000)
		want := reads{1, 1, 1}
		if got := (reads{st.terminals.Load(), st.merchants.Load(), p.reads.Load()}); got != want {
			t.Fatalf("the first purchase read %+v, want %+v", got, want)
		}
		for range 5 {
			h.Approved(t, 1000)
		}
		if err := e.TerminalKnown(t.Context(), terminalID); err != nil {
			t.Errorf("TerminalKnown: %v", err)
		}
		if err := e.CheckTerminal(t.Context(), merchantID, terminalID); err != nil {
			t.Errorf("CheckTerminal: %v", err)
		}
		if got := (reads{st.terminals.Load(), st.merchants.Load(), p.reads.Load()}); got != want {
			t.Errorf("after five more purchases and two terminal checks the reads are %+v, want still %+v", got, want)
		}
	})

	t.Run("Without a ConfigVersion every purchase reads them", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{NoEngine: true})
		st := &countingStore{Store: h.Store}
		p := &countingPolicies{Policies: h.Store.Admin()}
		h.Engine = newCachingEngine(t, h, st, p, nil)
		for range 3 {
			h.Approved(t, 1000)
		}
		if got, want := (reads{st.terminals.Load(), st.merchants.Load(), p.reads.Load()}), (reads{3, 3, 3}); got != want {
			t.Errorf("three purchases read %+v, want %+v", got, want)
		}
	})

	t.Run("When the version cannot be read every purchase reads them and is served", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{NoEngine: true})
		st := &countingStore{Store: h.Store}
		p := &countingPolicies{Policies: h.Store.Admin()}
		h.Engine = newCachingEngine(t, h, st, p, failingVersion{})
		for range 3 {
			h.Approved(t, 1000)
		}
		if got, want := (reads{st.terminals.Load(), st.merchants.Load(), p.reads.Load()}), (reads{3, 3, 3}); got != want {
			t.Errorf("three purchases read %+v, want %+v", got, want)
		}
	})

	t.Run("A terminal not found is found at its next request once put", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{NoEngine: true})
		st := &countingStore{Store: h.Store}
		e := newCachingEngine(t, h, st, h.Store.Admin(), h.Store)
		const newTerminal = "T0000099"
		for range 2 {
			if err := e.TerminalKnown(t.Context(), newTerminal); !errors.Is(err, payment.ErrUnknownMerchant) {
				t.Fatalf("TerminalKnown of a terminal not put: %v, want ErrUnknownMerchant", err)
			}
		}
		if n := st.terminals.Load(); n != 1 {
			t.Errorf("two checks of a terminal not put read it %d times, want once", n)
		}
		if err := h.Store.PutTerminal(t.Context(), &payment.Terminal{ID: newTerminal, MerchantID: merchantID, StoreID: "S-01"}); err != nil {
			t.Fatal(err)
		}
		if err := e.TerminalKnown(t.Context(), newTerminal); err != nil {
			t.Errorf("TerminalKnown right after PutTerminal: %v", err)
		}
	})
}

// failingVersion is a ConfigVersion whose database does not answer.
type failingVersion struct{}

func (failingVersion) ConfigVersion(context.Context) (uint64, error) {
	return 0, errors.New("connection refused")
}

func TestAnAcquirersChangeIsSeenByTheNextRequest(t *testing.T) {
	t.Parallel()
	pricer, _ := newPricer(t)
	opts := harnessOptions{NoEngine: true, ChargeCurrencies: []string{"CNY"}, FX: pricer}

	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, opts)
		runAdminChanges(t, newDirectoryWorld(t, h, h.Store, h.Store, h.Store.Admin(), h.Store.Admin()))
	})
	t.Run("PostgreSQL, changed through the same store", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, opts)
		nodes := openPostgres(t, 1)
		runAdminChanges(t, newDirectoryWorld(t, h, nodes[0], nodes[0], nodes[0].Admin(), nodes[0].Admin()))
	})
	t.Run("PostgreSQL, changed through another node's store", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, opts)
		nodes := openPostgres(t, 2)
		runAdminChanges(t, newDirectoryWorld(t, h, nodes[0], nodes[0], nodes[0].Admin(), nodes[1].Admin()))
	})
}

// openPostgres opens n stores, each with a pool of its own, as n nodes do,
// on one new schema holding the harness's merchants and terminals; it
// skips the test when PostgreSQL does not answer.
func openPostgres(t testing.TB, n int) []*postgres.Store {
	t.Helper()
	dsn := pgtest.NewSchema(t)
	nodes := make([]*postgres.Store, n)
	for i := range nodes {
		st, err := postgres.Open(t.Context(), dsn, postgres.Config{MaxConns: 4})
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		t.Cleanup(func() { _ = st.Close() })
		nodes[i] = st
	}
	onboard(t, nodes[0])
	return nodes
}

// BenchmarkAdmission measures what every purchase does before it picks a
// scheme (the terminal, merchant and policy reads and checks), reading the
// store each time or with the directory: a purchase whose wallet code no
// scheme claims is refused right after admission, having written nothing.
// admissionCallers per CPU call at once, as many terminals' requests do.
//
//	go test -run '^$' -bench BenchmarkAdmission -benchtime 2s ./gateway/payment/
func BenchmarkAdmission(b *testing.B) {
	const admissionCallers = 8
	h := newHarness(b, harnessOptions{NoEngine: true})
	run := func(b *testing.B, st payment.Store, policies payment.Policies, versions payment.ConfigVersion) {
		e := newCachingEngine(b, h, st, policies, versions)
		req := purchaseRequest(h.NextKey(), 1000)
		req.Code = "not a wallet code"
		b.ReportAllocs()
		b.SetParallelism(admissionCallers)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := e.Purchase(context.Background(), req); !errors.Is(err, payment.ErrNoScheme) {
					b.Errorf("Purchase: %v, want ErrNoScheme", err)
					return
				}
			}
		})
	}
	b.Run("store=sqlite/reads", func(b *testing.B) { run(b, h.Store, h.Store.Admin(), nil) })
	b.Run("store=sqlite/directory", func(b *testing.B) { run(b, h.Store, h.Store.Admin(), h.Store) })
	b.Run("store=postgres/reads", func(b *testing.B) {
		st := openPostgres(b, 1)[0]
		run(b, st, st.Admin(), nil)
	})
	b.Run("store=postgres/directory", func(b *testing.B) {
		st := openPostgres(b, 1)[0]
		run(b, st, st.Admin(), st)
	})
}
