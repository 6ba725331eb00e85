package postgres_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
)

const rotationRoster = `name,role,county,telegram_chat_id,phone,shift_start,shift_end
Arben Hoxha,police,AL-10,100000201,,,
Besnik Kola,police,AL-10,100000202,,,
Clirim Dema,police,AL-10,,+355690000304,,
Drita Leka,social_worker,AL-10,,+355690000302,2026-12-01T07:00:00Z,2026-12-01T15:00:00Z
Vera Desk,national_desk,,100000401,,,
Besa Police,police,AL-11,100000601,,,
`

func responderID(t *testing.T, db *postgres.DB, name string, role hotline.Role, county string) int64 {
	t.Helper()
	r, err := db.FindResponder(context.Background(), name, role, county)
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func names(rs []hotline.Responder) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return strings.Join(out, ", ")
}

func TestRotationsAndOverridesDecideWhoIsOnDuty(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, rotationRoster)
	arben := responderID(t, db, "Arben Hoxha", hotline.RolePolice, "AL-10")
	besnik := responderID(t, db, "Besnik Kola", hotline.RolePolice, "AL-10")
	clirim := responderID(t, db, "Clirim Dema", hotline.RolePolice, "AL-10")
	besa := responderID(t, db, "Besa Police", hotline.RolePolice, "AL-11")
	drita := responderID(t, db, "Drita Leka", hotline.RoleSocialWorker, "AL-10")

	// Before any rotation, every police officer imported without shifts is always on duty.
	if got, _ := db.OnDutyAt(ctx, t0); names(got) != "Vera Desk, Arben Hoxha, Besnik Kola, Clirim Dema, Besa Police" {
		t.Fatalf("on duty before rotations: %s", names(got))
	}
	// Shkodër police hand over on Mondays 08:00 local, starting 2026-10-19 (summer time).
	rot := hotline.Rotation{Name: "Shkodër police", Role: hotline.RolePolice, County: "AL-10",
		FirstHandover: time.Date(2026, 10, 19, 0, 0, 0, 0, hotline.Tirane), HandoverMinute: 8 * 60,
		Members: []int64{arben, besnik}}
	if _, err := db.AddRotation(ctx, rot, t0); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		name string
		rot  hotline.Rotation
		want error
	}{
		{"same name", rot, hotline.ErrConflict},
		{"member of another county", hotline.Rotation{Name: "x", Role: hotline.RolePolice, County: "AL-10", FirstHandover: rot.FirstHandover, Members: []int64{besa}}, hotline.ErrInvalid},
		{"member of another role", hotline.Rotation{Name: "y", Role: hotline.RolePolice, County: "AL-10", FirstHandover: rot.FirstHandover, Members: []int64{drita}}, hotline.ErrInvalid},
		{"member twice", hotline.Rotation{Name: "z", Role: hotline.RolePolice, County: "AL-10", FirstHandover: rot.FirstHandover, Members: []int64{clirim, clirim}}, hotline.ErrInvalid},
		{"no members", hotline.Rotation{Name: "w", Role: hotline.RolePolice, County: "AL-10", FirstHandover: rot.FirstHandover}, hotline.ErrInvalid},
	} {
		if _, err := db.AddRotation(ctx, bad.rot, t0); !errors.Is(err, bad.want) {
			t.Errorf("AddRotation %s: %v, want %v", bad.name, err, bad.want)
		}
	}
	stored, err := db.Rotations(ctx)
	if err != nil || len(stored) != 1 || !reflect.DeepEqual(stored[0].Members, []int64{arben, besnik}) ||
		stored[0].Weekday() != time.Monday || !stored[0].Handover(1).Equal(time.Date(2026, 10, 26, 7, 0, 0, 0, time.UTC)) {
		t.Fatalf("Rotations = %+v, %v", stored, err)
	}
	cover, err := db.AddOverride(ctx, hotline.Override{CoveringID: clirim, CoveredID: besnik,
		Start: time.Date(2026, 10, 27, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 10, 28, 0, 0, 0, 0, time.UTC)}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddOverride(ctx, hotline.Override{CoveringID: besa, CoveredID: besnik,
		Start: time.Date(2026, 10, 27, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 10, 28, 0, 0, 0, 0, time.UTC)}, t0); !errors.Is(err, hotline.ErrInvalid) {
		t.Errorf("override across counties: %v", err)
	}

	steps := []struct {
		at   string
		want string
	}{
		{"2026-10-19T05:59:00Z", "Vera Desk, Clirim Dema, Besa Police"},
		{"2026-10-19T06:00:00Z", "Vera Desk, Arben Hoxha, Clirim Dema, Besa Police"},
		// 2026-10-25 summer time ended: 08:00 local is now 07:00Z.
		{"2026-10-26T06:30:00Z", "Vera Desk, Arben Hoxha, Clirim Dema, Besa Police"},
		{"2026-10-26T07:00:00Z", "Vera Desk, Besnik Kola, Clirim Dema, Besa Police"},
		{"2026-10-27T12:00:00Z", "Vera Desk, Clirim Dema, Besa Police"}, // Clirim covers Besnik
	}
	for _, s := range steps {
		at, _ := time.Parse(time.RFC3339, s.at)
		got, err := db.OnDutyAt(ctx, at)
		if err != nil || names(got) != s.want {
			t.Errorf("on duty at %s: %s (%v), want %s", s.at, names(got), err, s.want)
		}
	}
	if err := db.CancelOverride(ctx, cover, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.CancelOverride(ctx, cover, t0); !errors.Is(err, hotline.ErrNotFound) {
		t.Errorf("second cancel: %v", err)
	}
	if got, _ := db.OnDutyAt(ctx, time.Date(2026, 10, 27, 12, 0, 0, 0, time.UTC)); names(got) != "Vera Desk, Besnik Kola, Clirim Dema, Besa Police" {
		t.Errorf("after cancelling the override: %s", names(got))
	}
	if ov, err := db.Overrides(ctx, t0); err != nil || len(ov) != 0 {
		t.Errorf("Overrides after cancel = %v, %v", ov, err)
	}
	if err := db.RemoveRotation(ctx, "Shkodër police", t0); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveRotation(ctx, "Shkodër police", t0); !errors.Is(err, hotline.ErrNotFound) {
		t.Errorf("second remove: %v", err)
	}
	if got, _ := db.OnDutyAt(ctx, time.Date(2026, 10, 27, 12, 0, 0, 0, time.UTC)); names(got) != "Vera Desk, Arben Hoxha, Besnik Kola, Clirim Dema, Besa Police" {
		t.Errorf("after removing the rotation: %s", names(got))
	}
}

func TestDeactivateResponderStopsAlertsAtOnce(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, roster)
	arben := responderID(t, db, "Arben Hoxha", hotline.RolePolice, "AL-10")
	code := "Q7DXJ2MH4K"
	if _, err := db.CreateLinkCode(ctx, arben, code, t0); err != nil {
		t.Fatal(err)
	}
	rc := receive(t, db, "SM1", "+355690001234", "text", t0, p1Shkoder)
	if _, err := db.Dispatch(ctx, rc.TipID, t0, 5*time.Minute, composer{}); err != nil {
		t.Fatal(err)
	}
	res, err := db.DeactivateResponder(ctx, arben, "cli", t0.Add(time.Minute))
	if err != nil || res.AlreadyInactive || res.StoppedMessages != 1 {
		t.Fatalf("DeactivateResponder = %+v, %v; want one queued alert stopped", res, err)
	}
	r, err := db.FindResponder(ctx, "Arben Hoxha", hotline.RolePolice, "AL-10")
	if err != nil || r.Active || r.TelegramChatID != 0 {
		t.Errorf("after deactivation: %+v, %v", r, err)
	}
	if got, _ := db.OnDutyAt(ctx, t0.Add(2*time.Minute)); strings.Contains(names(got), "Arben") {
		t.Errorf("deactivated responder still on duty: %s", names(got))
	}
	if res, err := db.LinkTelegramChat(ctx, "telegram", "u1", code, 555, t0.Add(2*time.Minute), nil); err != nil || res.Linked {
		t.Errorf("link code after deactivation: %+v, %v", res, err)
	}
	items, err := db.ClaimOutbox(ctx, t0.Add(2*time.Minute), time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Responder != nil && it.Responder.ID == arben {
			t.Errorf("an alert to the deactivated responder is still claimed: %+v", it)
		}
	}
	if res, err := db.DeactivateResponder(ctx, arben, "cli", t0.Add(3*time.Minute)); err != nil || !res.AlreadyInactive {
		t.Errorf("second deactivation = %+v, %v", res, err)
	}
	if at, err := db.ResponderDeactivatedAt(ctx, arben); err != nil || at == nil || !at.Equal(t0.Add(time.Minute)) {
		t.Errorf("deactivated_at = %v, %v", at, err)
	}
}
