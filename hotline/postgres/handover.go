package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// HandOver hands acknowledged tips that are still open over at shift
// change: for each such tip and each role of those who acknowledged it,
// when none of them of that role is on duty at now any more, the
// responders of that role now on duty (in the tip's county, or national)
// take it over: recorded as their acknowledgement (so /mytips and
// reminders reach them), told words(tip, names of who had it), audited.
// Each responder is handed a tip once. Safe in several processes at once
// (a transaction advisory lock). It returns how many handovers it made.
func (db *DB) HandOver(ctx context.Context, now time.Time, words func(hotline.TipSummary, []string) string) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('hotline-handover'))`); err != nil {
			return fmt.Errorf("lock handover: %w", err)
		}
		type holder struct {
			id   int64
			name string
			role hotline.Role
		}
		holders := map[int64][]holder{}
		var order []int64
		rows, err := tx.Query(ctx, `SELECT t.id, r.id, r.name, r.role FROM tips t
			JOIN acknowledgements a ON a.tip_id = t.id JOIN responders r ON r.id = a.responder_id
			WHERE t.status = 'acknowledged' ORDER BY t.id, r.id`)
		if err != nil {
			return fmt.Errorf("acknowledged tips: %w", err)
		}
		for rows.Next() {
			var tipID int64
			var h holder
			var role string
			if err := rows.Scan(&tipID, &h.id, &h.name, &role); err != nil {
				rows.Close()
				return fmt.Errorf("acknowledged tips: %w", err)
			}
			h.role = hotline.Role(role)
			if len(holders[tipID]) == 0 {
				order = append(order, tipID)
			}
			holders[tipID] = append(holders[tipID], h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("acknowledged tips: %w", err)
		}
		if len(order) == 0 {
			return nil
		}
		onDuty, err := onDutyAt(ctx, tx, now)
		if err != nil {
			return err
		}
		on := map[int64]bool{}
		for _, r := range onDuty {
			on[r.ID] = true
		}
		duty := OnDutyFunc(onDuty)
		for _, tipID := range order {
			byRole := map[hotline.Role][]holder{}
			for _, h := range holders[tipID] {
				byRole[h.role] = append(byRole[h.role], h)
			}
			var t *hotline.TipSummary
			for role, hs := range byRole {
				stillOn := false
				var names []string
				for _, h := range hs {
					stillOn = stillOn || on[h.id]
					names = append(names, h.name)
				}
				if stillOn {
					continue
				}
				if t == nil {
					loaded, _, _, err := loadTip(ctx, tx, tipID)
					if err != nil {
						return err
					}
					t = &loaded
				}
				for _, next := range duty(role, t.Classification.County) {
					tag, err := tx.Exec(ctx, `INSERT INTO acknowledgements (tip_id, responder_id, channel, acknowledged_at)
						VALUES ($1, $2, 'handover', $3) ON CONFLICT DO NOTHING`, tipID, next.ID, now)
					if err != nil {
						return fmt.Errorf("hand %s over: %w", t.ReferenceCode, err)
					}
					if tag.RowsAffected() == 0 {
						continue
					}
					if _, err := insertResponderMessage(ctx, tx, tipID, hotline.OutboxConfirmation, next, responderChannel(next), words(*t, names), nil, 2, 0, now); err != nil {
						return err
					}
					if err := audit(ctx, tx, now, "system", "handover", tipID, map[string]any{"to": next.ID, "role": string(role)}); err != nil {
						return err
					}
					n++
				}
			}
		}
		return nil
	})
	return n, err
}
