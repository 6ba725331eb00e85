package dispatch

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotline-al/hotline/hotline/postgres"
)

// AckTimeSource reads the time-to-acknowledge figures (hotline/postgres.DB).
type AckTimeSource interface {
	AcknowledgementTimes(ctx context.Context) ([]postgres.AckTimes, error)
}

// AckTimeCollector exports hotline_time_to_acknowledge_seconds{level,county}:
// a histogram of the time from a tip's first message to its first
// acknowledgement, read from Postgres at each scrape (the same in every
// process).
type AckTimeCollector struct {
	Source AckTimeSource
	desc   *prometheus.Desc
}

// NewAckTimeCollector returns the collector; register it with a registry.
func NewAckTimeCollector(src AckTimeSource) *AckTimeCollector {
	return &AckTimeCollector{Source: src, desc: prometheus.NewDesc("hotline_time_to_acknowledge_seconds",
		"Time from a tip's first message to its first acknowledgement, in seconds.", []string{"level", "county"}, nil)}
}

// Describe implements prometheus.Collector.
func (c *AckTimeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector; a database error exports nothing.
func (c *AckTimeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	times, err := c.Source.AcknowledgementTimes(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for _, t := range times {
		county := t.County
		if county == "" {
			county = "unknown"
		}
		ch <- prometheus.MustNewConstHistogram(c.desc, t.Count, t.SumSeconds, t.Buckets, t.Level, county)
	}
}
