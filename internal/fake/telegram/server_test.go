package faketelegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	faketelegram "github.com/hotline-al/hotline/internal/fake/telegram"
)

const token = "123456:TEST-token_abc"

var (
	ana   = faketelegram.User{ID: 100000101, FirstName: "Ana", LanguageCode: "sq"}
	arben = faketelegram.User{ID: 100000201, FirstName: "Arben", Username: "arben_k", LanguageCode: "sq"}
)

type env struct {
	fake    *faketelegram.Server
	http    *httptest.Server
	bot     *tgbotapi.BotAPI
	fileFmt string
	apiFmt  string
}

func newEnv(t *testing.T, opts ...faketelegram.Option) *env {
	t.Helper()
	fake := faketelegram.New(token, opts...)
	ts := httptest.NewServer(fake)
	t.Cleanup(func() {
		fake.Close()
		ts.Close()
	})
	api, file := fake.Endpoints(ts.URL)
	bot, err := tgbotapi.NewBotAPIWithAPIEndpoint(token, api)
	if err != nil {
		t.Fatalf("NewBotAPIWithAPIEndpoint: %v", err)
	}
	return &env{fake: fake, http: ts, bot: bot, fileFmt: file, apiFmt: api}
}

// tgError extracts the library's error type the way PITFALLS.md says: errors.As with the pointer.
func tgError(t *testing.T, err error) *tgbotapi.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an error, got nil")
	}
	var te *tgbotapi.Error
	if !errors.As(err, &te) {
		t.Fatalf("error %T %v is not a *tgbotapi.Error", err, err)
	}
	return te
}

func TestGetMeAndRouting(t *testing.T) {
	e := newEnv(t)
	if e.bot.Self.ID != faketelegram.BotID || e.bot.Self.UserName != "hotline_bot" || !e.bot.Self.IsBot {
		t.Fatalf("getMe = %+v", e.bot.Self)
	}

	api, _ := e.fake.Endpoints(e.http.URL)
	if _, err := tgbotapi.NewBotAPIWithAPIEndpoint("999:wrong", api); tgError(t, err).Code != 401 {
		t.Fatalf("wrong token: %v", err)
	}
	_, err := e.bot.MakeRequest("noSuchMethod", nil)
	if te := tgError(t, err); te.Code != 404 || te.Message != "Not Found" {
		t.Fatalf("unknown method: %+v", te)
	}

	// Raw bodies are exactly Telegram's.
	for _, tc := range []struct{ path, want string }{
		{"/bot999:wrong/getMe", `{"ok":false,"error_code":401,"description":"Unauthorized"}`},
		{"/bot" + token + "/nope", `{"ok":false,"error_code":404,"description":"Not Found"}`},
		{"/elsewhere", `{"ok":false,"error_code":404,"description":"Not Found"}`},
	} {
		resp, err := http.Get(e.http.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != tc.want {
			t.Errorf("%s: body %s, want %s", tc.path, body, tc.want)
		}
	}
	// Method names are case-insensitive, as on Telegram.
	if _, err := e.bot.MakeRequest("GETME", nil); err != nil {
		t.Fatalf("GETME: %v", err)
	}
	if got := e.fake.Calls("getMe"); got != 2 { // constructor, GETME; the wrong-token calls do not count
		t.Fatalf("Calls(getMe) = %d, want 2", got)
	}
}

func ids(ups []tgbotapi.Update) []int {
	out := []int{}
	for _, u := range ups {
		out = append(out, u.UpdateID)
	}
	return out
}

func TestGetUpdatesOffsetSemantics(t *testing.T) {
	first := int(faketelegram.DefaultFirstUpdateID)
	tests := []struct {
		name        string
		sends       int
		calls       []tgbotapi.UpdateConfig
		wantLast    []int // ids returned by the last call
		wantPending int
	}{
		{"no offset returns all unconfirmed", 3, []tgbotapi.UpdateConfig{{}}, []int{first, first + 1, first + 2}, 3},
		{"same offset twice returns them again", 2, []tgbotapi.UpdateConfig{{Offset: first}, {Offset: first}}, []int{first, first + 1}, 2},
		{"offset confirms earlier updates", 3, []tgbotapi.UpdateConfig{{}, {Offset: first + 2}}, []int{first + 2}, 1},
		{"new offset past the last returns nothing", 2, []tgbotapi.UpdateConfig{{}, {Offset: first + 2}}, []int{}, 0},
		{"confirmed updates never come back", 3, []tgbotapi.UpdateConfig{{Offset: first + 2}, {}}, []int{first + 2}, 1},
		{"limit", 5, []tgbotapi.UpdateConfig{{Limit: 2}}, []int{first, first + 1}, 5},
		{"negative offset keeps the last ones", 5, []tgbotapi.UpdateConfig{{Offset: -2}, {}}, []int{first + 3, first + 4}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			for i := 0; i < tc.sends; i++ {
				uid, _ := e.fake.SendText(ana, fmt.Sprintf("msg %d", i))
				if uid != int64(first+i) {
					t.Fatalf("update id %d, want %d", uid, first+i)
				}
			}
			var got []tgbotapi.Update
			for _, c := range tc.calls {
				var err error
				if got, err = e.bot.GetUpdates(c); err != nil {
					t.Fatalf("GetUpdates(%+v): %v", c, err)
				}
			}
			if g := ids(got); fmt.Sprint(g) != fmt.Sprint(tc.wantLast) {
				t.Fatalf("ids = %v, want %v", g, tc.wantLast)
			}
			if p := e.fake.Pending(); p != tc.wantPending {
				t.Fatalf("Pending = %d, want %d", p, tc.wantPending)
			}
		})
	}
}

func TestSendTextShape(t *testing.T) {
	e := newEnv(t, faketelegram.WithFirstUpdateID(42))
	uid, mid := e.fake.SendText(arben, "/start r_7KQ2M9")
	ups, err := e.bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 1 {
		t.Fatalf("GetUpdates: %v %v", ups, err)
	}
	u := ups[0]
	if uid != 42 || u.UpdateID != 42 || u.Message == nil || u.Message.MessageID != mid {
		t.Fatalf("update %+v (uid %d mid %d)", u, uid, mid)
	}
	m := u.Message
	if m.Chat.ID != arben.ID || m.Chat.Type != "private" || m.From.ID != arben.ID || m.From.UserName != "arben_k" ||
		m.From.LanguageCode != "sq" || m.Date == 0 {
		t.Fatalf("message %+v chat %+v from %+v", m, m.Chat, m.From)
	}
	if !m.IsCommand() || m.Command() != "start" || m.CommandArguments() != "r_7KQ2M9" {
		t.Fatalf("command entity missing: %+v", m.Entities)
	}
}

func TestLongPoll(t *testing.T) {
	t.Run("returns as soon as an update arrives", func(t *testing.T) {
		e := newEnv(t)
		type result struct {
			ups []tgbotapi.Update
			err error
		}
		done := make(chan result, 1)
		start := time.Now()
		go func() {
			ups, err := e.bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 20})
			done <- result{ups, err}
		}()
		time.Sleep(100 * time.Millisecond)
		e.fake.SendText(ana, "ndihmë")
		select {
		case r := <-done:
			if r.err != nil || len(r.ups) != 1 || r.ups[0].Message.Text != "ndihmë" {
				t.Fatalf("long poll: %+v %v", r.ups, r.err)
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("long poll took %v", time.Since(start))
			}
		case <-time.After(10 * time.Second):
			t.Fatal("long poll did not return after SendText")
		}
	})
	t.Run("returns empty when the timeout passes", func(t *testing.T) {
		e := newEnv(t)
		start := time.Now()
		ups, err := e.bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 1})
		if err != nil || len(ups) != 0 {
			t.Fatalf("GetUpdates: %v %v", ups, err)
		}
		if d := time.Since(start); d < 900*time.Millisecond || d > 5*time.Second {
			t.Fatalf("timeout 1s took %v", d)
		}
	})
	t.Run("ends with the request context", func(t *testing.T) {
		e := newEnv(t)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost,
			fmt.Sprintf(e.apiFmt, token, "getUpdates"), strings.NewReader("timeout=30"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		start := time.Now()
		if _, err := http.DefaultClient.Do(req); err == nil {
			t.Fatal("expected the request to be cancelled")
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("cancellation did not end the poll")
		}
		// The fake noticed: a new update is still delivered to the next poll.
		e.fake.SendText(ana, "after")
		ups, err := e.bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 5})
		if err != nil || len(ups) != 1 {
			t.Fatalf("next poll: %v %v", ups, err)
		}
	})
	t.Run("a second poller terminates the first with 409", func(t *testing.T) {
		e := newEnv(t)
		errc := make(chan error, 1)
		go func() {
			_, err := e.bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 20})
			errc <- err
		}()
		waitFor(t, "the first poll", func() bool { return e.fake.Calls("getUpdates") == 1 })
		time.Sleep(50 * time.Millisecond)
		go func() { _, _ = e.bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 1}) }()
		select {
		case err := <-errc:
			if te := tgError(t, err); te.Code != 409 || !strings.Contains(te.Message, "terminated by other getUpdates") {
				t.Fatalf("first poller: %+v", te)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("first poller was not terminated")
		}
	})
}

func keyboard() tgbotapi.InlineKeyboardMarkup {
	return tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData("Pranoj", "ack:K7Q-4MP"),
		tgbotapi.NewInlineKeyboardButtonData("Përshkallëzo", "esc:K7Q-4MP"),
	))
}

func TestSendMessageRecorded(t *testing.T) {
	e := newEnv(t)
	cfg := tgbotapi.NewMessage(arben.ID, "P1 · Shkodër · K7Q-4MP")
	cfg.ReplyMarkup = keyboard()
	cfg.DisableNotification = true
	cfg.ReplyToMessageID = 7
	msg, err := e.bot.Send(cfg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if msg.MessageID != 1 || msg.Chat.ID != arben.ID || msg.From.ID != faketelegram.BotID || msg.Text != cfg.Text ||
		msg.Date == 0 || msg.ReplyMarkup == nil || len(msg.ReplyMarkup.InlineKeyboard[0]) != 2 {
		t.Fatalf("returned message %+v", msg)
	}
	msg2, err := e.bot.Send(tgbotapi.NewMessage(arben.ID, "second"))
	if err != nil || msg2.MessageID != 2 {
		t.Fatalf("second message id %d, %v", msg2.MessageID, err)
	}

	sent := e.fake.SentTo(arben.ID)
	if len(sent) != 2 || len(e.fake.Sent()) != 2 || len(e.fake.SentTo(1)) != 0 {
		t.Fatalf("sent = %+v", sent)
	}
	s := sent[0]
	if s.Method != "sendMessage" || s.MessageID != 1 || s.Text != cfg.Text || !s.DisableNotification || s.ReplyToMessageID != 7 {
		t.Fatalf("recorded %+v", s)
	}
	var markup tgbotapi.InlineKeyboardMarkup
	if err := json.Unmarshal(s.ReplyMarkup, &markup); err != nil || *markup.InlineKeyboard[0][0].CallbackData != "ack:K7Q-4MP" {
		t.Fatalf("reply markup %s: %v", s.ReplyMarkup, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	go func() {
		time.Sleep(50 * time.Millisecond)
		_, _ = e.bot.Send(tgbotapi.NewMessage(ana.ID, "Kodi juaj: K7Q-4MP"))
	}()
	got, err := e.fake.WaitSent(ctx, func(m faketelegram.SentMessage) bool { return m.ChatID == ana.ID })
	if err != nil || !strings.Contains(got.Text, "K7Q-4MP") {
		t.Fatalf("WaitSent: %+v %v", got, err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := e.fake.WaitSent(short, func(m faketelegram.SentMessage) bool { return m.ChatID == 5 }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitSent without match: %v", err)
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(f *faketelegram.Server)
		chatID     int64
		text       string
		parseMode  string
		wantCode   int
		wantDesc   string // prefix
		wantRetry  int
		wantMigrID int64
	}{
		{name: "injected 429", setup: func(f *faketelegram.Server) { f.FailNext("sendMessage", 0, faketelegram.TooManyRequests(3)) },
			chatID: 1, text: "x", wantCode: 429, wantDesc: "Too Many Requests: retry after 3", wantRetry: 3},
		{name: "blocked", setup: func(f *faketelegram.Server) { f.Block(2) },
			chatID: 2, text: "x", wantCode: 403, wantDesc: "Forbidden: bot was blocked by the user"},
		{name: "can't initiate", setup: func(f *faketelegram.Server) { f.FailNext("sendmessage", 3, faketelegram.CantInitiate) },
			chatID: 3, text: "x", wantCode: 403, wantDesc: "Forbidden: bot can't initiate conversation with a user"},
		{name: "chat not found", setup: func(f *faketelegram.Server) { f.FailNext("", 4, faketelegram.ChatNotFound) },
			chatID: 4, text: "x", wantCode: 400, wantDesc: "Bad Request: chat not found"},
		{name: "group migrated", setup: func(f *faketelegram.Server) { f.FailNext("sendMessage", -40, faketelegram.MigratedTo(-1002012345678)) },
			chatID: -40, text: "x", wantCode: 400, wantDesc: "Bad Request: group chat was upgraded", wantMigrID: -1002012345678},
		{name: "too long", chatID: 5, text: strings.Repeat("a", 4097), wantCode: 400, wantDesc: "Bad Request: message is too long"},
		{name: "too long in UTF-16 units", chatID: 5, text: strings.Repeat("😀", 2049), wantCode: 400, wantDesc: "Bad Request: message is too long"},
		{name: "4096 ë is fine", chatID: 5, text: strings.Repeat("ë", 4096)},
		{name: "2048 emoji is fine", chatID: 5, text: strings.Repeat("😀", 2048)},
		{name: "empty", chatID: 5, text: "", wantCode: 400, wantDesc: "Bad Request: message text is empty"},
		{name: "only spaces", chatID: 5, text: " \n ", wantCode: 400, wantDesc: "Bad Request: message text is empty"},
		{name: "half an ë", chatID: 5, text: "Vlor" + "ë"[:1], wantCode: 400, wantDesc: "Bad Request: text must be encoded in UTF-8"},
		{name: "markdownv2 reserved dot", chatID: 5, text: "Kodi: K7Q-4MP.", parseMode: "MarkdownV2", wantCode: 400,
			wantDesc: "Bad Request: can't parse entities: Character '-' is reserved"},
		{name: "markdownv2 escaped", chatID: 5, text: `Kodi: *K7Q\-4MP*\.`, parseMode: "MarkdownV2"},
		{name: "html unknown tag", chatID: 5, text: "mosha <18 vjeç", parseMode: "HTML", wantCode: 400,
			wantDesc: `Bad Request: can't parse entities: Unsupported start tag "18" at byte offset 6`},
		{name: "html bare ampersand is text", chatID: 5, text: "<b>Fier</b> & Berat", parseMode: "HTML"},
		{name: "unknown chat is fine", chatID: 987654321, text: "hello"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			if tc.setup != nil {
				tc.setup(e.fake)
			}
			cfg := tgbotapi.NewMessage(tc.chatID, tc.text)
			cfg.ParseMode = tc.parseMode
			_, err := e.bot.Send(cfg)
			if tc.wantCode == 0 {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				if len(e.fake.Sent()) != 1 {
					t.Fatalf("not recorded")
				}
				return
			}
			te := tgError(t, err)
			if te.Code != tc.wantCode || !strings.HasPrefix(te.Message, tc.wantDesc) ||
				te.RetryAfter != tc.wantRetry || te.MigrateToChatID != tc.wantMigrID {
				t.Fatalf("error %+v, want %d %q retry %d", te, tc.wantCode, tc.wantDesc, tc.wantRetry)
			}
			if len(e.fake.Sent()) != 0 {
				t.Fatalf("a failed send was recorded")
			}
			if e.fake.Calls("sendMessage") != 1 {
				t.Fatalf("Calls = %d", e.fake.Calls("sendMessage"))
			}
		})
	}
}

func TestFailNextIsOneShotAndMatchesChat(t *testing.T) {
	e := newEnv(t)
	e.fake.FailNext("sendMessage", 42, faketelegram.TooManyRequests(1))
	if _, err := e.bot.Send(tgbotapi.NewMessage(43, "other chat")); err != nil {
		t.Fatalf("other chat: %v", err)
	}
	if _, err := e.bot.Send(tgbotapi.NewMessage(42, "x")); tgError(t, err).Code != 429 {
		t.Fatalf("want 429, got %v", err)
	}
	if _, err := e.bot.Send(tgbotapi.NewMessage(42, "x")); err != nil {
		t.Fatalf("retry: %v", err)
	}
	e.fake.Block(42)
	if _, err := e.bot.Request(tgbotapi.NewChatAction(42, tgbotapi.ChatTyping)); tgError(t, err).Code != 403 {
		t.Fatal("chat action to a blocked chat succeeded")
	}
	e.fake.Unblock(42)
	if _, err := e.bot.Request(tgbotapi.NewChatAction(42, tgbotapi.ChatTyping)); err != nil {
		t.Fatalf("after Unblock: %v", err)
	}
	if got := e.fake.Calls("sendMessage"); got != 3 {
		t.Fatalf("Calls(sendMessage) = %d, want 3 (failures included)", got)
	}
	// Raw error JSON is Telegram's.
	e.fake.FailNext("getMe", 0, faketelegram.TooManyRequests(3))
	resp, err := http.Get(fmt.Sprintf(e.apiFmt, token, "getMe"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`
	if resp.StatusCode != 429 || string(body) != want {
		t.Fatalf("raw 429: %d %s", resp.StatusCode, body)
	}
}

func TestButtonsEditsAndAnswers(t *testing.T) {
	e := newEnv(t)
	cfg := tgbotapi.NewMessage(arben.ID, "P1 · Shkodër · K7Q-4MP")
	cfg.ReplyMarkup = keyboard()
	msg, err := e.bot.Send(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.fake.PressButton(arben, e.fake.Sent()[0], "ack:K7Q-4MP")
	ups, err := e.bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 1 || ups[0].CallbackQuery == nil {
		t.Fatalf("GetUpdates: %+v %v", ups, err)
	}
	cq := ups[0].CallbackQuery
	if cq.Data != "ack:K7Q-4MP" || cq.From.ID != arben.ID || cq.Message.MessageID != msg.MessageID ||
		cq.Message.From.ID != faketelegram.BotID || cq.Message.ReplyMarkup == nil || cq.ID == "" {
		t.Fatalf("callback %+v", cq)
	}

	if _, err := e.bot.Request(tgbotapi.NewCallback(cq.ID, "U pranua")); err != nil {
		t.Fatalf("answer: %v", err)
	}
	if _, err := e.bot.Request(tgbotapi.NewCallback(cq.ID, "again")); tgError(t, err).Code != 400 {
		t.Fatal("answering twice succeeded")
	}
	if a := e.fake.CallbackAnswers(); len(a) != 1 || a[0].QueryID != cq.ID || a[0].Text != "U pranua" {
		t.Fatalf("answers %+v", a)
	}

	edit := tgbotapi.NewEditMessageText(arben.ID, msg.MessageID, "P1 · Shkodër · K7Q-4MP ✅ Arben")
	edited, err := e.bot.Send(edit)
	if err != nil || edited.Text != edit.Text || edited.EditDate == 0 || edited.ReplyMarkup != nil {
		t.Fatalf("edit: %+v %v", edited, err)
	}
	if _, err := e.bot.Send(edit); !strings.Contains(tgError(t, err).Message, "message is not modified") {
		t.Fatalf("identical edit: %v", err)
	}
	if _, err := e.bot.Send(tgbotapi.NewEditMessageText(arben.ID, 999, "x")); tgError(t, err).Message != "Bad Request: message to edit not found" {
		t.Fatalf("edit of unknown message: %v", err)
	}
	if _, err := e.bot.Send(tgbotapi.NewEditMessageReplyMarkup(arben.ID, msg.MessageID, keyboard())); err != nil {
		t.Fatalf("edit markup: %v", err)
	}
	edits := e.fake.Edits()
	if len(edits) != 2 || edits[0].Method != "editMessageText" || edits[1].Method != "editMessageReplyMarkup" ||
		edits[1].Text != edit.Text || len(edits[1].ReplyMarkup) == 0 {
		t.Fatalf("edits %+v", edits)
	}
	// The next press carries the message as edited.
	e.fake.PressButtonIn(arben, arben.ID, msg.MessageID, "esc:K7Q-4MP")
	ups, _ = e.bot.GetUpdates(tgbotapi.UpdateConfig{Offset: ups[0].UpdateID + 1})
	if len(ups) != 1 || ups[0].CallbackQuery.Message.Text != edit.Text || ups[0].CallbackQuery.ID == cq.ID {
		t.Fatalf("second press %+v", ups)
	}
}

func fixturesDir(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("runtime.Caller failed")
	}
	// internal/fake/telegram -> module root, whose testdata/fixtures is a copy of shared/fixtures.
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "fixtures", "telegram")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("fixtures folder %s is missing (%v): the Telegram fixture tests need testdata/fixtures/telegram (a copy of shared/fixtures)", dir, err)
	}
	return dir
}

func canonical(t *testing.T, raw []byte) string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("bad JSON %s: %v", raw, err)
	}
	delete(v, "update_id")
	b, _ := json.Marshal(v)
	return string(b)
}

func TestInjectFixtures(t *testing.T) {
	dir := fixturesDir(t)
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no fixtures in %s: %v", dir, err)
	}
	sort.Strings(names)
	e := newEnv(t)
	want := map[int64]string{}
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		id := e.fake.InjectRaw(raw)
		want[id] = canonical(t, raw)
	}

	// Raw getUpdates returns every fixture unchanged but for update_id.
	resp, err := e.bot.MakeRequest("getUpdates", nil)
	if err != nil {
		t.Fatal(err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(resp.Result, &raws); err != nil || len(raws) != len(names) {
		t.Fatalf("raw result: %d updates, %v", len(raws), err)
	}
	for _, r := range raws {
		var head struct {
			UpdateID int64 `json:"update_id"`
		}
		_ = json.Unmarshal(r, &head)
		if canonical(t, r) != want[head.UpdateID] {
			t.Errorf("update %d changed:\n got %s\nwant %s", head.UpdateID, canonical(t, r), want[head.UpdateID])
		}
	}

	// The library decodes them all, including the message_reaction it does not know.
	ups, err := e.bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != len(names) {
		t.Fatalf("GetUpdates: %d, %v", len(ups), err)
	}
	byFile := map[string]tgbotapi.Update{}
	for i, name := range names {
		byFile[filepath.Base(name)] = ups[i]
		if ups[i].UpdateID != int(faketelegram.DefaultFirstUpdateID)+i {
			t.Errorf("%s: update_id %d", name, ups[i].UpdateID)
		}
	}
	checks := []struct {
		file string
		ok   func(u tgbotapi.Update) bool
	}{
		{"message_text.json", func(u tgbotapi.Update) bool { return strings.HasPrefix(u.Message.Text, "Në Shkodër") }},
		{"message_photo_caption.json", func(u tgbotapi.Update) bool {
			return len(u.Message.Photo) == 3 && u.Message.Photo[2].FileID == "AgACAgQAAxkBAAIBQ2large"
		}},
		{"callback_query_ack.json", func(u tgbotapi.Update) bool { return u.CallbackQuery != nil && u.CallbackQuery.Data == "ack:K7Q-4MP" }},
		{"my_chat_member_blocked.json", func(u tgbotapi.Update) bool {
			return u.MyChatMember != nil && u.MyChatMember.NewChatMember.Status == "kicked"
		}},
		{"message_group_migrated.json", func(u tgbotapi.Update) bool { return u.Message.MigrateToChatID == -1002012345678 }},
		{"message_reaction.json", func(u tgbotapi.Update) bool { return u.Message == nil && u.CallbackQuery == nil }},
	}
	for _, c := range checks {
		u, ok := byFile[c.file]
		if !ok || !c.ok(u) {
			t.Errorf("%s decoded as %+v", c.file, u)
		}
	}

	// Files and callback queries in fixtures are known to the fake.
	f, err := e.bot.GetFile(tgbotapi.FileConfig{FileID: "AgACAgQAAxkBAAIBQ2large"})
	if err != nil || f.FilePath == "" || f.FileSize != 160873 {
		t.Fatalf("getFile of a fixture photo: %+v %v", f, err)
	}
	if _, err := e.bot.Request(tgbotapi.NewCallback("4382bfdwdsb323b2d9", "ok")); err != nil {
		t.Fatalf("answering the fixture's callback: %v", err)
	}
	if _, err := e.bot.Send(tgbotapi.NewEditMessageText(100000201, 301, "P1 · Shkodër · K7Q-4MP ✅")); err != nil {
		t.Fatalf("editing the fixture's bot message: %v", err)
	}
}

func TestMalformedUpdateBreaksTheLibrary(t *testing.T) {
	e := newEnv(t)
	id := e.fake.InjectRaw(json.RawMessage(`{"update_id":1,"message":{"message_id":"eleven","chat":{"id":5,"type":"private"},"date":0,"text":"x"}}`))
	if id != faketelegram.DefaultFirstUpdateID {
		t.Fatalf("id %d", id)
	}
	if _, err := e.bot.GetUpdates(tgbotapi.UpdateConfig{}); err == nil {
		t.Fatal("the library decoded a malformed message_id")
	}
	resp, err := e.bot.MakeRequest("getUpdates", tgbotapi.Params{"offset": fmt.Sprint(id)})
	if err != nil || !strings.Contains(string(resp.Result), `"eleven"`) {
		t.Fatalf("raw: %s %v", resp.Result, err)
	}
	if _, err := e.bot.MakeRequest("getUpdates", tgbotapi.Params{"offset": fmt.Sprint(id + 1)}); err != nil || e.fake.Pending() != 0 {
		t.Fatalf("skipping it: %v pending %d", err, e.fake.Pending())
	}
}

func TestFiles(t *testing.T) {
	e := newEnv(t)
	jpeg := append([]byte{0xff, 0xd8, 0xff, 0xe0}, bytes.Repeat([]byte("x"), 100)...)
	e.fake.AddFile("photo-1", jpeg)
	f, err := e.bot.GetFile(tgbotapi.FileConfig{FileID: "photo-1"})
	if err != nil || !strings.HasSuffix(f.FilePath, ".jpg") || f.FileSize != len(jpeg) {
		t.Fatalf("GetFile: %+v %v", f, err)
	}
	resp, err := http.Get(fmt.Sprintf(e.fileFmt, token, f.FilePath))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(body, jpeg) {
		t.Fatalf("download: %d %d bytes", resp.StatusCode, len(body))
	}
	for _, tc := range []struct {
		url  string
		code int
	}{
		{fmt.Sprintf(e.fileFmt, "999:wrong", f.FilePath), 401},
		{fmt.Sprintf(e.fileFmt, token, "photos/none.jpg"), 404},
	} {
		resp, err := http.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("%s: %d, want %d", tc.url, resp.StatusCode, tc.code)
		}
	}
	if _, err := e.bot.GetFile(tgbotapi.FileConfig{FileID: "nope"}); tgError(t, err).Message != "Bad Request: invalid file_id" {
		t.Fatalf("unknown file: %v", err)
	}
	e.fake.AddFile("big", make([]byte, faketelegram.MaxDownloadSize+1))
	if _, err := e.bot.GetFile(tgbotapi.FileConfig{FileID: "big"}); tgError(t, err).Message != "Bad Request: file is too big" {
		t.Fatalf("big file: %v", err)
	}

	// The user's photo: the largest size is the registered file.
	e.fake.SendPhoto(ana, "photo-1", "Kjo është makina")
	ups, err := e.bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 1 {
		t.Fatalf("GetUpdates: %v", err)
	}
	ph := ups[0].Message.Photo
	if len(ph) != 2 || ph[1].FileID != "photo-1" || ups[0].Message.Caption != "Kjo është makina" {
		t.Fatalf("photo update %+v", ups[0].Message)
	}

	// The bot sends the photo on: by file id and by upload.
	if _, err := e.bot.Send(tgbotapi.NewPhoto(arben.ID, tgbotapi.FileID("photo-1"))); err != nil {
		t.Fatalf("sendPhoto by id: %v", err)
	}
	up := tgbotapi.NewDocument(arben.ID, tgbotapi.FileBytes{Name: "a.pdf", Bytes: []byte("%PDF-1.4 hello")})
	up.Caption = "kontrata"
	doc, err := e.bot.Send(up)
	if err != nil || doc.Document == nil || doc.Caption != "kontrata" {
		t.Fatalf("sendDocument upload: %+v %v", doc, err)
	}
	if _, err := e.bot.GetFile(tgbotapi.FileConfig{FileID: doc.Document.FileID}); err != nil {
		t.Fatalf("getFile of the upload: %v", err)
	}
	sent := e.fake.Sent()
	if len(sent) != 2 || sent[0].Method != "sendPhoto" || sent[0].FileID != "photo-1" || sent[1].Method != "sendDocument" {
		t.Fatalf("sent %+v", sent)
	}
}

func TestParameterEncodings(t *testing.T) {
	e := newEnv(t)
	markup := `{"inline_keyboard":[[{"text":"OK","callback_data":"ack:X"}]]}`
	multipartBody := func() (io.Reader, string) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		_ = w.WriteField("chat_id", "11")
		_ = w.WriteField("text", "multipart")
		_ = w.WriteField("reply_markup", markup)
		w.Close()
		return &b, w.FormDataContentType()
	}
	tests := []struct {
		name   string
		method string
		query  string
		body   func() (io.Reader, string)
		chat   int64
		text   string
	}{
		{"form", http.MethodPost, "", func() (io.Reader, string) {
			return strings.NewReader(url.Values{"chat_id": {"10"}, "text": {"form"}, "reply_markup": {markup}}.Encode()),
				"application/x-www-form-urlencoded"
		}, 10, "form"},
		{"multipart", http.MethodPost, "", multipartBody, 11, "multipart"},
		{"json", http.MethodPost, "", func() (io.Reader, string) {
			return strings.NewReader(`{"chat_id":12,"text":"json","disable_notification":true,"reply_markup":` + markup + `}`), "application/json"
		}, 12, "json"},
		{"query string", http.MethodGet, "?chat_id=13&text=query&reply_markup=" + url.QueryEscape(markup), nil, 13, "query"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			ct := ""
			if tc.body != nil {
				body, ct = tc.body()
			}
			req, _ := http.NewRequest(tc.method, fmt.Sprintf(e.apiFmt, token, "sendMessage")+tc.query, body)
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var out struct {
				OK     bool             `json:"ok"`
				Result tgbotapi.Message `json:"result"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if !out.OK || out.Result.Chat.ID != tc.chat || out.Result.Text != tc.text || out.Result.ReplyMarkup == nil {
				t.Fatalf("%d %+v", resp.StatusCode, out)
			}
			got := e.fake.SentTo(tc.chat)
			if len(got) != 1 || string(got[0].ReplyMarkup) != markup {
				t.Fatalf("recorded %+v", got)
			}
		})
	}
	if !e.fake.SentTo(12)[0].DisableNotification {
		t.Error("JSON boolean not read")
	}
}

type hookRecord struct {
	secret string
	body   []byte
}

type hookReceiver struct {
	mu       sync.Mutex
	failures int // answer 500 to this many requests first
	got      []hookRecord
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, hookRecord{r.Header.Get(faketelegram.SecretTokenHeader), body})
	if h.failures > 0 {
		h.failures--
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (h *hookReceiver) records() []hookRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookRecord(nil), h.got...)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWebhook(t *testing.T) {
	e := newEnv(t, faketelegram.WithWebhookBackoff(10*time.Millisecond, 50*time.Millisecond))
	recv := &hookReceiver{failures: 1}
	hook := httptest.NewServer(recv)
	defer hook.Close()

	e.fake.SendText(ana, "queued before the webhook")
	resp, err := e.bot.MakeRequest("setWebhook", tgbotapi.Params{"url": hook.URL + "/webhooks/telegram", "secret_token": "s3cr3t_T0ken"})
	if err != nil || resp.Description != "Webhook was set" {
		t.Fatalf("setWebhook: %+v %v", resp, err)
	}
	if u, s := e.fake.Webhook(); u != hook.URL+"/webhooks/telegram" || s != "s3cr3t_T0ken" {
		t.Fatalf("Webhook() = %q %q", u, s)
	}
	e.fake.SendText(ana, "second")
	e.fake.SendText(ana, "third")

	waitFor(t, "all updates delivered", func() bool { return e.fake.Pending() == 0 })
	got := recv.records()
	if len(got) != 4 {
		t.Fatalf("%d webhook requests, want 4 (one 500 then three 200s)", len(got))
	}
	var texts []string
	for i, r := range got {
		if r.secret != "s3cr3t_T0ken" {
			t.Errorf("request %d secret %q", i, r.secret)
		}
		var u tgbotapi.Update
		if err := json.Unmarshal(r.body, &u); err != nil {
			t.Fatal(err)
		}
		texts = append(texts, u.Message.Text)
	}
	if want := "[queued before the webhook queued before the webhook second third]"; fmt.Sprint(texts) != want {
		t.Fatalf("delivery order %v", texts)
	}

	info, err := e.bot.GetWebhookInfo()
	if err != nil || !info.IsSet() || !strings.Contains(info.LastErrorMessage, "500") {
		t.Fatalf("webhook info %+v %v", info, err)
	}
	if _, err := e.bot.GetUpdates(tgbotapi.UpdateConfig{}); tgError(t, err).Code != 409 ||
		!strings.Contains(err.Error(), "can't use getUpdates method while webhook is active") {
		t.Fatalf("getUpdates with a webhook: %v", err)
	}

	if _, err := e.bot.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		t.Fatal(err)
	}
	e.fake.SendText(ana, "polling again")
	ups, err := e.bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 1 {
		t.Fatalf("after deleteWebhook: %v %v", ups, err)
	}
	if n := len(recv.records()); n != 4 {
		t.Fatalf("webhook still called after deleteWebhook: %d", n)
	}
}

func TestWebhookKeepsUpdateWhileDown(t *testing.T) {
	e := newEnv(t, faketelegram.WithWebhookBackoff(5*time.Millisecond, 20*time.Millisecond))
	recv := &hookReceiver{failures: 5}
	hook := httptest.NewServer(recv)
	defer hook.Close()
	if _, err := e.bot.MakeRequest("setWebhook", tgbotapi.Params{"url": hook.URL}); err != nil {
		t.Fatal(err)
	}
	e.fake.SendText(ana, "x")
	waitFor(t, "delivery after 5 failures", func() bool { return e.fake.Pending() == 0 })
	if got := recv.records(); len(got) != 6 || got[0].secret != "" {
		t.Fatalf("%d attempts, secret %q", len(got), got[0].secret)
	}
}

func TestConcurrentUse(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(2)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				if _, err := e.bot.Send(tgbotapi.NewMessage(int64(i+1), fmt.Sprint(j))); err != nil {
					t.Error(err)
				}
			}
		}(i)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				e.fake.SendText(faketelegram.User{ID: int64(1000 + i), FirstName: "U"}, fmt.Sprint(j))
				_ = e.fake.Sent()
				_ = e.fake.Pending()
			}
		}(i)
	}
	wg.Wait()
	if len(e.fake.Sent()) != 80 || e.fake.Pending() != 80 {
		t.Fatalf("sent %d pending %d", len(e.fake.Sent()), e.fake.Pending())
	}
	seen := map[int]bool{}
	ups, _ := e.bot.GetUpdates(tgbotapi.UpdateConfig{})
	for _, u := range ups {
		if seen[u.UpdateID] {
			t.Fatalf("duplicate update id %d", u.UpdateID)
		}
		seen[u.UpdateID] = true
	}
	e.fake.Reset()
	if len(e.fake.Sent()) != 0 || e.fake.Pending() != 0 {
		t.Fatal("Reset kept state")
	}
	if uid, _ := e.fake.SendText(ana, "after reset"); uid != faketelegram.DefaultFirstUpdateID+80 {
		t.Fatalf("update ids restarted after Reset: %d", uid)
	}
}
