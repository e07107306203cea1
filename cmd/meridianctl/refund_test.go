package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store"
	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes"
	"github.com/meridian-gw/meridian/schemes/reference"
)

// paymentSide is the part of a gateway that moves money, on the admin
// server's database: the reference Alipay+ adapter over gRPC on 127.0.0.1
// with its wallet simulator, and the payment engine. It makes the
// purchases the CLI then finds and refunds.
type paymentSide struct {
	engine *payment.Engine
}

// startPayments builds the payment side on db.
func startPayments(t *testing.T, db *store.SQLite) *paymentSide {
	t.Helper()
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	ref, err := reference.New("ALIPAYPLUS", reference.Options{Simulator: true, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Close(context.Background()) })
	server := grpc.NewServer()
	schemev1.RegisterSchemeAdapterServer(server, ref.Server)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = server.Serve(ln) }()
	t.Cleanup(server.Stop)
	client, err := schemes.NewClient(schemes.ClientConfig{Scheme: "ALIPAYPLUS", Target: ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	router, err := schemes.NewRouter(schemes.DefaultRoutes())
	if err != nil {
		t.Fatal(err)
	}
	engine, err := payment.New(payment.Config{Store: db, Adapters: alipayOnly{client}, Router: router, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = engine.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return &paymentSide{engine: engine}
}

// alipayOnly is the engine's one adapter.
type alipayOnly struct{ client *schemes.Client }

func (a alipayOnly) Adapter(scheme string) (payment.Adapter, bool) {
	return a.client, scheme == "ALIPAYPLUS"
}

// purchase makes an approved purchase on the terminal, as the terminal
// would, and returns its RRN.
func (p *paymentSide) purchase(t *testing.T, merchant, terminal, stan string, minor int64) string {
	t.Helper()
	attempt, err := p.engine.Purchase(context.Background(), payment.PurchaseRequest{
		Key:        payment.TerminalKey{TerminalID: terminal, STAN: stan, TransmissionTime: "1122101500"},
		MerchantID: merchant,
		Amount:     payment.Money{Minor: minor, Currency: "EUR"},
		Code:       "281012345678901234",
	})
	if err != nil || attempt.State != payment.StateApproved {
		t.Fatalf("purchase of %d on %s = %+v, %v; want approved", minor, terminal, attempt, err)
	}
	return attempt.RRN
}

func TestRefundsThroughTheCLI(t *testing.T) {
	var payments *paymentSide
	a := startAdmin(t, adminOptions{refunder: func(db *store.SQLite) admin.Refunder {
		payments = startPayments(t, db)
		return admin.EngineRefunder{Engine: payments.engine, Payments: db}
	}})
	createMerchant(t, a, "BERLINCAFE0001")
	createMerchant(t, a, "POTSDAM00001")
	a.ok(t, "terminals", "add", "BER00001", "--merchant", "BERLINCAFE0001")
	rrn := payments.purchase(t, "BERLINCAFE0001", "BER00001", "000001", 1250)
	payments.purchase(t, "BERLINCAFE0001", "BER00001", "000002", 300)

	t.Run("The purchases are found by merchant, terminal, time, state and RRN", func(t *testing.T) {
		r := a.ok(t, "txns", "list", "--merchant", "BERLINCAFE0001", "--terminal", "BER00001", "--from", "1h ago",
			"--status", "approved", "--kind", "purchase", "--scheme", "alipayplus")
		got := rows(r.stdout)
		if len(got) != 3 || got[1][4] != "3.00" || got[2][1] != rrn || got[2][4] != "12.50" || got[2][5] != "EUR" {
			t.Errorf("txns list printed:\n%s", r.stdout)
		}
		if got := rows(a.ok(t, "txns", "list", "--rrn", rrn).stdout); len(got) != 2 {
			t.Errorf("txns list --rrn %s printed %q", rrn, got)
		}
		r = a.ctl(t, "txns", "list", "--to", "1h ago")
		if r.code != exitOK || r.stdout != "" || !strings.Contains(r.stderr, "No transactions found.") {
			t.Errorf("txns list --to '1h ago' = %+v, want nothing found", r)
		}
	})

	t.Run("A partial refund is read exactly in the purchase's currency and approved", func(t *testing.T) {
		r := a.ok(t, "refund", "--merchant", "BERLINCAFE0001", "--rrn", rrn, "--amount", "5.10", "--currency", "eur")
		refund := fields(r.stdout)
		if refund["Kind"] != "refund" || refund["State"] != "approved" || refund["Amount"] != "5.10 EUR" {
			t.Errorf("refund printed:\n%s", r.stdout)
		}
		if !requestIDNote.MatchString(r.stderr) {
			t.Errorf("refund did not print the request id it chose:\n%s", r.stderr)
		}
		purchase := fields(a.ok(t, "txns", "get", rrn).stdout)
		if purchase["Refunded"] != "5.10 EUR" || purchase["Amount"] != "12.50 EUR" {
			t.Errorf("txns get %s after the refund shows %v", rrn, purchase)
		}
	})

	t.Run("A refund retried with its request id refunds once", func(t *testing.T) {
		args := []string{"refund", "--merchant", "BERLINCAFE0001", "--rrn", rrn, "--amount", "1.00", "--request-id", "refund-once"}
		first, again := fields(a.ok(t, args...).stdout), fields(a.ok(t, args...).stdout)
		if first["ID"] == "" || first["ID"] != again["ID"] {
			t.Errorf("the retried refund is %s, the first %s", again["ID"], first["ID"])
		}
		if got := fields(a.ok(t, "txns", "get", rrn).stdout)["Refunded"]; got != "6.10 EUR" {
			t.Errorf("after a refund and its retry the purchase shows %s refunded, want 6.10 EUR", got)
		}
	})

	t.Run("A refund above what remains is refused, and all refunds the rest", func(t *testing.T) {
		a.fails(t, exitRefused, "refused: ", "refund", "--merchant", "BERLINCAFE0001", "--rrn", rrn, "--amount", "6.41")
		r := a.ok(t, "refund", "--merchant", "BERLINCAFE0001", "--rrn", rrn, "--amount", "all", "-o", "json")
		var refund adminv1.Transaction
		if err := protojson.Unmarshal([]byte(r.stdout), &refund); err != nil {
			t.Fatalf("refund -o json printed what does not parse: %v\n%s", err, r.stdout)
		}
		if refund.GetAmount().GetMinorUnits() != 640 || refund.GetState() != adminv1.TransactionState_TRANSACTION_STATE_APPROVED {
			t.Errorf("refund of all that remains = %v", &refund)
		}
		history := a.ok(t, "txns", "get", refund.GetId())
		if !strings.Contains(history.stdout, "EVENT") {
			t.Errorf("txns get of the refund printed no history:\n%s", history.stdout)
		}
	})

	t.Run("A refund that names the wrong merchant or currency sends nothing", func(t *testing.T) {
		a.fails(t, exitRefused, "is not a transaction of merchant POTSDAM00001", "refund", "--merchant", "POTSDAM00001", "--rrn", rrn, "--amount", "1.00")
		a.fails(t, exitUsage, "--currency USD: the purchase is in EUR", "refund", "--merchant", "BERLINCAFE0001", "--rrn", rrn, "--amount", "1.00", "--currency", "USD")
		a.fails(t, exitUsage, "EUR has 2 decimal places", "refund", "--merchant", "BERLINCAFE0001", "--rrn", rrn, "--amount", "1.001")
		a.fails(t, exitRefused, "not found", "refund", "--merchant", "BERLINCAFE0001", "--rrn", "999999999999", "--amount", "1.00")
		// The audit log has the refunds sent: 5.10, 1.00 once for its
		// retry, the refused 6.41 (a request is recorded before it is
		// tried) and the rest; none of the ones above.
		var events adminv1.ListAuditEventsResponse
		r := a.ok(t, "audit", "list", "--action", "transaction.refund", "--all", "-o", "json")
		if err := protojson.Unmarshal([]byte(r.stdout), &events); err != nil {
			t.Fatal(err)
		}
		var amounts []string
		for _, e := range events.GetEvents() {
			var change struct {
				Amount struct {
					MinorUnits int64 `json:"minor_units"`
				} `json:"amount"`
			}
			if err := json.Unmarshal([]byte(e.GetChange()), &change); err != nil {
				t.Fatal(err)
			}
			amounts = append(amounts, strconv.FormatInt(change.Amount.MinorUnits, 10))
		}
		if want := []string{"640", "641", "100", "510"}; !slices.Equal(amounts, want) {
			t.Errorf("the audit log lists refunds of %q, want %q", amounts, want)
		}
	})

	t.Run("A payment the gateway gave up resolving is listed for review", func(t *testing.T) {
		flaggedRRN := flagForReview(t, a.db, "BERLINCAFE0001", "BER00001")
		r := a.ok(t, "review", "list")
		got := rows(r.stdout)
		if len(got) != 2 || got[0][0] != "FLAGGED" || got[1][1] != flaggedRRN || got[1][3] != "unknown" || got[1][4] != "9.93" {
			t.Errorf("review list printed:\n%s", r.stdout)
		}
		var list adminv1.ListFlaggedTransactionsResponse
		if err := protojson.Unmarshal([]byte(a.ok(t, "review", "list", "-o", "json").stdout), &list); err != nil {
			t.Fatal(err)
		}
		if len(list.GetTransactions()) != 1 || list.GetTransactions()[0].GetFlagTime() == nil {
			t.Errorf("review list -o json = %v", &list)
		}
		if got := fields(a.ok(t, "txns", "get", flaggedRRN).stdout)["Flagged"]; !strings.HasSuffix(got, "for manual review") {
			t.Errorf("txns get of the flagged purchase shows Flagged %q", got)
		}
	})
}

// flagForReview journals a purchase whose outcome stayed unknown and flags
// it for manual review, as the engine's resolver does when it gives up,
// and returns its RRN.
func flagForReview(t *testing.T, db *store.SQLite, merchant, terminal string) string {
	t.Helper()
	ctx := context.Background()
	attempt := &payment.Attempt{
		ID: "f1a99edf1a99edf1a99edf1a99edf1a9", Kind: payment.KindPurchase, MerchantID: merchant, Scheme: "ALIPAYPLUS",
		Key:        payment.TerminalKey{TerminalID: terminal, STAN: "000099", TransmissionTime: "1122101600"},
		CodeMasked: "2810**********1234", Amount: payment.Money{Minor: 993, Currency: "EUR"}, State: payment.StateUnknown,
		// Not due, so that the running resolver leaves it alone.
		NextActionAt: time.Now().Add(time.Hour),
	}
	if err := db.CreateAttempt(ctx, attempt); err != nil {
		t.Fatal(err)
	}
	attempt.FlaggedAt = attempt.CreatedAt
	if err := db.UpdateAttempt(ctx, attempt, payment.Event{AttemptID: attempt.ID, At: attempt.CreatedAt, Type: "flagged", Detail: "gave up"}); err != nil {
		t.Fatal(err)
	}
	return attempt.RRN
}
