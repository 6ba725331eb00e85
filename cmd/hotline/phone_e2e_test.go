package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestResponderAddsAndVerifiesTheirPhone: Besnik (Tiranë police, Telegram
// only) adds his number with /phone; the code reaches it by SMS through the
// fake Twilio (and nowhere else); a wrong code is refused; before the right
// one no alert can use the number; after it, when his Telegram is blocked, a
// P1 alert falls back to an SMS to that number. In a group, /phone is
// refused.
func TestResponderAddsAndVerifiesTheirPhone(t *testing.T) {
	h := newHarness(t)
	h.start()
	const besnik, newPhone = 100000211, "+355691112233"

	h.telegramText(besnik, "/phone 069 111 2233")
	h.waitTelegram(besnik, "+355••••••233")
	sms := h.waitSMS(newPhone, "/verify")
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(sms.Body)
	if code == "" {
		t.Fatalf("no code in %q", sms.Body)
	}
	for _, m := range h.telegram.SentTo(besnik) {
		if strings.Contains(m.Text, code) {
			t.Fatal("the code was sent by Telegram too: that would prove nothing")
		}
	}
	if n := h.count(`SELECT count(*) FROM responders WHERE phone = $1`, newPhone); n != 0 {
		t.Fatal("the number is used before it is verified")
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	h.telegramText(besnik, "/verify "+wrong)
	h.waitTelegram(besnik, "Kodi nuk është i saktë")
	h.telegramText(besnik, code) // the code alone also works
	h.waitTelegram(besnik, "U verifikua")
	if n := h.count(`SELECT count(*) FROM responders WHERE phone = $1 AND name = 'Besnik Kola'`, newPhone); n != 1 {
		t.Fatal("the verified number is not Besnik's phone")
	}
	h.telegramText(besnik, "/phone")
	h.waitTelegram(besnik, "Numri për njoftimet me SMS: +355••••••233")

	// His Telegram is blocked: a P1 alert now reaches the verified number by SMS.
	h.telegram.Block(besnik)
	h.sms(reporterPhone, "Në Tiranë mbajnë një vajzë të mbyllur në një bar, ndihmë tani")
	tip := codeIn(t, h.waitSMS(reporterPhone, "0800 12 12").Body)
	h.waitSMS(newPhone, tip)

	// In a county group, /phone is refused.
	const group = -4012345678
	groupCode := h.linkCode("Sokol Tafa", "coordinator", "AL-11")
	h.telegramText(group, "/start@HotlineAlBot r_"+groupCode)
	h.waitTelegram(group, "Lidhja u krye")
	h.telegramText(group, "/phone 069 444 5566")
	h.waitTelegram(group, "vetëm nga biseda juaj private")
	if got := h.twilio.MessagesTo("+355694445566"); len(got) != 0 {
		t.Errorf("a group's /phone sent %d SMS", len(got))
	}
	if strings.Contains(h.logs.String(), "691112233") || strings.Contains(h.logs.String(), code) {
		t.Error("the number or the code is in the logs")
	}
}
