package dispatch_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-al/hotline/dispatch"
	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
	"github.com/hotline-al/hotline/internal/testenv"
	"github.com/hotline-al/hotline/triage"
)

// routingStore fails Dispatch for the tips in failing (Postgres did not
// commit) and records the order of the others.
type routingStore struct {
	dispatch.Store
	failing map[int64]bool
	routed  []int64
}

func (s *routingStore) Dispatch(_ context.Context, tipID int64, _ time.Time, _ time.Duration, _ hotline.Composer) (postgres.DispatchResult, error) {
	if s.failing[tipID] {
		return postgres.DispatchResult{}, errors.New("connection reset")
	}
	s.routed = append(s.routed, tipID)
	return postgres.DispatchResult{Done: true}, nil
}

// An entry whose routing did not commit stays in the queue (not
// acknowledged) and comes back after RetryFailedAfter; meanwhile the rest
// is routed, most urgent first across counties.
func TestRouteOnceAcknowledgesOnlyCommittedRouting(t *testing.T) {
	ctx := context.Background()
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	q := triage.NewQueue(rdb, "router-test")
	q.RetryFailedAfter = 200 * time.Millisecond
	store := &routingStore{failing: map[int64]bool{2: true}}
	s := &dispatch.Stages{Store: store, Queue: q, Now: time.Now, EscalateAfter: time.Minute, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := s.Init(ctx); err != nil {
		t.Fatal(err)
	}
	for _, e := range []triage.QueueEntry{
		{TipID: 1, Level: hotline.LevelP2, County: "AL-03"},
		{TipID: 2, Level: hotline.LevelP1, County: "AL-10"},
		{TipID: 3, Level: hotline.LevelP1, County: "AL-11"},
	} {
		if err := q.Enqueue(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.RouteOnce(ctx, 50*time.Millisecond); err == nil {
		t.Fatal("RouteOnce hid the failed routing")
	}
	// The failed P1 waits; the P2 is served meanwhile.
	if _, err := s.RouteOnce(ctx, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if len(store.routed) != 2 || store.routed[0] != 3 || store.routed[1] != 1 {
		t.Fatalf("routed %v, want [3 1]: the P1 that committed, then the P2", store.routed)
	}
	if n, _ := rdb.XLen(ctx, triage.StreamKey(hotline.LevelP1, "AL-10")).Result(); n != 1 {
		t.Fatalf("failed P1 entry: stream holds %d, want 1 (not acknowledged)", n)
	}
	delete(store.failing, 2) // Postgres is back
	time.Sleep(300 * time.Millisecond)
	if _, err := s.RouteOnce(ctx, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if len(store.routed) != 3 || store.routed[2] != 2 {
		t.Fatalf("routed %v, want the failed tip 2 retried", store.routed)
	}
	if n, _ := rdb.XLen(ctx, triage.StreamKey(hotline.LevelP1, "AL-10")).Result(); n != 0 {
		t.Fatalf("after committed routing the stream holds %d", n)
	}
}
