// Package adaptertest is what the reference scheme adapters' tests share:
// an adapter served over gRPC on a real 127.0.0.1 socket, a settable clock,
// a log sink that servers' goroutines and the test can share, and EMVCo
// consumer-presented codes to pay with. It is for tests only.
package adaptertest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// Serve serves adapter, with the standard health service, on a gRPC server
// listening on 127.0.0.1, and returns a client connected to it over that
// socket. Both are stopped when the test ends.
func Serve(t testing.TB, adapter schemev1.SchemeAdapterServer) schemev1.SchemeAdapterClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	server := grpc.NewServer()
	schemev1.RegisterSchemeAdapterServer(server, adapter)
	healthpb.RegisterHealthServer(server, health.NewServer())
	go server.Serve(lis)
	t.Cleanup(server.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("grpc.NewClient: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return schemev1.NewSchemeAdapterClient(conn)
}

// Clock is a settable clock, for a simulator's or an adapter's Now. It
// starts at 2026-03-01 10:00 UTC and moves only when told. It is safe for
// concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time // guarded by mu
}

// NewClock returns a Clock at 2026-03-01 10:00 UTC.
func NewClock() *Clock {
	return &Clock{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// LogBuffer is a log sink (an io.Writer for a slog handler) that servers'
// goroutines and the test can share.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer // guarded by mu
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// CPMPAN is the account number (tag 5A) of every code CPM makes, so a test
// can check that it never shows.
const CPMPAN = "5410998877665544"

// CPM returns an EMVCo consumer-presented code (base64 BER-TLV) with one
// application: the AID aidHex, the label label and the PAN CPMPAN, as a
// wallet app shows it.
func CPM(t testing.TB, aidHex, label string) string {
	t.Helper()
	aid, err := hex.DecodeString(aidHex)
	if err != nil {
		t.Fatalf("AID %q: %v", aidHex, err)
	}
	pan, _ := hex.DecodeString(CPMPAN)
	tlv := func(tag byte, value []byte) []byte {
		if len(value) > 127 {
			t.Fatalf("test TLV of %d bytes: only short lengths are written", len(value))
		}
		return append([]byte{tag, byte(len(value))}, value...)
	}
	app := append(tlv(0x4F, aid), tlv(0x50, []byte(label))...)
	app = append(app, tlv(0x5A, pan)...)
	return base64.StdEncoding.EncodeToString(append(tlv(0x85, []byte("CPV01")), tlv(0x61, app)...))
}
