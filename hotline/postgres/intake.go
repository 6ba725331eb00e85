package postgres

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hotline-al/hotline/hotline"
)

// claimDelivery records an inbound delivery key in tx. It returns false when
// the key was already there: the caller must then change nothing.
func claimDelivery(ctx context.Context, tx pgx.Tx, source, key string, at time.Time) (bool, error) {
	if source == "" || key == "" {
		return true, nil // nothing to de-duplicate by (e.g. an operator's entry)
	}
	tag, err := tx.Exec(ctx,
		`INSERT INTO inbound_deliveries (source, key, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		source, key, at)
	if err != nil {
		return false, fmt.Errorf("record delivery %s: %w", source, err)
	}
	return tag.RowsAffected() == 1, nil
}

// ClaimDelivery records an inbound delivery that carries no message to store
// (a reaction, a chat member update) so that its redelivery is recognised.
// It returns false for a repeat.
func (db *DB) ClaimDelivery(ctx context.Context, source, key string, at time.Time) (bool, error) {
	var fresh bool
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		fresh, err = claimDelivery(ctx, tx, source, key, at)
		return err
	})
	return fresh, err
}

// ReceiveReporterMessage stores a message from a member of the public and
// the tip it opens or extends, in one transaction, before the channel
// answers: the delivery key (de-duplication), the reporter (contact sealed,
// found by keyed hash), the tip, the message (raw payload sealed), the
// classification decide returns, the reply to send (in the outbox), and the
// mark that the tip awaits routing. A repeated delivery key returns
// Receipt{Duplicate: true} and changes nothing.
//
// The message joins, in order: the tip whose reference code it names; the
// reporter's latest open tip written to within window; else a new tip.
// Messages from one reporter are serialised, so two arriving at once do not
// open two tips.
//
// A nil decide holds the message back (flood protection): it is stored and
// its tip marked reclassify_pending, but the tip is neither reclassified
// nor answered now; Reclassify does that later. Receipt.Level and County are
// then the tip's current ones.
func (db *DB) ReceiveReporterMessage(ctx context.Context, in hotline.InboundMessage, window time.Duration,
	decide func(hotline.TipContext) hotline.IntakeDecision) (hotline.Receipt, error) {
	if db.keys == nil {
		return hotline.Receipt{}, errors.New("receive message: no keys configured")
	}
	// Postgres text holds neither NUL nor invalid UTF-8; the raw payload
	// (sealed) keeps the bytes as they came.
	in.Text = strings.ReplaceAll(strings.ToValidUTF8(in.Text, "\uFFFD"), "\x00", "\uFFFD")
	var rc hotline.Receipt
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		rc = hotline.Receipt{}
		fresh, err := claimDelivery(ctx, tx, in.Source, in.DeliveryKey, in.ReceivedAt)
		if err != nil {
			return err
		}
		if !fresh {
			rc.Duplicate = true
			return nil
		}
		channel := string(in.Channel)
		hash := db.keys.ContactHash(channel, in.Contact)
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(binary.BigEndian.Uint64(hash[:8]))); err != nil {
			return fmt.Errorf("lock reporter: %w", err)
		}
		rep, err := db.reporter(ctx, tx, in, hash)
		if err != nil {
			return err
		}
		reporterID, optedOut := rep.id, rep.optedOut
		rc.ReporterID = reporterID

		tip, err := findTip(ctx, tx, in, reporterID, window)
		if err != nil {
			return err
		}
		if tip.id != 0 {
			if tip, err = followMerges(ctx, tx, tip); err != nil {
				return err
			}
		}
		tc := hotline.TipContext{Message: in, OptedOut: optedOut, Language: rep.language, DeleteHintSent: rep.deleteHintSent}
		if tip.id == 0 && (in.Keyword == "" || in.Keyword == hotline.KeywordHelp) {
			code, id, err := newTip(ctx, tx, reporterID, in)
			if err != nil {
				return err
			}
			// "NDIHMË!" from someone with no open tip is a cry for help:
			// it opens a tip and is triaged like any text.
			in.Keyword, tc.Message.Keyword = "", ""
			tip = tipRow{id: id, code: code, reporterID: reporterID, language: in.LanguageHint, status: "open"}
			tc.NewTip = true
		}
		if tip.id != 0 {
			tc.TipID, tc.ReferenceCode, tc.Language = tip.id, tip.code, tip.language
			tc.Status, tc.Conversation, tc.PoliceConsent = tip.status, tip.conversation, tip.policeConsent
		}
		tc.ByOtherReporter = tip.reporterID != 0 && tip.reporterID != reporterID

		media, _ := json.Marshal(in.Media)
		if in.Media == nil {
			media = []byte("[]")
		}
		var raw []byte
		if len(in.Raw) > 0 {
			raw = db.keys.Seal(in.Raw, "raw:"+channel)
		}
		var tipRef *int64
		if tip.id != 0 {
			tipRef = &tip.id
		}
		var messageID int64
		if err := tx.QueryRow(ctx, `INSERT INTO messages (tip_id, reporter_id, direction, channel, kind, body, media, raw_encrypted, received_at)
			VALUES ($1, $2, 'in', $3, $4, $5, $6, $7, $8) RETURNING id`,
			tipRef, reporterID, channel, in.Kind, in.Text, media, raw, in.ReceivedAt).Scan(&messageID); err != nil {
			return fmt.Errorf("store message of tip %s: %w", tip.code, err)
		}
		if err := db.queueMedia(ctx, tx, messageID, tipRef, in); err != nil {
			return err
		}
		var located string
		if tip.id != 0 {
			if located, err = locate(ctx, tx, tip.id, in); err != nil {
				return err
			}
		}
		if decide == nil && tip.id != 0 {
			// Held back by the flood limit: stored now, classified later, not answered.
			rc.TipID, rc.ReferenceCode, rc.NewTip = tip.id, tip.code, tc.NewTip
			var level string
			if err := tx.QueryRow(ctx, `UPDATE tips SET reclassify_pending = true, last_message_at = $2, updated_at = $2
				WHERE id = $1 RETURNING level, county`, tip.id, in.ReceivedAt).Scan(&level, &rc.County); err != nil {
				return fmt.Errorf("hold back message of tip %s: %w", tip.code, err)
			}
			rc.Level = hotline.Level(level)
			_, err := tx.Exec(ctx, `UPDATE reporters SET last_message_at = $2 WHERE id = $1`, reporterID, in.ReceivedAt)
			return err
		}
		if decide == nil {
			// A held-back keyword-only message (no tip): nothing to decide.
			decide = func(hotline.TipContext) hotline.IntakeDecision { return hotline.IntakeDecision{} }
		}
		if tip.id != 0 {
			if tc.Text, err = tipText(ctx, tx, tip.id); err != nil {
				return err
			}
		}

		d := decide(tc)
		var corrected []byte
		if tip.id != 0 {
			if err := tx.QueryRow(ctx, `SELECT corrected FROM tips WHERE id = $1`, tip.id).Scan(&corrected); err != nil {
				return fmt.Errorf("read corrections of tip %s: %w", tip.code, err)
			}
		}
		c := withLocation(applyCorrections(d.Classification, corrected).Normalized(), located)
		lang := d.Language
		if lang == "" {
			lang = tc.Language
		}
		if tip.id != 0 && in.Keyword == "" {
			if err := updateTip(ctx, tx, tip, c, d, lang, in.ReceivedAt); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE reporters SET last_message_at = $2, language = COALESCE(NULLIF($3, ''), language),
			delete_hint_sent_at = CASE WHEN $4 THEN COALESCE(delete_hint_sent_at, $2) ELSE delete_hint_sent_at END WHERE id = $1`,
			reporterID, in.ReceivedAt, lang, d.DeleteHintSent); err != nil {
			return fmt.Errorf("update reporter: %w", err)
		}
		if optedOut, err = applyReporterAction(ctx, tx, reporterID, d.ReporterAction, optedOut, in.ReceivedAt); err != nil {
			return err
		}
		if !optedOut && d.ReporterAction != hotline.ReporterErase {
			// The reporter wrote: the reply window is open again for relays that waited.
			if _, err := tx.Exec(ctx, `UPDATE outbox SET state = CASE WHEN kind = 'relay' THEN 'pending' ELSE 'failed' END,
				error = CASE WHEN kind = 'relay' THEN '' ELSE 'reply window closed' END, next_attempt_at = $2
				WHERE reporter_id = $1 AND state = 'held'`, reporterID, in.ReceivedAt); err != nil {
				return fmt.Errorf("release held messages: %w", err)
			}
			replies := d.Replies
			if d.Reply != "" {
				replies = append([]hotline.Reply{{Text: d.Reply}}, replies...)
			}
			for _, r := range replies {
				if err := queueReporterMessage(ctx, tx, tip.id, hotline.OutboxReporterReply, reporterID, channel, r, in.ReceivedAt); err != nil {
					return fmt.Errorf("queue reply for tip %s: %w", tip.code, err)
				}
			}
		}
		if d.ResponderNote != "" && tip.id != 0 && !tc.NewTip {
			if err := noteToResponders(ctx, tx, tip.id, priorityOf(c.Level), d.ResponderNote, in.ReceivedAt); err != nil {
				return err
			}
		}
		rc.TipID, rc.ReferenceCode, rc.NewTip = tip.id, tip.code, tc.NewTip
		rc.Level, rc.County = c.Level, c.County
		if tip.id == 0 || in.Keyword != "" {
			rc.Level = ""
		}
		return nil
	})
	if err != nil {
		return hotline.Receipt{}, fmt.Errorf("receive %s message: %w", in.Channel, err)
	}
	return rc, nil
}

type reporterRow struct {
	id             int64
	optedOut       bool
	language       string
	deleteHintSent bool
}

// reporter finds the reporter by keyed hash or creates them with the sealed
// contact.
func (db *DB) reporter(ctx context.Context, tx pgx.Tx, in hotline.InboundMessage, hash []byte) (reporterRow, error) {
	var r reporterRow
	err := tx.QueryRow(ctx, `SELECT r.id, r.opted_out_at IS NOT NULL, r.language, r.delete_hint_sent_at IS NOT NULL
		FROM reporter_contacts c JOIN reporters r ON r.id = c.reporter_id
		WHERE c.channel = $1 AND c.contact_hash = $2`, string(in.Channel), hash).Scan(&r.id, &r.optedOut, &r.language, &r.deleteHintSent)
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("find reporter: %w", err)
	}
	r.language = in.LanguageHint
	if r.language == "" {
		r.language = "sq"
	}
	if err := tx.QueryRow(ctx, `INSERT INTO reporters (channel, language, created_at) VALUES ($1, $2, $3) RETURNING id`,
		string(in.Channel), r.language, in.ReceivedAt).Scan(&r.id); err != nil {
		return r, fmt.Errorf("create reporter: %w", err)
	}
	sealed := db.keys.Seal([]byte(in.Contact), "contact:"+string(in.Channel))
	if _, err := tx.Exec(ctx, `INSERT INTO reporter_contacts (reporter_id, channel, contact_hash, contact_encrypted) VALUES ($1, $2, $3, $4)`,
		r.id, string(in.Channel), hash, sealed); err != nil {
		return r, fmt.Errorf("store reporter contact: %w", err)
	}
	return r, nil
}

type tipRow struct {
	id            int64
	code          string
	reporterID    int64
	language      string
	status        string
	conversation  []byte
	policeConsent *bool
}

const tipRowColumns = `id, reference_code, reporter_id, language, status, conversation, police_consent`

func findTip(ctx context.Context, tx pgx.Tx, in hotline.InboundMessage, reporterID int64, window time.Duration) (tipRow, error) {
	var t tipRow
	scan := func(row pgx.Row) (bool, error) {
		var rid *int64
		err := row.Scan(&t.id, &t.code, &rid, &t.language, &t.status, &t.conversation, &t.policeConsent)
		if errors.Is(err, pgx.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("find tip: %w", err)
		}
		if rid != nil {
			t.reporterID = *rid
		}
		return true, nil
	}
	if codes := hotline.FindReferenceCodes(in.Text); len(codes) > 0 {
		found, err := scan(tx.QueryRow(ctx, `SELECT `+tipRowColumns+` FROM tips
			WHERE reference_code = ANY($1) ORDER BY id DESC LIMIT 1 FOR UPDATE`, codes))
		if found || err != nil {
			return t, err
		}
	}
	found, err := scan(tx.QueryRow(ctx, `SELECT `+tipRowColumns+` FROM tips
		WHERE reporter_id = $1 AND status <> 'closed' AND (last_message_at > $2
			OR EXISTS (SELECT 1 FROM outbox o WHERE o.tip_id = tips.id AND o.state = 'held'))
		ORDER BY last_message_at DESC LIMIT 1 FOR UPDATE`, reporterID, in.ReceivedAt.Add(-window)))
	if found || err != nil {
		return t, err
	}
	return tipRow{}, nil
}

// followMerges returns the tip that t was merged into (MergeTips), following
// chains, or t itself: a message naming a merged tip reaches the survivor.
func followMerges(ctx context.Context, tx pgx.Tx, t tipRow) (tipRow, error) {
	for range 8 {
		var next tipRow
		var rid *int64
		err := tx.QueryRow(ctx, `SELECT s.id, s.reference_code, s.reporter_id, s.language, s.status, s.conversation, s.police_consent
			FROM tips d JOIN tips s ON s.id = d.merged_into
			WHERE d.id = $1 FOR UPDATE OF s`, t.id).Scan(&next.id, &next.code, &rid, &next.language, &next.status, &next.conversation, &next.policeConsent)
		if errors.Is(err, pgx.ErrNoRows) {
			return t, nil
		}
		if err != nil {
			return t, fmt.Errorf("follow merge of %s: %w", t.code, err)
		}
		if rid != nil {
			next.reporterID = *rid
		}
		t = next
	}
	return t, nil
}

func newTip(ctx context.Context, tx pgx.Tx, reporterID int64, in hotline.InboundMessage) (string, int64, error) {
	lang := in.LanguageHint
	if lang == "" {
		lang = "sq"
	}
	for attempt := 0; attempt < 8; attempt++ {
		code, err := hotline.NewReferenceCode(nil)
		if err != nil {
			return "", 0, err
		}
		var id int64
		// A savepoint lets a (rare) code collision be retried in the same transaction.
		err = pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
			return sp.QueryRow(ctx, `INSERT INTO tips (reference_code, reporter_id, channel, language, last_message_at, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $5, $5) RETURNING id`, code, reporterID, string(in.Channel), lang, in.ReceivedAt).Scan(&id)
		})
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			continue
		}
		if err != nil {
			return "", 0, fmt.Errorf("open tip: %w", err)
		}
		return code, id, nil
	}
	return "", 0, errors.New("open tip: no free reference code after 8 tries")
}

func tipText(ctx context.Context, tx pgx.Tx, tipID int64) (string, error) {
	text, err := joinedBodies(ctx, tx, `SELECT body FROM messages WHERE tip_id = $1 AND direction = 'in' AND body <> '' AND kind <> 'button' ORDER BY id`, tipID)
	if err != nil {
		return "", fmt.Errorf("read tip text: %w", err)
	}
	return text, nil
}

// KeepUnplaced stores an inbound item that joins no tip (a reaction, a chat
// member change, a group message, an update that could not be decoded):
// its delivery key, and the raw payload sealed. A repeat changes nothing.
func (db *DB) KeepUnplaced(ctx context.Context, source, key string, channel hotline.Channel, kind string, raw []byte, at time.Time) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		fresh, err := claimDelivery(ctx, tx, source, key, at)
		if err != nil || !fresh {
			return err
		}
		var sealed []byte
		if len(raw) > 0 && db.keys != nil {
			sealed = db.keys.Seal(raw, "raw:"+string(channel))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO messages (direction, channel, kind, raw_encrypted, received_at) VALUES ('in', $1, $2, $3, $4)`,
			string(channel), kind, sealed, at); err != nil {
			return fmt.Errorf("keep %s item: %w", kind, err)
		}
		return nil
	})
}
