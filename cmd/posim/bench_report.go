package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/meridian-gw/meridian/gateway/terminal/pos/load"
)

// benchTable is one table of the suite's result, written as text by
// printBench and as markdown by writeBenchDoc.
type benchTable struct {
	title  string
	header []string
	rows   [][]string
}

// benchTables are the result's tables: the closed loop (capacity), the
// open loop at half of it, and the breakdown; the last two have a row per
// gateway stage, and are left out when there is none.
func benchTables(r *benchResult) []benchTable {
	ceiling := r.stages[0].closed.Throughput()
	closed := benchTable{
		title:  fmt.Sprintf("closed loop: %d terminals × %d in flight, %s a load; capacity as a share of the echo ceiling", r.terminals, r.concurrency, r.duration),
		header: []string{"stage", "answered/s", "of echo", "approved", "errors", "p50 ms", "p99 ms", "p99.9 ms", "max ms"},
	}
	open := benchTable{
		title:  fmt.Sprintf("open loop at %.0f %% of the closed loop's answered/s (at most %d in flight a terminal); p99 added = its p99 less the echo server's at the same rate", 100*benchOpenShare, r.concurrency),
		header: []string{"stage", "rate/s", "achieved/s", "late", "unsent", "errors", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "echo p99 ms", "p99 added ms"},
	}
	breakdown := benchTable{
		title:  "where a purchase's time goes in the gateway: mean ms a purchase in the closed loop, from the node's metrics",
		header: []string{"stage", "purchases", "request (read→write)", "journal create", "journal update", "adapter pay", "other"},
	}
	for _, st := range r.stages {
		s := st.closed
		share := "-"
		if ceiling > 0 {
			share = fmt.Sprintf("%.3f", s.Throughput()/ceiling)
		}
		closed.rows = append(closed.rows, append([]string{st.name, fmt.Sprintf("%.0f", s.Throughput()), share,
			fmt.Sprint(approved(s)), fmt.Sprint(s.Errors())}, latencyCells(s.Latency)...))
		if st.open != nil {
			o := st.open
			row := []string{st.name, fmt.Sprintf("%.0f", o.Rate), fmt.Sprintf("%.0f", o.SendRate()), fmt.Sprint(o.Late), fmt.Sprint(o.Unsent), fmt.Sprint(o.Errors())}
			row = append(row, latencyCells(o.Latency)...)
			open.rows = append(open.rows, append(row, msText(st.echoOpen.Latency.P99), msText(p99Added(st))))
		}
		if b := st.breakdown; b != nil {
			breakdown.rows = append(breakdown.rows, []string{st.name, fmt.Sprint(b.Purchases), msText(b.Request),
				msText(b.JournalCreate), msText(b.JournalUpdate), msText(b.AdapterPay), msText(b.Other())})
		}
	}
	tables := []benchTable{closed}
	for _, t := range []benchTable{open, breakdown} {
		if len(t.rows) > 0 {
			tables = append(tables, t)
		}
	}
	return tables
}

// p99Added is what the gateway adds to the p99 at its open loop's rate.
func p99Added(st *benchStage) time.Duration {
	return st.open.Latency.P99 - st.echoOpen.Latency.P99
}

func latencyCells(l load.Latency) []string {
	return []string{msText(l.P50), msText(l.P99), msText(l.P999), msText(l.Max)}
}

func msText(d time.Duration) string {
	return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond))
}

func printBench(w io.Writer, r *benchResult) {
	fmt.Fprintf(w, "posim bench: %d terminals × %d in flight, GOMAXPROCS %d, %d CPUs\n", r.terminals, r.concurrency, r.gomaxprocs, r.cpus)
	for _, t := range benchTables(r) {
		fmt.Fprintf(w, "\n%s\n", t.title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, strings.Join(t.header, "\t")+"\t")
		for _, row := range t.rows {
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
		tw.Flush()
	}
}

// markdown writes t as a markdown table under its title.
func (t benchTable) markdown(w io.Writer) {
	fmt.Fprintf(w, "%s:\n\n", capitalize(t.title))
	fmt.Fprintf(w, "| %s |\n", strings.Join(t.header, " | "))
	fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(t.header)))
	for _, row := range t.rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// approved counts the purchases answered 00.
func approved(s *load.Summary) int64 {
	for _, rc := range s.ResponseCodes {
		if rc.RC == "00" {
			return rc.Count
		}
	}
	return 0
}

// benchJSON is the --json document: the whole result of a run.
type benchJSON struct {
	GOMAXPROCS      int              `json:"gomaxprocs"`
	CPUs            int              `json:"cpus"`
	CPUModel        string           `json:"cpu_model"`
	DurationSeconds float64          `json:"duration_s"` // of each load
	Terminals       int              `json:"terminals"`
	Concurrency     int              `json:"concurrency"`
	Stages          []benchStageJSON `json:"stages"`
}

type benchStageJSON struct {
	Stage  string `json:"stage"` // echo, minimal, alipayplus
	Name   string `json:"name"`
	Scheme string `json:"scheme,omitempty"`
	// The closed loop.
	AnsweredPerSecond float64     `json:"answered_per_s"`
	ShareOfEcho       float64     `json:"share_of_echo"`
	Approved          int64       `json:"approved"`
	Errors            int64       `json:"errors"`
	LatencyMs         latencyJSON `json:"latency_ms"`
	// Gateway stages only.
	OpenLoop    *benchOpenJSON      `json:"open_loop,omitempty"`
	BreakdownMs *benchBreakdownJSON `json:"breakdown_ms,omitempty"`
}

// benchOpenJSON is a gateway stage's open loop and the echo server's at
// the same rate.
type benchOpenJSON struct {
	RatePerSecond float64          `json:"rate_per_s"`
	Gateway       benchOpenRunJSON `json:"gateway"`
	Echo          benchOpenRunJSON `json:"echo"`
	P99AddedMs    float64          `json:"p99_added_ms"`
}

type benchOpenRunJSON struct {
	AchievedRate float64     `json:"achieved_rate_per_s"`
	Late         int64       `json:"late"`
	Unsent       int64       `json:"unsent"`
	Errors       int64       `json:"errors"`
	LatencyMs    latencyJSON `json:"latency_ms"`
}

// benchBreakdownJSON is stageBreakdown in milliseconds a purchase.
type benchBreakdownJSON struct {
	Purchases     int64   `json:"purchases"`
	Request       float64 `json:"request"`
	JournalCreate float64 `json:"journal_create"`
	JournalUpdate float64 `json:"journal_update"`
	AdapterPay    float64 `json:"adapter_pay"`
	Other         float64 `json:"other"`
}

func writeBenchJSON(w io.Writer, r *benchResult) error {
	doc := benchJSON{GOMAXPROCS: r.gomaxprocs, CPUs: r.cpus, CPUModel: cpuModel(), DurationSeconds: r.duration.Seconds(),
		Terminals: r.terminals, Concurrency: r.concurrency}
	ceiling := r.stages[0].closed.Throughput()
	for _, st := range r.stages {
		s := st.closed
		j := benchStageJSON{Stage: st.key, Name: st.name, Scheme: st.scheme, AnsweredPerSecond: s.Throughput(),
			Approved: approved(s), Errors: s.Errors(), LatencyMs: latencyMs(s.Latency)}
		if ceiling > 0 {
			j.ShareOfEcho = s.Throughput() / ceiling
		}
		if st.open != nil {
			j.OpenLoop = &benchOpenJSON{RatePerSecond: st.open.Rate, Gateway: openRunJSON(st.open), Echo: openRunJSON(st.echoOpen),
				P99AddedMs: milliseconds(p99Added(st))}
		}
		if b := st.breakdown; b != nil {
			j.BreakdownMs = &benchBreakdownJSON{Purchases: b.Purchases, Request: milliseconds(b.Request),
				JournalCreate: milliseconds(b.JournalCreate), JournalUpdate: milliseconds(b.JournalUpdate),
				AdapterPay: milliseconds(b.AdapterPay), Other: milliseconds(b.Other())}
		}
		doc.Stages = append(doc.Stages, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func openRunJSON(s *load.Summary) benchOpenRunJSON {
	return benchOpenRunJSON{AchievedRate: s.SendRate(), Late: s.Late, Unsent: s.Unsent, Errors: s.Errors(), LatencyMs: latencyMs(s.Latency)}
}

func latencyMs(l load.Latency) latencyJSON {
	return latencyJSON{Count: l.Count, P50: milliseconds(l.P50), P90: milliseconds(l.P90),
		P99: milliseconds(l.P99), P999: milliseconds(l.P999), Max: milliseconds(l.Max)}
}

// milliseconds keeps microseconds, the precision of the load's histogram.
func milliseconds(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
