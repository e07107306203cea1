package wire

import (
	"errors"
	"fmt"
	"math/bits"
)

// Errors of Decode and Encode, wrapped in a *DecodeError by Decode; test
// them with errors.Is.
var (
	// ErrTruncated: the message ends inside its MTI, a bitmap or a field.
	ErrTruncated = errors.New("message truncated")
	// ErrNonDigit: an n element (or the MTI) holds something other than ASCII digits.
	ErrNonDigit = errors.New("non-digit in numeric field")
	// ErrInvalidCharacter: an an or ans element holds a character its format excludes.
	ErrInvalidCharacter = errors.New("character not allowed in field")
	// ErrBadLength: the length prefix of an LLLVAR element is not digits or
	// exceeds the element's maximum.
	ErrBadLength = errors.New("bad length prefix")
	// ErrTooLong: a value is longer than its element allows (Encode).
	ErrTooLong = errors.New("value too long for field")
	// ErrBadBitmap: a bitmap is not 16 hex characters, or announces a
	// tertiary bitmap (bit 65), which the interface does not have.
	ErrBadBitmap = errors.New("bad bitmap")
	// ErrUnknownField: the bitmap announces a data element that is not in the
	// interface, whose length is therefore unknown.
	ErrUnknownField = errors.New("data element not in the interface")
	// ErrTrailingData: bytes follow the last data element the bitmap announces.
	ErrTrailingData = errors.New("bytes after the last field")
	// ErrBadOriginalData: DE 90 is not MTI, STAN and DE 7 followed by 22 zeros.
	ErrBadOriginalData = errors.New("bad original data (DE 90)")
	// ErrPanic: decoding panicked; the panic was recovered. This is a bug.
	ErrPanic = errors.New("decoder panic")
)

// DecodeError says where a message failed to decode. Decode returns it
// together with the part of the message it could read.
type DecodeError struct {
	// Field is the data element that failed, or 0 when the failure is not in
	// a data element: the MTI, a bitmap, or bytes after the last element.
	Field int
	// Offset is the byte offset in the message where the failing part starts.
	Offset int
	// Err says what is wrong; it wraps one of the Err variables of this
	// package, or a *TLVError for DE 48. It never quotes the message's bytes.
	Err error
}

func (e *DecodeError) Error() string {
	if e.Field == 0 {
		return fmt.Sprintf("wire: decode at offset %d: %v", e.Offset, e.Err)
	}
	return fmt.Sprintf("wire: decode DE %d at offset %d: %v", e.Field, e.Offset, e.Err)
}

// Unwrap returns Err.
func (e *DecodeError) Unwrap() error { return e.Err }

// Decode reads one message (the bytes of one frame). It returns a non-nil
// *Message in every case. When the message breaks the spec the error is a
// *DecodeError naming the first failure, and the Message holds what could be
// salvaged; Message.Answerable then says whether the host can answer it
// (with RCFormatError) or must close the connection.
//
// Salvage rules. Data elements follow each other without separators, so an
// element can be located only when every element before it has a known
// extent:
//   - The MTI (4 digits) and the bitmaps must read; otherwise nothing is
//     salvaged beyond a readable MTI.
//   - Elements are then read in wire order. An element whose extent is known
//     (a fixed-length element whose bytes are all there, or an LLLVAR one
//     whose length prefix reads and whose bytes are all there) but whose
//     content breaks the format (a non-digit in an n element, a bad
//     character, a malformed DE 48 TLV, a bad DE 90) is left out and reading
//     goes on after it.
//   - An element whose extent is unknown (the message ends inside it, its
//     length prefix is bad, or the bitmap announces an element the interface
//     does not have) stops reading: it and every element after it are lost.
//
// So a bad character in DE 3 still leaves DE 11 and DE 41 readable and the
// message answerable, while a message cut short inside DE 7 is not.
//
// Decode never panics: a panic from a bug is recovered and reported as
// ErrPanic. The returned Message does not alias data.
func Decode(data []byte) (m *Message, err error) {
	d := decoder{data: data, msg: new(Message)}
	defer func() {
		if r := recover(); r != nil {
			m, err = d.msg, &DecodeError{Field: d.field, Offset: d.offset, Err: fmt.Errorf("%w: %v", ErrPanic, r)}
		}
	}()
	if derr := d.decode(); derr != nil {
		return d.msg, derr
	}
	return d.msg, nil
}

// decoder holds the state of one Decode, which the recover in Decode reads.
type decoder struct {
	data   []byte
	msg    *Message
	offset int // where the part being read starts
	field  int // the data element being read, 0 for MTI and bitmaps
}

func (d *decoder) fail(err error) *DecodeError {
	return &DecodeError{Field: d.field, Offset: d.offset, Err: err}
}

func (d *decoder) decode() *DecodeError {
	value, width, err := mtiElement.scan(d.data)
	if err != nil {
		return d.fail(err)
	}
	d.msg.MTI = string(value)
	d.offset = width
	bitmap, err := d.readBitmaps()
	if err != nil {
		return d.fail(err)
	}
	var first *DecodeError
	for word := range bitmap {
		for w := bitmap[word]; w != 0; {
			bit := bits.LeadingZeros64(w)
			w &^= 1 << (63 - bit)
			d.field = word*64 + bit + 1
			if d.field == 1 || d.field == 65 { // bitmap presence bits
				continue
			}
			width, err := d.readField()
			if err != nil && first == nil {
				first = d.fail(err)
			}
			if width == 0 {
				return first
			}
			d.offset += width
		}
	}
	if first != nil {
		return first
	}
	if d.offset != len(d.data) {
		d.field = 0
		return d.fail(fmt.Errorf("%w: %d bytes", ErrTrailingData, len(d.data)-d.offset))
	}
	return nil
}

// readField reads data element d.field at d.offset into the message. It
// returns the element's width when its extent is known, even with an error
// (the salvage rules of Decode), and 0 when it is not.
func (d *decoder) readField() (width int, err error) {
	if !inInterface(d.field) {
		return 0, ErrUnknownField
	}
	value, width, err := elements[d.field].scan(d.data[d.offset:])
	if err != nil {
		return width, err
	}
	return width, d.msg.set(d.field, value)
}

// bitmapHexLength is the number of hex characters of one bitmap on the wire.
const bitmapHexLength = 16

// readBitmaps reads the primary bitmap and, when its bit 1 is set, the
// secondary one. Bit n of the message is bit 63-(n-1)%64 of word (n-1)/64.
func (d *decoder) readBitmaps() ([2]uint64, error) {
	var bitmap [2]uint64
	for word := range bitmap {
		if word == 1 && bitmap[0]&(1<<63) == 0 {
			break
		}
		if len(d.data)-d.offset < bitmapHexLength {
			return bitmap, fmt.Errorf("%w: bitmap needs %d bytes, %d left", ErrTruncated, bitmapHexLength, len(d.data)-d.offset)
		}
		v, ok := parseHex64(d.data[d.offset : d.offset+bitmapHexLength])
		if !ok {
			return bitmap, fmt.Errorf("%w: not %d hex characters", ErrBadBitmap, bitmapHexLength)
		}
		if word == 1 && v&(1<<63) != 0 {
			return bitmap, fmt.Errorf("%w: bit 65 announces a tertiary bitmap", ErrBadBitmap)
		}
		bitmap[word] = v
		d.offset += bitmapHexLength
	}
	return bitmap, nil
}

// parseHex64 reads 16 hex characters, either case.
func parseHex64(hex []byte) (uint64, bool) {
	var v uint64
	for _, c := range hex {
		var nibble byte
		switch {
		case '0' <= c && c <= '9':
			nibble = c - '0'
		case 'A' <= c && c <= 'F':
			nibble = c - 'A' + 10
		case 'a' <= c && c <= 'f':
			nibble = c - 'a' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint64(nibble)
	}
	return v, true
}

func appendHex64(dst []byte, v uint64) []byte {
	const digits = "0123456789ABCDEF"
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, digits[v>>shift&0xF])
	}
	return dst
}

// Encode returns m in its wire format (without the frame header). See
// AppendEncode.
func Encode(m *Message) ([]byte, error) {
	return AppendEncode(make([]byte, 0, 512), m)
}

// AppendEncode appends m in its wire format (without the frame header) to
// dst: the MTI, the bitmaps (upper-case hex; the secondary one only when DE
// 70 or 90 is present), then every present data element in its format. It
// checks every value against the spec and returns an error naming the data
// element that breaks it, with dst unchanged; it never writes a message
// Decode would reject.
func AppendEncode(dst []byte, m *Message) ([]byte, error) {
	start := len(dst)
	if len(m.MTI) != mtiElement.spec.Length {
		return dst, fmt.Errorf("wire: encode MTI: %w: %q is not 4 digits", ErrNonDigit, m.MTI)
	}
	dst, err := appendElement(dst, mtiElement, m.MTI)
	if err != nil {
		return dst[:start], fmt.Errorf("wire: encode MTI: %w", err)
	}
	var bitmap [2]uint64
	for _, de := range numbers {
		if m.Has(de) {
			bitmap[(de-1)/64] |= bitmapBit(de)
		}
	}
	dst = appendHex64(dst, bitmap[0]|secondaryBit(bitmap))
	if bitmap[1] != 0 {
		dst = appendHex64(dst, bitmap[1])
	}
	for _, de := range numbers {
		if bitmap[(de-1)/64]&bitmapBit(de) == 0 {
			continue
		}
		if dst, err = m.appendField(dst, de); err != nil {
			return dst[:start], fmt.Errorf("wire: encode DE %d: %w", de, err)
		}
	}
	return dst, nil
}

// bitmapBit returns the bit of data element de in its bitmap word.
func bitmapBit(de int) uint64 { return 1 << (63 - (de-1)%64) }

// secondaryBit returns bit 1 of the primary bitmap: set when the secondary
// bitmap has any bit set.
func secondaryBit(bitmap [2]uint64) uint64 {
	if bitmap[1] != 0 {
		return 1 << 63
	}
	return 0
}
