package storetest

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/meridian-gw/meridian/gateway/admin"
)

func testAcquirers(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	a, err := f.Admin.Acquirer(ctx, f.A)
	if err != nil {
		t.Fatalf("Acquirer: %v", err)
	}
	if a.ID != f.A || a.Name != "Acquirer "+f.A || a.Status != admin.AcquirerActive || a.CreatedAt.IsZero() {
		t.Errorf("Acquirer = %+v", a)
	}
	again := &admin.Acquirer{ID: f.A, Name: "other", Status: admin.AcquirerActive}
	wantErr(t, "CreateAcquirer with a taken ID", f.Admin.CreateAcquirer(ctx, again, event(f.A, "acquirer.create", "x")), admin.ErrAlreadyExists)
	_, err = f.Admin.Acquirer(ctx, "nope")
	wantErr(t, "Acquirer not stored", err, admin.ErrNotFound)

	list, err := f.Admin.Acquirers(ctx)
	if err != nil || len(list) != 2 || list[0].ID != f.A || list[1].ID != f.B {
		t.Errorf("Acquirers = %v, %v; want %s then %s", list, err, f.A, f.B)
	}
	for range 2 {
		a, err = f.Admin.SetAcquirerStatus(ctx, f.A, admin.AcquirerSuspended, event(f.A, "acquirer.suspend", "acquirers/"+f.A))
		if err != nil || a.Status != admin.AcquirerSuspended {
			t.Fatalf("SetAcquirerStatus = %+v, %v", a, err)
		}
	}
	if a, _ = f.Admin.Acquirer(ctx, f.A); a.Status != admin.AcquirerSuspended {
		t.Errorf("after suspension Acquirer status = %s", a.Status)
	}
	got := actions(f.audits(t, f.A))
	if !sameStrings(got, []string{"acquirer.suspend", "acquirer.create"}) {
		t.Errorf("audit = %v, want one suspension then the creation", got)
	}
	_, err = f.Admin.SetAcquirerStatus(ctx, "nope", admin.AcquirerSuspended, event("nope", "acquirer.suspend", "x"))
	wantErr(t, "SetAcquirerStatus of an acquirer not stored", err, admin.ErrNotFound)
}

func newAPIKey(acquirerID string) *admin.APIKey {
	h := sha256.Sum256([]byte(fmt.Sprint("secret", next())))
	return &admin.APIKey{ID: fmt.Sprintf("key%d", next()), AcquirerID: acquirerID, Name: "ci", SecretHash: h[:], CreatedBy: "operator"}
}

func testAPIKeys(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	first, second, other := newAPIKey(f.A), newAPIKey(f.A), newAPIKey(f.B)
	for _, k := range []*admin.APIKey{first, second, other} {
		if _, err := f.Admin.CreateAPIKey(ctx, k, request(k.AcquirerID, "api_key.create", "api_keys/"+k.ID, k.ID)); err != nil {
			t.Fatalf("CreateAPIKey: %v", err)
		}
	}
	got, err := f.Admin.APIKey(ctx, first.ID)
	if err != nil {
		t.Fatalf("APIKey: %v", err)
	}
	if got.AcquirerID != f.A || !bytes.Equal(got.SecretHash, first.SecretHash) || got.Name != "ci" ||
		got.CreatedBy != "operator" || got.CreatedAt.IsZero() || !got.RevokedAt.IsZero() {
		t.Errorf("APIKey = %+v", got)
	}
	_, err = f.Admin.APIKey(ctx, "nope")
	wantErr(t, "APIKey not stored", err, admin.ErrNotFound)

	list, err := f.Admin.APIKeys(ctx, f.A)
	if err != nil || len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
		t.Errorf("APIKeys of A = %v, %v; want %s then %s", list, err, second.ID, first.ID)
	}

	_, err = f.Admin.RevokeAPIKey(ctx, f.B, first.ID, event(f.B, "api_key.revoke", "x"))
	wantErr(t, "RevokeAPIKey of another acquirer's key", err, admin.ErrNotFound)
	revoked, err := f.Admin.RevokeAPIKey(ctx, f.A, first.ID, event(f.A, "api_key.revoke", "api_keys/"+first.ID))
	if err != nil || revoked.RevokedAt.IsZero() {
		t.Fatalf("RevokeAPIKey = %+v, %v", revoked, err)
	}
	again, err := f.Admin.RevokeAPIKey(ctx, f.A, first.ID, event(f.A, "api_key.revoke", "api_keys/"+first.ID))
	if err != nil || !again.RevokedAt.Equal(revoked.RevokedAt) {
		t.Errorf("second RevokeAPIKey = %+v, %v; want the first revocation time %v", again, err, revoked.RevokedAt)
	}
	if got, _ := f.Admin.APIKey(ctx, first.ID); got.RevokedAt.IsZero() {
		t.Error("the revoked key reads back unrevoked")
	}
	if got := actions(f.audits(t, f.A)); !sameStrings(got, []string{"api_key.revoke", "api_key.create", "api_key.create", "acquirer.create"}) {
		t.Errorf("audit of A = %v", got)
	}
	if got := actions(f.audits(t, f.B)); !sameStrings(got, []string{"api_key.create", "acquirer.create"}) {
		t.Errorf("audit of B = %v", got)
	}
}

func testAPIKeyRepeat(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	k := newAPIKey(f.A)
	req := request(f.A, "api_key.create", "api_keys/"+k.ID, "ci")
	first, err := f.Admin.CreateAPIKey(ctx, k, req)
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	retry := newAPIKey(f.A) // a retry makes a new key, but the request is the same
	got, err := f.Admin.CreateAPIKey(ctx, retry, req)
	if err != nil || got.ID != first.ID {
		t.Fatalf("repeated CreateAPIKey = %+v, %v; want key %s", got, err, first.ID)
	}
	if _, err := f.Admin.APIKey(ctx, retry.ID); err == nil {
		t.Error("the repeat stored a second key")
	}
	other := req
	other.Hash = "different"
	_, err = f.Admin.CreateAPIKey(ctx, newAPIKey(f.A), other)
	wantErr(t, "CreateAPIKey reusing a request ID", err, admin.ErrRequestMismatch)
	if list, _ := f.Admin.APIKeys(ctx, f.A); len(list) != 1 {
		t.Errorf("APIKeys = %d keys, want 1", len(list))
	}
}

func testCertificates(t *testing.T, f *adminFixture) {
	ctx := t.Context()
	const subject = "CN=ops.acquirer-a.example"
	_, err := f.Admin.CertificateAcquirer(ctx, subject)
	wantErr(t, "CertificateAcquirer not mapped", err, admin.ErrNotFound)
	if err := f.Admin.MapCertificate(ctx, subject, f.A, event(f.A, "certificate.map", "c")); err != nil {
		t.Fatalf("MapCertificate: %v", err)
	}
	if got, err := f.Admin.CertificateAcquirer(ctx, subject); err != nil || got != f.A {
		t.Errorf("CertificateAcquirer = %q, %v; want %s", got, err, f.A)
	}
	if err := f.Admin.MapCertificate(ctx, subject, f.B, event(f.B, "certificate.map", "c")); err != nil {
		t.Fatalf("MapCertificate to B: %v", err)
	}
	if got, _ := f.Admin.CertificateAcquirer(ctx, subject); got != f.B {
		t.Errorf("after moving, CertificateAcquirer = %q, want %s", got, f.B)
	}
	wantErr(t, "MapCertificate to an unknown acquirer",
		f.Admin.MapCertificate(ctx, "CN=x", "nope", event("nope", "certificate.map", "c")), admin.ErrNotFound)
	if err := f.Admin.UnmapCertificate(ctx, subject, event("", "certificate.unmap", "c")); err != nil {
		t.Fatalf("UnmapCertificate: %v", err)
	}
	_, err = f.Admin.CertificateAcquirer(ctx, subject)
	wantErr(t, "CertificateAcquirer after unmapping", err, admin.ErrNotFound)
	wantErr(t, "UnmapCertificate again", f.Admin.UnmapCertificate(ctx, subject, event("", "certificate.unmap", "c")), admin.ErrNotFound)
	if got := actions(f.audits(t, f.B)); !sameStrings(got, []string{"certificate.unmap", "certificate.map", "acquirer.create"}) {
		t.Errorf("audit of B = %v (the unmapping goes to the acquirer the subject mapped to)", got)
	}
}
