package postgres

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nyaruka/phonenumbers"

	"github.com/hotline-al/hotline/hotline"
)

// RecordCall stores a call to 0800 12 12 as a new tip of channel phone, in
// one transaction: the reporter (the caller's number, if given, sealed in
// reporter_contacts under channel sms so that SMS relay and later texts find
// them; else an anonymous reporter), the tip, the operator's account as its
// first message, the confirmed classification, and the mark that the tip
// awaits routing, which then alerts as for any tip. The call opens the
// caller's reply window like a message. Audited as record_call
// (without the number). Needs hotline.ActionRecordCall; a bad number,
// level or county gives hotline.ErrInvalid.
func (db *DB) RecordCall(ctx context.Context, v hotline.Viewer, call hotline.Call, now time.Time) (hotline.Receipt, error) {
	if !hotline.Access(v, hotline.ActionRecordCall).Allowed {
		return hotline.Receipt{}, fmt.Errorf("record call: %w", hotline.ErrUnauthorized)
	}
	call.Text = strings.TrimSpace(strings.ToValidUTF8(strings.ReplaceAll(call.Text, "\x00", ""), "\uFFFD"))
	if call.Text == "" {
		return hotline.Receipt{}, fmt.Errorf("record call: empty account: %w", hotline.ErrInvalid)
	}
	if call.Language != "en" {
		call.Language = "sq"
	}
	var number string
	if s := strings.TrimSpace(call.Number); s != "" {
		num, err := phonenumbers.Parse(s, "AL")
		if err != nil || !phonenumbers.IsValidNumber(num) {
			return hotline.Receipt{}, fmt.Errorf("record call: caller's number: %w", hotline.ErrInvalid)
		}
		number = phonenumbers.Format(num, phonenumbers.E164)
	}
	c := call.Classification
	if !c.Level.Valid() {
		return hotline.Receipt{}, fmt.Errorf("record call: level %q: %w", c.Level, hotline.ErrInvalid)
	}
	if c.County != "" {
		if _, err := hotline.CountyByCode(c.County); err != nil {
			return hotline.Receipt{}, fmt.Errorf("record call: county %q: %w", c.County, hotline.ErrInvalid)
		}
	}
	if c.Intake != "" && !slices.Contains(hotline.IntakePrecedence, c.Intake) {
		return hotline.Receipt{}, fmt.Errorf("record call: intake %q: %w", c.Intake, hotline.ErrInvalid)
	}
	for _, f := range c.Exploitation {
		if !slices.Contains(hotline.Exploitations, f) {
			return hotline.Receipt{}, fmt.Errorf("record call: form of exploitation %q: %w", f, hotline.ErrInvalid)
		}
	}
	c = c.Normalized()
	cj, err := json.Marshal(c)
	if err != nil {
		return hotline.Receipt{}, fmt.Errorf("record call: %w", err)
	}
	var rc hotline.Receipt
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		rc = hotline.Receipt{NewTip: true, Level: c.Level, County: c.County}
		if number != "" {
			in := hotline.InboundMessage{Channel: hotline.ChannelSMS, Contact: number, LanguageHint: call.Language, ReceivedAt: now}
			hash := db.keys.ContactHash(string(in.Channel), number)
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(binary.BigEndian.Uint64(hash[:8]))); err != nil {
				return fmt.Errorf("lock reporter: %w", err)
			}
			rep, err := db.reporter(ctx, tx, in, hash)
			if err != nil {
				return err
			}
			rc.ReporterID = rep.id
			// The call opens the reply window, as a message would: a relay
			// within it goes out by SMS at once.
			if _, err := tx.Exec(ctx, `UPDATE reporters SET last_message_at = GREATEST(last_message_at, $2) WHERE id = $1`, rep.id, now); err != nil {
				return fmt.Errorf("record call: reporter: %w", err)
			}
		} else if err := tx.QueryRow(ctx, `INSERT INTO reporters (channel, language, created_at) VALUES ('phone', $1, $2) RETURNING id`,
			call.Language, now).Scan(&rc.ReporterID); err != nil {
			return fmt.Errorf("create reporter: %w", err)
		}
		code, id, err := newTip(ctx, tx, rc.ReporterID, hotline.InboundMessage{Channel: hotline.ChannelPhone, LanguageHint: call.Language, ReceivedAt: now})
		if err != nil {
			return err
		}
		rc.TipID, rc.ReferenceCode = id, code
		if _, err := tx.Exec(ctx, `INSERT INTO messages (tip_id, reporter_id, direction, channel, kind, body, received_at)
			VALUES ($1, $2, 'in', 'phone', 'text', $3, $4)`, id, rc.ReporterID, call.Text, now); err != nil {
			return fmt.Errorf("store call of tip %s: %w", code, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE tips SET level = $2, county = $3, intake = $4, classification = $5, dispatch_pending = true,
			last_message_at = $6, updated_at = $6, municipality = $7, official_complicity = $8 WHERE id = $1`,
			id, string(c.Level), c.County, c.Intake, cj, now, c.Municipality, c.Complicity()); err != nil {
			return fmt.Errorf("triage tip %s: %w", code, err)
		}
		return audit(ctx, tx, now, ResponderActor(v.ResponderID), "record_call", id, map[string]any{
			"level": string(c.Level), "county": c.County, "contact_given": number != ""})
	})
	if err != nil {
		return hotline.Receipt{}, fmt.Errorf("record call: %w", err)
	}
	return rc, nil
}
