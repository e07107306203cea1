// Package terminal is the gateway's ISO 8583 front end for POS terminals: a
// TCP (optionally TLS) server that frames, decodes and answers the messages
// of shared/spec/terminal-interface.md, many terminals and many pipelined
// requests at once, each bounded by a named limit, and the Host that turns
// each message into a call of the payment engine and its result into a
// response code.
package terminal
