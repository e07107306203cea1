package main

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// The metric families the breakdown reads (gateway/metrics).
const (
	metricRequestDuration = "meridian_terminal_request_duration_seconds" // mti
	metricStageDuration   = "meridian_stage_duration_seconds"            // stage, scheme, op, outcome
)

// stageBreakdown is where a purchase's time goes inside the gateway, from
// the node's own histograms: the mean per purchase of its terminal request
// (read to response written) and of the payment stages timed within it. A
// stage that runs twice for a purchase counts twice.
type stageBreakdown struct {
	Purchases     int64 // 0200 requests answered
	Request       time.Duration
	JournalCreate time.Duration
	JournalUpdate time.Duration
	AdapterPay    time.Duration
}

// Other is the rest of a request: decoding, routing, risk, FX, queueing
// for the journal's group commit or a free worker, and encoding.
func (b *stageBreakdown) Other() time.Duration {
	return b.Request - b.JournalCreate - b.JournalUpdate - b.AdapterPay
}

// gatherBreakdown reads the breakdown from a node's metrics: since the node
// started, so it is read after its first load.
func gatherBreakdown(g prometheus.Gatherer) (*stageBreakdown, error) {
	families, err := g.Gather()
	if err != nil {
		return nil, err
	}
	var purchases uint64
	var request float64
	stages := map[string]float64{} // stage/op → seconds
	for _, f := range families {
		switch f.GetName() {
		case metricRequestDuration:
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "mti" && l.GetValue() == wire.MTIFinancialRequest {
						purchases += m.GetHistogram().GetSampleCount()
						request += m.GetHistogram().GetSampleSum()
					}
				}
			}
		case metricStageDuration:
			for _, m := range f.GetMetric() {
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				stages[labels["stage"]+"/"+labels["op"]] += m.GetHistogram().GetSampleSum()
			}
		}
	}
	if purchases == 0 {
		return nil, fmt.Errorf("no %s{mti=%q} observed", metricRequestDuration, wire.MTIFinancialRequest)
	}
	mean := func(seconds float64) time.Duration {
		return time.Duration(seconds / float64(purchases) * float64(time.Second))
	}
	return &stageBreakdown{
		Purchases:     int64(purchases),
		Request:       mean(request),
		JournalCreate: mean(stages["journal/create"]),
		JournalUpdate: mean(stages["journal/update"]),
		AdapterPay:    mean(stages["adapter/pay"]),
	}, nil
}
