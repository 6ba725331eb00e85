package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// Gent Coordinator has Telegram and a phone: his alerts can fall back.
var p1ShkoderCoordinatorOnly = hotline.Classification{Level: hotline.LevelP2, Intake: hotline.IntakeThirdParty, County: "AL-10"}

func TestDeliveryStatesDuplicatesAndEarlyCallbacks(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, `name,role,county,telegram_chat_id,phone,shift_start,shift_end
Gent Coordinator,coordinator,Shkodër,100000203,+355690000303,,
Vera Desk,national_desk,,100000401,,,
`)
	// P2 in Shkodër with no police on duty: the coordinator stands in.
	rc := receive(t, db, "SM1", "+355690001234", "x", t0, p1ShkoderCoordinatorOnly)
	if _, err := db.Dispatch(ctx, rc.TipID, t0, 5*time.Minute, composer{}); err != nil {
		t.Fatal(err)
	}
	claim := func(at time.Time) map[string]hotline.OutboundMessage {
		items, err := db.ClaimOutbox(ctx, at, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]hotline.OutboundMessage{}
		for _, m := range items {
			key := string(m.Kind) + ":" + string(m.Channel)
			out[key] = m
		}
		return out
	}
	first := claim(t0)
	if m, ok := first["alert:telegram"]; !ok || m.PossibleDuplicate {
		t.Fatalf("first claim: %+v", first)
	}
	// The sender died mid-send: the item comes back marked as a possible duplicate.
	again := claim(t0.Add(2 * time.Minute))
	alert, ok := again["alert:telegram"]
	if !ok || !alert.PossibleDuplicate {
		t.Fatalf("reclaimed alert not marked: %+v", again)
	}
	if err := db.MarkSent(ctx, alert.ID, "tg-1", t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Telegram failed for good: the coordinator's alert falls back to SMS.
	if fell, err := db.MarkFailed(ctx, alert.ID, "403", t0.Add(3*time.Minute)); err != nil || !fell {
		t.Fatalf("MarkFailed = %v, %v", fell, err)
	}
	sms := claim(t0.Add(3 * time.Minute))["alert:sms"]
	if sms.ID == 0 || sms.PossibleDuplicate {
		t.Fatalf("no SMS fallback: %+v", sms)
	}
	// Twilio's callbacks beat the API response: kept, applied when the send is recorded.
	for _, status := range []string{"sent", "delivered", "delivered"} {
		if _, _, err := db.RecordDeliveryStatus(ctx, "SM-early", status, "", t0.Add(3*time.Minute)); !errors.Is(err, hotline.ErrNotFound) {
			t.Fatalf("early %s: %v", status, err)
		}
	}
	if err := db.MarkSent(ctx, sms.ID, "SM-early", t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	var state string
	var dup bool
	conn := db.Pool()
	if err := conn.QueryRow(ctx, `SELECT state, possible_duplicate FROM outbox WHERE id = $1`, sms.ID).Scan(&state, &dup); err != nil || state != "delivered" || dup {
		t.Errorf("after early callbacks: %s %v %v, want delivered", state, dup, err)
	}
	// A late "sent" after "delivered" changes nothing; "undelivered" after delivered neither.
	for _, status := range []string{"sent", "undelivered"} {
		if _, failed, err := db.RecordDeliveryStatus(ctx, "SM-early", status, "30003", t0.Add(4*time.Minute)); err != nil || failed {
			t.Errorf("late %s: failed %v, %v", status, failed, err)
		}
	}
	if err := conn.QueryRow(ctx, `SELECT state FROM outbox WHERE id = $1`, sms.ID).Scan(&state); err != nil || state != "delivered" {
		t.Errorf("state after late callbacks: %s %v", state, err)
	}
}

type notices struct{}

func (notices) ContactBroken(r hotline.Responder, ch hotline.Channel, code string) string {
	return "broken " + r.Name + " " + string(ch) + " " + code
}
func (notices) SMSOptedOut(r hotline.Responder) string { return "opt in again " + r.Name }

func TestMarkContactBrokenTellsTheCoordinatorOnce(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, `name,role,county,telegram_chat_id,phone,shift_start,shift_end
Arben Hoxha,police,AL-10,100000201,+355690000301,,
Gent Coordinator,coordinator,Shkodër,100000203,,,
Vera Desk,national_desk,,100000401,,,
`)
	arben := responderID(t, db, "Arben Hoxha", hotline.RolePolice, "AL-10")
	gent := responderID(t, db, "Gent Coordinator", hotline.RoleCoordinator, "AL-10")
	for i, want := range []bool{true, false} {
		newly, err := db.MarkContactBroken(ctx, arben, hotline.ChannelTelegram, "403", t0.Add(time.Duration(i)*time.Minute), notices{})
		if err != nil || newly != want {
			t.Fatalf("MarkContactBroken #%d = %v, %v", i, newly, err)
		}
	}
	// SMS opt-out: the responder is told by Telegram — but Telegram is broken too; the coordinator hears of it.
	if newly, err := db.MarkContactBroken(ctx, arben, hotline.ChannelSMS, "21610", t0, notices{}); err != nil || !newly {
		t.Fatalf("21610: %v %v", newly, err)
	}
	// The coordinator's own Telegram breaks: the national desk is told.
	if _, err := db.MarkContactBroken(ctx, gent, hotline.ChannelTelegram, "400", t0, notices{}); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	items, err := db.ClaimOutbox(ctx, t0.Add(time.Hour), time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range items {
		got[m.Responder.Name+": "+m.Body]++
	}
	want := map[string]int{
		"Gent Coordinator: broken Arben Hoxha telegram 403": 1,
		"Gent Coordinator: broken Arben Hoxha sms 21610":    1,
		"Vera Desk: broken Gent Coordinator telegram 400":   1,
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%q sent %d times, want %d; all: %v", k, got[k], n, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("unexpected notices: %v", got)
	}
	// Arben now has no working contact; relinking Telegram restores it.
	r, _ := db.FindResponder(ctx, "Arben Hoxha", hotline.RolePolice, "AL-10")
	if r.TelegramChatID != 0 || r.Phone != "" {
		t.Errorf("broken contacts still offered: %+v", r)
	}
	if _, err := db.CreateLinkCode(ctx, arben, "DDDDDDDDDDDD", t0); err != nil {
		t.Fatal(err)
	}
	if res, err := db.LinkTelegramChat(ctx, "telegram", "relink", "DDDDDDDDDDDD", 100000201, t0.Add(time.Hour), nil); err != nil || !res.Linked || res.Responder.TelegramChatID != 100000201 {
		t.Errorf("relink = %+v, %v", res, err)
	}
}

func TestSMSOptOutIsToldByTelegram(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, `name,role,county,telegram_chat_id,phone,shift_start,shift_end
Arben Hoxha,police,AL-10,100000201,+355690000301,,
`)
	arben := responderID(t, db, "Arben Hoxha", hotline.RolePolice, "AL-10")
	if _, err := db.MarkContactBroken(ctx, arben, hotline.ChannelSMS, "21610", t0, notices{}); err != nil {
		t.Fatal(err)
	}
	items, err := db.ClaimOutbox(ctx, t0, time.Minute, 10)
	if err != nil || len(items) != 1 || items[0].Channel != hotline.ChannelTelegram || items[0].Body != "opt in again Arben Hoxha" {
		t.Errorf("items = %+v, %v; want one opt-in note by Telegram", items, err)
	}
}

func TestResponderP3ItemsAreSilent(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, roster)
	gent := responderID(t, db, "Gent Coordinator", hotline.RoleCoordinator, "AL-10")
	for _, prio := range []int{1, 3} {
		if _, err := db.Pool().Exec(ctx, `INSERT INTO outbox (kind, responder_id, channel, body, priority, next_attempt_at, created_at)
			VALUES ('digest', $1, 'telegram', $2, $3, $4, $4)`, gent, fmt.Sprint("priority ", prio), prio, t0); err != nil {
			t.Fatal(err)
		}
	}
	items, err := db.ClaimOutbox(ctx, t0, time.Minute, 10)
	if err != nil || len(items) != 2 {
		t.Fatalf("claimed %d, %v", len(items), err)
	}
	for _, m := range items {
		if m.Silent != (m.Priority == 3) {
			t.Errorf("priority %d: Silent %v", m.Priority, m.Silent)
		}
	}
}
