package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

func TestShiftHandoverOfAcknowledgedOpenTips(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	importRoster(t, db, `name,role,county,telegram_chat_id,phone,shift_start,shift_end
Day Officer,police,AL-10,100000201,,2026-12-01T08:00:00Z,2026-12-01T16:00:00Z
Evening Officer,police,AL-10,100000202,,2026-12-01T16:00:00Z,2026-12-02T00:00:00Z
Drita Leka,social_worker,AL-10,,+355690000302,,
Vera Desk,national_desk,,100000401,,,
`)
	dayOfficer, err := db.FindResponder(ctx, "Day Officer", hotline.RolePolice, "AL-10")
	if err != nil {
		t.Fatal(err)
	}
	evening := responderID(t, db, "Evening Officer", hotline.RolePolice, "AL-10")
	rc := receive(t, db, "SM1", "+355690001234", "x", day.Add(10*time.Hour), p1Shkoder)
	if _, err := db.Dispatch(ctx, rc.TipID, day.Add(10*time.Hour), 5*time.Minute, composer{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Acknowledge(ctx, "sms", "k1", rc.ReferenceCode, dayOfficer, hotline.ChannelTelegram, day.Add(10*time.Hour+time.Minute), func(hotline.AckResult) string { return "" }); err != nil {
		t.Fatal(err)
	}
	alertsOf(t, db, day.Add(11*time.Hour))
	words := func(tip hotline.TipSummary, from []string) string {
		return "yours now " + tip.ReferenceCode + " from " + strings.Join(from, ",")
	}
	for i, tc := range []struct {
		at   time.Time
		want int
	}{
		{day.Add(12 * time.Hour), 0}, // the day officer is still on duty
		{day.Add(16 * time.Hour), 1}, // shift change
		{day.Add(17 * time.Hour), 0}, // once
	} {
		n, err := db.HandOver(ctx, tc.at, words)
		if err != nil || n != tc.want {
			t.Fatalf("pass %d: %d handovers, %v; want %d", i, n, err, tc.want)
		}
		got := alertsOf(t, db, tc.at)
		if tc.want == 1 {
			if m, ok := got["confirmation:Evening Officer"]; !ok || m.Body != "yours now "+rc.ReferenceCode+" from Day Officer" {
				t.Errorf("handover message: %v", got)
			}
		}
	}
	mine, err := db.AcknowledgedOpenTips(ctx, evening)
	if err != nil || len(mine) != 1 || mine[0].ReferenceCode != rc.ReferenceCode {
		t.Errorf("/mytips of the evening officer = %+v, %v", mine, err)
	}
}
