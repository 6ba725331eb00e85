package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// TestSignInCodeNeverGoesToAGroupChat: a responder linked to a group chat
// gets the console sign-in code by SMS, or not at all without a phone.
func TestSignInCodeNeverGoesToAGroupChat(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, roster)
	const group = -1002012345678
	for _, c := range []struct {
		name   string
		role   hotline.Role
		county string
		want   error
	}{
		{"Gent Coordinator", hotline.RoleCoordinator, "AL-10", nil},       // has a phone: SMS
		{"Besa Police", hotline.RolePolice, "AL-11", hotline.ErrNotFound}, // no phone: no code
	} {
		if _, err := db.Pool().Exec(ctx, `UPDATE responders SET telegram_chat_id = NULL WHERE telegram_chat_id = $1`, int64(group)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Pool().Exec(ctx, `UPDATE responders SET telegram_chat_id = $1 WHERE name = $2`, int64(group), c.name); err != nil {
			t.Fatal(err)
		}
		r, err := db.ResponderByTelegramChat(ctx, group)
		if err != nil {
			t.Fatal(err)
		}
		err = db.StartSignIn(ctx, r, "challenge-"+c.name, "123456", "code 123456", t0.Add(10*time.Minute), t0)
		if !errors.Is(err, c.want) && err != c.want {
			t.Errorf("%s: StartSignIn = %v, want %v", c.name, err, c.want)
		}
		var telegram, sms int
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE channel = 'telegram'), count(*) FILTER (WHERE channel = 'sms')
			FROM outbox WHERE responder_id = $1`, r.ID).Scan(&telegram, &sms); err != nil {
			t.Fatal(err)
		}
		if telegram != 0 || (sms == 1) != (c.want == nil) {
			t.Errorf("%s: sign-in code queued to telegram %d, sms %d", c.name, telegram, sms)
		}
	}
}
