package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// mayAct reports whether responder r may do action on the tip: they were
// alerted about it (an alert or escalation in the outbox to them), or the
// console's access rule hotline.Access lets their role and county do action
// on a tip of its county and intake. It is the one check behind every
// responder command about a tip (acknowledge, escalate, reply, close,
// reassign); callers answer a refusal exactly like an unknown code
// (hotline.ErrNotFound), so nobody learns a code exists.
func mayAct(ctx context.Context, q querier, r hotline.Responder, tipID int64, action hotline.Action) (bool, error) {
	var alerted bool
	var county string
	var complicity bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM outbox o WHERE o.tip_id = t.id AND o.responder_id = $2 AND o.kind IN ('alert', 'escalation')),
		t.county, t.official_complicity
		FROM tips t WHERE t.id = $1`, tipID, r.ID).Scan(&alerted, &county, &complicity)
	if err != nil {
		return false, fmt.Errorf("may responder %d act on tip %d: %w", r.ID, tipID, err)
	}
	if alerted {
		return true, nil
	}
	viewer := hotline.Viewer{ResponderID: r.ID, Name: r.Name, Role: r.Role, County: r.County}
	return hotline.Access(viewer, action).Covers(county, complicity), nil
}

// refuseUnlessMayAct returns hotline.ErrNotFound, worded like an unknown
// code, when responder r may not do action on the tip (see mayAct).
func refuseUnlessMayAct(ctx context.Context, q querier, r hotline.Responder, tipID int64, code string, action hotline.Action) error {
	ok, err := mayAct(ctx, q, r, tipID, action)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("tip %s: %w", code, hotline.ErrNotFound)
	}
	return nil
}

func tipByCode(ctx context.Context, q querier, code string, lock bool) (hotline.ActionResult, error) {
	var res hotline.ActionResult
	var status, level string
	query := `SELECT id, status, level, county FROM tips WHERE reference_code = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	err := q.QueryRow(ctx, query, code).Scan(&res.TipID, &status, &level, &res.County)
	if errors.Is(err, pgx.ErrNoRows) {
		return res, fmt.Errorf("tip %s: %w", code, hotline.ErrNotFound)
	}
	if err != nil {
		return res, fmt.Errorf("tip %s: %w", code, err)
	}
	res.Status, res.Level = hotline.TipStatus(status), hotline.Level(level)
	return res, nil
}

// ResponderCloseTip closes the tip with this code with outcome on behalf of
// responder r (DB.CloseTip, audited as "responder:<id>"). Unknown codes
// and a responder who may not act on the tip (mayAct) return
// hotline.ErrNotFound alike; closing a tip no longer active changes nothing
// (Done false).
func (db *DB) ResponderCloseTip(ctx context.Context, r hotline.Responder, code string, outcome hotline.Outcome, now time.Time) (hotline.ActionResult, error) {
	res, err := tipByCode(ctx, db.pool, code, false)
	if err != nil {
		return res, err
	}
	if err := refuseUnlessMayAct(ctx, db.pool, r, res.TipID, code, hotline.ActionClose); err != nil {
		return hotline.ActionResult{}, err
	}
	if !res.Status.Active() {
		return res, nil // a late close changes nothing
	}
	cr, err := db.CloseTip(ctx, ResponderActor(r.ID), code, outcome, now)
	if err != nil {
		return res, err
	}
	res.Done, res.Status = cr.Closed, cr.Status
	return res, nil
}

// ReassignTip moves the active tip with this code to county (ISO code) on
// behalf of responder r, in one transaction: county and classification
// changed (and marked corrected by hand, so reclassification keeps it), the
// municipality cleared, the tip marked for routing again so the new county's
// on-duty responders are alerted; an unacknowledged tip starts its
// escalation afresh there, an acknowledged one stays acknowledged. Audited.
// A tip no longer active, or already in county, is left alone (Done
// false). Errors as ResponderCloseTip.
func (db *DB) ReassignTip(ctx context.Context, r hotline.Responder, code, county string, now time.Time) (hotline.ActionResult, error) {
	if _, err := hotline.CountyByCode(county); err != nil {
		return hotline.ActionResult{}, fmt.Errorf("reassign %s: %w", code, hotline.ErrInvalid)
	}
	var res hotline.ActionResult
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if res, err = tipByCode(ctx, tx, code, true); err != nil {
			return err
		}
		if err := refuseUnlessMayAct(ctx, tx, r, res.TipID, code, hotline.ActionSupervise); err != nil {
			res = hotline.ActionResult{}
			return err
		}
		if !res.Status.Active() || res.County == county {
			return nil // late or repeated: nothing to do
		}
		countyJSON, _ := json.Marshal(county)
		if _, err := tx.Exec(ctx, `UPDATE tips SET county = $2, municipality = '',
			classification = jsonb_set(jsonb_set(classification, '{county}', $3::jsonb), '{municipality}', '""'::jsonb),
			corrected = corrected || jsonb_build_object('county', $2::text),
			escalation_step = CASE WHEN acknowledged_at IS NULL THEN 0 ELSE escalation_step END,
			escalate_at = NULL, dispatch_pending = true, updated_at = $4
			WHERE id = $1`, res.TipID, county, string(countyJSON), now); err != nil {
			return fmt.Errorf("reassign %s: %w", code, err)
		}
		from := res.County
		res.Done, res.County = true, county
		return audit(ctx, tx, now, ResponderActor(r.ID), "reassign", res.TipID, map[string]any{"from": from, "to": county})
	})
	return res, err
}

// AskResponder queues body with buttons to responder r on ch as the answer
// to delivery (source, key); a repeated delivery queues nothing.
func (db *DB) AskResponder(ctx context.Context, source, key string, r hotline.Responder, ch hotline.Channel, body string, buttons []hotline.Button, now time.Time) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		fresh, err := claimDelivery(ctx, tx, source, key, now)
		if err != nil || !fresh {
			return err
		}
		_, err = insertResponderMessage(ctx, tx, 0, hotline.OutboxConfirmation, r, ch, body, buttons, 0, 0, now)
		return err
	})
}
