package triage

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-al/hotline/hotline"
)

// QueueGroup is the consumer group every hotline process reads the triage
// queue with.
const QueueGroup = "dispatch"

// noCounty names the stream of tips whose county is unknown.
const noCounty = "none"

// QueueEntry is a tip waiting to be routed.
type QueueEntry struct {
	TipID  int64
	Level  hotline.Level
	County string // ISO code or ""
}

// Delivery is a QueueEntry handed to a consumer; Ack it once its effect is
// committed in Postgres.
type Delivery struct {
	QueueEntry
	Stream string
	ID     string // stream entry id, "<milliseconds>-<seq>"
	// at orders entries of different streams: enqueue time in nanoseconds.
	at int64
}

// Queue is the triage queue: one Redis stream per level and county
// ("hotline:triage:P1:AL-10"), read by the consumer group QueueGroup.
// P1 is always served before P2 before P3 before P4; within a level, oldest
// first. Entries stay pending until acknowledged; entries of a consumer that
// died are reclaimed after ReclaimIdle. Redis holds nothing that cannot be
// rebuilt from Postgres (tips with dispatch pending).
type Queue struct {
	rdb      *redis.Client
	consumer string
	// ReclaimIdle is how long an entry may stay delivered but unacknowledged
	// before another consumer takes it over (XAUTOCLAIM).
	ReclaimIdle time.Duration
	lastReclaim time.Time
}

// NewQueue returns a queue reading as consumer (stable across restarts of
// the same process slot, e.g. the host name, so its own pending entries are
// found again).
func NewQueue(rdb *redis.Client, consumer string) *Queue {
	return &Queue{rdb: rdb, consumer: consumer, ReclaimIdle: 30 * time.Second}
}

// StreamKey names the stream of a level and county (ISO code or "").
func StreamKey(level hotline.Level, county string) string {
	if county == "" {
		county = noCounty
	}
	return "hotline:triage:" + string(level) + ":" + county
}

func streamsOf(level hotline.Level) []string {
	keys := make([]string, 0, len(hotline.Counties)+1)
	for _, c := range hotline.Counties {
		keys = append(keys, StreamKey(level, c.Code))
	}
	return append(keys, StreamKey(level, ""))
}

func allStreams() []string {
	var keys []string
	for _, l := range hotline.Levels {
		keys = append(keys, streamsOf(l)...)
	}
	return keys
}

// Ensure creates every stream and the consumer group (MKSTREAM), tolerating
// ones that exist. Call at start and after Redis lost its data.
func (q *Queue) Ensure(ctx context.Context) error {
	for _, key := range allStreams() {
		err := q.rdb.XGroupCreateMkStream(ctx, key, QueueGroup, "0").Err()
		if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
			return fmt.Errorf("create group on %s: %w", key, err)
		}
	}
	return nil
}

// Enqueue adds an entry to its level and county's stream.
func (q *Queue) Enqueue(ctx context.Context, e QueueEntry) error {
	err := q.rdb.XAdd(ctx, &redis.XAddArgs{Stream: StreamKey(e.Level, e.County), Values: map[string]any{"tip": e.TipID, "at": time.Now().UnixNano()}}).Err()
	if err != nil {
		return fmt.Errorf("enqueue tip %d: %w", e.TipID, err)
	}
	return nil
}

// Next returns the next deliveries, most urgent first: this consumer's own
// unacknowledged entries (after a restart), entries reclaimed from dead
// consumers, then new entries level by level. With nothing to do it blocks
// up to block (which must be > 0) and returns none.
func (q *Queue) Next(ctx context.Context, block time.Duration) ([]Delivery, error) {
	if block <= 0 {
		return nil, errors.New("queue next: block must be positive")
	}
	out, err := q.read(ctx, "0", 0)
	if err != nil || len(out) > 0 {
		return out, err
	}
	if time.Since(q.lastReclaim) > q.ReclaimIdle/2 {
		q.lastReclaim = time.Now()
		if out, err = q.reclaim(ctx); err != nil || len(out) > 0 {
			return out, err
		}
	}
	for _, level := range hotline.Levels {
		d, err := q.readStreams(ctx, streamsOf(level), ">", 0)
		if err != nil || len(d) > 0 {
			return d, err
		}
	}
	return q.readStreams(ctx, allStreams(), ">", block)
}

// read returns this consumer's pending entries (id "0") over all streams.
func (q *Queue) read(ctx context.Context, id string, block time.Duration) ([]Delivery, error) {
	return q.readStreams(ctx, allStreams(), id, block)
}

func (q *Queue) readStreams(ctx context.Context, keys []string, id string, block time.Duration) ([]Delivery, error) {
	args := make([]string, 0, 2*len(keys))
	args = append(args, keys...)
	for range keys {
		args = append(args, id)
	}
	if block == 0 {
		block = -1 // go-redis: a negative Block omits BLOCK (0 would block forever)
	}
	res, err := q.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: QueueGroup, Consumer: q.consumer, Streams: args, Count: 10, Block: block}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
		// Redis lost its data (restart without persistence): recreate and
		// let the caller rebuild from Postgres.
		if err := q.Ensure(ctx); err != nil {
			return nil, err
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read triage queue: %w", err)
	}
	var out []Delivery
	for _, s := range res {
		for _, m := range s.Messages {
			out = append(out, toDelivery(s.Stream, m))
		}
	}
	sortDeliveries(out)
	return out, nil
}

func (q *Queue) reclaim(ctx context.Context) ([]Delivery, error) {
	var out []Delivery
	for _, key := range allStreams() {
		msgs, _, err := q.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: key, Group: QueueGroup, Consumer: q.consumer,
			MinIdle: q.ReclaimIdle, Start: "0", Count: 10}).Result()
		if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
			return nil, q.Ensure(ctx)
		}
		if err != nil {
			return nil, fmt.Errorf("reclaim %s: %w", key, err)
		}
		for _, m := range msgs {
			out = append(out, toDelivery(key, m))
		}
	}
	sortDeliveries(out)
	return out, nil
}

func toDelivery(stream string, m redis.XMessage) Delivery {
	d := Delivery{Stream: stream, ID: m.ID}
	parts := strings.Split(stream, ":")
	if len(parts) == 4 {
		d.Level = hotline.Level(parts[2])
		if parts[3] != noCounty {
			d.County = parts[3]
		}
	}
	if v, ok := m.Values["tip"].(string); ok {
		d.TipID, _ = strconv.ParseInt(v, 10, 64)
	}
	if v, ok := m.Values["at"].(string); ok {
		d.at, _ = strconv.ParseInt(v, 10, 64)
	} else {
		d.at = entryTime(m.ID) * int64(time.Millisecond)
	}
	return d
}

func sortDeliveries(ds []Delivery) {
	sort.SliceStable(ds, func(i, j int) bool {
		if ds[i].Level != ds[j].Level {
			return ds[i].Level < ds[j].Level
		}
		return ds[i].at < ds[j].at
	})
}

func entryTime(id string) int64 {
	ms, _, _ := strings.Cut(id, "-")
	n, _ := strconv.ParseInt(ms, 10, 64)
	return n
}

// Ack acknowledges and deletes a delivery: call only after its effect is
// committed. Deleting keeps each stream's length equal to its depth.
func (q *Queue) Ack(ctx context.Context, d Delivery) error {
	pipe := q.rdb.TxPipeline()
	pipe.XAck(ctx, d.Stream, QueueGroup, d.ID)
	pipe.XDel(ctx, d.Stream, d.ID)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("ack tip %d: %w", d.TipID, err)
	}
	return nil
}

// Depth is the state of one stream, for metrics.
type Depth struct {
	Level  hotline.Level
	County string
	// Entries waiting or in flight.
	Entries int64
	// OldestAge is the age of the oldest entry (0 when empty).
	OldestAge time.Duration
}

// Depths returns the depth and oldest age of every non-empty stream at now.
func (q *Queue) Depths(ctx context.Context, now time.Time) ([]Depth, error) {
	var out []Depth
	for _, l := range hotline.Levels {
		for _, key := range streamsOf(l) {
			n, err := q.rdb.XLen(ctx, key).Result()
			if err != nil {
				return nil, fmt.Errorf("queue depth %s: %w", key, err)
			}
			if n == 0 {
				continue
			}
			d := Depth{Level: l, Entries: n}
			if c := key[strings.LastIndex(key, ":")+1:]; c != noCounty {
				d.County = c
			}
			first, err := q.rdb.XRangeN(ctx, key, "-", "+", 1).Result()
			if err == nil && len(first) == 1 {
				d.OldestAge = now.Sub(time.UnixMilli(entryTime(first[0].ID)))
			}
			out = append(out, d)
		}
	}
	return out, nil
}
