package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// forEachDueTip handles up to limit tips, each in its own transaction:
// query (with args) selects one due tip's id — and it must lock it with
// FOR UPDATE SKIP LOCKED, so several processes share the work — and f
// handles it, returning how many messages it queued. It stops when query
// finds none and returns the total queued.
func (db *DB) forEachDueTip(ctx context.Context, what, query string, args []any, limit int, f func(tx pgx.Tx, tipID int64) (int, error)) (int, error) {
	queued := 0
	for range limit {
		done := false
		err := db.inTx(ctx, func(tx pgx.Tx) error {
			var tipID int64
			err := tx.QueryRow(ctx, query, args...).Scan(&tipID)
			if errors.Is(err, pgx.ErrNoRows) {
				done = true
				return nil
			}
			if err != nil {
				return fmt.Errorf("find tips to %s: %w", what, err)
			}
			n, err := f(tx, tipID)
			queued += n
			return err
		})
		if err != nil || done {
			return queued, err
		}
	}
	return queued, nil
}

// activeResponders returns the active responders whose ids query (taking
// the tip id) selects, by id.
func activeResponders(ctx context.Context, tx pgx.Tx, tipID int64, idsQuery string) ([]hotline.Responder, error) {
	rows, err := tx.Query(ctx, `SELECT `+responderColumns+` FROM responders r WHERE r.active AND r.id IN (`+idsQuery+`) ORDER BY r.id`, tipID)
	if err != nil {
		return nil, fmt.Errorf("responders of tip %d: %w", tipID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (hotline.Responder, error) { return scanResponder(r) })
	if err != nil {
		return nil, fmt.Errorf("responders of tip %d: %w", tipID, err)
	}
	return out, nil
}
