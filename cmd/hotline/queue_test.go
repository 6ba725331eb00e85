package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis loses the triage queue while a tip awaits routing: `hotline queue
// rebuild` puts it back from Postgres. /metrics shows depth and oldest age
// per level and county. Bad configuration and usage exit 2, a dead Redis 1.
func TestQueueRebuildCommandAndMetrics(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.sms(reporterPhone, "Ne Shkoder mbajne nje vajze te mbyllur tani")
	h.waitTelegram(100000201, "P1")
	// The queue entry is acknowledged right after the routing commits, which
	// may be just after the alert went out: wait for the gauges to settle.
	wants := []string{`hotline_triage_queue_depth{county="AL-10",level="P1"} 0`, `hotline_triage_queue_oldest_age_seconds{county="none",level="P4"} 0`}
	var body string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(h.base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		missing := false
		for _, want := range wants {
			missing = missing || !strings.Contains(body, want)
		}
		if !missing || time.Now().After(deadline) {
			break
		}
	}
	for _, want := range wants {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	h.shutdown()

	// The tip's routing is pending again (as after a crash) and Redis lost everything.
	if n := h.count(`WITH u AS (UPDATE tips SET dispatch_pending = true RETURNING id) SELECT count(*) FROM u`); n != 1 {
		t.Fatalf("%d tips", n)
	}
	rdb := redis.NewClient(mustRedisOptions(t, h.env["REDIS_URL"]))
	defer rdb.Close()
	ctx := context.Background()
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	code, out := h.cli("queue", "rebuild")
	if code != 0 || out != "queue rebuilt from Postgres: 1 tips awaiting routing (P1 1, P2 0, P3 0, P4 0)\n" {
		t.Fatalf("queue rebuild = %d %q", code, out)
	}
	if n, err := rdb.XLen(ctx, "hotline:triage:P1:AL-10").Result(); err != nil || n != 1 {
		t.Fatalf("P1 AL-10 stream holds %d, %v; want 1", n, err)
	}
	if code, out := h.cli("queue", "rebuild"); code != 0 || !strings.Contains(out, ": 1 tips") {
		t.Fatalf("rebuilding twice = %d %q; want the same single entry", code, out)
	}
	if n, _ := rdb.XLen(ctx, "hotline:triage:P1:AL-10").Result(); n != 1 {
		t.Fatalf("after a second rebuild the stream holds %d, want 1", n)
	}

	for _, tc := range []struct {
		env, value string
		args       []string
		code       int
		says       string
	}{
		{"", "", []string{"queue"}, 2, "usage: hotline queue rebuild"},
		{"", "", []string{"queue", "drop"}, 2, "usage: hotline queue rebuild"},
		{"QUEUE_RECLAIM_IDLE", "soon", []string{"queue", "rebuild"}, 2, "QUEUE_RECLAIM_IDLE must be a positive Go duration"},
		{"FLOOD_PER_MINUTE", "0", []string{"queue", "rebuild"}, 2, "FLOOD_PER_MINUTE must be a positive number"},
		{"REDIS_URL", "redis://127.0.0.1:1/0", []string{"queue", "rebuild"}, 1, "hotline queue: rebuild queue"},
	} {
		saved := h.env[tc.env]
		if tc.env != "" {
			h.env[tc.env] = tc.value
		}
		code, out := h.cli(tc.args...)
		if code != tc.code || !strings.Contains(out, tc.says) || strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Errorf("%s=%q %v: %d %q; want %d and one line saying %q", tc.env, tc.value, tc.args, code, out, tc.code, tc.says)
		}
		if tc.env != "" {
			h.env[tc.env] = saved
		}
	}
}
