package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// updateTip stores the conversation's decision about a tip: classification,
// language, conversation state, consent, and the mark that routing is due.
func updateTip(ctx context.Context, tx pgx.Tx, tip tipRow, c hotline.Classification, d hotline.IntakeDecision, lang string, at time.Time) error {
	cj, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode classification: %w", err)
	}
	conv := d.Conversation
	if conv == nil {
		conv = tip.conversation
	}
	if len(conv) == 0 {
		conv = []byte("{}")
	}
	if _, err := tx.Exec(ctx, `UPDATE tips SET level = $2, county = $3, intake = $4, classification = $5,
		language = COALESCE(NULLIF($6, ''), language), dispatch_pending = true, last_message_at = $7, updated_at = $7,
		municipality = $8, conversation = $9, police_consent = COALESCE($10, police_consent), reclassify_pending = false,
		official_complicity = official_complicity OR $11
		WHERE id = $1`, tip.id, string(c.Level), c.County, c.Intake, cj, lang, at, c.Municipality, conv, d.PoliceConsent, c.Complicity()); err != nil {
		return fmt.Errorf("triage tip %s: %w", tip.code, err)
	}
	return nil
}

// applyReporterAction carries out STOP, START or DELETE for a reporter and
// returns whether they are now opted out. STOP and DELETE cancel every
// message still waiting for them; DELETE erases contact and keyed hash.
func applyReporterAction(ctx context.Context, tx pgx.Tx, reporterID int64, action string, optedOut bool, at time.Time) (bool, error) {
	cancel := func(reason string) error {
		_, err := tx.Exec(ctx, `UPDATE outbox SET state = 'failed', error = $2, lease_until = NULL
			WHERE reporter_id = $1 AND state IN ('pending', 'held', 'sending')`, reporterID, reason)
		return err
	}
	var err error
	switch action {
	case hotline.ReporterOptOut:
		if _, err = tx.Exec(ctx, `UPDATE reporters SET opted_out_at = COALESCE(opted_out_at, $2) WHERE id = $1`, reporterID, at); err == nil {
			err = cancel("reporter opted out")
		}
		optedOut = true
	case hotline.ReporterOptIn:
		_, err = tx.Exec(ctx, `UPDATE reporters SET opted_out_at = NULL WHERE id = $1`, reporterID)
		optedOut = false
	case hotline.ReporterErase:
		if _, err = tx.Exec(ctx, `DELETE FROM reporter_contacts WHERE reporter_id = $1`, reporterID); err == nil {
			if _, err = tx.Exec(ctx, `UPDATE reporters SET erased_at = $2 WHERE id = $1`, reporterID, at); err == nil {
				if err = cancel("reporter erased their contact"); err == nil {
					err = eraseContactTraces(ctx, tx, reporterID)
				}
			}
		}
		if err == nil {
			err = audit(ctx, tx, at, "system", "reporter_erased", 0, map[string]any{"reporter": reporterID})
		}
	}
	if err != nil {
		return optedOut, fmt.Errorf("reporter %d %s: %w", reporterID, action, err)
	}
	return optedOut, nil
}

// eraseContactTraces removes, for DELETE, every other place the reporter's
// contact may remain: the sealed raw payloads of their messages (the SMS
// form with From=+355…, the Telegram update with chat id and names), the
// sealed locators of attachments already fetched or given up (a pending
// one keeps its locator until the media stage fetches it), and early
// delivery statuses of messages sent to them. What they wrote stays with
// the tip.
func eraseContactTraces(ctx context.Context, tx pgx.Tx, reporterID int64) error {
	if _, err := tx.Exec(ctx, `UPDATE messages SET raw_encrypted = NULL WHERE reporter_id = $1 AND raw_encrypted IS NOT NULL`, reporterID); err != nil {
		return fmt.Errorf("erase raw payloads: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE media_files f SET locator_encrypted = ''::bytea FROM messages m
		WHERE m.id = f.message_id AND m.reporter_id = $1 AND f.state <> 'pending'`, reporterID); err != nil {
		return fmt.Errorf("erase media locators: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM delivery_statuses_early WHERE external_id IN
		(SELECT external_id FROM outbox WHERE reporter_id = $1 AND external_id IS NOT NULL)`, reporterID); err != nil {
		return fmt.Errorf("erase early delivery statuses: %w", err)
	}
	return nil
}

// queueReporterMessage puts one message to a reporter in the outbox and in
// the tip's transcript (messages, direction out).
func queueReporterMessage(ctx context.Context, tx pgx.Tx, tipID int64, kind hotline.OutboxKind, reporterID int64, channel string, r hotline.Reply, at time.Time) error {
	buttons := r.Buttons
	if buttons == nil {
		buttons = []hotline.Button{}
	}
	bj, _ := json.Marshal(buttons)
	var tip *int64
	if tipID != 0 {
		tip = &tipID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO outbox (tip_id, kind, reporter_id, channel, body, buttons, priority, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7)`, tip, string(kind), reporterID, channel, r.Text, bj, at); err != nil {
		return err
	}
	return nil
}

// noteToResponders sends body to the responders who acknowledged the tip,
// or, when nobody did yet, to everyone alerted about it.
func noteToResponders(ctx context.Context, tx pgx.Tx, tipID int64, priority int, body string, at time.Time) error {
	rows, err := tx.Query(ctx, `SELECT `+responderColumns+` FROM responders r WHERE r.active AND r.id IN (
			SELECT responder_id FROM acknowledgements WHERE tip_id = $1
			UNION SELECT responder_id FROM outbox WHERE tip_id = $1 AND kind IN ('alert', 'escalation')
				AND NOT EXISTS (SELECT 1 FROM acknowledgements WHERE tip_id = $1))
		ORDER BY r.id`, tipID)
	if err != nil {
		return fmt.Errorf("who follows tip %d: %w", tipID, err)
	}
	rs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hotline.Responder, error) { return scanResponder(row) })
	if err != nil {
		return fmt.Errorf("who follows tip %d: %w", tipID, err)
	}
	for _, r := range rs {
		if _, err := insertResponderMessage(ctx, tx, tipID, hotline.OutboxTipUpdate, r, responderChannel(r), body, nil, priority, 0, at); err != nil {
			return err
		}
	}
	return nil
}

// RelayToReporter stores a responder's message to the reporter of the tip
// with this code in the tip's transcript and queues it through the
// reporter's channel, once per delivery (source, key). Only a responder who
// may act on the tip (mayAct: alerted about it, or allowed to acknowledge it
// by hotline.Access) may relay; others get hotline.ErrNotFound, like unknown
// codes. When the
// reporter has not written within window the message is held until they
// write again (Held); after STOP or DELETE it is never sent (Unreachable).
// discreet, when set, is asked whether text may go to the reporter on their
// channel given everything that reporter wrote themselves on it (discreet
// SMS; not what another person or an operator's call record added); when it says no, the
// message is kept in the transcript but not sent (Withheld). tell words the
// confirmation queued for the responder on ch.
func (db *DB) RelayToReporter(ctx context.Context, source, key, code string, r hotline.Responder, ch hotline.Channel, text string,
	now time.Time, window time.Duration, discreet func(channel, reporterText string) bool, tell func(hotline.RelayResult) string) (hotline.RelayResult, error) {
	return db.relay(ctx, source, key, code, r, ch, text, now, window, discreet, tell, func(tx pgx.Tx, tipID int64) error {
		// Whoever acknowledged the tip, or may take charge of it, may talk
		// with its reporter.
		var acknowledged bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM acknowledgements WHERE tip_id = $1 AND responder_id = $2)`,
			tipID, r.ID).Scan(&acknowledged); err != nil {
			return fmt.Errorf("may responder %d relay on %s: %w", r.ID, code, err)
		}
		if acknowledged {
			return nil
		}
		return refuseUnlessMayAct(ctx, tx, r, tipID, code, hotline.ActionAcknowledge)
	})
}

// relay is the one relay path (the bot's and the console's): may decides,
// inside the transaction, whether r may relay on the tip.
func (db *DB) relay(ctx context.Context, source, key, code string, r hotline.Responder, ch hotline.Channel, text string,
	now time.Time, window time.Duration, discreet func(channel, reporterText string) bool, tell func(hotline.RelayResult) string,
	may func(tx pgx.Tx, tipID int64) error) (hotline.RelayResult, error) {
	var res hotline.RelayResult
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		res = hotline.RelayResult{}
		fresh, err := claimDelivery(ctx, tx, source, key, now)
		if err != nil || !fresh {
			res.Repeated = err == nil
			return err
		}
		var tipID int64
		var reporterID *int64
		var level string
		err = tx.QueryRow(ctx, `SELECT id, reporter_id, level FROM tips WHERE reference_code = $1 FOR UPDATE`, code).Scan(&tipID, &reporterID, &level)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("tip %s: %w", code, hotline.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("find tip %s: %w", code, err)
		}
		if err := may(tx, tipID); err != nil {
			return err
		}
		var channel string
		var last *time.Time
		var optedOut, hasContact bool
		if reporterID != nil {
			err = tx.QueryRow(ctx, `SELECT r.channel, r.last_message_at, r.opted_out_at IS NOT NULL,
				EXISTS (SELECT 1 FROM reporter_contacts c WHERE c.reporter_id = r.id) FROM reporters r WHERE r.id = $1`, *reporterID).
				Scan(&channel, &last, &optedOut, &hasContact)
			if err != nil {
				return fmt.Errorf("reporter of %s: %w", code, err)
			}
		}
		res.Unreachable = reporterID == nil || optedOut || !hasContact
		// A contact sealed under another HOTLINE_SECRET_KEY cannot be sent to:
		// the responder is told so now, not that it was sent.
		sealedOff := !res.Unreachable && !contactOpens(ctx, tx, db, *reporterID)
		if !res.Unreachable && discreet != nil {
			said, err := reporterWrote(ctx, tx, *reporterID, channel)
			if err != nil {
				return fmt.Errorf("what the reporter of %s wrote: %w", code, err)
			}
			res.Withheld = !discreet(channel, said)
		}
		res.Held = !res.Unreachable && !res.Withheld && (last == nil || now.Sub(*last) > window)
		// A person talks with the reporter now: the bot stops asking its questions.
		if _, err := tx.Exec(ctx, `UPDATE tips SET conversation = (conversation - 'asking') || '{"human": true}' WHERE id = $1`, tipID); err != nil {
			return fmt.Errorf("hand %s to a person: %w", code, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO messages (tip_id, reporter_id, responder_id, direction, channel, kind, body, received_at)
			VALUES ($1, $2, $3, 'out', $4, $5, $6, $7)`, tipID, reporterID, r.ID, channel, relayKind(res), text, now); err != nil {
			return fmt.Errorf("store relayed message on %s: %w", code, err)
		}
		if !res.Unreachable && !res.Withheld && !sealedOff {
			if err := queueReporterMessage(ctx, tx, tipID, hotline.OutboxRelay, *reporterID, channel, hotline.Reply{Text: text}, now); err != nil {
				return fmt.Errorf("queue relay on %s: %w", code, err)
			}
			if res.Held {
				if _, err := tx.Exec(ctx, `UPDATE outbox SET state = 'held' WHERE id = (SELECT max(id) FROM outbox WHERE tip_id = $1 AND kind = 'relay')`, tipID); err != nil {
					return fmt.Errorf("hold relay on %s: %w", code, err)
				}
			}
		}
		if err := audit(ctx, tx, now, ResponderActor(r.ID), "relay", tipID,
			map[string]any{"held": res.Held, "unreachable": res.Unreachable, "withheld": res.Withheld, "contact_sealed_off": sealedOff}); err != nil {
			return err
		}
		body := tell(res)
		if sealedOff {
			body = fmt.Sprintf(relayNotDelivered, code)
		}
		if body != "" {
			if _, err := insertResponderMessage(ctx, tx, tipID, hotline.OutboxConfirmation, r, ch, body, nil, 0, 0, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return hotline.RelayResult{}, fmt.Errorf("relay on %s: %w", code, err)
	}
	return res, nil
}

// TipOfSentMessage returns the reference code of the tip whose alert (or
// other message) the bot sent to responder r as Telegram message
// messageID, or as one of its parts when it was split (the outbox keeps
// every part's id): a reply to it is a reply about that tip. Messages the
// bot did not send give hotline.ErrNotFound.
func (db *DB) TipOfSentMessage(ctx context.Context, responderID int64, messageID string) (string, error) {
	var code string
	err := db.pool.QueryRow(ctx, `SELECT t.reference_code FROM outbox o JOIN tips t ON t.id = o.tip_id
		WHERE o.responder_id = $1 AND o.channel = 'telegram' AND $2 = ANY (string_to_array(o.external_id, ','))
		ORDER BY o.id DESC LIMIT 1`, responderID, messageID).Scan(&code)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("message %s to responder %d: %w", messageID, responderID, hotline.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("message %s to responder %d: %w", messageID, responderID, err)
	}
	return code, nil
}

// TellReporter queues a message to the reporter of the tip with this code
// when they wrote within window and can be reached (not opted out, not
// erased); body words it in the reporter's language. It returns whether a
// message was queued.
func (db *DB) TellReporter(ctx context.Context, code string, now time.Time, window time.Duration, body func(lang string) string) (bool, error) {
	queued := false
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		queued, err = tellReporter(ctx, tx, code, now, window, body)
		return err
	})
	return queued, err
}

// tellReporter is TellReporter in transaction tx.
func tellReporter(ctx context.Context, tx pgx.Tx, code string, now time.Time, window time.Duration, body func(lang string) string) (bool, error) {
	var tipID, reporterID int64
	var channel, lang string
	err := tx.QueryRow(ctx, `SELECT t.id, r.id, r.channel, t.language FROM tips t JOIN reporters r ON r.id = t.reporter_id
		WHERE t.reference_code = $1 AND r.opted_out_at IS NULL AND r.last_message_at > $2
		AND EXISTS (SELECT 1 FROM reporter_contacts c WHERE c.reporter_id = r.id)`, code, now.Add(-window)).Scan(&tipID, &reporterID, &channel, &lang)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reporter of %s: %w", code, err)
	}
	return true, queueReporterMessage(ctx, tx, tipID, hotline.OutboxReporterReply, reporterID, channel, hotline.Reply{Text: body(lang)}, now)
}

// HoldOutsideWindow moves messages to reporters who have not written within
// window back to 'held' (relays, released when they write again) or
// 'failed' (anything else): the reply window is checked again at send time.
// The sender calls it before claiming. It returns how many it moved.
func (db *DB) HoldOutsideWindow(ctx context.Context, now time.Time, window time.Duration) (int64, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE outbox o SET state = CASE WHEN o.kind = 'relay' THEN 'held' ELSE 'failed' END,
		error = CASE WHEN o.kind = 'relay' THEN '' ELSE 'reply window closed' END, lease_until = NULL
		FROM reporters r WHERE o.reporter_id = r.id AND o.state = 'pending' AND (r.last_message_at IS NULL OR r.last_message_at <= $1)`,
		now.Add(-window))
	if err != nil {
		return 0, fmt.Errorf("hold messages outside the reply window: %w", err)
	}
	return tag.RowsAffected(), nil
}

// relayKind is the transcript kind of a relayed message: "relay", or
// "relay_withheld" for one that was kept but not sent.
func relayKind(res hotline.RelayResult) string {
	if res.Withheld {
		return "relay_withheld"
	}
	return "relay"
}

// reporterWrote returns everything the reporter typed themselves on their
// channel, in any tip, oldest first: not the messages of another person who
// wrote the tip's code, not an operator's call record (channel phone), not
// button presses.
func reporterWrote(ctx context.Context, tx pgx.Tx, reporterID int64, channel string) (string, error) {
	return joinedBodies(ctx, tx, `SELECT body FROM messages WHERE reporter_id = $1 AND channel = $2 AND direction = 'in'
		AND body <> '' AND kind <> 'button' ORDER BY id`, reporterID, channel)
}

// otherPersonLabel starts, in alerts (Albanian, like every responder text),
// each message of someone other than the tip's reporter who wrote its code.
const otherPersonLabel = "[nga një person tjetër, jo sinjalizuesi] "

// alertText is the tip's text for alerts and escalations: its incoming
// messages oldest first, each from another person than the reporter
// labelled so.
func alertText(ctx context.Context, tx pgx.Tx, tipID int64) (string, error) {
	text, err := joinedBodies(ctx, tx, `SELECT CASE WHEN m.reporter_id IS DISTINCT FROM t.reporter_id THEN $2 || m.body ELSE m.body END
		FROM messages m JOIN tips t ON t.id = m.tip_id
		WHERE m.tip_id = $1 AND m.direction = 'in' AND m.body <> '' AND m.kind <> 'button' ORDER BY m.id`, tipID, otherPersonLabel)
	if err != nil {
		return "", fmt.Errorf("read alert text: %w", err)
	}
	return text, nil
}

// joinedBodies runs query (one text column) and joins the rows with
// newlines.
func joinedBodies(ctx context.Context, tx pgx.Tx, query string, args ...any) (string, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return "", err
	}
	bodies, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", err
	}
	return strings.Join(bodies, "\n"), nil
}
