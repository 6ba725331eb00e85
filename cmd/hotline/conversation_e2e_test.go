package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	faketelegram "github.com/hotline-al/hotline/internal/fake/telegram"
	faketwilio "github.com/hotline-al/hotline/internal/fake/twilio"
)

// A Telegram reporter walks the self-identification path with buttons; the
// social worker alerted answers by replying to the alert, and the reporter's
// answer reaches her: neither sees the other's account.
func TestTelegramConversationButtonsAndRelay(t *testing.T) {
	h := newHarness(t)
	h.start()
	reporter := faketelegram.User{ID: reporterChat, FirstName: "Ana", LanguageCode: "en"}
	h.telegram.SendText(reporter, "/start")
	menu := h.waitTelegram(reporterChat, "Choose below")
	code := codeIn(t, menu.Text)
	if !strings.Contains(string(menu.ReplyMarkup), `"callback_data":"menu:self"`) {
		t.Fatalf("menu without buttons: %s", menu.ReplyMarkup)
	}
	if menu.ParseMode != "" {
		t.Errorf("reporter text sent with parse mode %q", menu.ParseMode)
	}
	h.telegram.PressButton(reporter, menu, "menu:self")
	h.waitTelegram(reporterChat, "will not be punished")
	safe := h.waitTelegram(reporterChat, "safe to talk")
	h.telegram.PressButton(reporter, safe, "a:yes")
	county := h.waitTelegram(reporterChat, "Which county")
	h.telegram.PressButton(reporter, county, "a:AL-11")
	h.waitTelegram(reporterChat, "Which municipality")

	// Tiranë's social worker is alerted (self-identification, no consent yet: no police).
	alert := h.waitTelegram(100000212, code)
	if got := h.telegram.SentTo(100000211); len(got) != 0 {
		t.Errorf("police alerted without consent, danger or child: %+v", got)
	}
	// The alert's message_id is recorded right after Telegram answers the send.
	h.eventually(func() bool {
		return h.count(`SELECT count(*) FROM outbox o JOIN responders r ON r.id = o.responder_id
			WHERE r.telegram_chat_id = 100000212 AND o.kind = 'alert' AND o.external_id IS NOT NULL`) > 0
	})
	worker := faketelegram.User{ID: 100000212, FirstName: "Mira"}
	replyTo := map[string]any{"message_id": alert.MessageID, "date": 1764460800, "chat": map[string]any{"id": 100000212, "type": "private"}}
	// "OK" in reply to the alert acknowledges it and is not relayed.
	h.telegram.SendMessage(worker, map[string]any{"text": "ok", "reply_to_message": replyTo})
	h.waitTelegram(100000212, "U pranua "+code)
	h.waitTelegram(reporterChat, "A person is now looking at your message")
	h.telegram.SendMessage(worker, map[string]any{
		"text":             "Jemi këtu për ju. Ku mund t'ju takojmë?",
		"reply_to_message": replyTo,
	})
	h.waitTelegram(reporterChat, "Ku mund t'ju takojmë?")
	for _, m := range h.telegram.SentTo(reporterChat) {
		if strings.TrimSpace(m.Text) == "ok" {
			t.Error("the officer's OK was relayed to the reporter")
		}
	}
	h.waitTelegram(100000212, "Mesazhi u dërgua te personi i "+code)

	h.telegram.SendText(reporter, "At the bus station in Kamza, tomorrow at 10")
	note := h.waitTelegram(100000212, "bus station in Kamza")
	if !strings.Contains(note.Text, code) || strings.Contains(note.Text, "Ana") || strings.Contains(note.Text, "100000101") {
		t.Errorf("note to the responder: %q", note.Text)
	}
	h.assertNoReporterIdentity("At the bus station in Kamza")
}

// Two SMS of one reporter at once open one tip; an SMS responder answers
// with "R <code> text"; STOP ends everything.
func TestSMSConcurrentMessagesRelayAndStop(t *testing.T) {
	h := newHarness(t)
	h.start()
	var wg sync.WaitGroup
	for _, text := range []string{"Në Shkodër mbajnë vajza të mbyllura në një bar", "pronari u ka marrë pasaportat"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.sms(reporterPhone, text)
		}()
	}
	wg.Wait()
	code := codeIn(t, h.waitSMS(reporterPhone, "0800 12 12").Body)
	if n := h.count(`SELECT count(*) FROM tips`); n != 1 {
		t.Fatalf("two messages at once opened %d tips", n)
	}
	h.waitTelegram(100000201, code) // Shkodër police
	h.sms("+355690000301", "R "+strings.ToLower(code)+" A jeni të sigurt tani?")
	h.waitSMS(reporterPhone, "A jeni të sigurt tani?")

	h.sms(reporterPhone, "NDALO")
	h.sms("+355690000301", "R "+code+" A jeni aty?")
	h.waitSMS("+355690000301", "asgjë nuk u dërgua")
	for _, m := range h.twilio.MessagesTo(reporterPhone) {
		if strings.Contains(m.Body, "A jeni aty?") {
			t.Fatalf("relayed after STOP: %q", m.Body)
		}
	}

	// FSHIJ erases the contact and its keyed hash at once; the tip stays, anonymous.
	sent := len(h.twilio.MessagesTo(reporterPhone))
	h.sms(reporterPhone, "Fshij!")
	if n := h.count(`SELECT count(*) FROM reporter_contacts`); n != 0 {
		t.Errorf("%d reporter contacts left after FSHIJ", n)
	}
	if n := h.count(`SELECT count(*) FROM messages WHERE reporter_id IS NOT NULL AND raw_encrypted IS NOT NULL`); n != 0 {
		t.Errorf("%d sealed raw payloads (From=the number) left after FSHIJ", n)
	}
	if n := h.count(`SELECT count(*) FROM reporters WHERE erased_at IS NOT NULL`); n != 1 {
		t.Errorf("%d reporters marked erased, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM tips WHERE reference_code = $1`, code); n != 1 {
		t.Errorf("the tip went with the contact")
	}
	time.Sleep(time.Second)
	if n := len(h.twilio.MessagesTo(reporterPhone)); n != sent {
		t.Errorf("%d messages sent after STOP and FSHIJ", n-sent)
	}
}

// eventually waits up to 10 s for cond.
func (h *harness) eventually(cond func() bool) {
	h.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	h.t.Fatal("condition not met within 10 s")
}

// Attachments are fetched after the message was stored and kept with the
// tip (sealed), up to MEDIA_MAX_BYTES; a media-only first message opens a
// tip, asks for words, and is not P4.
func TestMediaStoredWithTheTip(t *testing.T) {
	h := newHarness(t)
	h.env["MEDIA_MAX_BYTES"] = "1000"
	h.start()
	reporter := faketelegram.User{ID: reporterChat, FirstName: "Ana", LanguageCode: "sq"}
	h.telegram.AddFile("photo-big", bytes.Repeat([]byte{0xFF}, 2000))
	h.telegram.SendPhoto(reporter, "photo-big", "")
	reply := h.waitTelegram(reporterChat, "me pak fjalë")
	code := codeIn(t, reply.Text)
	h.telegram.AddFile("voice-1", []byte("OggS voice note"))
	h.telegram.SendVoice(reporter, "voice-1", 3)

	mms := []byte("\xFF\xD8\xFF small jpeg")
	h.twilio.InboundSMS(h.ctx(), h.base+"/webhooks/twilio/sms", reporterPhone, hotlineFrom, "",
		faketwilio.Media{ContentType: "image/jpeg", Content: mms})
	h.waitSMS(reporterPhone, "0800 12 12")

	h.eventually(func() bool { return h.count(`SELECT count(*) FROM media_files WHERE state <> 'pending'`) == 3 })
	if n := h.count(`SELECT count(*) FROM media_files m JOIN tips t ON t.id = m.tip_id WHERE t.reference_code = $1 AND m.state = 'stored'`, code); n != 1 {
		t.Errorf("%d Telegram files stored with %s, want 1 (the voice note; the photo is over the limit)", n, code)
	}
	if n := h.count(`SELECT count(*) FROM media_files WHERE state = 'too_large' AND data_encrypted IS NULL`); n != 1 {
		t.Errorf("%d files over the limit, want 1", n)
	}
	var id int64
	if err := h.db(func(conn *pgx.Conn) error {
		return conn.QueryRow(context.Background(), `SELECT id FROM media_files WHERE channel = 'sms'`).Scan(&id)
	}); err != nil {
		t.Fatal(err)
	}
	data, contentType, err := h.app.DB.MediaFile(context.Background(), id)
	if err != nil || !bytes.Equal(data, mms) || contentType != "image/jpeg" {
		t.Errorf("MMS stored as %q %q %v, want the file", data, contentType, err)
	}
	if n := h.count(`SELECT count(*) FROM tips WHERE level = 'P4'`); n != 0 {
		t.Errorf("%d media-only tips fell to P4", n)
	}
}

func (h *harness) db(f func(*pgx.Conn) error) error {
	conn, err := pgx.Connect(context.Background(), h.env["DATABASE_URL"])
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return f(conn)
}

// The conversation's state is in Postgres: after a restart, a press on the
// menu sent before it continues the same conversation.
func TestConversationSurvivesRestart(t *testing.T) {
	h := newHarness(t)
	h.start()
	reporter := faketelegram.User{ID: reporterChat, FirstName: "Ana", LanguageCode: "sq"}
	h.telegram.SendText(reporter, "përshëndetje")
	menu := h.waitTelegram(reporterChat, "Zgjidhni më poshtë")
	code := codeIn(t, menu.Text)
	h.shutdown()
	h.start()
	h.telegram.PressButton(reporter, menu, "menu:tip")
	h.waitTelegram(reporterChat, "Çfarë ndodhi")
	if n := h.count(`SELECT count(*) FROM tips`); n != 1 {
		t.Fatalf("%d tips after the restart, want 1 (%s)", n, code)
	}
}
