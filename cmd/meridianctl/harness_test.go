package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/store"
)

// adminServer is a real admin API on 127.0.0.1 over a real SQLite
// database, with one acquirer and its API key.
type adminServer struct {
	addr string
	db   *store.SQLite
	// key is the acquirer's API key; no output of meridianctl may hold it.
	key string
	// secrets are every key issued during the test, for the same check.
	secrets []string
}

// adminOptions shape startAdmin's server.
type adminOptions struct {
	tls      *tls.Config
	refunder func(db *store.SQLite) admin.Refunder
}

// startAdmin starts an admin server for the test and bootstraps acquirer
// ACQ1 with a key.
func startAdmin(t *testing.T, opts adminOptions) *adminServer {
	t.Helper()
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "meridian.db"), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg := admin.Config{
		Store: db.Admin(), Payments: db, Schemes: []string{"ALIPAYPLUS", "KAKAOPAY"},
		TLS: opts.tls, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if opts.refunder != nil {
		cfg.Refunder = opts.refunder(db)
	}
	srv, err := admin.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.GracefulStop(stopCtx)
	})
	_, key, err := admin.Bootstrap(ctx, db.Admin(), "ACQ1", "Acquirer One")
	if err != nil {
		t.Fatal(err)
	}
	return &adminServer{addr: ln.Addr().String(), db: db, key: key, secrets: []string{key}}
}

// otherAcquirerKey bootstraps a second acquirer and returns its key.
func (a *adminServer) otherAcquirerKey(t *testing.T) string {
	t.Helper()
	_, key, err := admin.Bootstrap(context.Background(), a.db.Admin(), "ACQ2", "Acquirer Two")
	if err != nil {
		t.Fatal(err)
	}
	a.secrets = append(a.secrets, key)
	return key
}

// result is one run of meridianctl.
type result struct {
	stdout, stderr string
	code           int
}

// ctl runs meridianctl against the server with the acquirer's key in
// MERIDIAN_API_KEY, and fails the test if any output holds a key.
func (a *adminServer) ctl(t *testing.T, args ...string) result {
	t.Helper()
	t.Setenv(envServer, a.addr)
	t.Setenv(envAPIKey, a.key)
	return a.run(t, args...)
}

// run runs meridianctl with the environment as the test set it.
func (a *adminServer) run(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	r := result{stdout: stdout.String(), stderr: stderr.String(), code: code}
	a.assertNoSecret(t, args, r)
	return r
}

// assertNoSecret fails if a key, or its secret part, shows in r.
func (a *adminServer) assertNoSecret(t *testing.T, args []string, r result) {
	t.Helper()
	for _, key := range a.secrets {
		secret := key[strings.LastIndex(key, "_")+1:]
		for _, out := range []string{r.stdout, r.stderr} {
			if strings.Contains(out, key) || strings.Contains(out, secret) {
				t.Fatalf("meridianctl %q printed an API key:\n%s", args, out)
			}
		}
	}
}

// ok runs meridianctl and fails the test unless it exits 0.
func (a *adminServer) ok(t *testing.T, args ...string) result {
	t.Helper()
	r := a.ctl(t, args...)
	if r.code != exitOK {
		t.Fatalf("meridianctl %q exited %d\nstdout:\n%s\nstderr:\n%s", args, r.code, r.stdout, r.stderr)
	}
	return r
}

// fails runs meridianctl and fails the test unless it exits with code and
// says want on stderr, in one line.
func (a *adminServer) fails(t *testing.T, code int, want string, args ...string) result {
	t.Helper()
	r := a.ctl(t, args...)
	assertFailure(t, args, r, code, want)
	return r
}

func assertFailure(t *testing.T, args []string, r result, code int, want string) {
	t.Helper()
	if r.code != code || !strings.Contains(r.stderr, want) {
		t.Fatalf("meridianctl %q exited %d with stderr\n%s\nwant exit %d and %q", args, r.code, r.stderr, code, want)
	}
	if r.stdout != "" {
		t.Errorf("meridianctl %q failed but printed on stdout:\n%s", args, r.stdout)
	}
	// A create announces its request id before sending; the failure
	// itself must be one line.
	lines := slices.DeleteFunc(strings.Split(strings.TrimSpace(r.stderr), "\n"), requestIDNote.MatchString)
	if code != exitUsage && len(lines) != 1 {
		t.Errorf("meridianctl %q explained its failure in %d lines, want one:\n%s", args, len(lines), r.stderr)
	}
}

// fields reads a detail view ("Name:  value" lines) into a map.
func fields(table string) map[string]string {
	m := map[string]string{}
	for line := range strings.SplitSeq(table, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if ok && !strings.Contains(name, "  ") {
			m[name] = strings.TrimSpace(value)
		}
	}
	return m
}

// rows splits a table into its lines' cells.
func rows(table string) [][]string {
	var out [][]string
	for line := range strings.SplitSeq(strings.TrimRight(table, "\n"), "\n") {
		out = append(out, strings.Fields(line))
	}
	return out
}
