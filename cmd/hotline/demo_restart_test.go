package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/internal/testenv"
)

// startDemo runs `hotline demo` with env until stop is called and returns
// the simulator's API base URL.
func startDemo(t *testing.T, env map[string]string) (base string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"demo"}, strings.NewReader(""), out, io.Discard, func(k string) string { return env[k] })
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case <-done:
		case <-time.After(12 * time.Second):
			t.Error("demo did not stop")
		}
	}
	t.Cleanup(stop)
	wait(t, func() bool {
		m := regexp.MustCompile(`localhost:(\d+)/simulator/`).FindStringSubmatch(out.String())
		if m != nil {
			base = "http://127.0.0.1:" + m[1] + "/simulator/api/"
		}
		return m != nil
	})
	return base, stop
}

// demoAnswers returns how many messages the demo sent to the Telegram
// reporter 100000101.
func demoAnswers(t *testing.T, base string) int {
	t.Helper()
	resp, err := http.Get(base + "state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct {
		Public map[string][]struct{ Direction string } `json:"public"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range s.Public["telegram:100000101"] {
		if m.Direction == "out" {
			n++
		}
	}
	return n
}

// A demo restarted on the Postgres and Redis it kept keeps its secret key
// (in HOTLINE_DEMO_DIR, mode 0600) and its fake Telegram numbers updates
// above those already stored: the reporter's next message is answered,
// not dropped as a duplicate.
func TestDemoRestartKeepsKeyAndUpdates(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"DATABASE_URL": testenv.DatabaseURL(t), "REDIS_URL": testenv.RedisURL(t),
		"HTTP_ADDR": "127.0.0.1:0", "HOTLINE_DEMO_DIR": dir}
	say := func(base, text string) {
		resp, err := http.Post(base+"public", "application/json",
			strings.NewReader(`{"channel": "telegram", "from": "100000101", "text": "`+text+`", "language": "en"}`))
		if err != nil || resp.StatusCode != http.StatusNoContent {
			t.Fatalf("POST public: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	keyFile := filepath.Join(dir, demoKeyFile)
	base, stop := startDemo(t, env)
	say(base, "hello")
	wait(t, func() bool { return demoAnswers(t, base) > 0 })
	stop()
	first, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(keyFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("demo key mode %v, want 0600", fi.Mode().Perm())
	}

	base, stop = startDemo(t, env)
	say(base, "they took my passport in Durres")
	wait(t, func() bool { return demoAnswers(t, base) > 0 })
	stop()
	if again, _ := os.ReadFile(keyFile); string(again) != string(first) {
		t.Error("the demo key changed on restart")
	}
	db, err := pgx.Connect(context.Background(), env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	var reporters int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM reporters`).Scan(&reporters); err != nil || reporters != 1 {
		t.Errorf("%d reporters after a restart, want 1 (the keyed hash changed?): %v", reporters, err)
	}
}

// A relay whose reporter contact cannot be unsealed (sealed under another
// HOTLINE_SECRET_KEY) is not queued as sent: the responder who wrote it is
// told it was not delivered, never that it was. (A relay already queued
// when the contact stops opening is failed by the sender, which tells the
// responder the same.)
func TestRelayWithUnopenableContactFailsAndTellsResponder(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.sms(reporterPhone, "Në Shkodër mbajnë vajza të mbyllura në një bar")
	code := codeIn(t, h.waitSMS(reporterPhone, "0800 12 12").Body)
	h.waitTelegram(100000201, code)
	if err := h.db(func(c *pgx.Conn) error {
		_, err := c.Exec(h.ctx(), `UPDATE reporter_contacts SET contact_encrypted = decode(repeat('00', 60), 'hex')`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	h.sms("+355690000301", "R "+code+" A jeni të sigurt tani?")
	h.eventually(func() bool {
		return h.count(`SELECT count(*) FROM outbox o JOIN responders r ON r.id = o.responder_id
			WHERE r.phone = '+355690000301' AND o.kind = 'confirmation' AND o.body LIKE '%NUK u dërgua%' AND o.state IN ('sent', 'delivered')`) == 1
	})
	if n := h.count(`SELECT count(*) FROM outbox WHERE kind = 'relay' AND state <> 'failed'`); n != 0 {
		t.Errorf("%d relays queued or sent", n)
	}
	if n := h.count(`SELECT count(*) FROM outbox WHERE kind = 'confirmation' AND body LIKE '%u dërgua te personi%'`); n != 0 {
		t.Errorf("the responder was told the relay was sent")
	}
}
