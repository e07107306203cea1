package main

import (
	"context"
	"flag"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
)

// defaultLimit is how many items a list shows unless told.
const defaultLimit = 50

// pageSizeMax is the most the admin API returns in one page; a variable so
// that a test can make lists span many pages.
var pageSizeMax int32 = 500

// listFlags are the paging flags of every list command.
type listFlags struct {
	limit     int
	all       bool
	pageToken string
}

func (l *listFlags) register(fs *flag.FlagSet, things string) {
	fs.IntVar(&l.limit, "limit", defaultLimit, "show at most `N` "+things+" (more than one page is fetched as needed)")
	fs.BoolVar(&l.all, "all", false, "show every one of them, however many (overrides --limit)")
	fs.StringVar(&l.pageToken, "page-token", "", "continue from where an earlier list stopped (the `token` it printed)")
}

func (l *listFlags) check() error {
	if l.limit < 1 && !l.all {
		return usagef("--limit %d: must be at least 1", l.limit)
	}
	return nil
}

// fetchPage asks for one page of at most size items after token, adds them
// to the result being built, and returns how many it got and the next
// page's token ("" after the last).
type fetchPage func(ctx context.Context, size int32, token string) (count int, next string, err error)

// walk follows the list's cursors until --limit items are in (or, with
// --all, to the end), one call per page, each bounded by --timeout. It
// returns the token of the next page, "" when nothing is left.
func (s *session) walk(l *listFlags, fetch fetchPage) (string, error) {
	token, total := l.pageToken, 0
	for {
		size := pageSizeMax
		if !l.all {
			size = int32(min(l.limit-total, int(pageSizeMax)))
		}
		ctx, cancel := s.call()
		count, next, err := fetch(ctx, size, token)
		cancel()
		if err != nil {
			return "", err
		}
		total, token = total+count, next
		// An empty page with a token would be a server bug; stopping
		// there keeps --all from looping for ever.
		if token == "" || count == 0 || (!l.all && total >= l.limit) {
			return token, nil
		}
	}
}

// showList prints a list's result; an empty one, in a table, is a remark
// on stderr rather than a lone header (JSON prints the empty document).
func (s *session) showList(m proto.Message, count int, things string, draw func(t *table)) error {
	if count == 0 && !s.out.json {
		s.note("No %s found.", things)
		return nil
	}
	return s.out.show(m, draw)
}

// moreHint tells the person at the terminal that the list goes on and how
// to see the rest. With --output json the next_page_token field says it.
func (s *session) moreHint(next string) {
	if next == "" || s.out.json {
		return
	}
	s.note("More: run the same command with --page-token %s, or with --all for every one.", next)
}

// commaList splits "a, b,c" into its non-empty items.
func commaList(s string) []string {
	var items []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// missing returns a usage error naming the first required flag left empty;
// flags alternate name and value.
func missing(flagsAndValues ...string) error {
	for i := 0; i+1 < len(flagsAndValues); i += 2 {
		if strings.TrimSpace(flagsAndValues[i+1]) == "" {
			return usagef("missing --%s", flagsAndValues[i])
		}
	}
	return nil
}

// enumWord turns an enum value's name into the word a person types and
// reads: MERCHANT_STATUS_ACTIVE → active.
func enumWord(name, prefix string) string {
	return strings.ToLower(strings.TrimPrefix(name, prefix))
}

// parseEnum reads a word as an enum value: "active" with prefix
// "MERCHANT_STATUS_" looks up MERCHANT_STATUS_ACTIVE in values.
func parseEnum(flagName, word, prefix string, values map[string]int32) (int32, error) {
	value, ok := values[prefix+strings.ToUpper(strings.TrimSpace(word))]
	if !ok || value == 0 {
		var words []string
		for name, v := range values {
			if v != 0 {
				words = append(words, enumWord(name, prefix))
			}
		}
		slices.Sort(words)
		return 0, usagef("--%s %q: use one of %s", flagName, word, strings.Join(words, ", "))
	}
	return value, nil
}
