package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// QueueWakeCalls finds up to limit P1 tips still open and unacknowledged
// whose first alert is at least after old at now, and queues one wake-up
// call (kind wake_call, channel voice, body words(tip)) to every responder
// alerted about each who has a working phone; each tip is called about once.
// Several processes may run it at once (SKIP LOCKED). It returns how many
// calls it queued.
func (db *DB) QueueWakeCalls(ctx context.Context, now time.Time, after time.Duration, words func(hotline.TipSummary) string, limit int) (int, error) {
	return db.forEachDueTip(ctx, "call about", `SELECT t.id FROM tips t
		WHERE t.level = 'P1' AND t.status = 'open' AND t.acknowledged_at IS NULL
			AND EXISTS (SELECT 1 FROM outbox o WHERE o.tip_id = t.id AND o.kind = 'alert' AND o.created_at <= $1)
			AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.tip_id = t.id AND o.kind = 'wake_call')
		ORDER BY t.id LIMIT 1 FOR UPDATE OF t SKIP LOCKED`, []any{now.Add(-after)}, limit,
		func(tx pgx.Tx, tipID int64) (int, error) {
			t, _, _, err := loadTip(ctx, tx, tipID)
			if err != nil {
				return 0, err
			}
			alerted, err := activeResponders(ctx, tx, tipID, `SELECT responder_id FROM outbox WHERE tip_id = $1 AND kind = 'alert'`)
			if err != nil {
				return 0, err
			}
			body := words(t)
			calls := 0
			for _, r := range alerted {
				if r.Phone == "" {
					continue
				}
				if _, err := insertResponderMessage(ctx, tx, tipID, hotline.OutboxWakeCall, r, hotline.ChannelVoice, body, nil, 1, 0, now); err != nil {
					return calls, err
				}
				calls++
			}
			if calls == 0 {
				// Nobody to call: a marker row keeps the tip from being looked at again.
				if _, err := tx.Exec(ctx, `INSERT INTO outbox (tip_id, kind, responder_id, channel, body, priority, state, next_attempt_at, created_at, error)
					SELECT $1, 'wake_call', responder_id, 'voice', '', 1, 'failed', $2, $2, 'no phone to call' FROM outbox WHERE tip_id = $1 AND kind = 'alert' LIMIT 1`, tipID, now); err != nil {
					return 0, fmt.Errorf("mark %s called: %w", t.ReferenceCode, err)
				}
			}
			return calls, audit(ctx, tx, now, "system", "wake_call", tipID, map[string]any{"calls": calls})
		})
}
