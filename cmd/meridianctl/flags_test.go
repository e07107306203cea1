package main

import (
	"flag"
	"slices"
	"testing"
)

func TestGlobalFlagsBeforeTheCommandAreMovedAfterIt(t *testing.T) {
	for _, tc := range []struct {
		args          []string
		leading, rest []string
		err           bool
	}{
		{[]string{"merchants", "list"}, nil, []string{"merchants", "list"}, false},
		{[]string{"--server", "h:1", "merchants", "list"}, []string{"--server", "h:1"}, []string{"merchants", "list"}, false},
		{[]string{"--server=h:1", "-o", "json", "txns"}, []string{"--server=h:1", "-o", "json"}, []string{"txns"}, false},
		{[]string{"--insecure", "merchants"}, []string{"--insecure"}, []string{"merchants"}, false},
		{[]string{"--server", "h:1", "--help"}, []string{"--server", "h:1"}, []string{"--help"}, false},
		{[]string{"--limit", "5", "txns", "list"}, nil, nil, true},
		{[]string{"--server"}, nil, nil, true},
	} {
		leading, rest, err := splitLeadingFlags(tc.args)
		if (err != nil) != tc.err || !slices.Equal(leading, tc.leading) || !slices.Equal(rest, tc.rest) {
			t.Errorf("splitLeadingFlags(%q) = %q, %q, %v; want %q, %q, error %v", tc.args, leading, rest, err, tc.leading, tc.rest, tc.err)
		}
	}
}

func TestFlagsMayFollowPositionalArguments(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		positional []string
		output     string
	}{
		{[]string{"M1", "--output", "json"}, []string{"M1"}, "json"},
		{[]string{"--output", "json", "M1"}, []string{"M1"}, "json"},
		{[]string{"M1", "M2", "-o=json"}, []string{"M1", "M2"}, "json"},
		{[]string{"--", "--output", "M1"}, []string{"--output", "M1"}, "table"},
		{[]string{"M1", "--", "-o"}, []string{"M1", "-o"}, "table"},
	} {
		fs := flag.NewFlagSet("", flag.ContinueOnError)
		output := fs.String("output", "table", "")
		fs.StringVar(output, "o", "table", "")
		positional, err := parseInterspersed(fs, tc.args)
		if err != nil || !slices.Equal(positional, tc.positional) || *output != tc.output {
			t.Errorf("parseInterspersed(%q) = %q, %v with output %q; want %q with %q", tc.args, positional, err, *output, tc.positional, tc.output)
		}
	}
}

func TestPlainTextGoesOnlyToLoopbackUnlessAskedFor(t *testing.T) {
	for _, tc := range []struct {
		host  string
		g     globals
		plain bool
	}{
		{"localhost", globals{}, true},
		{"127.0.0.1", globals{}, true},
		{"127.8.9.10", globals{}, true},
		{"::1", globals{}, true},
		{"admin.acquirer.example", globals{}, false},
		{"10.0.0.5", globals{}, false},
		{"localhost.example", globals{}, false},
		{"10.0.0.5", globals{insecure: true}, true},
		{"localhost", globals{tlsCA: "ca.pem"}, false},
		{"localhost", globals{tlsCert: "c.pem", tlsKey: "k.pem"}, false},
	} {
		if got := plainText(&tc.g, tc.host); got != tc.plain {
			t.Errorf("plainText(%+v, %q) = %v, want %v", tc.g, tc.host, got, tc.plain)
		}
	}
}
