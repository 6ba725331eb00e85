package triage_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/internal/testenv"
	"github.com/hotline-al/hotline/triage"
)

func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestQueueServesP1FirstAndAcknowledgesAfterCommit(t *testing.T) {
	ctx := context.Background()
	rdb := redisClient(t)
	q := triage.NewQueue(rdb, "worker-a")
	if err := q.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	for i, e := range []triage.QueueEntry{
		{TipID: 1, Level: hotline.LevelP3, County: "AL-10"},
		{TipID: 2, Level: hotline.LevelP2, County: "AL-11"},
		{TipID: 3, Level: hotline.LevelP1, County: ""},
		{TipID: 4, Level: hotline.LevelP1, County: "AL-10"},
	} {
		if err := q.Enqueue(ctx, e); err != nil {
			t.Fatal(i, err)
		}
	}
	var order []int64
	for len(order) < 4 {
		ds, err := q.Next(ctx, 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 0 {
			t.Fatalf("queue ran dry after %v", order)
		}
		// Take only the first; the rest stay pending for this consumer and
		// come back first on the next call (as after a crash).
		order = append(order, ds[0].TipID)
		if err := q.Ack(ctx, ds[0]); err != nil {
			t.Fatal(err)
		}
	}
	if want := []int64{3, 4, 2, 1}; !equal(order, want) {
		t.Fatalf("served %v, want %v (P1 oldest first, then P2, P3)", order, want)
	}
	depths, err := q.Depths(ctx, time.Now())
	if err != nil || len(depths) != len(hotline.Levels)*(len(hotline.Counties)+1) {
		t.Fatalf("depths = %v, %v; want one per level and county", depths, err)
	}
	for _, d := range depths {
		if d.Entries != 0 || d.OldestAge != 0 {
			t.Fatalf("after acknowledging everything, %+v", d)
		}
	}
}

func TestQueueReclaimsEntriesOfADeadConsumer(t *testing.T) {
	ctx := context.Background()
	rdb := redisClient(t)
	dead := triage.NewQueue(rdb, "worker-dead")
	if err := dead.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if err := dead.Enqueue(ctx, triage.QueueEntry{TipID: 7, Level: hotline.LevelP1, County: "AL-10"}); err != nil {
		t.Fatal(err)
	}
	ds, err := dead.Next(ctx, 100*time.Millisecond)
	if err != nil || len(ds) != 1 {
		t.Fatalf("Next = %v, %v", ds, err)
	}
	// worker-dead never acknowledges. Another worker takes it once idle.
	alive := triage.NewQueue(rdb, "worker-alive")
	alive.ReclaimIdle = 50 * time.Millisecond
	time.Sleep(120 * time.Millisecond)
	got, err := alive.Next(ctx, 100*time.Millisecond)
	if err != nil || len(got) != 1 || got[0].TipID != 7 || got[0].Level != hotline.LevelP1 || got[0].County != "AL-10" {
		t.Fatalf("reclaimed %v, %v", got, err)
	}
}

func TestQueueSurvivesRedisLosingItsData(t *testing.T) {
	ctx := context.Background()
	rdb := redisClient(t)
	q := triage.NewQueue(rdb, "worker-a")
	if err := q.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	// Reading a lost group recreates it instead of failing for ever.
	if _, err := q.Next(ctx, 50*time.Millisecond); err != nil {
		t.Fatalf("Next after data loss: %v", err)
	}
	if err := q.Enqueue(ctx, triage.QueueEntry{TipID: 9, Level: hotline.LevelP2, County: "AL-01"}); err != nil {
		t.Fatal(err)
	}
	ds, err := q.Next(ctx, 100*time.Millisecond)
	if err != nil || len(ds) != 1 || ds[0].TipID != 9 {
		t.Fatalf("after recreation: %v, %v", ds, err)
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
