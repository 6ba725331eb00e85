package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

func TestEscalationPolicyStepsRepeatAndEnd(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, roster)
	steps, err := hotline.ParseEscalationSteps("on_duty 1m; national_desk 2m")
	if err != nil {
		t.Fatal(err)
	}
	db.SetEscalationPolicy(hotline.EscalationPolicy{Steps: map[hotline.Level][]hotline.EscalationStep{hotline.LevelP1: steps}, Repeat: 1})
	rc := receive(t, db, "SM1", "+355690001234", "x", t0, p1Shkoder)
	if _, err := db.Dispatch(ctx, rc.TipID, t0, 5*time.Minute, composer{}); err != nil {
		t.Fatal(err)
	}
	alertsOf(t, db, t0)
	conn := db.Pool()
	deadline := func() *time.Time {
		var at *time.Time
		if err := conn.QueryRow(ctx, `SELECT escalate_at FROM tips WHERE id = $1`, rc.TipID).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	if at := deadline(); at == nil || !at.Equal(t0.Add(time.Minute)) {
		t.Fatalf("first deadline %v, want the policy's 1m", at)
	}
	for i, tc := range []struct {
		at       time.Time
		escalate int
		to       string
		next     *time.Time
	}{
		{t0.Add(30 * time.Second), 0, "", nil},
		{t0.Add(time.Minute), 1, "escalation:Vera Desk", ptr(t0.Add(3 * time.Minute))},     // straight to the desk: no coordinator step
		{t0.Add(3 * time.Minute), 1, "escalation:Vera Desk", ptr(t0.Add(5 * time.Minute))}, // repeated once
		{t0.Add(5 * time.Minute), 1, "", nil},                                              // ended
	} {
		n, err := db.EscalateDue(ctx, tc.at, 5*time.Minute, composer{}, 10)
		if err != nil || n != tc.escalate {
			t.Fatalf("pass %d: escalated %d, %v", i, n, err)
		}
		got := alertsOf(t, db, tc.at)
		if tc.to != "" {
			if _, ok := got[tc.to]; !ok || len(got) != 1 {
				t.Errorf("pass %d: sent %v, want only %s", i, keys(got), tc.to)
			}
			if at := deadline(); at == nil || !at.Equal(*tc.next) {
				t.Errorf("pass %d: next deadline %v, want %v", i, at, tc.next)
			}
		} else if len(got) != 0 {
			t.Errorf("pass %d: sent %v, want nothing", i, keys(got))
		}
	}
	if at := deadline(); at != nil {
		t.Errorf("escalation did not end: deadline %v", at)
	}
	var ended int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'escalation_ended' AND tip_id = $1`, rc.TipID).Scan(&ended); err != nil || ended != 1 {
		t.Errorf("escalation_ended audited %d times, %v", ended, err)
	}
}

func ptr(t time.Time) *time.Time { return &t }

func TestP1NeedsBothPoliceAndSocialWorker(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, roster)
	p := hotline.DefaultEscalationPolicy(5 * time.Minute)
	p.P1NeedsBoth = true
	db.SetEscalationPolicy(p)
	find := func(name string, role hotline.Role) hotline.Responder {
		r, err := db.FindResponder(ctx, name, role, "AL-10")
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	arben, drita := find("Arben Hoxha", hotline.RolePolice), find("Drita Leka", hotline.RoleSocialWorker)
	rc := receive(t, db, "SM1", "+355690001234", "x", t0, p1Shkoder)
	if _, err := db.Dispatch(ctx, rc.TipID, t0, 5*time.Minute, composer{}); err != nil {
		t.Fatal(err)
	}
	ok := func(hotline.AckResult) string { return "ok" }
	res, err := db.Acknowledge(ctx, "telegram", "1", rc.ReferenceCode, arben, hotline.ChannelTelegram, t0.Add(time.Minute), ok)
	if err != nil || res.First || res.WaitingFor != hotline.RoleSocialWorker {
		t.Fatalf("police acknowledgement = %+v, %v; want waiting for the social worker", res, err)
	}
	if n, err := db.EscalateDue(ctx, t0.Add(5*time.Minute), 5*time.Minute, composer{}, 10); err != nil || n != 1 {
		t.Fatalf("escalation after one of two acknowledgements: %d, %v; want it to go on", n, err)
	}
	res, err = db.Acknowledge(ctx, "sms", "2", rc.ReferenceCode, drita, hotline.ChannelSMS, t0.Add(6*time.Minute), ok)
	if err != nil || !res.First || res.WaitingFor != "" {
		t.Fatalf("social worker acknowledgement = %+v, %v; want escalation stopped", res, err)
	}
	if n, err := db.EscalateDue(ctx, t0.Add(time.Hour), 5*time.Minute, composer{}, 10); err != nil || n != 0 {
		t.Errorf("escalated after both acknowledged: %d, %v", n, err)
	}
}
