package telegram

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// SharedLimits paces sends within Telegram's limits across every process
// that shares one Redis (GCRA, go-redis/redis_rate), so two `hotline serve`
// together stay within the bot's global 30 messages a second and a chat's
// own limit. Use NewSharedLimits.
type SharedLimits struct {
	limiter *redis_rate.Limiter
	prefix  string
}

// NewSharedLimits returns send limits kept in rdb under keys starting with
// prefix (e.g. "hotline:telegram-send:").
func NewSharedLimits(rdb *redis.Client, prefix string) *SharedLimits {
	return &SharedLimits{limiter: redis_rate.NewLimiter(rdb), prefix: prefix}
}

// Telegram's limits as GCRA rates, a little below the documented ones.
var (
	sharedGlobal  = redis_rate.Limit{Rate: int(globalSendRate), Burst: globalSendBurst, Period: time.Second}
	sharedPrivate = redis_rate.Limit{Rate: 1, Burst: chatSendBurst, Period: time.Second}
	sharedGroup   = redis_rate.Limit{Rate: 20, Burst: chatSendBurst, Period: time.Minute}
)

// reserve takes one send to chat from the chat's budget and then from the
// global one, and returns how long to wait first when either is spent (0 =
// send now). A chat's share taken when the global budget turns out spent is
// not given back: pacing errs on the slow side.
func (l *SharedLimits) reserve(ctx context.Context, chat int64) (time.Duration, error) {
	own := sharedPrivate
	if chat < 0 {
		own = sharedGroup
	}
	for _, b := range []struct {
		key   string
		limit redis_rate.Limit
	}{{"chat:" + strconv.FormatInt(chat, 10), own}, {"global", sharedGlobal}} {
		res, err := l.limiter.Allow(ctx, l.prefix+b.key, b.limit)
		if err != nil {
			return 0, fmt.Errorf("shared send limit: %w", err)
		}
		if res.Allowed == 0 {
			return res.RetryAfter, nil
		}
	}
	return 0, nil
}

// wait blocks until one more message to chat is within the shared limits,
// or ctx ends.
func (l *SharedLimits) wait(ctx context.Context, chat int64) error {
	for {
		after, err := l.reserve(ctx, chat)
		if err != nil || after <= 0 {
			return err
		}
		t := time.NewTimer(after)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
