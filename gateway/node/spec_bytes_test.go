package node_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/config"
	"github.com/meridian-gw/meridian/gateway/node"
)

// These tests speak to the node with messages written by hand from
// shared/spec/terminal-interface.md, and read the answers with a parser
// written from the same page, without the gateway's own codec: what an
// independent terminal implementation would see.

// specFields is the interface's data element table: fixed length, or -3 for
// LLLVAR.
var specFields = map[int]int{3: 6, 4: 12, 6: 12, 7: 10, 10: 8, 11: 6, 12: 6, 13: 4, 22: 3, 25: 2, 37: 12, 38: 6, 39: 2, 41: 8, 42: 15, 48: -3, 49: 3, 51: 3, 70: 3, 90: 42}

func TestHandWrittenMessagesFromTheSpec(t *testing.T) {
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
data_dir: %s
metrics_addr: ""
terminal: {addr: "127.0.0.1:0"}
payment: {budget: 5s, inquiry_interval: 50ms, resolve_interval: 100ms}
adapters: [{scheme: ALIPAYPLUS, builtin: true, simulator: true}]
merchants: [{id: RAWMERCHANT0001, currency: EUR, schemes: [ALIPAYPLUS], terminals: [RAWT0001]}]
`, t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Shutdown(context.Background()) })
	conn, err := net.Dial("tcp", n.TerminalAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	t.Run("an 0800 sign-on is answered 0810 with RC 00 and DE 7, 11, 41, 70 echoed", func(t *testing.T) {
		// Bitmap: DE 1 (secondary present), 7, 11, 41; secondary: DE 70.
		msg := "0800" + "8220000000800000" + "0400000000000000" + "1122164041" + "000001" + "RAWT0001" + "001"
		got := exchange(t, conn, msg)
		want := map[int]string{7: "1122164041", 11: "000001", 41: "RAWT0001", 39: "00", 70: "001"}
		expectFields(t, got, "0810", want)
	})

	t.Run("an 0200 purchase with an Alipay+ code is approved with RRN, approval code and the wallet brand", func(t *testing.T) {
		tlv := "01" + "018" + "281012345678901234"
		msg := "0200" + "3238048000C18000" + "000000" + "000000001250" + "1122164041" + "000002" + "164041" + "1122" + "031" + "00" +
			"RAWT0001" + "RAWMERCHANT0001" + fmt.Sprintf("%03d", len(tlv)) + tlv + "978"
		got := exchange(t, conn, msg)
		expectFields(t, got, "0210", map[int]string{3: "000000", 4: "000000001250", 7: "1122164041", 11: "000002", 39: "00", 41: "RAWT0001", 42: "RAWMERCHANT0001", 49: "978"})
		if len(got.fields[37]) != 12 || len(got.fields[38]) != 6 {
			t.Errorf("DE 37 %q, DE 38 %q: want 12 and 6 characters", got.fields[37], got.fields[38])
		}
		if tags := parseTLV(t, got.fields[48]); tags["10"] == "" || tags["11"] == "" {
			t.Errorf("DE 48 %q: want tags 10 (wallet brand) and 11 (scheme transaction id)", got.fields[48])
		}
	})

	t.Run("an 0200 whose amount holds a letter is answered RC 30", func(t *testing.T) {
		tlv := "01" + "018" + "281012345678901234"
		msg := "0200" + "3238048000C18000" + "000000" + "00000000125X" + "1122164041" + "000003" + "164041" + "1122" + "031" + "00" +
			"RAWT0001" + "RAWMERCHANT0001" + fmt.Sprintf("%03d", len(tlv)) + tlv + "978"
		got := exchange(t, conn, msg)
		if got.mti != "0210" || got.fields[39] != "30" || got.fields[11] != "000003" || got.fields[41] != "RAWT0001" {
			t.Errorf("answer %s RC %q STAN %q TID %q; want 0210, RC 30, STAN 000003, TID RAWT0001", got.mti, got.fields[39], got.fields[11], got.fields[41])
		}
	})

	t.Run("an 0420 advice for a purchase never seen is acknowledged 0430 RC 00", func(t *testing.T) {
		// Bitmap: DE 1, 3, 4, 7, 11, 41, 42, 49; secondary: DE 90.
		msg := "0420" + "B220000000C08000" + "0000004000000000" + "000000" + "000000000500" + "1122164041" + "000004" +
			"RAWT0001" + "RAWMERCHANT0001" + "978" + "0200" + "999999" + "1122160000" + "0000000000000000000000"
		got := exchange(t, conn, msg)
		expectFields(t, got, "0430", map[int]string{11: "000004", 39: "00", 41: "RAWT0001"})
	})
}

type rawMessage struct {
	mti    string
	fields map[int]string
}

// exchange sends msg framed as the spec says (2-byte big-endian length) and
// reads one framed answer.
func exchange(t *testing.T, conn net.Conn, msg string) rawMessage {
	t.Helper()
	frame := binary.BigEndian.AppendUint16(nil, uint16(len(msg)))
	if _, err := conn.Write(append(frame, msg...)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	var header [2]byte
	if _, err := io.ReadFull(conn, header[:]); err != nil {
		t.Fatalf("no answer: %v", err)
	}
	body := make([]byte, binary.BigEndian.Uint16(header[:]))
	if _, err := io.ReadFull(conn, body); err != nil {
		t.Fatalf("answer cut short: %v", err)
	}
	return parseRaw(t, string(body))
}

// parseRaw reads an ASCII ISO 8583 message by the spec's table.
func parseRaw(t *testing.T, s string) rawMessage {
	t.Helper()
	m := rawMessage{mti: s[:4], fields: map[int]string{}}
	bitmap, err := hex.DecodeString(s[4:20])
	if err != nil {
		t.Fatalf("primary bitmap %q: %v", s[4:20], err)
	}
	pos := 20
	if bitmap[0]&0x80 != 0 {
		second, err := hex.DecodeString(s[20:36])
		if err != nil {
			t.Fatalf("secondary bitmap: %v", err)
		}
		bitmap = append(bitmap, second...)
		pos = 36
	}
	for de := 2; de <= len(bitmap)*8; de++ {
		if bitmap[(de-1)/8]&(0x80>>((de-1)%8)) == 0 {
			continue
		}
		size, ok := specFields[de]
		if !ok {
			t.Fatalf("answer carries DE %d, which the spec does not have", de)
		}
		if size < 0 {
			n, err := strconv.Atoi(s[pos : pos+3])
			if err != nil {
				t.Fatalf("DE %d length %q", de, s[pos:pos+3])
			}
			pos += 3
			size = n
		}
		m.fields[de] = s[pos : pos+size]
		pos += size
	}
	if pos != len(s) {
		t.Fatalf("%d bytes after the last field", len(s)-pos)
	}
	return m
}

func parseTLV(t *testing.T, s string) map[string]string {
	t.Helper()
	tags := map[string]string{}
	for len(s) > 0 {
		n, err := strconv.Atoi(s[2:5])
		if err != nil || 5+n > len(s) {
			t.Fatalf("bad TLV at %q", s)
		}
		tags[s[:2]] = s[5 : 5+n]
		s = s[5+n:]
	}
	return tags
}

func expectFields(t *testing.T, got rawMessage, mti string, want map[int]string) {
	t.Helper()
	if got.mti != mti {
		t.Errorf("MTI %s, want %s", got.mti, mti)
	}
	for de, v := range want {
		if got.fields[de] != v {
			t.Errorf("DE %d = %q, want %q", de, got.fields[de], v)
		}
	}
}
