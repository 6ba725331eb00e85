package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

func TestSilentChannelToldOnceAndOnRecovery(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, roster)
	words := func(source string, silent bool) string { return fmt.Sprintf("%s silent=%v", source, silent) }
	told := func(at time.Time) []string {
		items, err := db.ClaimOutbox(ctx, at, time.Minute, 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range items {
			if err := db.MarkSent(ctx, m.ID, fmt.Sprint("x", m.ID), at); err != nil {
				t.Fatal(err)
			}
			if m.Responder != nil {
				out = append(out, m.Responder.Name+": "+m.Body)
			}
		}
		return out
	}
	for i, tc := range []struct {
		at      time.Time
		receive bool
		want    string
	}{
		{t0, false, ""},                    // nothing ever received: watching starts
		{t0.Add(5 * time.Hour), false, ""}, // not yet 6 h
		{t0.Add(7 * time.Hour), false, "Vera Desk: twilio silent=true"},
		{t0.Add(8 * time.Hour), false, ""}, // once
		{t0.Add(9 * time.Hour), true, "Vera Desk: twilio silent=false"},
		{t0.Add(10 * time.Hour), false, ""},
		{t0.Add(16 * time.Hour), false, "Vera Desk: twilio silent=true"}, // silent again
	} {
		if tc.receive {
			receive(t, db, fmt.Sprint("SM", i), "+355690001234", "x", tc.at, hotline.Classification{Level: hotline.LevelP4})
		}
		if _, _, err := db.CheckSilence(ctx, tc.at, 6*time.Hour, []string{"twilio"}, words); err != nil {
			t.Fatal(err)
		}
		got := told(tc.at)
		if (tc.want == "" && len(got) != 0) || (tc.want != "" && (len(got) != 1 || got[0] != tc.want)) {
			t.Errorf("check %d: told %v, want %q", i, got, tc.want)
		}
	}
}

// TestFailingComponentToldOnceAndOnRecovery: a component failing is told to
// the on-duty national desk once, on the channel that is not failing when
// they can be reached there, and again when it works; another process whose
// part works does not clear (and so re-raise) it.
func TestFailingComponentToldOnceAndOnRecovery(t *testing.T) {
	db, conn := openDBWithConn(t) // Vera Desk: Telegram only
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `UPDATE responders SET phone = '+355690000401' WHERE name = 'Vera Desk'`); err != nil {
		t.Fatal(err)
	}
	words := func(component string, failing bool) string { return fmt.Sprintf("%s failing=%v", component, failing) }
	via := func(component string) hotline.Channel {
		if component == "sender_sms" {
			return hotline.ChannelTelegram
		}
		return hotline.ChannelSMS
	}
	for i, tc := range []struct {
		process string
		states  map[string]bool
		want    []string // "channel: body"
	}{
		{"a", map[string]bool{"telegram_poller": false, "sender_sms": false}, nil},
		{"a", map[string]bool{"telegram_poller": true}, []string{"sms: telegram_poller failing=true"}},
		{"a", map[string]bool{"telegram_poller": true}, nil}, // the same state again
		{"a", map[string]bool{"sender_sms": true, "telegram_poller": true}, []string{"telegram: sender_sms failing=true"}},
		{"b", map[string]bool{"sender_sms": false}, nil}, // another process whose sender works: a's condition stays
		{"a", map[string]bool{"sender_sms": true}, nil},  // so a's is not raised again
		{"a", map[string]bool{"telegram_poller": false}, []string{"sms: telegram_poller failing=false"}},
		{"a", map[string]bool{"telegram_poller": false, "sender_sms": false}, []string{"telegram: sender_sms failing=false"}},
	} {
		at := t0.Add(time.Duration(i) * time.Minute)
		if _, _, err := db.CheckComponents(ctx, at, tc.process, tc.states, via, words); err != nil {
			t.Fatal(err)
		}
		rows, err := conn.Query(ctx, `SELECT o.channel || ': ' || o.body FROM outbox o JOIN responders r ON r.id = o.responder_id
			WHERE r.name = 'Vera Desk' AND o.created_at = $1 ORDER BY o.id`, at)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			got = append(got, s)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("check %d: told %v, want %v", i, got, tc.want)
		}
	}
}
