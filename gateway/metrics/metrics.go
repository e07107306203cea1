// Package metrics holds the gateway's Prometheus collectors and the
// operations HTTP endpoint (/metrics, /healthz, /readyz).
package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/meridian-gw/meridian/gateway/payment"
)

// Metrics is the set of the gateway's collectors on their own registry.
// Label values are closed sets (MTIs, response codes, scheme ids, stage
// names): never a terminal id, an amount or a code.
type Metrics struct {
	Registry *prometheus.Registry

	Requests    *prometheus.CounterVec   // mti, rc
	Latency     *prometheus.HistogramVec // mti
	InFlight    prometheus.Gauge
	Connections prometheus.Gauge
	Rejected    *prometheus.CounterVec // reason: frame, limit, decode, panic
	Stages      *prometheus.HistogramVec
	Resolved    *prometheus.CounterVec
	Flagged     *prometheus.CounterVec
}

// New creates the collectors and registers them, with Go and process ones.
func New() *Metrics {
	buckets := []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 25}
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meridian_terminal_requests_total",
			Help: "Terminal requests answered, by request MTI and response code.",
		}, []string{"mti", "rc"}),
		Latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "meridian_terminal_request_duration_seconds",
			Help:    "Time from a terminal request read to its response written, by request MTI.",
			Buckets: buckets,
		}, []string{"mti"}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "meridian_terminal_requests_in_flight",
			Help: "Terminal requests being processed.",
		}),
		Connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "meridian_terminal_connections",
			Help: "Open terminal connections.",
		}),
		Rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meridian_terminal_rejected_total",
			Help: "Terminal input refused: broken frames, limits reached, undecodable messages, recovered panics.",
		}, []string{"reason"}),
		Stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "meridian_stage_duration_seconds",
			Help:    "Time spent per stage of a payment: journal writes and adapter calls, by scheme, operation and outcome.",
			Buckets: buckets,
		}, []string{"stage", "scheme", "op", "outcome"}),
		Resolved: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meridian_attempts_resolved_total",
			Help: "Attempts driven to a final state by the background resolver, by scheme and state.",
		}, []string{"scheme", "state"}),
		Flagged: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meridian_attempts_flagged_total",
			Help: "Attempts not final after the give-up age, flagged for manual review, by scheme and the state they were left in.",
		}, []string{"scheme", "state"}),
	}
	m.Registry.MustRegister(m.Requests, m.Latency, m.InFlight, m.Connections, m.Rejected, m.Stages, m.Resolved, m.Flagged,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Observer adapts m to payment.Observer: the engine's stage timings and
// resolutions land in Stages, Resolved and Flagged.
func (m *Metrics) Observer() payment.Observer { return observer{m} }

type observer struct{ m *Metrics }

func (o observer) Stage(stage, scheme, op, outcome string, d time.Duration) {
	o.m.Stages.WithLabelValues(stage, scheme, op, outcome).Observe(d.Seconds())
}

func (o observer) Resolved(scheme string, state payment.State) {
	o.m.Resolved.WithLabelValues(scheme, string(state)).Inc()
}

func (o observer) Flagged(scheme string, state payment.State) {
	o.m.Flagged.WithLabelValues(scheme, string(state)).Inc()
}

// WatchCircuit exports whether an adapter's circuit is open (1) or closed.
func (m *Metrics) WatchCircuit(scheme string, open func() bool) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "meridian_adapter_circuit_open",
		Help:        "1 while the adapter's circuit breaker refuses calls because the adapter stopped answering.",
		ConstLabels: prometheus.Labels{"scheme": scheme},
	}, func() float64 {
		if open() {
			return 1
		}
		return 0
	}))
}

// Check is a readiness check: nil when ready.
type Check func(ctx context.Context) error

// Server serves /metrics, /healthz (the process is up) and /readyz (every
// check passes).
type Server struct {
	srv *http.Server
	ln  net.Listener
}

// Listen starts the operations endpoint on addr.
func Listen(addr string, m *Metrics, ready map[string]Check) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		failed := false
		var body []byte
		for name, check := range ready {
			if err := check(ctx); err != nil {
				failed = true
				body = append(body, name+": "+err.Error()+"\n"...)
			} else {
				body = append(body, name+": ok\n"...)
			}
		}
		if failed {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write(body)
	})
	s := &Server{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, ln: ln}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the address served.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Shutdown stops the endpoint.
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// JournalStats are the counters of a journal's writer (store.Stats of the
// SQLite store).
type JournalStats struct {
	Writes, Commits, FailedBatches, SlowBatches uint64
	CheckpointedPages, CheckpointFailures       uint64
}

// WatchJournal exports the journal writer's counters, read from stats at
// each scrape: writes and commits (their ratio is the group commit's gain),
// batches that failed or ran again write by write, and the checkpointer's
// work and failures (a checkpointer that keeps failing leaves the writer to
// checkpoint by itself, which shows as latency).
func (m *Metrics) WatchJournal(stats func() JournalStats) {
	counter := func(name, help string, read func(JournalStats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(read(stats())) })
	}
	m.Registry.MustRegister(
		counter("meridian_journal_writes_total", "Writes the journal's writer ran, committed or not.",
			func(s JournalStats) uint64 { return s.Writes }),
		counter("meridian_journal_commits_total", "Transactions the journal's writer committed, one fsync of the log each.",
			func(s JournalStats) uint64 { return s.Commits }),
		counter("meridian_journal_failed_batches_total", "Journal transactions that failed to begin or commit; every write in them failed.",
			func(s JournalStats) uint64 { return s.FailedBatches }),
		counter("meridian_journal_slow_batches_total", "Journal batches run again with a savepoint per write because one write failed.",
			func(s JournalStats) uint64 { return s.SlowBatches }),
		counter("meridian_journal_checkpointed_pages_total", "Pages of the journal's log the checkpointer copied into the database file.",
			func(s JournalStats) uint64 { return s.CheckpointedPages }),
		counter("meridian_journal_checkpoint_failures_total", "Checkpoints that failed; the writer then checkpoints by itself past its bound.",
			func(s JournalStats) uint64 { return s.CheckpointFailures }),
	)
}
