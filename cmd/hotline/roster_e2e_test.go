package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	faketelegram "github.com/hotline-al/hotline/internal/fake/telegram"
)

var updateSeq atomic.Int64

// telegramText delivers a text message from chat (a private chat when
// positive, a group when negative) as a Telegram update.
func (h *harness) telegramText(chat int64, text string) {
	h.t.Helper()
	chatType := `"type":"private","first_name":"R"`
	if chat < 0 {
		chatType = `"type":"group","title":"Shkodër duty"`
	}
	raw := fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"from":{"id":100000999,"is_bot":false,"first_name":"R"},"chat":{"id":%d,%s},"date":1764460800,"text":%q}}`,
		910000000+updateSeq.Add(1), updateSeq.Load(), chat, chatType, text)
	if err := h.app.Telegram.HandleUpdate(context.Background(), []byte(raw)); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) linkCode(args ...string) string {
	h.t.Helper()
	code, out := h.cli(append([]string{"roster", "link"}, args...)...)
	m := regexp.MustCompile(`/start r_([0-9A-Z]{12})`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		h.t.Fatalf("roster link %v: %d %q", args, code, out)
	}
	return m[1]
}

func TestTelegramLinkingDutyAndMyTips(t *testing.T) {
	h := newHarness(t)
	h.start()
	const dritaChat, strangerChat, group, supergroup = 100000302, 100000999, -4012345678, -1002012345678

	// Drita (SMS only in the roster) links her Telegram with a one-time code.
	code := h.linkCode("Drita Leka", "social_worker", "Shkodër")
	start := fmt.Sprintf(`{"update_id":920000001,"message":{"message_id":1,"from":{"id":%d,"is_bot":false,"first_name":"Drita"},"chat":{"id":%d,"type":"private","first_name":"Drita"},"date":1764460800,"text":"/start r_%s"}}`, dritaChat, dritaChat, code)
	for range 2 { // the second is Telegram redelivering the same update
		if err := h.app.Telegram.HandleUpdate(context.Background(), []byte(start)); err != nil {
			t.Fatal(err)
		}
	}
	h.waitTelegram(dritaChat, "Lidhja u krye: Drita Leka")
	// The same code again, from someone else: refused, and not a tip.
	h.telegramText(strangerChat, "/start r_"+code)
	h.waitTelegram(strangerChat, "nuk vlen")
	if n := h.count(`SELECT count(*) FROM tips`); n != 0 {
		t.Errorf("a link code opened %d tips", n)
	}

	// /duty: who is on duty in her county, by role.
	h.telegramText(dritaChat, "/duty")
	duty := h.waitTelegram(dritaChat, "Në detyrë tani · Shkodër")
	for _, want := range []string{"oficer antitrafik: Arben Hoxha", "punonjës social: Drita Leka", "koordinator i KRAT: Gent Marku", "Njësia e Mbrojtjes së Fëmijës: Lule Dervishi", "Autoriteti Përgjegjës: Vera Koci"} {
		if !strings.Contains(duty.Text, want) {
			t.Errorf("/duty lacks %q: %q", want, duty.Text)
		}
	}
	if strings.Contains(duty.Text, "Besnik") {
		t.Errorf("/duty lists another county: %q", duty.Text)
	}

	// A P1 tip now reaches her by Telegram; she acknowledges; /mytips lists it until closed.
	h.sms(reporterPhone, "Në Shkodër mbajnë një vajzë të mbyllur në një bar, ndihmë tani")
	tip := codeIn(t, h.waitSMS(reporterPhone, "0800 12 12").Body)
	h.waitTelegram(dritaChat, tip)
	h.telegramText(dritaChat, "/ack "+tip)
	h.waitTelegram(dritaChat, "U pranua "+tip)
	h.telegramText(dritaChat, "/mytips")
	h.waitTelegram(dritaChat, tip+" · P1 · Shkodër")

	// The county's coordinator links a group chat; the group becomes a supergroup.
	groupCode := h.linkCode("Gent Marku", "coordinator", "AL-10")
	h.telegramText(group, "/start@HotlineAlBot r_"+groupCode)
	h.waitTelegram(group, "Lidhja u krye: Gent Marku")
	migrated := fmt.Sprintf(`{"update_id":920000002,"message":{"message_id":5,"from":{"id":1,"is_bot":false,"first_name":"G"},"chat":{"id":%d,"type":"group","title":"Shkodër duty"},"date":1764461500,"migrate_to_chat_id":%d}}`, group, supergroup)
	if err := h.app.Telegram.HandleUpdate(context.Background(), []byte(migrated)); err != nil {
		t.Fatal(err)
	}
	if n := h.count(`SELECT count(*) FROM responders WHERE telegram_chat_id = $1`, int64(supergroup)); n != 1 {
		t.Fatalf("%d responders follow the supergroup, want 1", n)
	}
	h.telegramText(supergroup, "/mytips")
	h.waitTelegram(supergroup, "Nuk keni raste")

	// Deactivated: the chat is unlinked at once; its messages are no longer a responder's.
	if code, out := h.cli("roster", "deactivate", "Drita Leka", "social_worker", "AL-10"); code != 0 {
		t.Fatalf("deactivate: %d %s", code, out)
	}
	if n := h.count(`SELECT count(*) FROM responders WHERE telegram_chat_id = $1`, int64(dritaChat)); n != 0 {
		t.Errorf("deactivated responder still linked")
	}
	before := len(h.telegram.SentTo(dritaChat))
	h.telegramText(dritaChat, "/duty")
	h.waitTelegram(dritaChat, "0800 12 12") // now a member of the public: the first reply
	if got := len(h.telegram.SentTo(dritaChat)); got != before+1 {
		t.Errorf("%d messages after deactivation, want 1", got-before)
	}
}

func TestCloseAndReassignByButtonAndSMS(t *testing.T) {
	h := newHarness(t)
	h.start()
	arben := faketelegram.User{ID: 100000201, FirstName: "Arben"}

	// Telegram: "close" asks for the outcome with buttons; the chosen outcome closes; a late press is harmless.
	h.sms(reporterPhone, "Në Shkodër mbajnë një vajzë të mbyllur në një bar, ndihmë tani")
	code := codeIn(t, h.waitSMS(reporterPhone, "0800 12 12").Body)
	alert := h.waitTelegram(arben.ID, code)
	for _, data := range []string{"close:" + code, "move:" + code} {
		if !strings.Contains(string(alert.ReplyMarkup), `"callback_data":"`+data+`"`) {
			t.Errorf("alert lacks the %s button: %s", data, alert.ReplyMarkup)
		}
	}
	h.telegram.PressButton(arben, alert, "close:"+code)
	ask := h.waitTelegram(arben.ID, "Si po e mbyllni "+code)
	if !strings.Contains(string(ask.ReplyMarkup), `"callback_data":"close_referred:`+code+`"`) {
		t.Fatalf("outcome question lacks buttons: %s", ask.ReplyMarkup)
	}
	h.telegram.PressButton(arben, ask, "close_referred:"+code)
	h.waitTelegram(arben.ID, code+" u mbyll: referuar te shërbimet (NRM)")
	h.telegram.PressButton(arben, ask, "close_no_action:"+code)
	h.waitTelegram(arben.ID, code+" nuk është më i hapur (i mbyllur)")
	if n := h.count(`SELECT count(*) FROM tips WHERE reference_code = $1 AND status = 'closed' AND outcome = 'referred'`, code); n != 1 {
		t.Errorf("tip not closed as referred")
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'close' AND actor = 'responder:1'`); n != 1 {
		t.Errorf("%d close audits by responder 1, want 1", n)
	}

	// SMS: the social worker (phone only) moves a second tip to Tiranë; Tiranë's on-duty police are alerted.
	h.sms("+355690009999", "Në Shkodër mbajnë një grua të mbyllur në një shtëpi, ndihmë tani")
	code2 := codeIn(t, h.waitSMS("+355690009999", "0800 12 12").Body)
	h.waitSMS("+355690000302", "OK "+code2)
	h.sms("+355690000302", "MOVE "+code2)
	h.waitSMS("+355690000302", "MOVE "+code2+" <qarku>")
	h.sms("+355690000302", "MOVE "+code2+" Tirana")
	h.waitSMS("+355690000302", code2+" kaloi në qarkun Tiranë")
	h.waitTelegram(100000211, code2) // Tiranë police
	h.sms("+355690000302", "CLOSE "+code2)
	h.waitSMS("+355690000302", "CLOSE "+code2+" <përfundimi>")
	h.sms("+355690000302", "CLOSE "+code2+" no_action")
	h.waitSMS("+355690000302", code2+" u mbyll: pa veprim")
}
