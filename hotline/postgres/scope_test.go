package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
)

// TestOnlyThoseAlertedOrAllowedActOnATip: acknowledging, escalating,
// replying to the reporter and closing need an alert about the tip or the
// console's access rule; anyone else is answered like an unknown code, and
// nothing changes.
func TestOnlyThoseAlertedOrAllowedActOnATip(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, roster)
	find := func(name string, role hotline.Role, county string) hotline.Responder {
		return findResponder(t, db, name, role, county)
	}
	besa := find("Besa Police", hotline.RolePolice, "AL-11")
	arben := find("Arben Hoxha", hotline.RolePolice, "AL-10")
	night := find("Night Officer", hotline.RolePolice, "AL-10") // off duty at t0: not alerted
	ilir := find("Ilir Control", hotline.RoleInternalControl, "")

	complicityTirana := hotline.Classification{Level: hotline.LevelP1, Intake: hotline.IntakeOfficialComplicity, County: "AL-11", DangerNow: true}
	tips := map[string]string{}
	for i, tip := range []struct {
		name, contact string
		c             hotline.Classification
	}{{"shkoder", "+355690001111", p1Shkoder}, {"complicity", "+355690002222", complicityTirana}} {
		rc := receive(t, db, fmt.Sprint("SM", i), tip.contact, "tip", t0, tip.c)
		if _, err := db.Dispatch(ctx, rc.TipID, t0, 5*time.Minute, composer{}); err != nil {
			t.Fatal(err)
		}
		tips[tip.name] = rc.ReferenceCode
	}
	now := t0.Add(time.Minute)
	n := 0
	act := map[string]func(r hotline.Responder, code string) error{
		"acknowledge": func(r hotline.Responder, code string) error {
			_, err := db.Acknowledge(ctx, "test", fmt.Sprint("ack", n), code, r, hotline.ChannelTelegram, now, func(hotline.AckResult) string { return "" })
			return err
		},
		"escalate": func(r hotline.Responder, code string) error {
			return db.EscalateNow(ctx, "test", fmt.Sprint("esc", n), code, r, now)
		},
		"reply": func(r hotline.Responder, code string) error {
			_, err := db.RelayToReporter(ctx, "test", fmt.Sprint("relay", n), code, r, hotline.ChannelTelegram, "who are you?", now, time.Hour,
				nil, func(hotline.RelayResult) string { return "" })
			return err
		},
		"close": func(r hotline.Responder, code string) error {
			_, err := db.ResponderCloseTip(ctx, r, code, hotline.OutcomeNoAction, now)
			return err
		},
		"reassign": func(r hotline.Responder, code string) error {
			_, err := db.ReassignTip(ctx, r, code, "AL-12", now)
			return err
		},
	}
	refused := []struct {
		who  hotline.Responder
		tip  string
		name string
	}{
		{besa, "shkoder", "police of another county"},
		{besa, "complicity", "county police on a complicity tip of their county"},
		{arben, "complicity", "police of another county on a complicity tip"},
		{night, "shkoder", "county police reassigning (not theirs to supervise)"},
	}
	for _, c := range refused {
		for _, a := range []string{"acknowledge", "escalate", "reply", "close", "reassign"} {
			if c.who.ID == night.ID && a != "reassign" {
				continue
			}
			n++
			if err := act[a](c.who, tips[c.tip]); !errors.Is(err, hotline.ErrNotFound) {
				t.Errorf("%s: %s = %v, want ErrNotFound like an unknown code", c.name, a, err)
			}
		}
	}
	for name, code := range tips {
		var acked, relays, closed int
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE acknowledged_at IS NOT NULL OR escalate_at = $2),
			(SELECT count(*) FROM outbox o WHERE o.tip_id = t.id AND o.kind = 'relay'), count(*) FILTER (WHERE status = 'closed')
			FROM tips t WHERE reference_code = $1 GROUP BY t.id`, code, now).Scan(&acked, &relays, &closed); err != nil {
			t.Fatal(err)
		}
		if acked+relays+closed != 0 {
			t.Errorf("%s tip changed by refused responders: acknowledged/escalated %d, relays %d, closed %d", name, acked, relays, closed)
		}
	}
	// Allowed: alerted (internal control on the complicity tip), or allowed
	// by the access rule (the county's police, off duty and not alerted).
	for _, c := range []struct {
		who hotline.Responder
		tip string
	}{{ilir, "complicity"}, {night, "shkoder"}} {
		for _, a := range []string{"reply", "acknowledge"} {
			n++
			if err := act[a](c.who, tips[c.tip]); err != nil {
				t.Errorf("%s on %s by %s: %v", a, c.tip, c.who.Name, err)
			}
		}
	}
}

// findResponder returns the roster's responder by name, role and county.
func findResponder(t *testing.T, db *postgres.DB, name string, role hotline.Role, county string) hotline.Responder {
	t.Helper()
	r, err := db.FindResponder(context.Background(), name, role, county)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
