package admin_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/internal/testpki"
	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

func TestEveryCallIsAuthenticated(t *testing.T) {
	w := newWorld(t, worldOptions{})
	c := w.clients()
	op := admin.Operator{Store: w.DB.Admin()}
	whoami := func(ctx context.Context) error {
		_, err := c.Acquirers.GetAcquirer(ctx, &adminv1.GetAcquirerRequest{})
		return err
	}
	id, secret := splitKey(t, w.KeyA)
	withHeader := func(k, v string) context.Context { return metadata.AppendToOutgoingContext(t.Context(), k, v) }

	refused := []struct {
		name string
		ctx  context.Context
		want codes.Code
	}{
		{"no credentials", t.Context(), codes.Unauthenticated},
		{"a key that is not shaped like one", as(t, "hunter2"), codes.Unauthenticated},
		{"a key of an ID never issued", as(t, "mk_aaaaaaaaaaaaa_"+secret), codes.Unauthenticated},
		{"a key with another's secret", as(t, "mk_"+id+"_"+strings.Repeat("a", len(secret))), codes.Unauthenticated},
		{"a key under another authorization scheme", withHeader("authorization", "Basic "+w.KeyA), codes.Unauthenticated},
	}
	for _, tt := range refused {
		t.Run("A call with "+tt.name+" is "+tt.want.String(), func(t *testing.T) {
			wantCode(t, tt.name, whoami(tt.ctx), tt.want)
			// Every method refuses, not only GetAcquirer.
			_, err := c.Merchants.ListMerchants(tt.ctx, &adminv1.ListMerchantsRequest{})
			wantCode(t, tt.name+" (ListMerchants)", err, tt.want)
		})
	}
	t.Run("A key works as a bearer token and as x-api-key", func(t *testing.T) {
		for _, ctx := range []context.Context{as(t, w.KeyA), withHeader("x-api-key", w.KeyA), withHeader("authorization", "bearer "+w.KeyA)} {
			resp, err := c.Acquirers.GetAcquirer(ctx, &adminv1.GetAcquirerRequest{})
			if err != nil || resp.GetAcquirer().GetId() != acquirerA || resp.GetActor() != "key:"+id {
				t.Errorf("GetAcquirer = %v, %v; want %s as key:%s", resp, err, acquirerA, id)
			}
		}
	})
	t.Run("A revoked key is PermissionDenied at once, and with a wrong secret still Unauthenticated", func(t *testing.T) {
		issued, err := c.Acquirers.CreateApiKey(as(t, w.KeyA), &adminv1.CreateApiKeyRequest{RequestId: requestID(), DisplayName: "to revoke"})
		if err != nil {
			t.Fatalf("CreateApiKey: %v", err)
		}
		if err := whoami(as(t, issued.GetSecret())); err != nil {
			t.Fatalf("the new key: %v", err)
		}
		if _, err := c.Acquirers.RevokeApiKey(as(t, w.KeyA), &adminv1.RevokeApiKeyRequest{KeyId: issued.GetApiKey().GetId()}); err != nil {
			t.Fatalf("RevokeApiKey: %v", err)
		}
		wantCode(t, "the revoked key", whoami(as(t, issued.GetSecret())), codes.PermissionDenied)
		revokedID, _ := splitKey(t, issued.GetSecret())
		wantCode(t, "the revoked key's ID with a wrong secret", whoami(as(t, "mk_"+revokedID+"_"+strings.Repeat("b", len(secret)))), codes.Unauthenticated)
		if err := whoami(as(t, w.KeyA)); err != nil {
			t.Errorf("the acquirer's other key: %v", err)
		}
	})
	t.Run("An operator's revocation takes effect at once", func(t *testing.T) {
		k, text, err := op.IssueKey(t.Context(), acquirerB, "ops")
		if err != nil {
			t.Fatalf("IssueKey: %v", err)
		}
		if err := whoami(as(t, text)); err != nil {
			t.Fatalf("the issued key: %v", err)
		}
		if _, err := op.RevokeKey(t.Context(), acquirerB, k.ID); err != nil {
			t.Fatalf("RevokeKey: %v", err)
		}
		wantCode(t, "the key revoked by the operator", whoami(as(t, text)), codes.PermissionDenied)
	})
	t.Run("A suspended acquirer is PermissionDenied until reactivated", func(t *testing.T) {
		if _, err := op.SetAcquirerStatus(t.Context(), acquirerB, admin.AcquirerSuspended); err != nil {
			t.Fatalf("suspend: %v", err)
		}
		wantCode(t, "a suspended acquirer's key", whoami(as(t, w.KeyB)), codes.PermissionDenied)
		_, err := c.Merchants.CreateMerchant(as(t, w.KeyB), &adminv1.CreateMerchantRequest{RequestId: requestID(), Merchant: newMerchant("M-SUSP")})
		wantCode(t, "a suspended acquirer's create", err, codes.PermissionDenied)
		if err := whoami(as(t, w.KeyA)); err != nil {
			t.Errorf("another acquirer: %v", err)
		}
		if _, err := op.SetAcquirerStatus(t.Context(), acquirerB, admin.AcquirerActive); err != nil {
			t.Fatalf("reactivate: %v", err)
		}
		if err := whoami(as(t, w.KeyB)); err != nil {
			t.Errorf("the reactivated acquirer: %v", err)
		}
	})
	t.Run("No key is ever logged", func(t *testing.T) {
		logs := w.Logs.String()
		if !strings.Contains(logs, `"msg":"admin call"`) {
			t.Fatalf("no call was logged: %s", logs)
		}
		for _, s := range []string{secret, w.KeyA, w.KeyB} {
			if strings.Contains(logs, s) {
				t.Errorf("the logs hold a key secret")
			}
		}
	})
}

// splitKey returns a key's ID and secret.
func splitKey(t *testing.T, key string) (id, secret string) {
	t.Helper()
	parts := strings.SplitN(key, "_", 3)
	if len(parts) != 3 || parts[0] != "mk" || len(parts[2]) < 43 {
		t.Fatalf("key %q... is not mk_<id>_<secret> with a secret of 256 bits", key[:min(len(key), 6)])
	}
	return parts[1], parts[2]
}

func TestAVerifiedClientCertificateMappedToAnAcquirerAuthenticates(t *testing.T) {
	pki := testpki.New(t)
	serverCert, err := tls.LoadX509KeyPair(pki.ServerCert, pki.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, worldOptions{TLS: &tls.Config{
		Certificates: []tls.Certificate{serverCert},
		ClientCAs:    certPool(t, pki.CAFile),
		ClientAuth:   tls.VerifyClientCertIfGiven,
		MinVersion:   tls.VersionTLS12,
	}})
	connect := func(certFile, keyFile string) clients {
		cfg := &tls.Config{RootCAs: certPool(t, pki.CAFile), ServerName: testpki.ServerName, MinVersion: tls.VersionTLS12}
		if certFile != "" {
			cert, err := tls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Certificates = []tls.Certificate{cert}
		}
		return clientsOf(dial(t, w.Addr, grpc.WithTransportCredentials(credentials.NewTLS(cfg))))
	}
	withCert := connect(pki.ClientCert, pki.ClientKey)
	whoami := func(c clients, ctx context.Context) (*adminv1.GetAcquirerResponse, error) {
		return c.Acquirers.GetAcquirer(ctx, &adminv1.GetAcquirerRequest{})
	}

	t.Run("A verified certificate not mapped is Unauthenticated", func(t *testing.T) {
		_, err := whoami(withCert, t.Context())
		wantCode(t, "an unmapped certificate", err, codes.Unauthenticated)
	})
	const subject = "CN=meridian-gateway" // testpki's client certificate
	if err := (admin.Operator{Store: w.DB.Admin()}).MapCertificate(t.Context(), subject, acquirerA); err != nil {
		t.Fatalf("MapCertificate: %v", err)
	}
	t.Run("A mapped certificate authenticates as its acquirer", func(t *testing.T) {
		resp, err := whoami(withCert, t.Context())
		if err != nil || resp.GetAcquirer().GetId() != acquirerA || resp.GetActor() != "cert:"+subject {
			t.Fatalf("GetAcquirer = %v, %v; want %s as cert:%s", resp, err, acquirerA, subject)
		}
		m, err := withCert.Merchants.CreateMerchant(t.Context(), &adminv1.CreateMerchantRequest{RequestId: requestID(), Merchant: newMerchant("M-CERT")})
		if err != nil || m.GetAcquirerId() != acquirerA {
			t.Fatalf("CreateMerchant by certificate = %v, %v", m, err)
		}
		audit, _ := withCert.Audit.ListAuditEvents(t.Context(), &adminv1.ListAuditEventsRequest{Object: "merchants/M-CERT"})
		if len(audit.GetEvents()) != 1 || audit.GetEvents()[0].GetActor() != "cert:"+subject {
			t.Errorf("audit of the create = %v, want its actor cert:%s", audit.GetEvents(), subject)
		}
	})
	t.Run("An API key sent with a certificate is the credential", func(t *testing.T) {
		resp, err := whoami(withCert, as(t, w.KeyB))
		if err != nil || resp.GetAcquirer().GetId() != acquirerB {
			t.Errorf("GetAcquirer with B's key over A's certificate = %v, %v; want B", resp, err)
		}
		_, err = whoami(withCert, as(t, "mk_wrong"))
		wantCode(t, "a bad key over a good certificate", err, codes.Unauthenticated)
	})
	t.Run("A client without a certificate authenticates with a key over TLS", func(t *testing.T) {
		noCert := connect("", "")
		_, err := whoami(noCert, t.Context())
		wantCode(t, "no key, no certificate", err, codes.Unauthenticated)
		if resp, err := whoami(noCert, as(t, w.KeyB)); err != nil || resp.GetAcquirer().GetId() != acquirerB {
			t.Errorf("GetAcquirer with a key = %v, %v", resp, err)
		}
	})
	t.Run("A certificate of another CA never authenticates", func(t *testing.T) {
		// Offered the server's CAs, the client holds no certificate of
		// theirs and sends none: only a key can authenticate it.
		rogue := connect(pki.RogueClientCert, pki.RogueClientKey)
		_, err := whoami(rogue, t.Context())
		wantCode(t, "a rogue certificate without a key", err, codes.Unauthenticated)
		// Sent anyway, it fails the handshake.
		cert, err := tls.LoadX509KeyPair(pki.RogueClientCert, pki.RogueClientKey)
		if err != nil {
			t.Fatal(err)
		}
		forced := clientsOf(dial(t, w.Addr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{
			RootCAs: certPool(t, pki.CAFile), ServerName: testpki.ServerName, MinVersion: tls.VersionTLS12,
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil },
		}))))
		_, err = whoami(forced, as(t, w.KeyA))
		wantCode(t, "a rogue certificate sent", err, codes.Unavailable)
	})
	t.Run("An unmapped certificate no longer authenticates", func(t *testing.T) {
		if err := (admin.Operator{Store: w.DB.Admin()}).UnmapCertificate(t.Context(), subject); err != nil {
			t.Fatalf("UnmapCertificate: %v", err)
		}
		_, err := whoami(withCert, t.Context())
		wantCode(t, "the unmapped certificate", err, codes.Unauthenticated)
	})
}

func certPool(t *testing.T, file string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", file)
	}
	return pool
}
