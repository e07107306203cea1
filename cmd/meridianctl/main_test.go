package main

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

// createMerchant onboards merchant id with fixed details.
func createMerchant(t *testing.T, a *adminServer, id string, extra ...string) result {
	t.Helper()
	args := append([]string{"merchants", "create", id, "--legal-name", "Cafe Berlin GmbH", "--trading-name", "Cafe Berlin",
		"--mcc", "5814", "--country", "de", "--city", "Berlin", "--currency", "eur", "--schemes", "ALIPAYPLUS,KAKAOPAY"}, extra...)
	return a.ok(t, args...)
}

var requestIDNote = regexp.MustCompile(`request id ([0-9a-f]{32}) \(to retry this safely, add --request-id ([0-9a-f]{32})\)`)

func TestOnboardingThroughTheCLI(t *testing.T) {
	a := startAdmin(t, adminOptions{})

	t.Run("A merchant, its store and its terminal are onboarded end to end", func(t *testing.T) {
		r := createMerchant(t, a, "BERLINCAFE0001", "--markup", "ALIPAYPLUS=1.50", "--max-amount", "500.00", "--max-per-minute", "10")
		m := fields(r.stdout)
		for name, want := range map[string]string{
			"ID": "BERLINCAFE0001", "Legal name": "Cafe Berlin GmbH", "Trading name": "Cafe Berlin", "MCC": "5814",
			"Country": "DE", "Currency": "EUR", "Schemes": "ALIPAYPLUS, KAKAOPAY", "Mark-up": "ALIPAYPLUS 1.50%",
			"Max amount": "500.00 EUR", "Frequency": "10 per minute per terminal", "Status": "active",
		} {
			if m[name] != want {
				t.Errorf("merchants create printed %s %q, want %q\n%s", name, m[name], want, r.stdout)
			}
		}
		match := requestIDNote.FindStringSubmatch(r.stderr)
		if match == nil || match[1] != match[2] {
			t.Errorf("merchants create did not print the request id it chose on stderr:\n%s", r.stderr)
		}

		r = a.ok(t, "stores", "create", "MITTE", "--merchant", "BERLINCAFE0001", "--name", "Cafe Berlin Mitte",
			"--address", "Torstrasse 1", "--city", "Berlin", "--request-id", "store-mitte-1")
		if s := fields(r.stdout); s["ID"] != "MITTE" || s["Merchant"] != "BERLINCAFE0001" || s["Address"] != "Torstrasse 1" {
			t.Errorf("stores create printed:\n%s", r.stdout)
		}
		if strings.Contains(r.stderr, "request id") {
			t.Errorf("stores create announced a request id although one was given:\n%s", r.stderr)
		}

		r = a.ok(t, "terminals", "add", "BER00001", "--merchant", "BERLINCAFE0001", "--store", "MITTE")
		if term := fields(r.stdout); term["ID"] != "BER00001" || term["Store"] != "MITTE" || term["Status"] != "active" {
			t.Errorf("terminals add printed:\n%s", r.stdout)
		}

		if got := fields(a.ok(t, "merchants", "get", "BERLINCAFE0001").stdout); got["Max amount"] != "500.00 EUR" {
			t.Errorf("merchants get shows max amount %q", got["Max amount"])
		}
		if got := fields(a.ok(t, "stores", "get", "MITTE", "--merchant", "BERLINCAFE0001").stdout); got["Name"] != "Cafe Berlin Mitte" {
			t.Errorf("stores get shows name %q", got["Name"])
		}
		if got := fields(a.ok(t, "terminals", "get", "BER00001").stdout); got["Merchant"] != "BERLINCAFE0001" {
			t.Errorf("terminals get shows merchant %q", got["Merchant"])
		}
	})

	t.Run("A create retried with its request id does nothing twice, and the id cannot be reused for another", func(t *testing.T) {
		first := createMerchant(t, a, "RETRY0001", "--request-id", "retry-1")
		again := createMerchant(t, a, "RETRY0001", "--request-id", "retry-1")
		if fields(first.stdout)["Created"] != fields(again.stdout)["Created"] {
			t.Errorf("the retry answered another merchant:\n%s\n%s", first.stdout, again.stdout)
		}
		a.fails(t, exitRefused, "--request-id was used before for a different request",
			"merchants", "create", "RETRY0002", "--legal-name", "X", "--mcc", "5814", "--country", "DE",
			"--city", "Berlin", "--currency", "EUR", "--schemes", "ALIPAYPLUS", "--request-id", "retry-1")
		a.fails(t, exitRefused, "already exists", "terminals", "add", "BER00001", "--merchant", "RETRY0001")
	})

	t.Run("An update changes only the fields whose flags are given", func(t *testing.T) {
		r := a.ok(t, "merchants", "update", "BERLINCAFE0001", "--max-amount", "250", "--city", "Potsdam")
		m := fields(r.stdout)
		if m["Max amount"] != "250.00 EUR" || m["City"] != "Potsdam" || m["Legal name"] != "Cafe Berlin GmbH" ||
			m["Mark-up"] != "ALIPAYPLUS 1.50%" || m["Frequency"] != "10 per minute per terminal" {
			t.Errorf("merchants update printed:\n%s", r.stdout)
		}
		m = fields(a.ok(t, "merchants", "update", "BERLINCAFE0001", "--max-amount", "0", "--max-per-minute", "0").stdout)
		if m["Max amount"] != "no limit" || m["Frequency"] != "no limit" || m["City"] != "Potsdam" {
			t.Errorf("merchants update to no limits printed:\n%v", m)
		}
		m = fields(a.ok(t, "merchants", "update", "BERLINCAFE0001", "--markup", "").stdout)
		if m["Mark-up"] != "gateway default" || m["City"] != "Potsdam" {
			t.Errorf("merchants update --markup '' printed:\n%v", m)
		}
	})

	t.Run("Merchants and terminals are suspended, activated and closed", func(t *testing.T) {
		if s := fields(a.ok(t, "terminals", "suspend", "BER00001", "--reason", "reported stolen").stdout)["Status"]; s != "suspended" {
			t.Errorf("terminals suspend left status %q", s)
		}
		if s := fields(a.ok(t, "terminals", "activate", "BER00001").stdout)["Status"]; s != "active" {
			t.Errorf("terminals activate left status %q", s)
		}
		createMerchant(t, a, "CLOSING0001")
		if s := fields(a.ok(t, "merchants", "suspend", "CLOSING0001", "--reason", "KYC review").stdout)["Status"]; s != "suspended" {
			t.Errorf("merchants suspend left status %q", s)
		}
		if s := fields(a.ok(t, "merchants", "activate", "CLOSING0001").stdout)["Status"]; s != "active" {
			t.Errorf("merchants activate left status %q", s)
		}
		if s := fields(a.ok(t, "merchants", "close", "CLOSING0001", "--reason", "contract ended").stdout)["Status"]; s != "closed" {
			t.Errorf("merchants close left status %q", s)
		}
		a.fails(t, exitRefused, "refused: ", "merchants", "update", "CLOSING0001", "--city", "Hamburg")
		r := a.ok(t, "merchants", "list", "--status", "closed")
		if got := rows(r.stdout); len(got) != 2 || got[1][0] != "CLOSING0001" {
			t.Errorf("merchants list --status closed printed:\n%s", r.stdout)
		}
	})

	t.Run("Lists print aligned columns under a header", func(t *testing.T) {
		r := a.ok(t, "merchants", "list")
		lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID ") {
			t.Fatalf("merchants list printed:\n%s", r.stdout)
		}
		column := strings.Index(lines[0], "TRADING NAME")
		for _, line := range lines[1:] {
			if !strings.HasPrefix(line[column:], "Cafe Berlin ") {
				t.Errorf("the TRADING NAME column is not aligned at %d:\n%s", column, r.stdout)
			}
		}
		if got := rows(a.ok(t, "terminals", "list", "--merchant", "BERLINCAFE0001").stdout); len(got) != 2 || got[1][0] != "BER00001" {
			t.Errorf("terminals list printed %q", got)
		}
		if got := rows(a.ok(t, "stores", "list").stdout); len(got) != 2 || got[1][1] != "MITTE" {
			t.Errorf("stores list printed %q", got)
		}
	})

	t.Run("A list in JSON is one document that parses back into the response", func(t *testing.T) {
		r := a.ok(t, "merchants", "list", "-o", "json")
		var list adminv1.ListMerchantsResponse
		if err := protojson.Unmarshal([]byte(r.stdout), &list); err != nil {
			t.Fatalf("merchants list -o json printed what does not parse: %v\n%s", err, r.stdout)
		}
		var ids []string
		for _, m := range list.GetMerchants() {
			ids = append(ids, m.GetId())
		}
		if want := []string{"BERLINCAFE0001", "CLOSING0001", "RETRY0001"}; !slices.Equal(ids, want) {
			t.Errorf("merchants list -o json listed %q, want %q", ids, want)
		}
		if list.GetMerchants()[0].GetMaxAmount() != 0 || list.GetMerchants()[0].GetCurrency() != "EUR" {
			t.Errorf("merchant in JSON: %v", list.GetMerchants()[0])
		}
		var one adminv1.Terminal
		if err := protojson.Unmarshal([]byte(a.ok(t, "--output", "json", "terminals", "get", "BER00001").stdout), &one); err != nil || one.GetStoreId() != "MITTE" {
			t.Errorf("terminals get in JSON = %v, %v", &one, err)
		}
	})

	t.Run("The audit log shows every change and who made it", func(t *testing.T) {
		r := a.ok(t, "audit", "list", "--object", "merchants/CLOSING0001", "--all")
		got := rows(r.stdout)
		var actions []string
		for _, row := range got[1:] {
			actions = append(actions, row[2])
			if !strings.HasPrefix(row[1], "key:") {
				t.Errorf("audit row names actor %q, want the key", row[1])
			}
		}
		if want := []string{"merchant.close", "merchant.activate", "merchant.suspend", "merchant.create"}; !slices.Equal(actions, want) {
			t.Errorf("audit list printed actions %q, want %q\n%s", actions, want, r.stdout)
		}
		var events adminv1.ListAuditEventsResponse
		if err := protojson.Unmarshal([]byte(a.ok(t, "audit", "list", "--action", "store.create", "-o", "json").stdout), &events); err != nil {
			t.Fatal(err)
		}
		if len(events.GetEvents()) != 1 || events.GetEvents()[0].GetRequestId() != "store-mitte-1" {
			t.Errorf("audit list --action store.create = %v", events.GetEvents())
		}
	})

	t.Run("Who am I names the acquirer and the key", func(t *testing.T) {
		m := fields(a.ok(t, "whoami").stdout)
		if m["Acquirer"] != "ACQ1" || m["Status"] != "active" || !strings.HasPrefix(m["You are"], "key:") {
			t.Errorf("whoami printed %v", m)
		}
	})

	t.Run("The server's refusals are explained in one line each", func(t *testing.T) {
		a.fails(t, exitRefused, "invalid request: merchant.mcc", "merchants", "create", "BADMCC01", "--legal-name", "X",
			"--mcc", "58", "--country", "DE", "--city", "Berlin", "--currency", "EUR", "--schemes", "ALIPAYPLUS")
		a.fails(t, exitRefused, "not found (your acquirer has nothing by that id", "merchants", "get", "NOSUCHMERCHANT")
		a.fails(t, exitRefused, "not found (your acquirer has nothing by that id", "txns", "get", "000000000001")
		a.fails(t, exitRefused, "not found (your acquirer has nothing by that id", "stores", "get", "MITTE", "--merchant", "RETRY0001")
		a.fails(t, exitRefused, "not found (your acquirer has nothing by that id", "merchants", "update", "NOSUCHMERCHANT", "--max-amount", "5")
	})

	t.Run("Another acquirer's merchants are not found by their id", func(t *testing.T) {
		t.Setenv(envAPIKey, a.otherAcquirerKey(t))
		t.Setenv(envServer, a.addr)
		r := a.run(t, "merchants", "get", "BERLINCAFE0001")
		assertFailure(t, nil, r, exitRefused, "merchant BERLINCAFE0001: not found")
		r = a.run(t, "merchants", "list")
		if got := rows(r.stdout); r.code != exitOK || len(got) != 1 {
			t.Errorf("the other acquirer's merchants list printed %q (exit %d)", got, r.code)
		}
	})
}
