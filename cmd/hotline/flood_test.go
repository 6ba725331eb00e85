package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	faketelegram "github.com/hotline-al/hotline/internal/fake/telegram"
)

// A reporter over the flood limit: every message is stored and answered
// 200, but only those within the limit are answered by SMS at once; the
// held-back ones are classified later, so a danger written in the flood is
// still alerted. STOP is never held back. Redis knows the reporter only by a
// keyed hash.
func TestFloodIsStoredHeldBackAndClassifiedLater(t *testing.T) {
	h := newHarness(t)
	h.env["FLOOD_PER_MINUTE"] = "3"
	h.start()

	h.sms(reporterPhone, "Pershendetje")
	code := codeIn(t, h.waitSMS(reporterPhone, "0800 12 12").Body)
	bodies := []string{
		code + " pyetje", code + " edhe nje", // within the limit: answered
		code + " a", code + " b", code + " c", // held back: not answered
		code + " tani me rrahin ne Shkoder, me kane mbyllur ne nje bar", // held back: danger
	}
	for i, b := range bodies {
		if status, _ := h.sms(reporterPhone, b); status != 200 {
			t.Fatalf("message %d answered %d, want 200", i+2, status)
		}
	}
	// The danger held back in the flood reaches Shkodër's police once the
	// reclassifier ran.
	alert := h.waitTelegram(100000201, code)
	if !strings.Contains(alert.Text, "P1") {
		t.Errorf("alert after reclassification: %q, want P1", alert.Text)
	}
	if n := h.count(`SELECT count(*) FROM tips WHERE reclassify_pending`); n != 0 {
		t.Errorf("%d tips still held back", n)
	}
	if status, _ := h.sms(reporterPhone, "STOP"); status != 200 {
		t.Fatalf("STOP answered %d", status)
	}
	if n := h.count(`SELECT count(*) FROM messages WHERE direction = 'in'`); n != 2+len(bodies) {
		t.Errorf("stored %d messages, want %d: none lost", n, 2+len(bodies))
	}
	if n := h.count(`SELECT count(*) FROM outbox WHERE reporter_id IS NOT NULL AND body LIKE '%' || $1 || '%'`, code); n != 3 {
		t.Errorf("%d replies to the reporter, want 3 (first reply and two within the limit)", n)
	}
	logs := h.logs.String()
	if n := strings.Count(logs, "message held back"); n != 4 {
		t.Errorf("%d messages held back, want 4 (STOP never is)", n)
	}
	rdb := redis.NewClient(mustRedisOptions(t, h.env["REDIS_URL"]))
	defer rdb.Close()
	keys, err := rdb.Keys(context.Background(), "*flood*").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("flood keys %v, %v; want one", keys, err)
	}
	if strings.Contains(keys[0], strings.TrimPrefix(reporterPhone, "+")) {
		t.Errorf("flood key %q holds the number", keys[0])
	}
	h.assertNoReporterIdentity(strings.TrimPrefix(bodies[len(bodies)-1], code))
}

func mustRedisOptions(t testing.TB, url string) *redis.Options {
	t.Helper()
	o, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// floodSenders and floodPerSender: 10,000 messages from 50 numbers.
const floodSenders, floodPerSender = 50, 200

// floodProbes is how many P1 tips are timed, quiet and during the flood.
const floodProbes = 5

// BenchmarkFloodP1TimeToAlert measures how long a P1 tip takes from the
// webhook to the on-duty police officer's Telegram alert, floodProbes times
// on a quiet service and floodProbes times while 50 numbers send 10,000
// messages (as fast as the service takes them, over loopback), and how
// many messages were stored. It reports the median and the worst of each.
// Run with `make bench-flood`. Figures in README "## Triage". The
// sub-benchmark no-limit runs the same with the flood limit out of reach,
// for comparison.
func BenchmarkFloodP1TimeToAlert(b *testing.B) {
	b.Run("limit-20", func(b *testing.B) { benchmarkFlood(b, "20") })
	b.Run("no-limit", func(b *testing.B) { benchmarkFlood(b, "1000000") })
}

func benchmarkFlood(b *testing.B, perMinute string) {
	for range b.N {
		h := newHarness(b)
		h.env["FLOOD_PER_MINUTE"] = perMinute
		h.start()
		var quiet, flood, floodStored []time.Duration
		for i := range floodProbes {
			total, stored := timeToAlert(h, fmt.Sprintf("+35569009%04d", i))
			quiet = append(quiet, total)
			_ = stored
		}
		start := time.Now()
		done := make(chan struct{})
		for s := range floodSenders {
			go func() {
				defer func() { done <- struct{}{} }()
				from := fmt.Sprintf("+35569%07d", 1000000+s)
				for i := range floodPerSender {
					if st, _, err := h.twilio.InboundSMS(context.Background(), h.base+"/webhooks/twilio/sms", from, hotlineFrom, fmt.Sprintf("oferte pune %d", i)); err != nil || st != 200 {
						b.Errorf("flood message answered %d, %v", st, err)
						return
					}
				}
			}()
		}
		for i := range floodProbes {
			time.Sleep(time.Second) // the flood is running
			total, stored := timeToAlert(h, fmt.Sprintf("+35569008%04d", i))
			flood, floodStored = append(flood, total), append(floodStored, stored)
		}
		for range floodSenders {
			<-done
		}
		elapsed := time.Since(start)
		stored := h.count(`SELECT count(*) FROM messages WHERE direction = 'in'`)
		held := strings.Count(h.logs.String(), "message held back")
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		b.ReportMetric(ms(median(quiet)), "p1-quiet-median-ms")
		b.ReportMetric(ms(slices.Max(quiet)), "p1-quiet-max-ms")
		b.ReportMetric(ms(median(flood)), "p1-flood-median-ms")
		b.ReportMetric(ms(slices.Max(flood)), "p1-flood-max-ms")
		b.ReportMetric(ms(median(floodStored)), "p1-flood-webhook-median-ms")
		b.ReportMetric(float64(stored), "stored")
		b.ReportMetric(float64(held), "held-back")
		b.ReportMetric(elapsed.Seconds(), "flood-s")
		h.shutdown()
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// timeToAlert sends a P1 tip about Shkodër from `from` and returns how long
// until the police officer on duty there has the Telegram alert, and how
// long the webhook took to answer (the tip stored).
func timeToAlert(h *harness, from string) (total, stored time.Duration) {
	h.t.Helper()
	tail := "ndihme " + from[len(from)-4:]
	start := time.Now()
	if status, _ := h.sms(from, "Ne Shkoder mbajne nje vajze te mbyllur tani, "+tail); status != 200 {
		h.t.Fatalf("P1 answered %d", status)
	}
	stored = time.Since(start)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := h.telegram.WaitSent(ctx, func(m faketelegram.SentMessage) bool {
		return m.ChatID == 100000201 && strings.Contains(m.Text, tail)
	}); err != nil {
		h.t.Fatalf("P1 from %s not alerted within a minute: %v", from, err)
	}
	return time.Since(start), stored
}
