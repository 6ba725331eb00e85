package postgres

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nyaruka/phonenumbers"

	"github.com/hotline-al/hotline/hotline"
)

// Sign-in limits.
const (
	// SignInAttempts is how many guesses one sign-in attempt (one code, one
	// browser) allows; later guesses fail even when right.
	SignInAttempts = 5
	// SignInInterval is the least time between two codes sent to one responder.
	SignInInterval = 30 * time.Second
)

func sha(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func (db *DB) codeHash(challenge, code string) []byte {
	return db.keys.ContactHash("console-sign-in", challenge+":"+code)
}

// ResponderForSignIn finds the active responder an identifier typed at
// sign-in names: a phone number (E.164, or Albanian national format) or a
// Telegram chat id. hotline.ErrNotFound when none.
func (db *DB) ResponderForSignIn(ctx context.Context, identifier string) (hotline.Responder, error) {
	identifier = strings.Join(strings.Fields(identifier), "")
	if identifier == "" {
		return hotline.Responder{}, fmt.Errorf("sign-in identifier: %w", hotline.ErrNotFound)
	}
	if id, err := strconv.ParseInt(identifier, 10, 64); err == nil && !strings.HasPrefix(identifier, "0") {
		if r, err := db.ResponderByTelegramChat(ctx, id); err == nil {
			return r, nil
		}
	}
	num, err := phonenumbers.Parse(identifier, "AL")
	if err != nil {
		return hotline.Responder{}, fmt.Errorf("sign-in identifier: %w", hotline.ErrNotFound)
	}
	return db.ResponderByPhone(ctx, phonenumbers.Format(num, phonenumbers.E164))
}

// StartSignIn stores a sign-in attempt of responder r for the browser that
// holds challenge, and queues body (which carries code) to r's Telegram chat,
// else phone, in one transaction; never to a group chat (negative Telegram
// chat id: many people), so a responder linked to a group gets the code by
// SMS, or not at all without a phone (hotline.ErrNotFound). The code is stored keyed-hashed and
// expires at expires. A second code within SignInInterval gives
// hotline.ErrConflict; an inactive responder hotline.ErrNotFound.
func (db *DB) StartSignIn(ctx context.Context, r hotline.Responder, challenge, code, body string, expires, now time.Time) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var last *time.Time
		err := tx.QueryRow(ctx, `SELECT (SELECT max(created_at) FROM console_sign_ins WHERE responder_id = r.id)
			FROM responders r WHERE r.id = $1 AND r.active FOR UPDATE`, r.ID).Scan(&last)
		if errors.Is(err, pgx.ErrNoRows) {
			return hotline.ErrNotFound
		}
		if err != nil {
			return err
		}
		if last != nil && now.Sub(*last) < SignInInterval {
			return hotline.ErrConflict
		}
		if _, err := tx.Exec(ctx, `INSERT INTO console_sign_ins (responder_id, challenge_hash, code_hash, expires_at, created_at)
			VALUES ($1, $2, $3, $4, $5)`, r.ID, sha(challenge), db.codeHash(challenge, code), expires, now); err != nil {
			return err
		}
		ch := responderChannel(r)
		if r.TelegramChatID < 0 { // a group chat: many people; the code goes by SMS or not at all
			if r.Phone == "" {
				return hotline.ErrNotFound
			}
			ch = hotline.ChannelSMS
		}
		if _, err := insertResponderMessage(ctx, tx, 0, hotline.OutboxConfirmation, r, ch, body, nil, 0, 0, now); err != nil {
			return err
		}
		return audit(ctx, tx, now, ResponderActor(r.ID), "sign_in_code", 0, map[string]any{"channel": string(ch)})
	})
	if err != nil {
		return fmt.Errorf("start sign-in of responder %d: %w", r.ID, err)
	}
	return nil
}

// FinishSignIn checks code against the sign-in attempt of the browser
// holding challenge. Right, unexpired, unused and within SignInAttempts: it
// opens a session identified by token (stored hashed) and returns the
// viewer. Otherwise hotline.ErrUnauthorized; a wrong guess is counted
// against this attempt only.
func (db *DB) FinishSignIn(ctx context.Context, challenge, code, token string, now time.Time) (hotline.Viewer, error) {
	var v hotline.Viewer
	wrong := false
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var id, responderID int64
		var hash []byte
		var attempts int
		var expires time.Time
		var used *time.Time
		err := tx.QueryRow(ctx, `SELECT id, responder_id, code_hash, attempts, expires_at, used_at FROM console_sign_ins
			WHERE challenge_hash = $1 FOR UPDATE`, sha(challenge)).Scan(&id, &responderID, &hash, &attempts, &expires, &used)
		if errors.Is(err, pgx.ErrNoRows) {
			return hotline.ErrUnauthorized
		}
		if err != nil {
			return err
		}
		if used != nil || !now.Before(expires) || attempts >= SignInAttempts {
			return hotline.ErrUnauthorized
		}
		if !hmac.Equal(hash, db.codeHash(challenge, code)) {
			wrong = true
			_, err := tx.Exec(ctx, `UPDATE console_sign_ins SET attempts = attempts + 1 WHERE id = $1`, id)
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE console_sign_ins SET used_at = $2 WHERE id = $1`, id, now); err != nil {
			return err
		}
		if v, err = viewerOf(ctx, tx, responderID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO console_sessions (token_hash, responder_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)`,
			sha(token), responderID, now); err != nil {
			return err
		}
		return audit(ctx, tx, now, ResponderActor(responderID), "sign_in", 0, nil)
	})
	if err == nil && wrong {
		err = hotline.ErrUnauthorized
	}
	if err != nil {
		return hotline.Viewer{}, fmt.Errorf("finish sign-in: %w", err)
	}
	return v, nil
}

func viewerOf(ctx context.Context, q querier, responderID int64) (hotline.Viewer, error) {
	var v hotline.Viewer
	var role string
	err := q.QueryRow(ctx, `SELECT id, name, role, county FROM responders WHERE id = $1 AND active`, responderID).
		Scan(&v.ResponderID, &v.Name, &role, &v.County)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, hotline.ErrUnauthorized
	}
	v.Role = hotline.Role(role)
	return v, err
}

// Session returns the viewer of the session with this token when it is
// open, used within idle of now and its responder is active (deactivating a
// responder ends every session at once); else hotline.ErrUnauthorized.
// touch moves the idle deadline: pages do, the live-update stream does not.
func (db *DB) Session(ctx context.Context, token string, now time.Time, idle time.Duration, touch bool) (hotline.Viewer, error) {
	var responderID int64
	var lastSeen time.Time
	err := db.pool.QueryRow(ctx, `SELECT s.responder_id, s.last_seen_at FROM console_sessions s JOIN responders r ON r.id = s.responder_id
		WHERE s.token_hash = $1 AND s.ended_at IS NULL AND r.active`, sha(token)).Scan(&responderID, &lastSeen)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && now.Sub(lastSeen) >= idle {
		return hotline.Viewer{}, hotline.ErrUnauthorized
	}
	if err != nil {
		return hotline.Viewer{}, fmt.Errorf("session: %w", err)
	}
	if touch {
		if _, err := db.pool.Exec(ctx, `UPDATE console_sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2`, sha(token), now); err != nil {
			return hotline.Viewer{}, fmt.Errorf("session: %w", err)
		}
	}
	v, err := viewerOf(ctx, db.pool, responderID)
	if err != nil {
		return hotline.Viewer{}, fmt.Errorf("session: %w", err)
	}
	return v, nil
}

// EndSession signs the session with this token out (audited). Ending an
// unknown or ended session does nothing.
func (db *DB) EndSession(ctx context.Context, token string, now time.Time) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var responderID int64
		err := tx.QueryRow(ctx, `UPDATE console_sessions SET ended_at = $2 WHERE token_hash = $1 AND ended_at IS NULL RETURNING responder_id`,
			sha(token), now).Scan(&responderID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		return audit(ctx, tx, now, ResponderActor(responderID), "sign_out", 0, nil)
	})
}

// AuditView records that the viewer looked at a page that is not one tip's
// (the queue, the roster) with detail (filters; never reporter contact).
func (db *DB) AuditView(ctx context.Context, v hotline.Viewer, action string, detail map[string]any, now time.Time) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		return audit(ctx, tx, now, ResponderActor(v.ResponderID), action, 0, detail)
	})
}
