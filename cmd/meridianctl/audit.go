package main

import (
	"context"
	"flag"

	adminv1 "github.com/meridian-gw/meridian/proto/meridian/admin/v1"
)

var auditNoun = noun{
	name:    "audit",
	summary: "the audit log: who changed what, when",
	verbs: []verb{{name: "list", setup: auditList,
		summary: "list changes to your acquirer's objects, newest first",
		help: `Lists the audit log of your acquirer, newest first: every change, who
made it (an API key or client certificate), and how. The table shortens
long changes; -o json shows them whole.

Examples:
  meridianctl audit list
  meridianctl audit list --object merchants/BERLINCAFE0001
  meridianctl audit list --action merchant.suspend --all -o json
`}},
}

// changeWidth is how much of a change the audit table shows.
const changeWidth = 80

func auditList(fs *flag.FlagSet) action {
	var l listFlags
	l.register(fs, "events")
	object := fs.String("object", "", "only changes to this `object`, e.g. merchants/M1 or terminals/T1")
	actionName := fs.String("action", "", "only this `action`, e.g. merchant.create, terminal.suspend, transaction.refund")
	return func(s *session, _ []string) error {
		if err := l.check(); err != nil {
			return err
		}
		client := adminv1.NewAuditServiceClient(s.conn)
		request := &adminv1.ListAuditEventsRequest{Object: *object, Action: *actionName}
		result := &adminv1.ListAuditEventsResponse{}
		next, err := s.walk(&l, func(ctx context.Context, size int32, token string) (int, string, error) {
			request.PageSize, request.PageToken = size, token
			page, err := client.ListAuditEvents(ctx, request)
			if err != nil {
				return 0, "", err
			}
			result.Events = append(result.Events, page.GetEvents()...)
			return len(page.GetEvents()), page.GetNextPageToken(), nil
		})
		if err != nil {
			return err
		}
		result.NextPageToken = next
		err = s.showList(result, len(result.GetEvents()), "audit events", func(t *table) {
			t.row("TIME", "ACTOR", "ACTION", "OBJECT", "REQUEST ID", "CHANGE")
			for _, e := range result.GetEvents() {
				t.row(when(e.GetTime()), e.GetActor(), e.GetAction(), e.GetObject(), e.GetRequestId(), shorten(e.GetChange(), changeWidth))
			}
		})
		s.moreHint(next)
		return err
	}
}

// shorten cuts s to at most width characters, marking the cut.
func shorten(s string, width int) string {
	runes := []rune(s)
	if len(runes) <= width {
		return s
	}
	return string(runes[:width-1]) + "…"
}
