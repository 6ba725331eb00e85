package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/triage"
)

// queueCommand runs `hotline queue rebuild`: it makes the Redis triage
// queue hold exactly the tips Postgres says await routing, and prints one
// line. Exit codes: 0 done, 1 Postgres or Redis failed, 2 bad usage.
func queueCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) int {
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "hotline queue: "+oneLine(err.Error()))
		return code
	}
	if len(args) != 1 || args[0] != "rebuild" {
		return fail(2, errors.New("usage: hotline queue rebuild"))
	}
	db, err := openCurrent(ctx, cfg)
	if err != nil {
		return fail(1, err)
	}
	defer db.Close()
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return fail(2, fmt.Errorf("REDIS_URL: %w", err))
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	pending, err := db.PendingDispatch(ctx, time.Now().Add(time.Hour), 1_000_000)
	if err != nil {
		return fail(1, err)
	}
	entries := make([]triage.QueueEntry, len(pending))
	for i, p := range pending {
		entries[i] = triage.QueueEntry{TipID: p.TipID, Level: p.Level, County: p.County}
	}
	counts, err := triage.NewQueue(rdb, "rebuild").Rebuild(ctx, entries)
	if err != nil {
		return fail(1, err)
	}
	fmt.Fprintf(stdout, "queue rebuilt from Postgres: %d tips awaiting routing (P1 %d, P2 %d, P3 %d, P4 %d)\n", len(entries),
		counts[hotline.LevelP1], counts[hotline.LevelP2], counts[hotline.LevelP3], counts[hotline.LevelP4])
	return 0
}
