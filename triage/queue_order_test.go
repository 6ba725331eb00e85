package triage_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/triage"
)

// An entry that keeps failing (delivered, never acknowledged) must not hold
// back a P1 that arrives after it, whatever the counties.
func TestQueueServesNewP1BeforeOwnPendingLowerLevels(t *testing.T) {
	ctx := context.Background()
	q := triage.NewQueue(redisClient(t), "worker-a")
	if err := q.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	enqueue(t, q, triage.QueueEntry{TipID: 1, Level: hotline.LevelP3, County: "AL-01"})
	ds, err := q.Next(ctx, 50*time.Millisecond)
	if err != nil || len(ds) != 1 || ds[0].TipID != 1 {
		t.Fatalf("Next = %v, %v", ds, err)
	}
	// Routing tip 1 failed: no Ack. A P2 and a P1 arrive in other counties.
	enqueue(t, q, triage.QueueEntry{TipID: 2, Level: hotline.LevelP2, County: "AL-12"})
	enqueue(t, q, triage.QueueEntry{TipID: 3, Level: hotline.LevelP1, County: "AL-05"})
	var order []int64
	for range 3 {
		ds, err := q.Next(ctx, 50*time.Millisecond)
		if err != nil || len(ds) == 0 {
			t.Fatalf("Next = %v, %v after %v", ds, err, order)
		}
		order = append(order, ds[0].TipID)
		if err := q.Ack(ctx, ds[0]); err != nil {
			t.Fatal(err)
		}
	}
	if want := []int64{3, 2, 1}; !equal(order, want) {
		t.Fatalf("served %v, want %v", order, want)
	}
}

func TestQueueRebuildAndMetrics(t *testing.T) {
	ctx := context.Background()
	q := triage.NewQueue(redisClient(t), "worker-a")
	if err := q.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	enqueue(t, q, triage.QueueEntry{TipID: 99, Level: hotline.LevelP1, County: "AL-10"}) // stale: no longer pending in Postgres
	counts, err := q.Rebuild(ctx, []triage.QueueEntry{
		{TipID: 1, Level: hotline.LevelP3, County: "AL-10"},
		{TipID: 2, Level: hotline.LevelP1, County: "AL-11"},
		{TipID: 3, Level: hotline.LevelP2, County: ""},
		{TipID: 4, Level: hotline.LevelP1, County: "AL-01"},
	})
	if err != nil || counts[hotline.LevelP1] != 2 || counts[hotline.LevelP2] != 1 || counts[hotline.LevelP3] != 1 {
		t.Fatalf("Rebuild = %v, %v", counts, err)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(triage.NewQueueCollector(q))
	got := gauges(t, reg)
	if n := len(got) - 1; n != 2*len(hotline.Levels)*(len(hotline.Counties)+1) {
		t.Fatalf("%d series; want depth and age for every level and county", n)
	}
	for series, want := range map[string]float64{
		"hotline_triage_queue_depth P1 AL-11":              1,
		"hotline_triage_queue_depth P1 AL-10":              0, // the stale entry is gone
		"hotline_triage_queue_depth P2 none":               1,
		"hotline_triage_queue_depth P3 AL-10":              1,
		"hotline_triage_queue_oldest_age_seconds P1 AL-10": 0,
		"hotline_triage_queue_scrape_error":                0,
	} {
		if v, ok := got[series]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", series, v, ok, want)
		}
	}
	if age := got["hotline_triage_queue_oldest_age_seconds P1 AL-11"]; age < 0 || age > 60 {
		t.Errorf("oldest age of P1 AL-11 = %v s", age)
	}

	var order []int64
	for len(order) < 4 {
		ds, err := q.Next(ctx, 50*time.Millisecond)
		if err != nil || len(ds) == 0 {
			t.Fatalf("Next = %v, %v after %v", ds, err, order)
		}
		for _, d := range ds {
			order = append(order, d.TipID)
			if err := q.Ack(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
	}
	if want := []int64{2, 4, 3, 1}; !equal(order, want) {
		t.Fatalf("served %v, want %v (P1 in rebuild order across counties, then P2, P3)", order, want)
	}
}

func enqueue(t *testing.T, q *triage.Queue, e triage.QueueEntry) {
	t.Helper()
	if err := q.Enqueue(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

// gauges returns every gauge of reg by "name level county".
func gauges(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if len(labels) > 0 {
				key += " " + labels["level"] + " " + labels["county"]
			}
			out[key] = m.GetGauge().GetValue()
		}
	}
	return out
}
