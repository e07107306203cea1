package emvco

import (
	"fmt"
	"strconv"
	"strings"
)

// TLV is one BER-TLV data object of a consumer-presented code.
type TLV struct {
	// Tag is the tag's bytes read big-endian: 0x85, 0x5F20, 0x9F26.
	Tag uint32
	// Value is the object's content. For a constructed object it is the
	// encoded children, which are also in Children.
	Value []byte
	// Children are the data objects inside a constructed object, in order.
	Children []TLV

	// offset is where the object's tag starts in the decoded payload, for
	// errors about it.
	offset int
}

// Constructed reports whether the tag says the value is itself BER-TLV
// (bit 6 of the tag's first byte).
func (t TLV) Constructed() bool {
	first := t.Tag
	for first > 0xFF {
		first >>= 8
	}
	return first&0x20 != 0
}

// TagHex returns the tag in upper-case hex, as the specs write it: "9F26".
func (t TLV) TagHex() string { return tagHex(t.Tag) }

// String shows the object's tag and length, and its children's, but no
// value: values may be an account number or track data.
func (t TLV) String() string {
	var b strings.Builder
	t.describe(&b)
	return b.String()
}

func (t TLV) describe(b *strings.Builder) {
	b.WriteString(t.TagHex())
	if !t.Constructed() {
		b.WriteString("[" + strconv.Itoa(len(t.Value)) + "]")
		return
	}
	b.WriteByte('{')
	for i, c := range t.Children {
		if i > 0 {
			b.WriteByte(' ')
		}
		c.describe(b)
	}
	b.WriteByte('}')
}

// FindTag returns the first object in list with the given tag, not looking
// inside constructed ones.
func FindTag(list []TLV, tag uint32) (TLV, bool) {
	for _, t := range list {
		if t.Tag == tag {
			return t, true
		}
	}
	return TLV{}, false
}

func tagHex(tag uint32) string {
	switch {
	case tag > 0xFFFF:
		return fmt.Sprintf("%06X", tag)
	case tag > 0xFF:
		return fmt.Sprintf("%04X", tag)
	}
	return fmt.Sprintf("%02X", tag)
}

// The decoder's bounds. A consumer-presented code is at most 512 base64
// characters (384 bytes); these keep the work on a crafted one small and
// known whatever it claims.
const (
	// tlvDepthMax is how deep data objects may nest; the CPM spec needs 3
	// (Common Data Template → Common Data Transparent Template → object).
	tlvDepthMax = 4
	// tlvCountMax bounds the data objects in one code, at every level.
	tlvCountMax = 64
	// tlvTagBytesMax: EMV tags are 1 or 2 bytes; 3 leaves room for
	// proprietary ones, and a longer tag is an attack, not data.
	tlvTagBytesMax = 3
)

// tlvError is a fault in the BER-TLV encoding at a byte offset.
type tlvError struct {
	offset int
	reason string
}

func (e *tlvError) Error() string { return e.reason }

// tlvDecoder reads BER-TLV (ISO/IEC 8825-1 as EMV Book 3 Annex B uses it)
// from data, within the bounds above. It never reads outside data and never
// trusts a length before comparing it with what remains.
type tlvDecoder struct {
	data  []byte
	count int
}

// decodeTLV reads data as a sequence of BER-TLV data objects, descending
// into constructed ones. Children and values alias data.
func decodeTLV(data []byte) ([]TLV, error) {
	d := tlvDecoder{data: data}
	return d.list(0, len(data), 1)
}

// list reads the objects in data[start:end], which sit at the given depth
// (the top level is depth 1).
func (d *tlvDecoder) list(start, end, depth int) ([]TLV, error) {
	var out []TLV
	for at := start; at < end; {
		t, next, err := d.object(at, end, depth)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		at = next
	}
	return out, nil
}

// object reads the one data object at data[at:], which must end by end, and
// returns it with the offset just after it.
func (d *tlvDecoder) object(at, end, depth int) (TLV, int, error) {
	d.count++
	if d.count > tlvCountMax {
		return TLV{}, 0, &tlvError{at, fmt.Sprintf("more than %d data objects", tlvCountMax)}
	}
	tag, valueAt, err := d.tag(at, end)
	if err != nil {
		return TLV{}, 0, err
	}
	length, valueAt, err := d.length(tag, valueAt, end)
	if err != nil {
		return TLV{}, 0, err
	}
	t := TLV{Tag: tag, Value: d.data[valueAt : valueAt+length : valueAt+length], offset: at}
	if t.Constructed() && length > 0 {
		if depth >= tlvDepthMax {
			return TLV{}, 0, &tlvError{at, fmt.Sprintf("tag %s: data objects nested deeper than %d levels", tagHex(tag), tlvDepthMax)}
		}
		if t.Children, err = d.list(valueAt, valueAt+length, depth+1); err != nil {
			return TLV{}, 0, err
		}
	}
	return t, valueAt + length, nil
}

// tag reads a tag: one byte, or when its low five bits are all set, further
// bytes while their top bit (more to come) is set.
func (d *tlvDecoder) tag(at, end int) (uint32, int, error) {
	first := d.data[at]
	if first == 0x00 {
		// Tag 00 is padding in EMV card data and end-of-contents in BER;
		// neither belongs in a QR code.
		return 0, 0, &tlvError{at, "tag 00 (padding or end-of-contents)"}
	}
	tag := uint32(first)
	i := at + 1
	if first&0x1F != 0x1F {
		return tag, i, nil
	}
	for n := 2; ; n++ {
		if i >= end {
			return 0, 0, &tlvError{at, fmt.Sprintf("tag %s… cut short", tagHex(tag))}
		}
		if n > tlvTagBytesMax {
			return 0, 0, &tlvError{at, fmt.Sprintf("tag %s… longer than %d bytes", tagHex(tag), tlvTagBytesMax)}
		}
		b := d.data[i]
		if n == 2 && b&0x7F == 0 {
			// X.690 8.1.2.4.2: the tag number has no leading zero bits,
			// so every tag has one spelling.
			return 0, 0, &tlvError{at, fmt.Sprintf("tag %s%02X: a leading zero in the tag number", tagHex(tag), b)}
		}
		tag = tag<<8 | uint32(b)
		i++
		if b&0x80 == 0 {
			return tag, i, nil
		}
	}
}

// length reads the length that follows a tag at data[at:]: one byte below
// 0x80, or 0x81 or 0x82 followed by one or two bytes of length. Longer
// forms cannot fit in a code and the indefinite form (0x80) has no place in
// EMV, so both are refused. It returns the length and where the value starts.
func (d *tlvDecoder) length(tag uint32, at, end int) (int, int, error) {
	if at >= end {
		return 0, 0, &tlvError{at, fmt.Sprintf("tag %s: no length", tagHex(tag))}
	}
	first := d.data[at]
	var length, valueAt int
	switch {
	case first < 0x80:
		length, valueAt = int(first), at+1
	case first == 0x80:
		return 0, 0, &tlvError{at, fmt.Sprintf("tag %s: indefinite length", tagHex(tag))}
	case first == 0x81 || first == 0x82:
		size := int(first & 0x7F)
		if end-(at+1) < size {
			return 0, 0, &tlvError{at, fmt.Sprintf("tag %s: length cut short", tagHex(tag))}
		}
		for _, b := range d.data[at+1 : at+1+size] {
			length = length<<8 | int(b)
		}
		valueAt = at + 1 + size
	default:
		return 0, 0, &tlvError{at, fmt.Sprintf("tag %s: length in %d bytes, at most 2", tagHex(tag), first&0x7F)}
	}
	if left := end - valueAt; length > left {
		return 0, 0, &tlvError{at, fmt.Sprintf("tag %s: length %d, only %d bytes left", tagHex(tag), length, left)}
	}
	return length, valueAt, nil
}
