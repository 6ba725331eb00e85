package telegram

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-al/hotline/internal/testenv"
)

// TestSharedLimitsSpanProcesses: two processes' limits kept in one Redis
// share each chat's budget (a burst of 3, then one a second; a group 20 a
// minute) and the bot's global one (25 a second).
func TestSharedLimitsSpanProcesses(t *testing.T) {
	ctx := context.Background()
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	a, b := NewSharedLimits(rdb, "test:"), NewSharedLimits(rdb, "test:")
	reserve := func(l *SharedLimits, chat int64) bool {
		t.Helper()
		after, err := l.reserve(ctx, chat)
		if err != nil {
			t.Fatal(err)
		}
		return after == 0
	}
	for i := range chatSendBurst {
		if !reserve(a, 42) {
			t.Fatalf("process A's send %d to a fresh chat waits", i+1)
		}
	}
	if reserve(b, 42) {
		t.Error("process B sends to chat 42 past the burst process A used")
	}
	if !reserve(b, 43) {
		t.Error("another chat has its own budget")
	}
	for i := range chatSendBurst {
		if !reserve(b, -1001) {
			t.Fatalf("group send %d waits", i+1)
		}
	}
	if reserve(a, -1001) {
		t.Error("a group gets more than its burst")
	}
	// The global budget: a burst of 25, then 25 a second, across chats and
	// processes (7 used above). However slow this machine, no more go out
	// than the burst plus what the time spent refilled.
	start := time.Now()
	allowed := 7
	for chat := int64(1000); chat < 1100; chat++ {
		l := a
		if chat%2 == 0 {
			l = b
		}
		if reserve(l, chat) {
			allowed++
		}
	}
	refilled := int(time.Since(start)/(time.Second/time.Duration(globalSendRate))) + 1
	if allowed > globalSendBurst+refilled {
		t.Errorf("%d sends allowed across processes, want at most %d (burst %d + %d refilled)", allowed, globalSendBurst+refilled, globalSendBurst, refilled)
	}
	if allowed < globalSendBurst {
		t.Errorf("only %d sends allowed, want the burst of %d", allowed, globalSendBurst)
	}
}
