package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// Supervisor operations: what the console calls to correct triage. Each runs
// in one transaction and writes exactly one audit row (action, actor, at,
// detail {"before": …, "after": …}); a call that changes nothing writes
// none. A corrected field is recorded in tips.corrected so that the
// reporter's next message, which reclassifies the tip, keeps it (see
// applyCorrections). A change that needs routing marks the tip
// dispatch_pending and, after commit, calls the hook set by OnReroute (the
// triage queue), else the sweeper picks it up.

// supervisedTip is a tip as the supervisor operations read it, locked.
type supervisedTip struct {
	id             int64
	code           string
	status         hotline.TipStatus
	classification hotline.Classification
	municipality   string
	mergedInto     *int64
}

// OnReroute sets f to be called, after commit, with every tip a supervisor
// operation marked for routing (e.g. the triage queue's Enqueue). Set it
// before use; nil disables the call (the sweeper then finds the tip).
func (db *DB) OnReroute(f func(ctx context.Context, e QueueEntry)) { db.reroute = f }

func (db *DB) rerouted(ctx context.Context, e QueueEntry) {
	if db.reroute != nil && e.TipID != 0 {
		db.reroute(ctx, e)
	}
}

// lockTip reads the tip with reference code code (canonical form) FOR UPDATE.
func lockTip(ctx context.Context, tx pgx.Tx, code string) (supervisedTip, error) {
	var t supervisedTip
	var status string
	var cj []byte
	var complicity bool
	err := tx.QueryRow(ctx, `SELECT id, reference_code, status, classification, municipality, merged_into, official_complicity
		FROM tips WHERE reference_code = $1 FOR UPDATE`, code).Scan(&t.id, &t.code, &status, &cj, &t.municipality, &t.mergedInto, &complicity)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("tip %s: %w", code, hotline.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("find tip %s: %w", code, err)
	}
	t.status = hotline.TipStatus(status)
	if err := json.Unmarshal(cj, &t.classification); err != nil {
		return t, fmt.Errorf("decode classification of %s: %w", code, err)
	}
	t.classification = t.classification.Normalized()
	t.classification.OfficialComplicity = complicity
	return t, nil
}

// writeCorrection stores c as the tip's classification (level, county and
// intake columns too), merges fields into tips.corrected, and marks the tip
// for routing when it is still open or acknowledged.
func writeCorrection(ctx context.Context, tx pgx.Tx, t supervisedTip, c hotline.Classification, fields map[string]string, now time.Time) (bool, error) {
	cj, err := json.Marshal(c)
	if err != nil {
		return false, fmt.Errorf("encode classification of %s: %w", t.code, err)
	}
	fj, _ := json.Marshal(fields)
	route := t.status == hotline.StatusOpen || t.status == hotline.StatusAcknowledged
	if _, err := tx.Exec(ctx, `UPDATE tips SET classification = $2, level = $3, county = $4, municipality = $5, intake = $6,
		corrected = corrected || $7::jsonb, dispatch_pending = dispatch_pending OR $8, updated_at = $9 WHERE id = $1`,
		t.id, cj, string(c.Level), c.County, c.Municipality, c.Intake, fj, route, now); err != nil {
		return false, fmt.Errorf("correct tip %s: %w", t.code, err)
	}
	return route, nil
}

// correction is what a supervisor's change of classification does to a
// tip: the new classification, the fields to keep in tips.corrected, and
// before/after for the audit log. changed false: nothing to do.
type correction struct {
	classification hotline.Classification
	fields         map[string]string
	before, after  any
	changed        bool
}

// correct applies change to the tip with reference code code in one
// transaction: it refuses a merged tip (hotline.ErrConflict), stores the
// correction, audits it as action, and after commit hands the tip to the
// reroute hook when it is still open or acknowledged.
func (db *DB) correct(ctx context.Context, actor, action, code string, now time.Time, change func(supervisedTip) correction) error {
	var entry QueueEntry
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		entry = QueueEntry{}
		t, err := lockTip(ctx, tx, code)
		if err != nil {
			return err
		}
		if t.status == hotline.StatusMerged {
			return fmt.Errorf("tip %s is merged: %w", code, hotline.ErrConflict)
		}
		c := change(t)
		if !c.changed {
			return nil
		}
		route, err := writeCorrection(ctx, tx, t, c.classification, c.fields, now)
		if err != nil {
			return err
		}
		if route {
			entry = QueueEntry{TipID: t.id, Level: c.classification.Level, County: c.classification.County}
		}
		return audit(ctx, tx, now, actor, action, t.id, map[string]any{"before": c.before, "after": c.after})
	})
	if err != nil {
		return err
	}
	db.rerouted(ctx, entry)
	return nil
}

// ChangeLevel sets the triage level of the tip with reference code code
// (canonical form) to level, as actor (audit action "change_level"). The
// tip is routed again: a more urgent level alerts whoever the new level
// needs and was not alerted yet, and shortens the acknowledgement deadline;
// a less urgent one alerts nobody new. Errors wrap hotline.ErrInvalid (level
// not P1…P4), hotline.ErrNotFound (unknown code), hotline.ErrConflict (the
// tip was merged into another: correct the survivor).
func (db *DB) ChangeLevel(ctx context.Context, actor, code string, level hotline.Level, now time.Time) error {
	if !level.Valid() {
		return fmt.Errorf("change level of %s to %q: %w", code, level, hotline.ErrInvalid)
	}
	err := db.correct(ctx, actor, "change_level", code, now, func(t supervisedTip) correction {
		c := t.classification
		before := c.Level
		c.Level = level
		c.Reasons = append(c.Reasons, fmt.Sprintf("level %s: set by %s", level, actor))
		return correction{classification: c, fields: map[string]string{"level": string(level)},
			before: before, after: level, changed: before != level}
	})
	if err != nil {
		return fmt.Errorf("change level of %s: %w", code, err)
	}
	return nil
}

// MoveCounty sets the county (ISO 3166-2:AL code, or a name GLOSSARY.md
// lists) and municipality (one of that county's, as GLOSSARY.md writes it,
// or "") of the tip with reference code code, as actor (audit action
// "move_county"). The tip is routed again: the new county's on-duty
// responders are alerted as its level needs (those alerted before are not
// alerted twice). Errors wrap hotline.ErrInvalid (unknown county, or a
// municipality of another county), hotline.ErrNotFound, hotline.ErrConflict
// (merged tip).
func (db *DB) MoveCounty(ctx context.Context, actor, code, county, municipality string, now time.Time) error {
	cty, err := hotline.ParseCounty(county)
	if err != nil {
		return fmt.Errorf("move %s to county %q: %w", code, county, hotline.ErrInvalid)
	}
	if municipality != "" && !slices.Contains(cty.Municipalities, municipality) {
		return fmt.Errorf("move %s: %q is not a municipality of %s: %w", code, municipality, cty.Code, hotline.ErrInvalid)
	}
	err = db.correct(ctx, actor, "move_county", code, now, func(t supervisedTip) correction {
		c := t.classification
		before := map[string]string{"county": c.County, "municipality": c.Municipality}
		after := map[string]string{"county": cty.Code, "municipality": municipality}
		c.County, c.Municipality = cty.Code, municipality
		c.Reasons = append(c.Reasons, fmt.Sprintf("place: set by %s", actor))
		return correction{classification: c, fields: after, before: before, after: after,
			changed: before["county"] != after["county"] || before["municipality"] != after["municipality"]}
	})
	if err != nil {
		return fmt.Errorf("move %s to %s: %w", code, county, err)
	}
	return nil
}

// MergeTips folds the tip duplicateCode into survivorCode, as actor (audit
// action "merge", on the duplicate, detail naming both): the duplicate's
// messages move to the survivor, the duplicate gets status merged
// (merged_into the survivor, outcome duplicate) and stops escalating, and a
// reporter who writes the duplicate's code reaches the survivor. When the
// duplicate was more urgent, the survivor takes its level and is routed
// again. Errors wrap hotline.ErrNotFound (either code unknown),
// hotline.ErrInvalid (the same tip twice), hotline.ErrConflict (either tip
// already merged, a status that cannot merge, or the two differ in
// official-complicity scope: such tips are seen only by internal control
// and the national desk and are never mixed with others).
func (db *DB) MergeTips(ctx context.Context, actor, survivorCode, duplicateCode string, now time.Time) error {
	if survivorCode == duplicateCode {
		return fmt.Errorf("merge %s into itself: %w", survivorCode, hotline.ErrInvalid)
	}
	var entry QueueEntry
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		entry = QueueEntry{}
		// Lock in a fixed order so that two opposite merges cannot deadlock.
		first, second := survivorCode, duplicateCode
		if second < first {
			first, second = second, first
		}
		a, err := lockTip(ctx, tx, first)
		if err != nil {
			return err
		}
		b, err := lockTip(ctx, tx, second)
		if err != nil {
			return err
		}
		s, d := a, b
		if s.code != survivorCode {
			s, d = b, a
		}
		if s.status == hotline.StatusMerged || !hotline.CanMove(d.status, hotline.StatusMerged) {
			return fmt.Errorf("tips %s (%s) and %s (%s): %w", s.code, s.status, d.code, d.status, hotline.ErrConflict)
		}
		if s.classification.Complicity() != d.classification.Complicity() {
			return fmt.Errorf("tips %s and %s differ in official-complicity scope: %w", s.code, d.code, hotline.ErrConflict)
		}
		if _, err := tx.Exec(ctx, `UPDATE messages SET tip_id = $1 WHERE tip_id = $2`, s.id, d.id); err != nil {
			return fmt.Errorf("move messages of %s to %s: %w", d.code, s.code, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE tips SET status = 'merged', merged_into = $2, outcome = 'duplicate', closed_at = $3,
			escalate_at = NULL, dispatch_pending = false, updated_at = $3 WHERE id = $1`, d.id, s.id, now); err != nil {
			return fmt.Errorf("mark %s merged: %w", d.code, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE tips SET last_message_at = GREATEST(last_message_at, (SELECT last_message_at FROM tips WHERE id = $2)),
			updated_at = $3 WHERE id = $1`, s.id, d.id, now); err != nil {
			return fmt.Errorf("extend %s: %w", s.code, err)
		}
		detail := map[string]any{"survivor": s.code, "duplicate": d.code,
			"before": map[string]any{"status": d.status, "survivor_level": s.classification.Level},
			"after":  map[string]any{"status": hotline.StatusMerged, "merged_into": s.code, "survivor_level": s.classification.Level}}
		if d.classification.Level < s.classification.Level { // "P1" < "P2": more urgent
			c := s.classification
			c.Level = d.classification.Level
			c.Child, c.DangerNow = c.Child || d.classification.Child, c.DangerNow || d.classification.DangerNow
			c.Reasons = append(c.Reasons, fmt.Sprintf("level %s: merged with %s", c.Level, d.code))
			route, err := writeCorrection(ctx, tx, s, c, map[string]string{"level": string(c.Level)}, now)
			if err != nil {
				return err
			}
			if route {
				entry = QueueEntry{TipID: s.id, Level: c.Level, County: c.County}
			}
			detail["after"].(map[string]any)["survivor_level"] = c.Level
		}
		return audit(ctx, tx, now, actor, "merge", d.id, detail)
	})
	if err != nil {
		return fmt.Errorf("merge %s into %s: %w", duplicateCode, survivorCode, err)
	}
	db.rerouted(ctx, entry)
	return nil
}

// MarkSpam gives the tip with reference code code the status spam, as actor
// (audit action "mark_spam"): its escalation stops, alerts not yet sent are
// cancelled, and later messages on it alert nobody. Marking a spam tip again
// changes nothing. Errors wrap hotline.ErrNotFound, hotline.ErrConflict (a
// status that cannot become spam, per hotline.CanMove: merged).
func (db *DB) MarkSpam(ctx context.Context, actor, code string, now time.Time) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		t, err := lockTip(ctx, tx, code)
		if err != nil {
			return err
		}
		if t.status == hotline.StatusSpam {
			return nil
		}
		if !hotline.CanMove(t.status, hotline.StatusSpam) {
			return fmt.Errorf("tip %s is %s: %w", code, t.status, hotline.ErrConflict)
		}
		if _, err := tx.Exec(ctx, `UPDATE tips SET status = 'spam', escalate_at = NULL, dispatch_pending = false, updated_at = $2
			WHERE id = $1`, t.id, now); err != nil {
			return fmt.Errorf("mark %s spam: %w", code, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE outbox SET state = 'failed', error = 'cancelled: tip marked spam', lease_until = NULL
			WHERE tip_id = $1 AND kind IN ('alert', 'escalation') AND state = 'pending'`, t.id); err != nil {
			return fmt.Errorf("cancel alerts of %s: %w", code, err)
		}
		return audit(ctx, tx, now, actor, "mark_spam", t.id, map[string]any{"before": t.status, "after": hotline.StatusSpam})
	})
	if err != nil {
		return fmt.Errorf("mark %s spam: %w", code, err)
	}
	return nil
}

// applyCorrections overlays the fields a supervisor set by hand
// (tips.corrected: level, county, municipality) on a fresh classification,
// so that reclassifying a tip never undoes a correction.
func applyCorrections(c hotline.Classification, corrected []byte) hotline.Classification {
	var f map[string]string
	if len(corrected) == 0 || json.Unmarshal(corrected, &f) != nil {
		return c
	}
	if l := hotline.Level(f["level"]); l.Valid() {
		c.Level = l
	}
	if county, ok := f["county"]; ok {
		c.County, c.Municipality = county, f["municipality"]
	}
	if len(f) > 0 {
		c.Reasons = append(c.Reasons, "kept a supervisor's correction")
	}
	return c
}
