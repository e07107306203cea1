package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
)

// requestIDFlag registers --request-id on the flags of a command that
// creates something (or refunds).
func requestIDFlag(fs *flag.FlagSet) *string {
	return fs.String("request-id", "", "idempotency `key`: a retry with the same key and the same request is done only once (default: a random one, printed)")
}

// requestID returns the --request-id given, or a new random one, which it
// tells the user (on stderr) before anything is sent: if the answer is
// lost, running the command again with it cannot create a second copy.
func (s *session) requestID(given string) string {
	if given != "" {
		return given
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	id := hex.EncodeToString(b[:])
	s.note("request id %s (to retry this safely, add --request-id %s)", id, id)
	return id
}
