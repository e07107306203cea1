package admin

import (
	"maps"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/meridian-gw/meridian/gateway/payment"
	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

// Conversions between the domain types and the API's messages. Output-only
// fields of a request are ignored: they are never read from a message.

func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

var acquirerStatuses = map[AcquirerStatus]adminv1.AcquirerStatus{
	AcquirerActive:    adminv1.AcquirerStatus_ACQUIRER_STATUS_ACTIVE,
	AcquirerSuspended: adminv1.AcquirerStatus_ACQUIRER_STATUS_SUSPENDED,
}

func acquirerToProto(a *Acquirer) *adminv1.Acquirer {
	return &adminv1.Acquirer{Id: a.ID, Name: a.Name, Status: acquirerStatuses[a.Status], CreateTime: timestamp(a.CreatedAt)}
}

func apiKeyToProto(k *APIKey) *adminv1.ApiKey {
	return &adminv1.ApiKey{
		Id: k.ID, AcquirerId: k.AcquirerID, DisplayName: k.Name, CreatedBy: k.CreatedBy,
		CreateTime: timestamp(k.CreatedAt), RevokeTime: timestamp(k.RevokedAt),
	}
}

var merchantStatuses = map[MerchantStatus]adminv1.MerchantStatus{
	MerchantActive:    adminv1.MerchantStatus_MERCHANT_STATUS_ACTIVE,
	MerchantSuspended: adminv1.MerchantStatus_MERCHANT_STATUS_SUSPENDED,
	MerchantClosed:    adminv1.MerchantStatus_MERCHANT_STATUS_CLOSED,
}

// merchantStatusFromProto returns "" for UNSPECIFIED and false for a value
// not in the enum.
func merchantStatusFromProto(s adminv1.MerchantStatus) (MerchantStatus, bool) {
	if s == adminv1.MerchantStatus_MERCHANT_STATUS_UNSPECIFIED {
		return "", true
	}
	for k, v := range merchantStatuses {
		if v == s {
			return k, true
		}
	}
	return "", false
}

// merchantFromProto reads the fields a client sets.
func merchantFromProto(p *adminv1.Merchant) *Merchant {
	m := &Merchant{
		ID: p.GetId(), LegalName: p.GetLegalName(), TradingName: p.GetTradingName(), MCC: p.GetMcc(),
		Country: p.GetCountry(), City: p.GetCity(), Currency: p.GetCurrency(),
		Schemes:   slices.Clone(p.GetSchemes()),
		MaxAmount: p.GetMaxAmount(),
		Limits: FrequencyLimits{
			PurchasesPerTerminalPerMinute: p.GetFrequencyLimits().GetPurchasesPerTerminalPerMinute(),
			PurchasesPerTerminalPerDay:    p.GetFrequencyLimits().GetPurchasesPerTerminalPerDay(),
		},
	}
	if len(p.GetMarkupPercent()) > 0 {
		m.MarkupPercent = maps.Clone(p.GetMarkupPercent())
	}
	return m
}

func merchantToProto(m *Merchant) *adminv1.Merchant {
	return &adminv1.Merchant{
		Id: m.ID, AcquirerId: m.AcquirerID, LegalName: m.LegalName, TradingName: m.TradingName,
		Mcc: m.MCC, Country: m.Country, City: m.City, Currency: m.Currency,
		Schemes:       slices.Clone(m.Schemes),
		MarkupPercent: maps.Clone(m.MarkupPercent),
		MaxAmount:     m.MaxAmount,
		FrequencyLimits: &adminv1.FrequencyLimits{
			PurchasesPerTerminalPerMinute: m.Limits.PurchasesPerTerminalPerMinute,
			PurchasesPerTerminalPerDay:    m.Limits.PurchasesPerTerminalPerDay,
		},
		Status:     merchantStatuses[m.Status],
		CreateTime: timestamp(m.CreatedAt),
		UpdateTime: timestamp(m.UpdatedAt),
	}
}

func outletFromProto(p *adminv1.Store) *Outlet {
	return &Outlet{ID: p.GetId(), MerchantID: p.GetMerchantId(), Name: p.GetName(), Address: p.GetAddress(), City: p.GetCity()}
}

func outletToProto(o *Outlet) *adminv1.Store {
	return &adminv1.Store{
		Id: o.ID, MerchantId: o.MerchantID, Name: o.Name, Address: o.Address, City: o.City,
		CreateTime: timestamp(o.CreatedAt),
	}
}

func terminalToProto(t *payment.Terminal) *adminv1.Terminal {
	s := adminv1.TerminalStatus_TERMINAL_STATUS_ACTIVE
	if t.Suspended {
		s = adminv1.TerminalStatus_TERMINAL_STATUS_SUSPENDED
	}
	return &adminv1.Terminal{
		Id: t.ID, MerchantId: t.MerchantID, StoreId: t.StoreID, Status: s,
		CreateTime: timestamp(t.CreatedAt), UpdateTime: timestamp(t.UpdatedAt),
	}
}

var transactionKinds = map[payment.Kind]adminv1.TransactionKind{
	payment.KindPurchase: adminv1.TransactionKind_TRANSACTION_KIND_PURCHASE,
	payment.KindRefund:   adminv1.TransactionKind_TRANSACTION_KIND_REFUND,
	payment.KindReversal: adminv1.TransactionKind_TRANSACTION_KIND_REVERSAL,
}

var transactionStates = map[payment.State]adminv1.TransactionState{
	payment.StatePending:       adminv1.TransactionState_TRANSACTION_STATE_PENDING,
	payment.StateUnknown:       adminv1.TransactionState_TRANSACTION_STATE_UNKNOWN,
	payment.StateCancelPending: adminv1.TransactionState_TRANSACTION_STATE_CANCEL_PENDING,
	payment.StateRefundPending: adminv1.TransactionState_TRANSACTION_STATE_REFUND_PENDING,
	payment.StateApproved:      adminv1.TransactionState_TRANSACTION_STATE_APPROVED,
	payment.StateDeclined:      adminv1.TransactionState_TRANSACTION_STATE_DECLINED,
	payment.StateCancelled:     adminv1.TransactionState_TRANSACTION_STATE_CANCELLED,
	payment.StateRefunded:      adminv1.TransactionState_TRANSACTION_STATE_REFUNDED,
}

// reverse inverts a map of enum values.
func reverse[K, V comparable](m map[K]V) map[V]K {
	r := make(map[V]K, len(m))
	for k, v := range m {
		r[v] = k
	}
	return r
}

var (
	kindsFromProto  = reverse(transactionKinds)
	statesFromProto = reverse(transactionStates)
)

func money(m payment.Money) *adminv1.Money {
	if m.Currency == "" && m.Minor == 0 {
		return nil
	}
	return &adminv1.Money{Currency: m.Currency, MinorUnits: m.Minor}
}

func transactionToProto(a *payment.Attempt) *adminv1.Transaction {
	t := &adminv1.Transaction{
		Id: a.ID, Kind: transactionKinds[a.Kind], Rrn: a.RRN, MerchantId: a.MerchantID,
		TerminalId: a.Key.TerminalID, Stan: a.Key.STAN, Scheme: a.Scheme, CodeMasked: a.CodeMasked,
		Amount: money(a.Amount), State: transactionStates[a.State], Reason: string(a.Reason),
		SchemeCode: a.SchemeCode, ApprovalCode: a.ApprovalCode, SchemeTransactionId: a.SchemeTxnID,
		WalletAmount: money(a.WalletAmount), WalletBrand: a.WalletBrand,
		Settlement: money(a.Settlement), OriginalId: a.OriginalID, OriginalRrn: a.OriginalRRN,
		MerchantPresented: a.Order.Presented, FlagTime: timestamp(a.FlaggedAt),
		CreateTime: timestamp(a.CreatedAt), UpdateTime: timestamp(a.UpdatedAt),
	}
	if c := a.Conversion; c.Applied() {
		t.Conversion = &adminv1.Conversion{
			QuoteId: c.QuoteID, ReferenceRate: c.ReferenceRate, AppliedRate: c.AppliedRate,
			MarkupPercent: c.MarkupPercent, Source: c.Source, AsOf: timestamp(c.AsOf),
		}
	}
	return t
}

func eventToProto(ev payment.Event) *adminv1.TransactionEvent {
	return &adminv1.TransactionEvent{Time: timestamp(ev.At), Type: ev.Type, Detail: ev.Detail}
}

func auditToProto(ev AuditEvent) *adminv1.AuditEvent {
	return &adminv1.AuditEvent{
		Id: ev.ID, AcquirerId: ev.AcquirerID, Actor: ev.Actor, Action: ev.Action, Object: ev.Object,
		RequestId: ev.RequestID, Change: ev.Change, Time: timestamp(ev.At),
	}
}

// convertAll converts every item of a list.
func convertAll[T any, P any](list []T, convert func(T) P) []P {
	out := make([]P, len(list))
	for i, v := range list {
		out[i] = convert(v)
	}
	return out
}
