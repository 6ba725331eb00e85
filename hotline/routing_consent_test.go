package hotline

import (
	"slices"
	"testing"
)

// Routing rule 2: a self-identification alerts the social worker at once,
// police only with danger now, a child, or the person's consent.
func TestRouteSelfIdentificationAndConsent(t *testing.T) {
	duty := map[Role]Responder{
		RolePolice: {ID: 1, Role: RolePolice}, RoleSocialWorker: {ID: 2, Role: RoleSocialWorker},
		RoleChildProtection: {ID: 3, Role: RoleChildProtection},
	}
	onDuty := func(role Role, county string) []Responder {
		if r, ok := duty[role]; ok {
			return []Responder{r}
		}
		return nil
	}
	self := Classification{Level: LevelP1, Intake: IntakeSelfIdentification, County: "AL-11"}
	danger, child := self, self
	danger.DangerNow, child.Child = true, true
	for _, tc := range []struct {
		name string
		in   RoutingInput
		want []Role
	}{
		{"no consent", RoutingInput{Classification: self}, []Role{RoleSocialWorker}},
		{"consent", RoutingInput{Classification: self, PoliceConsent: true}, []Role{RoleSocialWorker, RolePolice}},
		{"danger without consent", RoutingInput{Classification: danger}, []Role{RoleSocialWorker, RolePolice}},
		{"child without consent", RoutingInput{Classification: child}, []Role{RoleSocialWorker, RolePolice, RoleChildProtection}},
	} {
		var got []Role
		for _, r := range Route(tc.in, onDuty) {
			got = append(got, r.Responder.Role)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: alerted %v, want %v", tc.name, got, tc.want)
		}
	}
}
