package admin

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/meridian-gw/meridian/gateway/payment"
	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

// Refunder refunds a purchase for an acquirer: the lead's bridge to the
// payment engine. RefundByAdmin refunds amount of the merchant's purchase
// with RRN rrn, once per requestID: a repeat with the same requestID and
// the same arguments returns the same refund attempt, never a second one.
// It returns the refund attempt (approved, declined, or not yet final) or
// one of the engine's errors (payment.ErrOriginalNotFound,
// payment.ErrNotSupported for a purchase not approved,
// payment.ErrInvalidAmount for an amount above what remains,
// payment.ErrKeyMismatch for a requestID reused with other arguments,
// payment.ErrUnknownMerchant, payment.ErrUnavailable, payment.ErrSystem).
type Refunder interface {
	RefundByAdmin(ctx context.Context, merchantID, rrn string, amount payment.Money, requestID string) (*payment.Attempt, error)
}

// transactionService implements adminv1.TransactionServiceServer.
type transactionService struct {
	adminv1.UnimplementedTransactionServiceServer
	*core
}

func (s *transactionService) SearchTransactions(ctx context.Context, req *adminv1.SearchTransactionsRequest) (*adminv1.SearchTransactionsResponse, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	v := &violations{}
	size := checkPageSize(v, req.GetPageSize())
	q := transactionQuery(v, caller.Acquirer.ID, req)
	filter := proto.CloneOf(req)
	filter.PageSize, filter.PageToken = 0, ""
	fp := fingerprint("SearchTransactions", caller.Acquirer.ID, filter)
	token, ok := decodePageToken(v, req.GetPageToken(), fp, 1)
	if err := v.err(); err != nil {
		return nil, err
	}
	if ok {
		q.Before = TransactionCursor{CreatedAt: time.Unix(0, token.Time).UTC(), ID: token.Keys[0]}
	}
	q.Limit = size + 1
	list, err := s.store.Transactions(ctx, q)
	if err != nil {
		return nil, s.fail(ctx, err, "transactions")
	}
	list, more := page(list, size)
	resp := &adminv1.SearchTransactionsResponse{Transactions: convertAll(list, transactionToProto)}
	if more {
		last := list[len(list)-1]
		resp.NextPageToken = pageToken{Filter: fp, Keys: []string{last.ID}, Time: last.CreatedAt.UnixNano()}.encode()
	}
	return resp, nil
}

// transactionQuery checks a search's filters and makes its query.
func transactionQuery(v *violations, acquirerID string, req *adminv1.SearchTransactionsRequest) TransactionQuery {
	q := TransactionQuery{
		AcquirerID: acquirerID, MerchantID: req.GetMerchantId(), TerminalID: req.GetTerminalId(),
		Scheme: req.GetScheme(), RRN: req.GetRrn(),
	}
	for name, ts := range map[string]*time.Time{"start_time": &q.From, "end_time": &q.To} {
		p := req.GetStartTime()
		if name == "end_time" {
			p = req.GetEndTime()
		}
		if p == nil {
			continue
		}
		if err := p.CheckValid(); err != nil {
			v.add(name, "is not a valid time")
			continue
		}
		*ts = p.AsTime()
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From) {
		v.add("end_time", "must be after start_time")
	}
	for i, st := range req.GetStates() {
		state, ok := statesFromProto[st]
		if !ok {
			v.add("states["+strconv.Itoa(i)+"]", "is not a transaction state")
		}
		q.States = append(q.States, state)
	}
	for i, k := range req.GetKinds() {
		kind, ok := kindsFromProto[k]
		if !ok {
			v.add("kinds["+strconv.Itoa(i)+"]", "is not a transaction kind")
		}
		q.Kinds = append(q.Kinds, kind)
	}
	return q
}

func (s *transactionService) GetTransaction(ctx context.Context, req *adminv1.GetTransactionRequest) (*adminv1.Transaction, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	v := &violations{}
	checkOneOf(v, "transaction_id", req.GetTransactionId(), "rrn", req.GetRrn())
	if err := v.err(); err != nil {
		return nil, err
	}
	object := "transaction " + req.GetTransactionId() + req.GetRrn()
	a, err := s.store.Transaction(ctx, caller.Acquirer.ID, req.GetTransactionId(), req.GetRrn())
	if err != nil {
		return nil, s.fail(ctx, err, object)
	}
	t := transactionToProto(a)
	events, err := s.payments.Events(ctx, a.ID)
	if err != nil {
		return nil, s.fail(ctx, err, object)
	}
	t.History = convertAll(events, eventToProto)
	if a.Kind == payment.KindPurchase {
		refunded, err := s.payments.RefundedMinor(ctx, a.ID)
		if err != nil {
			return nil, s.fail(ctx, err, object)
		}
		t.Refunded = &adminv1.Money{Currency: a.Amount.Currency, MinorUnits: refunded}
	}
	return t, nil
}

// checkOneOf requires exactly one of two alternative fields.
func checkOneOf(v *violations, fieldA, a, fieldB, b string) {
	if (a == "") == (b == "") {
		v.addf(fieldA, "set exactly one of %s and %s", fieldA, fieldB)
	}
}

func (s *transactionService) RefundTransaction(ctx context.Context, req *adminv1.RefundTransactionRequest) (*adminv1.Transaction, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	if s.refunder == nil {
		return nil, status.Error(codes.Unimplemented, "refunds are not enabled on this gateway")
	}
	v := &violations{}
	checkRequestID(v, "request_id", req.GetRequestId())
	checkOneOf(v, "transaction_id", req.GetTransactionId(), "rrn", req.GetRrn())
	if req.GetAmountMinorUnits() < 0 {
		v.add("amount_minor_units", "must not be negative (0 refunds all that remains)")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	object := "transaction " + req.GetTransactionId() + req.GetRrn()
	orig, err := s.store.Transaction(ctx, caller.Acquirer.ID, req.GetTransactionId(), req.GetRrn())
	if err != nil {
		return nil, s.fail(ctx, err, object)
	}
	amount, err := s.refundAmount(ctx, caller, req, orig)
	if err != nil {
		return nil, s.fail(ctx, err, object)
	}
	refund, err := s.refunder.RefundByAdmin(ctx, orig.MerchantID, orig.RRN, amount, req.GetRequestId())
	if err != nil {
		return nil, s.fail(ctx, err, object)
	}
	return transactionToProto(refund), nil
}

// errNothingToRefund: a full refund of a purchase refunded in full.
var errNothingToRefund = status.Error(codes.FailedPrecondition, "nothing remains of the purchase to refund")

// refundAmount returns the amount to refund and records the request (with
// its audit event, before any money moves). A request for "all that
// remains" is resolved once, by its first copy: a repeat refunds the
// amount the first one did, whatever has been refunded since, so that the
// refunder sees the same request again.
func (s *transactionService) refundAmount(ctx context.Context, caller *Caller, req *adminv1.RefundTransactionRequest, orig *payment.Attempt) (payment.Money, error) {
	if orig.Kind != payment.KindPurchase {
		return payment.Money{}, status.Errorf(codes.FailedPrecondition, "transaction %s is a %s; only a purchase can be refunded", orig.ID, orig.Kind)
	}
	content := map[string]any{"transaction": orig.ID, "amount": req.GetAmountMinorUnits()}
	r := s.request(ctx, caller, req.GetRequestId(), "transaction.refund", "transactions/"+orig.ID, content, nil)
	hash, first, err := s.store.PriorRequest(ctx, caller.Acquirer.ID, req.GetRequestId())
	switch {
	case err == nil && hash != r.Hash:
		return payment.Money{}, ErrRequestMismatch
	case err == nil:
		return recordedAmount(first, orig)
	case !errors.Is(err, ErrNotFound):
		return payment.Money{}, err
	}
	amount := req.GetAmountMinorUnits()
	if amount == 0 {
		refunded, err := s.payments.RefundedMinor(ctx, orig.ID)
		if err != nil {
			return payment.Money{}, err
		}
		if amount = orig.Amount.Minor - refunded; amount <= 0 {
			return payment.Money{}, errNothingToRefund
		}
	}
	r.Audit.Change = changeJSON(map[string]any{"transaction": orig.ID, "rrn": orig.RRN, "merchant_id": orig.MerchantID,
		"amount": map[string]any{"minor_units": amount, "currency": orig.Amount.Currency}})
	r.Result = strconv.FormatInt(amount, 10)
	// A copy of the request made meanwhile wins: its amount is the one.
	if first, _, err = s.store.RecordRequest(ctx, r); err != nil {
		return payment.Money{}, err
	}
	return recordedAmount(first, orig)
}

// recordedAmount reads the amount a refund request recorded.
func recordedAmount(result string, orig *payment.Attempt) (payment.Money, error) {
	amount, err := strconv.ParseInt(result, 10, 64)
	if err != nil || amount <= 0 {
		return payment.Money{}, fmt.Errorf("admin: refund request recorded with amount %q", result)
	}
	return payment.Money{Minor: amount, Currency: orig.Amount.Currency}, nil
}
