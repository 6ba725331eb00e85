package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline/privacy"
	faketelegram "github.com/hotline-al/hotline/internal/fake/telegram"
	faketwilio "github.com/hotline-al/hotline/internal/fake/twilio"
	"github.com/hotline-al/hotline/internal/testenv"
	"github.com/hotline-al/hotline/triage"
)

const (
	botToken    = "123456:TEST-token"
	accountSID  = "AC00000000000000000000000000000001"
	authToken   = "testauthtoken0123456789abcdef"
	hotlineFrom = "+35542000000"
	// The reporters of these tests; their identities must never leak.
	reporterPhone = "+355690001234"
	reporterChat  = 100000101
)

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// clock is a settable clock for escalation.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// harness runs hotline as `serve` would, against real Postgres and Redis and
// fake Telegram and Twilio servers spoken to by the real client libraries.
type harness struct {
	t        testing.TB
	env      map[string]string
	telegram *faketelegram.Server
	twilio   *faketwilio.Server
	clock    *clock
	logs     *syncBuffer
	app      *App
	base     string
	stop     context.CancelFunc
	done     chan error
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	h := &harness{t: t, clock: &clock{}, logs: &syncBuffer{}}
	h.telegram = faketelegram.New(botToken)
	tgServer := httptest.NewServer(h.telegram)
	t.Cleanup(func() { h.telegram.Close(); tgServer.Close() })
	h.twilio = faketwilio.New(accountSID, authToken)
	twServer := httptest.NewServer(h.twilio)
	h.twilio.SetBaseURL(twServer.URL)
	t.Cleanup(func() { h.twilio.Close(); twServer.Close() })
	api, file := h.telegram.Endpoints(tgServer.URL)
	h.env = map[string]string{
		"DATABASE_URL":           testenv.DatabaseURL(t),
		"REDIS_URL":              testenv.RedisURL(t),
		"HOTLINE_SECRET_KEY":     privacy.NewSecret(),
		"TELEGRAM_BOT_TOKEN":     botToken,
		"TELEGRAM_API_ENDPOINT":  api,
		"TELEGRAM_FILE_ENDPOINT": file,
		"TWILIO_ACCOUNT_SID":     accountSID,
		"TWILIO_AUTH_TOKEN":      authToken,
		"TWILIO_FROM":            hotlineFrom,
		"TWILIO_API_URL":         twServer.URL,
		"ESCALATE_AFTER":         "5m",
	}
	if code, out := h.cli("migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, out)
	}
	if code, out := h.cli("roster", "import", "demo_roster.csv"); code != 0 || !strings.Contains(out, "12 added") {
		t.Fatalf("roster import: %d %s", code, out)
	}
	return h
}

// cli runs a command as the hotline binary would, returning exit code and output.
func (h *harness) cli(args ...string) (int, string) {
	var out bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &out, func(k string) string { return h.env[k] })
	return code, out.String()
}

// start runs the service; it can be stopped and started again (a restart).
func (h *harness) start() {
	h.t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	h.base = "http://" + l.Addr().String()
	h.env["PUBLIC_URL"] = h.base
	cfg, err := LoadConfig(func(k string) string { return h.env[k] })
	if err != nil {
		h.t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(h.logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	app, err := NewApp(ctx, cfg, log, h.clock.Now)
	if err != nil {
		cancel()
		h.t.Fatal(err)
	}
	app.listener = l
	h.app, h.stop, h.done = app, cancel, make(chan error, 1)
	go func() { h.done <- app.Run(ctx) }()
	h.t.Cleanup(h.shutdown)
	h.t.Cleanup(func() {
		if h.t.Failed() {
			h.t.Logf("service log:\n%s", h.logs.String())
		}
	})
}

func (h *harness) shutdown() {
	if h.stop == nil {
		return
	}
	h.stop()
	select {
	case <-h.done:
	case <-time.After(12 * time.Second):
		h.t.Error("service did not stop within 12 s")
	}
	h.app.Close()
	h.stop = nil
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

func (h *harness) sms(from, body string) (int, string) {
	h.t.Helper()
	status, resp, err := h.twilio.InboundSMS(h.ctx(), h.base+"/webhooks/twilio/sms", from, hotlineFrom, body)
	if err != nil {
		h.t.Fatal(err)
	}
	return status, resp
}

func (h *harness) waitSMS(to, contains string) faketwilio.Message {
	h.t.Helper()
	m, err := h.twilio.WaitMessage(h.ctx(), func(m faketwilio.Message) bool { return m.To == to && strings.Contains(m.Body, contains) })
	if err != nil {
		h.t.Fatalf("no SMS to %s containing %q: %v; sent: %+v", to, contains, err, h.twilio.MessagesTo(to))
	}
	return m
}

func (h *harness) waitTelegram(chat int64, contains string) faketelegram.SentMessage {
	h.t.Helper()
	m, err := h.telegram.WaitSent(h.ctx(), func(m faketelegram.SentMessage) bool { return m.ChatID == chat && strings.Contains(m.Text, contains) })
	if err != nil {
		h.t.Fatalf("no Telegram message to %d containing %q: %v; sent: %+v", chat, contains, err, h.telegram.SentTo(chat))
	}
	return m
}

func (h *harness) count(query string, args ...any) int {
	h.t.Helper()
	conn, err := pgx.Connect(context.Background(), h.env["DATABASE_URL"])
	if err != nil {
		h.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// codeIn finds the reference code in a reporter reply.
func codeIn(t *testing.T, text string) string {
	t.Helper()
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '(' || r == ')' || r == '.' || r == ',' || r == ':' }) {
		if len(f) == 7 && f[3] == '-' {
			return f
		}
	}
	t.Fatalf("no reference code in %q", text)
	return ""
}

func TestSMSTipReachesOnDutyResponderWhoAcknowledges(t *testing.T) {
	h := newHarness(t)
	h.start()
	text := "Në Shkodër mbajnë një vajzë 15 vjeçe të mbyllur në një bar, ndihmë tani"
	status, body := h.sms(reporterPhone, text)
	if status != 200 || !strings.Contains(body, "<Response/>") {
		t.Fatalf("webhook answered %d %q, want 200 and an empty TwiML response", status, body)
	}
	reply := h.waitSMS(reporterPhone, "0800 12 12")
	code := codeIn(t, reply.Body)
	for _, want := range []string{"129", "112"} {
		if !strings.Contains(reply.Body, want) {
			t.Errorf("first reply lacks %s: %q", want, reply.Body)
		}
	}
	if strings.Contains(strings.ToLower(reply.Body), "trafik") {
		t.Errorf("discreet SMS reply names trafficking: %q", reply.Body)
	}

	// Police of Shkodër by Telegram, with the acknowledge button.
	alert := h.waitTelegram(100000201, code)
	if !strings.Contains(alert.Text, "Shkodër") || !strings.Contains(alert.Text, "P1") || !strings.Contains(alert.Text, "vajzë 15 vjeçe") {
		t.Errorf("alert lacks county, level or text: %q", alert.Text)
	}
	if !strings.Contains(string(alert.ReplyMarkup), `"callback_data":"ack:`+code+`"`) {
		t.Errorf("alert has no ack button: %s", alert.ReplyMarkup)
	}
	// The social worker has only a phone: SMS, with the reply hint.
	h.waitSMS("+355690000302", "OK "+code)
	// A child: the Child Protection Unit too.
	h.waitTelegram(100000204, code)
	// Nobody in another county.
	if got := h.telegram.SentTo(100000211); len(got) != 0 {
		t.Errorf("Tiranë police alerted about a Shkodër tip: %+v", got)
	}

	h.telegram.PressButton(faketelegram.User{ID: 100000201, FirstName: "Arben"}, alert, "ack:"+code)
	h.waitTelegram(100000201, "U pranua "+code)
	// Acknowledging again by SMS is harmless and answered politely.
	h.sms("+355690000302", "ok "+strings.ToLower(code))
	h.waitSMS("+355690000302", "pranuar tashmë nga Arben Hoxha")

	// Escalation was stopped by the acknowledgement.
	h.clock.Advance(time.Hour)
	time.Sleep(2500 * time.Millisecond)
	if got := h.telegram.SentTo(100000203); len(got) != 0 {
		t.Errorf("coordinator alerted about an acknowledged tip: %+v", got)
	}
	h.assertNoReporterIdentity(text)
}

func TestTelegramTipEnglishAndEscalation(t *testing.T) {
	h := newHarness(t)
	h.start()
	reporter := faketelegram.User{ID: reporterChat, FirstName: "Ana", LanguageCode: "en"}
	text := "In Tirana a man keeps my sister locked in an apartment and forces her to work, she is in danger now"
	h.telegram.SendText(reporter, text)
	reply := h.waitTelegram(reporterChat, "0800 12 12")
	if !strings.Contains(reply.Text, "Thank you") {
		t.Errorf("reply not in English: %q", reply.Text)
	}
	code := codeIn(t, reply.Text)
	h.waitTelegram(100000211, code) // Tiranë police
	h.waitTelegram(100000212, code) // Tiranë social worker

	h.clock.Advance(5 * time.Minute)
	esc := h.waitTelegram(100000213, code) // Tiranë coordinator
	if !strings.Contains(esc.Text, "Besnik Kola") || !strings.Contains(esc.Text, "PËRSHKALLËZIM") {
		t.Errorf("escalation does not say who did not acknowledge: %q", esc.Text)
	}
	h.clock.Advance(5 * time.Minute)
	h.waitTelegram(100000401, code) // national desk
	h.assertNoReporterIdentity(text)
}

func TestCountyUnknownGoesToTheNationalDesk(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.sms(reporterPhone, "Help, they locked me in a room and took my passport")
	code := codeIn(t, h.waitSMS(reporterPhone, "0800 12 12").Body)
	h.waitTelegram(100000401, code)
}

func TestForgedAndRepeatedWebhooks(t *testing.T) {
	h := newHarness(t)
	h.start()
	url := h.base + "/webhooks/twilio/sms"
	params := h.twilio.InboundParams(reporterPhone, hotlineFrom, "Në Vlorë dy djem punojnë natën pa pagë")
	for _, tc := range []struct {
		name, signature string
	}{
		{"missing", ""},
		{"forged", "bm90IGEgc2lnbmF0dXJl"},
		{"for another token", faketwilio.Signature("other-token", url, params)},
		{"for another URL", h.twilio.Sign(h.base+"/other", params)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, err := h.twilio.PostForm(h.ctx(), url, params, tc.signature)
			if err != nil || status != http.StatusForbidden {
				t.Fatalf("status %d, %v; want 403", status, err)
			}
		})
	}
	if n := h.count(`SELECT count(*) FROM messages`); n != 0 {
		t.Fatalf("a rejected webhook stored %d messages", n)
	}
	sig := h.twilio.Sign(url, params)
	for i := 0; i < 3; i++ {
		status, body, err := h.twilio.PostForm(h.ctx(), url, params, sig)
		if err != nil || status != 200 || !strings.Contains(body, "<Response/>") {
			t.Fatalf("delivery %d: %d %q %v", i, status, body, err)
		}
	}
	h.waitSMS(reporterPhone, "0800 12 12")
	time.Sleep(time.Second)
	if n := h.count(`SELECT count(*) FROM messages WHERE direction = 'in'`); n != 1 {
		t.Fatalf("a MessageSid delivered 3 times stored %d messages", n)
	}
	// One turn of the conversation may be several messages (reply, question): the first reply comes once.
	if n := countContaining(h.twilio.MessagesTo(reporterPhone), func(m faketwilio.Message) string { return m.Body }, "0800 12 12"); n != 1 {
		t.Fatalf("reporter got %d first replies, want 1", n)
	}
	if n := len(h.telegram.SentTo(100000221)); n != 1 {
		t.Fatalf("Vlorë police got %d alerts, want 1", n)
	}
}

func TestOddInputIsAnsweredAndKept(t *testing.T) {
	h := newHarness(t)
	h.start()
	cases := []struct{ name, body string }{
		{"empty", ""},
		{"1600 ë", strings.Repeat("ë", 1600)},
		{"control bytes", "a\x00b\x01c\x7f\x1b[31m"},
		{"html and markdown", "<b>bold</b> *x* _y_ [z](http://e) `c` & < 18 vjeç"},
		{"emoji", "🚨😢👧🏽 ndihmë 🙏"},
		{"invalid utf-8", "Tiran\xeb \xff\xfe"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := h.sms(fmt.Sprintf("+35569100%04d", i), tc.body)
			if status != 200 || !strings.Contains(body, "<Response/>") {
				t.Fatalf("answered %d %q", status, body)
			}
		})
	}
	if n := h.count(`SELECT count(*) FROM messages WHERE direction = 'in' AND channel = 'sms'`); n != len(cases) {
		t.Fatalf("stored %d of %d odd messages", n, len(cases))
	}
	// Telegram: odd updates never stall the ones after them.
	reporter := faketelegram.User{ID: reporterChat, FirstName: "ㅤ"}
	h.telegram.InjectRaw(json.RawMessage(`{"message_reaction":{"chat":{"id":100000101,"type":"private"},"message_id":1,"date":1,"old_reaction":[],"new_reaction":[]}}`))
	h.telegram.InjectRaw(json.RawMessage(`{"message":{"message_id":"not a number","chat":{"id":100000101,"type":"private"},"date":1,"text":"x"}}`))
	h.telegram.SendText(reporter, "<i>"+strings.Repeat("ç", 5000)+"</i>")
	reply := h.waitTelegram(reporterChat, "0800 12 12")
	if reply.ParseMode != "" {
		t.Errorf("reply sent with parse mode %q", reply.ParseMode)
	}
	code := codeIn(t, reply.Text)
	if n := h.count(`SELECT count(*) FROM tips WHERE reference_code = $1`, code); n != 1 {
		t.Fatal("long Telegram message not stored")
	}
}

func TestTelegramRedeliveryAfterRestart(t *testing.T) {
	h := newHarness(t)
	h.start()
	raw := []byte(`{"update_id":900000777,"message":{"message_id":11,"from":{"id":100000101,"is_bot":false,"first_name":"Ana","language_code":"sq"},"chat":{"id":100000101,"first_name":"Ana","type":"private"},"date":1764460800,"text":"Në Korçë punojnë fëmijë në rrugë"}}`)
	if err := h.app.Telegram.HandleUpdate(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
	h.waitTelegram(reporterChat, "0800 12 12")
	// The process dies before confirming the offset; Telegram sends the update again to the next one.
	h.shutdown()
	h.start()
	if err := h.app.Telegram.HandleUpdate(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if n := h.count(`SELECT count(*) FROM tips`); n != 1 {
		t.Fatalf("redelivered update opened %d tips", n)
	}
	if n := countContaining(h.telegram.SentTo(reporterChat), func(m faketelegram.SentMessage) string { return m.Text }, "0800 12 12"); n != 1 {
		t.Fatalf("redelivered update answered %d times", n)
	}
}

// failingQueue stands for Redis failing right after the commit.
type failingQueue struct{}

func (failingQueue) Enqueue(context.Context, triage.QueueEntry) error {
	return errors.New("redis: connection refused")
}

func TestCrashBetweenCommitAndAlert(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.app.Service.Queue = failingQueue{}
	status, _ := h.sms(reporterPhone, "Në Durrës, te porti, një djalë 14 vjeç punon pa pagë dhe e rrahin")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	// The process dies before routing; the next one rebuilds the queue from Postgres.
	h.shutdown()
	if n := h.count(`SELECT count(*) FROM tips WHERE dispatch_pending`); n != 1 {
		t.Fatalf("pending tips: %d", n)
	}
	h.start()
	code := codeIn(t, h.waitSMS(reporterPhone, "0800 12 12").Body)
	h.waitTelegram(100000401, code) // Durrës has nobody on duty: the national desk
	time.Sleep(1500 * time.Millisecond)
	if n := len(h.telegram.SentTo(100000401)); n != 1 {
		t.Fatalf("national desk got %d alerts, want exactly 1", n)
	}
}

func (h *harness) assertNoReporterIdentity(text string) {
	h.t.Helper()
	logs := h.logs.String()
	for _, secret := range []string{reporterPhone, "690001234", fmt.Sprint(reporterChat)} {
		if strings.Contains(logs, secret) {
			h.t.Errorf("logs contain reporter identity %q", secret)
		}
		for _, m := range h.telegram.Sent() {
			if m.ChatID != reporterChat && strings.Contains(m.Text, secret) {
				h.t.Errorf("message to %d contains reporter identity %q", m.ChatID, secret)
			}
		}
		for _, m := range h.twilio.Messages() {
			if m.To != reporterPhone && strings.Contains(m.Body, secret) {
				h.t.Errorf("SMS to %s contains reporter identity %q", m.To, secret)
			}
		}
	}
	for _, word := range strings.Fields(text) {
		if len([]rune(word)) >= 6 && strings.Contains(logs, word) {
			h.t.Errorf("logs contain message text %q", word)
		}
	}
}

func TestMain(m *testing.M) {
	// Tests read demo_roster.csv from this directory.
	if _, err := os.Stat(filepath.Join(".", "demo_roster.csv")); err != nil {
		fmt.Fprintln(os.Stderr, "demo_roster.csv missing:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func TestTelegramWebhookModeAndHealth(t *testing.T) {
	h := newHarness(t)
	h.env["TELEGRAM_MODE"] = "webhook"
	h.env["TELEGRAM_WEBHOOK_SECRET"] = "s3cret-token_ABC"
	h.start()
	url, secret := h.telegram.Webhook()
	if url != h.base+"/webhooks/telegram" || secret != "s3cret-token_ABC" {
		t.Fatalf("setWebhook got %q %q", url, secret)
	}
	// Telegram delivers with the secret header: stored and answered.
	h.telegram.SendText(faketelegram.User{ID: reporterChat, FirstName: "Ana"}, "Në Shkodër e mbajnë një grua të mbyllur")
	code := codeIn(t, h.waitTelegram(reporterChat, "0800 12 12").Text)
	h.waitTelegram(100000201, code)
	// Forged or missing secrets are refused and store nothing.
	body := `{"update_id":1,"message":{"message_id":1,"chat":{"id":5,"type":"private"},"date":1,"text":"x"}}`
	for _, header := range []string{"", "wrong", "s3cret-token_AB"} {
		req, _ := http.NewRequest(http.MethodPost, h.base+"/webhooks/telegram", strings.NewReader(body))
		if header != "" {
			req.Header.Set(faketelegram.SecretTokenHeader, header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("secret %q: status %d, want 403", header, resp.StatusCode)
		}
	}
	if n := h.count(`SELECT count(*) FROM inbound_deliveries WHERE source = 'telegram' AND key = '1'`); n != 0 {
		t.Fatal("a forged update was stored")
	}
	for _, tc := range []struct{ path, want string }{
		{"/healthz", "ok"},
		{"/readyz", `"postgres":"ok"`},
		{"/metrics", "hotline_outbox_sent_total"},
		{"/console/", "hotline"},
	} {
		resp, err := http.Get(h.base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), tc.want) {
			t.Errorf("GET %s: %d %q", tc.path, resp.StatusCode, b)
		}
	}
}

// countContaining counts the messages whose text contains needle.
func countContaining[M any](ms []M, text func(M) string, needle string) int {
	n := 0
	for _, m := range ms {
		if strings.Contains(text(m), needle) {
			n++
		}
	}
	return n
}
