package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// TestResponderPhoneVerification: a number a responder adds is used for
// alerts only after the code sent to it by SMS comes back; wrong codes
// count and the fifth voids the claim; a code expires; one code works
// once; the old number serves until the new one is verified; a number of
// another responder is refused; deactivation voids the claim.
func TestResponderPhoneVerification(t *testing.T) {
	db, conn := openDBWithConn(t) // with roster imported
	ctx := context.Background()
	gent, err := db.FindResponder(ctx, "Gent Coordinator", hotline.RoleCoordinator, "AL-10")
	if err != nil {
		t.Fatal(err)
	}
	const newPhone = "+355691112233"
	n := 0
	claim := func(phone, code string, at time.Time) error {
		n++
		return db.ClaimPhone(ctx, "test", fmt.Sprint("claim", n), gent, hotline.ChannelTelegram, phone, code, "Kodi "+code, "code sent", at)
	}
	verify := func(code string, at time.Time) hotline.PhoneVerification {
		t.Helper()
		n++
		res, err := db.VerifyPhone(ctx, "test", fmt.Sprint("verify", n), gent, hotline.ChannelTelegram, code, at,
			func(res hotline.PhoneVerification) string { return fmt.Sprintf("%+v", res) })
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	phone := func() string {
		t.Helper()
		current, _, err := db.PhoneState(ctx, gent)
		if err != nil {
			t.Fatal(err)
		}
		return current
	}

	if res := verify("123456", t0); !res.NoClaim {
		t.Errorf("verify without a claim: %+v", res)
	}
	if err := claim(newPhone, "123456", t0); err != nil {
		t.Fatal(err)
	}
	// The code goes by SMS to the new number only; the old one still serves alerts.
	var to, channel, body string
	if err := conn.QueryRow(ctx, `SELECT to_phone, channel, body FROM outbox WHERE kind = 'phone_verification'`).Scan(&to, &channel, &body); err != nil {
		t.Fatal(err)
	}
	if to != newPhone || channel != "sms" || !strings.Contains(body, "123456") {
		t.Errorf("code SMS to %q by %s: %q", to, channel, body)
	}
	items, err := db.ClaimOutbox(ctx, t0, time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range items {
		if m.Kind == hotline.OutboxPhoneVerification && (m.Responder.Phone != newPhone || m.Responder.TelegramChatID != 0) {
			t.Errorf("the code item goes to %q / chat %d, want %s only", m.Responder.Phone, m.Responder.TelegramChatID, newPhone)
		}
		if m.Kind == hotline.OutboxPhoneVerification {
			if fellBack, err := db.MarkFailed(ctx, m.ID, "twilio 21211", t0); err != nil || fellBack {
				t.Errorf("a failed code SMS fell back to another channel: %v, %v", fellBack, err)
			}
		}
	}
	if got := phone(); got != "+355690000303" {
		t.Errorf("before verification alerts use %q, want the imported number", got)
	}
	if r, err := db.ResponderByPhone(ctx, newPhone); err == nil {
		t.Errorf("an unverified number finds responder %s", r.Name)
	}

	for i := 1; i <= 3; i++ {
		if res := verify("000000", t0.Add(time.Minute)); !res.Wrong || res.AttemptsLeft != hotline.PhoneCodeAttempts-i {
			t.Errorf("wrong code %d: %+v", i, res)
		}
	}
	if res := verify("123456", t0.Add(2*time.Minute)); !res.Verified || res.Phone != newPhone {
		t.Fatalf("right code: %+v", res)
	}
	if got := phone(); got != newPhone {
		t.Errorf("after verification alerts use %q", got)
	}
	if res := verify("123456", t0.Add(3*time.Minute)); !res.NoClaim {
		t.Errorf("the same code again: %+v, want no claim", res)
	}
	if err := claim(newPhone, "222222", t0); !errors.Is(err, hotline.ErrInvalid) {
		t.Errorf("claiming one's own number: %v", err)
	}
	if err := claim("+355690000302", "222222", t0); !errors.Is(err, hotline.ErrConflict) {
		t.Errorf("claiming Drita's number: %v", err)
	}

	// Expiry, and five wrong codes.
	if err := claim("+355694445566", "333333", t0); err != nil {
		t.Fatal(err)
	}
	if res := verify("333333", t0.Add(hotline.PhoneCodeTTL)); !res.Expired {
		t.Errorf("a code %s old: %+v", hotline.PhoneCodeTTL, res)
	}
	if err := claim("+355694445566", "444444", t0); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < hotline.PhoneCodeAttempts; i++ {
		verify("999999", t0)
	}
	if res := verify("999999", t0); !res.Expired {
		t.Errorf("wrong code number %d: %+v, want the claim void", hotline.PhoneCodeAttempts, res)
	}
	if res := verify("444444", t0); !res.NoClaim {
		t.Errorf("the right code after the claim was void: %+v", res)
	}
	if got := phone(); got != newPhone {
		t.Errorf("failed verifications changed the phone to %q", got)
	}

	// Deactivation voids a pending claim.
	if err := claim("+355697778899", "555555", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeactivateResponder(ctx, gent.ID, "cli", t0); err != nil {
		t.Fatal(err)
	}
	var claims int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM responder_phone_claims`).Scan(&claims); err != nil || claims != 0 {
		t.Errorf("%d claims after deactivation (%v)", claims, err)
	}
	// The audit log names the numbers masked only.
	var leaked int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE detail::text LIKE '%691112233%' OR detail::text LIKE '%694445566%'`).Scan(&leaked); err != nil || leaked != 0 {
		t.Errorf("%d audit rows hold a whole number (%v)", leaked, err)
	}
}
