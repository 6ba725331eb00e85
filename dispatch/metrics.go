package dispatch

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotline-al/hotline/hotline"
)

// Metrics are the stages' Prometheus metrics. Labels never carry reporter
// contact or message text. A nil *Metrics records nothing.
type Metrics struct {
	Sent     *prometheus.CounterVec   // hotline_outbox_sent_total{kind,channel}
	Failed   *prometheus.CounterVec   // hotline_outbox_failed_total{kind,channel}
	SendTime *prometheus.HistogramVec // hotline_outbox_send_seconds{channel}
	// Duplicates counts items sent again after a sender died mid-send.
	Duplicates *prometheus.CounterVec // hotline_outbox_possible_duplicates_total{kind,channel}
}

// NewMetrics registers the metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hotline_outbox_sent_total",
			Help: "Outbox items handed to their channel."}, []string{"kind", "channel"}),
		Failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hotline_outbox_failed_total",
			Help: "Outbox items that could not be delivered on their channel."}, []string{"kind", "channel"}),
		SendTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hotline_outbox_send_seconds",
			Help: "Time to hand one outbox item to its channel, in seconds."}, []string{"channel"}),
		Duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hotline_outbox_possible_duplicates_total",
			Help: "Outbox items sent again after their sender died mid-send (the recipient may have them twice)."}, []string{"kind", "channel"}),
	}
	reg.MustRegister(m.Sent, m.Failed, m.SendTime, m.Duplicates)
	return m
}

func (m *Metrics) sent(o hotline.OutboundMessage, d time.Duration) {
	if m == nil {
		return
	}
	m.Sent.WithLabelValues(string(o.Kind), string(o.Channel)).Inc()
	m.SendTime.WithLabelValues(string(o.Channel)).Observe(d.Seconds())
}

func (m *Metrics) failed(o hotline.OutboundMessage) {
	if m == nil {
		return
	}
	m.Failed.WithLabelValues(string(o.Kind), string(o.Channel)).Inc()
}

func (m *Metrics) duplicate(o hotline.OutboundMessage) {
	if m == nil {
		return
	}
	m.Duplicates.WithLabelValues(string(o.Kind), string(o.Channel)).Inc()
}
