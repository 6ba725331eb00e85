package hotline

import (
	"slices"
	"testing"
)

// Routing rule 1 holds on the complicity flag, not only on the intake: a
// complicity tip that a witness threat made witness_threat, and that names a
// child, never reaches county police or the county's coordinator, at once,
// in fallback or in escalation.
func TestRouteComplicityWithWitnessThreatAndChild(t *testing.T) {
	duty := map[Role]Responder{
		RolePolice: {ID: 1, Role: RolePolice}, RoleSocialWorker: {ID: 2, Role: RoleSocialWorker},
		RoleChildProtection: {ID: 3, Role: RoleChildProtection}, RoleCoordinator: {ID: 4, Role: RoleCoordinator},
		RoleNationalDesk: {ID: 5, Role: RoleNationalDesk}, RoleInternalControl: {ID: 6, Role: RoleInternalControl},
		RoleBorderPolice: {ID: 7, Role: RoleBorderPolice},
	}
	onDuty := func(role Role, county string) []Responder {
		if r, ok := duty[role]; ok {
			return []Responder{r}
		}
		return nil
	}
	allowed := []Role{RoleInternalControl, RoleNationalDesk, RoleChildProtection}
	c := Classification{Level: LevelP1, Intake: IntakeWitnessThreat, County: "AL-11", Child: true, DangerNow: true,
		BorderCrossing: "Kakavijë", OfficialComplicity: true}
	if !c.Normalized().Complicity() {
		t.Fatal("Normalized lost the complicity flag")
	}
	check := func(what string, got []Role) {
		t.Helper()
		if !slices.Contains(got, RoleInternalControl) {
			t.Errorf("%s: internal control not alerted: %v", what, got)
		}
		for _, r := range got {
			if !slices.Contains(allowed, r) {
				t.Errorf("%s: %s alerted for an official-complicity tip: %v", what, r, got)
			}
		}
	}
	var got []Role
	for _, r := range Route(RoutingInput{Classification: c, PoliceConsent: true}, onDuty) {
		got = append(got, r.Responder.Role)
	}
	check("route", got)
	for step := 1; step <= 3; step++ {
		got = nil
		for _, r := range EscalationTargets(c, step, onDuty) {
			got = append(got, r.Role)
		}
		check("escalation step", got)
	}
	for _, role := range []Role{RoleCoordinator, RoleNationalDesk} {
		got = nil
		for _, r := range EscalationTargetsFor(c, role, onDuty) {
			got = append(got, r.Role)
		}
		check("escalation to "+string(role), got)
	}

	// Without the flag the same witness threat goes to the county as usual.
	c.OfficialComplicity = false
	got = nil
	for _, r := range Route(RoutingInput{Classification: c}, onDuty) {
		got = append(got, r.Responder.Role)
	}
	if !slices.Contains(got, RolePolice) {
		t.Errorf("witness threat without complicity: police not alerted: %v", got)
	}
}

// The access rule reads the complicity flag.
func TestGrantCoversComplicityFlag(t *testing.T) {
	police := Access(Viewer{Role: RolePolice, County: "AL-11"}, ActionView)
	control := Access(Viewer{Role: RoleInternalControl}, ActionView)
	if police.Covers("AL-11", true) || !police.Covers("AL-11", false) {
		t.Error("county police: complicity flag not respected")
	}
	if !control.Covers("AL-11", true) || control.Covers("AL-11", false) {
		t.Error("internal control: complicity flag not respected")
	}
}
