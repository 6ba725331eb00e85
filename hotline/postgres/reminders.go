package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// QueueReminders reminds, for up to limit acknowledged tips not closed
// whose last acknowledgement or reminder is at least every old at now,
// every responder who acknowledged the tip (still active; the national
// desk when none is), with words(tip, hours since the first
// acknowledgement), sent silently. Safe in several processes at once (SKIP
// LOCKED). It returns how many reminders it queued.
func (db *DB) QueueReminders(ctx context.Context, now time.Time, every time.Duration, words func(hotline.TipSummary, int) (string, []hotline.Button), limit int) (int, error) {
	return db.forEachDueTip(ctx, "remind", `SELECT t.id FROM tips t
		WHERE t.status = 'acknowledged' AND t.acknowledged_at <= $1
			AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.tip_id = t.id AND o.kind = 'reminder' AND o.created_at > $1)
		ORDER BY t.acknowledged_at LIMIT 1 FOR UPDATE OF t SKIP LOCKED`, []any{now.Add(-every)}, limit,
		func(tx pgx.Tx, tipID int64) (int, error) {
			t, _, acked, err := loadTip(ctx, tx, tipID)
			if err != nil {
				return 0, err
			}
			owners, err := activeResponders(ctx, tx, tipID, `SELECT responder_id FROM acknowledgements WHERE tip_id = $1`)
			if err != nil {
				return 0, err
			}
			if len(owners) == 0 {
				// Nobody left to remind (deactivated): the national desk instead.
				onDuty, err := onDutyAt(ctx, tx, now)
				if err != nil {
					return 0, err
				}
				owners = OnDutyFunc(onDuty)(hotline.RoleNationalDesk, "")
			}
			hours := 0
			if acked != nil {
				hours = int(now.Sub(*acked).Hours())
			}
			body, buttons := words(t, hours)
			sent := 0
			for _, r := range owners {
				if r.TelegramChatID == 0 && r.Phone == "" {
					continue
				}
				if _, err := insertResponderMessage(ctx, tx, tipID, hotline.OutboxReminder, r, responderChannel(r), body, buttons, 3, 0, now); err != nil {
					return sent, err
				}
				sent++
			}
			if err := audit(ctx, tx, now, "system", "reminder", tipID, map[string]any{"reminded": sent}); err != nil {
				return sent, fmt.Errorf("audit reminder: %w", err)
			}
			return sent, nil
		})
}
