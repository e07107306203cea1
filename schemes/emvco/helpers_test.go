package emvco_test

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// qrDir holds the payload files the table and fuzz tests share.
var qrDir = filepath.Join("..", "..", "testdata", "qr")

// readPayload returns the one-line payload in testdata/qr/name.
func readPayload(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(qrDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimRight(string(data), "\r\n")
}

// payloadFiles lists the files in testdata/qr whose names start with prefix.
func payloadFiles(t testing.TB, prefix string) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(qrDir, prefix+"*.txt"))
	if err != nil || len(matches) == 0 {
		t.Fatalf("no %s*.txt files in %s: %v", prefix, qrDir, err)
	}
	names := make([]string, len(matches))
	for i, m := range matches {
		names[i] = filepath.Base(m)
	}
	return names
}

// tlv encodes one BER-TLV data object for tests: tag in hex, the value the
// concatenation of parts, its length in the shortest form.
func tlv(tag string, parts ...[]byte) []byte {
	out, err := hex.DecodeString(tag)
	if err != nil {
		panic(err)
	}
	var value []byte
	for _, p := range parts {
		value = append(value, p...)
	}
	switch n := len(value); {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	default:
		out = append(out, 0x82, byte(n>>8), byte(n))
	}
	return append(out, value...)
}

// h decodes hex, for test values.
func h(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestEveryPayloadFileIsDescribedInTheREADME(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(qrDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"cpm-", "mpm-"} {
		for _, name := range payloadFiles(t, prefix) {
			if !strings.Contains(string(readme), "- "+name+":") {
				t.Errorf("%s is not described in testdata/qr/README.md", name)
			}
		}
	}
}
