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

// QueueEntry is a tip awaiting routing, as the triage queue holds it.
type QueueEntry struct {
	TipID  int64
	Level  hotline.Level
	County string
}

// PendingDispatch returns tips whose triage result is not yet routed and
// that were last changed before `before`, oldest first: what the triage
// queue must hold. Used to rebuild the queue after a Redis loss or a crash
// between commit and enqueue.
func (db *DB) PendingDispatch(ctx context.Context, before time.Time, limit int) ([]QueueEntry, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, level, county FROM tips WHERE dispatch_pending AND updated_at < $1 ORDER BY id LIMIT $2`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("pending dispatch: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (QueueEntry, error) {
		var e QueueEntry
		var level string
		err := r.Scan(&e.TipID, &level, &e.County)
		e.Level = hotline.Level(level)
		return e, err
	})
}

// DispatchResult says what routing a tip did.
type DispatchResult struct {
	// Done is false when the tip was not pending (already routed): nothing changed.
	Done bool
	// Alerts is how many alerts were queued.
	Alerts int
}

// loadTip reads a tip for routing, locked.
func loadTip(ctx context.Context, tx pgx.Tx, tipID int64) (hotline.TipSummary, bool, *time.Time, error) {
	var t hotline.TipSummary
	var pending bool
	var acked *time.Time
	var cj []byte
	var channel string
	var complicity bool
	err := tx.QueryRow(ctx, `SELECT id, reference_code, channel, classification, dispatch_pending, acknowledged_at, official_complicity FROM tips WHERE id = $1 FOR UPDATE`, tipID).
		Scan(&t.ID, &t.ReferenceCode, &channel, &cj, &pending, &acked, &complicity)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, false, nil, fmt.Errorf("tip %d: %w", tipID, hotline.ErrNotFound)
	}
	if err != nil {
		return t, false, nil, fmt.Errorf("load tip %d: %w", tipID, err)
	}
	t.Channel = hotline.Channel(channel)
	if err := json.Unmarshal(cj, &t.Classification); err != nil {
		return t, false, nil, fmt.Errorf("decode classification of %s: %w", t.ReferenceCode, err)
	}
	t.Classification = t.Classification.Normalized()
	t.Classification.OfficialComplicity = complicity // the stored flag: it sticks
	if t.Text, err = alertText(ctx, tx, tipID); err != nil {
		return t, false, nil, err
	}
	return t, pending, acked, nil
}

// responderChannel is how a responder is reached first: Telegram where
// there is a chat id, SMS otherwise.
func responderChannel(r hotline.Responder) hotline.Channel {
	if r.TelegramChatID != 0 {
		return hotline.ChannelTelegram
	}
	return hotline.ChannelSMS
}

func priorityOf(l hotline.Level) int {
	for i, v := range hotline.Levels {
		if v == l {
			return i + 1
		}
	}
	return len(hotline.Levels)
}

func insertResponderMessage(ctx context.Context, tx pgx.Tx, tipID int64, kind hotline.OutboxKind, r hotline.Responder,
	ch hotline.Channel, body string, buttons []hotline.Button, priority, step int, now time.Time) (bool, error) {
	if buttons == nil {
		buttons = []hotline.Button{}
	}
	bj, _ := json.Marshal(buttons)
	var tip *int64
	if tipID != 0 {
		tip = &tipID
	}
	tag, err := tx.Exec(ctx, `INSERT INTO outbox (tip_id, kind, responder_id, channel, body, buttons, priority, escalation_step, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT DO NOTHING`,
		tip, string(kind), r.ID, string(ch), body, bj, priority, step, now)
	if err != nil {
		return false, fmt.Errorf("queue %s to responder %d: %w", kind, r.ID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Dispatch routes a tip's current triage result, in one transaction: it
// finds who is on duty at now, queues an alert to each recipient Route
// chooses that was not alerted before about this tip, sets the escalation
// deadline (level's AcknowledgeWithin escalateAfter) when the tip is
// alerted and not yet acknowledged, and clears the pending mark. A tip that
// is not pending is left alone (Done false), so a redelivered queue entry
// does nothing twice.
func (db *DB) Dispatch(ctx context.Context, tipID int64, now time.Time, escalateAfter time.Duration, compose hotline.Composer) (DispatchResult, error) {
	var res DispatchResult
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		res = DispatchResult{}
		t, pending, acked, err := loadTip(ctx, tx, tipID)
		if err != nil || !pending {
			return err
		}
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM tips WHERE id = $1`, t.ID).Scan(&status); err != nil {
			return fmt.Errorf("status of %s: %w", t.ReferenceCode, err)
		}
		if st := hotline.TipStatus(status); st == hotline.StatusSpam || st == hotline.StatusMerged {
			// A supervisor took the tip out of routing: alert nobody.
			if _, err := tx.Exec(ctx, `UPDATE tips SET dispatch_pending = false, escalate_at = NULL, updated_at = $2 WHERE id = $1`, t.ID, now); err != nil {
				return fmt.Errorf("mark %s routed: %w", t.ReferenceCode, err)
			}
			res.Done = true
			return nil
		}
		onDuty, err := onDutyAt(ctx, tx, now)
		if err != nil {
			return err
		}
		prio := priorityOf(t.Classification.Level)
		var consent bool
		if err := tx.QueryRow(ctx, `SELECT COALESCE(police_consent, false) FROM tips WHERE id = $1`, t.ID).Scan(&consent); err != nil {
			return fmt.Errorf("consent of %s: %w", t.ReferenceCode, err)
		}
		for _, rc := range hotline.Route(hotline.RoutingInput{Classification: t.Classification, PoliceConsent: consent}, OnDutyFunc(onDuty)) {
			ch := responderChannel(rc.Responder)
			// One alert per responder and tip, whatever the channel.
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE tip_id = $1 AND responder_id = $2 AND kind IN ('alert', 'escalation'))`,
				t.ID, rc.Responder.ID).Scan(&exists); err != nil {
				return fmt.Errorf("check alerts of %s: %w", t.ReferenceCode, err)
			}
			if exists {
				continue
			}
			body, buttons := compose.Alert(t, rc.Responder, ch, rc.StandsInFor)
			ok, err := insertResponderMessage(ctx, tx, t.ID, hotline.OutboxAlert, rc.Responder, ch, body, buttons, prio, 0, now)
			if err != nil {
				return err
			}
			if ok {
				res.Alerts++
			}
		}
		within := db.firstTimeout(t.Classification.Level, escalateAfter)
		if _, err := tx.Exec(ctx, `UPDATE tips SET dispatch_pending = false,
			escalate_at = CASE WHEN $2::bigint > 0 AND acknowledged_at IS NULL AND status <> 'closed'
				THEN LEAST(escalate_at, $3::timestamptz + make_interval(secs => $2::bigint / 1e9)) ELSE NULL END,
			updated_at = $3 WHERE id = $1`, t.ID, within.Nanoseconds(), now); err != nil {
			return fmt.Errorf("mark %s routed: %w", t.ReferenceCode, err)
		}
		_ = acked
		res.Done = true
		return nil
	})
	if err != nil {
		return DispatchResult{}, fmt.Errorf("dispatch tip %d: %w", tipID, err)
	}
	return res, nil
}

// EscalateDue escalates up to limit tips whose acknowledgement deadline
// passed at now: each in its own transaction, it queues escalation alerts to
// hotline.EscalationTargets of the next step (naming who did not
// acknowledge), and sets the next deadline one level interval later. Tips
// are claimed with SKIP LOCKED, so several processes can run it at once.
// It returns how many tips it escalated.
func (db *DB) EscalateDue(ctx context.Context, now time.Time, escalateAfter time.Duration, compose hotline.Composer, limit int) (int, error) {
	n := 0
	for n < limit {
		done := false
		err := db.inTx(ctx, func(tx pgx.Tx) error {
			var tipID int64
			var step int
			err := tx.QueryRow(ctx, `SELECT id, escalation_step FROM tips WHERE escalate_at <= $1 AND acknowledged_at IS NULL AND status <> 'closed'
				ORDER BY escalate_at LIMIT 1 FOR UPDATE SKIP LOCKED`, now).Scan(&tipID, &step)
			if errors.Is(err, pgx.ErrNoRows) {
				done = true
				return nil
			}
			if err != nil {
				return fmt.Errorf("find due escalation: %w", err)
			}
			t, _, _, err := loadTip(ctx, tx, tipID)
			if err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT DISTINCT r.id, r.name FROM outbox o JOIN responders r ON r.id = o.responder_id
				WHERE o.tip_id = $1 AND o.kind IN ('alert', 'escalation') ORDER BY r.name`, tipID)
			if err != nil {
				return fmt.Errorf("who was alerted about %s: %w", t.ReferenceCode, err)
			}
			var notAcked []string
			alerted := map[int64]bool{}
			var id int64
			var name string
			if _, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error {
				notAcked, alerted[id] = append(notAcked, name), true
				return nil
			}); err != nil {
				return fmt.Errorf("who was alerted about %s: %w", t.ReferenceCode, err)
			}
			onDuty, err := onDutyAt(ctx, tx, now)
			if err != nil {
				return err
			}
			policy := db.escalationPolicy(escalateAfter)
			// A step whose recipients were all alerted already is skipped.
			step, next, targets, ok := policy.NextEscalation(t.Classification, step, OnDutyFunc(onDuty), alerted)
			if !ok {
				// The policy's last step was repeated as often as it says.
				if _, err := tx.Exec(ctx, `UPDATE tips SET escalate_at = NULL, updated_at = $2 WHERE id = $1`, tipID, now); err != nil {
					return fmt.Errorf("end escalation of %s: %w", t.ReferenceCode, err)
				}
				return audit(ctx, tx, now, "system", "escalation_ended", tipID, map[string]any{"steps": step - 1})
			}
			for _, r := range targets {
				ch := responderChannel(r)
				body, buttons := compose.Escalation(t, r, ch, step, notAcked)
				if _, err := insertResponderMessage(ctx, tx, t.ID, hotline.OutboxEscalation, r, ch, body, buttons, 1, step, now); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE tips SET escalation_step = $2, escalate_at = $3, updated_at = $4 WHERE id = $1`,
				tipID, step, now.Add(next.Timeout), now); err != nil {
				return fmt.Errorf("advance escalation of %s: %w", t.ReferenceCode, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO audit_log (at, actor, action, tip_id, detail) VALUES ($1, 'system', 'escalate', $2, jsonb_build_object('step', $3::int))`,
				now, tipID, step); err != nil {
				return fmt.Errorf("audit escalation: %w", err)
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		if done {
			break
		}
		n++
	}
	return n, nil
}

// Acknowledge records that responder r acknowledged the tip with this
// reference code (canonical form), in one transaction with the delivery key
// (a redelivered button press changes nothing) and the confirmation confirm
// words for r. The first acknowledgement stops escalation; later ones, by
// anyone allowed, are harmless. Unknown codes, and tips r may not act on
// (mayAct), return hotline.ErrNotFound.
func (db *DB) Acknowledge(ctx context.Context, source, key, code string, r hotline.Responder, ch hotline.Channel, now time.Time,
	confirm func(hotline.AckResult) string) (hotline.AckResult, error) {
	return db.acknowledge(ctx, source, key, code, r, ch, now, confirm, nil)
}

// AcknowledgeAndReassure is Acknowledge, and on the first acknowledgement
// queues, in the same transaction, notice (worded in the tip's language) to
// the tip's reporter when they wrote within window and can be reached (see
// TellReporter): a person is now looking at their message.
func (db *DB) AcknowledgeAndReassure(ctx context.Context, source, key, code string, r hotline.Responder, ch hotline.Channel, now time.Time,
	confirm func(hotline.AckResult) string, window time.Duration, notice func(lang string) string) (hotline.AckResult, error) {
	return db.acknowledge(ctx, source, key, code, r, ch, now, confirm, func(tx pgx.Tx, res hotline.AckResult) error {
		if !res.First {
			return nil
		}
		_, err := tellReporter(ctx, tx, code, now, window, notice)
		return err
	})
}

func (db *DB) acknowledge(ctx context.Context, source, key, code string, r hotline.Responder, ch hotline.Channel, now time.Time,
	confirm func(hotline.AckResult) string, after func(pgx.Tx, hotline.AckResult) error) (hotline.AckResult, error) {
	res := hotline.AckResult{ReferenceCode: code}
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		fresh, err := claimDelivery(ctx, tx, source, key, now)
		if err != nil || !fresh {
			return err
		}
		var tipID int64
		var acked *time.Time
		err = tx.QueryRow(ctx, `SELECT id, acknowledged_at FROM tips WHERE reference_code = $1 FOR UPDATE`, code).Scan(&tipID, &acked)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("tip %s: %w", code, hotline.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("find tip %s: %w", code, err)
		}
		if err := refuseUnlessMayAct(ctx, tx, r, tipID, code, hotline.ActionAcknowledge); err != nil {
			return err
		}
		if acked != nil {
			if err := tx.QueryRow(ctx, `SELECT r.name FROM acknowledgements a JOIN responders r ON r.id = a.responder_id
				WHERE a.tip_id = $1 ORDER BY a.acknowledged_at LIMIT 1`, tipID).Scan(&res.AlreadyBy); err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("who acknowledged %s: %w", code, err)
			}
		} else if waiting, err := db.awaitingOtherRole(ctx, tx, tipID, r); err != nil {
			return err
		} else if waiting != "" {
			res.WaitingFor = waiting // P1 needs police and social worker: escalation goes on
		} else {
			res.First = true
			if _, err := tx.Exec(ctx, `UPDATE tips SET acknowledged_at = $2, escalate_at = NULL, status = 'acknowledged', updated_at = $2 WHERE id = $1`, tipID, now); err != nil {
				return fmt.Errorf("acknowledge %s: %w", code, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO acknowledgements (tip_id, responder_id, channel, acknowledged_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			tipID, r.ID, string(ch), now); err != nil {
			return fmt.Errorf("record acknowledgement of %s: %w", code, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_log (at, actor, action, tip_id, detail) VALUES ($1, $2, 'acknowledge', $3, jsonb_build_object('first', $4::bool, 'channel', $5::text))`,
			now, fmt.Sprintf("responder:%d", r.ID), tipID, res.First, string(ch)); err != nil {
			return fmt.Errorf("audit acknowledgement: %w", err)
		}
		if body := confirm(res); body != "" {
			if _, err := insertResponderMessage(ctx, tx, tipID, hotline.OutboxConfirmation, r, ch, body, nil, 0, 0, now); err != nil {
				return err
			}
		}
		if after != nil {
			return after(tx, res)
		}
		return nil
	})
	if err != nil {
		return hotline.AckResult{}, fmt.Errorf("acknowledge %s: %w", code, err)
	}
	return res, nil
}

// TellResponder queues a message to a responder (help text, an error
// answer) on channel ch, once per inbound delivery (source, key); tipID may
// be 0.
func (db *DB) TellResponder(ctx context.Context, source, key string, r hotline.Responder, ch hotline.Channel, tipID int64, body string, now time.Time) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		fresh, err := claimDelivery(ctx, tx, source, key, now)
		if err != nil || !fresh {
			return err
		}
		_, err = insertResponderMessage(ctx, tx, tipID, hotline.OutboxConfirmation, r, ch, body, nil, 0, 0, now)
		return err
	})
}

// EscalateNow makes the tip with this code escalate at the escalator's next
// pass (a responder pressed "escalate"), unless it was acknowledged. A
// redelivered press changes nothing. Unknown codes, tips no longer waiting
// and tips r may not act on (mayAct) return hotline.ErrNotFound.
func (db *DB) EscalateNow(ctx context.Context, source, key, code string, r hotline.Responder, now time.Time) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		fresh, err := claimDelivery(ctx, tx, source, key, now)
		if err != nil || !fresh {
			return err
		}
		var tipID int64
		var waiting bool
		err = tx.QueryRow(ctx, `SELECT id, acknowledged_at IS NULL AND status <> 'closed' FROM tips WHERE reference_code = $1 FOR UPDATE`, code).Scan(&tipID, &waiting)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("tip %s: %w", code, hotline.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("escalate %s now: %w", code, err)
		}
		if err := refuseUnlessMayAct(ctx, tx, r, tipID, code, hotline.ActionAcknowledge); err != nil {
			return err
		}
		if !waiting {
			return fmt.Errorf("tip %s no longer waits: %w", code, hotline.ErrNotFound)
		}
		if _, err := tx.Exec(ctx, `UPDATE tips SET escalate_at = $2, updated_at = $2 WHERE id = $1`, tipID, now); err != nil {
			return fmt.Errorf("escalate %s now: %w", code, err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO audit_log (at, actor, action, tip_id) VALUES ($1, $2, 'escalate_now', $3)`, now, fmt.Sprintf("responder:%d", r.ID), tipID)
		return err
	})
}
