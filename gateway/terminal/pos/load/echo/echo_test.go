package echo_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"

	"github.com/meridian-gw/meridian/gateway/terminal/pos/load/echo"
)

func frame(message []byte) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(message))), message...)
}

func TestServerEchoesExactly(t *testing.T) {
	s, err := echo.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	t.Run("Frames sent together, of any length and content, come back byte for byte in order", func(t *testing.T) {
		var sent []byte
		for _, m := range [][]byte{[]byte("0200 purchase"), {}, bytes.Repeat([]byte{0, 0xff, 2}, 20_000), []byte("\x00\x01")} {
			sent = append(sent, frame(m)...)
		}
		// Sent in two writes cut inside a frame header, as TCP may deliver.
		cut := len(frame([]byte("0200 purchase"))) + 1
		if _, err := c.Write(sent[:cut]); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(sent[cut:]); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(sent))
		if _, err := io.ReadFull(bufio.NewReader(c), got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, sent) {
			t.Errorf("echoed %d bytes that differ from the %d sent", len(got), len(sent))
		}
		if n := s.Frames(); n != 4 {
			t.Errorf("Frames() = %d; want 4", n)
		}
	})
	t.Run("Close ends the connections it serves", func(t *testing.T) {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Error("the connection still reads after Close")
		}
	})
}
