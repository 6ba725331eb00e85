package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotline-al/hotline/internal/testenv"
)

// A person walks the self-identification path in the simulator of
// `hotline demo`: the menu with buttons, a press, the next question.
func TestSimulatorWalksTheMenuPath(t *testing.T) {
	env := map[string]string{"DATABASE_URL": testenv.DatabaseURL(t), "REDIS_URL": testenv.RedisURL(t), "HTTP_ADDR": "127.0.0.1:0", "HOTLINE_DEMO_DIR": t.TempDir()}
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"demo"}, strings.NewReader(""), out, io.Discard, func(k string) string { return env[k] })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(12 * time.Second):
			t.Error("demo did not stop")
		}
	})
	var base string
	wait(t, func() bool {
		m := regexp.MustCompile(`localhost:(\d+)/simulator/`).FindStringSubmatch(out.String())
		if m != nil {
			base = "http://127.0.0.1:" + m[1] + "/simulator/api/"
		}
		return m != nil
	})
	post := func(path, body string) {
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != http.StatusNoContent {
			t.Fatalf("POST %s: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}
	type entry struct {
		Direction string `json:"direction"`
		Text      string `json:"text"`
		ChatID    int64  `json:"chat_id"`
		MessageID int    `json:"message_id"`
		Buttons   []struct{ Text, Data string }
	}
	conversation := func() []entry {
		resp, err := http.Get(base + "state")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var s struct {
			Public map[string][]entry `json:"public"`
		}
		body, _ := io.ReadAll(resp.Body)
		if err := json.NewDecoder(bytes.NewReader(body)).Decode(&s); err != nil {
			t.Fatal(err)
		}
		return s.Public["telegram:100000101"]
	}
	find := func(needle string) (e entry) {
		wait(t, func() bool {
			for _, m := range conversation() {
				if m.Direction == "out" && strings.Contains(m.Text, needle) {
					e = m
					return true
				}
			}
			return false
		})
		return e
	}
	post("public", `{"channel": "telegram", "from": "100000101", "text": "hello", "language": "en"}`)
	menu := find("Choose below")
	if len(menu.Buttons) < 3 || menu.Buttons[0].Data != "menu:self" {
		t.Fatalf("menu buttons = %+v", menu.Buttons)
	}
	post("press", `{"chat_id": 100000101, "message_id": `+itoa(menu.MessageID)+`, "data": "menu:self"}`)
	safe := find("safe to talk")
	if len(safe.Buttons) != 3 {
		t.Fatalf("question buttons = %+v", safe.Buttons)
	}
	post("press", `{"chat_id": 100000101, "message_id": `+itoa(safe.MessageID)+`, "data": "a:yes"}`)
	find("Which county")
	var pressed bool
	for _, m := range conversation() {
		pressed = pressed || (m.Direction == "in" && m.Text == "[a:yes]")
	}
	if !pressed {
		t.Error("the press is not shown in the conversation")
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func wait(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("not within 15 s")
}
