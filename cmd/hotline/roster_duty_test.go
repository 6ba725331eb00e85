package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline/postgres"
	"github.com/hotline-al/hotline/internal/testenv"
)

func TestRosterRotationOverrideLinkDeactivateCommands(t *testing.T) {
	env := map[string]string{"DATABASE_URL": testenv.DatabaseURL(t), "REDIS_URL": testenv.RedisURL(t), "TELEGRAM_BOT_USERNAME": "@HotlineAlBot"}
	if code, _, stderr := runWith(env, "", "migrate"); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	file := filepath.Join(t.TempDir(), "roster.csv")
	if err := os.WriteFile(file, []byte("name,role,county,telegram_chat_id,phone,shift_start,shift_end\n"+
		"Arben Hoxha,police,AL-10,100,,,\nBesnik Kola,police,Shkodër,,+355690000304,,\nVera Koci,national_desk,,101,,,\nBesa Leka,police,AL-11,102,,,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		args   []string
		code   int
		stdout string // substring ("" = empty output when code is 0)
		stderr string
	}{
		{"import", []string{"roster", "import", file}, 0, "4 added", ""},
		{"rotation add", []string{"roster", "rotation", "add", "--name", "Shkodër police", "--role", "police", "--county", "Shkodra", "--handover", "mon 08:00", "--from", "2026-10-17", "Arben Hoxha", "Besnik Kola"},
			0, `rotation "Shkodër police" added: AL-10 police, hands over Monday 08:00 Europe/Tirane, first at 2026-10-19 08:00 +02:00; order: Arben Hoxha, Besnik Kola`, ""},
		{"rotation add twice", []string{"roster", "rotation", "add", "--name", "Shkodër police", "--role", "police", "--county", "AL-10", "--handover", "mon 08:00", "Arben Hoxha"}, 2, "", "exists"},
		{"rotation with a member of another county", []string{"roster", "rotation", "add", "--name", "x", "--role", "police", "--county", "AL-10", "--handover", "mon 08:00", "Besa Leka"}, 2, "", "not found"},
		{"rotation with a bad handover", []string{"roster", "rotation", "add", "--name", "x", "--role", "police", "--county", "AL-10", "--handover", "someday", "Arben Hoxha"}, 2, "", "WEEKDAY HH:MM"},
		{"national rotation with a county", []string{"roster", "rotation", "add", "--name", "x", "--role", "national_desk", "--county", "AL-10", "--handover", "mon 08:00", "Vera Koci"}, 2, "", "national"},
		{"rotation without members", []string{"roster", "rotation", "add", "--name", "x", "--role", "police", "--county", "AL-10", "--handover", "mon 08:00"}, 2, "", "usage"},
		{"after the DST change, 07:30 local is still Arben's week", []string{"roster", "now", "--county", "AL-10", "--at", "2026-10-26T06:30:00Z"}, 0, "AL-10 police Arben Hoxha\n", ""},
		{"08:00 local hands over to Besnik", []string{"roster", "now", "--county", "AL-10", "--at", "2026-10-26T07:00:00Z"}, 0, "AL-10 police Besnik Kola\n", ""},
		{"override add", []string{"roster", "override", "add", "--role", "police", "--county", "AL-10", "--from", "2026-10-26 09:00", "--to", "2026-10-26T17:00:00+01:00", "Arben Hoxha", "Besnik Kola"},
			0, "override 1: Arben Hoxha covers for Besnik Kola from 2026-10-26 09:00 +01:00 to 2026-10-26 17:00 +01:00", ""},
		{"override across counties", []string{"roster", "override", "add", "--role", "police", "--county", "AL-10", "--from", "2026-10-26 09:00", "--to", "2026-10-26 17:00", "Besa Leka", "Besnik Kola"}, 2, "", "not found"},
		{"override with a bad time", []string{"roster", "override", "add", "--role", "police", "--county", "AL-10", "--from", "soon", "--to", "2026-10-26 17:00", "Arben Hoxha", "Besnik Kola"}, 2, "", "--from"},
		{"override ending before it starts", []string{"roster", "override", "add", "--role", "police", "--county", "AL-10", "--from", "2026-10-26 17:00", "--to", "2026-10-26 09:00", "Arben Hoxha", "Besnik Kola"}, 2, "", "end after"},
		{"Arben covers Besnik", []string{"roster", "now", "--at", "2026-10-26T10:00:00Z"}, 0, "- national_desk Vera Koci\nAL-10 police Arben Hoxha\nAL-11 police Besa Leka\n", ""},
		{"override list --all", []string{"roster", "override", "list", "--all"}, 0, "1 AL-10 police: Arben Hoxha covers for Besnik Kola from 2026-10-26 09:00 +01:00 to 2026-10-26 17:00 +01:00\n", ""},
		{"override list (ended ones hidden)", []string{"roster", "override", "list"}, 0, "", ""},
		{"override cancel", []string{"roster", "override", "cancel", "1"}, 0, "override 1 cancelled", ""},
		{"override cancel twice", []string{"roster", "override", "cancel", "1"}, 2, "", "not found"},
		{"cancelled override no longer applies", []string{"roster", "now", "--county", "AL-10", "--at", "2026-10-26T10:00:00Z"}, 0, "AL-10 police Besnik Kola\n", ""},
		{"rotation list", []string{"roster", "rotation", "list"}, 0, `AL-10 police "Shkodër police": Monday 08:00 from 2026-10-19: Arben Hoxha, Besnik Kola (now: `, ""},
		{"link a national role with a county", []string{"roster", "link", "Vera Koci", "national_desk", "AL-10"}, 2, "", "national"},
		{"link an unknown responder", []string{"roster", "link", "Nobody", "police", "AL-10"}, 2, "", "not found"},
		{"deactivate", []string{"roster", "deactivate", "Arben Hoxha", "police", "Shkodër"}, 0, "Arben Hoxha deactivated", ""},
		{"deactivate twice", []string{"roster", "deactivate", "Arben Hoxha", "police", "AL-10"}, 0, "already deactivated", ""},
		{"a deactivated member's week has nobody of the rotation", []string{"roster", "now", "--county", "AL-10", "--at", "2026-10-26T06:30:00Z"}, 0, "", ""},
		{"link a deactivated responder", []string{"roster", "link", "Arben Hoxha", "police", "AL-10"}, 2, "", "deactivated"},
		{"rotation remove", []string{"roster", "rotation", "remove", "Shkodër police"}, 0, `rotation "Shkodër police" removed`, ""},
		{"rotation remove twice", []string{"roster", "rotation", "remove", "Shkodër police"}, 2, "", "not found"},
		{"without the rotation Besnik is always on duty", []string{"roster", "now", "--county", "AL-10", "--at", "2026-10-26T06:30:00Z"}, 0, "AL-10 police Besnik Kola\n", ""},
	}
	for _, s := range steps {
		code, out, stderr := runWith(env, "", s.args...)
		if code != s.code || (s.stdout == "" && out != "") || !strings.Contains(out, s.stdout) || !strings.Contains(stderr, s.stderr) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %d, %q, %q", s.name, code, out, stderr, s.code, s.stdout, s.stderr)
		}
		if code != 0 && strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: stderr is not one line: %q", s.name, stderr)
		}
	}

	// A link code: printed with the deep link, redeemable once.
	code, out, stderr := runWith(env, "", "roster", "link", "Besnik Kola", "police", "AL-10")
	m := regexp.MustCompile(`https://t\.me/HotlineAlBot\?start=r_([0-9A-Z]{12})\n`).FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(out, "/start r_"+m[1]) {
		t.Fatalf("roster link: %d %q %q", code, out, stderr)
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, env["DATABASE_URL"], nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.LinkTelegramChat(ctx, "telegram", "1", strings.ToLower(m[1]), 4242, time.Now(), nil)
	if err != nil || !res.Linked || res.Responder.Name != "Besnik Kola" || res.Responder.TelegramChatID != 4242 {
		t.Fatalf("redeem printed code: %+v, %v", res, err)
	}
	if res, err := db.LinkTelegramChat(ctx, "telegram", "2", m[1], 4343, time.Now(), nil); err != nil || res.Linked {
		t.Errorf("a link code worked twice: %+v, %v", res, err)
	}
}

func TestTelegramBotUsernameIsValidated(t *testing.T) {
	for _, tc := range []struct {
		value, want string
		ok          bool
	}{
		{"", "", true},
		{"@HotlineAlBot", "HotlineAlBot", true},
		{"hotline_al_bot", "hotline_al_bot", true},
		{"hotline", "", false},
		{"https://t.me/HotlineAlBot", "", false},
		{"ab", "", false},
	} {
		c, err := LoadConfig(func(k string) string {
			if k == "TELEGRAM_BOT_USERNAME" {
				return tc.value
			}
			return ""
		})
		if (err == nil) != tc.ok || (tc.ok && c.TelegramBotUsername != tc.want) {
			t.Errorf("TELEGRAM_BOT_USERNAME=%q: %q, %v", tc.value, c.TelegramBotUsername, err)
		}
		if err != nil && !strings.Contains(err.Error(), "TELEGRAM_BOT_USERNAME") {
			t.Errorf("error does not name the variable: %v", err)
		}
	}
}

func TestEscalationVariablesAreValidated(t *testing.T) {
	for _, tc := range []struct {
		env map[string]string
		bad string
	}{
		{map[string]string{"ESCALATION_P1": "on_duty 2m; national_desk 3m", "ESCALATION_REPEAT": "2", "ESCALATION_P1_ACK_BOTH": "true", "WAKE_CALL_AFTER": "off"}, ""},
		{map[string]string{"ESCALATION_P1": "coordinator 2m"}, "ESCALATION_P1"},
		{map[string]string{"ESCALATION_P2": "on_duty soon"}, "ESCALATION_P2"},
		{map[string]string{"ESCALATION_REPEAT": "-1"}, "ESCALATION_REPEAT"},
		{map[string]string{"ESCALATION_P1_ACK_BOTH": "perhaps"}, "ESCALATION_P1_ACK_BOTH"},
		{map[string]string{"WAKE_CALL_AFTER": "soon"}, "WAKE_CALL_AFTER"},
		{map[string]string{"REMIND_AFTER": "0s"}, "REMIND_AFTER"},
		{map[string]string{"HEARTBEAT_SILENCE": "quiet"}, "HEARTBEAT_SILENCE"},
		{map[string]string{"TWILIO_VOICE_FROM": "0800 12 12"}, "TWILIO_VOICE_FROM"},
	} {
		c, err := LoadConfig(func(k string) string { return tc.env[k] })
		switch {
		case tc.bad == "" && err != nil:
			t.Errorf("%v: %v", tc.env, err)
		case tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad)):
			t.Errorf("%v: error %v does not name %s", tc.env, err, tc.bad)
		}
		if tc.bad == "" {
			if s, ok := c.Escalation.Step("P1", 1); !ok || s.Role != "national_desk" || !c.Escalation.P1NeedsBoth || c.Escalation.Repeat != 2 {
				t.Errorf("policy = %+v", c.Escalation)
			}
			if s, _ := c.Escalation.Step("P2", 0); s.Timeout != 20*time.Minute {
				t.Errorf("default P2 first timeout %s, want 4 × ESCALATE_AFTER", s.Timeout)
			}
		}
	}
}
