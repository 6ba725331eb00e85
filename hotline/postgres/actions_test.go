package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

func TestResponderCloseAndReassign(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, roster)
	find := func(name string, role hotline.Role, county string) hotline.Responder {
		return findResponder(t, db, name, role, county)
	}
	arben := find("Arben Hoxha", hotline.RolePolice, "AL-10")
	besa := find("Besa Police", hotline.RolePolice, "AL-11")
	gent := find("Gent Coordinator", hotline.RoleCoordinator, "AL-10")
	vera := find("Vera Desk", hotline.RoleNationalDesk, "")

	rc := receive(t, db, "SM1", "+355690001234", "text", t0, p1Shkoder)
	if _, err := db.Dispatch(ctx, rc.TipID, t0, 5*time.Minute, composer{}); err != nil {
		t.Fatal(err)
	}
	code := rc.ReferenceCode
	// Not alerted, another county: may not act, answered like an unknown code.
	if _, err := db.ReassignTip(ctx, besa, code, "AL-11", t0); !errors.Is(err, hotline.ErrNotFound) {
		t.Errorf("reassign by another county's police: %v", err)
	}
	if _, err := db.ResponderCloseTip(ctx, besa, code, hotline.OutcomeNoAction, t0); !errors.Is(err, hotline.ErrNotFound) {
		t.Errorf("close by another county's police: %v", err)
	}
	if _, err := db.ResponderCloseTip(ctx, arben, "ZZZ-9ZZ", hotline.OutcomeNoAction, t0); !errors.Is(err, hotline.ErrNotFound) {
		t.Errorf("close an unknown tip: %v", err)
	}
	// The county's coordinator (not alerted yet) moves it to Tiranë: routed again there.
	res, err := db.ReassignTip(ctx, gent, code, "AL-11", t0.Add(time.Minute))
	if err != nil || !res.Done || res.County != "AL-11" {
		t.Fatalf("reassign = %+v, %v", res, err)
	}
	if again, err := db.ReassignTip(ctx, vera, code, "AL-11", t0.Add(2*time.Minute)); err != nil || again.Done {
		t.Errorf("second reassign = %+v, %v; want nothing done", again, err)
	}
	d, err := db.Dispatch(ctx, rc.TipID, t0.Add(2*time.Minute), 5*time.Minute, composer{})
	if err != nil || !d.Done || d.Alerts == 0 {
		t.Fatalf("dispatch after reassign = %+v, %v", d, err)
	}
	got := alertsOf(t, db, t0.Add(3*time.Minute))
	if _, ok := got["alert:Besa Police"]; !ok {
		t.Errorf("Tiranë police not alerted after the move: %v", keys(got))
	}
	// Besa, now alerted, closes it; a late close by the national desk changes nothing.
	if res, err := db.ResponderCloseTip(ctx, besa, code, hotline.OutcomeReferred, t0.Add(4*time.Minute)); err != nil || !res.Done {
		t.Fatalf("close = %+v, %v", res, err)
	}
	if res, err := db.ResponderCloseTip(ctx, vera, code, hotline.OutcomeNoAction, t0.Add(5*time.Minute)); err != nil || res.Done || res.Status != hotline.StatusClosed {
		t.Errorf("late close = %+v, %v", res, err)
	}
	if res, err := db.ReassignTip(ctx, vera, code, "AL-10", t0.Add(5*time.Minute)); err != nil || res.Done {
		t.Errorf("reassign of a closed tip = %+v, %v", res, err)
	}
}
