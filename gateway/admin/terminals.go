package admin

import (
	"context"

	"github.com/meridian-gw/meridian/gateway/payment"
	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

// terminalService implements adminv1.TerminalServiceServer.
type terminalService struct {
	adminv1.UnimplementedTerminalServiceServer
	*core
}

func terminalObject(id string) string { return "terminals/" + id }

// terminalView is a terminal as the audit log shows it.
type terminalView struct {
	ID         string `json:"id"`
	MerchantID string `json:"merchant_id"`
	StoreID    string `json:"store_id,omitempty"`
	Status     string `json:"status,omitempty"`
}

func (s *terminalService) AddTerminal(ctx context.Context, req *adminv1.AddTerminalRequest) (*adminv1.Terminal, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	v := &violations{}
	checkRequestID(v, "request_id", req.GetRequestId())
	p := req.GetTerminal()
	checkTerminalID(v, "terminal.id", p.GetId())
	checkMerchantID(v, "terminal.merchant_id", p.GetMerchantId())
	if p.GetStoreId() != "" {
		checkToken(v, "terminal.store_id", p.GetStoreId(), storeIDMax)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	t := &payment.Terminal{ID: p.GetId(), MerchantID: p.GetMerchantId(), StoreID: p.GetStoreId()}
	view := terminalView{ID: t.ID, MerchantID: t.MerchantID, StoreID: t.StoreID}
	r := s.request(ctx, caller, req.GetRequestId(), "terminal.add", terminalObject(t.ID), view,
		terminalView{ID: t.ID, MerchantID: t.MerchantID, StoreID: t.StoreID, Status: "active"})
	stored, err := s.store.AddTerminal(ctx, t, r)
	if err != nil {
		return nil, s.fail(ctx, err, "terminal "+t.ID)
	}
	return terminalToProto(stored), nil
}

func (s *terminalService) GetTerminal(ctx context.Context, req *adminv1.GetTerminalRequest) (*adminv1.Terminal, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.store.Terminal(ctx, caller.Acquirer.ID, req.GetTerminalId())
	if err != nil {
		return nil, s.fail(ctx, err, "terminal "+req.GetTerminalId())
	}
	return terminalToProto(t), nil
}

func (s *terminalService) ListTerminals(ctx context.Context, req *adminv1.ListTerminalsRequest) (*adminv1.ListTerminalsResponse, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	v := &violations{}
	size := checkPageSize(v, req.GetPageSize())
	filter := fingerprint("ListTerminals", caller.Acquirer.ID,
		&adminv1.ListTerminalsRequest{MerchantId: req.GetMerchantId(), StoreId: req.GetStoreId()})
	token, _ := decodePageToken(v, req.GetPageToken(), filter, 1)
	if err := v.err(); err != nil {
		return nil, err
	}
	q := TerminalQuery{AcquirerID: caller.Acquirer.ID, MerchantID: req.GetMerchantId(), StoreID: req.GetStoreId(), Limit: size + 1}
	if token.Keys != nil {
		q.AfterID = token.Keys[0]
	}
	list, err := s.store.Terminals(ctx, q)
	if err != nil {
		return nil, s.fail(ctx, err, "terminals")
	}
	list, more := page(list, size)
	resp := &adminv1.ListTerminalsResponse{Terminals: convertAll(list, terminalToProto)}
	if more {
		resp.NextPageToken = pageToken{Filter: filter, Keys: []string{list[len(list)-1].ID}}.encode()
	}
	return resp, nil
}

func (s *terminalService) SuspendTerminal(ctx context.Context, req *adminv1.SuspendTerminalRequest) (*adminv1.Terminal, error) {
	return s.setSuspended(ctx, req.GetTerminalId(), req.GetReason(), true)
}

func (s *terminalService) ActivateTerminal(ctx context.Context, req *adminv1.ActivateTerminalRequest) (*adminv1.Terminal, error) {
	return s.setSuspended(ctx, req.GetTerminalId(), req.GetReason(), false)
}

// setSuspended suspends or activates a terminal; a terminal of a closed
// merchant cannot change (ErrMerchantClosed).
func (s *terminalService) setSuspended(ctx context.Context, id, reason string, suspended bool) (*adminv1.Terminal, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	v := &violations{}
	checkTerminalID(v, "terminal_id", id)
	checkText(v, "reason", reason, 0, reasonMax)
	if err := v.err(); err != nil {
		return nil, err
	}
	action, from, to := "terminal.activate", "suspended", "active"
	if suspended {
		action, from, to = "terminal.suspend", "active", "suspended"
	}
	t, err := s.store.UpdateTerminal(ctx, caller.Acquirer.ID, id, func(t *payment.Terminal, m *Merchant) (*AuditEvent, error) {
		if m.Status == MerchantClosed {
			return nil, ErrMerchantClosed
		}
		if t.Suspended == suspended {
			return nil, nil
		}
		t.Suspended = suspended
		change := map[string]any{"status": fieldChange{From: from, To: to}}
		if reason != "" {
			change["reason"] = reason
		}
		ev := s.event(ctx, caller, action, terminalObject(t.ID), change)
		return &ev, nil
	})
	if err != nil {
		return nil, s.fail(ctx, err, "terminal "+id)
	}
	return terminalToProto(t), nil
}
