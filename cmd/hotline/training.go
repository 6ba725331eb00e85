package main

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
)

// deploymentModeKey holds, in Redis, the mode ("live" or "training") of the
// hotline using this Redis database.
const deploymentModeKey = "hotline:deployment_mode"

// claimDeployment is training mode's one rule: `hotline serve` (live) and
// `hotline demo` (training) never share a Postgres or Redis database, so a
// training tip can never reach the real queue, reports, alerts or exports.
// The first to start claims both; the other refuses to start.
func claimDeployment(ctx context.Context, db *postgres.DB, rdb *redis.Client, training bool, now time.Time) error {
	mode := postgres.ModeLive
	if training {
		mode = postgres.ModeTraining
	}
	if err := db.ClaimMode(ctx, mode, now); err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	if err := rdb.SetNX(ctx, deploymentModeKey, mode, 0).Err(); err != nil {
		return fmt.Errorf("REDIS_URL: claim for %s: %w", mode, err)
	}
	got, err := rdb.Get(ctx, deploymentModeKey).Result()
	if err != nil {
		return fmt.Errorf("REDIS_URL: claim for %s: %w", mode, err)
	}
	if got != mode {
		return fmt.Errorf("REDIS_URL: this Redis database holds %s data; %s needs its own: %w", got, mode, hotline.ErrConflict)
	}
	return nil
}
