package main

import (
	"testing"
)

// TestGroupChatMayAcknowledgeButNotReply: in a responder's linked group chat
// members may acknowledge, but a reply to the reporter is refused with an
// explanation (a group is many people) and nothing reaches the reporter.
func TestGroupChatMayAcknowledgeButNotReply(t *testing.T) {
	h := newHarness(t)
	h.start()
	const group = -4012345678
	h.telegramText(group, "/start@HotlineAlBot r_"+h.linkCode("Gent Marku", "coordinator", "AL-10"))
	h.waitTelegram(group, "Lidhja u krye: Gent Marku")

	h.sms(reporterPhone, "Në Shkodër mbajnë një vajzë të mbyllur në një bar, ndihmë tani")
	code := codeIn(t, h.waitSMS(reporterPhone, "0800 12 12").Body)

	h.telegramText(group, "/reply "+code+" ku jeni tani?")
	h.waitTelegram(group, "ky është grup")
	if n := h.count(`SELECT count(*) FROM messages WHERE direction = 'out' AND responder_id IS NOT NULL`); n != 0 {
		t.Errorf("a reply from a group chat was stored as relayed (%d)", n)
	}
	if n := h.count(`SELECT count(*) FROM outbox WHERE kind = 'relay'`); n != 0 {
		t.Errorf("a reply from a group chat was queued to the reporter (%d)", n)
	}

	h.telegramText(group, "/ack "+code)
	if n := h.count(`SELECT count(*) FROM acknowledgements a JOIN responders r ON r.id = a.responder_id WHERE r.name = 'Gent Marku'`); n != 1 {
		t.Errorf("acknowledgement from the group chat: %d recorded, want 1", n)
	}
}
