package load

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMix(t *testing.T) {
	t.Run("Every cycle of Total purchases holds each suffix Weight times", func(t *testing.T) {
		m, err := ParseMix("00:88,51:2,05:2,91:2,92:1,93:1,96:2,59:1,54:1")
		if err != nil {
			t.Fatal(err)
		}
		if m.Total() != 100 {
			t.Fatalf("Total() = %d, want 100", m.Total())
		}
		for cycle := range 3 {
			got := map[int]int{}
			for n := range 100 {
				got[m.Suffix(uint64(cycle*100+n))]++
			}
			want := map[int]int{0: 88, 51: 2, 5: 2, 91: 2, 92: 1, 93: 1, 96: 2, 59: 1, 54: 1}
			for s, w := range want {
				if got[s] != w {
					t.Errorf("cycle %d: suffix %02d came %d times, want %d", cycle, s, got[s], w)
				}
			}
		}
		if s := m.String(); s != "00:88,51:2,05:2,91:2,92:1,93:1,96:2,59:1,54:1" {
			t.Errorf("String() = %q", s)
		}
	})

	t.Run("Equal weights alternate instead of coming in runs", func(t *testing.T) {
		m, err := ParseMix("00:2,93:2")
		if err != nil {
			t.Fatal(err)
		}
		for n := range uint64(8) {
			if m.Suffix(n) == m.Suffix(n+1) {
				t.Fatalf("purchases %d and %d both get suffix %02d", n, n+1, m.Suffix(n))
			}
		}
	})

	t.Run("A malformed mix is refused with the reason", func(t *testing.T) {
		for in, want := range map[string]string{
			"":                "SUFFIX:WEIGHT",
			"5:1":             "two-digit suffix",
			"00:x":            "SUFFIX:WEIGHT",
			"00:-1":           "SUFFIX:WEIGHT",
			"00:1,00:2":       "given twice",
			"00:0,51:0":       "add up to 0",
			"00:10001":        "larger than",
			"00:6000,51:6000": "more than 10000",
			"00:1,":           "SUFFIX:WEIGHT",
		} {
			if _, err := ParseMix(in); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("ParseMix(%q) error = %v, want one mentioning %q", in, err, want)
			}
		}
	})

	t.Run("The suffix replaces the last two digits of the base", func(t *testing.T) {
		for _, tc := range []struct {
			base   int64
			suffix int
			want   int64
		}{{1000, 51, 1051}, {1099, 0, 1000}, {1234, 93, 1293}, {50, 5, 5}} {
			if got := AmountWithSuffix(tc.base, tc.suffix); got != tc.want {
				t.Errorf("AmountWithSuffix(%d, %02d) = %d, want %d", tc.base, tc.suffix, got, tc.want)
			}
		}
	})
}

func TestHistogram(t *testing.T) {
	t.Run("Buckets are contiguous and each holds the values mapped to it", func(t *testing.T) {
		low := int64(0)
		for i := range histogramBuckets - 1 {
			high := histogramBucketHigh(i)
			if histogramBucket(low) != i || histogramBucket(high) != i || histogramBucket(high+1) != i+1 {
				t.Fatalf("bucket %d: [%d, %d] maps to %d and %d, next to %d", i, low, high, histogramBucket(low), histogramBucket(high), histogramBucket(high+1))
			}
			low = high + 1
		}
	})

	t.Run("Quantiles are within 1.6 percent above the exact ones", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		var h histogram
		values := make([]int64, 100_000)
		for i := range values {
			// Log-uniform from 10 µs to about 30 s.
			values[i] = int64(10 * float64(uint64(1)<<rng.IntN(22)) * (1 + rng.Float64()))
			h.record(time.Duration(values[i]) * time.Microsecond)
		}
		slices.Sort(values)
		for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 1} {
			exact := values[max(int(q*float64(len(values))+0.999999)-1, 0)]
			got := h.quantile(q).Microseconds()
			if got < exact || float64(got) > float64(exact)*(1+1.0/64)+1 {
				t.Errorf("quantile(%v) = %d µs, exact %d µs", q, got, exact)
			}
		}
		if got := h.quantile(1); got != time.Duration(values[len(values)-1])*time.Microsecond {
			t.Errorf("quantile(1) = %v, want the maximum", got)
		}
	})

	t.Run("An empty histogram and huge values do not break it", func(t *testing.T) {
		var h histogram
		if h.quantile(0.99) != 0 {
			t.Error("quantile of nothing is not 0")
		}
		h.record(-time.Second)
		h.record(1000 * time.Hour)
		if h.count != 2 || h.quantile(1) != 1000*time.Hour {
			t.Errorf("count %d, max %v", h.count, h.quantile(1))
		}
	})
}
