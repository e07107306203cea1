package config

import (
	"strings"
	"testing"
	"time"
)

func TestDemoDefaultsAreComplete(t *testing.T) {
	cfg, err := Demo()
	if err != nil {
		t.Fatalf("Demo() = %v", err)
	}
	if !cfg.Demo || cfg.DataDir != "./data" || cfg.Terminal.Addr != ":8583" {
		t.Errorf("demo config = demo %v, data dir %q, terminal addr %q", cfg.Demo, cfg.DataDir, cfg.Terminal.Addr)
	}
	if cfg.Payment.Budget != 25*time.Second {
		t.Errorf("budget = %v, want 25s", cfg.Payment.Budget)
	}
	if len(cfg.Merchants) != 1 || cfg.Merchants[0].ID != "MERIDIANDEMO001" || cfg.Merchants[0].Terminals[0] != "DEMO0001" {
		t.Errorf("demo merchants = %+v", cfg.Merchants)
	}
	if len(cfg.Routing) != 3 {
		t.Errorf("default routing has %d entries, want 3", len(cfg.Routing))
	}
}

func TestParseRejectsWhatItCannotRun(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"an unknown key is an error, not ignored", "data_dri: x\n", "data_dri"},
		{"a merchant id longer than DE 42", "merchants: [{id: ABCDEFGHIJKLMNOP, currency: EUR}]\n", "1 to 15"},
		{"a currency that is not ISO 4217", "merchants: [{id: M1, currency: EUX}]\n", "EUX"},
		{"one terminal under two merchants", "merchants: [{id: M1, currency: EUR, terminals: [T1]}, {id: M2, currency: EUR, terminals: [T1]}]\n", "already belongs"},
		{"an adapter both built in and remote", "adapters: [{scheme: ALIPAYPLUS, builtin: true, simulator: true, address: 'x:1'}]\n", "exactly one"},
		{"overlapping routes", "routing: [{scheme: A, prefixes: ['12'], min_length: 10, max_length: 12}, {scheme: B, prefixes: ['1'], min_length: 12, max_length: 14}]\n", "both claim"},
		{"AID routes where one AID starts with another", "aid_routing: [{scheme: A, aid: F0414243444546}, {scheme: B, aid: F041424344}]\n", "starts with the other"},
		{"an AID that is not hex", "aid_routing: [{scheme: A, aid: F0XYZ12345}]\n", "not hex"},
		{"an unknown store driver", "store: {driver: mysql}\n", "sqlite or postgres"},
		{"postgres without a dsn", "store: {driver: postgres}\n", "needs dsn"},
		{"the admin API in plain text off loopback", "admin: {addr: '0.0.0.0:9584'}\n", "not a loopback"},
		{"a bad duration", "payment: {budget: soon}\n", "soon"},
		{"a mark-up that is not a number", "fx: {markup: lots}\n", "lots"},
		{"a mark-up over 20 percent", "adapters: [{scheme: ALIPAYPLUS, builtin: true, simulator: true, markup: '25'}]\n", "mark-up"},
		{"an unknown rounding", "adapters: [{scheme: ALIPAYPLUS, builtin: true, simulator: true, rounding: down}]\n", "rounding"},
		{"an unknown rate source", "fx: {source: oracle}\n", "oracle"},
		{"an unknown refund rate", "fx: {refund_rate: yesterday}\n", "yesterday"},
		{"a static source without its table", "fx: {source: static}\n", "static"},
		{"a built-in adapter for a scheme without a reference adapter", "adapters: [{scheme: GCASH, builtin: true, simulator: true}]\n", "no built-in adapter"},
		{"tls on a built-in adapter", "adapters: [{scheme: ALIPAYPLUS, builtin: true, simulator: true, tls: {ca_file: ca.pem}}]\n", "not a built-in"},
		{"a client certificate without its key", "adapters: [{scheme: ALIPAYPLUS, address: 'x:1', tls: {cert_file: c.pem}}]\n", "both cert_file and key_file"},
		{"a negative number of adapter connections", "adapters: [{scheme: ALIPAYPLUS, address: 'x:1', connections: -1}]\n", "connections -1"},
		{"more adapter connections than the limit", "adapters: [{scheme: ALIPAYPLUS, address: 'x:1', connections: 65}]\n", "connections 65"},
		{"a simulator address without a simulator", "adapters: [{scheme: ALIPAYPLUS, address: 'x:1', simulator_addr: '127.0.0.1:1'}]\n", "simulator_addr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse() error = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestTheDocumentedExampleParses(t *testing.T) {
	cfg, err := Load("../../docs/meridian.example.yaml")
	if err != nil {
		t.Fatalf("docs/meridian.example.yaml does not parse: %v", err)
	}
	if cfg.Demo {
		t.Error("the example is not a demo")
	}
	if len(cfg.Merchants) != 1 || len(cfg.Merchants[0].Terminals) != 2 || cfg.Merchants[0].MaxAmount != 500000 {
		t.Errorf("example merchants = %+v", cfg.Merchants)
	}
	pricing, err := cfg.Pricing()
	if err != nil || pricing.MerchantMarkup["SHOP0000000001"]["ALIPAYPLUS"].String() != "1.5" || pricing.DefaultMarkup.String() != "2.5" {
		t.Errorf("example pricing = %+v, %v", pricing, err)
	}
	if cfg.FX.Source != "ecb" || cfg.FX.MaxAge != 126*time.Hour {
		t.Errorf("example fx = %+v", cfg.FX)
	}
	if cfg.Adapters[2].Connections != 2 {
		t.Errorf("example adapter connections = %d, want 2", cfg.Adapters[2].Connections)
	}
	if cfg.Adapters[0].BreakerFailures != 5 || cfg.Payment.GiveUpAge != 72*time.Hour {
		t.Errorf("example breaker and give-up settings = %+v %+v", cfg.Adapters[0], cfg.Payment)
	}
	if cfg.Payment.PayTimeout != 10*time.Second || cfg.Terminal.MaxInFlight != 64 {
		t.Errorf("example settings = %+v %+v", cfg.Payment, cfg.Terminal)
	}
}
