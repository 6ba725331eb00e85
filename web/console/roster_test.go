package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestCoordinatorEditsTheirCountysRoster: Shkodër's coordinator adds and
// removes a rotation and an override through the roster page's forms;
// police and a county's other coordinator are refused (403) and change
// nothing; a bad form is answered on the page (400) and changes nothing;
// every edit leaves exactly one audit row.
func TestCoordinatorEditsTheirCountysRoster(t *testing.T) {
	e := newEnv(t)
	id := func(name string) string {
		return strconv.Itoa(e.count(t, `SELECT id FROM responders WHERE name = $1`, name))
	}
	arben, night := id("Arben Hoxha"), id("Night Officer")
	edits := func() int {
		return e.count(t, `SELECT count(*) FROM audit_log WHERE action IN ('rotation_add', 'rotation_remove', 'override_add', 'override_cancel')`)
	}
	rotation := url.Values{"name": {"Shkodër police"}, "county": {"AL-10"}, "role": {"police"}, "weekday": {"mon"},
		"time": {"08:00"}, "from": {"2026-11-23"}, "member": {arben, "", night}}
	override := url.Values{"covering": {night}, "covered": {arben}, "from": {"2026-12-01T08:00"}, "to": {"2026-12-02T08:00"}}

	police := e.browser(t)
	police.signIn("100000201", "Arben Hoxha")
	if status, page := police.do("GET", "/console/roster", nil); status != http.StatusOK || strings.Contains(page, "/console/roster/rotations") {
		t.Errorf("police sees the roster forms: %d", status)
	}
	for _, path := range []string{"/console/roster/rotations", "/console/roster/overrides"} {
		form := rotation
		if strings.HasSuffix(path, "overrides") {
			form = override
		}
		if status, _ := police.do("POST", path, form); status != http.StatusForbidden {
			t.Errorf("police POST %s: %d, want 403", path, status)
		}
	}

	gent := e.browser(t)
	gent.signIn("100000203", "Gent Coordinator")
	status, page := gent.do("GET", "/console/roster", nil)
	if status != http.StatusOK || !strings.Contains(page, `action="/console/roster/rotations"`) || !strings.Contains(page, `action="/console/roster/overrides"`) {
		t.Fatalf("the coordinator's roster page has no forms: %d", status)
	}
	if strings.Contains(page, "Besa Police") {
		t.Error("Shkodër's coordinator may name Tiranë's police")
	}
	tirane := url.Values{"name": {"Tiranë police"}, "county": {"AL-11"}, "role": {"police"}, "weekday": {"mon"},
		"time": {"08:00"}, "from": {"2026-11-23"}, "member": {id("Besa Police")}}
	if status, _ := gent.do("POST", "/console/roster/rotations", tirane); status != http.StatusForbidden {
		t.Errorf("Shkodër's coordinator edits Tiranë's roster: %d, want 403", status)
	}
	badOverride := url.Values{"covering": {night}, "covered": {arben}, "from": {"2026-12-02T08:00"}, "to": {"2026-12-01T08:00"}}
	if status, page := gent.do("POST", "/console/roster/overrides", badOverride); status != http.StatusBadRequest || !strings.Contains(page, "Nothing was changed") && !strings.Contains(page, "Nuk u ndryshua") {
		t.Errorf("override ending before it starts: %d", status)
	}
	if n := edits(); n != 0 {
		t.Fatalf("%d edits after refusals, want 0", n)
	}

	if status, _ := gent.do("POST", "/console/roster/rotations", rotation); status != http.StatusSeeOther {
		t.Fatalf("add rotation: %d", status)
	}
	if status, _ := gent.do("POST", "/console/roster/rotations", rotation); status != http.StatusConflict {
		t.Errorf("the same rotation name again: %d, want 409", status)
	}
	if status, _ := gent.do("POST", "/console/roster/overrides", override); status != http.StatusSeeOther {
		t.Fatalf("add override: %d", status)
	}
	_, page = gent.do("GET", "/console/roster", nil)
	for _, want := range []string{"Shkodër police", "mon 08:00", "Arben Hoxha, Night Officer", "2026-12-01 07:00 UTC"} {
		if !strings.Contains(page, want) {
			t.Errorf("roster page lacks %q", want)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM audit_log WHERE actor = 'responder:'||$1 AND action IN ('rotation_add', 'override_add')`, id("Gent Coordinator")); n != 2 {
		t.Errorf("%d audit rows in the coordinator's name for 2 additions", n)
	}

	var rotationID, overrideID int
	if err := e.raw.QueryRow(context.Background(), `SELECT (SELECT id FROM rotations), (SELECT id FROM duty_overrides)`).Scan(&rotationID, &overrideID); err != nil {
		t.Fatal(err)
	}
	remove := "/console/roster/rotations/" + strconv.Itoa(rotationID) + "/remove"
	cancel := "/console/roster/overrides/" + strconv.Itoa(overrideID) + "/cancel"
	if status, _ := police.do("POST", cancel, url.Values{}); status != http.StatusForbidden {
		t.Errorf("police cancels an override: %d, want 403", status)
	}
	if status, _ := gent.do("POST", remove, url.Values{}); status != http.StatusSeeOther {
		t.Errorf("remove rotation: %d", status)
	}
	if status, _ := gent.do("POST", remove, url.Values{}); status != http.StatusNotFound {
		t.Errorf("remove it again: %d, want 404", status)
	}
	vera := e.browser(t)
	vera.signIn("100000401", "Vera Desk")
	if status, _ := vera.do("POST", cancel, url.Values{}); status != http.StatusSeeOther {
		t.Errorf("the national desk cancels the override: %d", status)
	}
	if n := edits(); n != 4 {
		t.Errorf("%d audit rows for 4 edits", n)
	}
	if n := e.count(t, `SELECT count(*) FROM duty_overrides WHERE cancelled_at IS NULL`) + e.count(t, `SELECT count(*) FROM rotations`); n != 0 {
		t.Errorf("%d rotations and overrides left", n)
	}
}

// TestRotationAddedFromTodayIsInForceNow: a rotation added "from" a day is
// in force from the week that contains it (its first handover is the last
// on or before that day), so its first member is on duty at once rather
// than nobody until the next handover.
func TestRotationAddedFromTodayIsInForceNow(t *testing.T) {
	e := newEnv(t) // the clock: Monday 2026-11-30 09:00 UTC
	gent := e.browser(t)
	gent.signIn("100000203", "Gent Coordinator")
	night := strconv.Itoa(e.count(t, `SELECT id FROM responders WHERE name = 'Night Officer'`))
	form := url.Values{"name": {"Shkodër nights"}, "county": {"AL-10"}, "role": {"police"}, "weekday": {"thu"},
		"time": {"08:00"}, "from": {"2026-11-30"}, "member": {night}}
	if status, _ := gent.do("POST", "/console/roster/rotations", form); status != http.StatusSeeOther {
		t.Fatalf("add rotation: %d", status)
	}
	if n := e.count(t, `SELECT count(*) FROM rotations WHERE first_handover = '2026-11-26'`); n != 1 {
		t.Error("the first handover is not the Thursday before the day given")
	}
	// The rotation's row: its members, then whose turn it is now.
	if _, page := gent.do("GET", "/console/roster", nil); !strings.Contains(page, "<td>Night Officer</td><td>Night Officer</td>") {
		t.Errorf("the rotation's member is not on duty now:\n%s", page)
	}
}
