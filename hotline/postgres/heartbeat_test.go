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
