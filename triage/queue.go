package triage

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
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
	// RetryFailedAfter is how long an entry given back with Retry waits
	// before this consumer hands it out again; meanwhile other entries,
	// less urgent ones too, are served.
	RetryFailedAfter time.Duration
	lastReclaim      time.Time
	mu               sync.Mutex
	retryAt          map[string]time.Time // stream entry id → not before
}

// NewQueue returns a queue reading as consumer (stable across restarts of
// the same process slot, e.g. the host name, so its own pending entries are
// found again).
func NewQueue(rdb *redis.Client, consumer string) *Queue {
	return &Queue{rdb: rdb, consumer: consumer, ReclaimIdle: 30 * time.Second, RetryFailedAfter: 5 * time.Second,
		retryAt: map[string]time.Time{}}
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

// Next returns the next deliveries, most urgent first. Level by level (P1
// first), it returns this consumer's own unacknowledged entries of that
// level (after a restart or a failed routing), entries of that level
// reclaimed from consumers idle longer than ReclaimIdle (checked every
// ReclaimIdle/2), then new entries of that level; an entry given back with
// Retry waits RetryFailedAfter meanwhile. A batch below P1 takes at
// most 2 entries per county, so that a P1 arriving meanwhile waits little.
// With nothing to do it blocks up to block (which must be > 0) and returns
// none.
func (q *Queue) Next(ctx context.Context, block time.Duration) ([]Delivery, error) {
	if block <= 0 {
		return nil, errors.New("queue next: block must be positive")
	}
	reclaimNow := time.Since(q.lastReclaim) > q.ReclaimIdle/2
	if reclaimNow {
		q.lastReclaim = time.Now()
	}
	for _, level := range hotline.Levels {
		keys := streamsOf(level)
		count := int64(2)
		if level == hotline.LevelP1 {
			count = 10
		}
		d, err := q.readStreams(ctx, keys, "0", 100, 0)
		if d = q.due(d); err != nil || len(d) > 0 {
			return d, err
		}
		if reclaimNow {
			if d, err = q.reclaim(ctx, keys); err != nil || len(d) > 0 {
				return d, err
			}
		}
		if d, err = q.readStreams(ctx, keys, ">", count, 0); err != nil || len(d) > 0 {
			return d, err
		}
	}
	return q.readStreams(ctx, allStreams(), ">", 2, block)
}

// readStreams reads up to count entries per stream of keys from id ("0":
// this consumer's unacknowledged entries; ">": new ones), most urgent first.
func (q *Queue) readStreams(ctx context.Context, keys []string, id string, count int64, block time.Duration) ([]Delivery, error) {
	args := make([]string, 0, 2*len(keys))
	args = append(args, keys...)
	for range keys {
		args = append(args, id)
	}
	if block == 0 {
		block = -1 // go-redis: a negative Block omits BLOCK (0 would block forever)
	}
	res, err := q.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: QueueGroup, Consumer: q.consumer, Streams: args, Count: count, Block: block}).Result()
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

// reclaim takes over entries of keys that another consumer left
// unacknowledged for longer than ReclaimIdle (XAUTOCLAIM).
func (q *Queue) reclaim(ctx context.Context, keys []string) ([]Delivery, error) {
	var out []Delivery
	for _, key := range keys {
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

// Retry gives a delivery back after its effect failed (nothing committed):
// it stays unacknowledged, and this consumer hands it out again after
// RetryFailedAfter, so that an entry that keeps failing does not hold up
// the others. (Another consumer may reclaim it after ReclaimIdle.)
func (q *Queue) Retry(d Delivery) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := time.Now()
	if len(q.retryAt) > 1000 { // entries another consumer took and finished
		for id, at := range q.retryAt {
			if now.After(at) {
				delete(q.retryAt, id)
			}
		}
	}
	q.retryAt[d.ID] = now.Add(q.RetryFailedAfter)
}

// due drops from ds the entries given back with Retry whose wait is not
// over, and forgets the waits that are.
func (q *Queue) due(ds []Delivery) []Delivery {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.retryAt) == 0 {
		return ds
	}
	now := time.Now()
	out := ds[:0]
	for _, d := range ds {
		if at, ok := q.retryAt[d.ID]; ok && now.Before(at) {
			continue
		}
		delete(q.retryAt, d.ID)
		out = append(out, d)
	}
	return out
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

// Depths returns the depth and oldest age of every stream at now (empty
// streams too), P1 first, in one round trip.
func (q *Queue) Depths(ctx context.Context, now time.Time) ([]Depth, error) {
	type read struct {
		d     Depth
		len   *redis.IntCmd
		first *redis.XMessageSliceCmd
	}
	var reads []read
	pipe := q.rdb.Pipeline()
	for _, l := range hotline.Levels {
		for _, key := range streamsOf(l) {
			r := read{d: Depth{Level: l}, len: pipe.XLen(ctx, key), first: pipe.XRangeN(ctx, key, "-", "+", 1)}
			if c := key[strings.LastIndex(key, ":")+1:]; c != noCounty {
				r.d.County = c
			}
			reads = append(reads, r)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("queue depth: %w", err)
	}
	out := make([]Depth, 0, len(reads))
	for _, r := range reads {
		r.d.Entries = r.len.Val()
		if first := r.first.Val(); len(first) == 1 {
			r.d.OldestAge = max(now.Sub(time.UnixMilli(entryTime(first[0].ID))), 0)
		}
		out = append(out, r.d)
	}
	return out, nil
}
