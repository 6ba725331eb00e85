package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline/privacy"
	faketelegram "github.com/hotline-al/hotline/internal/fake/telegram"
	faketwilio "github.com/hotline-al/hotline/internal/fake/twilio"
	"github.com/hotline-al/hotline/internal/testenv"
)

// twoProcessRoster: SMS-only responders, so that Telegram's per-chat pacing
// does not slow the burst; every P1 alerts police and social worker.
const twoProcessRoster = `name,role,county,telegram_chat_id,phone,shift_start,shift_end
Arben Hoxha,police,AL-10,,+355690000301,,
Drita Leka,social_worker,AL-10,,+355690000302,,
Lule Dervishi,child_protection,AL-10,,+355690000304,,
Gent Marku,coordinator,AL-10,,+355690000303,,
Vera Koci,national_desk,,,+355690000401,,
`

// TestTwoProcessesSurviveSIGKILLDuringABurst builds the real binary, runs
// two `hotline serve` against the same Postgres and Redis, sends a burst of
// tips to both, kills one with SIGKILL in the middle, and checks that every
// alert reached its responder at least once, counting duplicates.
func TestTwoProcessesSurviveSIGKILLDuringABurst(t *testing.T) {
	const tips = 250                                                     // × 2 alerts (police, social worker) = 500 alerts
	databaseURL, redisURL := testenv.DatabaseURL(t), testenv.RedisURL(t) // first: -short skips before building
	dir := t.TempDir()
	bin := filepath.Join(dir, "hotline")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tg := faketelegram.New(botToken)
	tgServer := httptest.NewServer(tg)
	t.Cleanup(func() { tg.Close(); tgServer.Close() })
	tw := faketwilio.New(accountSID, authToken)
	twServer := httptest.NewServer(tw)
	tw.SetBaseURL(twServer.URL)
	t.Cleanup(func() { tw.Close(); twServer.Close() })
	api, file := tg.Endpoints(tgServer.URL)
	env := map[string]string{
		"DATABASE_URL": databaseURL, "REDIS_URL": redisURL, "HOTLINE_SECRET_KEY": privacy.NewSecret(),
		"TELEGRAM_BOT_TOKEN": botToken, "TELEGRAM_API_ENDPOINT": api, "TELEGRAM_FILE_ENDPOINT": file,
		"TWILIO_ACCOUNT_SID": accountSID, "TWILIO_AUTH_TOKEN": authToken, "TWILIO_FROM": hotlineFrom, "TWILIO_API_URL": twServer.URL,
		"ESCALATE_AFTER": "1h", "OUTBOX_LEASE": "3s",
	}
	environ := func(extra ...string) []string {
		out := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
		for k, v := range env {
			out = append(out, k+"="+v)
		}
		return append(out, extra...)
	}
	runCLI := func(args ...string) {
		cmd := exec.Command(bin, args...)
		cmd.Env = environ()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("hotline %v: %v\n%s", args, err, out)
		}
	}
	rosterFile := filepath.Join(dir, "roster.csv")
	if err := os.WriteFile(rosterFile, []byte(twoProcessRoster), 0o600); err != nil {
		t.Fatal(err)
	}
	runCLI("migrate")
	runCLI("roster", "import", rosterFile)

	type process struct {
		cmd  *exec.Cmd
		base string
		logs *syncBuffer
	}
	start := func() *process {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		p := &process{base: "http://" + addr, logs: &syncBuffer{}}
		p.cmd = exec.Command(bin, "serve")
		p.cmd.Env = environ("HTTP_ADDR="+addr, "PUBLIC_URL="+p.base)
		p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.cmd.Process.Kill(); _ = p.cmd.Wait() })
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := http.Get(p.base + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return p
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("process not ready: %v\n%s", err, p.logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	a, b := start(), start()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("process A log:\n%s\nprocess B log:\n%s", a.logs.String(), b.logs.String())
		}
	})

	// The burst: each tip from its own reporter, to A or B; after a third, A is killed.
	var accepted atomic.Int32
	var killOnce sync.Once
	var aDead atomic.Bool
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				from := fmt.Sprintf("+3556910%05d", i)
				text := fmt.Sprintf("Në Shkodër mbajnë një grua të mbyllur në një shtëpi, ndihmë tani (%d)", i)
				targets := []*process{a, b}
				if i%2 == 1 || aDead.Load() {
					targets = []*process{b}
				}
				delivered := false
				for _, p := range append(targets, b) { // a refused webhook is sent again, as Twilio does
					ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
					status, _, err := tw.InboundSMS(ctx, p.base+"/webhooks/twilio/sms", from, hotlineFrom, text)
					cancel()
					if err == nil && status == http.StatusOK {
						delivered = true
						break
					}
				}
				if !delivered {
					t.Errorf("tip %d: no process accepted it", i)
				}
				if accepted.Add(1) == tips/3 {
					killOnce.Do(func() {
						aDead.Store(true)
						_ = a.cmd.Process.Signal(syscall.SIGKILL)
					})
				}
			}
		}()
	}
	for i := range tips {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if !aDead.Load() {
		t.Fatal("process A was never killed")
	}

	// Every alert reaches its responder at least once.
	responders := []string{"+355690000301", "+355690000302"}
	deadline := time.Now().Add(90 * time.Second)
	var missing []string
	var duplicates int
	for {
		bodies := map[string]int{}
		for _, m := range tw.Messages() {
			bodies[m.To+"\x00"+m.Body]++
		}
		missing = missing[:0]
		duplicates = 0
		for i := range tips {
			marker := fmt.Sprintf("ndihmë tani (%d)", i)
			for _, to := range responders {
				n := 0
				for k, c := range bodies {
					if strings.HasPrefix(k, to+"\x00") && strings.Contains(k, marker) {
						n += c
					}
				}
				if n == 0 {
					missing = append(missing, fmt.Sprintf("%d→%s", i, to))
				}
				if n > 1 {
					duplicates += n - 1
				}
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if len(missing) > 0 {
		t.Fatalf("%d of %d alerts never delivered, e.g. %v", len(missing), 2*tips, missing[:min(5, len(missing))])
	}
	t.Logf("%d alerts delivered after SIGKILL of one of two processes; %d duplicates", 2*tips, duplicates)
	if duplicates > 0 {
		// Each duplicate must be one the outbox marked (a lease that expired).
		if count(t, env["DATABASE_URL"], `SELECT count(*) FROM outbox WHERE kind = 'alert' AND possible_duplicate`) == 0 {
			t.Errorf("%d duplicates but no outbox item marked as a possible duplicate", duplicates)
		}
	}
}

func count(t *testing.T, url, query string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
