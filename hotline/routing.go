package hotline

import "sort"

// OnDuty answers who is on duty now in a role: for a county role, in the
// given county (ISO code); for a national role, county is ignored. The
// result is in a stable order.
type OnDuty func(role Role, county string) []Responder

// RoutingInput is what routing needs beyond the classification.
type RoutingInput struct {
	Classification Classification
	// PoliceConsent is true once a self-identifying person agreed that the
	// police be alerted (routing rule 2).
	PoliceConsent bool
}

// Recipient is a responder chosen by routing, with the role they were
// chosen for (a fallback coordinator stands in for "police", say).
type Recipient struct {
	Responder Responder
	// StandsInFor is the role nobody was on duty for, when this recipient is
	// a fallback; "" otherwise.
	StandsInFor Role
}

// Route returns the responders to alert at once for a tip, following the
// routing rules of DESIGN.md in order: official complicity goes only to
// internal control and the national desk; a self-identification goes to the
// social worker (and Child Protection Unit for a child), and to police when
// there is danger now, a child, or consent; a border crossing adds border
// police; an unknown county goes to the national desk; a needed role with
// nobody on duty falls back to the county's coordinator, else the national
// desk. P3 and P4 tips alert nobody. Each responder appears once.
func Route(in RoutingInput, onDuty OnDuty) []Recipient {
	c := in.Classification
	if !c.Level.Alerted() {
		return nil
	}
	var out []Recipient
	seen := map[int64]bool{}
	add := func(r Responder, standsInFor Role) {
		if seen[r.ID] {
			return
		}
		seen[r.ID] = true
		out = append(out, Recipient{Responder: r, StandsInFor: standsInFor})
	}
	national := func(role Role) {
		for _, r := range onDuty(role, "") {
			add(r, "")
		}
	}

	if c.Complicity() {
		national(RoleInternalControl)
		national(RoleNationalDesk)
		return out
	}
	if c.County == "" {
		national(RoleNationalDesk)
		return out
	}

	var needed []Role
	switch {
	case c.Intake == IntakeSelfIdentification:
		needed = append(needed, RoleSocialWorker)
		if c.DangerNow || c.Child || in.PoliceConsent {
			needed = append(needed, RolePolice)
		}
	case c.Level == LevelP1:
		needed = append(needed, RolePolice, RoleSocialWorker)
	default: // P2
		needed = append(needed, RolePolice)
	}
	if c.Child {
		needed = append(needed, RoleChildProtection)
	}
	if c.BorderCrossing != "" {
		needed = append(needed, RoleBorderPolice)
	}

	for _, role := range needed {
		rs := onDuty(role, c.County)
		if len(rs) == 0 {
			fallback := onDuty(RoleCoordinator, c.County)
			if len(fallback) == 0 {
				fallback = onDuty(RoleNationalDesk, "")
			}
			for _, r := range fallback {
				add(r, role)
			}
			continue
		}
		for _, r := range rs {
			add(r, "")
		}
	}
	return out
}

// EscalationTargets returns who is alerted at escalation step n (1-based)
// of a tip nobody acknowledged: step 1 the county's coordinator (the
// national desk when the county is unknown or has no coordinator on duty),
// step 2 and after the national desk. Official-complicity tips escalate only
// between internal control and the national desk.
func EscalationTargets(c Classification, step int, onDuty OnDuty) []Responder {
	if c.Complicity() {
		rs := append(onDuty(RoleInternalControl, ""), onDuty(RoleNationalDesk, "")...)
		return uniqueResponders(rs)
	}
	if step == 1 && c.County != "" {
		if rs := onDuty(RoleCoordinator, c.County); len(rs) > 0 {
			return uniqueResponders(rs)
		}
	}
	return uniqueResponders(onDuty(RoleNationalDesk, ""))
}

func uniqueResponders(rs []Responder) []Responder {
	seen := map[int64]bool{}
	var out []Responder
	for _, r := range rs {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
