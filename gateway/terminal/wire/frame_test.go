package wire_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

func TestAppendFrameWritesABigEndianLength(t *testing.T) {
	for _, tt := range []struct {
		length int
		header []byte
	}{
		{1, []byte{0x00, 0x01}},
		{42, []byte{0x00, 0x2A}},
		{300, []byte{0x01, 0x2C}},
		{wire.MaxMessageLength, []byte{0x20, 0x00}},
	} {
		message := bytes.Repeat([]byte{'x'}, tt.length)
		frame, err := wire.AppendFrame([]byte("kept"), message)
		if err != nil {
			t.Fatalf("length %d: %v", tt.length, err)
		}
		want := append(append([]byte("kept"), tt.header...), message...)
		if !bytes.Equal(frame, want) {
			t.Errorf("length %d: header % X, want % X", tt.length, frame[4:6], tt.header)
		}
	}
}

func TestAppendFrameRefusesWhatNoFrameCarries(t *testing.T) {
	if got, err := wire.AppendFrame([]byte("kept"), nil); !errors.Is(err, wire.ErrFrameEmpty) || string(got) != "kept" {
		t.Errorf("empty: %q, %v", got, err)
	}
	if got, err := wire.AppendFrame([]byte("kept"), make([]byte, wire.MaxMessageLength+1)); !errors.Is(err, wire.ErrFrameTooLarge) || string(got) != "kept" {
		t.Errorf("oversize: %q, %v", got, err)
	}
	var w bytes.Buffer
	if err := wire.WriteFrame(&w, make([]byte, wire.MaxMessageLength+1)); !errors.Is(err, wire.ErrFrameTooLarge) || w.Len() != 0 {
		t.Errorf("WriteFrame oversize: %v, wrote %d", err, w.Len())
	}
}

func TestWriteFrameWritesOnce(t *testing.T) {
	w := &countingWriter{}
	if err := wire.WriteFrame(w, []byte("0800")); err != nil {
		t.Fatal(err)
	}
	if w.writes != 1 || w.buf.String() != "\x00\x040800" {
		t.Errorf("%d writes of %q", w.writes, w.buf.String())
	}
	if err := wire.WriteFrame(errWriter{}, []byte("0800")); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("writer error lost: %v", err)
	}
}

type countingWriter struct {
	buf    bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.buf.Write(p)
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, os.ErrDeadlineExceeded }

func TestReadFrame(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   string
		err    error
	}{
		{"one frame", "\x00\x040800", "0800", nil},
		{"clean end of stream", "", "", io.EOF},
		{"a stream ending inside the header", "\x00", "", wire.ErrFrameTruncated},
		{"a stream ending inside the message", "\x00\x100800", "", wire.ErrFrameTruncated},
		{"a stream ending after the header", "\x00\x10", "", wire.ErrFrameTruncated},
		{"a zero length", "\x00\x00", "", wire.ErrFrameEmpty},
		{"a header one past the maximum", "\x20\x01" + strings.Repeat("x", 8193), "", wire.ErrFrameTooLarge},
		{"the largest header", "\xff\xff", "", wire.ErrFrameTooLarge},
		{"a frame of the maximum length", "\x20\x00" + strings.Repeat("x", 8192), strings.Repeat("x", 8192), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := make([]byte, wire.MaxMessageLength)
			got, err := wire.ReadFrame(strings.NewReader(tt.stream), buf)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if string(got) != tt.want {
				t.Errorf("message %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadFrameReturnsEOFItselfAndWrapsUnexpectedEOF(t *testing.T) {
	if _, err := wire.ReadFrame(strings.NewReader(""), nil); err != io.EOF {
		t.Errorf("clean end: %v, want io.EOF itself", err)
	}
	if _, err := wire.ReadFrame(strings.NewReader("\x00\x05ab"), nil); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated: %v does not wrap io.ErrUnexpectedEOF", err)
	}
}

func TestReadFrameReadsFramesBackToBack(t *testing.T) {
	var stream []byte
	for _, m := range []string{"0800first", "0200second", "x"} {
		var err error
		if stream, err = wire.AppendFrame(stream, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	stream = append(stream, 0x00, 0x00) // an empty frame: skippable
	stream, _ = wire.AppendFrame(stream, []byte("0810last"))
	// One byte per Read, as TCP may deliver it.
	r := iotest.OneByteReader(bytes.NewReader(stream))
	buf := make([]byte, wire.MaxMessageLength)
	var got []string
	for {
		m, err := wire.ReadFrame(r, buf)
		if errors.Is(err, wire.ErrFrameEmpty) {
			got = append(got, "<empty>")
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(m))
	}
	want := []string{"0800first", "0200second", "x", "<empty>", "0810last"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("frames %q, want %q", got, want)
	}
}

func TestReadFrameWrapsReadErrors(t *testing.T) {
	r := io.MultiReader(strings.NewReader("\x00\x10ab"), iotest.ErrReader(os.ErrDeadlineExceeded))
	if _, err := wire.ReadFrame(r, nil); !errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, wire.ErrFrameTruncated) {
		t.Errorf("error %v, want the deadline error", err)
	}
	if _, err := wire.ReadFrame(iotest.ErrReader(os.ErrDeadlineExceeded), nil); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("error %v, want the deadline error", err)
	}
}

func TestReadFrameGrowsASmallBuffer(t *testing.T) {
	small := make([]byte, 3)
	got, err := wire.ReadFrame(strings.NewReader("\x00\x0a0123456789"), small)
	if err != nil || string(got) != "0123456789" {
		t.Errorf("%q, %v", got, err)
	}
}

func TestReadFrameDoesNotAllocateWithABuffer(t *testing.T) {
	stream := []byte("\x00\x040800")
	r := bytes.NewReader(stream)
	buf := make([]byte, wire.MaxMessageLength)
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(stream)
		if _, err := wire.ReadFrame(r, buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame", allocs)
	}
}
