package postgres

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// phoneCodeHash keys a phone verification code to its responder.
func (db *DB) phoneCodeHash(responderID int64, code string) []byte {
	return db.keys.ContactHash("phone-verification", strconv.FormatInt(responderID, 10)+":"+code)
}

// ClaimPhone records phone (E.164) as active responder r's number waiting
// for verification, replacing an earlier claim (r's current phone stays in
// use until then), and queues in the same transaction the SMS sms, which
// carries code, to phone (outbox kind hotline.OutboxPhoneVerification) and
// answer to r on ch. A redelivered command (source, key) does nothing. A
// number another active responder has gives hotline.ErrConflict; r's own
// current number hotline.ErrInvalid; nothing is stored then.
func (db *DB) ClaimPhone(ctx context.Context, source, key string, r hotline.Responder, ch hotline.Channel, phone, code, sms, answer string, now time.Time) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		fresh, err := claimDelivery(ctx, tx, source, key, now)
		if err != nil || !fresh {
			return err
		}
		var current string
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT COALESCE(phone, ''), EXISTS (SELECT 1 FROM responders o WHERE o.phone = $2 AND o.active AND o.id <> $1)
			FROM responders WHERE id = $1 AND active FOR UPDATE`, r.ID, phone).Scan(&current, &taken); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("responder %d: %w", r.ID, hotline.ErrNotFound)
			}
			return fmt.Errorf("claim phone of responder %d: %w", r.ID, err)
		}
		switch {
		case taken:
			return fmt.Errorf("phone %s: %w", hotline.MaskPhone(phone), hotline.ErrConflict)
		case current == phone:
			return fmt.Errorf("phone %s is already responder %d's: %w", hotline.MaskPhone(phone), r.ID, hotline.ErrInvalid)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO responder_phone_claims (responder_id, phone, code_hash, attempts, expires_at, created_at)
			VALUES ($1, $2, $3, 0, $4, $5) ON CONFLICT (responder_id) DO UPDATE
			SET phone = EXCLUDED.phone, code_hash = EXCLUDED.code_hash, attempts = 0, expires_at = EXCLUDED.expires_at, created_at = EXCLUDED.created_at`,
			r.ID, phone, db.phoneCodeHash(r.ID, code), now.Add(hotline.PhoneCodeTTL), now); err != nil {
			return fmt.Errorf("claim phone of responder %d: %w", r.ID, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO outbox (kind, responder_id, channel, body, priority, next_attempt_at, created_at, to_phone)
			VALUES ($1, $2, 'sms', $3, 2, $4, $4, $5)`, string(hotline.OutboxPhoneVerification), r.ID, sms, now, phone); err != nil {
			return fmt.Errorf("queue phone code to responder %d: %w", r.ID, err)
		}
		if _, err := insertResponderMessage(ctx, tx, 0, hotline.OutboxConfirmation, r, ch, answer, nil, 0, 0, now); err != nil {
			return err
		}
		return audit(ctx, tx, now, ResponderActor(r.ID), "phone_claim", 0, map[string]any{"phone": hotline.MaskPhone(phone)})
	})
}

// VerifyPhone checks code against responder r's claimed number: the right
// code within hotline.PhoneCodeTTL makes the number r's phone (alerts,
// fallbacks and wake-up calls use it from then on); a wrong one counts,
// and the hotline.PhoneCodeAttempts-th voids the claim. answer words the
// reply queued to r on ch in the same transaction. A redelivered command
// (source, key) does nothing and returns the zero PhoneVerification.
func (db *DB) VerifyPhone(ctx context.Context, source, key string, r hotline.Responder, ch hotline.Channel, code string, now time.Time,
	answer func(hotline.PhoneVerification) string) (hotline.PhoneVerification, error) {
	var res hotline.PhoneVerification
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		res = hotline.PhoneVerification{}
		fresh, err := claimDelivery(ctx, tx, source, key, now)
		if err != nil || !fresh {
			return err
		}
		var hash []byte
		var attempts int
		var expires time.Time
		err = tx.QueryRow(ctx, `SELECT phone, code_hash, attempts, expires_at FROM responder_phone_claims WHERE responder_id = $1 FOR UPDATE`,
			r.ID).Scan(&res.Phone, &hash, &attempts, &expires)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			res.NoClaim = true
		case err != nil:
			return fmt.Errorf("verify phone of responder %d: %w", r.ID, err)
		case !now.Before(expires):
			res.Expired = true
		case !hmac.Equal(hash, db.phoneCodeHash(r.ID, code)):
			attempts++
			res.Wrong, res.AttemptsLeft = true, hotline.PhoneCodeAttempts-attempts
			if res.AttemptsLeft <= 0 {
				res.Wrong, res.Expired = false, true
			}
		default:
			res.Verified = true
		}
		switch {
		case res.Verified:
			if _, err := tx.Exec(ctx, `UPDATE responders SET phone = $2, phone_broken_at = NULL WHERE id = $1`, r.ID, res.Phone); err != nil {
				return fmt.Errorf("verify phone of responder %d: %w", r.ID, err)
			}
			if err := audit(ctx, tx, now, ResponderActor(r.ID), "phone_verified", 0, map[string]any{"phone": hotline.MaskPhone(res.Phone)}); err != nil {
				return err
			}
			fallthrough
		case res.Expired:
			if _, err := tx.Exec(ctx, `DELETE FROM responder_phone_claims WHERE responder_id = $1`, r.ID); err != nil {
				return fmt.Errorf("end phone claim of responder %d: %w", r.ID, err)
			}
		case res.Wrong:
			if _, err := tx.Exec(ctx, `UPDATE responder_phone_claims SET attempts = $2 WHERE responder_id = $1`, r.ID, attempts); err != nil {
				return fmt.Errorf("count a wrong phone code of responder %d: %w", r.ID, err)
			}
		}
		_, err = insertResponderMessage(ctx, tx, 0, hotline.OutboxConfirmation, r, ch, answer(res), nil, 0, 0, now)
		return err
	})
	return res, err
}

// PhoneState returns responder r's phone that alerts use ("" for none) and
// the number waiting for verification ("" for none), both E.164.
func (db *DB) PhoneState(ctx context.Context, r hotline.Responder) (current, pending string, err error) {
	err = db.pool.QueryRow(ctx, `SELECT COALESCE(r.phone, ''), COALESCE(c.phone, '') FROM responders r
		LEFT JOIN responder_phone_claims c ON c.responder_id = r.id WHERE r.id = $1`, r.ID).Scan(&current, &pending)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", fmt.Errorf("responder %d: %w", r.ID, hotline.ErrNotFound)
	}
	if err != nil {
		return "", "", fmt.Errorf("phone of responder %d: %w", r.ID, err)
	}
	return current, pending, nil
}
