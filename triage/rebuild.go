package triage

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-al/hotline/hotline"
)

// Rebuild makes Redis hold exactly entries (in their order, oldest first):
// it deletes every triage stream, recreates the streams and the consumer
// group, and enqueues entries. Entries in flight are dropped from Redis but
// not lost: they come from Postgres (tips whose routing is pending), and
// routing is idempotent, so a worker finishing one meanwhile does no harm.
// It returns how many entries it queued per level.
func (q *Queue) Rebuild(ctx context.Context, entries []QueueEntry) (map[hotline.Level]int, error) {
	if err := q.rdb.Del(ctx, allStreams()...).Err(); err != nil {
		return nil, fmt.Errorf("rebuild queue: delete streams: %w", err)
	}
	if err := q.Ensure(ctx); err != nil {
		return nil, fmt.Errorf("rebuild queue: %w", err)
	}
	counts := map[hotline.Level]int{}
	base := time.Now().UnixNano()
	for start := 0; start < len(entries); start += 500 {
		pipe := q.rdb.Pipeline()
		for i, e := range entries[start:min(start+500, len(entries))] {
			if !e.Level.Valid() {
				e.Level = hotline.LevelP4
			}
			// "at" keeps the entries' order within a level across counties.
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: StreamKey(e.Level, e.County), Values: map[string]any{"tip": e.TipID, "at": base + int64(start+i)}})
			counts[e.Level]++
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("rebuild queue: enqueue: %w", err)
		}
	}
	return counts, nil
}
