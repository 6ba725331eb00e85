package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

func TestRemindersForAcknowledgedTipsNotClosed(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, roster)
	arben, err := db.FindResponder(ctx, "Arben Hoxha", hotline.RolePolice, "AL-10")
	if err != nil {
		t.Fatal(err)
	}
	rc := receive(t, db, "SM1", "+355690001234", "x", t0, p1Shkoder)
	if _, err := db.Dispatch(ctx, rc.TipID, t0, 5*time.Minute, composer{}); err != nil {
		t.Fatal(err)
	}
	acked := t0.Add(time.Minute)
	if _, err := db.Acknowledge(ctx, "sms", "k1", rc.ReferenceCode, arben, hotline.ChannelTelegram, acked, func(hotline.AckResult) string { return "" }); err != nil {
		t.Fatal(err)
	}
	alertsOf(t, db, acked) // drain the alerts
	words := func(tip hotline.TipSummary, hours int) (string, []hotline.Button) {
		return fmt.Sprintf("remind %s %dh", tip.ReferenceCode, hours), []hotline.Button{{Text: "close", Data: "close:" + tip.ReferenceCode}}
	}
	day := 24 * time.Hour
	for i, tc := range []struct {
		at   time.Time
		want int
		body string
	}{
		{acked.Add(23 * time.Hour), 0, ""},
		{acked.Add(day), 1, "remind " + rc.ReferenceCode + " 24h"},
		{acked.Add(day + time.Hour), 0, ""}, // not again within the period
		{acked.Add(2*day + time.Minute), 1, "remind " + rc.ReferenceCode + " 48h"},
	} {
		n, err := db.QueueReminders(ctx, tc.at, day, words, 10)
		if err != nil || n != tc.want {
			t.Fatalf("pass %d: %d reminders, %v; want %d", i, n, err, tc.want)
		}
		got := alertsOf(t, db, tc.at)
		if tc.want == 1 {
			m, ok := got["reminder:Arben Hoxha"]
			if !ok || m.Body != tc.body || !m.Silent || len(m.Buttons) != 1 {
				t.Errorf("pass %d: %v", i, got)
			}
		}
	}
	if _, err := db.CloseTip(ctx, "cli", rc.ReferenceCode, hotline.OutcomeReferred, acked.Add(3*day)); err != nil {
		t.Fatal(err)
	}
	if n, err := db.QueueReminders(ctx, acked.Add(10*day), day, words, 10); err != nil || n != 0 {
		t.Errorf("closed tip reminded: %d, %v", n, err)
	}
}
