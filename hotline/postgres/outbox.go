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

// ClaimOutbox leases up to limit outbox items that are due at now (pending,
// or sending with an expired lease: a sender that died mid-send) for lease,
// most urgent first, and returns them. Several senders may claim at once
// (SKIP LOCKED); an item whose lease expires is sent again, so a crash may
// at worst send twice, never zero times, and comes back PossibleDuplicate.
// Responders' P3 and P4 items come Silent (a notification without sound).
//
// With a reply window set (SetReplyWindow), messages to reporters who have
// not written within it are first held or dropped (HoldOutsideWindow): the
// window is checked again at send time.
func (db *DB) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]hotline.OutboundMessage, error) {
	if db.replyWindow > 0 {
		if _, err := db.HoldOutsideWindow(ctx, now, db.replyWindow); err != nil {
			return nil, err
		}
	}
	rows, err := db.pool.Query(ctx, `
		WITH due AS (
			SELECT id FROM outbox
			WHERE (state = 'pending' AND next_attempt_at <= $1) OR (state = 'sending' AND lease_until < $1)
			ORDER BY priority, id LIMIT $3 FOR UPDATE SKIP LOCKED)
		UPDATE outbox o SET state = 'sending', lease_until = $2, attempts = o.attempts + 1,
			possible_duplicate = o.possible_duplicate OR o.state = 'sending'
		FROM due WHERE o.id = due.id
		RETURNING o.id, o.kind, COALESCE(o.tip_id, 0), o.channel, COALESCE(o.responder_id, 0), COALESCE(o.reporter_id, 0),
			o.body, o.buttons, o.priority, o.attempts, o.possible_duplicate, o.responder_id IS NOT NULL AND o.priority >= 3,
			COALESCE((SELECT reference_code FROM tips WHERE id = o.tip_id), ''), COALESCE(o.to_phone, ''), o.error LIKE 'held:%'`,
		now, now.Add(lease), limit)
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	toPhone := map[int64]string{} // items for a number being verified
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (hotline.OutboundMessage, error) {
		var m hotline.OutboundMessage
		var to string
		var kind, channel string
		var responderID int64
		var buttons []byte
		err := r.Scan(&m.ID, &kind, &m.TipID, &channel, &responderID, &m.ReporterID, &m.Body, &buttons, &m.Priority, &m.Attempts, &m.PossibleDuplicate, &m.Silent, &m.ReferenceCode, &to, &m.Held)
		if to != "" {
			toPhone[m.ID] = to
		}
		m.Kind, m.Channel = hotline.OutboxKind(kind), hotline.Channel(channel)
		if responderID != 0 {
			m.Responder = &hotline.Responder{ID: responderID}
		}
		if err == nil {
			err = json.Unmarshal(buttons, &m.Buttons)
		}
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	for i := range items {
		if items[i].Responder == nil {
			continue
		}
		r, err := scanResponder(db.pool.QueryRow(ctx, `SELECT `+responderColumns+` FROM responders r WHERE r.id = $1`, items[i].Responder.ID))
		if err != nil {
			return nil, fmt.Errorf("claim outbox: responder %d: %w", items[i].Responder.ID, err)
		}
		if to, ok := toPhone[items[i].ID]; ok {
			// A code for a number being verified goes there, and only there.
			r.Phone, r.TelegramChatID = to, 0
		}
		items[i].Responder = &r
	}
	return items, nil
}

// MarkSent records that item id was handed to its channel, with the
// channel's id for it (Telegram message_id, Twilio MessageSid).
// Status callbacks that arrived before it (kept by RecordDeliveryStatus)
// are applied now; the two serialise on the external id.
func (db *DB) MarkSent(ctx context.Context, id int64, externalID string, now time.Time) error {
	var early []earlyStatus
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('outbox-external:' || $1))`, externalID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE outbox SET state = 'sent', external_id = $2, sent_at = $3, lease_until = NULL, error = '' WHERE id = $1 AND state = 'sending'`,
			id, externalID, now); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `DELETE FROM delivery_statuses_early WHERE external_id = $1 RETURNING status, error_code`, externalID)
		if err != nil {
			return err
		}
		early, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (earlyStatus, error) {
			var e earlyStatus
			err := r.Scan(&e.status, &e.code)
			return e, err
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("mark outbox %d sent: %w", id, err)
	}
	for _, e := range early {
		if _, _, err := db.RecordDeliveryStatus(ctx, externalID, e.status, e.code, now); err != nil {
			return fmt.Errorf("apply early status of outbox %d: %w", id, err)
		}
	}
	return nil
}

type earlyStatus struct{ status, code string }

// MarkRetry puts item id back to pending until next, recording why.
func (db *DB) MarkRetry(ctx context.Context, id int64, reason string, next time.Time) error {
	_, err := db.pool.Exec(ctx, `UPDATE outbox SET state = 'pending', next_attempt_at = $3, lease_until = NULL, error = $2 WHERE id = $1`, id, reason, next)
	if err != nil {
		return fmt.Errorf("mark outbox %d for retry: %w", id, err)
	}
	return nil
}

// MarkFailed records that item id cannot be delivered on its channel and,
// for a responder reachable another way (Telegram ↔ SMS), queues the same
// message on the other channel. It returns whether it did. A relay to a
// reporter that fails tells the responder who sent it.
func (db *DB) MarkFailed(ctx context.Context, id int64, reason string, now time.Time) (bool, error) {
	fellBack := false
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var kind, channel, body string
		var tipID, responderID *int64
		var buttons []byte
		var priority, step int
		err := tx.QueryRow(ctx, `UPDATE outbox SET state = 'failed', error = $2, lease_until = NULL WHERE id = $1
			RETURNING kind, channel, body, tip_id, responder_id, buttons, priority, escalation_step`, id, reason).
			Scan(&kind, &channel, &body, &tipID, &responderID, &buttons, &priority, &step)
		if err != nil {
			return fmt.Errorf("mark outbox %d failed: %w", id, err)
		}
		if responderID == nil {
			if kind == string(hotline.OutboxRelay) && tipID != nil {
				return tellRelayFailed(ctx, tx, *tipID, now)
			}
			return nil
		}
		if kind == string(hotline.OutboxPhoneVerification) {
			return nil // a code for a number being verified has no other way to go
		}
		r, err := scanResponder(tx.QueryRow(ctx, `SELECT `+responderColumns+` FROM responders r WHERE r.id = $1`, *responderID))
		if err != nil {
			return fmt.Errorf("responder of outbox %d: %w", id, err)
		}
		var other hotline.Channel
		switch {
		case channel == string(hotline.ChannelTelegram) && r.Phone != "":
			other = hotline.ChannelSMS
		case channel == string(hotline.ChannelSMS) && r.TelegramChatID != 0:
			other = hotline.ChannelTelegram
		default:
			return nil
		}
		var bs []hotline.Button
		_ = json.Unmarshal(buttons, &bs)
		var tid int64
		if tipID != nil {
			tid = *tipID
		}
		fellBack, err = insertResponderMessage(ctx, tx, tid, hotline.OutboxKind(kind), r, other, body, bs, priority, step, now)
		return err
	})
	return fellBack, err
}

// ReporterContact unseals the contact of a reporter for the channel adapter
// that sends to them. It returns hotline.ErrNotFound when the reporter asked
// to be erased, and hotline.ErrUnauthorized when they opted out (STOP).
func (db *DB) ReporterContact(ctx context.Context, reporterID int64) (hotline.Channel, string, error) {
	var channel string
	var sealed []byte
	var optedOut bool
	err := db.pool.QueryRow(ctx, `SELECT c.channel, c.contact_encrypted, r.opted_out_at IS NOT NULL
		FROM reporter_contacts c JOIN reporters r ON r.id = c.reporter_id WHERE c.reporter_id = $1`, reporterID).Scan(&channel, &sealed, &optedOut)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", fmt.Errorf("contact of reporter %d: %w", reporterID, hotline.ErrNotFound)
	}
	if err != nil {
		return "", "", fmt.Errorf("contact of reporter %d: %w", reporterID, err)
	}
	if optedOut {
		return "", "", fmt.Errorf("reporter %d opted out: %w", reporterID, hotline.ErrUnauthorized)
	}
	plain, err := db.keys.Open(sealed, "contact:"+channel)
	if err != nil {
		return "", "", fmt.Errorf("contact of reporter %d: %w", reporterID, err)
	}
	return hotline.Channel(channel), string(plain), nil
}

// statusRank orders Twilio message states; callbacks may arrive out of
// order, and the most advanced state is kept.
var statusRank = map[string]int{"queued": 1, "sending": 2, "sent": 3, "undelivered": 4, "failed": 4, "delivered": 5}

// RecordDeliveryStatus applies a delivery status callback for the outbox
// item sent as externalID (Twilio MessageSid): 'delivered', or 'failed'
// for undelivered/failed (returning true so the caller can fall back).
// Older states arriving late are ignored. A status for an id not recorded
// yet is kept for MarkSent to apply, and hotline.ErrNotFound returned.
func (db *DB) RecordDeliveryStatus(ctx context.Context, externalID, status, errorCode string, now time.Time) (hotline.OutboundMessage, bool, error) {
	var m hotline.OutboundMessage
	var failedIDs []int64
	early := false
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		failedIDs = nil
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('outbox-external:' || $1))`, externalID); err != nil {
			return fmt.Errorf("lock outbox item: %w", err)
		}
		// One SMS may carry several items (a bundle of alerts): each takes the status.
		rows, err := tx.Query(ctx, `SELECT id, state FROM outbox WHERE external_id = $1 ORDER BY id FOR UPDATE`, externalID)
		if err != nil {
			return fmt.Errorf("find outbox item: %w", err)
		}
		type item struct {
			id    int64
			state string
		}
		items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (item, error) {
			var it item
			err := r.Scan(&it.id, &it.state)
			return it, err
		})
		if err != nil {
			return fmt.Errorf("find outbox item: %w", err)
		}
		if len(items) == 0 {
			// Before MarkSent recorded the send (the callback beat the API
			// response): kept, and applied by MarkSent.
			if _, err := tx.Exec(ctx, `INSERT INTO delivery_statuses_early (external_id, status, error_code, received_at)
				VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, externalID, status, errorCode, now); err != nil {
				return fmt.Errorf("keep early status: %w", err)
			}
			early = true
			return nil
		}
		m.ID = items[0].id
		for _, it := range items {
			current := map[string]int{"sent": 3, "failed": 4, "delivered": 5}[it.state]
			if statusRank[status] <= current {
				continue
			}
			switch status {
			case "delivered":
				if _, err := tx.Exec(ctx, `UPDATE outbox SET state = 'delivered' WHERE id = $1`, it.id); err != nil {
					return fmt.Errorf("record delivery of outbox %d: %w", it.id, err)
				}
			case "undelivered", "failed":
				failedIDs = append(failedIDs, it.id)
			}
		}
		return nil
	})
	if err != nil {
		return m, false, err
	}
	if early {
		return m, false, fmt.Errorf("outbox item %s not recorded yet; status kept: %w", externalID, hotline.ErrNotFound)
	}
	for _, id := range failedIDs {
		if _, err := db.MarkFailed(ctx, id, "twilio "+status+" "+errorCode, now); err != nil {
			return m, false, err
		}
	}
	return m, len(failedIDs) > 0, nil
}

// RecentSMS counts the SMS handed to Twilio for responder responderID
// (their own phone) since since, and returns the oldest one's time.
func (db *DB) RecentSMS(ctx context.Context, responderID int64, since time.Time) (int, time.Time, error) {
	var n int
	var oldest *time.Time
	err := db.pool.QueryRow(ctx, `SELECT count(DISTINCT COALESCE(external_id, id::text)), min(sent_at) FROM outbox
		WHERE responder_id = $1 AND channel = 'sms' AND to_phone IS NULL AND sent_at >= $2`, responderID, since).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("recent SMS to responder %d: %w", responderID, err)
	}
	if oldest == nil {
		return n, time.Time{}, nil
	}
	return n, *oldest, nil
}

// HoldOutbox puts claimed item id back to pending until until without
// counting the attempt (the sender chose to wait; nothing failed).
func (db *DB) HoldOutbox(ctx context.Context, id int64, until time.Time, reason string) error {
	_, err := db.pool.Exec(ctx, `UPDATE outbox SET state = 'pending', next_attempt_at = $3, lease_until = NULL, error = $2,
		attempts = greatest(attempts - 1, 0) WHERE id = $1 AND state = 'sending'`, id, reason, until)
	if err != nil {
		return fmt.Errorf("hold outbox %d: %w", id, err)
	}
	return nil
}
