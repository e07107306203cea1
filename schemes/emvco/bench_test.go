package emvco_test

import (
	"testing"

	"github.com/meridian-gw/meridian/schemes/emvco"
)

// BenchmarkParseCPM measures the EMVCo spec's two-application example, the
// gateway's cost per consumer-presented code:
// go test -run='^$' -bench ParseCPM -benchmem ./schemes/emvco/
func BenchmarkParseCPM(b *testing.B) {
	payload := readPayload(b, "cpm-valid-two-apps-common.txt")
	for b.Loop() {
		if _, err := emvco.ParseCPM(payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLooksLikeCPM measures the router's cheap test:
// go test -run='^$' -bench LooksLikeCPM -benchmem ./schemes/emvco/
func BenchmarkLooksLikeCPM(b *testing.B) {
	payload := readPayload(b, "cpm-valid-two-apps-common.txt")
	for b.Loop() {
		if !emvco.LooksLikeCPM(payload) {
			b.Fatal("not recognised")
		}
	}
}

// BenchmarkParseMPM measures the EMVCo spec's sample payload:
// go test -run='^$' -bench ParseMPM -benchmem ./schemes/emvco/
func BenchmarkParseMPM(b *testing.B) {
	payload := readPayload(b, "mpm-valid-emvco-sample.txt")
	for b.Loop() {
		if _, err := emvco.ParseMPM(payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildMPM measures one dynamic order's payload, checked by
// parsing as BuildMPM always does:
// go test -run='^$' -bench BuildMPM -benchmem ./schemes/emvco/
func BenchmarkBuildMPM(b *testing.B) {
	m := meridianOrder()
	for b.Loop() {
		if _, err := emvco.BuildMPM(m); err != nil {
			b.Fatal(err)
		}
	}
}
