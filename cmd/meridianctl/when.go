package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// now is the clock --from and --to count back from; tests replace it.
var now = time.Now

// parseWhen reads a point in time for --from and --to:
//
//	2026-03-01T09:30:00Z, 2026-03-01T09:30:00+01:00   RFC 3339
//	2026-03-01                                       midnight UTC that day
//	24h ago, 90m ago, 7d ago, or just 24h            that long before now
//	now
//
// Durations are Go's (1h30m, 45s) plus whole days ("7d").
func parseWhen(s string) (time.Time, error) {
	text := strings.TrimSpace(s)
	if text == "now" {
		return now(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, text); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, text); err == nil {
		return t, nil
	}
	ago := strings.TrimSpace(strings.TrimSuffix(text, "ago"))
	d, err := parseAge(ago)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: write an RFC 3339 time (2026-03-01T09:30:00Z), a date (2026-03-01) or an age (24h ago, 7d ago)", s)
	}
	return now().Add(-d), nil
}

// parseAge reads a non-negative duration in Go's syntax or in whole days.
func parseAge(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100*366 {
			return 0, fmt.Errorf("bad day count %q", days)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	return d, nil
}
