package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// A message from another person who wrote the tip's code is labelled so in
// the alert text and in the console transcript; the reporter's are not.
func TestAnotherPersonLabelledInAlertsAndTranscript(t *testing.T) {
	db, raw := openDBWithConn(t)
	ctx := context.Background()
	importRoster(t, db, roster)
	rc := receive(t, db, "SM1", "+355690001234", "Në Shkodër mbajnë vajza", t0, p1Shkoder)
	receive(t, db, "SM2", "+355690008888", rc.ReferenceCode+" makina është e kuqe", t0.Add(time.Minute), p1Shkoder)
	if _, err := db.Dispatch(ctx, rc.TipID, t0.Add(time.Minute), 5*time.Minute, composer{}); err != nil {
		t.Fatal(err)
	}
	var alert string
	if err := raw.QueryRow(ctx, `SELECT body FROM outbox WHERE tip_id = $1 AND kind = 'alert' LIMIT 1`, rc.TipID).Scan(&alert); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(alert, "Në Shkodër mbajnë vajza\n[nga një person tjetër, jo sinjalizuesi] "+rc.ReferenceCode+" makina") {
		t.Errorf("alert does not label the other person's message: %q", alert)
	}
	d, err := db.ConsoleTip(ctx, hotline.Viewer{ResponderID: 1, Role: hotline.RoleNationalDesk}, rc.ReferenceCode, t0.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var others []bool
	for _, it := range d.Transcript {
		if it.Direction == "in" {
			others = append(others, it.OtherPerson)
		}
	}
	if len(others) != 2 || others[0] || !others[1] {
		t.Errorf("incoming messages labelled as another person: %v, want [false true]", others)
	}
}
