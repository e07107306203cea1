package admin

import (
	"context"
	"strconv"

	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

// acquirerService implements adminv1.AcquirerServiceServer.
type acquirerService struct {
	adminv1.UnimplementedAcquirerServiceServer
	*core
}

func (s *acquirerService) GetAcquirer(ctx context.Context, _ *adminv1.GetAcquirerRequest) (*adminv1.GetAcquirerResponse, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	return &adminv1.GetAcquirerResponse{Acquirer: acquirerToProto(caller.Acquirer), Actor: caller.Actor}, nil
}

func apiKeyObject(id string) string { return "api_keys/" + id }

func (s *acquirerService) CreateApiKey(ctx context.Context, req *adminv1.CreateApiKeyRequest) (*adminv1.CreateApiKeyResponse, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	v := &violations{}
	checkRequestID(v, "request_id", req.GetRequestId())
	checkText(v, "display_name", req.GetDisplayName(), 0, keyNameMax)
	if err := v.err(); err != nil {
		return nil, err
	}
	k, secret := newKey(caller.Acquirer.ID, req.GetDisplayName(), caller.Actor)
	content := map[string]string{"display_name": k.Name}
	r := s.request(ctx, caller, req.GetRequestId(), "api_key.create", apiKeyObject(k.ID), content,
		map[string]string{"id": k.ID, "display_name": k.Name})
	stored, err := s.store.CreateAPIKey(ctx, k, r)
	if err != nil {
		return nil, s.fail(ctx, err, "API key")
	}
	resp := &adminv1.CreateApiKeyResponse{ApiKey: apiKeyToProto(stored)}
	if stored.ID == k.ID { // not a repeat: this call made the key
		resp.Secret = secret
	}
	return resp, nil
}

func (s *acquirerService) ListApiKeys(ctx context.Context, _ *adminv1.ListApiKeysRequest) (*adminv1.ListApiKeysResponse, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := s.store.APIKeys(ctx, caller.Acquirer.ID)
	if err != nil {
		return nil, s.fail(ctx, err, "API keys")
	}
	return &adminv1.ListApiKeysResponse{ApiKeys: convertAll(keys, apiKeyToProto)}, nil
}

func (s *acquirerService) RevokeApiKey(ctx context.Context, req *adminv1.RevokeApiKeyRequest) (*adminv1.ApiKey, error) {
	caller, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	id := req.GetKeyId()
	ev := s.event(ctx, caller, "api_key.revoke", apiKeyObject(id), map[string]any{"revoked": true})
	k, err := s.store.RevokeAPIKey(ctx, caller.Acquirer.ID, id, ev)
	if err != nil {
		return nil, s.fail(ctx, err, "API key "+strconv.Quote(id))
	}
	return apiKeyToProto(k), nil
}
