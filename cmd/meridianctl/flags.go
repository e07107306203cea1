package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Environment variables that stand in for global flags, so that a shell
// session (or a CI job) need not repeat them and the API key stays off the
// command line, where other users of the machine can read it.
const (
	envServer = "MERIDIAN_ADMIN_ADDR"
	envAPIKey = "MERIDIAN_API_KEY"
)

// defaultServer is where meridiand's admin API listens unless told otherwise.
const defaultServer = "localhost:9584"

// globals are the flags every command takes: where the admin API is, how to
// authenticate and secure the connection, how long to wait, how to print.
type globals struct {
	// server is the admin API's host:port.
	server string
	// apiKey is the acquirer's API key. It is never printed: not in help,
	// not in errors, not in output (see secret).
	apiKey string
	// tlsCA, tlsCert and tlsKey are PEM files: the CA that signed the
	// server's certificate, and the client certificate and key for mutual
	// TLS. Any of them turns TLS on.
	tlsCA, tlsCert, tlsKey string
	// insecure allows plain text to a host that is not loopback.
	insecure bool
	// timeout bounds each call to the admin API, connecting included.
	timeout time.Duration
	// output is "table" or "json".
	output string
}

// register adds the global flags to fs, with their defaults from the
// environment.
func (g *globals) register(fs *flag.FlagSet) {
	server := os.Getenv(envServer)
	if server == "" {
		server = defaultServer
	}
	fs.StringVar(&g.server, "server", server, "admin API `host:port` (env "+envServer+")")
	fs.Var(secret{&g.apiKey}, "api-key", "acquirer API `key` (env "+envAPIKey+", which is safer: a flag shows in the process list)")
	fs.StringVar(&g.tlsCA, "tls-ca", "", "PEM `file` of the CA that signed the admin API's certificate (turns TLS on)")
	fs.StringVar(&g.tlsCert, "tls-cert", "", "PEM `file` of the client certificate for mutual TLS (with --tls-key)")
	fs.StringVar(&g.tlsKey, "tls-key", "", "PEM `file` of the client certificate's key (with --tls-cert)")
	fs.BoolVar(&g.insecure, "insecure", false, "plain text to a host that is not loopback (loopback is plain text unless a --tls- flag is set)")
	fs.DurationVar(&g.timeout, "timeout", 30*time.Second, "how long each call to the admin API may take")
	fs.StringVar(&g.output, "output", "table", "output `format`: table or json (-o for short)")
	fs.StringVar(&g.output, "o", "table", "short for --output")
}

// check reports contradictory or malformed global flags as a usage error,
// and fills in the API key from the environment.
func (g *globals) check() error {
	if g.apiKey == "" {
		g.apiKey = os.Getenv(envAPIKey)
	}
	if g.output != "table" && g.output != "json" {
		return usagef("--output %q: use table or json", g.output)
	}
	if g.timeout <= 0 {
		return usagef("--timeout %s: must be positive", g.timeout)
	}
	if (g.tlsCert == "") != (g.tlsKey == "") {
		return usagef("--tls-cert and --tls-key go together")
	}
	if g.insecure && g.tlsEnabled() {
		return usagef("--insecure means plain text; it cannot be used with --tls-ca, --tls-cert or --tls-key")
	}
	if strings.TrimSpace(g.server) == "" {
		return usagef("--server is empty: give host:port, e.g. %s", defaultServer)
	}
	return nil
}

// tlsEnabled reports whether a TLS file was named.
func (g *globals) tlsEnabled() bool {
	return g.tlsCA != "" || g.tlsCert != "" || g.tlsKey != ""
}

// globalFlagTakesValue reports whether name is a global flag, and whether it
// takes a value as the next argument. It lets global flags come before the
// command (`meridianctl --server h:p merchants list`).
func globalFlagTakesValue(name string) (known, takesValue bool) {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	(&globals{}).register(fs)
	f := fs.Lookup(name)
	if f == nil {
		return false, false
	}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return true, false
	}
	return true, true
}

// splitLeadingFlags separates the global flags written before the command
// words from the rest, so they can be parsed with the command's own flags.
func splitLeadingFlags(args []string) (leading, rest []string, err error) {
	for len(args) > 0 {
		arg := args[0]
		if arg == "--" || !strings.HasPrefix(arg, "-") || arg == "-" {
			break
		}
		if arg == "-h" || arg == "-help" || arg == "--help" {
			return leading, args, nil
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		known, takesValue := globalFlagTakesValue(name)
		if !known {
			return nil, nil, usagef("unknown flag %s before the command (command flags go after it)", arg)
		}
		leading, args = append(leading, arg), args[1:]
		if takesValue && !hasValue {
			if len(args) == 0 {
				return nil, nil, usagef("flag %s needs a value", arg)
			}
			leading, args = append(leading, args[0]), args[1:]
		}
	}
	return leading, args, nil
}

// parseInterspersed parses args with fs, allowing flags after positional
// arguments (`merchants get M1 --output json`), as kubectl does; "--" ends
// the flags. It returns the positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
}

// secret is a flag.Value that never shows what it holds, so that neither
// --help (which prints non-zero defaults) nor an error can reveal a key.
type secret struct{ value *string }

func (s secret) String() string { return "" }

func (s secret) Set(v string) error {
	*s.value = v
	return nil
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error {
	return usageError{fmt.Sprintf(format, a...)}
}

// printFlags writes fs's flags under a heading, in the --name form people
// type, or nothing when fs has none. Defaults print unless they are zero;
// a secret's never does (see secret).
func printFlags(w io.Writer, heading string, fs *flag.FlagSet) {
	var lines []string
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "o" { // listed with --output
			return
		}
		valueName, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if valueName != "" {
			line += " " + valueName
		}
		line += "\n      " + usage
		switch f.DefValue {
		case "", "0", "false", "0s":
		default:
			line += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		lines = append(lines, line)
	})
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s:\n%s\n", heading, strings.Join(lines, "\n"))
}
