package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

func TestTelegramLinkCodes(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, roster)
	drita := responderID(t, db, "Drita Leka", hotline.RoleSocialWorker, "AL-10")
	gent := responderID(t, db, "Gent Coordinator", hotline.RoleCoordinator, "AL-10")
	for i, c := range []struct {
		id   int64
		code string
		at   time.Time
	}{{drita, "AAAAAAAAAAAA", t0}, {drita, "BBBBBBBBBBBB", t0}, {gent, "CCCCCCCCCCCC", t0}} {
		expires, err := db.CreateLinkCode(ctx, c.id, c.code, c.at)
		if err != nil || !expires.Equal(c.at.Add(24*time.Hour)) {
			t.Fatalf("CreateLinkCode %d: %v, %v", i, expires, err)
		}
	}
	welcome := func(r hotline.Responder) string { return "welcome " + r.Name }
	steps := []struct {
		name      string
		key, code string
		chat      int64
		at        time.Time
		linked    bool
		duplicate bool
	}{
		{"wrong code", "1", "ZZZZZZZZZZZZ", 700, t0.Add(time.Hour), false, false},
		{"valid code, any case", "2", "aaaaaaaaaaaa", 700, t0.Add(time.Hour), true, false},
		{"same delivery again", "2", "aaaaaaaaaaaa", 700, t0.Add(time.Hour), false, true},
		{"used code", "3", "AAAAAAAAAAAA", 701, t0.Add(2 * time.Hour), false, false},
		{"expired code", "4", "BBBBBBBBBBBB", 702, t0.Add(24 * time.Hour), false, false},
		{"a county group: the coordinator joins the same chat", "5", "CCCCCCCCCCCC", -4012345678, t0.Add(time.Hour), true, false},
	}
	for _, s := range steps {
		res, err := db.LinkTelegramChat(ctx, "telegram", s.key, s.code, s.chat, s.at, welcome)
		if err != nil || res.Linked != s.linked || res.Duplicate != s.duplicate || (s.linked && res.Responder.TelegramChatID != s.chat) {
			t.Errorf("%s: %+v, %v", s.name, res, err)
		}
	}
	if r, err := db.ResponderByTelegramChat(ctx, 700); err != nil || r.ID != drita {
		t.Errorf("chat 700 = %+v, %v; want Drita", r, err)
	}
	// The group becomes a supergroup: its responders follow; repeating it is harmless.
	for _, want := range []int{1, 0} {
		if n, err := db.MigrateTelegramChat(ctx, -4012345678, -1002012345678, t0.Add(3*time.Hour)); err != nil || n != want {
			t.Errorf("MigrateTelegramChat = %d, %v; want %d", n, err, want)
		}
	}
	if r, err := db.ResponderByTelegramChat(ctx, -1002012345678); err != nil || r.ID != gent {
		t.Errorf("supergroup = %+v, %v; want the coordinator", r, err)
	}
	items, err := db.ClaimOutbox(ctx, t0.Add(4*time.Hour), time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	welcomes := 0
	for _, it := range items {
		if it.Kind == hotline.OutboxConfirmation && it.Channel == hotline.ChannelTelegram && (it.Body == "welcome Drita Leka" || it.Body == "welcome Gent Coordinator") {
			welcomes++
		}
	}
	if welcomes != 2 {
		t.Errorf("%d welcome messages queued, want 2: %+v", welcomes, items)
	}
}

func TestAcknowledgedOpenTips(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, roster)
	arben, err := db.FindResponder(ctx, "Arben Hoxha", hotline.RolePolice, "AL-10")
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for i, key := range []string{"SM1", "SM2", "SM3"} {
		rc := receive(t, db, key, "+35569000100"+key[2:], "text", t0.Add(time.Duration(i)*time.Hour), p1Shkoder)
		codes = append(codes, rc.ReferenceCode)
	}
	for i, code := range codes[:2] {
		if _, err := db.Acknowledge(ctx, "telegram", code, code, arben, hotline.ChannelTelegram, t0.Add(time.Duration(5+i)*time.Hour), func(hotline.AckResult) string { return "ok" }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.CloseTip(ctx, "cli", codes[1], hotline.OutcomeReferred, t0.Add(7*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := db.AcknowledgedOpenTips(ctx, arben.ID)
	if err != nil || len(got) != 1 || got[0].ReferenceCode != codes[0] || got[0].Level != hotline.LevelP1 || got[0].County != "AL-10" {
		t.Errorf("AcknowledgedOpenTips = %+v, %v; want only %s", got, err, codes[0])
	}
}
