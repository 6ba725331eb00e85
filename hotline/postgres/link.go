package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// CreateLinkCode stores the hash of a new Telegram link code for an active
// responder, valid hotline.LinkCodeTTL from now, and returns its expiry.
// A deactivated responder gets hotline.ErrInvalid.
func (db *DB) CreateLinkCode(ctx context.Context, responderID int64, code string, now time.Time) (time.Time, error) {
	expires := now.Add(hotline.LinkCodeTTL)
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var active bool
		if err := tx.QueryRow(ctx, `SELECT active FROM responders WHERE id = $1`, responderID).Scan(&active); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("responder %d: %w", responderID, hotline.ErrNotFound)
			}
			return fmt.Errorf("link code for responder %d: %w", responderID, err)
		}
		if !active {
			return fmt.Errorf("responder %d is deactivated: %w", responderID, hotline.ErrInvalid)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO telegram_link_codes (code_hash, responder_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			hotline.HashLinkCode(code), responderID, now, expires); err != nil {
			return fmt.Errorf("store link code for responder %d: %w", responderID, err)
		}
		return audit(ctx, tx, now, "cli", "telegram_link_code", 0, map[string]any{"responder": responderID, "expires_at": expires})
	})
	return expires, err
}

// LinkTelegramChat handles delivery (source, key) of `/start r_CODE` from
// chatID (a private chat or a group), in one transaction: when the code is
// unused, not voided and not expired at now, and its responder active, it
// binds the chat to that responder, marks the code used, audits it and
// queues welcome(responder) to the chat. Any other code links nothing
// (Linked false: the caller cannot tell an expired code from a wrong one),
// and a repeated delivery changes nothing (Duplicate). Another responder
// linked to the same chat keeps it: a county group may alert several.
func (db *DB) LinkTelegramChat(ctx context.Context, source, key, code string, chatID int64, now time.Time, welcome func(hotline.Responder) string) (hotline.LinkResult, error) {
	var res hotline.LinkResult
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		res = hotline.LinkResult{}
		fresh, err := claimDelivery(ctx, tx, source, key, now)
		if err != nil {
			return err
		}
		if !fresh {
			res.Duplicate = true
			return nil
		}
		var id int64
		err = tx.QueryRow(ctx, `UPDATE telegram_link_codes c SET used_at = $2
			FROM responders r
			WHERE c.code_hash = $1 AND c.used_at IS NULL AND c.voided_at IS NULL AND c.expires_at > $2
				AND r.id = c.responder_id AND r.active
			RETURNING c.responder_id`, hotline.HashLinkCode(code), now).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("redeem link code: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE responders SET telegram_chat_id = $2, telegram_broken_at = NULL WHERE id = $1`, id, chatID); err != nil {
			return fmt.Errorf("link responder %d: %w", id, err)
		}
		if res.Responder, err = scanResponder(tx.QueryRow(ctx, `SELECT `+responderColumns+` FROM responders r WHERE r.id = $1`, id)); err != nil {
			return fmt.Errorf("linked responder %d: %w", id, err)
		}
		res.Linked = true
		if welcome != nil {
			if _, err := insertResponderMessage(ctx, tx, 0, hotline.OutboxConfirmation, res.Responder, hotline.ChannelTelegram,
				welcome(res.Responder), nil, 0, 0, now); err != nil {
				return err
			}
		}
		return audit(ctx, tx, now, ResponderActor(id), "telegram_linked", 0, map[string]any{"responder": id})
	})
	return res, err
}

// AcknowledgedOpenTips returns the open tips (open or acknowledged, not
// closed) that responder id acknowledged, oldest acknowledgement first.
func (db *DB) AcknowledgedOpenTips(ctx context.Context, id int64) ([]hotline.AcknowledgedTip, error) {
	rows, err := db.pool.Query(ctx, `SELECT t.reference_code, t.level, t.county, t.municipality, a.acknowledged_at
		FROM acknowledgements a JOIN tips t ON t.id = a.tip_id
		WHERE a.responder_id = $1 AND t.status IN ('open', 'acknowledged')
		ORDER BY a.acknowledged_at, t.id`, id)
	if err != nil {
		return nil, fmt.Errorf("tips acknowledged by responder %d: %w", id, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hotline.AcknowledgedTip, error) {
		var t hotline.AcknowledgedTip
		var level string
		err := row.Scan(&t.ReferenceCode, &level, &t.County, &t.Municipality, &t.AcknowledgedAt)
		t.Level = hotline.Level(level)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("tips acknowledged by responder %d: %w", id, err)
	}
	return out, nil
}

// MigrateTelegramChat moves every responder linked to chat from to chat to
// (a group upgraded to a supergroup gets a new id: Telegram's
// migrate_to_chat_id). It returns how many responders moved.
func (db *DB) MigrateTelegramChat(ctx context.Context, from, to int64, now time.Time) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE responders SET telegram_chat_id = $2 WHERE telegram_chat_id = $1`, from, to)
		if err != nil {
			return fmt.Errorf("migrate telegram chat: %w", err)
		}
		n = int(tag.RowsAffected())
		if n == 0 {
			return nil
		}
		return audit(ctx, tx, now, "system", "telegram_chat_migrated", 0, map[string]any{"responders": n})
	})
	return n, err
}

// ResponderDeactivatedAt returns when responder id was deactivated, or nil
// while active: the console ends the sessions of a deactivated responder.
func (db *DB) ResponderDeactivatedAt(ctx context.Context, id int64) (*time.Time, error) {
	var at *time.Time
	var active bool
	err := db.pool.QueryRow(ctx, `SELECT deactivated_at, active FROM responders WHERE id = $1`, id).Scan(&at, &active)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("responder %d: %w", id, hotline.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("responder %d: %w", id, err)
	}
	if at == nil && !active {
		return nil, fmt.Errorf("responder %d inactive without a time: %w", id, hotline.ErrConflict)
	}
	return at, nil
}
