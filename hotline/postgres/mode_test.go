package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
)

// TestClaimMode: the first mode claims the database; the same mode again is
// fine; the other mode is refused (training and real tips never mix).
func TestClaimMode(t *testing.T) {
	ctx := context.Background()
	for _, first := range []string{postgres.ModeLive, postgres.ModeTraining} {
		t.Run(first, func(t *testing.T) {
			db := openDB(t)
			other := postgres.ModeTraining
			if first == postgres.ModeTraining {
				other = postgres.ModeLive
			}
			for i := range 2 {
				if err := db.ClaimMode(ctx, first, t0); err != nil {
					t.Fatalf("claim %s (%d): %v", first, i, err)
				}
			}
			if err := db.ClaimMode(ctx, other, t0); !errors.Is(err, hotline.ErrConflict) {
				t.Errorf("claim %s after %s: %v, want ErrConflict", other, first, err)
			}
			if err := db.ClaimMode(ctx, "staging", t0); !errors.Is(err, hotline.ErrInvalid) {
				t.Errorf("unknown mode: %v", err)
			}
		})
	}
}
