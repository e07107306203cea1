package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/meridian-gw/meridian/gateway/payment"
)

// statusTable maps the errors of the store, the refunder and the engine to
// gRPC codes: the one place where a domain error becomes a status. The
// first entry the error matches (errors.Is) wins; the text is what the
// caller reads after the object's name. An error matching none is
// Internal, logged, and never shown to the caller.
var statusTable = []struct {
	err  error
	code codes.Code
	text string
}{
	{ErrNotFound, codes.NotFound, "not found"},
	{payment.ErrOriginalNotFound, codes.NotFound, "not found"},
	{ErrAlreadyExists, codes.AlreadyExists, "already exists"},
	{ErrMerchantClosed, codes.FailedPrecondition, "the merchant is closed, which is final"},
	{payment.ErrNotSupported, codes.FailedPrecondition, "only an approved purchase can be refunded"},
	{payment.ErrNotRefundable, codes.FailedPrecondition, "only an approved purchase can be refunded"},
	{payment.ErrInvalidAmount, codes.FailedPrecondition, "the amount exceeds what remains of the purchase"},
	{payment.ErrRefundExceeds, codes.FailedPrecondition, "the amount exceeds what remains of the purchase"},
	{payment.ErrUnknownMerchant, codes.FailedPrecondition, "the merchant or the purchase's terminal is not active"},
	{payment.ErrCurrency, codes.FailedPrecondition, "the currency is not the purchase's"},
	{payment.ErrUnavailable, codes.Unavailable, "the scheme is unavailable; try again later"},
	{context.DeadlineExceeded, codes.DeadlineExceeded, "deadline exceeded"},
	{context.Canceled, codes.Canceled, "cancelled"},
}

// statusOf turns err, met while acting on object ("merchant M1"), into the
// status the caller gets. A status error (a validation error, or one made
// by an interceptor) passes through.
func statusOf(ctx context.Context, log *slog.Logger, err error, object string) error {
	// A status made here (a field error a store's callback returned, one
	// of this package's refusals) is returned as made, without the text
	// of whatever wrapped it on the way.
	var made interface{ GRPCStatus() *status.Status }
	if errors.As(err, &made) {
		return made.GRPCStatus().Err()
	}
	if errors.Is(err, ErrRequestMismatch) || errors.Is(err, payment.ErrKeyMismatch) {
		return invalid(codes.AlreadyExists, "request_id", "already used for a different request")
	}
	for _, e := range statusTable {
		if errors.Is(err, e.err) {
			return status.Errorf(e.code, "%s: %s", object, e.text)
		}
	}
	log.ErrorContext(ctx, "admin call failed", "object", object, "err", err)
	return status.Error(codes.Internal, "internal error")
}

// fieldError is a request's invalid fields: InvalidArgument (or another
// code) with a google.rpc.BadRequest naming each. Fields are named by
// their path in the request, "merchant.mcc".
type fieldError struct {
	code       codes.Code
	violations []*errdetails.BadRequest_FieldViolation
}

func (e *fieldError) Error() string {
	parts := make([]string, len(e.violations))
	for i, v := range e.violations {
		parts[i] = v.GetField() + ": " + v.GetDescription()
	}
	return strings.Join(parts, "; ")
}

// GRPCStatus lets grpc and status.FromError read e as its status.
func (e *fieldError) GRPCStatus() *status.Status {
	s := status.New(e.code, e.Error())
	if d, err := s.WithDetails(&errdetails.BadRequest{FieldViolations: e.violations}); err == nil {
		return d
	}
	return s
}

// invalid returns the status error of one field.
func invalid(code codes.Code, field, description string) error {
	v := &violations{}
	v.add(field, description)
	e := v.fieldError()
	e.code = code
	return e.GRPCStatus().Err()
}

// violations gathers a request's invalid fields, so that the caller learns
// of all of them at once.
type violations struct {
	list []*errdetails.BadRequest_FieldViolation
}

func (v *violations) add(field, description string) {
	v.list = append(v.list, &errdetails.BadRequest_FieldViolation{Field: field, Description: description})
}

func (v *violations) addf(field, format string, args ...any) {
	v.add(field, fmt.Sprintf(format, args...))
}

func (v *violations) fieldError() *fieldError {
	return &fieldError{code: codes.InvalidArgument, violations: v.list}
}

// err returns nil when no field was invalid, else the InvalidArgument
// error naming them.
func (v *violations) err() error {
	if len(v.list) == 0 {
		return nil
	}
	return v.fieldError()
}
