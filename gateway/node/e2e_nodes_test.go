package node_test

import (
	"context"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/node/internal/e2etest"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/postgres"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
	"github.com/meridian-gw/meridian/internal/pgtest"
	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

// TestTwoNodesShareOnePostgreSQL runs two gateway nodes on one PostgreSQL
// database and one wallet, as behind a TCP load balancer: a terminal's
// requests may reach either node.
func TestTwoNodesShareOnePostgreSQL(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewSchema(t)
	wallet := e2etest.StartWallet(t)
	start := func(id string) *e2etest.Harness {
		return e2etest.Start(t, e2etest.Options{AdapterAddress: wallet.Addr, WalletURL: wallet.URL, PostgresDSN: dsn, NodeID: id, Admin: true})
	}
	a, b := start("node-a"), start("node-b")
	// One pool of terminals: the harnesses hand out the same ids, so only
	// a's are used, sent to either node.
	dial := func(t *testing.T, h *e2etest.Harness) *pos.Client { return h.Dial(t) }

	t.Run("A repeat reaching the other node gets the first answer and charges nothing again", func(t *testing.T) {
		term := a.NewTerminal(t)
		req := term.Purchase(amountApproved, a.Code())
		first := e2etest.Do(t, dial(t, a), req)
		wantRC(t, first, wire.RCApproved)
		again := e2etest.Do(t, dial(t, b), pos.Repeat(req))
		wantRC(t, again, wire.RCApproved)
		if again.RRN != first.RRN || again.ApprovalCode != first.ApprovalCode {
			t.Errorf("node b answered RRN %s approval %s; node a %s %s", again.RRN, again.ApprovalCode, first.RRN, first.ApprovalCode)
		}
		wantChargedOnce(t, a.Payment(t, a.Attempt(t, payment.KindPurchase, req).ID), amountApproved)
	})

	t.Run("The same terminal key with other content on the other node is 94", func(t *testing.T) {
		term := a.NewTerminal(t)
		req := term.Purchase(amountApproved, a.Code())
		wantRC(t, e2etest.Do(t, dial(t, a), req), wire.RCApproved)
		other := *req
		other.Amount = amountApproved + 100
		wantRC(t, e2etest.Do(t, dial(t, b), &other), wire.RCDuplicateSTAN)
	})

	t.Run("A reversal reaching the other node cancels the purchase", func(t *testing.T) {
		term := a.NewTerminal(t)
		req := term.Purchase(amountApproved, a.Code())
		wantRC(t, e2etest.Do(t, dial(t, a), req), wire.RCApproved)
		wantRC(t, e2etest.Do(t, dial(t, b), term.Reversal(req, true)), wire.RCApproved)
		p := a.WaitFinal(t, a.Attempt(t, payment.KindPurchase, req).ID)
		if p.State != payment.StateCancelled {
			t.Fatalf("reversed purchase is %s", p.State)
		}
	})

	t.Run("A reversal on the other node while the purchase is in flight keeps it from standing", func(t *testing.T) {
		term := a.NewTerminal(t)
		req := term.Purchase(amountAfterInquiries, a.Code()) // paid at the third inquiry
		answer := make(chan *wire.Message, 1)
		go func() { answer <- e2etest.Do(t, dial(t, a), req) }()
		inFlight := a.WaitAttempt(t, payment.KindPurchase, req)
		wantRC(t, e2etest.Do(t, dial(t, b), term.Reversal(req, true)), wire.RCApproved)
		if rc := (<-answer).ResponseCode; rc == wire.RCApproved {
			t.Errorf("the purchase reversed on node b was answered approved by node a")
		}
		final := a.WaitFinal(t, inFlight.ID)
		if final.State != payment.StateCancelled && final.State != payment.StateRefunded {
			t.Fatalf("reversed in-flight purchase ended %s", final.State)
		}
	})

	t.Run("A merchant suspended through one node's admin API is refused at the other node at once", func(t *testing.T) {
		key := acquirerKey(t, dsn, e2etest.OtherMerchantID)
		conn, err := grpc.NewClient(b.Node.AdminAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+key)
		merchants := adminv1.NewMerchantServiceClient(conn)
		if _, err := merchants.SuspendMerchant(ctx, &adminv1.SuspendMerchantRequest{MerchantId: e2etest.OtherMerchantID}); err != nil {
			t.Fatalf("SuspendMerchant on node b: %v", err)
		}
		other := &pos.Terminal{ID: e2etest.OtherTerminalID, MerchantID: e2etest.OtherMerchantID}
		wantRC(t, e2etest.Do(t, dial(t, a), other.Purchase(amountApproved, a.Code())), wire.RCInvalidMerchant)
		if _, err := merchants.ActivateMerchant(ctx, &adminv1.ActivateMerchantRequest{MerchantId: e2etest.OtherMerchantID}); err != nil {
			t.Fatalf("ActivateMerchant: %v", err)
		}
		wantRC(t, e2etest.Do(t, dial(t, a), other.Purchase(amountApproved, a.Code())), wire.RCApproved)
	})

	t.Run("Unknown outcomes are resolved once, the work shared by both nodes", func(t *testing.T) {
		const n = 12
		var wg sync.WaitGroup
		ids := make([]string, n)
		for i := range n {
			h := a
			if i%2 == 1 {
				h = b
			}
			term, c := a.NewTerminal(t), dial(t, h)
			req := term.Purchase(amountInProcessForever, a.Code())
			wg.Add(1)
			go func() {
				defer wg.Done()
				if rc := e2etest.Do(t, c, req).ResponseCode; rc != wire.RCSchemeUnavailable {
					t.Errorf("purchase %d answered %s, want 91", i, rc)
				}
			}()
			ids[i] = a.WaitAttempt(t, payment.KindPurchase, req).ID
		}
		wg.Wait()
		for i, id := range ids {
			if p := a.WaitFinal(t, id); p.State != payment.StateCancelled {
				t.Errorf("purchase %d ended %s, want cancelled", i, p.State)
			}
			evs, err := a.Store().Events(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if got := countEvents(evs, "cancel_result"); got != 1 {
				t.Errorf("purchase %d: %d cancel results journaled, want 1 (types %v)", i, got, eventTypes(evs))
			}
		}
	})
}

// acquirerKey makes an acquirer in the shared database, gives it the
// merchant, and returns an API key of it, as an operator would.
func acquirerKey(t *testing.T, dsn, merchantID string) string {
	t.Helper()
	st, err := postgres.Open(context.Background(), dsn, postgres.Config{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, key, err := admin.Bootstrap(context.Background(), st.Admin(), "ACQ-NODES", "Two-node acquirer")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (admin.Operator{Store: st.Admin()}).AssignMerchant(context.Background(), "ACQ-NODES", merchantID); err != nil {
		t.Fatal(err)
	}
	return key
}
