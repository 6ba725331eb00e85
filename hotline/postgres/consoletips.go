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

// scopeClause turns a grant into a WHERE condition on tips aliased t,
// appending its arguments to args. A grant that allows nothing gives
// hotline.ErrUnauthorized: no query runs.
func scopeClause(g hotline.Grant, args *[]any) (string, error) {
	if !g.Allowed {
		return "", hotline.ErrUnauthorized
	}
	conds := []string{"true"}
	if g.County != "" {
		*args = append(*args, g.County)
		conds = append(conds, fmt.Sprintf("t.county = $%d", len(*args)))
	}
	switch g.Complicity {
	case hotline.WithoutComplicity:
		conds = append(conds, "NOT t.official_complicity")
	case hotline.OnlyComplicity:
		conds = append(conds, "t.official_complicity")
	}
	return strings.Join(conds, " AND "), nil
}

// QueueFilter narrows the console's queue; empty fields do not filter.
type QueueFilter struct {
	County       string // ISO 3166-2:AL code
	Municipality string
	Intake       string
	Exploitation string
	Child        string // "yes", "no" or ""
	Level        string
}

// QueueTip is a tip as the queue lists it: never reporter contact.
type QueueTip struct {
	ID             int64
	ReferenceCode  string
	Level          hotline.Level
	Status         hotline.TipStatus
	Channel        hotline.Channel
	County         string
	Municipality   string
	Intake         string
	Complicity     bool // tips.official_complicity: decides who may see the tip, whatever the intake
	Exploitation   []string
	Child          bool
	CreatedAt      time.Time
	AcknowledgedAt *time.Time
	Owner          string
}

// municipality is the tip's municipality: set by hand, else as triage found it.
const municipality = `COALESCE(NULLIF(t.municipality, ''), t.classification->>'municipality', '')`

const queueColumns = `t.id, t.reference_code, t.level, t.status, t.channel, t.county, ` + municipality + `, t.intake,
	COALESCE(t.classification->'exploitation', '[]'::jsonb), COALESCE((t.classification->>'child')::bool, false),
	t.created_at, t.acknowledged_at, COALESCE((SELECT name FROM responders o WHERE o.id = t.owner_responder_id), ''),
	t.official_complicity`

func scanQueueTip(r pgx.Row) (QueueTip, error) {
	var q QueueTip
	var level, status, channel string
	var forms []byte
	err := r.Scan(&q.ID, &q.ReferenceCode, &level, &status, &channel, &q.County, &q.Municipality, &q.Intake,
		&forms, &q.Child, &q.CreatedAt, &q.AcknowledgedAt, &q.Owner, &q.Complicity)
	if err != nil {
		return q, err
	}
	q.Level, q.Status, q.Channel = hotline.Level(level), hotline.TipStatus(status), hotline.Channel(channel)
	err = json.Unmarshal(forms, &q.Exploitation)
	return q, err
}

// Queue returns the active (open or acknowledged) tips the viewer may list,
// filtered, most urgent level first and oldest first within a level, at
// most limit. A viewer who may not list gets hotline.ErrUnauthorized.
func (db *DB) Queue(ctx context.Context, v hotline.Viewer, f QueueFilter, limit int) ([]QueueTip, error) {
	var args []any
	where, err := scopeClause(hotline.Access(v, hotline.ActionList), &args)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	add := func(cond string, val any) {
		args = append(args, val)
		where += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.County != "" {
		add("t.county = $%d", f.County)
	}
	if f.Municipality != "" {
		add(municipality+" = $%d", f.Municipality)
	}
	if f.Intake != "" {
		add("t.intake = $%d", f.Intake)
	}
	if f.Level != "" {
		add("t.level = $%d", f.Level)
	}
	if f.Exploitation != "" {
		add("t.classification->'exploitation' ? $%d", f.Exploitation)
	}
	if f.Child == "yes" || f.Child == "no" {
		add("COALESCE((t.classification->>'child')::bool, false) = $%d", f.Child == "yes")
	}
	args = append(args, limit)
	rows, err := db.pool.Query(ctx, `SELECT `+queueColumns+` FROM tips t WHERE t.status IN ('open', 'acknowledged') AND `+where+
		fmt.Sprintf(` ORDER BY t.level, t.created_at, t.id LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (QueueTip, error) { return scanQueueTip(r) })
}

// QueueVersion is a fingerprint of the active tips the viewer may list
// (count, latest change): the live-update stream sends an event when it
// changes.
func (db *DB) QueueVersion(ctx context.Context, v hotline.Viewer) (string, error) {
	var args []any
	where, err := scopeClause(hotline.Access(v, hotline.ActionList), &args)
	if err != nil {
		return "", fmt.Errorf("queue version: %w", err)
	}
	var n int64
	var last *time.Time
	if err := db.pool.QueryRow(ctx, `SELECT count(*), max(t.updated_at) FROM tips t WHERE t.status IN ('open', 'acknowledged') AND `+where, args...).
		Scan(&n, &last); err != nil {
		return "", fmt.Errorf("queue version: %w", err)
	}
	s := fmt.Sprint(n)
	if last != nil {
		s += "-" + last.UTC().Format(time.RFC3339Nano)
	}
	return s, nil
}

// tipInScope finds the tip with this code, locked, when the viewer's grant
// for action covers it. A tip out of scope is reported as
// hotline.ErrNotFound, like a tip that does not exist: nobody learns that a
// tip of another county exists. A tip the viewer may see but not act on
// this way gives hotline.ErrUnauthorized (403).
func tipInScope(ctx context.Context, tx pgx.Tx, v hotline.Viewer, action hotline.Action, code string) (int64, hotline.TipStatus, error) {
	g, view := hotline.Access(v, action), hotline.Access(v, hotline.ActionView)
	if !g.Allowed && !view.Allowed {
		return 0, "", hotline.ErrUnauthorized
	}
	var id int64
	var status, county string
	var complicity bool
	err := tx.QueryRow(ctx, `SELECT id, status, county, official_complicity FROM tips WHERE reference_code = $1 FOR UPDATE`, code).
		Scan(&id, &status, &county, &complicity)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && !g.Covers(county, complicity) && !view.Covers(county, complicity) {
		return 0, "", fmt.Errorf("tip %s: %w", code, hotline.ErrNotFound)
	}
	if err != nil {
		return 0, "", fmt.Errorf("tip %s: %w", code, err)
	}
	if !g.Covers(county, complicity) { // a tip the viewer sees but may not act on this way
		return 0, "", fmt.Errorf("%s tip %s: %w", action, code, hotline.ErrUnauthorized)
	}
	return id, hotline.TipStatus(status), nil
}

// TranscriptItem is one message of a tip's transcript. Media items are
// listed by kind and type only; the reporter's contact never appears.
type TranscriptItem struct {
	Direction string // in (reporter) or out (relayed by a responder)
	Kind      string
	Body      string
	Media     []hotline.Media
	Responder string // the responder who wrote an outgoing message
	// OtherPerson is true for an incoming message from someone other than
	// the tip's reporter (they wrote its code).
	OtherPerson bool
	At          time.Time
}

// TimelineItem is one alert, escalation, acknowledgement or audited change.
type TimelineItem struct {
	At     time.Time
	What   string // alert, escalation, acknowledge, close, view, …
	Who    string // responder name and role, or the actor
	Detail string // channel and delivery state, outcome…
}

// Note is a responder's note on a tip.
type Note struct {
	Author string
	Body   string
	At     time.Time
}

// TipDetail is a tip as the console's tip page shows it.
type TipDetail struct {
	QueueTip
	Classification hotline.Classification
	Outcome        string
	NRMReference   string
	ClosedAt       *time.Time
	OwnerID        int64
	Transcript     []TranscriptItem
	Timeline       []TimelineItem
	Notes          []Note
	Persons        []hotline.Person
}

// ConsoleTip returns the tip with this code when the viewer may view it,
// and audits the view. Out of scope or unknown: hotline.ErrNotFound.
func (db *DB) ConsoleTip(ctx context.Context, v hotline.Viewer, code string, now time.Time) (TipDetail, error) {
	var d TipDetail
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		id, _, err := tipInScope(ctx, tx, v, hotline.ActionView, code)
		if err != nil {
			return err
		}
		if d.QueueTip, err = scanQueueTip(tx.QueryRow(ctx, `SELECT `+queueColumns+` FROM tips t WHERE t.id = $1`, id)); err != nil {
			return err
		}
		var cj []byte
		var owner *int64
		if err := tx.QueryRow(ctx, `SELECT classification, outcome, nrm_reference, closed_at, owner_responder_id FROM tips WHERE id = $1`, id).
			Scan(&cj, &d.Outcome, &d.NRMReference, &d.ClosedAt, &owner); err != nil {
			return err
		}
		if owner != nil {
			d.OwnerID = *owner
		}
		if err := json.Unmarshal(cj, &d.Classification); err != nil {
			return fmt.Errorf("classification: %w", err)
		}
		d.Classification = d.Classification.Normalized()
		if d.Transcript, err = transcript(ctx, tx, id); err != nil {
			return err
		}
		if d.Timeline, err = timeline(ctx, tx, id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT r.name, n.body, n.created_at FROM tip_notes n JOIN responders r ON r.id = n.responder_id WHERE n.tip_id = $1 ORDER BY n.id`, id)
		if err != nil {
			return err
		}
		if d.Notes, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Note]); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT p.id, p.sex, p.age_group, p.nationality, p.status, p.exploitation, r.name, p.created_at
			FROM tip_persons p JOIN responders r ON r.id = p.recorded_by WHERE p.tip_id = $1 ORDER BY p.id`, id)
		if err != nil {
			return err
		}
		if d.Persons, err = pgx.CollectRows(rows, pgx.RowToStructByPos[hotline.Person]); err != nil {
			return err
		}
		return audit(ctx, tx, now, ResponderActor(v.ResponderID), "view", id, nil)
	})
	if err != nil {
		return TipDetail{}, fmt.Errorf("console tip %s: %w", code, err)
	}
	return d, nil
}

func transcript(ctx context.Context, tx pgx.Tx, tipID int64) ([]TranscriptItem, error) {
	rows, err := tx.Query(ctx, `SELECT m.direction, m.kind, m.body, m.media, COALESCE(r.name, ''), m.received_at,
			m.direction = 'in' AND m.reporter_id IS DISTINCT FROM t.reporter_id
		FROM messages m JOIN tips t ON t.id = m.tip_id LEFT JOIN responders r ON r.id = m.responder_id WHERE m.tip_id = $1 ORDER BY m.id`, tipID)
	if err != nil {
		return nil, fmt.Errorf("transcript: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (TranscriptItem, error) {
		var it TranscriptItem
		var media []byte
		if err := r.Scan(&it.Direction, &it.Kind, &it.Body, &media, &it.Responder, &it.At, &it.OtherPerson); err != nil {
			return it, err
		}
		err := json.Unmarshal(media, &it.Media)
		for i := range it.Media {
			it.Media[i].URL, it.Media[i].FileID = "", "" // where the channel keeps it is not for the page
		}
		return it, err
	})
}

// timeline merges the tip's alerts (with delivery state), acknowledgements
// and audited changes, oldest first. Views are left out (they are in the
// audit log).
func timeline(ctx context.Context, tx pgx.Tx, tipID int64) ([]TimelineItem, error) {
	rows, err := tx.Query(ctx, `
		SELECT o.created_at, o.kind, r.name || ' (' || r.role || ')', o.channel || ' · ' || o.state
			FROM outbox o JOIN responders r ON r.id = o.responder_id
			WHERE o.tip_id = $1 AND o.kind IN ('alert', 'escalation')
		UNION ALL
		SELECT a.at, a.action, COALESCE((SELECT r.name || ' (' || r.role || ')' FROM responders r
				WHERE a.actor = 'responder:' || r.id), a.actor),
			COALESCE(a.detail->>'outcome', a.detail->>'channel', a.detail->>'reference', '')
			FROM audit_log a WHERE a.tip_id = $1 AND a.action <> 'view'
		ORDER BY 1, 2`, tipID)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[TimelineItem])
}

// UnacknowledgedP1 returns the oldest open (unacknowledged) P1 tip the
// viewer may list, whatever the queue's filters, and how many there are;
// ok is false when there is none.
func (db *DB) UnacknowledgedP1(ctx context.Context, v hotline.Viewer) (oldest QueueTip, count int, ok bool, err error) {
	var args []any
	where, err := scopeClause(hotline.Access(v, hotline.ActionList), &args)
	if err != nil {
		return oldest, 0, false, fmt.Errorf("unacknowledged P1: %w", err)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+queueColumns+`, count(*) OVER () FROM tips t
		WHERE t.status = 'open' AND t.level = 'P1' AND `+where+` ORDER BY t.created_at, t.id LIMIT 1`, args...)
	if err != nil {
		return oldest, 0, false, fmt.Errorf("unacknowledged P1: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		var n int64
		var level, status, channel string
		var forms []byte
		if err := rows.Scan(&oldest.ID, &oldest.ReferenceCode, &level, &status, &channel, &oldest.County, &oldest.Municipality,
			&oldest.Intake, &forms, &oldest.Child, &oldest.CreatedAt, &oldest.AcknowledgedAt, &oldest.Owner, &oldest.Complicity, &n); err != nil {
			return oldest, 0, false, fmt.Errorf("unacknowledged P1: %w", err)
		}
		oldest.Level, oldest.Status, oldest.Channel = hotline.Level(level), hotline.TipStatus(status), hotline.Channel(channel)
		return oldest, int(n), true, nil
	}
	return oldest, 0, false, rows.Err()
}
