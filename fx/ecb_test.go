package fx

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	dailyPath   = "../testdata/ecb/eurofxref-daily.xml"
	history90   = "../testdata/ecb/eurofxref-hist-90d.xml"
	ecbSkeleton = `<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<gesmes:subject>Reference rates</gesmes:subject><Cube>%s</Cube></gesmes:Envelope>`
)

func wrapCubes(cubes string) string { return strings.Replace(ecbSkeleton, "%s", cubes, 1) }

func parseFile(t *testing.T, path string) []RateSet {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	days, err := ParseECB(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return days
}

func assertRate(t *testing.T, set RateSet, code, want string) {
	t.Helper()
	if got, ok := set.Rates[code]; !ok || got.String() != want {
		t.Errorf("%s on %s = %s (listed %v), want %s", code, set.AsOf.Format(time.DateOnly), got, ok, want)
	}
}

func TestParseECBReadsTheDailyFile(t *testing.T) {
	days := parseFile(t, dailyPath)
	if len(days) != 1 {
		t.Fatalf("%d publications, want 1", len(days))
	}
	day := days[0]
	if day.Base != "EUR" || day.Source != "ECB" || len(day.Rates) != 29 {
		t.Fatalf("base %s, source %s, %d rates; want EUR, ECB, 29", day.Base, day.Source, len(day.Rates))
	}
	if want := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC); !day.AsOf.Equal(want) {
		t.Errorf("AsOf = %s, want %s (16:00 CET)", day.AsOf, want)
	}
	for code, want := range map[string]string{"USD": "1.1652", "JPY": "178.42", "GBP": "0.87615", "CNY": "8.2964", "KRW": "1701.36", "ISK": "146.3", "IDR": "19428.53", "ZAR": "20.0875"} {
		assertRate(t, day, code, want)
	}
}

func TestParseECBReadsTheNinetyDayFileNewestFirst(t *testing.T) {
	days := parseFile(t, history90)
	var dates []string
	for _, day := range days {
		dates = append(dates, day.AsOf.Format(time.DateOnly))
		if len(day.Rates) != 29 {
			t.Errorf("%s: %d rates, want 29", day.AsOf, len(day.Rates))
		}
	}
	if got := strings.Join(dates, " "); got != "2026-11-25 2026-11-24 2026-11-23 2026-11-20 2026-11-19" {
		t.Fatalf("dates %s", got)
	}
	assertRate(t, days[0], "CNY", "8.2964")
	assertRate(t, days[1], "CNY", "8.2772")
	assertRate(t, days[3], "KRW", "1707.72")
	assertRate(t, days[4], "USD", "1.1661")
}

func TestParseECBRejectsMalformedFilesSayingWhy(t *testing.T) {
	day := func(rates string) string { return wrapCubes(`<Cube time='2026-11-25'>` + rates + `</Cube>`) }
	cases := []struct{ name, input, want string }{
		{"text that is not XML", "not xml at all", "XML"},
		{"truncated XML", day(`<Cube currency='USD' rate='1.1'/>`)[:200], "XML"},
		{"another root element", `<Envelope><Cube><Cube time='2026-11-25'/></Cube></Envelope>`, "XML"},
		{"no publication", wrapCubes(""), "no Cube time"},
		{"a bad date", wrapCubes(`<Cube time='2026-13-01'><Cube currency='USD' rate='1.1'/></Cube>`), `"2026-13-01"`},
		{"a repeated date", wrapCubes(`<Cube time='2026-11-25'><Cube currency='USD' rate='1.1'/></Cube><Cube time='2026-11-25'><Cube currency='USD' rate='1.1'/></Cube>`), "repeated"},
		{"a day without rates", day(""), "no rates"},
		{"an unknown currency", day(`<Cube currency='XYZ' rate='1.1'/>`), `"XYZ"`},
		{"the base listed", day(`<Cube currency='EUR' rate='1'/>`), `"EUR"`},
		{"a repeated currency", day(`<Cube currency='USD' rate='1.1'/><Cube currency='USD' rate='1.2'/>`), "twice"},
		{"a negative rate", day(`<Cube currency='USD' rate='-1.1'/>`), `"USD"`},
		{"a zero rate", day(`<Cube currency='USD' rate='0.0000'/>`), "not positive"},
		{"an unparsable rate", day(`<Cube currency='USD' rate='N/A'/>`), `"USD"`},
		{"a missing rate", day(`<Cube currency='USD'/>`), `"USD"`},
	}
	for _, c := range cases {
		t.Run("a file with "+c.name+" is rejected", func(t *testing.T) {
			_, err := ParseECB(strings.NewReader(c.input))
			if !errors.Is(err, ErrInvalidRates) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want ErrInvalidRates mentioning %s", err, c.want)
			}
		})
	}
}

func TestECBFromAFileServesTheLatestAndKeepsTheHistory(t *testing.T) {
	ecb, err := NewECB(history90)
	if err != nil {
		t.Fatal(err)
	}
	latest, err := ecb.Rates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if latest.AsOf.Format(time.DateOnly) != "2026-11-25" {
		t.Fatalf("latest is of %s", latest.AsOf)
	}
	sunday := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	friday, err := ecb.RatesOn(sunday)
	if err != nil {
		t.Fatal(err)
	}
	if friday.AsOf.Format(time.DateOnly) != "2026-11-20" {
		t.Fatalf("rates on a Sunday are of %s, want the Friday", friday.AsOf)
	}
	assertRate(t, friday, "KRW", "1707.72")
	if _, err := ecb.RatesOn(time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC)); !errors.Is(err, ErrNoRate) {
		t.Fatalf("rates before the history: error = %v, want ErrNoRate", err)
	}
}

func TestECBHistoryKeepsOnlyTheNewestDays(t *testing.T) {
	ecb, err := NewECB(history90, WithECBHistoryDays(2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ecb.Rates(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := ecb.RatesOn(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)); !errors.Is(err, ErrNoRate) {
		t.Fatalf("a third-newest day was kept: %v", err)
	}
	if set, err := ecb.RatesOn(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)); err != nil || set.AsOf.Day() != 24 {
		t.Fatalf("the second-newest day: %v %v", set.AsOf, err)
	}
}

func TestECBFromAURLLoadsOverHTTP(t *testing.T) {
	data, err := os.ReadFile(dailyPath)
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/daily.xml":
			w.Header().Set("Content-Type", "text/xml")
			w.Write(data)
		case "/slow.xml":
			<-r.Context().Done()
		default:
			http.NotFound(w, r)
		}
	}))
	defer server.Close()

	t.Run("the daily file is parsed", func(t *testing.T) {
		ecb, err := NewECB(server.URL+"/daily.xml", WithECBHTTPClient(server.Client()))
		if err != nil {
			t.Fatal(err)
		}
		set, err := ecb.Rates(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		assertRate(t, set, "THB", "37.512")
	})
	t.Run("a non-200 status is an error", func(t *testing.T) {
		ecb, _ := NewECB(server.URL + "/missing.xml")
		if _, err := ecb.Rates(context.Background()); err == nil || !strings.Contains(err.Error(), "404") {
			t.Fatalf("error = %v", err)
		}
	})
	t.Run("a body over the size limit is an error, not truncated", func(t *testing.T) {
		ecb, _ := NewECB(server.URL+"/daily.xml", WithECBMaxBytes(100))
		if _, err := ecb.Rates(context.Background()); err == nil || !strings.Contains(err.Error(), "larger than 100 bytes") {
			t.Fatalf("error = %v", err)
		}
	})
	t.Run("a server that never answers hits the timeout", func(t *testing.T) {
		ecb, _ := NewECB(server.URL+"/slow.xml", WithECBTimeout(20*time.Millisecond))
		if _, err := ecb.Rates(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error = %v, want a deadline error", err)
		}
	})
	t.Run("a cancelled context stops the load", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		ecb, _ := NewECB(server.URL + "/daily.xml")
		if _, err := ecb.Rates(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("error = %v", err)
		}
	})
}

func TestNewECBRejectsBadSourcesAndOptions(t *testing.T) {
	for _, source := range []string{"", "ftp://example.com/rates.xml", "file:///tmp/rates.xml"} {
		if _, err := NewECB(source); err == nil {
			t.Errorf("NewECB(%q) accepted", source)
		}
	}
	if _, err := NewECB(history90, WithECBMaxBytes(0)); err == nil {
		t.Error("a zero size limit was accepted")
	}
	ecb, err := NewECB(filepath.Join(t.TempDir(), "absent.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ecb.Rates(context.Background()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a missing file: error = %v", err)
	}
}

func TestECBReferenceTimeFollowsEUSummerTime(t *testing.T) {
	cases := []struct {
		date    string
		wantUTC int // hour in UTC of 16:00 Frankfurt time
	}{
		{"2026-01-15", 15},
		{"2026-03-28", 15}, // Saturday before the change
		{"2026-03-29", 14}, // last Sunday of March: summer time
		{"2026-07-01", 14},
		{"2026-10-24", 14},
		{"2026-10-25", 15}, // last Sunday of October: winter time
		{"2026-11-25", 15},
	}
	for _, c := range cases {
		date, _ := time.Parse(time.DateOnly, c.date)
		got := ecbReferenceTime(date)
		if got.UTC().Hour() != c.wantUTC || got.Format(time.DateOnly) != c.date {
			t.Errorf("%s: %s, want %02d:00 UTC", c.date, got, c.wantUTC)
		}
	}
}

func BenchmarkParseECBDaily(b *testing.B) {
	data, err := os.ReadFile(dailyPath)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseECB(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
