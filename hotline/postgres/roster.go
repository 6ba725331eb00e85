package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// ImportRoster makes the responders of entries exactly as the file says
// (contacts, shifts, active), in one transaction; responders absent from
// the file are left alone unless replace, which deactivates them. Importing
// the same entries twice changes nothing.
func (db *DB) ImportRoster(ctx context.Context, entries []hotline.RosterEntry, replace bool) (hotline.RosterSummary, error) {
	type responder struct {
		first  hotline.RosterEntry
		always bool
		shifts []hotline.Shift
	}
	byKey := map[string]*responder{}
	var order []string
	for _, e := range entries {
		r, ok := byKey[e.Key()]
		if !ok {
			r = &responder{first: e}
			byKey[e.Key()] = r
			order = append(order, e.Key())
		}
		if e.Shift == nil {
			r.always = true
		} else {
			r.shifts = append(r.shifts, *e.Shift)
		}
	}
	var sum hotline.RosterSummary
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		sum = hotline.RosterSummary{}
		keep := make([]int64, 0, len(order))
		for _, k := range order {
			r := byKey[k]
			e := r.first
			sort.Slice(r.shifts, func(i, j int) bool { return r.shifts[i].Start.Before(r.shifts[j].Start) })
			var chat *int64
			if e.TelegramChatID != 0 {
				chat = &e.TelegramChatID
			}
			var phone *string
			if e.Phone != "" {
				phone = &e.Phone
			}
			var id int64
			var oldChat *int64
			var oldPhone *string
			var oldAlways, oldActive bool
			err := tx.QueryRow(ctx, `SELECT id, telegram_chat_id, phone, always_on_duty, active FROM responders
				WHERE name = $1 AND role = $2 AND county = $3 FOR UPDATE`, e.Name, string(e.Role), e.County).
				Scan(&id, &oldChat, &oldPhone, &oldAlways, &oldActive)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				if err := tx.QueryRow(ctx, `INSERT INTO responders (name, role, county, telegram_chat_id, phone, always_on_duty)
					VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, e.Name, string(e.Role), e.County, chat, phone, r.always).Scan(&id); err != nil {
					return fmt.Errorf("line %d: add responder: %w", e.Line, err)
				}
				sum.Added++
			case err != nil:
				return fmt.Errorf("line %d: find responder: %w", e.Line, err)
			default:
				oldShifts, err := shiftsOf(ctx, tx, id)
				if err != nil {
					return err
				}
				if eqInt(oldChat, chat) && eqStr(oldPhone, phone) && oldAlways == r.always && oldActive && equalShifts(oldShifts, r.shifts) {
					sum.Unchanged++
					keep = append(keep, id)
					continue
				}
				if _, err := tx.Exec(ctx, `UPDATE responders SET telegram_chat_id = $2, phone = $3, always_on_duty = $4, active = true, deactivated_at = NULL,
					telegram_broken_at = CASE WHEN telegram_chat_id IS DISTINCT FROM $2 THEN NULL ELSE telegram_broken_at END,
					phone_broken_at = CASE WHEN phone IS DISTINCT FROM $3 THEN NULL ELSE phone_broken_at END
					WHERE id = $1`,
					id, chat, phone, r.always); err != nil {
					return fmt.Errorf("line %d: update responder: %w", e.Line, err)
				}
				if _, err := tx.Exec(ctx, `DELETE FROM shifts WHERE responder_id = $1`, id); err != nil {
					return fmt.Errorf("line %d: replace shifts: %w", e.Line, err)
				}
				sum.Updated++
			}
			keep = append(keep, id)
			for _, s := range r.shifts {
				if _, err := tx.Exec(ctx, `INSERT INTO shifts (responder_id, starts_at, ends_at) VALUES ($1, $2, $3)`, id, s.Start, s.End); err != nil {
					return fmt.Errorf("line %d: add shift: %w", e.Line, err)
				}
			}
		}
		if replace {
			tag, err := tx.Exec(ctx, `UPDATE responders SET active = false, deactivated_at = now() WHERE active AND NOT (id = ANY($1))`, keep)
			if err != nil {
				return fmt.Errorf("deactivate absent responders: %w", err)
			}
			sum.Deactivated = int(tag.RowsAffected())
		}
		return nil
	})
	return sum, err
}

func shiftsOf(ctx context.Context, tx pgx.Tx, id int64) ([]hotline.Shift, error) {
	rows, err := tx.Query(ctx, `SELECT starts_at, ends_at FROM shifts WHERE responder_id = $1 ORDER BY starts_at, ends_at`, id)
	if err != nil {
		return nil, fmt.Errorf("read shifts: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (hotline.Shift, error) {
		var s hotline.Shift
		err := r.Scan(&s.Start, &s.End)
		return s, err
	})
}

func equalShifts(a, b []hotline.Shift) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Start.Equal(b[i].Start) || !a[i].End.Equal(b[i].End) {
			return false
		}
	}
	return true
}

func eqInt(a, b *int64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }
func eqStr(a, b *string) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// responderColumns reads a responder; a contact method marked broken
// (MarkContactBroken) reads as absent, so alerts use the other one.
const responderColumns = `r.id, r.name, r.role, r.county,
	CASE WHEN r.telegram_broken_at IS NULL THEN COALESCE(r.telegram_chat_id, 0) ELSE 0 END,
	CASE WHEN r.phone_broken_at IS NULL THEN COALESCE(r.phone, '') ELSE '' END, r.active`

func scanResponder(row pgx.Row) (hotline.Responder, error) {
	var r hotline.Responder
	var role string
	err := row.Scan(&r.ID, &r.Name, &role, &r.County, &r.TelegramChatID, &r.Phone, &r.Active)
	r.Role = hotline.Role(role)
	return r, err
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// OnDutyFunc turns a list of on-duty responders into hotline.OnDuty.
func OnDutyFunc(rs []hotline.Responder) hotline.OnDuty {
	return func(role hotline.Role, county string) []hotline.Responder {
		var out []hotline.Responder
		for _, r := range rs {
			if r.Role == role && (role.National() || r.County == county) {
				out = append(out, r)
			}
		}
		return out
	}
}

// ResponderByTelegramChat returns the active responder linked to a Telegram
// chat, or hotline.ErrNotFound.
func (db *DB) ResponderByTelegramChat(ctx context.Context, chatID int64) (hotline.Responder, error) {
	r, err := scanResponder(db.pool.QueryRow(ctx, `SELECT `+responderColumns+` FROM responders r
		WHERE r.active AND r.telegram_chat_id = $1 ORDER BY r.id LIMIT 1`, chatID))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("responder with telegram chat: %w", hotline.ErrNotFound)
	}
	return r, err
}

// ResponderByPhone returns the active responder with this E.164 phone, or
// hotline.ErrNotFound.
func (db *DB) ResponderByPhone(ctx context.Context, phone string) (hotline.Responder, error) {
	r, err := scanResponder(db.pool.QueryRow(ctx, `SELECT `+responderColumns+` FROM responders r
		WHERE r.active AND r.phone = $1 ORDER BY r.id LIMIT 1`, phone))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("responder with phone: %w", hotline.ErrNotFound)
	}
	return r, err
}

// Responders returns every responder, active or not, by county, role, name.
func (db *DB) Responders(ctx context.Context) ([]hotline.Responder, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+responderColumns+` FROM responders r ORDER BY r.county, r.role, r.name`)
	if err != nil {
		return nil, fmt.Errorf("list responders: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (hotline.Responder, error) { return scanResponder(r) })
}
