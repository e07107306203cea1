package admin_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/meridian-gw/meridian/gateway/admin"
	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

func TestEveryChangeIsAudited(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.clients()
	ctx := metadata.AppendToOutgoingContext(as(t, w.KeyA), "x-request-id", "trace-42")
	keyID, secret := splitKey(t, w.KeyA)
	createID := requestID()

	steps := []struct {
		action, object string
		call           func() error
	}{
		{"merchant.create", "merchants/M-AUD", func() error {
			_, err := c.Merchants.CreateMerchant(ctx, &adminv1.CreateMerchantRequest{RequestId: createID, Merchant: newMerchant("M-AUD")})
			return err
		}},
		{"merchant.update", "merchants/M-AUD", func() error {
			_, err := c.Merchants.UpdateMerchant(ctx, &adminv1.UpdateMerchantRequest{Merchant: &adminv1.Merchant{Id: "M-AUD", City: "Bonn"},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"city"}}})
			return err
		}},
		{"store.create", "merchants/M-AUD/stores/S1", func() error {
			_, err := c.Stores.CreateStore(ctx, &adminv1.CreateStoreRequest{RequestId: requestID(), Store: &adminv1.Store{Id: "S1", MerchantId: "M-AUD", Name: "Dom", City: "Bonn"}})
			return err
		}},
		{"terminal.add", "terminals/TAUD0001", func() error {
			_, err := c.Terminals.AddTerminal(ctx, &adminv1.AddTerminalRequest{RequestId: requestID(), Terminal: &adminv1.Terminal{Id: "TAUD0001", MerchantId: "M-AUD", StoreId: "S1"}})
			return err
		}},
		{"terminal.suspend", "terminals/TAUD0001", func() error {
			_, err := c.Terminals.SuspendTerminal(ctx, &adminv1.SuspendTerminalRequest{TerminalId: "TAUD0001", Reason: "stolen"})
			return err
		}},
		{"terminal.activate", "terminals/TAUD0001", func() error {
			_, err := c.Terminals.ActivateTerminal(ctx, &adminv1.ActivateTerminalRequest{TerminalId: "TAUD0001"})
			return err
		}},
		{"transaction.refund", "transactions/", func() error {
			p := w.approved(t, "M-AUD", "TAUD0001", 1000)
			_, err := c.Transactions.RefundTransaction(ctx, &adminv1.RefundTransactionRequest{RequestId: requestID(), TransactionId: p.ID, AmountMinorUnits: 250})
			return err
		}},
		{"merchant.suspend", "merchants/M-AUD", func() error {
			_, err := c.Merchants.SuspendMerchant(ctx, &adminv1.SuspendMerchantRequest{MerchantId: "M-AUD", Reason: "review"})
			return err
		}},
		{"merchant.activate", "merchants/M-AUD", func() error {
			_, err := c.Merchants.ActivateMerchant(ctx, &adminv1.ActivateMerchantRequest{MerchantId: "M-AUD"})
			return err
		}},
		{"api_key.create", "api_keys/", func() error {
			_, err := c.Acquirers.CreateApiKey(ctx, &adminv1.CreateApiKeyRequest{RequestId: requestID(), DisplayName: "ci"})
			return err
		}},
		{"merchant.close", "merchants/M-AUD", func() error {
			_, err := c.Merchants.CloseMerchant(ctx, &adminv1.CloseMerchantRequest{MerchantId: "M-AUD"})
			return err
		}},
	}
	for _, s := range steps {
		if err := s.call(); err != nil {
			t.Fatalf("%s: %v", s.action, err)
		}
	}
	// Calls that change nothing are not audited: a repeat, a no-op, a refusal.
	_, _ = c.Merchants.CreateMerchant(ctx, &adminv1.CreateMerchantRequest{RequestId: createID, Merchant: newMerchant("M-AUD")})
	_, _ = c.Terminals.ActivateTerminal(ctx, &adminv1.ActivateTerminalRequest{TerminalId: "TAUD0001"})
	_, _ = c.Merchants.CloseMerchant(ctx, &adminv1.CloseMerchantRequest{MerchantId: "M-AUD"})

	resp, err := c.Audit.ListAuditEvents(ctx, &adminv1.ListAuditEventsRequest{PageSize: 100})
	if err != nil {
		t.Fatalf("ListAuditEvents: %v", err)
	}
	events := resp.GetEvents()
	var got []string
	for _, ev := range events {
		got = append(got, ev.GetAction())
	}
	var want []string
	for i := len(steps) - 1; i >= 0; i-- {
		want = append(want, steps[i].action)
	}
	want = append(want, "api_key.create", "acquirer.create") // the bootstrap's, by the operator
	t.Run("Each change is one event, newest first", func(t *testing.T) {
		if !slices.Equal(got, want) {
			t.Fatalf("audit = %v\nwant %v", got, want)
		}
	})
	t.Run("Each event says who, what, when and the change", func(t *testing.T) {
		for i, ev := range events[:len(steps)] {
			step := steps[len(steps)-1-i]
			var change map[string]any
			if err := json.Unmarshal([]byte(ev.GetChange()), &change); err != nil || len(change) == 0 {
				t.Errorf("%s: change %q is not a JSON object with fields", ev.GetAction(), ev.GetChange())
			}
			if ev.GetActor() != "key:"+keyID || ev.GetAcquirerId() != acquirerA || !strings.HasPrefix(ev.GetObject(), step.object) ||
				ev.GetTime() == nil || time.Since(ev.GetTime().AsTime()) > time.Hour || ev.GetRequestId() == "" {
				t.Errorf("event %v", ev)
			}
			if strings.Contains(ev.GetChange(), secret) {
				t.Errorf("%s holds a key's secret", ev.GetAction())
			}
		}
	})
	t.Run("A create records its request ID and a change without one the x-request-id", func(t *testing.T) {
		last := events[len(steps)-1]
		if last.GetAction() != "merchant.create" || last.GetRequestId() != createID {
			t.Errorf("create event %v, want request ID %s", last, createID)
		}
		if update := events[len(steps)-2]; update.GetRequestId() != "trace-42" {
			t.Errorf("update event request ID %q, want trace-42", update.GetRequestId())
		}
	})
	t.Run("An update records what changed from what", func(t *testing.T) {
		var change map[string]struct{ From, To any }
		_ = json.Unmarshal([]byte(events[len(steps)-2].GetChange()), &change)
		if len(change) != 1 || change["city"].From != "Köln" || change["city"].To != "Bonn" {
			t.Errorf("update change = %s, want city from Köln to Bonn only", events[len(steps)-2].GetChange())
		}
	})
	t.Run("The log filters by object and pages", func(t *testing.T) {
		resp, err := c.Audit.ListAuditEvents(ctx, &adminv1.ListAuditEventsRequest{Object: "terminals/TAUD0001", PageSize: 2})
		if err != nil || len(resp.GetEvents()) != 2 || resp.GetNextPageToken() == "" {
			t.Fatalf("first page = %v, %v", resp, err)
		}
		next, err := c.Audit.ListAuditEvents(ctx, &adminv1.ListAuditEventsRequest{Object: "terminals/TAUD0001", PageSize: 2, PageToken: resp.GetNextPageToken()})
		if err != nil || len(next.GetEvents()) != 1 || next.GetEvents()[0].GetAction() != "terminal.add" || next.GetNextPageToken() != "" {
			t.Errorf("second page = %v, %v", next, err)
		}
	})
}

func TestHealthAndReflectionAreServedWithoutCredentials(t *testing.T) {
	w := newWorld(t, worldOptions{})
	health := healthpb.NewHealthClient(w.Conn)
	for _, service := range []string{"", "meridian.admin.v1.MerchantService", "meridian.admin.v1.TransactionService"} {
		resp, err := health.Check(t.Context(), &healthpb.HealthCheckRequest{Service: service})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("health of %q = %v, %v; want SERVING", service, resp, err)
		}
	}
	stream, err := reflectionpb.NewServerReflectionClient(w.Conn).ServerReflectionInfo(t.Context())
	if err != nil {
		t.Fatalf("reflection: %v", err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatalf("reflection send: %v", err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatalf("reflection receive: %v", err)
	}
	var services []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		services = append(services, s.GetName())
	}
	for _, want := range []string{"meridian.admin.v1.AcquirerService", "meridian.admin.v1.MerchantService", "meridian.admin.v1.StoreService",
		"meridian.admin.v1.TerminalService", "meridian.admin.v1.TransactionService", "meridian.admin.v1.ReviewService",
		"meridian.admin.v1.AuditService", "grpc.health.v1.Health"} {
		if !slices.Contains(services, want) {
			t.Errorf("reflection lists %v, without %s", services, want)
		}
	}
}

// panickyStore panics in one method, as a bug would.
type panickyStore struct{ admin.Store }

func (panickyStore) Merchant(context.Context, string, string) (*admin.Merchant, error) {
	panic("a bug in a store")
}

func TestAPanicInACallIsInternalForThatCallAlone(t *testing.T) {
	w := newWorld(t, worldOptions{Store: func(s admin.Store) admin.Store { return panickyStore{s} }})
	c, ctx := w.clients(), as(t, w.KeyA)
	_, err := c.Merchants.GetMerchant(ctx, &adminv1.GetMerchantRequest{MerchantId: "M1"})
	s := wantCode(t, "GetMerchant through a panicking store", err, codes.Internal)
	if strings.Contains(s.Message(), "bug") {
		t.Errorf("the panic %q reached the caller", s.Message())
	}
	if _, err := c.Merchants.ListMerchants(ctx, &adminv1.ListMerchantsRequest{}); err != nil {
		t.Errorf("the next call: %v", err)
	}
	if logs := w.Logs.String(); !strings.Contains(logs, "admin call panicked") || !strings.Contains(logs, `"code":"Internal"`) {
		t.Errorf("the panic was not logged with its code: %s", logs)
	}
}

func TestGracefulStopEndsServeAndAStopWithAnEndedContextIsImmediate(t *testing.T) {
	w := newWorld(t, worldOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w.Server.GracefulStop(ctx)
	_, err := w.clients().Acquirers.GetAcquirer(as(t, w.KeyA), &adminv1.GetAcquirerRequest{})
	wantCode(t, "a call after the stop", err, codes.Unavailable)
}
