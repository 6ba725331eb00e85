package hotline_test

import (
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// TestAccessWithoutTips covers the actions that are not about one tip
// (reports, roster, audit, recording calls), role by role, and the rule
// that access fails closed.
func TestAccessWithoutTips(t *testing.T) {
	want := map[hotline.Role][]hotline.Action{
		hotline.RolePolice:          {hotline.ActionRoster},
		hotline.RoleSocialWorker:    {hotline.ActionRoster},
		hotline.RoleChildProtection: {hotline.ActionRoster},
		hotline.RoleBorderPolice:    {hotline.ActionRoster},
		hotline.RoleCoordinator:     {hotline.ActionCount, hotline.ActionExport, hotline.ActionSupervise, hotline.ActionRoster, hotline.ActionEditRoster},
		hotline.RoleNationalDesk:    {hotline.ActionCount, hotline.ActionExport, hotline.ActionSupervise, hotline.ActionRecordCall, hotline.ActionRoster, hotline.ActionEditRoster, hotline.ActionAudit},
		hotline.RoleInternalControl: {hotline.ActionCount, hotline.ActionExport, hotline.ActionSupervise, hotline.ActionRoster},
		hotline.RoleOperator:        {hotline.ActionRecordCall, hotline.ActionRoster},
	}
	actions := []hotline.Action{hotline.ActionCount, hotline.ActionExport, hotline.ActionSupervise, hotline.ActionRecordCall, hotline.ActionRoster, hotline.ActionEditRoster, hotline.ActionAudit}
	for _, role := range hotline.Roles {
		for _, c := range hotline.Counties {
			county := c.Code
			if role.National() {
				county = ""
			}
			v := hotline.Viewer{ResponderID: 1, Role: role, County: county}
			for _, a := range actions {
				allowed := false
				for _, w := range want[role] {
					allowed = allowed || w == a
				}
				g := hotline.Access(v, a)
				if g.Allowed != allowed {
					t.Errorf("%s of %s, %s: allowed = %v, want %v", role, county, a, g.Allowed, allowed)
				}
				if g.Allowed && !role.National() && g.County != county {
					t.Errorf("%s of %s, %s: county %q, want own county", role, county, a, g.County)
				}
			}
		}
	}
	for _, v := range []hotline.Viewer{
		{Role: hotline.RolePolice}, // county role without county
		{Role: hotline.RoleCoordinator, County: "AL-99"},
		{Role: "mayor", County: "AL-11"},
	} {
		for _, a := range hotline.Actions {
			if g := hotline.Access(v, a); g.Allowed || g.Covers("AL-11", false) {
				t.Errorf("%+v, %s: allowed; access must fail closed", v, a)
			}
		}
	}
	if hotline.Access(hotline.Viewer{Role: hotline.RoleNationalDesk}, "delete_everything").Allowed {
		t.Error("unknown action allowed")
	}
}

func TestPersonValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    hotline.Person
		ok   bool
	}{
		{"complete", hotline.Person{Sex: "female", AgeGroup: "child", Nationality: "al", Status: "presumed_victim", Exploitation: "sexual"}, true},
		{"unknowns", hotline.Person{Sex: "unknown", AgeGroup: "unknown", Status: "unknown"}, true},
		{"identified victim is not ours to decide", hotline.Person{Sex: "male", AgeGroup: "adult", Status: "identified_victim"}, false},
		{"bad nationality", hotline.Person{Sex: "male", AgeGroup: "adult", Status: "unknown", Nationality: "ALB"}, false},
		{"bad form", hotline.Person{Sex: "male", AgeGroup: "adult", Status: "unknown", Exploitation: "x"}, false},
	} {
		p, err := tc.p.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v", tc.name, err)
		}
		if err == nil && tc.p.Nationality != "" && p.Nationality != "AL" {
			t.Errorf("%s: nationality %q, want AL", tc.name, p.Nationality)
		}
	}
}

func TestSuppressedAndQuarters(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 1: "<5", 4: "<5", 5: "5", 1234: "1234"} {
		if got := hotline.Suppressed(n); got != want {
			t.Errorf("Suppressed(%d) = %q, want %q", n, got, want)
		}
	}
	s, e := hotline.LastQuarter(time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC))
	if s != time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC) || e != time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC) {
		t.Errorf("last quarter = %s … %s", s, e)
	}
	s, _ = hotline.LastQuarter(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	if s != time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC) {
		t.Errorf("last quarter in February = %s", s)
	}
}
