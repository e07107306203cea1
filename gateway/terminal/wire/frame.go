package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MaxMessageLength is the longest message a frame may carry, in bytes. A
// frame header announcing more is a protocol violation: the connection is
// closed.
const MaxMessageLength = 8192

// FrameHeaderLength is the size of the frame header: the message length as a
// 2-byte unsigned big-endian integer (no TPDU).
const FrameHeaderLength = 2

// Framing errors; test them with errors.Is.
var (
	// ErrFrameTooLarge: a header announces more than MaxMessageLength bytes,
	// or a message to send is longer. After reading it the stream is out of
	// step: close the connection.
	ErrFrameTooLarge = errors.New("wire: frame longer than the maximum message length")
	// ErrFrameTruncated: the stream ended inside a frame's header or message.
	// It also wraps io.ErrUnexpectedEOF.
	ErrFrameTruncated = errors.New("wire: stream ended inside a frame")
	// ErrFrameEmpty: a header announces a zero-length message, or a message
	// to send is empty. After reading it the stream is still in step (the
	// next frame starts right after the header), so a caller may skip it.
	ErrFrameEmpty = errors.New("wire: zero-length frame")
)

// ReadFrame reads one frame from r and returns its message. The message is
// read into buf when its capacity allows (pass a buffer of MaxMessageLength
// bytes to read any frame without allocating) and into a new buffer
// otherwise; either way it is valid until buf is reused.
//
// It returns io.EOF itself, unwrapped, when r ends cleanly between frames;
// ErrFrameTruncated when r ends inside a frame; ErrFrameTooLarge or
// ErrFrameEmpty for a header announcing a length out of bounds; and r's own
// error, wrapped, otherwise (a read deadline, say). After any error but
// ErrFrameEmpty the stream position is no longer at a frame boundary.
func ReadFrame(r io.Reader, buf []byte) ([]byte, error) {
	if cap(buf) < FrameHeaderLength {
		buf = make([]byte, FrameHeaderLength)
	}
	header := buf[:FrameHeaderLength]
	if n, err := io.ReadFull(r, header); err != nil {
		switch {
		case err == io.EOF:
			return nil, io.EOF
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, fmt.Errorf("%w: %d of %d header bytes: %w", ErrFrameTruncated, n, FrameHeaderLength, io.ErrUnexpectedEOF)
		}
		return nil, fmt.Errorf("wire: read frame header: %w", err)
	}
	length := int(binary.BigEndian.Uint16(header))
	switch {
	case length == 0:
		return nil, ErrFrameEmpty
	case length > MaxMessageLength:
		return nil, fmt.Errorf("%w: header announces %d bytes, at most %d", ErrFrameTooLarge, length, MaxMessageLength)
	}
	if cap(buf) < length {
		buf = make([]byte, length)
	}
	message := buf[:length]
	if n, err := io.ReadFull(r, message); err != nil {
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: %d of %d message bytes: %w", ErrFrameTruncated, n, length, io.ErrUnexpectedEOF)
		}
		return nil, fmt.Errorf("wire: read frame message: %w", err)
	}
	return message, nil
}

// checkFrameLength returns the error for a message that no frame can carry.
func checkFrameLength(length int) error {
	switch {
	case length == 0:
		return ErrFrameEmpty
	case length > MaxMessageLength:
		return fmt.Errorf("%w: message of %d bytes, at most %d", ErrFrameTooLarge, length, MaxMessageLength)
	}
	return nil
}

// AppendFrame appends the frame of message, header then message, to dst.
// It refuses an empty message and one longer than MaxMessageLength,
// returning dst unchanged.
func AppendFrame(dst, message []byte) ([]byte, error) {
	if err := checkFrameLength(len(message)); err != nil {
		return dst, err
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(message)))
	return append(dst, message...), nil
}

// WriteFrame writes the frame of message to w in a single Write, so that a
// frame is never split by another writer's frame as long as writers hold a
// lock around WriteFrame. It refuses what AppendFrame refuses.
func WriteFrame(w io.Writer, message []byte) error {
	frame, err := AppendFrame(make([]byte, 0, FrameHeaderLength+len(message)), message)
	if err != nil {
		return err
	}
	if _, err := w.Write(frame); err != nil {
		return fmt.Errorf("wire: write frame: %w", err)
	}
	return nil
}
