package postgres_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline/postgres"
	"github.com/hotline-al/hotline/internal/testenv"
)

func TestRunExclusiveOneHolderAtATime(t *testing.T) {
	url := testenv.DatabaseURL(t)
	var running, maxRunning atomic.Int32
	var ran [2]atomic.Bool
	ctxs := make([]context.CancelFunc, 2)
	finished := make(chan int, 2)
	for i := range 2 {
		db, err := postgres.Open(context.Background(), url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		ctx, cancel := context.WithCancel(context.Background())
		ctxs[i] = cancel
		go func() {
			db.RunExclusive(ctx, postgres.TelegramPollerLock, 20*time.Millisecond, func(ctx context.Context) {
				n := running.Add(1)
				for m := maxRunning.Load(); n > m && !maxRunning.CompareAndSwap(m, n); m = maxRunning.Load() {
				}
				ran[i].Store(true)
				<-ctx.Done()
				running.Add(-1)
			})
			finished <- i
		}()
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("a holder", func() bool { return ran[0].Load() || ran[1].Load() })
	first := 0
	if ran[1].Load() {
		first = 1
	}
	ctxs[first]() // the holder stops: the other takes over
	waitFor("the other to take over", func() bool { return ran[1-first].Load() })
	ctxs[1-first]()
	<-finished
	<-finished
	if maxRunning.Load() != 1 {
		t.Errorf("%d holders at once, want 1", maxRunning.Load())
	}
}
