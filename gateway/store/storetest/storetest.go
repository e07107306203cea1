// Package storetest is the contract every payment.Store must pass: the
// documented semantics of payment.Store (errors, refund limits, due
// attempts and their leases, durability), checked against a real database.
//
// A store's own tests run it:
//
//	func TestContract(t *testing.T) {
//		storetest.RunStoreContract(t, func(t *testing.T) payment.Store { ... })
//	}
//
// Stores must keep times to the microsecond at least: the fixtures use no
// finer times, so that a PostgreSQL store passes as well.
package storetest

import (
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
)

// RunStoreContract runs the contract against stores made by open. open is
// called once per subtest and must return a new, empty store; the contract
// closes it.
func RunStoreContract(t *testing.T, open func(t *testing.T) payment.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s payment.Store)
	}{
		{"A created attempt reads back with every field by ID, terminal key and RRN", testRoundTrip},
		{"A second attempt with the same terminal key is a duplicate and leaves the attempt alone", testDuplicateKey},
		{"An attempt reusing an ID is a duplicate", testDuplicateID},
		{"The same terminal key under another kind is not a duplicate", testKeyOtherKind},
		{"Attempts without a terminal key are not duplicates of each other", testNoKey},
		{"RRNs are twelve digits and unique across 200 concurrent creates", testRRNUnique},
		{"AttemptByRRN finds a purchase of that merchant only", testByRRN},
		{"Updates are stored and events are listed oldest first", testUpdateEvents},
		{"Writes about an attempt not stored are ErrNotFound", testUpdateNotFound},
		{"A final attempt does not move back except an approved purchase being undone", testFinalStays},
		{"Writes breaking an invariant are refused and change nothing", testInvariants},
		{"A write whose context is already cancelled is not stored", testCancelledContext},
		{"A refund of a purchase not approved is ErrNotRefundable", testRefundNotApproved},
		{"A refund of an attempt not stored is ErrNotRefundable", testRefundUnknownOriginal},
		{"Refunds summing exactly to the purchase are accepted and one unit more exceeds", testRefundExact},
		{"A declined refund releases its amount and a pending one holds it", testRefundDeclinedReleases},
		{"A repeated refund is a duplicate even when it would exceed", testRefundRepeat},
		{"Concurrent refunds of one purchase never exceed it", testRefundConcurrent},
		{"RefundedMinor sums the approved refunds only", testRefundedMinor},
		{"RefundedWallet sums the wallet amounts of approved and of held refunds", testRefundedWallet},
		{"DueAttempts lists the attempts not final that are due, oldest first, up to limit", testDue},
		{"A flagged attempt leaves DueAttempts for FlaggedAttempts until it is final", testFlagged},
		{"ClaimDue lists the due attempts oldest first up to limit and an owner's own leases do not stop it", testClaimOrder},
		{"Owners claiming at once get disjoint sets and every lease holds until it ends", testClaimDisjoint},
		{"An attempt whose lease ended can be claimed by another owner", testClaimExpired},
		{"An owner claiming its own attempts again holds them for three quarters of a lease at least", testClaimRenew},
		{"Final and flagged attempts are never claimed and a lease does not stop writes", testClaimSkipsFinalAndFlagged},
		{"The FX quote and settlement of an attempt are fixed at creation", testConversionFixed},
		{"A merchant reads back as put and a second put replaces it keeping CreatedAt", testMerchant},
		{"A terminal reads back as put and a second put replaces it keeping CreatedAt", testTerminal},
		{"A merchant or terminal not stored is ErrNotFound", testMerchantNotFound},
		{"A terminal of a merchant not stored is ErrNotFound", testTerminalUnknownMerchant},
		{"Concurrent purchases, refunds and reads reconcile exactly", testConcurrentReconcile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.run(t, s)
		})
	}
}

// sequence makes IDs and keys unique within a test binary.
var sequence atomic.Int64

func next() int64 { return sequence.Add(1) }

// base is a fixed time, whole microseconds, so stores that keep only
// microseconds round-trip it.
var base = time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)

// newPurchase returns a pending purchase with every field a caller sets
// filled in, all distinct from any other call's.
func newPurchase(merchantID string, minor int64) *payment.Attempt {
	n := next()
	return &payment.Attempt{
		ID:   fmt.Sprintf("att-%d", n),
		Kind: payment.KindPurchase,
		Key: payment.TerminalKey{
			TerminalID:       fmt.Sprintf("T%07d", n%10_000_000),
			STAN:             fmt.Sprintf("%06d", n%1_000_000),
			TransmissionTime: "0314092653",
		},
		MerchantID:   merchantID,
		Scheme:       "alipayplus",
		CodeMasked:   "2810********1234",
		RequestHash:  fmt.Sprintf("hash-%d", n),
		Amount:       payment.Money{Minor: minor, Currency: "EUR"},
		State:        payment.StatePending,
		NextActionAt: base.Add(time.Duration(n) * time.Microsecond),
	}
}

// newRefund returns a pending refund of purchase p.
func newRefund(p *payment.Attempt, minor int64) *payment.Attempt {
	r := newPurchase(p.MerchantID, minor)
	r.Kind = payment.KindRefund
	r.OriginalID, r.OriginalRRN = p.ID, p.RRN
	r.Amount.Currency = p.Amount.Currency
	return r
}

// checkSameAttempt fails t unless got and want are equal, times compared
// as instants.
func checkSameAttempt(t *testing.T, got, want *payment.Attempt) {
	t.Helper()
	if got == nil || want == nil {
		t.Fatalf("attempt: got %v, want %v", got, want)
	}
	g, w := *got, *want
	times := []struct {
		name string
		g, w *time.Time
	}{
		{"NextActionAt", &g.NextActionAt, &w.NextActionAt},
		{"CreatedAt", &g.CreatedAt, &w.CreatedAt},
		{"UpdatedAt", &g.UpdatedAt, &w.UpdatedAt},
		{"FlaggedAt", &g.FlaggedAt, &w.FlaggedAt},
		{"Conversion.AsOf", &g.Conversion.AsOf, &w.Conversion.AsOf},
		{"Order.ExpiresAt", &g.Order.ExpiresAt, &w.Order.ExpiresAt},
	}
	for _, tm := range times {
		if !tm.g.Equal(*tm.w) {
			t.Errorf("attempt %s: %s = %v, want %v", w.ID, tm.name, *tm.g, *tm.w)
		}
		*tm.g, *tm.w = time.Time{}, time.Time{}
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("attempt %s:\n got %+v\nwant %+v", w.ID, g, w)
	}
}

// checkAllSet fails t if any field of v, a struct, is zero, looking into
// nested structs (not time.Time), so that a field added to the type and
// not stored is caught.
func checkAllSet(t *testing.T, v any) {
	t.Helper()
	var walk func(path string, rv reflect.Value)
	walk = func(path string, rv reflect.Value) {
		if rv.Kind() == reflect.Struct && rv.Type() != reflect.TypeOf(time.Time{}) {
			for i := range rv.NumField() {
				walk(path+"."+rv.Type().Field(i).Name, rv.Field(i))
			}
			return
		}
		if rv.IsZero() {
			t.Errorf("fixture leaves %s zero: set it, so the round trip checks it", strings.TrimPrefix(path, "."))
		}
	}
	walk("", reflect.Indirect(reflect.ValueOf(v)))
}
