package admin

import (
	"context"

	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

// storeService implements adminv1.StoreServiceServer.
type storeService struct {
	adminv1.UnimplementedStoreServiceServer
	*core
}

func (s *storeService) CreateStore(ctx context.Context, req *adminv1.CreateStoreRequest) (*adminv1.Store, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	v := &violations{}
	checkRequestID(v, "request_id", req.GetRequestId())
	o := outletFromProto(req.GetStore())
	checkToken(v, "store.id", o.ID, storeIDMax)
	checkMerchantID(v, "store.merchant_id", o.MerchantID)
	checkText(v, "store.name", o.Name, 1, nameMax)
	checkText(v, "store.address", o.Address, 0, addressMax)
	checkText(v, "store.city", o.City, 1, cityMax)
	if err := v.err(); err != nil {
		return nil, err
	}
	object := merchantObject(o.MerchantID) + "/stores/" + o.ID
	view := outletView{ID: o.ID, MerchantID: o.MerchantID, Name: o.Name, Address: o.Address, City: o.City}
	r := s.request(ctx, caller, req.GetRequestId(), "store.create", object, view, view)
	stored, err := s.store.CreateOutlet(ctx, o, r)
	if err != nil {
		return nil, s.fail(ctx, err, "store "+o.ID+" of merchant "+o.MerchantID)
	}
	return outletToProto(stored), nil
}

// outletView is a store as the audit log shows it.
type outletView struct {
	ID         string `json:"id"`
	MerchantID string `json:"merchant_id"`
	Name       string `json:"name"`
	Address    string `json:"address,omitempty"`
	City       string `json:"city"`
}

func (s *storeService) GetStore(ctx context.Context, req *adminv1.GetStoreRequest) (*adminv1.Store, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.store.Outlet(ctx, caller.Acquirer.ID, req.GetMerchantId(), req.GetStoreId())
	if err != nil {
		return nil, s.fail(ctx, err, "store "+req.GetStoreId()+" of merchant "+req.GetMerchantId())
	}
	return outletToProto(o), nil
}

func (s *storeService) ListStores(ctx context.Context, req *adminv1.ListStoresRequest) (*adminv1.ListStoresResponse, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	v := &violations{}
	size := checkPageSize(v, req.GetPageSize())
	filter := fingerprint("ListStores", caller.Acquirer.ID, &adminv1.ListStoresRequest{MerchantId: req.GetMerchantId()})
	token, _ := decodePageToken(v, req.GetPageToken(), filter, 2)
	if err := v.err(); err != nil {
		return nil, err
	}
	q := OutletQuery{AcquirerID: caller.Acquirer.ID, MerchantID: req.GetMerchantId(), Limit: size + 1}
	if token.Keys != nil {
		q.AfterMerchantID, q.AfterID = token.Keys[0], token.Keys[1]
	}
	list, err := s.store.Outlets(ctx, q)
	if err != nil {
		return nil, s.fail(ctx, err, "stores")
	}
	list, more := page(list, size)
	resp := &adminv1.ListStoresResponse{Stores: convertAll(list, outletToProto)}
	if more {
		last := list[len(list)-1]
		resp.NextPageToken = pageToken{Filter: filter, Keys: []string{last.MerchantID, last.ID}}.encode()
	}
	return resp, nil
}
