package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
)

// edits is the expected answer, written out independently of
// hotline.Access: who may edit the duty roster of a county ("" for the
// national roles).
func edits(role hotline.Role, county, target string) bool {
	switch role {
	case hotline.RoleNationalDesk:
		return true
	case hotline.RoleCoordinator:
		return target != "" && target == county
	}
	return false
}

// TestDutyEditAccessMatrix tries, as every role of every county, to add and
// remove a rotation and to add and cancel an override in Shkodër, Tiranë
// and among the national roles: only the county's coordinator and the
// national desk may, each edit leaves exactly one audit row in the
// editor's name, and a refused one changes nothing.
func TestDutyEditAccessMatrix(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	var csv strings.Builder
	csv.WriteString(matrixRoster(700000))
	// Two responders of one role in each target, to rotate and cover.
	csv.WriteString("Shkodër A,police,AL-10,,+355690000101,,\nShkodër B,police,AL-10,,+355690000102,,\n")
	csv.WriteString("Tiranë A,police,AL-11,,+355690000111,,\nTiranë B,police,AL-11,,+355690000112,,\n")
	csv.WriteString("Desk A,national_desk,,,+355690000121,,\nDesk B,national_desk,,,+355690000122,,\n")
	importRoster(t, db, csv.String())
	responders, err := db.Responders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := map[string]int64{}
	for _, r := range responders {
		id[r.Name] = r.ID
	}
	targets := []struct{ county, role, a, b string }{
		{"AL-10", "police", "Shkodër A", "Shkodër B"},
		{"AL-11", "police", "Tiranë A", "Tiranë B"},
		{"", "national_desk", "Desk A", "Desk B"},
	}
	now := t0
	n := 0
	for _, r := range responders {
		if strings.Contains(r.Name, " A") || strings.Contains(r.Name, " B") {
			continue
		}
		v := hotline.Viewer{ResponderID: r.ID, Name: r.Name, Role: r.Role, County: r.County}
		for _, target := range targets {
			want := edits(r.Role, r.County, target.county)
			n++
			before := auditCount(t, db, postgres.ResponderActor(r.ID))
			rotation, err := db.ConsoleAddRotation(ctx, v, hotline.Rotation{Name: fmt.Sprintf("rotation %d", n), Role: hotline.Role(target.role),
				County: target.county, FirstHandover: hotline.FirstHandoverOnOrAfter(now, time.Monday), HandoverMinute: 8 * 60,
				Members: []int64{id[target.a], id[target.b]}}, now)
			checkEdit(t, v, "add rotation", target.county, want, err)
			override, err := db.ConsoleAddOverride(ctx, v, hotline.Override{CoveringID: id[target.b], CoveredID: id[target.a],
				Start: now.Add(time.Hour), End: now.Add(24 * time.Hour)}, now)
			checkEdit(t, v, "add override", target.county, want, err)
			if !want {
				// Refused: the rows someone allowed made must stay.
				continue
			}
			if err := db.ConsoleRemoveRotation(ctx, v, rotation, now); err != nil {
				t.Errorf("%s removes its rotation: %v", r.Name, err)
			}
			if err := db.ConsoleCancelOverride(ctx, v, override, now); err != nil {
				t.Errorf("%s cancels its override: %v", r.Name, err)
			}
			if got := auditCount(t, db, postgres.ResponderActor(r.ID)) - before; got != 4 {
				t.Errorf("%s: %d audit rows for 4 edits", r.Name, got)
			}
		}
	}
	// Refusals removing what another county's coordinator made.
	desk := hotline.Viewer{ResponderID: id["national_desk desk"], Role: hotline.RoleNationalDesk}
	rotation, err := db.ConsoleAddRotation(ctx, desk, hotline.Rotation{Name: "Tiranë police", Role: hotline.RolePolice, County: "AL-11",
		FirstHandover: hotline.FirstHandoverOnOrAfter(now, time.Monday), HandoverMinute: 480, Members: []int64{id["Tiranë A"], id["Tiranë B"]}}, now)
	if err != nil {
		t.Fatal(err)
	}
	override, err := db.ConsoleAddOverride(ctx, desk, hotline.Override{CoveringID: id["Tiranë B"], CoveredID: id["Tiranë A"],
		Start: now, End: now.Add(time.Hour)}, now)
	if err != nil {
		t.Fatal(err)
	}
	shkoder := hotline.Viewer{ResponderID: id["coordinator AL-10"], Role: hotline.RoleCoordinator, County: "AL-10"}
	if err := db.ConsoleRemoveRotation(ctx, shkoder, rotation, now); !errors.Is(err, hotline.ErrUnauthorized) {
		t.Errorf("Shkodër's coordinator removes Tiranë's rotation: %v", err)
	}
	if err := db.ConsoleCancelOverride(ctx, shkoder, override, now); !errors.Is(err, hotline.ErrUnauthorized) {
		t.Errorf("Shkodër's coordinator cancels Tiranë's override: %v", err)
	}
	if plan, err := db.DutyPlan(ctx, shkoder, now); err != nil || len(plan.Rotations) != 0 || len(plan.Overrides) != 0 {
		t.Errorf("Shkodër's coordinator is shown Tiranë's plan: %+v, %v", plan, err)
	}
	if plan, err := db.DutyPlan(ctx, desk, now); err != nil || len(plan.Rotations) != 1 || len(plan.Overrides) != 1 {
		t.Errorf("the national desk's plan: %+v, %v", plan, err)
	}
}

func checkEdit(t *testing.T, v hotline.Viewer, action, county string, want bool, err error) {
	t.Helper()
	switch {
	case want && err != nil:
		t.Errorf("%s %s in %q: %v, want allowed", v.Name, action, county, err)
	case !want && !errors.Is(err, hotline.ErrUnauthorized):
		t.Errorf("%s %s in %q: %v, want hotline.ErrUnauthorized", v.Name, action, county, err)
	}
}

func auditCount(t *testing.T, db *postgres.DB, actor string) int {
	t.Helper()
	entries, err := db.AuditLog(context.Background(), hotline.Viewer{Role: hotline.RoleNationalDesk}, postgres.AuditQuery{Actor: actor}, 10000, t0)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestRosterShowsRotationsAndOverrides: the roster page's "now" and "next"
// follow the rule routing uses (rotation turns and overrides), not only
// shifts; bad edits change nothing.
func TestRosterShowsRotationsAndOverrides(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, `name,role,county,telegram_chat_id,phone,shift_start,shift_end
Ana,police,AL-10,,+355690000201,,
Bardh,police,AL-10,,+355690000202,,
Cima,police,AL-10,,+355690000203,2026-12-20T08:00:00Z,2026-12-20T20:00:00Z
Koordinatori,coordinator,AL-10,,+355690000204,,
`)
	responders, err := db.Responders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := map[string]int64{}
	for _, r := range responders {
		id[r.Name] = r.ID
	}
	v := hotline.Viewer{ResponderID: id["Koordinatori"], Name: "Koordinatori", Role: hotline.RoleCoordinator, County: "AL-10"}
	// t0 is Monday 2026-11-30 04:00 in Tirane; the rotation hands over on Mondays at 08:00.
	if _, err := db.ConsoleAddRotation(ctx, v, hotline.Rotation{Name: "Shkodër police", Role: hotline.RolePolice, County: "AL-10",
		FirstHandover: hotline.FirstHandoverOnOrAfter(t0.AddDate(0, 0, -7), time.Monday), HandoverMinute: 8 * 60,
		Members: []int64{id["Ana"], id["Bardh"]}}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ConsoleAddOverride(ctx, v, hotline.Override{CoveringID: id["Cima"], CoveredID: id["Bardh"],
		Start: t0.Add(24 * time.Hour), End: t0.Add(48 * time.Hour)}, t0); err != nil {
		t.Fatal(err)
	}
	bad := []hotline.Override{
		{CoveringID: id["Cima"], CoveredID: id["Cima"], Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour)},        // themselves
		{CoveringID: id["Cima"], CoveredID: id["Ana"], Start: t0.Add(2 * time.Hour), End: t0.Add(time.Hour)},         // ends before it starts
		{CoveringID: id["Cima"], CoveredID: id["Ana"], Start: t0.Add(-3 * time.Hour), End: t0.Add(-time.Hour)},       // in the past
		{CoveringID: id["Koordinatori"], CoveredID: id["Ana"], Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour)}, // another role
	}
	for i, o := range bad {
		if _, err := db.ConsoleAddOverride(ctx, v, o, t0); !errors.Is(err, hotline.ErrInvalid) {
			t.Errorf("bad override %d: %v, want hotline.ErrInvalid", i, err)
		}
	}
	if _, err := db.ConsoleAddRotation(ctx, v, hotline.Rotation{Name: "empty", Role: hotline.RolePolice, County: "AL-10",
		FirstHandover: t0, HandoverMinute: 0}, t0); !errors.Is(err, hotline.ErrInvalid) {
		t.Errorf("rotation with nobody: %v", err)
	}
	if plan, _ := db.DutyPlan(ctx, v, t0); len(plan.Overrides) != 1 || len(plan.Rotations) != 1 || plan.Rotations[0].OnDuty != "Ana" {
		t.Errorf("plan = %+v", plan)
	}

	lines, err := db.Roster(ctx, v, t0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, l := range lines {
		switch {
		case l.OnDutyNow:
			got[l.Name] = "now"
		case l.NextShift != nil:
			got[l.Name] = l.NextShift.In(hotline.Tirane).Format("Mon 15:04")
		default:
			got[l.Name] = "-"
		}
	}
	// The rotation began a week earlier with Ana: before Monday 08:00 it
	// is still her week, then Bardh's. Cima (a shift only on 20 December)
	// covers for Bardh from Tuesday 04:00. The coordinator, with no shifts
	// and in no rotation, is always on duty.
	want := map[string]string{"Ana": "now", "Bardh": "Mon 08:00", "Cima": "Tue 04:00", "Koordinatori": "now"}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %q, want %q (all: %v)", name, got[name], w, got)
		}
	}
}
