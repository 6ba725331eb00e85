package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// ResponderActor is the audit log's name for responder id: "responder:<id>".
// Other actors: "system" (the service itself), "cli" (a command line run).
func ResponderActor(id int64) string { return fmt.Sprintf("responder:%d", id) }

// audit appends one row to the append-only audit log in transaction tx.
// detail is stored as jsonb and must never hold reporter contact or message
// text; tipID 0 means no tip.
func audit(ctx context.Context, tx pgx.Tx, at time.Time, actor, action string, tipID int64, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	raw, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	var tip *int64
	if tipID != 0 {
		tip = &tipID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (at, actor, action, tip_id, detail) VALUES ($1, $2, $3, $4, $5)`,
		at, actor, action, tip, raw); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// CloseResult says what CloseTip did.
type CloseResult struct {
	TipID  int64
	Closed bool // false: the tip was already closed (or spam, or merged); nothing changed
	Status hotline.TipStatus
}

// CloseTip closes the active tip with this reference code (canonical form)
// with outcome, stops its escalation and audits it as actor. Closing a tip that
// is no longer active changes nothing and returns Closed false (late or
// repeated actions are harmless). Unknown codes return hotline.ErrNotFound;
// an unknown outcome hotline.ErrInvalid.
func (db *DB) CloseTip(ctx context.Context, actor, code string, outcome hotline.Outcome, now time.Time) (CloseResult, error) {
	if _, err := hotline.ParseOutcome(string(outcome)); err != nil {
		return CloseResult{}, fmt.Errorf("close tip %s: %w", code, err)
	}
	var res CloseResult
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT id, status FROM tips WHERE reference_code = $1 FOR UPDATE`, code).Scan(&res.TipID, &status)
		if errors.Is(err, pgx.ErrNoRows) {
			return hotline.ErrNotFound
		}
		if err != nil {
			return err
		}
		res.Status = hotline.TipStatus(status)
		if !hotline.CanMove(res.Status, hotline.StatusClosed) {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE tips SET status = 'closed', outcome = $2, closed_at = $3, escalate_at = NULL, updated_at = $3 WHERE id = $1`,
			res.TipID, string(outcome), now); err != nil {
			return err
		}
		res.Closed, res.Status = true, hotline.StatusClosed
		return audit(ctx, tx, now, actor, "close", res.TipID, map[string]any{"from": status, "outcome": string(outcome)})
	})
	if err != nil {
		return CloseResult{}, fmt.Errorf("close tip %s: %w", code, err)
	}
	return res, nil
}
