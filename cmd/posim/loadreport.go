package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/meridian-gw/meridian/gateway/terminal/pos/load"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// How often the progress line is written: rewritten in place on a
// terminal, a new line otherwise (a log file need not hold one per second).
const (
	progressIntervalTerminal = time.Second
	progressIntervalLog      = 5 * time.Second
)

// startProgress writes the run's progress line to w until the returned
// function is called.
func startProgress(r *load.Runner, w io.Writer) (stop func()) {
	onTerminal := isTerminal(w)
	interval := progressIntervalLog
	if onTerminal {
		interval = progressIntervalTerminal
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		var last load.Progress
		width := 0
		for {
			select {
			case <-done:
				if onTerminal && width > 0 {
					fmt.Fprintln(w)
				}
				return
			case <-ticker.C:
			}
			p := r.Progress()
			line := progressLine(p, last)
			last = p
			if !onTerminal {
				fmt.Fprintln(w, line)
				continue
			}
			fmt.Fprintf(w, "\r%-*s", width, line)
			width = max(width, len(line))
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

func progressLine(p, last load.Progress) string {
	rate := 0.0
	if dt := (p.Elapsed - last.Elapsed).Seconds(); dt > 0 {
		rate = float64(p.Answered()-last.Answered()) / dt
	}
	phase := ""
	if p.Draining {
		phase = "  finishing advices"
	}
	late := ""
	if p.Late > 0 {
		late = fmt.Sprintf("  late %d", p.Late)
	}
	l := p.Latency
	return fmt.Sprintf("%5.0fs  %.0f/s  sent %d  approved %d  declined %d  91 %d  no answer %d  in flight %d%s  connected %d  reconnects %d  advices outstanding %d  p50 %s p90 %s p99 %s p99.9 %s max %s%s",
		p.Elapsed.Seconds(), rate, p.Sent, p.Approved, p.Declined, p.Unavailable, p.NoAnswer, p.InFlight, late, p.Connected, p.Reconnects, p.AdvicesOutstanding,
		latencyText(l.P50), latencyText(l.P90), latencyText(l.P99), latencyText(l.P999), latencyText(l.Max), phase)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// printLoadSummary writes the run's summary table.
func printLoadSummary(w io.Writer, s *load.Summary) {
	fmt.Fprintf(w, "posim load against %s: %s\n\n", hostText(s), loopText(s))
	share := func(n int64) string {
		if s.Sent == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(s.Sent))
	}
	row := func(rc string, n int64, meaning string) {
		fmt.Fprintf(w, "  %-4s %10d %7s  %s\n", rc, n, share(n), meaning)
	}
	fmt.Fprintf(w, "  %-4s %10s %7s  %s\n", "RC", "purchases", "share", "meaning")
	for _, c := range s.ResponseCodes {
		meaning := wire.RCMeaning(c.RC)
		if s.Echo {
			meaning = "echoed unchanged"
			if c.RC != wire.RCApproved {
				meaning = "echoed, but not the purchase sent"
			}
		}
		row(c.RC, c.Count, meaning)
	}
	if s.NoAnswer > 0 {
		row("--", s.NoAnswer, "no answer (a reversal advice was stored for each)")
	}
	row("all", s.Sent, "sent")

	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "outcomes\t%d approved, %d declined, %d answered 91, %d no answer\n", s.Approved, s.Declined, s.Unavailable, s.NoAnswer)
	a := s.Advices
	fmt.Fprintf(tw, "reversal advices\t%d sent, %d acknowledged, %d refused, %d outstanding (%d tries)\n", a.Sent, a.Acknowledged, a.Refused, a.Outstanding, a.Tries)
	fmt.Fprintf(tw, "connections\t%d made, %d of them after a break, %d attempts failed\n", s.Connects, s.Reconnects, s.ConnectFailures)
	if s.SignOnRefused > 0 {
		fmt.Fprintf(tw, "sign-on refused\t%d times, last RC %s: %s\n", s.SignOnRefused, s.SignOnRC, wire.RCMeaning(s.SignOnRC))
	}
	fmt.Fprintf(tw, "time\tlast purchase sent at %.2f s, ended at %.2f s, then %.2f s finishing advices\n", s.LastSent.Seconds(), s.Elapsed.Seconds(), s.Drain.Seconds())
	fmt.Fprintf(tw, "throughput\t%.1f purchases answered per second\n", s.Throughput())
	if s.Mode == load.ModeOpen {
		fmt.Fprintf(tw, "rate\t%.1f sent per second against a target of %.1f; %d sent more than %s late, %d due but never sent\n", s.SendRate(), s.Rate, s.Late, load.LateAfter, s.Unsent)
	}
	fmt.Fprintf(tw, "errors\t%d\n", s.Errors())
	l := s.Latency
	fmt.Fprintf(tw, "latency\tp50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (%d answered)\n",
		latencyText(l.P50), latencyText(l.P90), latencyText(l.P99), latencyText(l.P999), latencyText(l.Max), l.Count)
	tw.Flush()
}

func hostText(s *load.Summary) string {
	if s.Echo {
		return "the echo server at " + s.Addr
	}
	return s.Addr
}

func loopText(s *load.Summary) string {
	if s.Mode == load.ModeOpen {
		return fmt.Sprintf("open loop at %.1f/s over %d terminals (at most %d in flight each), mix %s", s.Rate, s.Terminals, s.Concurrency, s.Mix)
	}
	return fmt.Sprintf("%d terminals × %d in flight, mix %s", s.Terminals, s.Concurrency, s.Mix)
}

func latencyText(d time.Duration) string {
	if d >= time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

// loadJSON is the --json summary document.
type loadJSON struct {
	Addr            string         `json:"addr"`
	Mode            string         `json:"mode"`
	Host            string         `json:"host"`
	TargetRate      float64        `json:"target_rate_per_s"`
	AchievedRate    float64        `json:"achieved_rate_per_s"`
	Late            int64          `json:"late"`
	Unsent          int64          `json:"unsent"`
	Errors          int64          `json:"errors"`
	Terminals       int            `json:"terminals"`
	Concurrency     int            `json:"concurrency"`
	Mix             string         `json:"mix"`
	LastSentSeconds float64        `json:"last_sent_s"`
	ElapsedSeconds  float64        `json:"elapsed_s"`
	DrainSeconds    float64        `json:"drain_s"`
	Sent            int64          `json:"sent"`
	Answered        int64          `json:"answered"`
	NoAnswer        int64          `json:"no_answer"`
	Approved        int64          `json:"approved"`
	Declined        int64          `json:"declined"`
	Answered91      int64          `json:"answered_91"`
	ResponseCodes   []rcJSON       `json:"response_codes"`
	Advices         adviceJSON     `json:"advices"`
	Connections     connectionJSON `json:"connections"`
	Throughput      float64        `json:"throughput_per_s"`
	LatencyMs       latencyJSON    `json:"latency_ms"`
}

type rcJSON struct {
	RC      string `json:"rc"`
	Count   int64  `json:"count"`
	Meaning string `json:"meaning"`
}

type adviceJSON struct {
	Sent         int64 `json:"sent"`
	Acknowledged int64 `json:"acknowledged"`
	Refused      int64 `json:"refused"`
	Outstanding  int64 `json:"outstanding"`
	Tries        int64 `json:"tries"`
}

type connectionJSON struct {
	Made          int64  `json:"made"`
	Reconnects    int64  `json:"reconnects"`
	Failed        int64  `json:"failed_attempts"`
	SignOnRefused int64  `json:"sign_on_refused"`
	SignOnRC      string `json:"sign_on_rc,omitempty"`
}

type latencyJSON struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p99_9"`
	Max   float64 `json:"max"`
}

func printLoadJSON(w io.Writer, s *load.Summary) error {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	doc := loadJSON{
		Addr: s.Addr, Mode: s.Mode, Host: "gateway", TargetRate: s.Rate, AchievedRate: s.SendRate(), Late: s.Late, Unsent: s.Unsent, Errors: s.Errors(),
		Terminals: s.Terminals, Concurrency: s.Concurrency, Mix: s.Mix,
		LastSentSeconds: s.LastSent.Seconds(), ElapsedSeconds: s.Elapsed.Seconds(), DrainSeconds: s.Drain.Seconds(),
		Sent: s.Sent, Answered: s.Answered, NoAnswer: s.NoAnswer,
		Approved: s.Approved, Declined: s.Declined, Answered91: s.Unavailable,
		ResponseCodes: make([]rcJSON, 0, len(s.ResponseCodes)),
		Advices: adviceJSON{
			Sent: s.Advices.Sent, Acknowledged: s.Advices.Acknowledged, Refused: s.Advices.Refused,
			Outstanding: s.Advices.Outstanding, Tries: s.Advices.Tries,
		},
		Connections: connectionJSON{
			Made: s.Connects, Reconnects: s.Reconnects, Failed: s.ConnectFailures,
			SignOnRefused: s.SignOnRefused, SignOnRC: s.SignOnRC,
		},
		Throughput: s.Throughput(),
		LatencyMs: latencyJSON{
			Count: s.Latency.Count, P50: ms(s.Latency.P50), P90: ms(s.Latency.P90),
			P99: ms(s.Latency.P99), P999: ms(s.Latency.P999), Max: ms(s.Latency.Max),
		},
	}
	if s.Echo {
		doc.Host = "echo"
	}
	for _, c := range s.ResponseCodes {
		doc.ResponseCodes = append(doc.ResponseCodes, rcJSON{RC: c.RC, Count: c.Count, Meaning: wire.RCMeaning(c.RC)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
