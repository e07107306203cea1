package fx

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestStaticServesItsValidatedTable(t *testing.T) {
	static, err := NewStatic(StaticConfig{Date: "2026-11-25", Rates: map[string]string{"CNY": "8.2964", "KRW": "1701.36"}})
	if err != nil {
		t.Fatal(err)
	}
	set, err := static.Rates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantAsOf := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC) // 16:00 CET
	if set.Base != "EUR" || set.Source != "static" || !set.AsOf.Equal(wantAsOf) || set.Rates["KRW"].String() != "1701.36" {
		t.Fatalf("set = %+v", set)
	}
	set.Rates["KRW"] = set.Rates["CNY"] // the caller's copy; the table is unchanged
	again, _ := static.Rates(context.Background())
	if again.Rates["KRW"].String() != "1701.36" {
		t.Fatal("a caller changed the static table")
	}
}

func TestStaticRejectsABadTableNamingTheEntry(t *testing.T) {
	cases := []struct {
		name   string
		config StaticConfig
		want   string
	}{
		{"missing date", StaticConfig{Rates: map[string]string{"CNY": "8.2"}}, "date"},
		{"unknown currency", StaticConfig{Date: "2026-11-25", Rates: map[string]string{"XYZ": "8.2"}}, `"XYZ"`},
		{"zero rate", StaticConfig{Date: "2026-11-25", Rates: map[string]string{"CNY": "0"}}, `"CNY"`},
		{"unparsable rate", StaticConfig{Date: "2026-11-25", Rates: map[string]string{"CNY": "eight"}}, `"CNY"`},
		{"base listed", StaticConfig{Date: "2026-11-25", Rates: map[string]string{"EUR": "1"}}, `"EUR"`},
		{"bad base", StaticConfig{Base: "EURO", Date: "2026-11-25", Rates: map[string]string{"CNY": "8.2"}}, `"EURO"`},
		{"empty", StaticConfig{Date: "2026-11-25"}, "no rates"},
	}
	for _, c := range cases {
		t.Run("a table with "+c.name+" is rejected", func(t *testing.T) {
			_, err := NewStatic(c.config)
			if !errors.Is(err, ErrInvalidRates) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want ErrInvalidRates mentioning %s", err, c.want)
			}
		})
	}
}
