package main

import (
	"strings"
	"testing"

	faketelegram "github.com/hotline-al/hotline/internal/fake/telegram"
)

// TestReplyToAnyPartOfALongAlert: an alert too long for one Telegram
// message arrives in parts; a reply to the first part, not only the last,
// is a reply about that tip and reaches the reporter.
func TestReplyToAnyPartOfALongAlert(t *testing.T) {
	h := newHarness(t)
	h.start()
	reporter := faketelegram.User{ID: reporterChat, FirstName: "Ana", LanguageCode: "sq"}
	h.telegram.SendText(reporter, "Në Tiranë mbajnë një vajzë të mbyllur në një bar, ndihmë tani. "+strings.Repeat("Ajo thotë se i kanë marrë pasaportën. ", 110))
	code := codeIn(t, h.waitTelegram(reporterChat, "0800 12 12").Text)
	const besnik = 100000211
	h.waitTelegram(besnik, code)
	var parts []faketelegram.SentMessage
	h.eventually(func() bool {
		parts = h.telegram.SentTo(besnik)
		return len(parts) >= 2 && h.count(`SELECT count(*) FROM outbox o JOIN responders r ON r.id = o.responder_id
			WHERE r.telegram_chat_id = $1 AND o.kind = 'alert' AND o.external_id LIKE '%,%'`, besnik) == 1
	})
	first := parts[0]
	if strings.Contains(first.Text, "Ajo thotë") && !strings.Contains(first.Text, code) {
		t.Fatalf("the first part is not the alert's start: %.80q", first.Text)
	}
	officer := faketelegram.User{ID: besnik, FirstName: "Besnik"}
	replyTo := map[string]any{"message_id": first.MessageID, "date": 1764460800, "chat": map[string]any{"id": besnik, "type": "private"}}
	h.telegram.SendMessage(officer, map[string]any{"text": "Jemi rrugës. A jeni e sigurt tani?", "reply_to_message": replyTo})
	h.waitTelegram(reporterChat, "Jemi rrugës")
}
