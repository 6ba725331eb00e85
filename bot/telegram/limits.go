package telegram

import (
	"context"
	"sync"

	"golang.org/x/time/rate"
)

// Telegram's documented send limits (core.telegram.org/bots/faq): about 30
// messages a second overall, one a second per private chat, 20 a minute
// per group. Kept a little below, per process.
var (
	globalSendRate  = rate.Limit(25)
	privateSendRate = rate.Limit(1)
	groupSendRate   = rate.Limit(20.0 / 60)
)

const (
	globalSendBurst = 25
	chatSendBurst   = 3
	// maxLimitedChats bounds the per-chat table; it starts afresh beyond.
	maxLimitedChats = 10000
)

// sendLimits paces sends within Telegram's limits. The zero value is ready.
type sendLimits struct {
	mu     sync.Mutex
	global *rate.Limiter
	chats  map[int64]*rate.Limiter
}

// limiters returns the global limiter and chat's own.
func (l *sendLimits) limiters(chat int64) (*rate.Limiter, *rate.Limiter) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.global == nil {
		l.global = rate.NewLimiter(globalSendRate, globalSendBurst)
	}
	if l.chats == nil || len(l.chats) > maxLimitedChats {
		l.chats = map[int64]*rate.Limiter{}
	}
	c, ok := l.chats[chat]
	if !ok {
		r := privateSendRate
		if chat < 0 {
			r = groupSendRate
		}
		c = rate.NewLimiter(r, chatSendBurst)
		l.chats[chat] = c
	}
	return l.global, c
}

// wait blocks until one more message to chat is within the limits, or ctx ends.
func (l *sendLimits) wait(ctx context.Context, chat int64) error {
	global, own := l.limiters(chat)
	if err := own.Wait(ctx); err != nil {
		return err
	}
	return global.Wait(ctx)
}
