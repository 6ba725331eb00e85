package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// relayNotDelivered is what the responder who relayed a message is told
// when it could not be delivered to the reporter (%s: the reference code).
const relayNotDelivered = "Mesazhi për personin e %s NUK u dërgua: kontakti i personit nuk mund të përdoret. Provoni përsëri më vonë ose njoftoni koordinatorin."

// tellRelayFailed queues, in tx, a confirmation to the responder who last
// relayed a message on tipID that the relay was not delivered. Nothing is
// queued when no responder relayed on the tip or they have no address.
func tellRelayFailed(ctx context.Context, tx pgx.Tx, tipID int64, now time.Time) error {
	var code string
	var responderID int64
	err := tx.QueryRow(ctx, `SELECT t.reference_code, m.responder_id FROM messages m JOIN tips t ON t.id = m.tip_id
		WHERE m.tip_id = $1 AND m.direction = 'out' AND m.kind = 'relay' AND m.responder_id IS NOT NULL
		ORDER BY m.id DESC LIMIT 1`, tipID).Scan(&code, &responderID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("who relayed on tip %d: %w", tipID, err)
	}
	r, err := scanResponder(tx.QueryRow(ctx, `SELECT `+responderColumns+` FROM responders r WHERE r.id = $1`, responderID))
	if err != nil {
		return fmt.Errorf("responder %d: %w", responderID, err)
	}
	ch := hotline.ChannelTelegram
	if r.TelegramChatID == 0 {
		if r.Phone == "" {
			return nil
		}
		ch = hotline.ChannelSMS
	}
	if _, err := insertResponderMessage(ctx, tx, tipID, hotline.OutboxConfirmation, r, ch, fmt.Sprintf(relayNotDelivered, code), nil, 0, 0, now); err != nil {
		return fmt.Errorf("tell responder %d the relay on %s failed: %w", r.ID, code, err)
	}
	return nil
}

// contactOpens reports whether the sealed contact of reporterID opens with
// db's keys (false: sealed under another HOTLINE_SECRET_KEY, or missing).
func contactOpens(ctx context.Context, tx pgx.Tx, db *DB, reporterID int64) bool {
	if db.keys == nil { // opened without keys (commands): cannot tell
		return true
	}
	var channel string
	var sealed []byte
	err := tx.QueryRow(ctx, `SELECT channel, contact_encrypted FROM reporter_contacts WHERE reporter_id = $1`, reporterID).Scan(&channel, &sealed)
	if err != nil {
		return false
	}
	_, err = db.keys.Open(sealed, "contact:"+channel)
	return err == nil
}
