package main

import (
	"strings"
	"testing"
)

// TestRelayLengthToAnSMSReporter: a relay of 1,600 characters (Albanian,
// UCS-2) reaches the SMS reporter as one Twilio message, whole; a longer one
// is refused with an explanation and nothing of it is sent.
func TestRelayLengthToAnSMSReporter(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.sms(reporterPhone, "Në Tiranë mbajnë një vajzë të mbyllur në një bar, ndihmë tani")
	code := codeIn(t, h.waitSMS(reporterPhone, "0800 12 12").Body)
	const besnik = 100000211
	h.waitTelegram(besnik, code)
	before := len(h.twilio.MessagesTo(reporterPhone))

	long := strings.Repeat("ë", 1601)
	h.telegramText(besnik, "/reply "+code+" "+long)
	h.waitTelegram(besnik, "NUK u dërgua")

	fits := "Jemi rrugës. " + strings.Repeat("ë", 1600-len([]rune("Jemi rrugës. ")))
	h.telegramText(besnik, "/reply "+code+" "+fits)
	got := h.waitSMS(reporterPhone, "Jemi rrugës.")
	if got.Body != fits {
		t.Errorf("the relay arrived changed: %d characters, want %d", len([]rune(got.Body)), len([]rune(fits)))
	}
	if n := len(h.twilio.MessagesTo(reporterPhone)) - before; n != 1 {
		t.Errorf("%d Twilio messages to the reporter, want 1 (the refused relay sends nothing; the other is one message)", n)
	}
}
