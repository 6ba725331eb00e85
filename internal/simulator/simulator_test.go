package simulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hotline-al/hotline/hotline"
	faketelegram "github.com/hotline-al/hotline/internal/fake/telegram"
	faketwilio "github.com/hotline-al/hotline/internal/fake/twilio"
)

// A member of the public's button press shows in their own conversation,
// and reaches the bot as a callback from their chat.
func TestPublicButtonPressIsPartOfTheirConversation(t *testing.T) {
	tg := faketelegram.New("1:t")
	defer tg.Close()
	tw := faketwilio.New("AC00000000000000000000000000000001", "token")
	defer tw.Close()
	s := &Simulator{Telegram: tg, Twilio: tw, Responders: []hotline.Responder{{ID: 1, Name: "Arben", TelegramChatID: 100000201}}}
	for _, body := range []string{
		`{"chat_id": 100000101, "message_id": 7, "data": "menu:self"}`,
		`{"chat_id": 100000201, "message_id": 8, "data": "ack:K7Q-4MP"}`,
	} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/simulator/api/press", strings.NewReader(body)))
		if rec.Code != http.StatusNoContent {
			t.Fatalf("press %s: %d", body, rec.Code)
		}
	}
	if got := []string{s.inbound[0].Who, s.inbound[1].Who}; got[0] != "public:telegram:100000101" || got[1] != "responder-chat:100000201" {
		t.Errorf("presses noted as %v", got)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/simulator/api/state", nil))
	var state struct {
		Public map[string][]Entry `json:"public"`
	}
	if err := json.NewDecoder(bytes.NewReader(rec.Body.Bytes())).Decode(&state); err != nil {
		t.Fatal(err)
	}
	if es := state.Public["telegram:100000101"]; len(es) != 1 || es[0].Text != "[menu:self]" {
		t.Errorf("public conversation = %+v", es)
	}
}
