package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// RosterLine is one active responder as the roster page shows them.
type RosterLine struct {
	ID          int64
	Name        string
	Role        hotline.Role
	County      string
	OnDutyNow   bool       // on duty now, by shift, rotation turn or always, after overrides
	NextShift   *time.Time // when next on duty within eight days, when not now
	HasTelegram bool
	HasPhone    bool
	// Broken is true when the latest message sent to them failed for good
	// (blocked bot, bad number…): someone should fix their contact.
	Broken bool
}

// Roster lists the active responders the viewer may see (hotline.ActionRoster:
// their county and the national roles, or everyone for national roles), by
// county, role and name, with who is on duty at now and when next.
func (db *DB) Roster(ctx context.Context, v hotline.Viewer, now time.Time) ([]RosterLine, error) {
	g := hotline.Access(v, hotline.ActionRoster)
	if !g.Allowed {
		return nil, fmt.Errorf("roster: %w", hotline.ErrUnauthorized)
	}
	rows, err := db.pool.Query(ctx, `SELECT r.id, r.name, r.role, r.county,
		false, NULL::timestamptz, -- on duty now and next: rosterDuty, the rule routing uses
		r.telegram_chat_id IS NOT NULL, r.phone IS NOT NULL,
		COALESCE((SELECT o.state = 'failed' FROM outbox o WHERE o.responder_id = r.id AND o.state IN ('sent', 'delivered', 'failed')
			ORDER BY o.id DESC LIMIT 1), false)
		FROM responders r WHERE r.active AND ($1 = '' OR r.county IN ($1, ''))
		ORDER BY r.county, r.role, r.name`, g.County)
	if err != nil {
		return nil, fmt.Errorf("roster: %w", err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowToStructByPos[RosterLine])
	if err != nil {
		return nil, fmt.Errorf("roster: %w", err)
	}
	return lines, rosterDuty(ctx, db.pool, lines, now)
}

// AuditQuery searches the audit log; empty fields do not filter.
type AuditQuery struct {
	Actor  string // "responder:12", "cli", "system"
	Action string
	Code   string // a tip's reference code
	From   time.Time
	To     time.Time // exclusive
}

// AuditEntry is one row of the audit log, with the actor's name when a
// responder and the tip's reference code.
type AuditEntry struct {
	At            time.Time
	Actor         string
	ActorName     string
	Action        string
	ReferenceCode string
	Detail        string
}

// AuditLog returns up to limit rows of the audit log matching q, newest
// first, for a viewer allowed hotline.ActionAudit (the national desk), and
// audits the search itself.
func (db *DB) AuditLog(ctx context.Context, v hotline.Viewer, q AuditQuery, limit int, now time.Time) ([]AuditEntry, error) {
	if !hotline.Access(v, hotline.ActionAudit).Allowed {
		return nil, fmt.Errorf("audit log: %w", hotline.ErrUnauthorized)
	}
	var out []AuditEntry
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT a.at, a.actor, COALESCE(r.name, ''), a.action, COALESCE(t.reference_code, ''), a.detail::text
			FROM audit_log a LEFT JOIN tips t ON t.id = a.tip_id LEFT JOIN responders r ON a.actor = 'responder:' || r.id
			WHERE ($1 = '' OR a.actor = $1) AND ($2 = '' OR a.action = $2) AND ($3 = '' OR t.reference_code = $3)
			AND ($4::timestamptz IS NULL OR a.at >= $4) AND ($5::timestamptz IS NULL OR a.at < $5)
			ORDER BY a.at DESC, a.id DESC LIMIT $6`, q.Actor, q.Action, q.Code, nullTime(q.From), nullTime(q.To), limit)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[AuditEntry]); err != nil {
			return err
		}
		search, _ := json.Marshal(q)
		return audit(ctx, tx, now, ResponderActor(v.ResponderID), "audit_search", 0, map[string]any{"query": string(search)})
	})
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return out, nil
}
