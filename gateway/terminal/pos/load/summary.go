package load

import (
	"fmt"
	"sort"
	"time"
)

// Progress is a live view of a run.
type Progress struct {
	Elapsed time.Duration
	// Sent purchases, and what became of them so far: answered 00
	// (Approved), 91 (Unavailable) or any other RC (Declined), or left
	// without an answer (NoAnswer); InFlight are waiting for one.
	Sent, Approved, Declined, Unavailable, NoAnswer, InFlight int64
	// Connected is the number of terminals connected now; Reconnects
	// counts connections made again after one broke.
	Connected, Reconnects int64
	// AdvicesOutstanding are reversal advices not yet acknowledged.
	AdvicesOutstanding int64
	// Late counts open-loop purchases sent more than LateAfter after they
	// were due.
	Late int64
	// Latency of the purchases answered so far.
	Latency Latency
	// Draining: no purchase is left; the advices are being finished.
	Draining bool
}

// Answered is the number of purchases answered so far.
func (p Progress) Answered() int64 { return p.Approved + p.Declined + p.Unavailable }

// Progress returns the run's counters now.
func (r *Runner) Progress() Progress {
	r.mu.Lock()
	start, end := r.start, r.purchasesEnd
	r.mu.Unlock()
	c := &r.counts
	p := Progress{
		Sent:               c.sent.Load(),
		Approved:           c.approved.Load(),
		Declined:           c.declined.Load(),
		Unavailable:        c.unavailable.Load(),
		NoAnswer:           c.noAnswer.Load(),
		InFlight:           c.inFlight.Load(),
		Connected:          c.connected.Load(),
		Reconnects:         c.reconnects.Load(),
		AdvicesOutstanding: c.advicesOutstanding.Load(),
		Late:               c.late.Load(),
		Latency:            r.latency.merged().summary(),
		Draining:           !end.IsZero(),
	}
	if !start.IsZero() {
		p.Elapsed = r.clock.now().Sub(start)
	}
	return p
}

// Modes of a run: Summary.Mode.
const (
	ModeClosed = "closed" // Concurrency purchases in flight per terminal
	ModeOpen   = "open"   // purchases sent at Rate, answered or not
)

// Summary is the result of a run.
type Summary struct {
	Addr        string
	Terminals   int
	Concurrency int
	Mix         string
	// Mode is ModeClosed or ModeOpen; Echo says the host was an echo
	// server (Config.Echo). Rate is the open loop's target, purchases a
	// second; Late counts its purchases sent more than LateAfter after
	// they were due; Unsent those that were due before the sending ended
	// but never went out, because the load generator fell behind (its
	// connections' Concurrency bounds reached, or being made again) and
	// the run ended first. Sent + Unsent is what the schedule held until
	// then; a run that kept up has Unsent 0.
	Mode   string
	Echo   bool
	Rate   float64
	Late   int64
	Unsent int64
	// LastSent is when the last purchase was sent, Elapsed when the last
	// one ended (answered or given up), both from the start; Drain is the
	// time spent on advices after that.
	LastSent, Elapsed, Drain time.Duration
	// Sent = Answered + NoAnswer; Answered = Approved + Declined +
	// Unavailable (RC 91).
	Sent, Answered, NoAnswer              int64
	Approved, Declined, Unavailable       int64
	ResponseCodes                         []ResponseCodeCount
	Advices                               AdviceCounts
	Connects, Reconnects, ConnectFailures int64
	// SignOnRefused counts sign-ons answered other than 00; SignOnRC is
	// the last such answer.
	SignOnRefused int64
	SignOnRC      string
	// Latency of the answered purchases.
	Latency Latency
}

// ResponseCodeCount is how many purchases were answered with RC.
type ResponseCodeCount struct {
	RC    string
	Count int64
}

// AdviceCounts describes the store-and-forward of reversal advices. Every
// purchase without an answer gets one: NoAnswer = Acknowledged + Refused +
// Outstanding. Sent counts advices sent at least once, Tries every 0420
// and 0421 sent.
type AdviceCounts struct {
	Sent, Acknowledged, Refused, Outstanding, Tries int64
}

// Latency summarizes the latencies of the answered purchases, from the
// request's write (in the open loop, from when it was due) to its answer's
// arrival.
type Latency struct {
	Count                    int64
	P50, P90, P99, P999, Max time.Duration
}

// SendRate is the rate purchases were sent at, a second: the intervals
// between the first and the last sent over the time they spanned (the
// first goes out at the start). In the open loop it is the achieved rate,
// to set against Rate, and the time is at least the schedule's span up to
// the last purchase due, sent or not, so that purchases left unsent lower
// it instead of vanishing from it.
func (s *Summary) SendRate() float64 {
	span := s.LastSent
	if s.Rate > 0 && s.Sent+s.Unsent > 1 {
		span = max(span, dueAfter(uint64(s.Sent+s.Unsent-1), s.Rate))
	}
	if s.Sent < 2 || span <= 0 {
		return 0
	}
	return float64(s.Sent-1) / span.Seconds()
}

// Errors counts the purchases that failed for the load generator rather
// than being answered by the host's rules: left without an answer, and on
// an echo server answered with something other than themselves.
func (s *Summary) Errors() int64 {
	if s.Echo {
		return s.NoAnswer + s.Declined + s.Unavailable
	}
	return s.NoAnswer
}

// Throughput is the number of purchases answered per second of Elapsed.
func (s *Summary) Throughput() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Answered) / s.Elapsed.Seconds()
}

// Check returns an error when the counts do not add up, which would be a
// bug of the load generator, not of the host.
func (s *Summary) Check() error {
	switch {
	case s.Unsent < 0 || (s.Mode != ModeOpen && s.Unsent != 0):
		return fmt.Errorf("load: %d unsent in a %s loop", s.Unsent, s.Mode)
	case s.Sent != s.Answered+s.NoAnswer:
		return fmt.Errorf("load: %d sent, but %d answered and %d without an answer", s.Sent, s.Answered, s.NoAnswer)
	case s.Answered != s.Approved+s.Declined+s.Unavailable:
		return fmt.Errorf("load: %d answered, but %d + %d + %d by class", s.Answered, s.Approved, s.Declined, s.Unavailable)
	case s.Echo && s.Advices != (AdviceCounts{}):
		return fmt.Errorf("load: advices %+v sent to an echo server", s.Advices)
	case !s.Echo && s.NoAnswer != s.Advices.Acknowledged+s.Advices.Refused+s.Advices.Outstanding:
		return fmt.Errorf("load: %d without an answer, but advices %d acknowledged, %d refused, %d outstanding", s.NoAnswer, s.Advices.Acknowledged, s.Advices.Refused, s.Advices.Outstanding)
	}
	return nil
}

func (r *Runner) summary() *Summary {
	c := &r.counts
	r.mu.Lock()
	start, end, sendingEnd := r.start, r.purchasesEnd, r.sendingEnd
	signOnRC := r.signOnRC
	codes := make([]ResponseCodeCount, 0, len(r.otherRCs))
	for rc, n := range r.otherRCs {
		codes = append(codes, ResponseCodeCount{RC: rc, Count: n})
	}
	r.mu.Unlock()
	for i := range c.rcs {
		if n := c.rcs[i].Load(); n > 0 {
			codes = append(codes, ResponseCodeCount{RC: fmt.Sprintf("%02d", i), Count: n})
		}
	}
	sort.Slice(codes, func(i, j int) bool { return codes[i].RC < codes[j].RC })
	mode := ModeClosed
	if r.cfg.Rate > 0 {
		mode = ModeOpen
	}
	s := &Summary{
		Addr:            r.cfg.Addr,
		Terminals:       r.cfg.Terminals,
		Concurrency:     r.cfg.Concurrency,
		Mix:             r.cfg.Mix.String(),
		Mode:            mode,
		Echo:            r.cfg.Echo,
		Rate:            r.cfg.Rate,
		Late:            c.late.Load(),
		Unsent:          r.unsent(sendingEnd.Sub(start)),
		LastSent:        time.Duration(r.lastSent.Load()),
		Elapsed:         end.Sub(start),
		Drain:           r.clock.now().Sub(end),
		Sent:            c.sent.Load(),
		Answered:        c.answered.Load(),
		NoAnswer:        c.noAnswer.Load(),
		Approved:        c.approved.Load(),
		Declined:        c.declined.Load(),
		Unavailable:     c.unavailable.Load(),
		ResponseCodes:   codes,
		Connects:        c.connects.Load(),
		Reconnects:      c.reconnects.Load(),
		ConnectFailures: c.connectFailures.Load(),
		SignOnRefused:   c.signOnRefused.Load(),
		SignOnRC:        signOnRC,
		Advices: AdviceCounts{
			Sent:         c.advicesSent.Load(),
			Acknowledged: c.advicesAcknowledged.Load(),
			Refused:      c.advicesRefused.Load(),
			Outstanding:  c.advicesOutstanding.Load(),
			Tries:        c.adviceTries.Load(),
		},
		Latency: r.latency.merged().summary(),
	}
	return s
}
