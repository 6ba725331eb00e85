package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// HeldBack returns up to limit tips with messages held back by flood
// protection (ReceiveReporterMessage with a nil decide), most recent
// message first.
func (db *DB) HeldBack(ctx context.Context, limit int) ([]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT id FROM tips WHERE reclassify_pending ORDER BY last_message_at DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("held-back tips: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("held-back tips: %w", err)
	}
	return ids, nil
}

// Reclassify runs classify over the whole text of a tip whose messages were
// held back, keeps a supervisor's corrections, stores the result and marks
// the tip for routing, in one transaction. It returns the new level and
// county (what the triage queue needs), or ok false when the tip was not
// held back (another process did it). No reply is sent: a flooding reporter is answered only within the
// limit.
func (db *DB) Reclassify(ctx context.Context, tipID int64, classify func(text string) hotline.Classification, now time.Time) (hotline.Level, string, bool, error) {
	var e QueueEntry
	var ok bool
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		e, ok = QueueEntry{}, false
		var code, located string
		var corrected []byte
		err := tx.QueryRow(ctx, `SELECT reference_code, corrected, located_county FROM tips WHERE id = $1 AND reclassify_pending FOR UPDATE SKIP LOCKED`, tipID).
			Scan(&code, &corrected, &located)
		if err == pgx.ErrNoRows {
			return nil
		}
		if err != nil {
			return fmt.Errorf("lock tip %d: %w", tipID, err)
		}
		text, err := tipText(ctx, tx, tipID)
		if err != nil {
			return err
		}
		c := withLocation(applyCorrections(classify(text), corrected).Normalized(), located)
		cj, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("encode classification of %s: %w", code, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE tips SET level = $2, county = $3, municipality = $4, intake = $5, classification = $6,
			reclassify_pending = false, dispatch_pending = true, updated_at = $7, official_complicity = official_complicity OR $8 WHERE id = $1`,
			tipID, string(c.Level), c.County, c.Municipality, c.Intake, cj, now, c.Complicity()); err != nil {
			return fmt.Errorf("reclassify tip %s: %w", code, err)
		}
		e, ok = QueueEntry{TipID: tipID, Level: c.Level, County: c.County}, true
		return nil
	})
	if err != nil {
		return "", "", false, fmt.Errorf("reclassify tip %d: %w", tipID, err)
	}
	return e.Level, e.County, ok, nil
}
