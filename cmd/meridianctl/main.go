// Command meridianctl is the acquirer's command line over Meridian's admin
// API (gRPC): onboarding merchants, stores and terminals, looking up
// transactions, refunds, the manual review queue and the audit log.
//
// It follows kubectl's conventions: `meridianctl NOUN VERB [ID] [flags]`,
// --output table|json, --help on every command.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"google.golang.org/grpc"
)

const overview = `meridianctl manages an acquirer's merchants, stores and terminals on a
Meridian gateway and looks up their transactions, over the admin API.

Usage:
  meridianctl NOUN VERB [ID] [flags]
  meridianctl NOUN VERB --help      help and examples for one command

Commands:
%s
Start with the demo: run meridiand, copy the admin API key it prints, then
  export MERIDIAN_API_KEY=...
  meridianctl merchants list
  meridianctl txns list --from "24h ago"

Exit status: 0 done, 1 the server refused (not found, invalid, denied),
2 usage error (nothing was sent), 3 the server could not be reached.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is meridianctl with its arguments, output and error streams; it returns
// the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	stderr = redactor{stderr}
	g := &globals{}
	leading, rest, err := splitLeadingFlags(args)
	if err != nil {
		fmt.Fprintf(stderr, "meridianctl: %v\nRun 'meridianctl --help' for usage.\n", err)
		return exitUsage
	}
	if len(rest) == 0 || isHelp(rest[0]) {
		w, code := stdout, exitOK
		if len(rest) == 0 {
			w, code = stderr, exitUsage
		}
		fmt.Fprintf(w, overview, commandList())
		printGlobalFlags(w)
		return code
	}
	if rest[0] == "help" {
		return run(append(rest[1:], "--help"), stdout, stderr)
	}
	n := findNoun(rest[0])
	if n == nil {
		fmt.Fprintf(stderr, "meridianctl: unknown command %q\nRun 'meridianctl --help' for the commands.\n", rest[0])
		return exitUsage
	}
	v, verbArgs, code := n.pick(rest[1:], stdout, stderr)
	if v == nil {
		return code
	}
	return v.execute(n, g, append(leading, verbArgs...), stdout, stderr)
}

// pick finds the verb the arguments name, or prints the noun's help.
func (n *noun) pick(args []string, stdout, stderr io.Writer) (*verb, []string, int) {
	if n.verbs[0].name == "" {
		return &n.verbs[0], args, exitOK
	}
	if len(args) == 0 || isHelp(args[0]) {
		w, code := stdout, exitOK
		if len(args) == 0 {
			w, code = stderr, exitUsage
		}
		n.usage(w)
		return nil, nil, code
	}
	for i := range n.verbs {
		if n.verbs[i].name == args[0] {
			return &n.verbs[i], args[1:], exitOK
		}
	}
	fmt.Fprintf(stderr, "meridianctl %s: unknown command %q\nRun 'meridianctl %s --help' for its commands.\n", n.name, args[0], n.name)
	return nil, nil, exitUsage
}

// execute parses the verb's flags, runs it and reports the outcome.
func (v *verb) execute(n *noun, g *globals, args []string, stdout, stderr io.Writer) int {
	name := strings.TrimSpace("meridianctl " + n.name + " " + v.name)
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported below, in one line
	g.register(fs)
	act := v.setup(fs)
	positional, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		v.usage(n, stdout)
		return exitOK
	}
	if err == nil {
		err = g.check()
	}
	if err == nil && len(positional) != len(v.args) {
		err = v.wrongArgs(positional)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\nRun '%s --help' for usage.\n", name, redact(err.Error(), g.apiKey), name)
		return exitUsage
	}
	conn, err := dial(g)
	if err == nil {
		defer conn.Close()
		s := &session{globals: g, conn: conn, out: printer{json: g.output == "json", stdout: stdout}, stderr: stderr}
		if host, _, _ := net.SplitHostPort(g.server); g.insecure && !isLoopback(host) && g.apiKey != "" {
			s.note("Warning: --insecure sends the API key to %s unencrypted.", host)
		}
		err = act(s, positional)
	}
	if err == nil {
		return exitOK
	}
	message, code := explain(err, g)
	fmt.Fprintf(stderr, "%s: %s\n", name, redact(message, g.apiKey))
	if code == exitUsage {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", name)
	}
	return code
}

// wrongArgs explains a wrong number of positional arguments.
func (v *verb) wrongArgs(positional []string) error {
	if len(v.args) == 0 {
		return usagef("unexpected argument %q", positional[0])
	}
	if len(positional) < len(v.args) {
		return usagef("missing %s", strings.Join(v.args[len(positional):], " "))
	}
	return usagef("unexpected argument %q after %s", positional[len(v.args)], strings.Join(v.args, " "))
}

// session is what a running command has: the flags, the connection to the
// admin API, where to print.
type session struct {
	*globals
	conn   *grpc.ClientConn
	out    printer
	stderr io.Writer
}

// call returns the context for one call to the admin API, bounded by
// --timeout.
func (s *session) call() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}

// note writes a remark for the person at the terminal to stderr, so that
// stdout holds only the result (one JSON document with --output json).
func (s *session) note(format string, a ...any) {
	fmt.Fprintf(s.stderr, format+"\n", a...)
}

// redactor keeps anything shaped like an API key out of what is written
// to w: the error stream, whose messages may quote the command line.
// Every message is written whole, so no key straddles two writes.
type redactor struct{ w io.Writer }

func (r redactor) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, redact(string(p), "")); err != nil {
		return 0, err
	}
	return len(p), nil
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}

// printGlobalFlags writes the flags every command takes.
func printGlobalFlags(w io.Writer) {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	(&globals{}).register(fs)
	printFlags(w, "Global flags (before or after the command)", fs)
}
