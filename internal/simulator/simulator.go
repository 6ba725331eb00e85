// Package simulator is the /simulator/ page of `hotline demo`: a person
// plays members of the public (SMS or Telegram) and the responders of the
// roster, through the same fake Telegram and Twilio servers the real client
// libraries talk to. Demo data only: it never runs under `hotline serve`.
package simulator

import (
	"context"
	_ "embed"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hotline-al/hotline/hotline"
	faketelegram "github.com/hotline-al/hotline/internal/fake/telegram"
	faketwilio "github.com/hotline-al/hotline/internal/fake/twilio"
)

//go:embed page.html
var page []byte

// Simulator serves the page and its JSON API.
type Simulator struct {
	Telegram *faketelegram.Server
	Twilio   *faketwilio.Server
	// SMSWebhook is the URL the fake Twilio posts inbound SMS to.
	SMSWebhook string
	// HotlineNumber is the number the public texts (TWILIO_FROM).
	HotlineNumber string
	Responders    []hotline.Responder
	// Advance moves the service's clock forward (to show escalation).
	Advance func(time.Duration)

	mu      sync.Mutex
	inbound []Entry // what the simulated public and responders wrote
}

// Entry is one line of a conversation on the page.
type Entry struct {
	Who       string           `json:"who"` // "public:sms:+355…", "public:telegram:100…", "responder:<id>"
	Direction string           `json:"direction"`
	Channel   string           `json:"channel"`
	Text      string           `json:"text"`
	Buttons   []hotline.Button `json:"buttons,omitempty"`
	ChatID    int64            `json:"chat_id,omitempty"`
	MessageID int              `json:"message_id,omitempty"`
	Time      time.Time        `json:"time"`
}

// ServeHTTP implements http.Handler under /simulator/.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch strings.TrimPrefix(r.URL.Path, "/simulator") {
	case "/", "":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	case "/api/state":
		s.state(w)
	case "/api/public":
		s.public(w, r)
	case "/api/press":
		s.press(w, r)
	case "/api/responder":
		s.responder(w, r)
	case "/api/advance":
		if r.Method != http.MethodPost {
			http.Error(w, "POST", http.StatusMethodNotAllowed)
			return
		}
		s.Advance(5 * time.Minute)
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

func (s *Simulator) note(e Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e.Direction, e.Time = "in", time.Now()
	s.inbound = append(s.inbound, e)
}

type request struct {
	Channel   string `json:"channel"`
	From      string `json:"from"` // phone (sms) or chat id (telegram)
	Text      string `json:"text"`
	Language  string `json:"language"`
	ChatID    int64  `json:"chat_id"`
	MessageID int    `json:"message_id"`
	Data      string `json:"data"`
	Phone     string `json:"phone"`
}

func decode(w http.ResponseWriter, r *http.Request) (request, bool) {
	var req request
	if r.Method != http.MethodPost {
		http.Error(w, "POST", http.StatusMethodNotAllowed)
		return req, false
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return req, false
	}
	return req, true
}

func (s *Simulator) public(w http.ResponseWriter, r *http.Request) {
	req, ok := decode(w, r)
	if !ok {
		return
	}
	switch req.Channel {
	case "sms":
		s.note(Entry{Who: "public:sms:" + req.From, Channel: "sms", Text: req.Text})
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		status, _, err := s.Twilio.InboundSMS(ctx, s.SMSWebhook, req.From, s.HotlineNumber, req.Text)
		if err != nil || status != http.StatusOK {
			http.Error(w, "the hotline did not accept the SMS", http.StatusBadGateway)
			return
		}
	case "telegram":
		id, err := strconv.ParseInt(req.From, 10, 64)
		if err != nil {
			http.Error(w, "telegram persona must be a number", http.StatusBadRequest)
			return
		}
		s.note(Entry{Who: "public:telegram:" + req.From, Channel: "telegram", Text: req.Text})
		s.Telegram.SendText(faketelegram.User{ID: id, FirstName: "Demo", LanguageCode: req.Language}, req.Text)
	default:
		http.Error(w, "channel must be sms or telegram", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Simulator) press(w http.ResponseWriter, r *http.Request) {
	req, ok := decode(w, r)
	if !ok {
		return
	}
	who, name := "responder-chat:", "Responder"
	if !s.isResponderChat(req.ChatID) {
		// A member of the public answering the bot's buttons (menu, yes/no, county).
		who, name = "public:telegram:", "Demo"
	}
	s.note(Entry{Who: who + strconv.FormatInt(req.ChatID, 10), Channel: "telegram", Text: "[" + req.Data + "]"})
	s.Telegram.PressButtonIn(faketelegram.User{ID: req.ChatID, FirstName: name}, req.ChatID, req.MessageID, req.Data)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Simulator) responder(w http.ResponseWriter, r *http.Request) {
	req, ok := decode(w, r)
	if !ok {
		return
	}
	switch {
	case req.Phone != "":
		s.note(Entry{Who: "responder-phone:" + req.Phone, Channel: "sms", Text: req.Text})
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		if _, _, err := s.Twilio.InboundSMS(ctx, s.SMSWebhook, req.Phone, s.HotlineNumber, req.Text); err != nil {
			http.Error(w, "the hotline did not accept the SMS", http.StatusBadGateway)
			return
		}
	case req.ChatID != 0:
		s.note(Entry{Who: "responder-chat:" + strconv.FormatInt(req.ChatID, 10), Channel: "telegram", Text: req.Text})
		s.Telegram.SendText(faketelegram.User{ID: req.ChatID, FirstName: "Responder"}, req.Text)
	}
	w.WriteHeader(http.StatusNoContent)
}

// state is everything the page shows: the public's conversations and each
// responder's messages, oldest first.
func (s *Simulator) state(w http.ResponseWriter) {
	byWho := map[string][]Entry{}
	s.mu.Lock()
	for _, e := range s.inbound {
		byWho[e.Who] = append(byWho[e.Who], e)
	}
	s.mu.Unlock()
	for _, m := range s.Telegram.Sent() {
		e := Entry{Direction: "out", Channel: "telegram", Text: m.Text, ChatID: m.ChatID, MessageID: m.MessageID, Time: m.Time, Buttons: buttons(m.ReplyMarkup)}
		byWho["chat:"+strconv.FormatInt(m.ChatID, 10)] = append(byWho["chat:"+strconv.FormatInt(m.ChatID, 10)], e)
	}
	for _, m := range s.Twilio.Messages() {
		byWho["phone:"+m.To] = append(byWho["phone:"+m.To], Entry{Direction: "out", Channel: "sms", Text: m.Body, Time: m.Time})
	}
	type card struct {
		Name     string  `json:"name"`
		Role     string  `json:"role"`
		County   string  `json:"county"`
		ChatID   int64   `json:"chat_id"`
		Phone    string  `json:"phone"`
		Messages []Entry `json:"messages"`
	}
	var responders []card
	known := map[string]bool{}
	for _, r := range s.Responders {
		c := card{Name: r.Name, Role: string(r.Role), County: hotline.CountyName(r.County), ChatID: r.TelegramChatID, Phone: r.Phone}
		if r.TelegramChatID != 0 {
			k := "chat:" + strconv.FormatInt(r.TelegramChatID, 10)
			known[k] = true
			c.Messages = append(c.Messages, byWho[k]...)
			c.Messages = append(c.Messages, byWho["responder-chat:"+strconv.FormatInt(r.TelegramChatID, 10)]...)
		}
		if r.Phone != "" {
			k := "phone:" + r.Phone
			known[k] = true
			c.Messages = append(c.Messages, byWho[k]...)
			c.Messages = append(c.Messages, byWho["responder-phone:"+r.Phone]...)
		}
		sortEntries(c.Messages)
		responders = append(responders, c)
	}
	public := map[string][]Entry{}
	for who, es := range byWho {
		switch {
		case strings.HasPrefix(who, "public:sms:"):
			p := strings.TrimPrefix(who, "public:sms:")
			public["sms:"+p] = append(public["sms:"+p], es...)
		case strings.HasPrefix(who, "public:telegram:"):
			p := strings.TrimPrefix(who, "public:telegram:")
			public["telegram:"+p] = append(public["telegram:"+p], es...)
		case strings.HasPrefix(who, "phone:") && !known[who]:
			p := strings.TrimPrefix(who, "phone:")
			public["sms:"+p] = append(public["sms:"+p], es...)
		case strings.HasPrefix(who, "chat:") && !known[who]:
			p := strings.TrimPrefix(who, "chat:")
			public["telegram:"+p] = append(public["telegram:"+p], es...)
		}
	}
	for k := range public {
		sortEntries(public[k])
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{"public": public, "responders": responders})
}

func sortEntries(es []Entry) {
	sort.SliceStable(es, func(i, j int) bool { return es[i].Time.Before(es[j].Time) })
}

func buttons(markup json.RawMessage) []hotline.Button {
	var m struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if len(markup) == 0 || json.Unmarshal(markup, &m) != nil {
		return nil
	}
	var out []hotline.Button
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			out = append(out, hotline.Button{Text: b.Text, Data: b.CallbackData})
		}
	}
	return out
}

func (s *Simulator) isResponderChat(chatID int64) bool {
	for _, r := range s.Responders {
		if r.TelegramChatID == chatID {
			return true
		}
	}
	return false
}
