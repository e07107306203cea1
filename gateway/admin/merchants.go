package admin

import (
	"context"
	"slices"

	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

// merchantService implements adminv1.MerchantServiceServer.
type merchantService struct {
	adminv1.UnimplementedMerchantServiceServer
	*core
}

// merchantView is a merchant as the audit log shows it: the fields a
// client sets and its status, under their API names.
type merchantView struct {
	ID            string            `json:"id"`
	LegalName     string            `json:"legal_name"`
	TradingName   string            `json:"trading_name"`
	MCC           string            `json:"mcc"`
	Country       string            `json:"country"`
	City          string            `json:"city"`
	Currency      string            `json:"currency"`
	Schemes       []string          `json:"schemes"`
	MarkupPercent map[string]string `json:"markup_percent,omitempty"`
	MaxAmount     int64             `json:"max_amount"`
	PerMinute     uint32            `json:"frequency_limits.purchases_per_terminal_per_minute"`
	PerDay        uint32            `json:"frequency_limits.purchases_per_terminal_per_day"`
	Status        MerchantStatus    `json:"status,omitempty"`
}

func viewOf(m *Merchant) merchantView {
	return merchantView{
		ID: m.ID, LegalName: m.LegalName, TradingName: m.TradingName, MCC: m.MCC,
		Country: m.Country, City: m.City, Currency: m.Currency, Schemes: m.Schemes,
		MarkupPercent: m.MarkupPercent, MaxAmount: m.MaxAmount,
		PerMinute: m.Limits.PurchasesPerTerminalPerMinute, PerDay: m.Limits.PurchasesPerTerminalPerDay,
		Status: m.Status,
	}
}

func merchantObject(id string) string { return "merchants/" + id }

// merchantFields are the checks of each field a client sets, by its path
// in Merchant; UpdateMerchant's mask names the same paths.
var merchantFields = map[string]func(c *core, v *violations, field string, m *Merchant){
	"legal_name":   func(_ *core, v *violations, f string, m *Merchant) { checkText(v, f, m.LegalName, 1, nameMax) },
	"trading_name": func(_ *core, v *violations, f string, m *Merchant) { checkText(v, f, m.TradingName, 1, nameMax) },
	"mcc":          func(_ *core, v *violations, f string, m *Merchant) { checkMCC(v, f, m.MCC) },
	"country":      func(_ *core, v *violations, f string, m *Merchant) { checkCountry(v, f, m.Country) },
	"city":         func(_ *core, v *violations, f string, m *Merchant) { checkText(v, f, m.City, 1, cityMax) },
	"schemes":      func(c *core, v *violations, f string, m *Merchant) { checkSchemes(v, f, m.Schemes, c.schemes) },
	"markup_percent": func(c *core, v *violations, f string, m *Merchant) {
		checkMarkups(v, f, m.MarkupPercent, c.schemes)
	},
	"max_amount":       func(_ *core, v *violations, f string, m *Merchant) { checkMaxAmount(v, f, m.MaxAmount) },
	"frequency_limits": func(_ *core, v *violations, f string, m *Merchant) { checkLimits(v, f, m.Limits) },
	"frequency_limits.purchases_per_terminal_per_minute": func(*core, *violations, string, *Merchant) {},
	"frequency_limits.purchases_per_terminal_per_day":    func(*core, *violations, string, *Merchant) {},
}

func (s *merchantService) CreateMerchant(ctx context.Context, req *adminv1.CreateMerchantRequest) (*adminv1.Merchant, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	v := &violations{}
	checkRequestID(v, "request_id", req.GetRequestId())
	if req.GetMerchant() == nil {
		v.add("merchant", "required")
		return nil, v.err()
	}
	m := merchantFromProto(req.GetMerchant())
	checkMerchantID(v, "merchant.id", m.ID)
	checkCurrency(v, "merchant.currency", m.Currency)
	for _, path := range sortedKeys(merchantFields) {
		merchantFields[path](s.core, v, "merchant."+path, m)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	m.AcquirerID, m.Status = caller.Acquirer.ID, MerchantActive
	r := s.request(ctx, caller, req.GetRequestId(), "merchant.create", merchantObject(m.ID), viewOf(m), viewOf(m))
	stored, err := s.store.CreateMerchant(ctx, m, r)
	if err != nil {
		return nil, s.fail(ctx, err, "merchant "+m.ID)
	}
	return merchantToProto(stored), nil
}

func (s *merchantService) GetMerchant(ctx context.Context, req *adminv1.GetMerchantRequest) (*adminv1.Merchant, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.store.Merchant(ctx, caller.Acquirer.ID, req.GetMerchantId())
	if err != nil {
		return nil, s.fail(ctx, err, "merchant "+req.GetMerchantId())
	}
	return merchantToProto(m), nil
}

func (s *merchantService) ListMerchants(ctx context.Context, req *adminv1.ListMerchantsRequest) (*adminv1.ListMerchantsResponse, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	v := &violations{}
	size := checkPageSize(v, req.GetPageSize())
	st, ok := merchantStatusFromProto(req.GetStatus())
	if !ok {
		v.add("status", "is not a merchant status")
	}
	filter := fingerprint("ListMerchants", caller.Acquirer.ID, &adminv1.ListMerchantsRequest{Status: req.GetStatus()})
	token, _ := decodePageToken(v, req.GetPageToken(), filter, 1)
	if err := v.err(); err != nil {
		return nil, err
	}
	q := MerchantQuery{AcquirerID: caller.Acquirer.ID, Status: st, Limit: size + 1}
	if token.Keys != nil {
		q.AfterID = token.Keys[0]
	}
	list, err := s.store.Merchants(ctx, q)
	if err != nil {
		return nil, s.fail(ctx, err, "merchants")
	}
	list, more := page(list, size)
	resp := &adminv1.ListMerchantsResponse{Merchants: convertAll(list, merchantToProto)}
	if more {
		resp.NextPageToken = pageToken{Filter: filter, Keys: []string{list[len(list)-1].ID}}.encode()
	}
	return resp, nil
}

func (s *merchantService) UpdateMerchant(ctx context.Context, req *adminv1.UpdateMerchantRequest) (*adminv1.Merchant, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	v := &violations{}
	patch := merchantFromProto(req.GetMerchant())
	checkMerchantID(v, "merchant.id", patch.ID)
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		v.add("update_mask", "required: name the fields to change")
	}
	for _, path := range paths {
		check, ok := merchantFields[path]
		if !ok {
			v.addf("update_mask", "%q cannot be changed; the paths are %v", path, sortedKeys(merchantFields))
			continue
		}
		check(s.core, v, "merchant."+path, patch)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	m, err := s.store.UpdateMerchant(ctx, caller.Acquirer.ID, patch.ID, func(m *Merchant) (*AuditEvent, error) {
		before := viewOf(m)
		applyMerchantMask(m, patch, paths)
		v := &violations{}
		checkLimits(v, "merchant.frequency_limits", m.Limits) // may combine an old and a new limit
		if err := v.err(); err != nil {
			return nil, err
		}
		return s.changed(ctx, caller, "merchant.update", m.ID, before, viewOf(m)), nil
	})
	if err != nil {
		return nil, s.fail(ctx, err, "merchant "+patch.ID)
	}
	return merchantToProto(m), nil
}

// changed returns the audit event of a change from before to after, or nil
// if nothing changed.
func (c *core) changed(ctx context.Context, caller *Caller, action, merchantID string, before, after any) *AuditEvent {
	d := diff(before, after)
	if d == nil {
		return nil
	}
	ev := c.event(ctx, caller, action, merchantObject(merchantID), d)
	return &ev
}

// applyMerchantMask sets the fields paths name from patch.
func applyMerchantMask(m, patch *Merchant, paths []string) {
	for _, path := range paths {
		switch path {
		case "legal_name":
			m.LegalName = patch.LegalName
		case "trading_name":
			m.TradingName = patch.TradingName
		case "mcc":
			m.MCC = patch.MCC
		case "country":
			m.Country = patch.Country
		case "city":
			m.City = patch.City
		case "schemes":
			m.Schemes = slices.Clone(patch.Schemes)
		case "markup_percent":
			m.MarkupPercent = patch.Clone().MarkupPercent
		case "max_amount":
			m.MaxAmount = patch.MaxAmount
		case "frequency_limits":
			m.Limits = patch.Limits
		case "frequency_limits.purchases_per_terminal_per_minute":
			m.Limits.PurchasesPerTerminalPerMinute = patch.Limits.PurchasesPerTerminalPerMinute
		case "frequency_limits.purchases_per_terminal_per_day":
			m.Limits.PurchasesPerTerminalPerDay = patch.Limits.PurchasesPerTerminalPerDay
		}
	}
}

func (s *merchantService) SuspendMerchant(ctx context.Context, req *adminv1.SuspendMerchantRequest) (*adminv1.Merchant, error) {
	return s.setStatus(ctx, req.GetMerchantId(), req.GetReason(), MerchantSuspended, "merchant.suspend")
}

func (s *merchantService) ActivateMerchant(ctx context.Context, req *adminv1.ActivateMerchantRequest) (*adminv1.Merchant, error) {
	return s.setStatus(ctx, req.GetMerchantId(), req.GetReason(), MerchantActive, "merchant.activate")
}

func (s *merchantService) CloseMerchant(ctx context.Context, req *adminv1.CloseMerchantRequest) (*adminv1.Merchant, error) {
	return s.setStatus(ctx, req.GetMerchantId(), req.GetReason(), MerchantClosed, "merchant.close")
}

// setStatus moves a merchant to status; the store refuses any change of a
// closed merchant (ErrMerchantClosed), closing twice included.
func (s *merchantService) setStatus(ctx context.Context, id, reason string, status MerchantStatus, action string) (*adminv1.Merchant, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	v := &violations{}
	checkMerchantID(v, "merchant_id", id)
	checkText(v, "reason", reason, 0, reasonMax)
	if err := v.err(); err != nil {
		return nil, err
	}
	m, err := s.store.UpdateMerchant(ctx, caller.Acquirer.ID, id, func(m *Merchant) (*AuditEvent, error) {
		if m.Status == status {
			return nil, nil
		}
		change := map[string]any{"status": fieldChange{From: m.Status, To: status}}
		if reason != "" {
			change["reason"] = reason
		}
		m.Status = status
		ev := s.event(ctx, caller, action, merchantObject(m.ID), change)
		return &ev, nil
	})
	if err != nil {
		return nil, s.fail(ctx, err, "merchant "+id)
	}
	return merchantToProto(m), nil
}
