package load

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MixWeightMax bounds the sum of a Mix's weights, and so the length of the
// cycle it is laid out on.
const MixWeightMax = 10_000

// MixEntry is one outcome of a Mix: the last two digits of the amount
// (shared/spec/wallet-simulators.md, "Outcome by amount") and how many
// purchases of every Total() get it.
type MixEntry struct {
	Suffix int // 0 to 99
	Weight int
}

// Mix chooses each purchase's outcome by the last two digits of its amount.
// It is exact and deterministic: over every Total() consecutive purchases
// each suffix comes up Weight times, spread evenly (smooth weighted round
// robin), so a short run has the proportions asked for and two runs of the
// same count send the same amounts.
type Mix struct {
	entries []MixEntry
	cycle   []uint8 // suffix of the purchase at each position of one cycle
}

// ParseMix reads a mix written as comma-separated suffix:weight pairs, e.g.
// "00:88,51:2,05:2,91:2,92:1,93:1,96:2,59:1,54:1". Suffixes are two digits;
// weights are whole numbers (0 leaves the suffix out); their sum is at least
// 1 and at most MixWeightMax.
func ParseMix(s string) (Mix, error) {
	var entries []MixEntry
	seen := map[int]bool{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		suffix, weight, ok := strings.Cut(part, ":")
		if !ok || len(suffix) != 2 || !digits(suffix) || weight == "" || !digits(weight) {
			return Mix{}, fmt.Errorf("mix %q: %q is not SUFFIX:WEIGHT with a two-digit suffix, e.g. 51:2", s, part)
		}
		sfx, _ := strconv.Atoi(suffix)
		w, err := strconv.Atoi(weight)
		if err != nil || w > MixWeightMax {
			return Mix{}, fmt.Errorf("mix %q: weight %q is larger than %d", s, weight, MixWeightMax)
		}
		if seen[sfx] {
			return Mix{}, fmt.Errorf("mix %q: suffix %s given twice", s, suffix)
		}
		seen[sfx] = true
		if w > 0 {
			entries = append(entries, MixEntry{Suffix: sfx, Weight: w})
		}
	}
	return NewMix(entries...)
}

// NewMix builds a mix from its entries.
func NewMix(entries ...MixEntry) (Mix, error) {
	total := 0
	for _, e := range entries {
		if e.Suffix < 0 || e.Suffix > 99 || e.Weight < 0 {
			return Mix{}, fmt.Errorf("mix: suffix %d weight %d out of range", e.Suffix, e.Weight)
		}
		total += e.Weight
		if total > MixWeightMax {
			return Mix{}, fmt.Errorf("mix: the weights add up to more than %d", MixWeightMax)
		}
	}
	if total == 0 {
		return Mix{}, errors.New("mix: the weights add up to 0; give at least one suffix a weight")
	}
	m := Mix{entries: append([]MixEntry(nil), entries...), cycle: make([]uint8, 0, total)}
	current := make([]int, len(entries))
	for range total {
		best := -1
		for i, e := range entries {
			current[i] += e.Weight
			if best < 0 || current[i] > current[best] {
				best = i
			}
		}
		current[best] -= total
		m.cycle = append(m.cycle, uint8(entries[best].Suffix))
	}
	return m, nil
}

// Suffix is the amount suffix of purchase n (counted from 0).
func (m Mix) Suffix(n uint64) int {
	if len(m.cycle) == 0 {
		return 0
	}
	return int(m.cycle[n%uint64(len(m.cycle))])
}

// Total is the sum of the weights: the length of one cycle.
func (m Mix) Total() int { return len(m.cycle) }

// Entries returns the mix's entries with a weight, in the order given.
func (m Mix) Entries() []MixEntry { return append([]MixEntry(nil), m.entries...) }

// IsZero reports whether m is the zero Mix (no entries).
func (m Mix) IsZero() bool { return len(m.cycle) == 0 }

// String writes m the way ParseMix reads it.
func (m Mix) String() string {
	parts := make([]string, len(m.entries))
	for i, e := range m.entries {
		parts[i] = fmt.Sprintf("%02d:%d", e.Suffix, e.Weight)
	}
	return strings.Join(parts, ",")
}

// AmountWithSuffix is base with its last two digits (in minor units)
// replaced by suffix.
func AmountWithSuffix(base int64, suffix int) int64 {
	return base - base%100 + int64(suffix)
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
