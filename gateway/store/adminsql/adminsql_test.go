package adminsql

import (
	"errors"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/invariant"
)

// numbered spells parameters as PostgreSQL does, and times as themselves.
var numbered = Dialect{
	Param:    func(n int) string { return "$" + strconv.Itoa(n) },
	Time:     func(t time.Time) any { return t },
	Bytewise: func(column string) string { return column + ` COLLATE "C"` },
}

func TestListClauses(t *testing.T) {
	at := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	type clauses func() (string, []any, error)
	full := map[string]clauses{
		"transactions": func() (string, []any, error) {
			return Transactions(numbered, admin.TransactionQuery{AcquirerID: "A", MerchantID: "M", TerminalID: "T",
				Scheme: "S", RRN: "R", From: at, To: at.Add(time.Hour),
				States: []payment.State{payment.StateApproved, payment.StateDeclined}, Kinds: []payment.Kind{payment.KindRefund},
				Before: admin.TransactionCursor{CreatedAt: at, ID: "X"}, Limit: 7})
		},
		"terminals": func() (string, []any, error) {
			return Terminals(numbered, admin.TerminalQuery{AcquirerID: "A", MerchantID: "M", StoreID: "S", AfterID: "X", Limit: 7})
		},
		"stores": func() (string, []any, error) {
			return Outlets(numbered, admin.OutletQuery{AcquirerID: "A", MerchantID: "M", AfterMerchantID: "M", AfterID: "X", Limit: 7})
		},
		"audit events": func() (string, []any, error) {
			return AuditEvents(numbered, admin.AuditQuery{AcquirerID: "A", Object: "O", Action: "C", BeforeID: 9, Limit: 7})
		},
	}
	marker := regexp.MustCompile(`\$(\d+)`)

	t.Run("Every marker has its argument, in order, and the limit comes last", func(t *testing.T) {
		for name, build := range full {
			query, args, err := build()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			found := marker.FindAllStringSubmatch(query, -1)
			if len(found) != len(args) {
				t.Errorf("%s: %d markers, %d arguments in %s", name, len(found), len(args), query)
			}
			for i, m := range found {
				if m[1] != strconv.Itoa(i+1) {
					t.Errorf("%s: marker %d is $%s in %s", name, i+1, m[1], query)
				}
			}
			if !strings.HasSuffix(query, " LIMIT $"+strconv.Itoa(len(args))) || args[len(args)-1] != 7 {
				t.Errorf("%s: %s with %v does not end with the limit", name, query, args)
			}
			if !strings.HasPrefix(query, " WHERE ") {
				t.Errorf("%s: %s does not start with WHERE", name, query)
			}
		}
	})

	t.Run("Filters left unset add no condition", func(t *testing.T) {
		query, args, err := Transactions(numbered, admin.TransactionQuery{AcquirerID: "A", Limit: 7})
		if err != nil || len(args) != 2 || strings.Count(query, " AND ") != 0 {
			t.Errorf("Transactions with no filter = %s, %v, %v; want the acquirer's term and the limit only", query, args, err)
		}
	})

	t.Run("IDs are ordered and compared byte by byte", func(t *testing.T) {
		query, _, _ := full["transactions"]()
		if !strings.Contains(query, `(created_at, id COLLATE "C") < ($`) || !strings.HasSuffix(query, `ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $13`) {
			t.Errorf("transactions: %s", query)
		}
		query, _, _ = full["stores"]()
		if !strings.Contains(query, `ORDER BY s.merchant_id COLLATE "C", s.id COLLATE "C"`) {
			t.Errorf("stores: %s", query)
		}
	})

	t.Run("A limit that is not positive or a time out of range is refused", func(t *testing.T) {
		for name, build := range map[string]clauses{
			"transactions without limit": func() (string, []any, error) {
				return Transactions(numbered, admin.TransactionQuery{AcquirerID: "A"})
			},
			"transactions from the year 3000": func() (string, []any, error) {
				return Transactions(numbered, admin.TransactionQuery{AcquirerID: "A", From: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), Limit: 1})
			},
			"terminals with a negative limit": func() (string, []any, error) {
				return Terminals(numbered, admin.TerminalQuery{AcquirerID: "A", Limit: -1})
			},
			"stores without limit": func() (string, []any, error) { return Outlets(numbered, admin.OutletQuery{AcquirerID: "A"}) },
			"audit without limit":  func() (string, []any, error) { return AuditEvents(numbered, admin.AuditQuery{AcquirerID: "A"}) },
		} {
			if _, _, err := build(); !errors.Is(err, invariant.ErrViolated) {
				t.Errorf("%s: error %v, want invariant.ErrViolated", name, err)
			}
		}
	})
}

func TestMarkups(t *testing.T) {
	for _, markups := range []map[string]string{nil, {}, {"ALIPAYPLUS": "1.50", "KAKAOPAY": "2"}} {
		column := EncodeMarkups(markups)
		got, err := DecodeMarkups("M1", column)
		if err != nil {
			t.Fatalf("DecodeMarkups(%q): %v", column, err)
		}
		if len(markups) == 0 && (got != nil || column != "{}") {
			t.Errorf("no mark-ups kept as %q, read back as %#v; want {} and nil", column, got)
		}
		if len(markups) > 0 && !maps.Equal(got, markups) {
			t.Errorf("mark-ups %v read back as %v", markups, got)
		}
	}
	if _, err := DecodeMarkups("M1", `["1.50"]`); err == nil || !strings.Contains(err.Error(), "M1") {
		t.Errorf("DecodeMarkups of a list = %v, want an error naming the merchant", err)
	}
}

func TestChangeMerchant(t *testing.T) {
	created := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	current := &admin.Merchant{ID: "M1", AcquirerID: "A", TradingName: "Dom", Status: admin.MerchantActive, CreatedAt: created}

	t.Run("A change keeps the ID, acquirer and creation time, and its event is the acquirer's", func(t *testing.T) {
		next, ev, err := ChangeMerchant(current, func(m *admin.Merchant) (*admin.AuditEvent, error) {
			m.ID, m.AcquirerID, m.CreatedAt, m.TradingName = "M2", "B", time.Time{}, "Ring"
			return &admin.AuditEvent{AcquirerID: "B", Action: "merchant.update"}, nil
		})
		if err != nil || next.ID != "M1" || next.AcquirerID != "A" || !next.CreatedAt.Equal(created) || next.TradingName != "Ring" || ev.AcquirerID != "A" {
			t.Errorf("ChangeMerchant = %+v, %+v, %v", next, ev, err)
		}
		if current.TradingName != "Dom" {
			t.Error("the change wrote through to the merchant read")
		}
	})

	t.Run("A change without an event, or failing, gives nothing to write", func(t *testing.T) {
		refused := errors.New("refused")
		for _, result := range []error{nil, refused} {
			next, ev, err := ChangeMerchant(current, func(*admin.Merchant) (*admin.AuditEvent, error) { return nil, result })
			if next != nil || ev != nil || !errors.Is(err, result) {
				t.Errorf("ChangeMerchant returning %v = %v, %v, %v", result, next, ev, err)
			}
		}
	})

	t.Run("A closed merchant is refused before its change runs", func(t *testing.T) {
		closed := current.Clone()
		closed.Status = admin.MerchantClosed
		_, _, err := ChangeMerchant(closed, func(*admin.Merchant) (*admin.AuditEvent, error) {
			t.Error("the change of a closed merchant ran")
			return nil, nil
		})
		if !errors.Is(err, admin.ErrMerchantClosed) {
			t.Errorf("ChangeMerchant of a closed merchant = %v, want ErrMerchantClosed", err)
		}
	})

	t.Run("A terminal keeps its ID and merchant", func(t *testing.T) {
		term := &payment.Terminal{ID: "T1", MerchantID: "M1"}
		next, ev, err := ChangeTerminal(term, current, func(t *payment.Terminal, _ *admin.Merchant) (*admin.AuditEvent, error) {
			t.ID, t.MerchantID, t.Suspended = "T2", "M2", true
			return &admin.AuditEvent{}, nil
		})
		if err != nil || next.ID != "T1" || next.MerchantID != "M1" || !next.Suspended || ev.AcquirerID != "A" || term.Suspended {
			t.Errorf("ChangeTerminal = %+v, %+v, %v", next, ev, err)
		}
	})
}
