package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/meridian-gw/meridian/gateway/config"
	"github.com/meridian-gw/meridian/gateway/node"
	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

// TestAcquirerCommandsMakeATenantThatCanUseTheAdminAPI drives the operator
// commands on a gateway's database, then uses the key they issued against
// the gateway's admin API, and revokes it.
func TestAcquirerCommandsMakeATenantThatCanUseTheAdminAPI(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
data_dir: %q
metrics_addr: ""
terminal: {addr: "127.0.0.1:0"}
admin: {addr: "127.0.0.1:0"}
adapters: [{scheme: ALIPAYPLUS, builtin: true, simulator: true}]
merchants: [{id: SHOP0000000001, currency: EUR, schemes: [ALIPAYPLUS], terminals: [TERM0001]}]
`, dir)))
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Shutdown(context.Background()) })

	op := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := acquirers(append(args, "--data-dir", dir), &out, &errOut)
		return out.String(), err
	}
	if _, err := op("create", "ACME", "Acme Acquiring"); err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := op("create", "ACME", "Acme again"); err == nil {
		t.Errorf("creating ACME twice succeeded")
	}
	if _, err := op("assign", "ACME", "SHOP0000000001"); err != nil {
		t.Fatalf("assign: %v", err)
	}
	out, err := op("issue-key", "ACME", "ops")
	key := regexp.MustCompile(`mk_[A-Za-z0-9]+_[A-Za-z0-9]+`).FindString(out)
	if err != nil || key == "" {
		t.Fatalf("issue-key: %q, %v", out, err)
	}

	conn, err := grpc.NewClient(n.AdminAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+key)
	merchants := adminv1.NewMerchantServiceClient(conn)
	list, err := merchants.ListMerchants(ctx, &adminv1.ListMerchantsRequest{})
	if err != nil || len(list.GetMerchants()) != 1 || list.GetMerchants()[0].GetId() != "SHOP0000000001" {
		t.Fatalf("ListMerchants with the issued key = %v, %v; want the assigned merchant", list, err)
	}

	keyID := strings.Split(key, "_")[1]
	if _, err := op("revoke-key", "ACME", keyID); err != nil {
		t.Fatalf("revoke-key: %v", err)
	}
	if _, err := merchants.ListMerchants(ctx, &adminv1.ListMerchantsRequest{}); status.Code(err) != codes.PermissionDenied && status.Code(err) != codes.Unauthenticated {
		t.Errorf("ListMerchants with a revoked key = %v, want refused", err)
	}
	for _, bad := range [][]string{{"launch"}, {"create", "ONLYID"}, {"assign", "ACME"}} {
		if _, err := op(bad...); err == nil {
			t.Errorf("acquirers %v succeeded", bad)
		}
	}
}
