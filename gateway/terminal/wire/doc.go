// Package wire is the terminal host interface on the wire
// (spec/terminal-interface.md): the length-prefixed framing, the ISO 8583:1987
// ASCII message codec with its DE 48 TLV and DE 90 sub-formats, and the
// response code table. The gateway's host and the posim terminal simulator
// both speak through it, so it holds no server or terminal logic.
//
// The data elements are described once, as a moov-io/iso8583 message spec
// (spec.go) whose field codec checks the n, an and ans formats moov leaves
// loose. Decode and Encode walk that spec themselves rather than through
// iso8583.Message: a message that frames but does not parse must be salvaged
// field by field so the host can still answer it (see Decode), which moov's
// unpacker, stopping at the first bad field, cannot do; and the host's hot
// path stays within a few allocations (bench_test.go has the command).
package wire
