package emvco

import (
	"errors"
	"fmt"
)

// The kinds of fault a payload can have; every error from ParseCPM,
// ParseMPM and BuildMPM wraps exactly one of them.
var (
	// ErrTooLong: the payload exceeds 512 characters, the most a terminal
	// carries (DE 48 tag 01) and the most the MPM spec allows.
	ErrTooLong = errors.New("payload too long")
	// ErrMalformed: the encoding is broken (not base64, BER-TLV or
	// ID-length-value that does not add up, invalid UTF-8), so no data
	// object can be trusted.
	ErrMalformed = errors.New("malformed payload")
	// ErrInvalid: the encoding holds together but the data objects break
	// the spec (a mandatory one missing or repeated, a value out of format).
	ErrInvalid = errors.New("invalid payload")
	// ErrChecksum: an MPM whose CRC does not match its content.
	ErrChecksum = errors.New("checksum mismatch")
)

// CPMError says what is wrong with a consumer-presented code and where. It
// never quotes the code or any value in it: a code carries the customer's
// account number.
type CPMError struct {
	// Offset is where the fault is. For faults of the base64 text (Err is
	// ErrTooLong, or ErrMalformed with Reason "empty", "not a base64
	// character" or "bad base64") it is a character offset in the text;
	// otherwise a byte offset in the decoded BER-TLV: of the broken tag or
	// length (ErrMalformed), or of the data object at fault (ErrInvalid; for
	// a missing one, of its template, or 0 at the top level).
	Offset int
	// Reason says what is wrong and where in the structure, e.g.
	// "application template 1: tag 4F: length 3, want 5 to 16 bytes".
	Reason string
	// Err is ErrTooLong, ErrMalformed or ErrInvalid.
	Err error
}

func (e *CPMError) Error() string {
	return fmt.Sprintf("emvco: cpm: %s (offset %d)", e.Reason, e.Offset)
}

// Unwrap returns Err.
func (e *CPMError) Unwrap() error { return e.Err }

// MPMError says what is wrong with a merchant-presented payload and where. It
// names data objects but does not quote their values: a payload identifies an
// order, and is not logged in full.
type MPMError struct {
	// Offset is the byte offset in the payload of the data object at fault
	// (0 for faults of the whole payload, such as a missing data object).
	Offset int
	// ID names the data object at fault, "59" or "62.05" for a sub-field of
	// a template; empty for faults of the whole payload.
	ID string
	// Reason says what is wrong, e.g. "length 30, want 1 to 25 characters".
	Reason string
	// Err is ErrTooLong, ErrMalformed, ErrInvalid or ErrChecksum.
	Err error
}

func (e *MPMError) Error() string {
	if e.ID == "" {
		return fmt.Sprintf("emvco: mpm: %s (offset %d)", e.Reason, e.Offset)
	}
	return fmt.Sprintf("emvco: mpm: ID %s (%s): %s (offset %d)", e.ID, mpmName(e.ID), e.Reason, e.Offset)
}

// Unwrap returns Err.
func (e *MPMError) Unwrap() error { return e.Err }
