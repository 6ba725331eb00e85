package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// Deployment modes of a database (table deployment_mode).
const (
	ModeLive     = "live"     // hotline serve: real tips
	ModeTraining = "training" // hotline demo: the simulator's tips only
)

// ClaimMode records that this database serves mode (ModeLive or
// ModeTraining), on first use, and checks it afterwards: a database claimed
// for the other mode gives hotline.ErrConflict, so training tips and real
// ones never share a database.
func (db *DB) ClaimMode(ctx context.Context, mode string, now time.Time) error {
	if mode != ModeLive && mode != ModeTraining {
		return fmt.Errorf("deployment mode %q: %w", mode, hotline.ErrInvalid)
	}
	var got string
	err := db.pool.QueryRow(ctx, `WITH ins AS (INSERT INTO deployment_mode (mode, claimed_at) VALUES ($1, $2)
		ON CONFLICT (only_row) DO NOTHING RETURNING mode)
		SELECT mode FROM ins UNION ALL SELECT mode FROM deployment_mode LIMIT 1`, mode, now).Scan(&got)
	if err != nil {
		return fmt.Errorf("claim database for %s: %w", mode, err)
	}
	if got != mode {
		return fmt.Errorf("this database holds %s data; %s needs its own DATABASE_URL: %w", got, mode, hotline.ErrConflict)
	}
	return nil
}
