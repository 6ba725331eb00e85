package main

import (
	"strings"
	"testing"
	"time"

	faketelegram "github.com/hotline-al/hotline/internal/fake/telegram"
)

// TestFailingTelegramPollerToldOnceAndOnRecovery: getUpdates fails (502)
// for longer than HEARTBEAT_FAILING; the national desk is told once, by SMS
// (not through Telegram, which is what fails), and once more when polling
// works again.
func TestFailingTelegramPollerToldOnceAndOnRecovery(t *testing.T) {
	h := newHarness(t)
	h.env["HEARTBEAT_FAILING"] = "2m"
	h.start()
	const vera = "+355690000401" // national desk: Telegram and phone
	for range 3 {
		h.telegram.FailNext("getUpdates", 0, faketelegram.APIError{Code: 502, Description: "Bad Gateway"})
	}
	// End the long poll in flight: the next calls meet the failures.
	h.telegram.SendText(faketelegram.User{ID: 100000777, FirstName: "P"}, "Përshëndetje")
	waitFor := func(what string, match func(body string) bool) {
		t.Helper()
		deadline := time.Now().Add(45 * time.Second)
		for time.Now().Before(deadline) {
			for _, m := range h.twilio.MessagesTo(vera) {
				if match(m.Body) {
					return
				}
			}
			h.clock.Advance(time.Minute) // the monitor looks once a minute
			time.Sleep(300 * time.Millisecond)
		}
		t.Fatalf("no SMS to the national desk %s; sent: %+v", what, h.twilio.MessagesTo(vera))
	}
	raised := func(b string) bool {
		return strings.Contains(b, "marrja e mesazheve nga Telegram") && strings.Contains(b, "dështon")
	}
	waitFor("about the failing poller", raised)
	waitFor("about its recovery", func(b string) bool { return strings.Contains(b, "U rikthye: marrja e mesazheve nga Telegram") })
	n := 0
	for _, m := range h.twilio.MessagesTo(vera) {
		if raised(m.Body) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("told %d times of the failure, want once", n)
	}
	if c := h.count(`SELECT count(*) FROM audit_log WHERE action = 'monitor' AND detail->>'condition' LIKE 'failing:telegram_poller@%'`); c != 2 {
		t.Errorf("%d monitor audit rows, want 2 (raised, cleared)", c)
	}
}
