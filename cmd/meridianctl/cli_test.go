package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/internal/testpki"
	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestUsageErrorsExit2AndSendNothing(t *testing.T) {
	// Nothing listens at the server address: had a command sent anything,
	// it would exit 3, not 2.
	a := &adminServer{addr: closedAddr(t), key: "mk_abcdefghijklm_secretsecretsecret"}
	a.secrets = []string{a.key}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "Usage:"},
		{[]string{"widgets", "list"}, `unknown command "widgets"`},
		{[]string{"merchants"}, "meridianctl merchants VERB"},
		{[]string{"merchants", "delete", "M1"}, `unknown command "delete"`},
		{[]string{"merchants", "get"}, "missing MERCHANT_ID"},
		{[]string{"merchants", "get", "M1", "M2"}, `unexpected argument "M2" after MERCHANT_ID`},
		{[]string{"merchants", "list", "M1"}, `unexpected argument "M1"`},
		{[]string{"merchants", "list", "--colour"}, "flag provided but not defined: -colour"},
		{[]string{"--limit", "5", "merchants", "list"}, "unknown flag --limit before the command"},
		{[]string{"--server"}, "flag --server needs a value"},
		{[]string{"merchants", "list", "--output", "yaml"}, `--output "yaml": use table or json`},
		{[]string{"merchants", "list", "--timeout", "0s"}, "--timeout 0s: must be positive"},
		{[]string{"merchants", "list", "--limit", "0"}, "--limit 0: must be at least 1"},
		{[]string{"merchants", "list", "--status", "sleeping"}, `--status "sleeping": use one of active, closed, suspended`},
		{[]string{"merchants", "list", "--server", "localhost"}, `--server "localhost": give host:port`},
		{[]string{"merchants", "list", "--tls-cert", "c.pem"}, "--tls-cert and --tls-key go together"},
		{[]string{"merchants", "list", "--insecure", "--tls-ca", "ca.pem"}, "--insecure means plain text"},
		{[]string{"merchants", "list", "--tls-ca", "/nonexistent/ca.pem"}, "--tls-ca: open /nonexistent/ca.pem"},
		{[]string{"merchants", "create", "M1", "--legal-name", "X"}, "missing --mcc"},
		{[]string{"merchants", "create", "M1", "--legal-name", "X", "--mcc", "5814", "--country", "DE", "--city", "B",
			"--currency", "EURO", "--schemes", "ALIPAYPLUS"}, `--currency "EURO" is not an ISO 4217 currency code`},
		{[]string{"merchants", "create", "M1", "--legal-name", "X", "--mcc", "5814", "--country", "DE", "--city", "B",
			"--currency", "JPY", "--schemes", "ALIPAYPLUS", "--max-amount", "10.5"}, "--max-amount: amount \"10.5\": JPY has no decimal places"},
		{[]string{"merchants", "create", "M1", "--markup", "ALIPAYPLUS"}, `invalid value "ALIPAYPLUS" for flag -markup`},
		{[]string{"merchants", "update", "M1", "--max-per-day", "4294967296"}, "--max-per-minute and --max-per-day: at most 4294967295"},
		{[]string{"merchants", "update", "M1"}, "nothing to change: give at least one of --city"},
		{[]string{"stores", "create", "S1", "--merchant", "M1", "--name", "N"}, "missing --city"},
		{[]string{"stores", "get", "S1"}, "missing --merchant"},
		{[]string{"terminals", "add", "T1"}, "missing --merchant"},
		{[]string{"txns", "list", "--from", "yesterday"}, `--from "yesterday": write an RFC 3339 time`},
		{[]string{"txns", "list", "--from", "1h ago", "--to", "2h ago"}, "is not before --to"},
		{[]string{"txns", "list", "--status", "approved,lost"}, `--status "lost": use one of`},
		{[]string{"txns", "list", "--kind", "chargeback"}, `--kind "chargeback": use one of purchase, refund, reversal`},
		{[]string{"refund", "--rrn", "000000000001", "--amount", "5.00"}, "missing --merchant"},
		{[]string{"refund", "--merchant", "M1", "--amount", "5.00"}, "name the purchase with --rrn or --txn"},
		{[]string{"refund", "--merchant", "M1", "--rrn", "1", "--txn", "2", "--amount", "5.00"}, "name the purchase with --rrn or --txn"},
		{[]string{"refund", "--merchant", "M1", "--rrn", "1", "--amount", "5", "--currency", "XXX"}, `--currency "XXX" is not an ISO 4217`},
		{[]string{"keys", "revoke"}, "missing KEY_ID"},
		{[]string{"merchants", "get", "mk_abcdefghijklm_secretsecretsecret", "M2"}, "unexpected argument"},
		{[]string{"mk_abcdefghijklm_secretsecretsecret"}, `unknown command "mk_abcdefghijklm_[secret removed]"`},
		{[]string{"merchants", "mk_abcdefghijklm_secretsecretsecret"}, `unknown command "mk_abcdefghijklm_[secret removed]"`},
	} {
		t.Setenv(envServer, a.addr)
		t.Setenv(envAPIKey, a.key)
		r := a.run(t, tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("meridianctl %q exited %d with stderr\n%s\nwant exit 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
		if r.stdout != "" {
			t.Errorf("meridianctl %q wrote on stdout after a usage error:\n%s", tc.args, r.stdout)
		}
		if len(tc.args) > 1 && !strings.Contains(r.stderr, "--help") {
			t.Errorf("meridianctl %q did not point to --help:\n%s", tc.args, r.stderr)
		}
	}
}

func TestEveryCommandHasHelpWithExamples(t *testing.T) {
	a := &adminServer{addr: closedAddr(t), key: "mk_abcdefghijklm_secretsecretsecret"}
	a.secrets = []string{a.key}
	t.Setenv(envServer, a.addr)
	t.Setenv(envAPIKey, a.key)
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		r := a.run(t, args...)
		if r.code != exitOK || !strings.Contains(r.stdout, "merchants create|list|get|update|suspend|activate|close") ||
			!strings.Contains(r.stdout, "--api-key key") {
			t.Errorf("meridianctl %q = exit %d\n%s", args, r.code, r.stdout)
		}
	}
	for _, n := range nouns {
		for _, v := range n.verbs {
			words := strings.Fields(n.name + " " + v.name)
			for _, args := range [][]string{append(words, "--help"), append([]string{"help"}, words...), append(words, "-h")} {
				r := a.run(t, args...)
				if r.code != exitOK || !strings.Contains(r.stdout, "Usage:\n  meridianctl "+strings.Join(words, " ")) ||
					!strings.Contains(r.stdout, "Examples:\n  meridianctl "+strings.Join(words, " ")) ||
					!strings.Contains(r.stdout, "Global flags") {
					t.Errorf("meridianctl %q = exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
				}
			}
		}
		if n.verbs[0].name != "" {
			r := a.run(t, n.name, "--help")
			for _, v := range n.verbs {
				if r.code != exitOK || !strings.Contains(r.stdout, "  "+v.name) {
					t.Errorf("meridianctl %s --help does not list %s:\n%s", n.name, v.name, r.stdout)
				}
			}
		}
	}
	r := a.run(t, "merchants", "create", "--help")
	for _, flag := range []string{"--legal-name name", "--max-amount amount", "--request-id key", "--tls-ca file"} {
		if !strings.Contains(r.stdout, flag) {
			t.Errorf("merchants create --help does not document %s:\n%s", flag, r.stdout)
		}
	}
}

func TestCredentials(t *testing.T) {
	a := startAdmin(t, adminOptions{})
	t.Setenv(envServer, a.addr)

	t.Run("Without a key the CLI says where to set one", func(t *testing.T) {
		t.Setenv(envAPIKey, "")
		r := a.run(t, "merchants", "list")
		assertFailure(t, nil, r, exitRefused, "no credentials: set MERIDIAN_API_KEY or --api-key (meridiand prints a demo key at start)")
	})

	t.Run("A wrong key is refused without being repeated", func(t *testing.T) {
		wrong := "mk_aaaaaaaaaaaaa_wrongwrongwrongwrongwrongwrongwrongwrongwrongwro"
		a.secrets = append(a.secrets, wrong)
		t.Setenv(envAPIKey, wrong)
		assertFailure(t, nil, a.run(t, "merchants", "list"), exitRefused, "not authenticated (invalid API key): check the key in MERIDIAN_API_KEY")
		t.Setenv(envAPIKey, "")
		assertFailure(t, nil, a.run(t, "merchants", "list", "--api-key", "not-a-key"), exitRefused, "not authenticated (invalid API key)")
	})

	t.Run("A key given with --api-key works as one from the environment", func(t *testing.T) {
		t.Setenv(envAPIKey, "")
		r := a.run(t, "--api-key", a.key, "whoami")
		if r.code != exitOK || fields(r.stdout)["Acquirer"] != "ACQ1" {
			t.Errorf("whoami with --api-key = exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("A new key is shown once, then only its id, and a revoked key is refused", func(t *testing.T) {
		r := a.ok(t, "keys", "create", "--name", "ci pipeline", "--request-id", "key-1")
		created := fields(r.stdout)["Key"]
		if !strings.HasPrefix(created, "mk_"+fields(r.stdout)["ID"]+"_") {
			t.Fatalf("keys create printed:\n%s", r.stdout)
		}
		a.secrets = append(a.secrets, created)
		r = a.ok(t, "keys", "create", "--name", "ci pipeline", "--request-id", "key-1")
		if _, shown := fields(r.stdout)["Key"]; shown || !strings.Contains(r.stderr, "cannot be shown again") {
			t.Errorf("a repeated keys create printed:\n%s%s", r.stdout, r.stderr)
		}
		list := a.ok(t, "keys", "list")
		if got := rows(list.stdout); len(got) != 3 {
			t.Errorf("keys list printed:\n%s", list.stdout)
		}
		id := strings.Split(created, "_")[1]
		a.ok(t, "keys", "revoke", id)
		t.Setenv(envAPIKey, created)
		assertFailure(t, nil, a.run(t, "merchants", "list"), exitRefused, "permission denied: the API key is revoked")
	})

	t.Run("Help and errors never show the key", func(t *testing.T) {
		t.Setenv(envAPIKey, a.key)
		for _, args := range [][]string{
			{"--help"}, {"merchants", "list", "--help"}, {"--api-key", a.key, "merchants", "list", "--help"},
			{"--api-key", a.key, "merchants", "list", "--output", "xml"}, {"merchants", "get", a.key},
			{"--api-key", a.key, "merchants", "get", "NOSUCH"}, {"merchants", "list", "--api-key", a.key, "--server", closedAddr(t)},
		} {
			a.run(t, args...) // run fails the test if any output holds the key
		}
	})
}

func TestConnectionErrorsExit3WithAHint(t *testing.T) {
	a := &adminServer{addr: closedAddr(t), key: "mk_abcdefghijklm_secretsecretsecret"}
	a.secrets = []string{a.key}
	t.Setenv(envAPIKey, a.key)
	t.Setenv(envServer, "")

	r := a.run(t, "--server", a.addr, "merchants", "list")
	assertFailure(t, nil, r, exitConnection, fmt.Sprintf("cannot reach the admin API at %s over plain text (connection refused): is meridiand running with the admin API on %s?", a.addr, a.addr))

	// A server that accepts connections and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	r = a.run(t, "--server", ln.Addr().String(), "--timeout", "200ms", "merchants", "list")
	assertFailure(t, nil, r, exitConnection, "is meridiand running with the admin API on "+ln.Addr().String()+"?")
}

func TestTLSAndClientCertificates(t *testing.T) {
	pki := testpki.New(t)
	cert, err := tls.LoadX509KeyPair(pki.ServerCert, pki.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(pki.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	clientCAs := x509.NewCertPool()
	clientCAs.AppendCertsFromPEM(caPEM)
	a := startAdmin(t, adminOptions{tls: &tls.Config{
		Certificates: []tls.Certificate{cert}, ClientCAs: clientCAs,
		ClientAuth: tls.VerifyClientCertIfGiven, MinVersion: tls.VersionTLS12,
	}})
	if err := (admin.Operator{Store: a.db.Admin()}).MapCertificate(context.Background(), "CN=meridian-gateway", "ACQ1"); err != nil {
		t.Fatal(err)
	}

	t.Run("An API key over TLS with the server's CA works", func(t *testing.T) {
		r := a.ok(t, "whoami", "--tls-ca", pki.CAFile, "-o", "json")
		var me adminv1.GetAcquirerResponse
		if err := protojson.Unmarshal([]byte(r.stdout), &me); err != nil || !strings.HasPrefix(me.GetActor(), "key:") {
			t.Errorf("whoami over TLS = %v, %v", &me, err)
		}
	})

	t.Run("A client certificate mapped to the acquirer works without a key", func(t *testing.T) {
		t.Setenv(envAPIKey, "")
		t.Setenv(envServer, a.addr)
		r := a.run(t, "whoami", "--tls-ca", pki.CAFile, "--tls-cert", pki.ClientCert, "--tls-key", pki.ClientKey)
		if r.code != exitOK || fields(r.stdout)["You are"] != "cert:CN=meridian-gateway" {
			t.Errorf("whoami with a client certificate = exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("Plain text to a TLS server, or an unknown CA, is a connection error", func(t *testing.T) {
		a.fails(t, exitConnection, "over plain text", "whoami")
		a.fails(t, exitConnection, "over TLS", "whoami", "--tls-ca", writeOtherCA(t))
	})
}

// writeOtherCA writes a CA that did not sign the server's certificate.
func writeOtherCA(t *testing.T) string {
	t.Helper()
	other := testpki.New(t)
	path := filepath.Join(t.TempDir(), "other-ca.pem")
	pem, err := os.ReadFile(other.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestListsFollowCursors(t *testing.T) {
	a := startAdmin(t, adminOptions{})
	for i := range 7 {
		createMerchant(t, a, fmt.Sprintf("PAGED%04d", i))
	}
	// Two per page, so that every list spans several.
	pageSizeMax = 2
	t.Cleanup(func() { pageSizeMax = 500 })

	t.Run("A list stops at --limit and says how to go on", func(t *testing.T) {
		r := a.ok(t, "merchants", "list", "--limit", "3")
		if got := rows(r.stdout); len(got) != 4 || got[3][0] != "PAGED0002" {
			t.Fatalf("merchants list --limit 3 printed:\n%s", r.stdout)
		}
		_, token, ok := strings.Cut(r.stderr, "--page-token ")
		token, _, _ = strings.Cut(token, ",")
		if !ok || !strings.Contains(r.stderr, "or with --all for every one") {
			t.Fatalf("merchants list --limit 3 gave no hint:\n%s", r.stderr)
		}
		r = a.ok(t, "merchants", "list", "--limit", "3", "--page-token", token)
		if got := rows(r.stdout); len(got) != 4 || got[1][0] != "PAGED0003" || got[3][0] != "PAGED0005" {
			t.Errorf("the next page printed:\n%s", r.stdout)
		}
	})

	t.Run("--all follows every cursor to the end and prints no hint", func(t *testing.T) {
		r := a.ok(t, "merchants", "list", "--all")
		if got := rows(r.stdout); len(got) != 8 || got[7][0] != "PAGED0006" || r.stderr != "" {
			t.Errorf("merchants list --all printed:\n%s%s", r.stdout, r.stderr)
		}
		var list adminv1.ListMerchantsResponse
		if err := protojson.Unmarshal([]byte(a.ok(t, "merchants", "list", "--all", "-o", "json").stdout), &list); err != nil {
			t.Fatal(err)
		}
		if len(list.GetMerchants()) != 7 || list.GetNextPageToken() != "" {
			t.Errorf("merchants list --all -o json = %d merchants, next %q", len(list.GetMerchants()), list.GetNextPageToken())
		}
	})

	t.Run("JSON carries the next page's token instead of a hint", func(t *testing.T) {
		r := a.ok(t, "merchants", "list", "--limit", "5", "-o", "json")
		var list adminv1.ListMerchantsResponse
		if err := protojson.Unmarshal([]byte(r.stdout), &list); err != nil {
			t.Fatal(err)
		}
		if len(list.GetMerchants()) != 5 || list.GetNextPageToken() == "" || r.stderr != "" {
			t.Errorf("merchants list --limit 5 -o json = %d merchants, next %q, stderr %q", len(list.GetMerchants()), list.GetNextPageToken(), r.stderr)
		}
	})
}
