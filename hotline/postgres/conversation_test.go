package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// The reply window is checked again when the sender claims a message: a
// reply that waited past it is dropped, a relay is held until the reporter
// writes again, then sent.
func TestReplyWindowCheckedAtSendTime(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	importRoster(t, db, roster)
	db.SetReplyWindow(15 * time.Minute)
	rc := receive(t, db, "SM1", "+355690001234", "tip", t0, p1Shkoder)
	if _, err := db.Dispatch(ctx, rc.TipID, t0, 5*time.Minute, composer{}); err != nil {
		t.Fatal(err)
	}
	officer, err := db.ResponderByTelegramChat(ctx, 100000201)
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.RelayToReporter(ctx, "test", "1", rc.ReferenceCode, officer, hotline.ChannelTelegram, "Ku jeni?",
		t0.Add(14*time.Minute), 15*time.Minute, nil, func(hotline.RelayResult) string { return "" })
	if err != nil || res.Held || res.Unreachable {
		t.Fatalf("relay within the window: %+v %v", res, err)
	}
	// The sender comes round 20 minutes after the reporter's message.
	items, err := db.ClaimOutbox(ctx, t0.Add(20*time.Minute), time.Minute, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range items {
		if m.ReporterID != 0 {
			t.Fatalf("claimed %s to the reporter outside the reply window", m.Kind)
		}
	}
	// The reporter writes again: the relay goes, the stale first reply does not.
	receive(t, db, "SM2", "+355690001234", "jam këtu", t0.Add(30*time.Minute), p1Shkoder)
	items, err = db.ClaimOutbox(ctx, t0.Add(30*time.Minute), time.Minute, 50)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []hotline.OutboxKind
	for _, m := range items {
		if m.ReporterID != 0 {
			kinds = append(kinds, m.Kind)
		}
	}
	if len(kinds) != 2 || kinds[0] != hotline.OutboxRelay || kinds[1] != hotline.OutboxReporterReply {
		t.Fatalf("to the reporter after they wrote again: %v, want [relay reporter_reply]", kinds)
	}
}
