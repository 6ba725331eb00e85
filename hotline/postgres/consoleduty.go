package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// DutyPlan is the part of the duty roster a console viewer may edit
// (hotline.ActionEditRoster): the rotations and the current and future
// overrides of their county (every county for the national desk), and the
// responders they may name in them. The zero DutyPlan means nothing to edit.
type DutyPlan struct {
	Rotations  []RotationLine
	Overrides  []OverrideLine
	Responders []hotline.Responder // active responders of the editable counties, by county, role, name
}

// RotationLine is a weekly rotation as the roster page shows it.
type RotationLine struct {
	ID     int64
	Name   string
	Role   hotline.Role
	County string
	// Handover is the local weekday and time of the handovers ("mon 08:00").
	Handover string
	// FirstHandover is the first handover, an instant.
	FirstHandover time.Time
	Members       []string // names, in turn order
	OnDuty        string   // the member whose turn it is now, "" before the first handover
}

// OverrideLine is an override not cancelled that has not ended.
type OverrideLine struct {
	ID                int64
	Role              hotline.Role
	County            string
	Covering, Covered string // names
	Start, End        time.Time
}

// editScope returns the scope of viewer v's roster edits: a county the
// viewer may not edit (hotline.Access, ActionEditRoster) gives
// hotline.ErrUnauthorized.
func editScope(v hotline.Viewer) dutyScope {
	g := hotline.Access(v, hotline.ActionEditRoster)
	return func(county string) error {
		if !g.Allowed || (g.County != "" && g.County != county) {
			return fmt.Errorf("edit the duty roster of %q: %w", county, hotline.ErrUnauthorized)
		}
		return nil
	}
}

// DutyPlan returns what viewer v may edit of the duty roster at now; the
// zero DutyPlan when v may edit nothing.
func (db *DB) DutyPlan(ctx context.Context, v hotline.Viewer, now time.Time) (DutyPlan, error) {
	var plan DutyPlan
	scope := editScope(v)
	mine := func(county string) bool { return scope(county) == nil }
	if !hotline.Access(v, hotline.ActionEditRoster).Allowed {
		return plan, nil
	}
	responders, err := db.Responders(ctx)
	if err != nil {
		return plan, err
	}
	names := map[int64]hotline.Responder{}
	for _, r := range responders {
		names[r.ID] = r
		if r.Active && mine(r.County) {
			plan.Responders = append(plan.Responders, r)
		}
	}
	rotations, err := db.Rotations(ctx)
	if err != nil {
		return plan, err
	}
	for _, rot := range rotations {
		if !mine(rot.County) {
			continue
		}
		line := RotationLine{ID: rot.ID, Name: rot.Name, Role: rot.Role, County: rot.County, FirstHandover: rot.Handover(0),
			Handover: fmt.Sprintf("%s %02d:%02d", weekdayAbbreviation(rot.Weekday()), rot.HandoverMinute/60, rot.HandoverMinute%60)}
		for _, id := range rot.Members {
			line.Members = append(line.Members, names[id].Name)
		}
		if id, ok := rot.MemberAt(now); ok {
			line.OnDuty = names[id].Name
		}
		plan.Rotations = append(plan.Rotations, line)
	}
	overrides, err := db.Overrides(ctx, now)
	if err != nil {
		return plan, err
	}
	for _, o := range overrides {
		covered := names[o.CoveredID]
		if !mine(covered.County) {
			continue
		}
		plan.Overrides = append(plan.Overrides, OverrideLine{ID: o.ID, Role: covered.Role, County: covered.County,
			Covering: names[o.CoveringID].Name, Covered: covered.Name, Start: o.Start, End: o.End})
	}
	return plan, nil
}

// weekdayAbbreviation is the three-letter English weekday that
// hotline.ParseHandover reads ("mon").
func weekdayAbbreviation(d time.Weekday) string {
	return [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}[d]
}

// ConsoleAddRotation stores a weekly rotation for viewer v (see
// AddRotation), audited as the viewer. A county v may not edit gives
// hotline.ErrUnauthorized; members not active responders of the rotation's
// role and county, or none, give hotline.ErrInvalid; a name in use,
// hotline.ErrConflict.
func (db *DB) ConsoleAddRotation(ctx context.Context, v hotline.Viewer, rot hotline.Rotation, now time.Time) (int64, error) {
	return db.addRotation(ctx, rot, ResponderActor(v.ResponderID), now, editScope(v))
}

// ConsoleRemoveRotation deletes rotation id for viewer v, audited as the
// viewer: hotline.ErrNotFound when there is none, hotline.ErrUnauthorized
// when it is of a county v may not edit.
func (db *DB) ConsoleRemoveRotation(ctx context.Context, v hotline.Viewer, id int64, now time.Time) error {
	return db.removeRotation(ctx, "id", id, ResponderActor(v.ResponderID), now, editScope(v))
}

// ConsoleAddOverride stores an override for viewer v (see AddOverride),
// audited as the viewer. An override that has already ended gives
// hotline.ErrInvalid; responders of a county v may not edit,
// hotline.ErrUnauthorized.
func (db *DB) ConsoleAddOverride(ctx context.Context, v hotline.Viewer, o hotline.Override, now time.Time) (int64, error) {
	if !o.End.After(now) {
		return 0, fmt.Errorf("override ends in the past: %w", hotline.ErrInvalid)
	}
	return db.addOverride(ctx, o, ResponderActor(v.ResponderID), now, editScope(v))
}

// ConsoleCancelOverride cancels override id for viewer v, audited as the
// viewer: hotline.ErrNotFound when there is no such override in force,
// hotline.ErrUnauthorized when it is of a county v may not edit.
func (db *DB) ConsoleCancelOverride(ctx context.Context, v hotline.Viewer, id int64, now time.Time) error {
	return db.cancelOverride(ctx, id, ResponderActor(v.ResponderID), now, editScope(v))
}

// dutyHorizon is how far ahead the roster page looks for each responder's
// next time on duty.
const dutyHorizon = 8 * 24 * time.Hour

// dutyNowAndNext computes, with the same rule as routing
// (hotline.DutyRoster.OnDutyAt: shifts, rotations, overrides), who is on
// duty at now and, for the others, when they next are within dutyHorizon.
func dutyNowAndNext(ctx context.Context, q querier, now time.Time) (map[int64]bool, map[int64]time.Time, error) {
	dr, err := loadDutyRosterBetween(ctx, q, now, now.Add(dutyHorizon))
	if err != nil {
		return nil, nil, fmt.Errorf("duty now and next: %w", err)
	}
	onNow := map[int64]bool{}
	for _, r := range dr.OnDutyAt(now) {
		onNow[r.ID] = true
	}
	// Duty changes only where a shift, turn or override starts or ends.
	end := now.Add(dutyHorizon)
	var changes []time.Time
	consider := func(t time.Time) {
		if t.After(now) && t.Before(end) {
			changes = append(changes, t)
		}
	}
	for _, shifts := range dr.Shifts {
		for _, s := range shifts {
			consider(s.Start)
			consider(s.End)
		}
	}
	for _, rot := range dr.Rotations {
		k, _ := rot.Turn(now)
		for i := max(k, 0); i <= k+2; i++ {
			consider(rot.Handover(i))
		}
	}
	for _, o := range dr.Overrides {
		consider(o.Start)
		consider(o.End)
	}
	slices.SortFunc(changes, func(a, b time.Time) int { return a.Compare(b) })
	changes = slices.Compact(changes)
	next := map[int64]time.Time{}
	for _, t := range changes {
		for _, r := range dr.OnDutyAt(t) {
			if _, seen := next[r.ID]; !seen && !onNow[r.ID] {
				next[r.ID] = t
			}
		}
	}
	return onNow, next, nil
}

// rosterDuty fills OnDutyNow and NextShift of lines from dutyNowAndNext.
func rosterDuty(ctx context.Context, q querier, lines []RosterLine, now time.Time) error {
	onNow, next, err := dutyNowAndNext(ctx, q, now)
	if err != nil {
		return err
	}
	for i := range lines {
		lines[i].OnDutyNow = onNow[lines[i].ID]
		lines[i].NextShift = nil
		if t, ok := next[lines[i].ID]; ok {
			lines[i].NextShift = &t
		}
	}
	return nil
}
