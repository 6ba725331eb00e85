package triage

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// QueueCollector exports the triage queue's state at each scrape:
// hotline_triage_queue_depth (entries waiting or in flight) and
// hotline_triage_queue_oldest_age_seconds (age of the oldest entry, 0 when
// empty), both labelled level (P1…P4) and county (ISO code, "none" when
// unknown), for every level and county.
type QueueCollector struct {
	queue       *Queue
	depth, age  *prometheus.Desc
	scrapeError *prometheus.Desc
}

// NewQueueCollector returns a collector for q; register it with a registry.
func NewQueueCollector(q *Queue) *QueueCollector {
	labels := []string{"level", "county"}
	return &QueueCollector{
		queue:       q,
		depth:       prometheus.NewDesc("hotline_triage_queue_depth", "Triage queue entries waiting or in flight, by level and county.", labels, nil),
		age:         prometheus.NewDesc("hotline_triage_queue_oldest_age_seconds", "Age of the oldest triage queue entry, by level and county (0 when empty).", labels, nil),
		scrapeError: prometheus.NewDesc("hotline_triage_queue_scrape_error", "1 when the triage queue could not be read at this scrape.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *QueueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.age
	ch <- c.scrapeError
}

// Collect implements prometheus.Collector: it reads every stream (bounded
// by 5 s).
func (c *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	depths, err := c.queue.Depths(ctx, time.Now())
	failed := 0.0
	if err != nil {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(c.scrapeError, prometheus.GaugeValue, failed)
	if err != nil {
		return
	}
	for _, d := range depths {
		county := d.County
		if county == "" {
			county = noCounty
		}
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(d.Entries), string(d.Level), county)
		ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, d.OldestAge.Seconds(), string(d.Level), county)
	}
}
