package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// consoleChange runs change on the tip with this code in one transaction
// when the viewer's grant for action covers it, then audits action with
// detail (change may fill it in). Out of scope or unknown:
// hotline.ErrNotFound; not allowed at all: hotline.ErrUnauthorized.
func (db *DB) consoleChange(ctx context.Context, v hotline.Viewer, action hotline.Action, code string, now time.Time,
	change func(tx pgx.Tx, tipID int64, status hotline.TipStatus, detail map[string]any) error) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		id, status, err := tipInScope(ctx, tx, v, action, code)
		if err != nil {
			return err
		}
		detail := map[string]any{}
		if err := change(tx, id, status, detail); err != nil {
			return err
		}
		return audit(ctx, tx, now, ResponderActor(v.ResponderID), string(action), id, detail)
	})
	if err != nil {
		return fmt.Errorf("%s tip %s: %w", action, code, err)
	}
	return nil
}

// ConsoleAcknowledge acknowledges the tip from the console (stops its
// escalation, audited once). Acknowledging twice is harmless; a tip that is
// no longer active (hotline.CanMove refuses) gives hotline.ErrConflict.
func (db *DB) ConsoleAcknowledge(ctx context.Context, v hotline.Viewer, code string, now time.Time) error {
	return db.consoleChange(ctx, v, hotline.ActionAcknowledge, code, now, func(tx pgx.Tx, id int64, status hotline.TipStatus, detail map[string]any) error {
		if status != hotline.StatusAcknowledged && !hotline.CanMove(status, hotline.StatusAcknowledged) {
			return fmt.Errorf("status %s: %w", status, hotline.ErrConflict)
		}
		detail["channel"] = "console"
		detail["first"] = status == hotline.StatusOpen
		if status == hotline.StatusOpen {
			if _, err := tx.Exec(ctx, `UPDATE tips SET status = 'acknowledged', acknowledged_at = $2, escalate_at = NULL, updated_at = $2 WHERE id = $1`, id, now); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO acknowledgements (tip_id, responder_id, channel, acknowledged_at) VALUES ($1, $2, 'console', $3) ON CONFLICT DO NOTHING`,
			id, v.ResponderID, now)
		return err
	})
}

// ConsoleClose closes the tip with outcome through the shared DB.CloseTip,
// when the viewer may close it. A tip already closed changes nothing.
func (db *DB) ConsoleClose(ctx context.Context, v hotline.Viewer, code string, outcome hotline.Outcome, now time.Time) (CloseResult, error) {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		_, _, err := tipInScope(ctx, tx, v, hotline.ActionClose, code)
		return err
	})
	if err != nil {
		return CloseResult{}, fmt.Errorf("close tip %s: %w", code, err)
	}
	return db.CloseTip(ctx, ResponderActor(v.ResponderID), code, outcome, now)
}

// AssignOwner makes responder ownerID the tip's case owner. The owner must be
// active and allowed to view the tip themselves, else hotline.ErrInvalid.
func (db *DB) AssignOwner(ctx context.Context, v hotline.Viewer, code string, ownerID int64, now time.Time) error {
	return db.consoleChange(ctx, v, hotline.ActionAssign, code, now, func(tx pgx.Tx, id int64, _ hotline.TipStatus, detail map[string]any) error {
		owner, err := viewerOf(ctx, tx, ownerID)
		if errors.Is(err, hotline.ErrUnauthorized) {
			return fmt.Errorf("owner %d: %w", ownerID, hotline.ErrInvalid)
		}
		if err != nil {
			return err
		}
		var county string
		var complicity bool
		if err := tx.QueryRow(ctx, `SELECT county, official_complicity FROM tips WHERE id = $1`, id).Scan(&county, &complicity); err != nil {
			return err
		}
		if !hotline.Access(owner, hotline.ActionView).Covers(county, complicity) {
			return fmt.Errorf("owner %s may not see this tip: %w", owner.Name, hotline.ErrInvalid)
		}
		detail["owner"] = ownerID
		_, err = tx.Exec(ctx, `UPDATE tips SET owner_responder_id = $2, updated_at = $3 WHERE id = $1`, id, ownerID, now)
		return err
	})
}

// RecordReference sets the tip's NRM/TIMS case reference (at most 64
// characters; "" clears it).
func (db *DB) RecordReference(ctx context.Context, v hotline.Viewer, code, reference string, now time.Time) error {
	reference = strings.TrimSpace(reference)
	if utf8.RuneCountInString(reference) > 64 {
		return fmt.Errorf("reference: at most 64 characters: %w", hotline.ErrInvalid)
	}
	return db.consoleChange(ctx, v, hotline.ActionRecord, code, now, func(tx pgx.Tx, id int64, _ hotline.TipStatus, detail map[string]any) error {
		detail["reference"] = reference
		_, err := tx.Exec(ctx, `UPDATE tips SET nrm_reference = $2, updated_at = $3 WHERE id = $1`, id, reference, now)
		return err
	})
}

// AddNote adds a note (1 to 4,000 characters) to the tip.
func (db *DB) AddNote(ctx context.Context, v hotline.Viewer, code, body string, now time.Time) error {
	body = strings.TrimSpace(body)
	if body == "" || utf8.RuneCountInString(body) > 4000 {
		return fmt.Errorf("note: 1 to 4000 characters: %w", hotline.ErrInvalid)
	}
	return db.consoleChange(ctx, v, hotline.ActionRecord, code, now, func(tx pgx.Tx, id int64, _ hotline.TipStatus, detail map[string]any) error {
		var noteID int64
		err := tx.QueryRow(ctx, `INSERT INTO tip_notes (tip_id, responder_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			id, v.ResponderID, body, now).Scan(&noteID)
		detail["note"] = noteID
		return err
	})
}

// AddPerson records a person concerned by the tip (validated by
// hotline.Person.Validate).
func (db *DB) AddPerson(ctx context.Context, v hotline.Viewer, code string, p hotline.Person, now time.Time) error {
	p, err := p.Validate()
	if err != nil {
		return fmt.Errorf("person: %w", err)
	}
	return db.consoleChange(ctx, v, hotline.ActionRecord, code, now, func(tx pgx.Tx, id int64, _ hotline.TipStatus, detail map[string]any) error {
		var personID int64
		err := tx.QueryRow(ctx, `INSERT INTO tip_persons (tip_id, sex, age_group, nationality, status, exploitation, recorded_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, id, p.Sex, p.AgeGroup, p.Nationality, p.Status, p.Exploitation, v.ResponderID, now).Scan(&personID)
		detail["person"] = personID
		return err
	})
}

// ResponderChoice is a responder a supervisor may pick as case owner.
type ResponderChoice struct {
	ID     int64
	Name   string
	Role   hotline.Role
	County string
}

// OwnerChoices lists the active responders who may view a tip of this county
// with or without official complicity, by name.
func (db *DB) OwnerChoices(ctx context.Context, county string, complicity bool) ([]ResponderChoice, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, name, role, county FROM responders WHERE active ORDER BY name, role`)
	if err != nil {
		return nil, fmt.Errorf("owner choices: %w", err)
	}
	all, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ResponderChoice])
	if err != nil {
		return nil, fmt.Errorf("owner choices: %w", err)
	}
	var out []ResponderChoice
	for _, c := range all {
		if hotline.Access(hotline.Viewer{ResponderID: c.ID, Role: c.Role, County: c.County}, hotline.ActionView).Covers(county, complicity) {
			out = append(out, c)
		}
	}
	return out, nil
}
