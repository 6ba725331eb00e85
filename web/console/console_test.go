package console_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hotline-al/hotline/bot"
	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
	"github.com/hotline-al/hotline/hotline/privacy"
	"github.com/hotline-al/hotline/internal/testenv"
	"github.com/hotline-al/hotline/web/console"
)

const roster = `name,role,county,telegram_chat_id,phone,shift_start,shift_end
Arben Hoxha,police,AL-10,100000201,,,
Drita Leka,social_worker,AL-10,,+355690000302,,
Gent Coordinator,coordinator,AL-10,100000203,+355690000303,,
Vera Desk,national_desk,,100000401,,,
Besa Police,police,AL-11,100000601,,,
Olta Operator,operator,,100000701,,,
Night Officer,police,AL-10,100000209,,2026-11-30T20:00:00Z,2026-12-01T06:00:00Z
`

const idle = 30 * time.Minute

// clock is a settable clock for the console and the store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	mu     sync.Mutex
	routed []hotline.Receipt // tips handed to routing by the console
	db     *postgres.DB
	raw    *pgxpool.Pool
	srv    *httptest.Server
	clock  *clock
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	url := testenv.DatabaseURL(t)
	secret, _ := privacy.ParseSecret(privacy.NewSecret())
	keys, _ := privacy.NewKeys(secret)
	db, err := postgres.Open(ctx, url, keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(raw.Close)
	entries, err := hotline.ParseRoster(strings.NewReader(roster))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportRoster(ctx, entries, false); err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, raw: raw, clock: &clock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}}
	service := &bot.Service{Store: db, Now: e.clock.Now, ConversationWindow: 15 * time.Minute, DiscreetSMS: true,
		Log: slog.New(slog.DiscardHandler)}
	h, err := (&console.Console{Store: db, Now: e.clock.Now, IdleTimeout: idle, Secure: true, PollInterval: 10 * time.Millisecond,
		Classifier: suggestion, Relay: service.RelayFromConsole, Routed: func(_ context.Context, rc hotline.Receipt) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.routed = append(e.routed, rc)
			return nil
		}}).Handler()
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e
}

// browser is a client with its own cookies that does not follow redirects.
// The test server is plain http: Secure cookies are kept by copying them.
type browser struct {
	t       testing.TB
	e       *env
	client  *http.Client
	cookies map[string]*http.Cookie
	last    *http.Response
}

func (e *env) browser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, cookies: map[string]*http.Cookie{}, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values, header ...string) (int, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.e.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	data, _ := io.ReadAll(resp.Body)
	b.last = resp
	return resp.StatusCode, string(data)
}

var codePattern = regexp.MustCompile(`\b\d{6}\b`)

// lastCode returns the code in the newest sign-in message to the responder.
func (e *env) lastCode(t testing.TB, name string) string {
	t.Helper()
	var body string
	if err := e.raw.QueryRow(context.Background(), `SELECT o.body FROM outbox o JOIN responders r ON r.id = o.responder_id
		WHERE r.name = $1 AND o.kind = 'confirmation' ORDER BY o.id DESC LIMIT 1`, name).Scan(&body); err != nil {
		t.Fatalf("no sign-in message to %s: %v", name, err)
	}
	return codePattern.FindString(body)
}

func (b *browser) signIn(identifier, name string) {
	b.t.Helper()
	if status, _ := b.do("POST", "/console/sign-in", url.Values{"identifier": {identifier}}); status != http.StatusOK {
		b.t.Fatalf("request code: %d", status)
	}
	if status, _ := b.do("POST", "/console/sign-in/code", url.Values{"code": {b.e.lastCode(b.t, name)}}); status != http.StatusSeeOther {
		b.t.Fatalf("enter code: %d", status)
	}
	b.e.clock.Add(time.Minute) // the next code to anyone may be sent
}

func (e *env) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.raw.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSignInWithOneTimeCode(t *testing.T) {
	e := newEnv(t)
	stranger := e.browser(t)
	_, unknown := stranger.do("POST", "/console/sign-in", url.Values{"identifier": {"+355690009999"}})
	if n := e.count(t, `SELECT count(*) FROM outbox`); n != 0 {
		t.Fatalf("unknown number: %d messages queued", n)
	}

	drita := e.browser(t)
	status, known := drita.do("POST", "/console/sign-in", url.Values{"identifier": {"069 000 0302"}})
	if status != http.StatusOK || known != unknown {
		t.Fatalf("known number: status %d; the page must not differ from an unknown number's", status)
	}
	var channel string
	if err := e.raw.QueryRow(context.Background(), `SELECT channel FROM outbox`).Scan(&channel); err != nil || channel != "sms" {
		t.Fatalf("code went by %q (%v), want sms (Drita has no Telegram)", channel, err)
	}
	code := e.lastCode(t, "Drita Leka")
	if n := e.count(t, `SELECT count(*) FROM console_sign_ins WHERE position(convert_to($1, 'UTF8') in code_hash) > 0`, code); n != 0 {
		t.Fatal("code stored in clear")
	}
	// A second code within 30 s is refused, even to a stranger.
	if status, _ := stranger.do("POST", "/console/sign-in", url.Values{"identifier": {"+355690000302"}}); status != http.StatusTooManyRequests {
		t.Fatalf("second code at once: %d, want 429", status)
	}
	e.clock.Add(31 * time.Second)
	if status, _ := stranger.do("POST", "/console/sign-in", url.Values{"identifier": {"+355690000302"}}); status != http.StatusOK {
		t.Fatalf("stranger's request: %d", status)
	}
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	for i := 0; i < 10; i++ {
		if status, _ := stranger.do("POST", "/console/sign-in/code", url.Values{"code": {wrong}}); status != http.StatusUnauthorized {
			t.Fatalf("wrong guess %d: %d, want 401", i, status)
		}
	}
	// The stranger's guesses did not lock Drita out.
	if status, _ := drita.do("POST", "/console/sign-in/code", url.Values{"code": {code}}); status != http.StatusSeeOther {
		t.Fatalf("right code after a stranger's guesses: %d, want 303", status)
	}
	set := drita.cookies["hotline_session"]
	if set == nil || !set.HttpOnly || !set.Secure || set.SameSite != http.SameSiteLaxMode || set.Path != "/console/" {
		t.Fatalf("session cookie = %+v; want HttpOnly, Secure, SameSite=Lax, Path=/console/", set)
	}
	if n := e.count(t, `SELECT count(*) FROM console_sessions WHERE position(convert_to($1, 'UTF8') in token_hash) > 0`, set.Value); n != 0 {
		t.Fatal("session token stored in clear")
	}
	if status, page := drita.do("GET", "/console/", nil); status != http.StatusOK || !strings.Contains(page, "Drita Leka") {
		t.Fatalf("queue after sign-in: %d", status)
	}
	if n := e.count(t, `SELECT count(*) FROM audit_log WHERE action = 'queue_view'`); n != 1 {
		t.Fatalf("queue views audited %d times, want 1", n)
	}

	// Five wrong guesses end an attempt: the right code no longer works.
	e.clock.Add(time.Minute)
	third := e.browser(t)
	third.do("POST", "/console/sign-in", url.Values{"identifier": {"100000201"}}) // Arben's Telegram chat
	code = e.lastCode(t, "Arben Hoxha")
	wrong = "000000"
	if wrong == code {
		wrong = "111111"
	}
	for i := 0; i < postgres.SignInAttempts; i++ {
		third.do("POST", "/console/sign-in/code", url.Values{"code": {wrong}})
	}
	if status, _ := third.do("POST", "/console/sign-in/code", url.Values{"code": {code}}); status != http.StatusUnauthorized {
		t.Fatalf("right code after %d wrong guesses: %d, want 401", postgres.SignInAttempts, status)
	}
	// An expired code does not work; a used one neither.
	e.clock.Add(time.Minute)
	fourth := e.browser(t)
	fourth.do("POST", "/console/sign-in", url.Values{"identifier": {"100000201"}})
	code = e.lastCode(t, "Arben Hoxha")
	challenge := fourth.cookies["hotline_sign_in"]
	e.clock.Add(11 * time.Minute)
	if status, _ := fourth.do("POST", "/console/sign-in/code", url.Values{"code": {code}}); status != http.StatusUnauthorized {
		t.Fatalf("expired code: %d, want 401", status)
	}
	fifth := e.browser(t)
	fifth.signIn("100000201", "Arben Hoxha")
	fifth.cookies["hotline_sign_in"] = challenge
	if status, _ := fifth.do("POST", "/console/sign-in/code", url.Values{"code": {code}}); status != http.StatusUnauthorized {
		t.Fatalf("old challenge: %d, want 401", status)
	}
	if n := e.count(t, `SELECT count(*) FROM audit_log WHERE action = 'sign_in'`); n != 2 {
		t.Fatalf("sign_in audit rows = %d, want 2", n)
	}
}

func TestSessionEnds(t *testing.T) {
	e := newEnv(t)
	signedOut := func(b *browser, when string) {
		t.Helper()
		if status, _ := b.do("GET", "/console/", nil); status != http.StatusSeeOther || b.last.Header.Get("Location") != "/console/sign-in" {
			t.Fatalf("%s: %d, want a redirect to sign-in", when, status)
		}
	}
	signedIn := func(b *browser, when string) {
		t.Helper()
		if status, _ := b.do("GET", "/console/", nil); status != http.StatusOK {
			t.Fatalf("%s: %d, want 200", when, status)
		}
	}
	signedOut(e.browser(t), "no cookie")
	b := e.browser(t)
	b.signIn("+355690000303", "Gent Coordinator")
	e.clock.Add(idle - 2*time.Minute)
	signedIn(b, "used within the idle timeout")
	e.clock.Add(idle - time.Minute)
	signedIn(b, "used again within the idle timeout")
	e.clock.Add(idle)
	signedOut(b, "idle")

	b.signIn("+355690000303", "Gent Coordinator")
	token := b.cookies["hotline_session"].Value
	if status, _ := b.do("POST", "/console/sign-out", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", status)
	}
	b.cookies["hotline_session"] = &http.Cookie{Name: "hotline_session", Value: token}
	signedOut(b, "after sign-out, with the old cookie")

	one, two := e.browser(t), e.browser(t)
	one.signIn("+355690000303", "Gent Coordinator")
	two.signIn("100000203", "Gent Coordinator")
	if _, err := e.raw.Exec(context.Background(), `UPDATE responders SET active = false WHERE name = 'Gent Coordinator'`); err != nil {
		t.Fatal(err)
	}
	signedOut(one, "deactivated")
	signedOut(two, "deactivated, second session")
}

func TestCrossOriginPostRefused(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn("+355690000303", "Gent Coordinator")
	for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
		if status, _ := b.do("POST", "/console/sign-out", url.Values{}, h...); status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", h, status)
		}
	}
	if status, _ := b.do("GET", "/console/", nil); status != http.StatusOK {
		t.Fatalf("session after refused cross-origin sign-out: %d", status)
	}
	if status, _ := b.do("POST", "/console/sign-out", url.Values{}, "Sec-Fetch-Site", "same-origin"); status != http.StatusSeeOther {
		t.Fatalf("same-origin sign-out: %d", status)
	}
}

func receive(t *testing.T, e *env, key, contact, text string, c hotline.Classification) string {
	t.Helper()
	rc, err := e.db.ReceiveReporterMessage(context.Background(), hotline.InboundMessage{
		Channel: hotline.ChannelSMS, Source: "twilio", DeliveryKey: key, Contact: contact, Kind: hotline.KindText,
		Text: text, ReceivedAt: e.clock.Now(),
	}, 15*time.Minute, func(tc hotline.TipContext) hotline.IntakeDecision {
		return hotline.IntakeDecision{Classification: c}
	})
	if err != nil {
		t.Fatal(err)
	}
	return rc.ReferenceCode
}

var p1Shkoder = hotline.Classification{Level: hotline.LevelP1, Intake: hotline.IntakeThirdParty, County: "AL-10",
	DangerNow: true, Exploitation: []string{"sexual"}, Reasons: []string{"danger_now:mbyllur"}}

func TestLiveQueueAndIdleStream(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn("100000201", "Arben Hoxha")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/console/events", nil)
	req.AddCookie(&http.Cookie{Name: "hotline_session", Value: b.cookies["hotline_session"].Value})
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %v %v", resp, err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	next := func(event string) {
		t.Helper()
		for lines.Scan() {
			if lines.Text() == "event: "+event {
				return
			}
		}
		t.Fatalf("stream ended before event %s: %v", event, lines.Err())
	}
	for lines.Scan() && lines.Text() != ": ping" { // the stream is polling
	}
	receive(t, e, "SM1", "+355691110001", "Në Shkodër mbajnë një vajzë të mbyllur", p1Shkoder)
	receive(t, e, "SM2", "+355691110002", "Tirana", hotline.Classification{Level: hotline.LevelP1, County: "AL-11"})
	next("queue")
	e.clock.Add(idle / 2)
	_, fragment := b.do("GET", "/console/queue", nil)
	if !strings.Contains(fragment, `class="alarm"`) || strings.Count(fragment, "/console/tips/") != 2 {
		t.Fatalf("queue fragment lacks the new P1 and its alarm:\n%s", fragment)
	}
	if _, filtered := b.do("GET", "/console/queue?level=P2", nil); !strings.Contains(filtered, `class="alarm"`) || strings.Count(filtered, "/console/tips/") != 1 {
		t.Fatalf("a filter hides the unacknowledged P1's alarm:\n%s", filtered)
	}
	// Neither the stream nor the refreshes it causes keep the session
	// alive: idle, it says so and ends.
	e.clock.Add(idle/2 + time.Second)
	next("signed_out")
	for n := 0; lines.Scan(); n++ {
		if n > 1 { // the event's data line and the blank line that ends it
			t.Fatalf("stream goes on after signed_out: %q", lines.Text())
		}
	}
}

func TestTipPageActionsAreAudited(t *testing.T) {
	e := newEnv(t)
	code := receive(t, e, "SM1", "+355691110001", "Në Shkodër mbajnë një vajzë të mbyllur", p1Shkoder)
	var tipID int64
	if err := e.raw.QueryRow(context.Background(), `SELECT id FROM tips WHERE reference_code = $1`, code).Scan(&tipID); err != nil {
		t.Fatal(err)
	}
	other := e.browser(t)
	other.signIn("100000601", "Besa Police") // Tiranë
	gent := e.browser(t)
	gent.signIn("100000203", "Gent Coordinator") // Shkodër

	audits := func(action string) int {
		return e.count(t, `SELECT count(*) FROM audit_log WHERE tip_id = $1 AND action = $2`, tipID, action)
	}
	status, page := gent.do("GET", "/console/tips/"+code, nil)
	if status != http.StatusOK || !strings.Contains(page, "vajzë të mbyllur") || !strings.Contains(page, "danger_now:mbyllur") {
		t.Fatalf("tip page: %d\n%s", status, page)
	}
	if strings.Contains(page, "+355691110001") || strings.Contains(page, "691110001") {
		t.Fatal("tip page shows the reporter's number")
	}
	if audits("view") != 1 {
		t.Fatalf("view audit rows = %d, want 1", audits("view"))
	}
	var arben string
	_ = e.raw.QueryRow(context.Background(), `SELECT id::text FROM responders WHERE name = 'Arben Hoxha'`).Scan(&arben)
	for _, step := range []struct {
		action string
		form   url.Values
	}{
		{"acknowledge", url.Values{}},
		{"note", url.Values{"body": {"Called the police station."}}},
		{"reference", url.Values{"reference": {"TIMS-2026-0042"}}},
		{"person", url.Values{"sex": {"female"}, "age_group": {"child"}, "nationality": {"AL"}, "status": {"presumed_victim"}, "exploitation": {"sexual"}}},
		{"assign", url.Values{"owner": {arben}}},
		{"close", url.Values{"outcome": {"referred"}}},
	} {
		if status, _ := other.do("POST", "/console/tips/"+code+"/"+step.action, step.form); status != http.StatusNotFound && status != http.StatusForbidden {
			t.Errorf("%s by a responder of another county: %d, want 404 or 403", step.action, status)
		}
		if status, page := gent.do("POST", "/console/tips/"+code+"/"+step.action, step.form); status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", step.action, status, page)
		}
		auditAction := step.action
		if auditAction == "note" || auditAction == "reference" || auditAction == "person" {
			auditAction = "record"
		}
		want := map[string]int{"acknowledge": 1, "record": 0, "assign": 1, "close": 1}[auditAction]
		if auditAction == "record" {
			want = map[string]int{"note": 1, "reference": 2, "person": 3}[step.action]
		}
		if got := audits(auditAction); got != want {
			t.Errorf("after %s: %d %q audit rows, want %d", step.action, got, auditAction, want)
		}
	}
	if status, _ := other.do("GET", "/console/tips/"+code, nil); status != http.StatusNotFound {
		t.Errorf("tip page for another county: %d, want 404", status)
	}
	// Closed: acknowledging is no longer a valid transition.
	if status, _ := gent.do("POST", "/console/tips/"+code+"/acknowledge", url.Values{}); status != http.StatusConflict {
		t.Errorf("acknowledge a closed tip: %d, want 409", status)
	}
	var st, outcome, ref string
	var owner int64
	if err := e.raw.QueryRow(context.Background(), `SELECT status, outcome, nrm_reference, owner_responder_id FROM tips WHERE id = $1`, tipID).
		Scan(&st, &outcome, &ref, &owner); err != nil || st != "closed" || outcome != "referred" || ref != "TIMS-2026-0042" {
		t.Fatalf("tip = %s %s %s, %v", st, outcome, ref, err)
	}
	_, page = gent.do("GET", "/console/tips/"+code, nil)
	for _, want := range []string{"Called the police station.", "viktimë e mundshme", "Arben Hoxha", "TIMS-2026-0042"} {
		if !strings.Contains(page, want) {
			t.Errorf("tip page lacks %q", want)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM audit_log WHERE tip_id = $1 AND actor NOT LIKE 'responder:%'`, tipID); n != 0 {
		t.Errorf("%d audit rows by someone else than a responder", n)
	}
	if _, err := e.raw.Exec(context.Background(), `DELETE FROM audit_log`); err == nil {
		t.Error("audit rows could be deleted")
	}
}

func TestLanguages(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	if _, page := b.do("GET", "/console/sign-in", nil); !strings.Contains(page, "Hyrje") || !strings.Contains(page, `lang="sq"`) {
		t.Fatal("default sign-in page is not in Albanian")
	}
	if status, _ := b.do("GET", "/console/language/en?back=/console/sign-in", nil); status != http.StatusSeeOther || b.last.Header.Get("Location") != "/console/sign-in" {
		t.Fatalf("switch language: %d", status)
	}
	if _, page := b.do("GET", "/console/sign-in", nil); !strings.Contains(page, "Sign in") || !strings.Contains(page, `lang="en"`) {
		t.Fatal("sign-in page is not in English after switching")
	}
	b.do("GET", "/console/language/en?back=https://evil.example/", nil)
	if loc := b.last.Header.Get("Location"); loc != "/console/" {
		t.Fatalf("back to another site: %q", loc)
	}
}

func TestReports(t *testing.T) {
	e := newEnv(t)
	in := func(key string, ch hotline.Channel, county string) string {
		municipality := ""
		if ch == hotline.ChannelSMS && county == "AL-10" {
			municipality = "Pukë"
		}
		rc, err := e.db.ReceiveReporterMessage(context.Background(), hotline.InboundMessage{
			Channel: ch, Source: string(ch), DeliveryKey: key, Contact: "c-" + key, Kind: hotline.KindText, Text: "x", ReceivedAt: e.clock.Now(),
		}, time.Minute, func(hotline.TipContext) hotline.IntakeDecision {
			return hotline.IntakeDecision{Classification: hotline.Classification{Level: hotline.LevelP2, County: county,
				Municipality: municipality, Intake: hotline.IntakeSelfIdentification, Exploitation: []string{"labour"}}}
		})
		if err != nil {
			t.Fatal(err)
		}
		return rc.ReferenceCode
	}
	var first string
	for i := 0; i < 6; i++ {
		code := in(fmt.Sprintf("s%d", i), hotline.ChannelSMS, "AL-10")
		if first == "" {
			first = code
		}
	}
	in("t1", hotline.ChannelTelegram, "AL-10")
	in("t2", hotline.ChannelTelegram, "AL-10")
	in("x1", hotline.ChannelSMS, "AL-11")
	gent := e.browser(t)
	gent.signIn("100000203", "Gent Coordinator")
	e.clock.Add(30 * time.Second) // 90 s after the tips
	if status, _ := gent.do("POST", "/console/tips/"+first+"/acknowledge", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d", status)
	}
	period := "?from=2026-10-01&to=2027-01-01"
	status, page := gent.do("GET", "/console/reports"+period, nil)
	if status != http.StatusOK || !strings.Contains(page, "<svg") || !strings.Contains(page, "<td>6</td><td>&lt;5</td><td>0</td>") {
		t.Fatalf("reports page: %d\n%s", status, page)
	}
	// Time to acknowledge: in the table (seconds) and its chart (minutes), next to tips per week.
	for _, want := range []string{`aria-label="tips per week"`, `id="ack-chart"`, `aria-label="time to acknowledge"`, "1.5 / 1.5 min",
		"<td>sekonda deri në konfirmim</td><td>mesorja</td><td>90</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("reports page lacks %q", want)
		}
	}
	status, body := gent.do("GET", "/console/reports.csv"+period, nil)
	if status != http.StatusOK || gent.last.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("csv: %d %s", status, gent.last.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		"period_start,period_end,county,municipality,measure,breakdown,value\n",
		"2026-10-01,2027-01-01,AL-10,,contacts,sms,6\n",
		"2026-10-01,2027-01-01,AL-10,,contacts,telegram,<5\n",
		"2026-10-01,2027-01-01,AL-10,,self_identifications,,8\n",
		"2026-10-01,2027-01-01,AL-10,,exploitation,labour,8\n",
		"2026-10-01,2027-01-01,AL-10,,seconds_to_acknowledge,median,90\n",
		"2026-10-01,2027-01-01,AL-10,,seconds_to_acknowledge,p90,90\n",
		"2026-10-01,2027-01-01,AL-10,Pukë,contacts,sms,6\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("csv lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "AL-11") {
		t.Error("Shkodër's coordinator counts Tiranë's tips")
	}
	for action, want := range map[string]int{"report": 1, "export": 1} {
		if n := e.count(t, `SELECT count(*) FROM audit_log WHERE action = $1`, action); n != want {
			t.Errorf("%s audit rows = %d, want %d", action, n, want)
		}
	}
	police := e.browser(t)
	police.signIn("100000201", "Arben Hoxha")
	for _, path := range []string{"/console/reports", "/console/reports.csv"} {
		if status, _ := police.do("GET", path, nil); status != http.StatusForbidden {
			t.Errorf("police %s: %d, want 403", path, status)
		}
	}
}

// fixed is a classifier that always suggests the same classification.
type fixed hotline.Classification

// Classify returns f; like the real classifier it flags official complicity
// ("merr leke") whatever the intake.
func (f fixed) Classify(text string) hotline.Classification {
	c := hotline.Classification(f)
	c.OfficialComplicity = strings.Contains(text, "merr leke")
	return c
}

// A call whose account names complicit officials keeps the complicity even
// when the operator confirms another intake (witness_threat): county police
// never see it.
func TestRecordedCallKeepsComplicity(t *testing.T) {
	e := newEnv(t)
	op := e.browser(t)
	op.signIn("100000701", "Olta Operator")
	form := url.Values{"text": {"komisari ne shkoder merr leke nga trafikantet, me kercenuan"}, "language": {"sq"}, "level": {"P1"},
		"county": {"AL-10"}, "intake": {"witness_threat"}}
	if status, _ := op.do("POST", "/console/calls", form); status != http.StatusSeeOther || op.last.Header.Get("Location") != "/console/" {
		t.Fatalf("record: %d %s, want the operator sent back to the queue", status, op.last.Header.Get("Location"))
	}
	if n := e.count(t, `SELECT count(*) FROM tips WHERE channel = 'phone' AND intake = 'witness_threat' AND official_complicity`); n != 1 {
		t.Fatalf("flagged call tips = %d, want 1", n)
	}
	police := e.browser(t)
	police.signIn("100000201", "Arben Hoxha")
	var code string
	if err := e.raw.QueryRow(context.Background(), `SELECT reference_code FROM tips WHERE channel = 'phone'`).Scan(&code); err != nil {
		t.Fatal(err)
	}
	if _, page := police.do("GET", "/console/", nil); strings.Contains(page, code) {
		t.Fatal("Shkodër's police list the complicity call")
	}
	if status, _ := police.do("GET", "/console/tips/"+code, nil); status != http.StatusNotFound {
		t.Fatalf("Shkodër's police open the complicity call: %d, want 404", status)
	}
}

var suggestion = fixed{Level: hotline.LevelP2, County: "AL-10", Intake: hotline.IntakeThirdParty, Exploitation: []string{"labour"}, Reasons: []string{"place:shkoder"}}

func TestOperatorRecordsACall(t *testing.T) {
	e := newEnv(t)
	police := e.browser(t)
	police.signIn("100000201", "Arben Hoxha")
	if status, _ := police.do("GET", "/console/calls/new", nil); status != http.StatusForbidden {
		t.Fatalf("police opens the call form: %d, want 403", status)
	}
	if status, _ := police.do("POST", "/console/calls", url.Values{"text": {"x"}, "level": {"P1"}}); status != http.StatusForbidden {
		t.Fatalf("police records a call: %d, want 403", status)
	}
	op := e.browser(t)
	op.signIn("100000701", "Olta Operator")
	if status, page := op.do("GET", "/console/", nil); status != http.StatusOK || !strings.Contains(page, "/console/calls/new") {
		t.Fatalf("operator's queue lacks the call link: %d", status)
	}
	text := "Një nënë thotë se vajza e saj 15 vjeçe mbahet në Shkodër"
	status, page := op.do("POST", "/console/calls/suggest", url.Values{"text": {text}, "number": {"069 123 4567"}, "language": {"sq"}})
	if status != http.StatusOK || !strings.Contains(page, `<option value="AL-10" selected>`) || !strings.Contains(page, "place:shkoder") {
		t.Fatalf("suggestion: %d\n%s", status, page)
	}
	if strings.Count(page, "+355691234567") != 0 {
		t.Fatal("suggestion page shows the number in E.164 (it should only echo what the operator typed)")
	}
	// The operator corrects the level and adds "child" before recording.
	form := url.Values{"text": {text}, "number": {"069 123 4567"}, "language": {"sq"}, "level": {"P1"}, "county": {"AL-10"},
		"municipality": {"Shkodër"}, "intake": {"third_party"}, "child": {"on"}, "exploitation": {"sexual"}}
	if status, _ := op.do("POST", "/console/calls", form); status != http.StatusSeeOther || !strings.HasPrefix(op.last.Header.Get("Location"), "/console/tips/") {
		t.Fatalf("record: %d %s", status, op.last.Header.Get("Location"))
	}
	code := strings.TrimPrefix(op.last.Header.Get("Location"), "/console/tips/")
	var channel, level, county string
	var pending, child bool
	if err := e.raw.QueryRow(context.Background(), `SELECT channel, level, county, dispatch_pending, (classification->>'child')::bool FROM tips WHERE reference_code = $1`, code).
		Scan(&channel, &level, &county, &pending, &child); err != nil {
		t.Fatal(err)
	}
	if channel != "phone" || level != "P1" || county != "AL-10" || !pending || !child {
		t.Fatalf("tip = %s %s %s pending %v child %v", channel, level, county, pending, child)
	}
	e.mu.Lock()
	if len(e.routed) != 1 || e.routed[0].ReferenceCode != code || e.routed[0].Level != hotline.LevelP1 {
		t.Fatalf("routed = %+v", e.routed)
	}
	e.mu.Unlock()
	if n := e.count(t, `SELECT count(*) FROM reporter_contacts WHERE channel = 'sms'`); n != 1 {
		t.Fatalf("sealed contacts = %d, want 1", n)
	}
	if n := e.count(t, `SELECT count(*) FROM audit_log WHERE action = 'record_call' AND detail::text NOT LIKE '%1234567%'`); n != 1 {
		t.Fatalf("record_call audit rows without the number = %d, want 1", n)
	}
	_, page = police.do("GET", "/console/tips/"+code, nil)
	if !strings.Contains(page, "mbahet në Shkodër") || strings.Contains(page, "1234567") {
		t.Fatal("Shkodër's police: the call's tip is missing, or shows the caller's number")
	}
	if status, _ := op.do("POST", "/console/calls", url.Values{"text": {"x"}, "level": {"P1"}, "number": {"not a number"}}); status != http.StatusBadRequest {
		t.Fatalf("bad number: %d, want 400", status)
	}
}

func TestRosterAndAuditLog(t *testing.T) {
	e := newEnv(t)
	if _, err := e.raw.Exec(context.Background(), `INSERT INTO outbox (kind, responder_id, channel, body, priority, state, next_attempt_at, created_at)
		SELECT 'confirmation', id, 'sms', 'x', 0, 'failed', now(), now() FROM responders WHERE name = 'Drita Leka'`); err != nil {
		t.Fatal(err)
	}
	arben := e.browser(t)
	arben.signIn("100000201", "Arben Hoxha")
	status, page := arben.do("GET", "/console/roster", nil)
	if status != http.StatusOK {
		t.Fatalf("roster: %d", status)
	}
	for _, want := range []string{"Gent Coordinator", "Vera Desk", "Night Officer", "2026-11-30 20:00 UTC", "⚠"} {
		if !strings.Contains(page, want) {
			t.Errorf("Shkodër's roster lacks %q", want)
		}
	}
	if strings.Contains(page, "Besa Police") {
		t.Error("Shkodër's police sees Tiranë's roster")
	}
	if status, _ := arben.do("GET", "/console/audit", nil); status != http.StatusForbidden {
		t.Errorf("police reads the audit log: %d, want 403", status)
	}
	vera := e.browser(t)
	vera.signIn("100000401", "Vera Desk")
	status, page = vera.do("GET", "/console/audit?action=sign_in", nil)
	if status != http.StatusOK || strings.Count(page, "<td>sign_in</td>") != 2 || strings.Contains(page, "<td>sign_in_code</td>") {
		t.Fatalf("audit search by action: %d\n%s", status, page)
	}
	if _, page = vera.do("GET", "/console/audit?actor=cli", nil); strings.Contains(page, "<td>sign_in</td>") {
		t.Error("actor filter ignored")
	}
	if n := e.count(t, `SELECT count(*) FROM audit_log WHERE action = 'roster_view'`); n != 1 {
		t.Errorf("roster views audited %d times, want 1", n)
	}
	if n := e.count(t, `SELECT count(*) FROM audit_log WHERE action = 'audit_search'`); n != 2 {
		t.Errorf("audit searches audited %d times, want 2", n)
	}
}
