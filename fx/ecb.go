package fx

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// ECBSource is the Source name of rates from the ECB.
const ECBSource = "ECB"

// Public addresses of the ECB euro foreign exchange reference rates.
const (
	ECBDailyURL     = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
	ECBHistory90URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml"
)

// Defaults of the ECB provider's options.
const (
	// DefaultECBTimeout bounds one load from a URL, connection to last byte.
	DefaultECBTimeout = 10 * time.Second
	// DefaultECBMaxBytes bounds the file read: the 90-day file is about
	// 60 KiB, so 1 MiB leaves room without trusting the other end.
	DefaultECBMaxBytes = 1 << 20
	// DefaultECBHistoryDays bounds the publications kept for RatesOn.
	DefaultECBHistoryDays = 100
)

// ECB is a Provider of the ECB euro foreign exchange reference rates, read
// from the daily file (eurofxref-daily.xml) or the 90-day history
// (eurofxref-hist-90d.xml), at a URL or in a local file.
//
// Every Rates call loads the source again; wrap the provider in a Cache.
// Loaded publications are kept (up to the history bound) for RatesOn. An
// ECB is safe for concurrent use.
type ECB struct {
	source      string
	client      *http.Client
	timeout     time.Duration
	maxBytes    int64
	historyDays int

	mu      sync.Mutex
	history map[string]RateSet // guarded by mu; by date "YYYY-MM-DD"
}

var _ Provider = (*ECB)(nil)

// ECBOption sets an optional setting of NewECB.
type ECBOption func(*ECB)

// WithECBHTTPClient sets the client used for URL sources (default: a client
// with no settings of its own; the per-load timeout applies either way).
func WithECBHTTPClient(client *http.Client) ECBOption {
	return func(e *ECB) { e.client = client }
}

// WithECBTimeout bounds one load from a URL (default DefaultECBTimeout).
func WithECBTimeout(timeout time.Duration) ECBOption {
	return func(e *ECB) { e.timeout = timeout }
}

// WithECBMaxBytes bounds the size of the file read (default DefaultECBMaxBytes);
// a larger file is an error, not truncated.
func WithECBMaxBytes(maxBytes int64) ECBOption {
	return func(e *ECB) { e.maxBytes = maxBytes }
}

// WithECBHistoryDays bounds how many publications are kept for RatesOn
// (default DefaultECBHistoryDays); the newest are kept.
func WithECBHistoryDays(days int) ECBOption {
	return func(e *ECB) { e.historyDays = days }
}

// NewECB returns an ECB provider reading source: an "https://" or
// "http://" URL, or else a local file path. Other "scheme://" sources are
// rejected. Nothing is loaded until Rates.
func NewECB(source string, options ...ECBOption) (*ECB, error) {
	e := &ECB{
		source:      source,
		client:      &http.Client{},
		timeout:     DefaultECBTimeout,
		maxBytes:    DefaultECBMaxBytes,
		historyDays: DefaultECBHistoryDays,
		history:     make(map[string]RateSet),
	}
	for _, option := range options {
		option(e)
	}
	switch {
	case source == "":
		return nil, errors.New("fx: ECB source is empty")
	case strings.Contains(source, "://") && !e.isURL():
		return nil, fmt.Errorf("fx: ECB source %q: only http and https URLs or file paths", source)
	case e.timeout <= 0 || e.maxBytes <= 0 || e.historyDays <= 0 || e.client == nil:
		return nil, errors.New("fx: ECB options: timeout, max bytes and history days must be positive, client non-nil")
	}
	return e, nil
}

func (e *ECB) isURL() bool {
	return strings.HasPrefix(e.source, "https://") || strings.HasPrefix(e.source, "http://")
}

// Rates loads the source and returns its latest publication. Errors wrap
// ErrInvalidRates when the file is malformed.
func (e *ECB) Rates(ctx context.Context) (RateSet, error) {
	data, err := e.load(ctx)
	if err != nil {
		return RateSet{}, err
	}
	days, err := ParseECB(bytes.NewReader(data))
	if err != nil {
		return RateSet{}, fmt.Errorf("fx: ECB source %s: %w", e.source, err)
	}
	e.remember(days)
	latest := days[0]
	latest.Rates = maps.Clone(latest.Rates)
	return latest, nil
}

// RatesOn returns the latest publication kept with a reference date on or
// before day's calendar date (so a Saturday gives Friday's rates). It reads
// only what earlier Rates calls loaded; ErrNoRate if none qualifies.
func (e *ECB) RatesOn(day time.Time) (RateSet, error) {
	want := day.Format(time.DateOnly)
	e.mu.Lock()
	defer e.mu.Unlock()
	best := ""
	for date := range e.history {
		if date <= want && date > best {
			best = date
		}
	}
	if best == "" {
		return RateSet{}, fmt.Errorf("%w: no ECB publication kept on or before %s", ErrNoRate, want)
	}
	set := e.history[best]
	set.Rates = maps.Clone(set.Rates)
	return set, nil
}

func (e *ECB) remember(days []RateSet) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, day := range days {
		e.history[day.AsOf.Format(time.DateOnly)] = day
	}
	if len(e.history) <= e.historyDays {
		return
	}
	dates := slices.Sorted(maps.Keys(e.history))
	for _, date := range dates[:len(dates)-e.historyDays] {
		delete(e.history, date)
	}
}

// load reads the whole source, at most maxBytes.
func (e *ECB) load(ctx context.Context) ([]byte, error) {
	if !e.isURL() {
		file, err := os.Open(e.source)
		if err != nil {
			return nil, fmt.Errorf("fx: ECB: %w", err)
		}
		defer file.Close()
		return e.readLimited(file)
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	request, err := http.NewRequestWithContext(ctx, http.MethodGet, e.source, nil)
	if err != nil {
		return nil, fmt.Errorf("fx: ECB: %w", err)
	}
	request.Header.Set("Accept", "application/xml, text/xml")
	response, err := e.client.Do(request)
	if err != nil {
		return nil, fmt.Errorf("fx: ECB: %w", err)
	}
	defer response.Body.Close()
	if response.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fx: ECB: GET %s: status %s", e.source, response.Status)
	}
	return e.readLimited(response.Body)
}

func (e *ECB) readLimited(reader io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(reader, e.maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fx: ECB: reading %s: %w", e.source, err)
	}
	if int64(len(data)) > e.maxBytes {
		return nil, fmt.Errorf("fx: ECB: %s is larger than %d bytes", e.source, e.maxBytes)
	}
	return data, nil
}

// ecbEnvelope mirrors the ECB file: gesmes:Envelope > Cube > Cube time >
// Cube currency rate.
type ecbEnvelope struct {
	XMLName xml.Name `xml:"http://www.gesmes.org/xml/2002-08-01 Envelope"`
	Cube    struct {
		Days []struct {
			Time  string `xml:"time,attr"`
			Rates []struct {
				Currency string `xml:"currency,attr"`
				Rate     string `xml:"rate,attr"`
			} `xml:"Cube"`
		} `xml:"Cube"`
	} `xml:"http://www.ecb.int/vocabulary/2002-08-01/eurofxref Cube"`
}

// ParseECB parses an ECB reference rates file (daily or history) and
// returns its publications, newest first. Each has Base "EUR", Source
// ECBSource and AsOf 16:00 Frankfurt time of its date. Errors wrap
// ErrInvalidRates: malformed XML, no publication, a bad or repeated date, a
// currency that is not ISO 4217 or repeated, a rate that is not a plain
// positive decimal.
func ParseECB(reader io.Reader) ([]RateSet, error) {
	var envelope ecbEnvelope
	if err := xml.NewDecoder(reader).Decode(&envelope); err != nil {
		return nil, fmt.Errorf("%w: ECB XML: %v", ErrInvalidRates, err)
	}
	if len(envelope.Cube.Days) == 0 {
		return nil, fmt.Errorf("%w: ECB XML: no Cube time element", ErrInvalidRates)
	}
	days := make([]RateSet, 0, len(envelope.Cube.Days))
	seen := make(map[string]bool, len(envelope.Cube.Days))
	for _, day := range envelope.Cube.Days {
		date, err := time.Parse(time.DateOnly, day.Time)
		if err != nil || seen[day.Time] {
			return nil, fmt.Errorf("%w: ECB XML: Cube time %q: bad or repeated date", ErrInvalidRates, day.Time)
		}
		seen[day.Time] = true
		where := "ECB day " + day.Time
		rates := make(map[string]decimal.Decimal, len(day.Rates))
		for _, entry := range day.Rates {
			value, err := parseRate(entry.Rate)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: currency %q: %v", ErrInvalidRates, where, entry.Currency, err)
			}
			if _, repeated := rates[entry.Currency]; repeated {
				return nil, fmt.Errorf("%w: %s: currency %q listed twice", ErrInvalidRates, where, entry.Currency)
			}
			rates[entry.Currency] = value
		}
		if err := validateRates("EUR", rates, where); err != nil {
			return nil, err
		}
		days = append(days, RateSet{Base: "EUR", AsOf: ecbReferenceTime(date), Source: ECBSource, Rates: rates})
	}
	slices.SortFunc(days, func(a, b RateSet) int { return b.AsOf.Compare(a.AsOf) })
	return days, nil
}

var (
	centralEuropeanTime       = time.FixedZone("CET", 1*60*60)
	centralEuropeanSummerTime = time.FixedZone("CEST", 2*60*60)
)

// ecbReferenceTime returns 16:00 Frankfurt time on date's calendar day, the
// time the ECB's reference rates refer to. The EU summer-time rule (last
// Sunday of March to last Sunday of October) is applied here rather than
// loading Europe/Berlin, so the result does not depend on the host's
// time zone database.
func ecbReferenceTime(date time.Time) time.Time {
	year, month, day := date.Date()
	zone := centralEuropeanTime
	if isEUSummerTime(year, month, day) {
		zone = centralEuropeanSummerTime
	}
	return time.Date(year, month, day, 16, 0, 0, 0, zone)
}

// isEUSummerTime reports whether 16:00 local on the day is summer time:
// from the last Sunday of March through the day before the last Sunday of
// October (both changes happen at 01:00 UTC, before 16:00).
func isEUSummerTime(year int, month time.Month, day int) bool {
	lastSunday := func(m time.Month) int {
		last := time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC)
		return last.Day() - int(last.Weekday())
	}
	switch {
	case month > time.March && month < time.October:
		return true
	case month == time.March:
		return day >= lastSunday(time.March)
	case month == time.October:
		return day < lastSunday(time.October)
	}
	return false
}
