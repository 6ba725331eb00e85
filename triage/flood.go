package triage

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/hotline-al/hotline/hotline"
)

// FloodLimiter limits how many messages per minute each reporter gets
// classified and answered at once (GCRA in Redis, go-redis/redis_rate). A
// reporter is known to Redis only by the keyed hash of their contact
// (HMAC-SHA-256 from hotline/privacy), never by the number or chat id; the
// key expires within a minute of their last message.
type FloodLimiter struct {
	limiter *redis_rate.Limiter
	hash    func(channel, contact string) []byte
	limit   redis_rate.Limit
}

// NewFloodLimiter allows perMinute messages a minute per reporter (a burst
// of perMinute, refilled evenly). hash is the keyed hash of a contact
// (privacy.Keys.ContactHash).
func NewFloodLimiter(rdb *redis.Client, hash func(channel, contact string) []byte, perMinute int) *FloodLimiter {
	return &FloodLimiter{limiter: redis_rate.NewLimiter(rdb), hash: hash, limit: redis_rate.PerMinute(perMinute)}
}

// Allow takes one message from the reporter's allowance and reports whether
// it was within it. On a Redis error it returns true with the error: a
// message is never held back because Redis failed.
func (l *FloodLimiter) Allow(ctx context.Context, channel hotline.Channel, contact string) (bool, error) {
	key := "hotline:flood:" + hex.EncodeToString(l.hash(string(channel), contact))
	res, err := l.limiter.Allow(ctx, key, l.limit)
	if err != nil {
		return true, fmt.Errorf("flood limit: %w", err)
	}
	return res.Allowed > 0, nil
}

// FloodWindow is how long the limiter remembers a reporter.
const FloodWindow = time.Minute
