package main

import (
	"strings"
	"testing"

	"github.com/meridian-gw/meridian/fx"
)

func TestAmountsAreReadExactlyInTheCurrencysMinorUnits(t *testing.T) {
	for _, tc := range []struct {
		in, currency string
		want         int64
		err          string
	}{
		{"5.00", "EUR", 500, ""},
		{"5", "EUR", 500, ""},
		{"5.1", "EUR", 510, ""},
		{"0.01", "EUR", 1, ""},
		{"0.29", "EUR", 29, ""}, // 0.29 is not exact in binary floating point
		{"1000", "KRW", 1000, ""},
		{"1.5", "KRW", 0, "KRW has no decimal places"},
		{"1.234", "KWD", 1234, ""},
		{"1.2345", "KWD", 0, "KWD has 3 decimal places"},
		{"5.", "EUR", 0, "write it like"},
		{".5", "EUR", 0, "write it like"},
		{"", "EUR", 0, "write it like"},
		{"-1", "EUR", 0, "only digits"},
		{"+1", "EUR", 0, "only digits"},
		{"1e3", "EUR", 0, "only digits"},
		{"1,50", "EUR", 0, "only digits"},
		{" 5", "EUR", 0, "only digits"},
		{"0", "EUR", 0, "more than zero"},
		{"0.00", "EUR", 0, "more than zero"},
		{"0000000000000000000000001", "EUR", 100, ""},
		{"9999999999999.99", "EUR", 999999999999999, ""},
		{"99999999999999.99", "EUR", 0, "too large"},
	} {
		cur, _ := fx.ByCode(tc.currency)
		got, err := parseAmount(tc.in, cur)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseAmount(%q, %s) = %d, %v; want an error mentioning %q", tc.in, tc.currency, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseAmount(%q, %s) = %d, %v; want %d", tc.in, tc.currency, got, err, tc.want)
		}
	}
}

func TestAmountsPrintWithTheCurrencysExponent(t *testing.T) {
	for _, tc := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{500, "EUR", "5.00 EUR"},
		{5, "EUR", "0.05 EUR"},
		{0, "EUR", "0.00 EUR"},
		{-1250, "EUR", "-12.50 EUR"},
		{1000, "KRW", "1000 KRW"},
		{1234, "KWD", "1.234 KWD"},
		{7, "XYZ", "7 XYZ"},
	} {
		if got := formatAmount(tc.minor, tc.currency); got != tc.want {
			t.Errorf("formatAmount(%d, %s) = %q, want %q", tc.minor, tc.currency, got, tc.want)
		}
	}
}

func TestCurrencyFlagsAcceptAnyCaseButOnlyISOCodes(t *testing.T) {
	if cur, err := currencyFlag("currency", "eur"); err != nil || cur.Code != "EUR" {
		t.Errorf(`currencyFlag("eur") = %v, %v; want EUR`, cur, err)
	}
	if _, err := currencyFlag("currency", "EURO"); err == nil || !strings.Contains(err.Error(), "--currency \"EURO\" is not an ISO 4217") {
		t.Errorf(`currencyFlag("EURO") error = %v`, err)
	}
}
