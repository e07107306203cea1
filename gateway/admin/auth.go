package admin

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// Caller is who makes a call: an acquirer, through one credential.
type Caller struct {
	Acquirer *Acquirer
	// Actor names the credential in the audit log and the logs:
	// "key:<key ID>" or "cert:<subject>". Never a secret.
	Actor string
}

// Actor of changes made outside the API (Operator).
const operatorActor = "operator"

// Metadata keys a call's credentials and request ID come in.
const (
	authorizationHeader = "authorization"
	apiKeyHeader        = "x-api-key"
	requestIDHeader     = "x-request-id"
)

// Errors of authentication. Their text is all the caller learns: not
// whether a key ID exists, nor why a key failed beyond what it may know.
var (
	errNoCredentials = status.Error(codes.Unauthenticated,
		"credentials required: an API key in 'authorization: Bearer mk_...' or 'x-api-key' metadata, or a client certificate")
	errBadKey      = status.Error(codes.Unauthenticated, "invalid API key")
	errUnknownCert = status.Error(codes.Unauthenticated, "the client certificate is not mapped to an acquirer")
	errRevokedKey  = status.Error(codes.PermissionDenied, "the API key is revoked")
	errSuspended   = status.Error(codes.PermissionDenied, "the acquirer is suspended")
)

// authenticator finds the caller of a call from its credentials.
type authenticator struct {
	store Store
	log   *slog.Logger
}

// authenticate returns the caller, or a status error: Unauthenticated
// without valid credentials, PermissionDenied for a revoked key or a
// suspended acquirer. An API key, when one is sent, is the credential
// (a wrong key fails even with a good certificate); else a verified
// client certificate.
func (a *authenticator) authenticate(ctx context.Context) (*Caller, error) {
	key, sent := apiKeyOf(ctx)
	var acquirerID, actor string
	var err error
	switch {
	case sent:
		acquirerID, actor, err = a.byKey(ctx, key)
	default:
		acquirerID, actor, err = a.byCertificate(ctx)
	}
	if err != nil {
		return nil, err
	}
	acq, err := a.store.Acquirer(ctx, acquirerID)
	if err != nil {
		return nil, a.storeFailed(ctx, err, errBadKey)
	}
	if acq.Status != AcquirerActive {
		return nil, errSuspended
	}
	return &Caller{Acquirer: acq, Actor: actor}, nil
}

// apiKeyOf returns the key sent in the metadata, if any.
func apiKeyOf(ctx context.Context) (string, bool) {
	md, _ := metadata.FromIncomingContext(ctx)
	for _, v := range md.Get(authorizationHeader) {
		scheme, token, found := strings.Cut(strings.TrimSpace(v), " ")
		if found && strings.EqualFold(scheme, "bearer") {
			return strings.TrimSpace(token), true
		}
		return "", true // some other scheme: a credential, and not one we take
	}
	if v := md.Get(apiKeyHeader); len(v) > 0 {
		return strings.TrimSpace(v[0]), true
	}
	return "", false
}

func (a *authenticator) byKey(ctx context.Context, text string) (acquirerID, actor string, err error) {
	id, secret, ok := parseKey(text)
	if !ok {
		return "", "", errBadKey
	}
	k, err := a.store.APIKey(ctx, id)
	if err != nil {
		return "", "", a.storeFailed(ctx, err, errBadKey)
	}
	// The secret is checked before the revocation, so that only the key's
	// holder learns that it was revoked.
	if !k.matches(secret) {
		return "", "", errBadKey
	}
	if !k.RevokedAt.IsZero() {
		return "", "", errRevokedKey
	}
	return k.AcquirerID, "key:" + k.ID, nil
}

// byCertificate maps the verified client certificate's subjects (URI SANs
// first, then "CN=<common name>") to an acquirer: the first mapped wins.
func (a *authenticator) byCertificate(ctx context.Context) (acquirerID, actor string, err error) {
	cert := verifiedClientCertificate(ctx)
	if cert == nil {
		return "", "", errNoCredentials
	}
	for _, subject := range certificateSubjects(cert) {
		acquirerID, err := a.store.CertificateAcquirer(ctx, subject)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return "", "", a.storeFailed(ctx, err, errUnknownCert)
		}
		return acquirerID, "cert:" + subject, nil
	}
	return "", "", errUnknownCert
}

// verifiedClientCertificate returns the client's leaf certificate if the
// TLS handshake verified it against the server's client CAs; nil otherwise
// (no TLS, no certificate, or one the server's tls.Config did not verify).
func verifiedClientCertificate(ctx context.Context) *x509.Certificate {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return nil
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 || len(info.State.PeerCertificates) == 0 {
		return nil
	}
	return info.State.PeerCertificates[0]
}

// certificateSubjects lists the names a certificate can be mapped by.
func certificateSubjects(cert *x509.Certificate) []string {
	var subjects []string
	for _, u := range cert.URIs {
		subjects = append(subjects, u.String())
	}
	if cert.Subject.CommonName != "" {
		subjects = append(subjects, "CN="+cert.Subject.CommonName)
	}
	return subjects
}

// storeFailed maps a store error met while authenticating: not found is
// the credential's failure (notFound); anything else is the gateway's,
// logged and answered Unavailable so that the client retries.
func (a *authenticator) storeFailed(ctx context.Context, err, notFound error) error {
	if errors.Is(err, ErrNotFound) {
		return notFound
	}
	a.log.ErrorContext(ctx, "admin authentication: store failed", "err", err)
	return status.Error(codes.Unavailable, "authentication is unavailable; try again")
}
