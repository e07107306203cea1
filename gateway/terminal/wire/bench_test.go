package wire

import "testing"

// go test -run='^$' -bench=. -benchmem ./gateway/terminal/wire/

func BenchmarkDecodePurchase(b *testing.B) {
	data := purchase.bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodePurchaseResponse(b *testing.B) {
	m := built(purchaseResponse)
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendEncode(buf[:0], m); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}
