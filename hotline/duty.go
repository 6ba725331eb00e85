package hotline

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Tirane must resolve on machines without a zoneinfo database
)

// Tirane is Albania's time zone (Europe/Tirane: CET, CEST in summer). Weekly
// rotations hand over at local wall-clock times in this zone.
var Tirane = mustLoadLocation("Europe/Tirane")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("time zone %s: %v", name, err))
	}
	return loc
}

// Rotation is a weekly duty rotation: its members take turns, one week
// each, in order, handing over at the same local weekday and time in
// Europe/Tirane (so the handover stays at, say, Monday 08:00 across the
// daylight-saving changes). Members[0] is on duty from the first handover
// until the second, Members[1] until the third, and so on, round and round.
// Before the first handover the rotation puts nobody on duty.
type Rotation struct {
	ID     int64
	Name   string
	Role   Role
	County string // ISO code; "" for national roles
	// FirstHandover holds the local date (year, month, day, read in Tirane)
	// of the first handover; its weekday is the rotation's weekday.
	FirstHandover time.Time
	// HandoverMinute is the local handover time in minutes after midnight (0–1439).
	HandoverMinute int
	Members        []int64 // responder ids, in turn order
}

// Weekday is the local weekday of the rotation's handovers.
func (r Rotation) Weekday() time.Weekday { return r.Handover(0).Weekday() }

// Handover returns the instant of handover k (0 = the first). A local time
// that does not exist on that day (the spring-forward gap) is normalised by
// time.Date, i.e. moved one hour later.
func (r Rotation) Handover(k int) time.Time {
	y, m, d := r.FirstHandover.Date()
	return time.Date(y, m, d+7*k, r.HandoverMinute/60, r.HandoverMinute%60, 0, 0, Tirane)
}

// Turn returns the number of the handover period t falls in (0 from the
// first handover to the second, …), or false before the first handover.
func (r Rotation) Turn(t time.Time) (int, bool) {
	first := r.Handover(0)
	if t.Before(first) {
		return 0, false
	}
	k := int(t.Sub(first) / (7 * 24 * time.Hour))
	for !r.Handover(k + 1).After(t) {
		k++
	}
	for r.Handover(k).After(t) {
		k--
	}
	return k, true
}

// MemberAt returns the responder id on duty in the rotation at t, or false
// before the first handover or when the rotation has no members.
func (r Rotation) MemberAt(t time.Time) (int64, bool) {
	k, ok := r.Turn(t)
	if !ok || len(r.Members) == 0 {
		return 0, false
	}
	return r.Members[k%len(r.Members)], true
}

// ParseHandover reads a weekly handover as "WEEKDAY HH:MM" (weekday in
// English, three letters or full: "mon 08:00", "Sunday 20:30"). It returns
// the weekday and the minutes after local midnight, or ErrInvalid.
func ParseHandover(s string) (time.Weekday, int, error) {
	f := strings.Fields(strings.ToLower(s))
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("handover %q: want \"WEEKDAY HH:MM\": %w", s, ErrInvalid)
	}
	day := -1
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if f[0] == name || f[0] == name[:3] {
			day = int(d)
		}
	}
	if day < 0 {
		return 0, 0, fmt.Errorf("handover %q: unknown weekday %q: %w", s, f[0], ErrInvalid)
	}
	minute, err := ParseClock(f[1])
	if err != nil {
		return 0, 0, fmt.Errorf("handover %q: %w", s, err)
	}
	return time.Weekday(day), minute, nil
}

// ParseClock reads a local time of day "HH:MM" (00:00–23:59) and returns
// the minutes after midnight, or ErrInvalid.
func ParseClock(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || len(h) != 2 || len(m) != 2 || err1 != nil || err2 != nil || hh > 23 || mm > 59 || hh < 0 || mm < 0 {
		return 0, fmt.Errorf("time %q is not HH:MM: %w", s, ErrInvalid)
	}
	return hh*60 + mm, nil
}

// FirstHandoverOnOrAfter returns the first local date on or after from
// (read in Tirane) that falls on weekday, at local midnight in Tirane.
func FirstHandoverOnOrAfter(from time.Time, weekday time.Weekday) time.Time {
	y, m, d := from.In(Tirane).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, Tirane)
	for day.Weekday() != weekday {
		y, m, d = day.Date()
		day = time.Date(y, m, d+1, 0, 0, 0, 0, Tirane)
	}
	return day
}

// Override puts one responder on duty in place of another for [Start, End):
// wherever Covered would be on duty (by shift, rotation or always), Covering
// is instead. Both have the same role and county.
type Override struct {
	ID         int64
	CoveringID int64
	CoveredID  int64
	Start, End time.Time
}

// Covers reports whether t falls within the override.
func (o Override) Covers(t time.Time) bool { return !t.Before(o.Start) && t.Before(o.End) }

// DutyRoster is everything that decides who is on duty: the active
// responders, their explicit shifts, the weekly rotations and the overrides.
type DutyRoster struct {
	Responders   []Responder       // active responders
	AlwaysOnDuty map[int64]bool    // imported without shifts
	Shifts       map[int64][]Shift // by responder id
	Rotations    []Rotation        //
	Overrides    []Override        // applied in this order
}

// OnDutyAt returns the responders on duty at t, ordered by county, role,
// name. A responder is on duty within one of their shifts, in their turn of
// a rotation, or always when imported without shifts and a member of no
// rotation (a rotation decides its members' duty). Then each override in
// force at t replaces the covered responder, if on duty, by the covering
// one. Inactive responders are never on duty.
func (dr DutyRoster) OnDutyAt(t time.Time) []Responder {
	byID := map[int64]Responder{}
	for _, r := range dr.Responders {
		if r.Active {
			byID[r.ID] = r
		}
	}
	inRotation := map[int64]bool{}
	for _, rot := range dr.Rotations {
		for _, id := range rot.Members {
			inRotation[id] = true
		}
	}
	on := map[int64]bool{}
	for id := range byID {
		if dr.AlwaysOnDuty[id] && !inRotation[id] {
			on[id] = true
		}
		for _, s := range dr.Shifts[id] {
			if s.Covers(t) {
				on[id] = true
			}
		}
	}
	for _, rot := range dr.Rotations {
		if id, ok := rot.MemberAt(t); ok {
			if _, active := byID[id]; active {
				on[id] = true
			}
		}
	}
	for _, o := range dr.Overrides {
		if !o.Covers(t) || !on[o.CoveredID] {
			continue
		}
		if _, active := byID[o.CoveringID]; active {
			delete(on, o.CoveredID)
			on[o.CoveringID] = true
		}
	}
	out := make([]Responder, 0, len(on))
	for id := range on {
		out = append(out, byID[id])
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.County != b.County {
			return a.County < b.County
		}
		if a.Role != b.Role {
			return a.Role < b.Role
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
	return out
}
