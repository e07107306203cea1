package main

import (
	"strings"
	"testing"

	"rsc.io/qr"
)

// TestPrintQRDrawsTheCodeModuleForModule reads the drawing back, two
// modules a character, and compares it with the encoder's bitmap, for both
// backgrounds.
func TestPrintQRDrawsTheCodeModuleForModule(t *testing.T) {
	const payload = "00020101021226310014COM.ALIPAYPLUS0109TOKEN123452045812530397854048.405802DE5918Meridian Demo Cafe6006Berlin63041234"
	code, err := qr.Encode(payload, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	for _, light := range []bool{false, true} {
		var b strings.Builder
		if err := printQR(&b, payload, light); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
		const quiet = 2
		for row, line := range lines {
			cells := []rune(strings.TrimPrefix(line, "  "))
			for col, r := range cells {
				x := col - quiet
				for half := 0; half < 2; half++ {
					y := 2*row + half - quiet
					drawn := r == '█' || (half == 0 && r == '▀') || (half == 1 && r == '▄')
					inside := x >= 0 && y >= 0 && x < code.Size && y < code.Size
					black := inside && code.Black(x, y)
					// On a dark background a drawn block is a light module.
					if want := black == light; drawn != want {
						t.Fatalf("light=%v: module (%d,%d) drawn %v, want %v", light, x, y, drawn, want)
					}
				}
			}
		}
	}
}
