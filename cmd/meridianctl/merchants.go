package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

var merchantsNoun = noun{
	name:    "merchants",
	summary: "onboard and manage merchants",
	verbs: []verb{
		{name: "create", args: []string{"MERCHANT_ID"}, setup: merchantsCreate,
			synopsis: "--legal-name NAME --mcc MCC --country CC --city CITY --currency CUR --schemes S1,S2 [flags]",
			summary:  "onboard a merchant (active at once)",
			help: `Onboards a merchant. MERCHANT_ID is what its terminals send in DE 42:
1 to 15 printable characters, new to the whole gateway. The merchant is
active at once; add terminals next (meridianctl terminals add).

Examples:
  meridianctl merchants create BERLINCAFE0001 --legal-name "Cafe Berlin GmbH" \
      --trading-name "Cafe Berlin" --mcc 5814 --country DE --city Berlin \
      --currency EUR --schemes ALIPAYPLUS,KAKAOPAY --markup ALIPAYPLUS=1.50 \
      --max-amount 500.00 --max-per-minute 10
  meridianctl merchants create BERLINCAFE0001 ... --request-id 6f1c...   # retry safely
`},
		{name: "list", setup: merchantsList,
			summary: "list your merchants",
			help: `Lists your acquirer's merchants in id order.

Examples:
  meridianctl merchants list
  meridianctl merchants list --status suspended
  meridianctl merchants list --all --output json
`},
		{name: "get", args: []string{"MERCHANT_ID"}, setup: merchantsGet,
			summary: "show one merchant",
			help: `Shows one of your merchants.

Examples:
  meridianctl merchants get BERLINCAFE0001
  meridianctl merchants get BERLINCAFE0001 -o json
`},
		{name: "update", args: []string{"MERCHANT_ID"}, setup: merchantsUpdate,
			synopsis: "[--legal-name NAME] [--schemes S1,S2] [--max-amount A] [flags]",
			summary:  "change a merchant's details or limits",
			help: `Changes the fields whose flags are given, and only those. Terminals see
the change on their next request. The currency cannot change.

Examples:
  meridianctl merchants update BERLINCAFE0001 --max-amount 250.00
  meridianctl merchants update BERLINCAFE0001 --schemes ALIPAYPLUS --markup ALIPAYPLUS=1.25
  meridianctl merchants update BERLINCAFE0001 --max-amount 0      # no limit of its own
  meridianctl merchants update BERLINCAFE0001 --markup ""         # the gateway's default mark-ups
`},
		{name: "suspend", args: []string{"MERCHANT_ID"}, setup: merchantStatusChange("suspend"),
			summary: "stop a merchant's terminals from transacting",
			help: `Suspends a merchant: its terminals' next requests are declined (RC 03)
until it is activated again.

Examples:
  meridianctl merchants suspend BERLINCAFE0001 --reason "KYC review"
`},
		{name: "activate", args: []string{"MERCHANT_ID"}, setup: merchantStatusChange("activate"),
			summary: "let a suspended merchant transact again",
			help: `Activates a suspended merchant.

Examples:
  meridianctl merchants activate BERLINCAFE0001 --reason "KYC done"
`},
		{name: "close", args: []string{"MERCHANT_ID"}, setup: merchantStatusChange("close"),
			summary: "end a merchant for good",
			help: `Closes a merchant for good: it never transacts again and cannot be
changed or reopened.

Examples:
  meridianctl merchants close BERLINCAFE0001 --reason "contract ended"
`},
	},
}

// merchantFlags are the merchant's settable fields, shared by create and
// update.
type merchantFlags struct {
	legalName, tradingName, mcc, country, city string
	schemes                                    string
	markup                                     markupFlag
	maxAmount                                  string
	perMinute, perDay                          uint
}

// merchantFlagPaths maps each update flag to the field it sets.
var merchantFlagPaths = map[string]string{
	"legal-name":     "legal_name",
	"trading-name":   "trading_name",
	"mcc":            "mcc",
	"country":        "country",
	"city":           "city",
	"schemes":        "schemes",
	"markup":         "markup_percent",
	"max-amount":     "max_amount",
	"max-per-minute": "frequency_limits.purchases_per_terminal_per_minute",
	"max-per-day":    "frequency_limits.purchases_per_terminal_per_day",
}

func (m *merchantFlags) register(fs *flag.FlagSet) {
	m.markup = markupFlag{}
	fs.StringVar(&m.legalName, "legal-name", "", "registered `name` of the business")
	fs.StringVar(&m.tradingName, "trading-name", "", "`name` customers see (at create, default the legal name)")
	fs.StringVar(&m.mcc, "mcc", "", "merchant category `code`, 4 digits (ISO 18245)")
	fs.StringVar(&m.country, "country", "", "ISO 3166-1 alpha-2 `code`, e.g. DE")
	fs.StringVar(&m.city, "city", "", "`city`")
	fs.StringVar(&m.schemes, "schemes", "", "comma-separated scheme `ids` it accepts, e.g. ALIPAYPLUS,KAKAOPAY")
	fs.Var(m.markup, "markup", "FX mark-up `SCHEME=PERCENT` (repeat, or comma-separate); schemes not named use the gateway's default; an update replaces the whole table (--markup \"\" clears it)")
	fs.StringVar(&m.maxAmount, "max-amount", "", "largest purchase, a decimal `amount` in its currency; 0 for no limit")
	fs.UintVar(&m.perMinute, "max-per-minute", 0, "purchases one terminal may make per minute (`N`, 0 no limit)")
	fs.UintVar(&m.perDay, "max-per-day", 0, "purchases one terminal may make per UTC day (`N`, 0 no limit)")
}

// fill sets the fields of merchant from the flags; currency is the
// merchant's, for --max-amount.
func (m *merchantFlags) fill(merchant *adminv1.Merchant, currency string) error {
	merchant.LegalName, merchant.TradingName = m.legalName, m.tradingName
	merchant.Mcc, merchant.Country, merchant.City = m.mcc, strings.ToUpper(m.country), m.city
	merchant.Schemes = commaList(strings.ToUpper(m.schemes))
	merchant.MarkupPercent = maps.Clone(m.markup)
	if m.perMinute > math.MaxUint32 || m.perDay > math.MaxUint32 {
		return usagef("--max-per-minute and --max-per-day: at most %d", uint32(math.MaxUint32))
	}
	merchant.FrequencyLimits = &adminv1.FrequencyLimits{
		PurchasesPerTerminalPerMinute: uint32(m.perMinute),
		PurchasesPerTerminalPerDay:    uint32(m.perDay),
	}
	if m.maxAmount != "" && !isZeroAmount(m.maxAmount) {
		cur, err := currencyFlag("currency", currency)
		if err != nil {
			return err
		}
		if merchant.MaxAmount, err = parseAmount(m.maxAmount, cur); err != nil {
			return usagef("--max-amount: %v", err)
		}
	}
	return nil
}

func merchantsCreate(fs *flag.FlagSet) action {
	var m merchantFlags
	m.register(fs)
	currency := fs.String("currency", "", "ISO 4217 `code` it is settled in, e.g. EUR (cannot change later)")
	requestID := requestIDFlag(fs)
	return func(s *session, args []string) error {
		if err := missing("legal-name", m.legalName, "mcc", m.mcc, "country", m.country,
			"city", m.city, "currency", *currency, "schemes", m.schemes); err != nil {
			return err
		}
		if m.tradingName == "" {
			m.tradingName = m.legalName
		}
		cur, err := currencyFlag("currency", *currency)
		if err != nil {
			return err
		}
		merchant := &adminv1.Merchant{Id: args[0], Currency: cur.Code}
		if err := m.fill(merchant, cur.Code); err != nil {
			return err
		}
		request := &adminv1.CreateMerchantRequest{RequestId: s.requestID(*requestID), Merchant: merchant}
		ctx, cancel := s.call()
		defer cancel()
		created, err := adminv1.NewMerchantServiceClient(s.conn).CreateMerchant(ctx, request)
		if err != nil {
			return err
		}
		return s.showMerchant(created)
	}
}

func merchantsList(fs *flag.FlagSet) action {
	var l listFlags
	l.register(fs, "merchants")
	status := fs.String("status", "", "only merchants in this `status`: active, suspended or closed")
	return func(s *session, _ []string) error {
		if err := l.check(); err != nil {
			return err
		}
		request := &adminv1.ListMerchantsRequest{}
		if *status != "" {
			value, err := parseEnum("status", *status, "MERCHANT_STATUS_", adminv1.MerchantStatus_value)
			if err != nil {
				return err
			}
			request.Status = adminv1.MerchantStatus(value)
		}
		client := adminv1.NewMerchantServiceClient(s.conn)
		result := &adminv1.ListMerchantsResponse{}
		next, err := s.walk(&l, func(ctx context.Context, size int32, token string) (int, string, error) {
			request.PageSize, request.PageToken = size, token
			page, err := client.ListMerchants(ctx, request)
			if err != nil {
				return 0, "", err
			}
			result.Merchants = append(result.Merchants, page.GetMerchants()...)
			return len(page.GetMerchants()), page.GetNextPageToken(), nil
		})
		if err != nil {
			return err
		}
		result.NextPageToken = next
		err = s.showList(result, len(result.GetMerchants()), "merchants", func(t *table) {
			t.row("ID", "TRADING NAME", "MCC", "COUNTRY", "CITY", "CURRENCY", "SCHEMES", "STATUS", "CREATED")
			for _, m := range result.GetMerchants() {
				t.row(m.GetId(), m.GetTradingName(), m.GetMcc(), m.GetCountry(), m.GetCity(), m.GetCurrency(),
					strings.Join(m.GetSchemes(), ","), merchantStatus(m.GetStatus()), when(m.GetCreateTime()))
			}
		})
		s.moreHint(next)
		return err
	}
}

func merchantsGet(fs *flag.FlagSet) action {
	return func(s *session, args []string) error {
		ctx, cancel := s.call()
		defer cancel()
		merchant, err := adminv1.NewMerchantServiceClient(s.conn).GetMerchant(ctx, &adminv1.GetMerchantRequest{MerchantId: args[0]})
		if err != nil {
			return err
		}
		return s.showMerchant(merchant)
	}
}

func merchantsUpdate(fs *flag.FlagSet) action {
	var m merchantFlags
	m.register(fs)
	return func(s *session, args []string) error {
		var paths []string
		fs.Visit(func(f *flag.Flag) {
			if path, ok := merchantFlagPaths[f.Name]; ok {
				paths = append(paths, path)
			}
		})
		if len(paths) == 0 {
			return usagef("nothing to change: give at least one of --%s", strings.Join(slices.Sorted(maps.Keys(merchantFlagPaths)), ", --"))
		}
		client := adminv1.NewMerchantServiceClient(s.conn)
		merchant := &adminv1.Merchant{Id: args[0]}
		if m.maxAmount != "" && !isZeroAmount(m.maxAmount) {
			// The amount is in the merchant's currency, which only the
			// server knows.
			ctx, cancel := s.call()
			current, err := client.GetMerchant(ctx, &adminv1.GetMerchantRequest{MerchantId: args[0]})
			cancel()
			if err != nil {
				return err
			}
			merchant.Currency = current.GetCurrency()
		}
		if err := m.fill(merchant, merchant.Currency); err != nil {
			return err
		}
		merchant.Currency = ""
		ctx, cancel := s.call()
		defer cancel()
		updated, err := client.UpdateMerchant(ctx, &adminv1.UpdateMerchantRequest{
			Merchant: merchant, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths},
		})
		if err != nil {
			return err
		}
		return s.showMerchant(updated)
	}
}

// merchantStatusChange makes suspend, activate and close, which differ only
// in the call.
func merchantStatusChange(change string) func(fs *flag.FlagSet) action {
	return func(fs *flag.FlagSet) action {
		reason := fs.String("reason", "", "why, for the audit log (up to 200 characters)")
		return func(s *session, args []string) error {
			client := adminv1.NewMerchantServiceClient(s.conn)
			ctx, cancel := s.call()
			defer cancel()
			var merchant *adminv1.Merchant
			var err error
			switch change {
			case "suspend":
				merchant, err = client.SuspendMerchant(ctx, &adminv1.SuspendMerchantRequest{MerchantId: args[0], Reason: *reason})
			case "activate":
				merchant, err = client.ActivateMerchant(ctx, &adminv1.ActivateMerchantRequest{MerchantId: args[0], Reason: *reason})
			default:
				merchant, err = client.CloseMerchant(ctx, &adminv1.CloseMerchantRequest{MerchantId: args[0], Reason: *reason})
			}
			if err != nil {
				return err
			}
			return s.showMerchant(merchant)
		}
	}
}

// showMerchant prints one merchant.
func (s *session) showMerchant(m *adminv1.Merchant) error {
	return s.out.show(m, func(t *table) {
		t.field("ID", m.GetId())
		t.field("Legal name", m.GetLegalName())
		t.field("Trading name", m.GetTradingName())
		t.field("MCC", m.GetMcc())
		t.field("Country", m.GetCountry())
		t.field("City", m.GetCity())
		t.field("Currency", m.GetCurrency())
		t.field("Schemes", strings.Join(m.GetSchemes(), ", "))
		t.field("Mark-up", markupText(m.GetMarkupPercent()))
		maxAmount := "no limit"
		if m.GetMaxAmount() > 0 {
			maxAmount = formatAmount(m.GetMaxAmount(), m.GetCurrency())
		}
		t.field("Max amount", maxAmount)
		t.field("Frequency", frequencyText(m.GetFrequencyLimits()))
		t.field("Status", merchantStatus(m.GetStatus()))
		t.field("Created", when(m.GetCreateTime()))
		t.field("Updated", when(m.GetUpdateTime()))
	})
}

func merchantStatus(status adminv1.MerchantStatus) string {
	return enumWord(status.String(), "MERCHANT_STATUS_")
}

func markupText(markup map[string]string) string {
	if len(markup) == 0 {
		return "gateway default"
	}
	var parts []string
	for _, scheme := range slices.Sorted(maps.Keys(markup)) {
		parts = append(parts, scheme+" "+markup[scheme]+"%")
	}
	return strings.Join(parts, ", ")
}

func frequencyText(limits *adminv1.FrequencyLimits) string {
	var parts []string
	if n := limits.GetPurchasesPerTerminalPerMinute(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d per minute", n))
	}
	if n := limits.GetPurchasesPerTerminalPerDay(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d per day", n))
	}
	if len(parts) == 0 {
		return "no limit"
	}
	return strings.Join(parts, ", ") + " per terminal"
}

// markupFlag collects --markup SCHEME=PERCENT, repeated or comma-separated.
type markupFlag map[string]string

func (m markupFlag) String() string { return "" }

func (m markupFlag) Set(value string) error {
	for _, pair := range commaList(value) {
		scheme, percent, ok := strings.Cut(pair, "=")
		scheme, percent = strings.ToUpper(strings.TrimSpace(scheme)), strings.TrimSpace(percent)
		if !ok || scheme == "" || percent == "" {
			return fmt.Errorf("%q: write SCHEME=PERCENT, e.g. ALIPAYPLUS=1.50", pair)
		}
		m[scheme] = percent
	}
	return nil
}
