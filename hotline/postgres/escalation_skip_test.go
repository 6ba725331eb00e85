package postgres_test

import (
	"context"
	"testing"
	"time"
)

// TestEscalationSkipsAStepAlreadyAlerted: the coordinator alerted as
// stand-in for a missing Child Protection Unit is not alerted again at the
// first escalation; the national desk is, after one ESCALATE_AFTER.
func TestEscalationSkipsAStepAlreadyAlerted(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, roster)
	child := p1Shkoder
	child.Child = true
	rc := receive(t, db, "SM1", "+355690001234", "x", t0, child)
	if _, err := db.Dispatch(ctx, rc.TipID, t0, 5*time.Minute, composer{}); err != nil {
		t.Fatal(err)
	}
	if first := alertsOf(t, db, t0); len(first) == 0 {
		t.Fatal("no first alerts")
	} else if _, ok := first["alert:Gent Coordinator"]; !ok {
		t.Fatalf("coordinator not alerted as stand-in: %v", keys(first))
	}
	if n, err := db.EscalateDue(ctx, t0.Add(5*time.Minute), 5*time.Minute, composer{}, 10); err != nil || n != 1 {
		t.Fatalf("escalated %d, %v", n, err)
	}
	got := alertsOf(t, db, t0.Add(5*time.Minute))
	if _, ok := got["escalation:Vera Desk"]; !ok || len(got) != 1 {
		t.Errorf("first escalation sent %v, want only the national desk", keys(got))
	}
	// The national desk step is the last: it repeats as a reminder.
	if n, err := db.EscalateDue(ctx, t0.Add(10*time.Minute), 5*time.Minute, composer{}, 10); err != nil || n != 1 {
		t.Fatalf("second pass escalated %d, %v", n, err)
	}
	if got := alertsOf(t, db, t0.Add(10*time.Minute)); len(got) != 1 {
		t.Errorf("reminder sent %v, want the national desk again", keys(got))
	}
	var step int
	if err := db.Pool().QueryRow(ctx, `SELECT escalation_step FROM tips WHERE id = $1`, rc.TipID).Scan(&step); err != nil || step != 3 {
		t.Errorf("escalation step %d, %v; want 3", step, err)
	}
}
