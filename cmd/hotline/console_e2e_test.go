package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// consoleUser is a browser signed in to the console of the running service.
type consoleUser struct {
	h      *harness
	client *http.Client
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// signInByTelegram signs in with a Telegram chat id: the code arrives
// through the outbox and the (fake) Bot API, as in production.
func (h *harness) signInByTelegram(chat int64, chatID string) *consoleUser {
	h.t.Helper()
	jar, _ := cookiejar.New(nil)
	u := &consoleUser{h: h, client: &http.Client{Jar: jar, Timeout: 15 * time.Second}}
	if status, _ := u.post("/console/sign-in", url.Values{"identifier": {chatID}}); status != http.StatusOK {
		h.t.Fatalf("ask for a code: %d", status)
	}
	code := sixDigits.FindString(h.waitTelegram(chat, "console sign-in code").Text)
	if status, page := u.post("/console/sign-in/code", url.Values{"code": {code}}); status != http.StatusOK || !strings.Contains(page, `action="/console/sign-out"`) {
		h.t.Fatalf("enter the code: %d", status)
	}
	return u
}

func (u *consoleUser) post(path string, form url.Values) (int, string) {
	u.h.t.Helper()
	resp, err := u.client.PostForm(u.h.base+path, form)
	if err != nil {
		u.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestConsoleCallIsRoutedAndAcknowledged: the national desk records a call
// to 0800 12 12 in the console; Shkodër's police is alerted on Telegram like
// for any tip, signs in to the console and acknowledges it there.
func TestConsoleCallIsRoutedAndAcknowledged(t *testing.T) {
	h := newHarness(t)
	h.start()
	desk := h.signInByTelegram(100000401, "100000401")
	said := "Një nënë thotë se vajzën 15 vjeçe e mbajnë të mbyllur në Shkodër"
	status, page := desk.post("/console/calls", url.Values{"text": {said},
		"number": {"0691234567"}, "language": {"sq"}, "level": {"P1"}, "county": {"AL-10"}, "intake": {"third_party"},
		"child": {"on"}, "danger_now": {"on"}, "exploitation": {"sexual"}})
	if status != http.StatusOK || !strings.Contains(page, "phone") {
		t.Fatalf("record call: %d\n%s", status, page)
	}
	alert := h.waitTelegram(100000201, "vjeçe")
	codes := hotline.FindReferenceCodes(alert.Text)
	if len(codes) != 1 {
		t.Fatalf("alert without its reference code: %q", alert.Text)
	}
	code := codes[0]
	h.assertNoReporterIdentity(said)
	for _, m := range h.telegram.Sent() {
		if strings.Contains(m.Text, "1234567") {
			t.Fatalf("a Telegram message carries the caller's number: %q", m.Text)
		}
	}
	if strings.Contains(h.logs.String(), "1234567") {
		t.Fatal("the logs carry the caller's number")
	}
	police := h.signInByTelegram(100000201, "+355690000301")
	if status, _ := police.post("/console/tips/"+code+"/acknowledge", url.Values{}); status != http.StatusOK {
		t.Fatalf("acknowledge in the console: %d", status)
	}
	if n := h.count(`SELECT count(*) FROM tips WHERE reference_code = $1 AND status = 'acknowledged' AND escalate_at IS NULL AND channel = 'phone'`, code); n != 1 {
		t.Fatal("the call's tip is not acknowledged, or still escalates")
	}
	other := h.signInByTelegram(100000211, "100000211") // Tiranë's police
	if status, _ := other.post("/console/tips/"+code+"/close", url.Values{"outcome": {"referred"}}); status != http.StatusNotFound {
		t.Fatalf("Tiranë's police closes a Shkodër tip: %d, want 404", status)
	}
}
