package main

import (
	"strings"
	"testing"
	"time"
)

func TestTimesAreReadAsRFC3339DatesOrAges(t *testing.T) {
	fixed := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	now = func() time.Time { return fixed }
	t.Cleanup(func() { now = time.Now })
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2026-03-01T09:30:00Z", time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)},
		{"2026-03-01T09:30:00+01:00", time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC)},
		{"2026-03-01", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"now", fixed},
		{"24h ago", fixed.Add(-24 * time.Hour)},
		{"24h", fixed.Add(-24 * time.Hour)},
		{"1h30m ago", fixed.Add(-90 * time.Minute)},
		{"7d ago", fixed.Add(-7 * 24 * time.Hour)},
		{" 7d ", fixed.Add(-7 * 24 * time.Hour)},
	} {
		got, err := parseWhen(tc.in)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "-24h", "24x ago", "2026-13-01", "1.5d", "ago"} {
		if got, err := parseWhen(bad); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
			t.Errorf("parseWhen(%q) = %v, %v; want an error saying what to write", bad, got, err)
		}
	}
}
