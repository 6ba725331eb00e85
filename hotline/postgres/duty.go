package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hotline-al/hotline/hotline"
)

// loadDutyRoster reads what decides who is on duty at t: active
// responders, their shifts covering t, every rotation and the overrides in
// force at t.
func loadDutyRoster(ctx context.Context, q querier, t time.Time) (hotline.DutyRoster, error) {
	return loadDutyRosterBetween(ctx, q, t, t.Add(time.Microsecond)) // Postgres keeps microseconds
}

// loadDutyRosterBetween reads what decides who is on duty at any time in
// [from, to): active responders, their shifts and the overrides that
// overlap it, and every rotation.
func loadDutyRosterBetween(ctx context.Context, q querier, from, to time.Time) (hotline.DutyRoster, error) {
	dr := hotline.DutyRoster{AlwaysOnDuty: map[int64]bool{}, Shifts: map[int64][]hotline.Shift{}}
	rows, err := q.Query(ctx, `SELECT `+responderColumns+`, r.always_on_duty FROM responders r WHERE r.active`)
	if err != nil {
		return dr, fmt.Errorf("read responders: %w", err)
	}
	dr.Responders, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (hotline.Responder, error) {
		var r hotline.Responder
		var role string
		var always bool
		err := row.Scan(&r.ID, &r.Name, &role, &r.County, &r.TelegramChatID, &r.Phone, &r.Active, &always)
		r.Role = hotline.Role(role)
		if always {
			dr.AlwaysOnDuty[r.ID] = true
		}
		return r, err
	})
	if err != nil {
		return dr, fmt.Errorf("read responders: %w", err)
	}
	rows, err = q.Query(ctx, `SELECT responder_id, starts_at, ends_at FROM shifts WHERE starts_at < $2 AND ends_at > $1`, from, to)
	if err != nil {
		return dr, fmt.Errorf("read shifts: %w", err)
	}
	if _, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (struct{}, error) {
		var id int64
		var s hotline.Shift
		err := row.Scan(&id, &s.Start, &s.End)
		dr.Shifts[id] = append(dr.Shifts[id], s)
		return struct{}{}, err
	}); err != nil {
		return dr, fmt.Errorf("read shifts: %w", err)
	}
	if dr.Rotations, err = rotations(ctx, q); err != nil {
		return dr, err
	}
	rows, err = q.Query(ctx, `SELECT `+overrideColumns+` FROM duty_overrides
		WHERE cancelled_at IS NULL AND starts_at < $2 AND ends_at > $1 ORDER BY starts_at, id`, from, to)
	if err != nil {
		return dr, fmt.Errorf("read overrides: %w", err)
	}
	if dr.Overrides, err = pgx.CollectRows(rows, scanOverride); err != nil {
		return dr, fmt.Errorf("read overrides: %w", err)
	}
	return dr, nil
}

const overrideColumns = `id, covering_responder_id, covered_responder_id, starts_at, ends_at`

func scanOverride(row pgx.CollectableRow) (hotline.Override, error) {
	var o hotline.Override
	err := row.Scan(&o.ID, &o.CoveringID, &o.CoveredID, &o.Start, &o.End)
	return o, err
}

func rotations(ctx context.Context, q querier) ([]hotline.Rotation, error) {
	rows, err := q.Query(ctx, `SELECT r.id, r.name, r.role, r.county, r.first_handover, r.handover_minute,
		COALESCE(array_agg(m.responder_id ORDER BY m.position) FILTER (WHERE m.responder_id IS NOT NULL), '{}')
		FROM rotations r LEFT JOIN rotation_members m ON m.rotation_id = r.id
		GROUP BY r.id ORDER BY r.county, r.role, r.name`)
	if err != nil {
		return nil, fmt.Errorf("read rotations: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hotline.Rotation, error) {
		var r hotline.Rotation
		var role string
		var day time.Time
		err := row.Scan(&r.ID, &r.Name, &role, &r.County, &day, &r.HandoverMinute, &r.Members)
		r.Role = hotline.Role(role)
		y, m, d := day.Date()
		r.FirstHandover = time.Date(y, m, d, 0, 0, 0, 0, hotline.Tirane)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("read rotations: %w", err)
	}
	return out, nil
}

// OnDutyAt returns every active responder on duty at t (by shift, rotation
// turn or always, after overrides: see hotline.DutyRoster.OnDutyAt),
// ordered by county, role, name.
func (db *DB) OnDutyAt(ctx context.Context, t time.Time) ([]hotline.Responder, error) {
	return onDutyAt(ctx, db.pool, t)
}

func onDutyAt(ctx context.Context, q querier, t time.Time) ([]hotline.Responder, error) {
	dr, err := loadDutyRoster(ctx, q, t)
	if err != nil {
		return nil, fmt.Errorf("on duty at %s: %w", t.Format(time.RFC3339), err)
	}
	return dr.OnDutyAt(t), nil
}

// FindResponder returns the responder identified by (name, role, county),
// active or not, or hotline.ErrNotFound. county is an ISO code, "" for a
// national role.
func (db *DB) FindResponder(ctx context.Context, name string, role hotline.Role, county string) (hotline.Responder, error) {
	r, err := scanResponder(db.pool.QueryRow(ctx, `SELECT `+responderColumns+` FROM responders r
		WHERE r.name = $1 AND r.role = $2 AND r.county = $3`, name, string(role), county))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("responder %q (%s %s): %w", name, role, county, hotline.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("find responder %q: %w", name, err)
	}
	return r, nil
}

// Rotations returns every weekly rotation, by county, role, name.
func (db *DB) Rotations(ctx context.Context) ([]hotline.Rotation, error) {
	return rotations(ctx, db.pool)
}

// AddRotation stores a weekly rotation (ID ignored) and returns its id.
// Every member must be an active responder of the rotation's role and
// county, named once (hotline.ErrInvalid); a rotation of that name must not
// exist (hotline.ErrConflict).
func (db *DB) AddRotation(ctx context.Context, rot hotline.Rotation, now time.Time) (int64, error) {
	return db.addRotation(ctx, rot, "cli", now, anyCounty)
}

// dutyScope decides, inside an edit's transaction, whether the editor may
// change the duty roster of a county ("" for national roles); it returns
// hotline.ErrUnauthorized when not.
type dutyScope func(county string) error

// anyCounty is the command line's scope: every county.
func anyCounty(string) error { return nil }

func (db *DB) addRotation(ctx context.Context, rot hotline.Rotation, actor string, now time.Time, scope dutyScope) (int64, error) {
	if err := scope(rot.County); err != nil {
		return 0, err
	}
	if len(rot.Members) == 0 {
		return 0, fmt.Errorf("rotation %q has no members: %w", rot.Name, hotline.ErrInvalid)
	}
	var id int64
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		y, m, d := rot.FirstHandover.Date()
		err := tx.QueryRow(ctx, `INSERT INTO rotations (name, role, county, first_handover, handover_minute, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, rot.Name, string(rot.Role), rot.County,
			time.Date(y, m, d, 0, 0, 0, 0, time.UTC), rot.HandoverMinute, now).Scan(&id)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
			return fmt.Errorf("rotation %q exists: %w", rot.Name, hotline.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("add rotation %q: %w", rot.Name, err)
		}
		seen := map[int64]bool{}
		for i, member := range rot.Members {
			if seen[member] {
				return fmt.Errorf("rotation %q names responder %d twice: %w", rot.Name, member, hotline.ErrInvalid)
			}
			seen[member] = true
			if err := sameDuty(ctx, tx, member, rot.Role, rot.County); err != nil {
				return fmt.Errorf("rotation %q: %w", rot.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO rotation_members (rotation_id, position, responder_id) VALUES ($1, $2, $3)`,
				id, i, member); err != nil {
				return fmt.Errorf("add member to rotation %q: %w", rot.Name, err)
			}
		}
		return audit(ctx, tx, now, actor, "rotation_add", 0, map[string]any{"rotation": rot.Name, "county": rot.County,
			"role": rot.Role, "members": rot.Members, "handover": rot.Handover(0)})
	})
	return id, err
}

// sameDuty checks that responder id is active and has role and county, or
// returns hotline.ErrInvalid.
func sameDuty(ctx context.Context, tx pgx.Tx, id int64, role hotline.Role, county string) error {
	r, err := scanResponder(tx.QueryRow(ctx, `SELECT `+responderColumns+` FROM responders r WHERE r.id = $1`, id))
	if err != nil {
		return fmt.Errorf("responder %d: %w", id, err)
	}
	switch {
	case !r.Active:
		return fmt.Errorf("%s is deactivated: %w", r.Name, hotline.ErrInvalid)
	case r.Role != role || r.County != county:
		return fmt.Errorf("%s is %s %s, not %s %s: %w", r.Name, r.Role, r.County, role, county, hotline.ErrInvalid)
	}
	return nil
}

// RemoveRotation deletes the rotation of this name (its members' duty is
// then decided by their shifts, or always when they have none), or returns
// hotline.ErrNotFound.
func (db *DB) RemoveRotation(ctx context.Context, name string, now time.Time) error {
	return db.removeRotation(ctx, "name", name, "cli", now, anyCounty)
}

// removeRotation deletes the rotation whose column key ("name" or "id")
// is value, audited as actor, if scope allows its county.
func (db *DB) removeRotation(ctx context.Context, key string, value any, actor string, now time.Time, scope dutyScope) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		var name, county string
		err := tx.QueryRow(ctx, `SELECT id, name, county FROM rotations WHERE `+key+` = $1 FOR UPDATE`, value).Scan(&id, &name, &county)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("rotation %v: %w", value, hotline.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("remove rotation %v: %w", value, err)
		}
		if err := scope(county); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM rotations WHERE id = $1`, id); err != nil {
			return fmt.Errorf("remove rotation %q: %w", name, err)
		}
		return audit(ctx, tx, now, actor, "rotation_remove", 0, map[string]any{"rotation": name, "county": county})
	})
}

// AddOverride stores an override (ID ignored) and returns its id. Both
// responders must be active, of the same role and county, and different
// (hotline.ErrInvalid).
func (db *DB) AddOverride(ctx context.Context, o hotline.Override, now time.Time) (int64, error) {
	return db.addOverride(ctx, o, "cli", now, anyCounty)
}

func (db *DB) addOverride(ctx context.Context, o hotline.Override, actor string, now time.Time, scope dutyScope) (int64, error) {
	if !o.End.After(o.Start) {
		return 0, fmt.Errorf("override must end after it starts: %w", hotline.ErrInvalid)
	}
	if o.CoveringID == o.CoveredID {
		return 0, fmt.Errorf("a responder cannot cover for themselves: %w", hotline.ErrInvalid)
	}
	var id int64
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		covered, err := scanResponder(tx.QueryRow(ctx, `SELECT `+responderColumns+` FROM responders r WHERE r.id = $1`, o.CoveredID))
		if err != nil {
			return fmt.Errorf("covered responder %d: %w", o.CoveredID, err)
		}
		if err := scope(covered.County); err != nil {
			return err
		}
		if err := sameDuty(ctx, tx, o.CoveringID, covered.Role, covered.County); err != nil {
			return fmt.Errorf("override for %s: %w", covered.Name, err)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO duty_overrides (covering_responder_id, covered_responder_id, starts_at, ends_at, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, o.CoveringID, o.CoveredID, o.Start, o.End, now).Scan(&id); err != nil {
			return fmt.Errorf("add override: %w", err)
		}
		return audit(ctx, tx, now, actor, "override_add", 0, map[string]any{"override": id, "county": covered.County,
			"covering": o.CoveringID, "covered": o.CoveredID, "from": o.Start, "to": o.End})
	})
	return id, err
}

// Overrides returns the overrides not cancelled that end after from, by
// start.
func (db *DB) Overrides(ctx context.Context, from time.Time) ([]hotline.Override, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+overrideColumns+` FROM duty_overrides
		WHERE cancelled_at IS NULL AND ends_at > $1 ORDER BY starts_at, id`, from)
	if err != nil {
		return nil, fmt.Errorf("list overrides: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanOverride)
	if err != nil {
		return nil, fmt.Errorf("list overrides: %w", err)
	}
	return out, nil
}

// CancelOverride cancels override id, or returns hotline.ErrNotFound when
// there is no such override not already cancelled.
func (db *DB) CancelOverride(ctx context.Context, id int64, now time.Time) error {
	return db.cancelOverride(ctx, id, "cli", now, anyCounty)
}

func (db *DB) cancelOverride(ctx context.Context, id int64, actor string, now time.Time, scope dutyScope) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		var county string
		err := tx.QueryRow(ctx, `SELECT r.county FROM duty_overrides o JOIN responders r ON r.id = o.covered_responder_id
			WHERE o.id = $1 AND o.cancelled_at IS NULL FOR UPDATE OF o`, id).Scan(&county)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("override %d: %w", id, hotline.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("cancel override %d: %w", id, err)
		}
		if err := scope(county); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE duty_overrides SET cancelled_at = $2 WHERE id = $1`, id, now); err != nil {
			return fmt.Errorf("cancel override %d: %w", id, err)
		}
		return audit(ctx, tx, now, actor, "override_cancel", 0, map[string]any{"override": id, "county": county})
	})
}

// DeactivateResult says what DeactivateResponder did.
type DeactivateResult struct {
	AlreadyInactive bool
	// StoppedMessages counts the queued alerts to the responder that will
	// now never be sent.
	StoppedMessages int
}

// DeactivateResponder deactivates responder id at once, in one
// transaction: no longer on duty (so no new alerts), queued messages to them
// failed, Telegram chat unlinked, unused link codes voided, deactivated_at
// set (the console ends their sessions on it), audited as actor. Doing it
// twice is harmless.
func (db *DB) DeactivateResponder(ctx context.Context, id int64, actor string, now time.Time) (DeactivateResult, error) {
	var res DeactivateResult
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		res = DeactivateResult{}
		var active bool
		if err := tx.QueryRow(ctx, `SELECT active FROM responders WHERE id = $1 FOR UPDATE`, id).Scan(&active); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("responder %d: %w", id, hotline.ErrNotFound)
			}
			return fmt.Errorf("deactivate responder %d: %w", id, err)
		}
		res.AlreadyInactive = !active
		if _, err := tx.Exec(ctx, `UPDATE responders SET active = false, telegram_chat_id = NULL,
			deactivated_at = COALESCE(deactivated_at, $2) WHERE id = $1`, id, now); err != nil {
			return fmt.Errorf("deactivate responder %d: %w", id, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE telegram_link_codes SET voided_at = $2
			WHERE responder_id = $1 AND used_at IS NULL AND voided_at IS NULL`, id, now); err != nil {
			return fmt.Errorf("void link codes of responder %d: %w", id, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM responder_phone_claims WHERE responder_id = $1`, id); err != nil {
			return fmt.Errorf("void phone codes of responder %d: %w", id, err)
		}
		tag, err := tx.Exec(ctx, `UPDATE outbox SET state = 'failed', error = 'responder deactivated', lease_until = NULL
			WHERE responder_id = $1 AND state = 'pending'`, id)
		if err != nil {
			return fmt.Errorf("stop messages to responder %d: %w", id, err)
		}
		res.StoppedMessages = int(tag.RowsAffected())
		return audit(ctx, tx, now, actor, "responder_deactivate", 0, map[string]any{"responder": id, "stopped_messages": res.StoppedMessages})
	})
	return res, err
}
