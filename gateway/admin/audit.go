package admin

import (
	"context"
	"time"

	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

// reviewService implements adminv1.ReviewServiceServer.
type reviewService struct {
	adminv1.UnimplementedReviewServiceServer
	*core
}

func (s *reviewService) ListFlaggedTransactions(ctx context.Context, req *adminv1.ListFlaggedTransactionsRequest) (*adminv1.ListFlaggedTransactionsResponse, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	v := &violations{}
	size := checkPageSize(v, req.GetPageSize())
	filter := fingerprint("ListFlaggedTransactions", caller.Acquirer.ID, &adminv1.ListFlaggedTransactionsRequest{})
	token, ok := decodePageToken(v, req.GetPageToken(), filter, 1)
	if err := v.err(); err != nil {
		return nil, err
	}
	q := FlaggedQuery{AcquirerID: caller.Acquirer.ID, Limit: size + 1}
	if ok {
		q.AfterFlaggedAt, q.AfterID = time.Unix(0, token.Time).UTC(), token.Keys[0]
	}
	list, err := s.store.FlaggedTransactions(ctx, q)
	if err != nil {
		return nil, s.fail(ctx, err, "flagged transactions")
	}
	list, more := page(list, size)
	resp := &adminv1.ListFlaggedTransactionsResponse{Transactions: convertAll(list, transactionToProto)}
	if more {
		last := list[len(list)-1]
		resp.NextPageToken = pageToken{Filter: filter, Keys: []string{last.ID}, Time: last.FlaggedAt.UnixNano()}.encode()
	}
	return resp, nil
}

// auditService implements adminv1.AuditServiceServer.
type auditService struct {
	adminv1.UnimplementedAuditServiceServer
	*core
}

func (s *auditService) ListAuditEvents(ctx context.Context, req *adminv1.ListAuditEventsRequest) (*adminv1.ListAuditEventsResponse, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	v := &violations{}
	size := checkPageSize(v, req.GetPageSize())
	filter := fingerprint("ListAuditEvents", caller.Acquirer.ID,
		&adminv1.ListAuditEventsRequest{Object: req.GetObject(), Action: req.GetAction()})
	token, ok := decodePageToken(v, req.GetPageToken(), filter, 0)
	if err := v.err(); err != nil {
		return nil, err
	}
	q := AuditQuery{AcquirerID: caller.Acquirer.ID, Object: req.GetObject(), Action: req.GetAction(), Limit: size + 1}
	if ok {
		q.BeforeID = token.Seq
	}
	list, err := s.store.AuditEvents(ctx, q)
	if err != nil {
		return nil, s.fail(ctx, err, "audit events")
	}
	list, more := page(list, size)
	resp := &adminv1.ListAuditEventsResponse{Events: convertAll(list, auditToProto)}
	if more {
		resp.NextPageToken = pageToken{Filter: filter, Seq: list[len(list)-1].ID}.encode()
	}
	return resp, nil
}
