package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline/privacy"
	"github.com/hotline-al/hotline/internal/testenv"
)

func runWith(env map[string]string, stdin string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

// withEnv returns a copy of env with the given key, value pairs set.
func withEnv(env map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(env)+len(kv)/2)
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func TestCommandLine(t *testing.T) {
	env := map[string]string{"DATABASE_URL": testenv.DatabaseURL(t), "REDIS_URL": testenv.RedisURL(t)}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// serve: refuses without a secret key, then with pending migrations, in one line each.
	code, _, stderr := runWith(env, "", "serve")
	if code != 2 || !strings.Contains(stderr, "HOTLINE_SECRET_KEY") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("serve without key: %d %q", code, stderr)
	}
	env["HOTLINE_SECRET_KEY"] = privacy.NewSecret()
	code, _, stderr = runWith(env, "", "serve")
	if code == 0 || !strings.Contains(stderr, "hotline migrate") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("serve with pending migrations: %d %q", code, stderr)
	}
	if code, out, stderr := runWith(env, "", "migrate"); code != 0 || !strings.Contains(out, "applied") {
		t.Fatalf("migrate: %d %q %q", code, out, stderr)
	}
	if code, out, _ := runWith(env, "", "migrate"); code != 0 || !strings.Contains(out, "applied 0") {
		t.Fatalf("second migrate: %d %q", code, out)
	}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		args    []string
		code    int
		stdout  string
		stderr  string
		wantOne bool
	}{
		{"version", env, []string{"version"}, 0, "hotline", "", false},
		{"unknown command", env, []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`, true},
		{"bad duration", map[string]string{"ESCALATE_AFTER": "soon"}, []string{"migrate"}, 2, "", "ESCALATE_AFTER", true},
		{"bad console idle timeout", map[string]string{"CONSOLE_IDLE_TIMEOUT": "-5m"}, []string{"migrate"}, 2, "", "CONSOLE_IDLE_TIMEOUT", true},
		{"bad key", map[string]string{"HOTLINE_SECRET_KEY": "short"}, []string{"serve"}, 2, "", "HOTLINE_SECRET_KEY", true},
		{"webhook without secret", map[string]string{"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_MODE": "webhook"}, []string{"serve"}, 2, "", "TELEGRAM_WEBHOOK_SECRET", true},
		{"bad roster", env, []string{"roster", "import", write("bad.csv", "name,role,county,telegram_chat_id,phone,shift_start,shift_end\nA,police,AL-10,1,,,\nB,police,Atlantis,2,,,\n")}, 2, "", "line 3: unknown county", true},
		{"missing roster file", env, []string{"roster", "import", filepath.Join(dir, "none.csv")}, 2, "", "none.csv", true},
		{"roster import", env, []string{"roster", "import", write("ok.csv", "\ufeffname,role,county,telegram_chat_id,phone,shift_start,shift_end\nArben Hoxha,police,Shkodra,100,,,\nDrita Leka,social_worker,AL-10,,+355690000302,2026-11-30T08:00:00Z,2026-11-30T16:00:00Z\nVera Koci,national_desk,,101,,,\nBesnik Kola,police,tirane,102,,,\n")}, 0, "4 added", "", false},
		{"roster now in Shkodër during the day", env, []string{"roster", "now", "--county", "AL-10", "--at", "2026-11-30T09:00:00Z"}, 0, "AL-10 police Arben Hoxha\nAL-10 social_worker Drita Leka\n", "", false},
		{"roster now at night", env, []string{"roster", "now", "--county", "Shkodër", "--at", "2026-11-30T22:00:00Z"}, 0, "AL-10 police Arben Hoxha\n", "", false},
		{"roster now everywhere", env, []string{"roster", "now", "--at", "2026-11-30T22:00:00Z"}, 0, "- national_desk Vera Koci\nAL-10 police Arben Hoxha\nAL-11 police Besnik Kola\n", "", false},
		{"roster now bad time", env, []string{"roster", "now", "--at", "tomorrow"}, 2, "", "RFC 3339", true},
		{"triage classify", env, []string{"triage", "classify"}, 0, `"county":"AL-10"`, "", false},
		// The command-line contract: bad usage or configuration is exit 2 and one line; a server that does not answer is exit 1.
		{"no command", env, nil, 2, "", "hotline: usage: hotline COMMAND (hotline help lists them)", true},
		{"help", env, []string{"help"}, 0, "hotline roster import", "", false},
		{"version with arguments", env, []string{"version", "extra"}, 2, "", "usage: hotline version", true},
		{"HTTP_ADDR without a port", withEnv(env, "HTTP_ADDR", "nonsense"), []string{"migrate"}, 2, "", "HTTP_ADDR", true},
		{"HTTP_ADDR with a bad port", withEnv(env, "HTTP_ADDR", ":http"), []string{"migrate"}, 2, "", "HTTP_ADDR", true},
		{"TWILIO_FROM not E.164", withEnv(env, "TWILIO_ACCOUNT_SID", "AC1", "TWILIO_AUTH_TOKEN", "t", "TWILIO_FROM", "12345"), []string{"migrate"}, 2, "", "TWILIO_FROM", true},
		{"TWILIO_FROM with letters", withEnv(env, "TWILIO_ACCOUNT_SID", "AC1", "TWILIO_AUTH_TOKEN", "t", "TWILIO_FROM", "+35542abc"), []string{"migrate"}, 2, "", "TWILIO_FROM", true},
		{"TWILIO_FROM a Messaging Service", withEnv(env, "TWILIO_ACCOUNT_SID", "AC1", "TWILIO_AUTH_TOKEN", "t", "TWILIO_FROM", "MG0123456789abcdef0123456789abcdef"), []string{"migrate"}, 0, "applied 0", "", false},
		{"bad DATABASE_URL", withEnv(env, "DATABASE_URL", "postgres://h:99999999/db"), []string{"migrate"}, 2, "", "DATABASE_URL", true},
		{"bad REDIS_URL", withEnv(env, "REDIS_URL", "http://127.0.0.1:6379"), []string{"migrate"}, 2, "", "REDIS_URL", true},
		{"unreachable Postgres", withEnv(env, "DATABASE_URL", "postgres://hotline@127.0.0.1:1/hotline?sslmode=disable&connect_timeout=5"), []string{"migrate"}, 1, "", "hotline: ", true},
		{"unreachable Redis", withEnv(env, "REDIS_URL", "redis://127.0.0.1:1/0"), []string{"serve"}, 1, "", "redis", true},
		{"unreachable Redis, queue rebuild", withEnv(env, "REDIS_URL", "redis://127.0.0.1:1/0"), []string{"queue", "rebuild"}, 1, "", "hotline queue: ", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runWith(tc.env, "Në Shkodër mbajnë një vajzë të mbyllur", tc.args...)
			if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, out, stderr, tc.code, tc.stdout, tc.stderr)
			}
			if tc.wantOne && strings.Count(stderr, "\n") != 1 {
				t.Fatalf("stderr is not one line: %q", stderr)
			}
		})
	}
	// serve stops cleanly (exit 0) when told to.
	env["HTTP_ADDR"] = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var serveErr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, &serveErr, func(k string) string { return env[k] })
	}()
	time.Sleep(1500 * time.Millisecond)
	cancel()
	select {
	case code := <-done:
		if code != 0 || strings.Contains(serveErr.String(), "panic") {
			t.Fatalf("serve stopped with %d: %s", code, serveErr.String())
		}
	case <-time.After(12 * time.Second):
		t.Fatal("serve did not stop within 12 s")
	}
	// Importing the same file twice changes nothing.
	if _, out, _ := runWith(env, "", "roster", "import", filepath.Join(dir, "ok.csv")); !strings.Contains(out, "0 added, 0 updated, 4 unchanged") {
		t.Fatalf("second import: %q", out)
	}
}
