package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// A noun is a kind of thing the admin API manages: `merchants`. Its verbs
// are what can be done to it. A noun whose only verb has no name is a
// command on its own: `refund`.
type noun struct {
	name    string
	summary string
	verbs   []verb
}

// A verb is one command: `merchants create`.
type verb struct {
	name string
	// args names the positional arguments, e.g. "MERCHANT_ID".
	args []string
	// synopsis is the usage line after the command and its args.
	synopsis string
	// summary is one line for the noun's list of verbs.
	summary string
	// help is what the command does, with examples.
	help string
	// setup registers the command's own flags on fs and returns what
	// running it does. It has no other effect, so it can also be called
	// just to print the flags.
	setup func(fs *flag.FlagSet) action
}

// action runs a command, its flags parsed, with its positional arguments.
type action func(s *session, args []string) error

// nouns is every command, in the order --help lists them.
var nouns = []noun{
	merchantsNoun,
	storesNoun,
	terminalsNoun,
	txnsNoun,
	refundNoun,
	reviewNoun,
	auditNoun,
	whoamiNoun,
	keysNoun,
}

func findNoun(name string) *noun {
	for i := range nouns {
		if nouns[i].name == name {
			return &nouns[i]
		}
	}
	return nil
}

// commandList lists the nouns and their verbs for the overview.
func commandList() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, n := range nouns {
		var verbs []string
		for _, v := range n.verbs {
			if v.name != "" {
				verbs = append(verbs, v.name)
			}
		}
		words := n.name
		if len(verbs) > 0 {
			words += " " + strings.Join(verbs, "|")
		}
		fmt.Fprintf(w, "  %s\t%s\n", words, n.summary)
	}
	w.Flush()
	return b.String()
}

// usage prints the noun's help: its verbs.
func (n *noun) usage(w io.Writer) {
	fmt.Fprintf(w, "meridianctl %s: %s\n\nUsage:\n  meridianctl %s VERB [flags]\n\nVerbs:\n", n.name, n.summary, n.name)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, v := range n.verbs {
		fmt.Fprintf(tw, "  %s\t%s\n", strings.TrimSpace(v.name+" "+strings.Join(v.args, " ")), v.summary)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nRun 'meridianctl %s VERB --help' for a verb's flags and examples.\n", n.name)
}

// usage prints the verb's help: synopsis, description, examples, flags.
func (v *verb) usage(n *noun, w io.Writer) {
	words := strings.Join(append([]string{"meridianctl", n.name, v.name}, v.args...), " ")
	words = strings.Join(strings.Fields(words), " ")
	fmt.Fprintf(w, "Usage:\n  %s\n\n%s", strings.TrimSpace(words+" "+v.synopsis), strings.TrimLeft(v.help, "\n"))
	own := flag.NewFlagSet("", flag.ContinueOnError)
	v.setup(own)
	printFlags(w, "Flags", own)
	printGlobalFlags(w)
}
