package bot_test

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/bot"
	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
	"github.com/hotline-al/hotline/hotline/privacy"
	"github.com/hotline-al/hotline/internal/testenv"
	"github.com/hotline-al/hotline/triage"
)

var update = flag.Bool("update", false, "rewrite the expected lines of bot/testdata/transcripts/*.txt from what the bot does")

// The golden transcripts in testdata/transcripts/*.txt are conversations,
// one action per line, each followed by what the bot sent because of it:
//
//	# comment                        channel: sms|telegram   hint: en
//	> text                           a reporter's message
//	> [a:yes]                        a reporter presses a button (data)
//	> {photo}                        a media-only message (photo, voice…)
//	> {location 41.38 19.76}         a shared location (latitude, longitude)
//	> ~text                          an edited message
//	ack                              the county's police officer acknowledges
//	reply TEXT                       the police officer writes to the reporter by code
//	wait 20m                         time passes
//	from: +355690008888              later messages come from another person ("from: reporter" switches back)
//	= level=… intake=… …             the tip's state (filled in by -update)
//	< TEXT  [buttons: Yes=a:yes …]   a message to the reporter
//	@ROLE: TEXT                      a message to a responder (alerts left out)
//
// {CODE} stands for the tip's reference code. Run with -update to rewrite
// the expected lines, then read the diff.

const transcriptRoster = `name,role,county,telegram_chat_id,phone,shift_start,shift_end
Arta Police,police,AL-11,200000001,,,
Besa Social,social_worker,AL-11,,+355690000002,,
Cen Child,child_protection,AL-11,200000003,,,
Dea Coordinator,coordinator,AL-11,200000004,,,
Vera Desk,national_desk,,200000005,,,
`

type scriptLine struct{ text string }

type transcriptRun struct {
	t       *testing.T
	ctx     context.Context
	db      *postgres.DB
	conn    *pgx.Conn
	svc     *bot.Service
	now     time.Time
	lastID  int64
	channel hotline.Channel
	hint    string
	other   string // contact of another person writing, "" for the reporter
	n       int
	police  hotline.Responder
	code    string
}

type nopQueue struct{}

func (nopQueue) Enqueue(context.Context, triage.QueueEntry) error { return nil }

func newTranscriptRun(t *testing.T) *transcriptRun {
	ctx := testenv.Context(t)
	secret, _ := privacy.ParseSecret(privacy.NewSecret())
	keys, _ := privacy.NewKeys(secret)
	url := testenv.DatabaseURL(t)
	db, err := postgres.Open(ctx, url, keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db.SetReplyWindow(15 * time.Minute)
	entries, err := hotline.ParseRoster(strings.NewReader(transcriptRoster))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportRoster(ctx, entries, false); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	cat, err := bot.NewCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	cl, err := triage.New()
	if err != nil {
		t.Fatal(err)
	}
	r := &transcriptRun{t: t, ctx: ctx, db: db, conn: conn, now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), channel: hotline.ChannelSMS}
	r.svc = &bot.Service{Store: db, Queue: nopQueue{}, Classifier: cl, Catalogue: cat, Now: func() time.Time { return r.now },
		ConversationWindow: 15 * time.Minute, DiscreetSMS: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if r.police, err = db.ResponderByTelegramChat(ctx, 200000001); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *transcriptRun) contact() string {
	if r.other != "" {
		return r.other
	}
	if r.channel == hotline.ChannelSMS {
		return "+355690009999"
	}
	return "300000001"
}

// do carries out one action line and returns the lines of what was sent.
func (r *transcriptRun) do(line string) []string {
	r.t.Helper()
	r.n++
	r.now = r.now.Add(time.Minute)
	key := fmt.Sprint(r.n)
	switch {
	case strings.HasPrefix(line, "channel: "):
		r.channel = hotline.Channel(strings.TrimPrefix(line, "channel: "))
		return nil
	case strings.HasPrefix(line, "hint: "):
		r.hint = strings.TrimPrefix(line, "hint: ")
		return nil
	case strings.HasPrefix(line, "from: "):
		r.other = strings.TrimPrefix(line, "from: ")
		if r.other == "reporter" {
			r.other = ""
		}
		return nil
	case strings.HasPrefix(line, "wait "):
		d, err := time.ParseDuration(strings.TrimPrefix(line, "wait "))
		if err != nil {
			r.t.Fatal(err)
		}
		r.now = r.now.Add(d)
		return nil
	case line == "ack":
		if err := r.svc.FromResponder(r.ctx, "test", key, r.police, hotline.ChannelTelegram, bot.Command{Action: bot.ActionAcknowledge, Code: r.code}); err != nil {
			r.t.Fatal(err)
		}
	case strings.HasPrefix(line, "reply "):
		if err := r.svc.FromResponder(r.ctx, "test", key, r.police, hotline.ChannelTelegram, bot.ParseResponderText("/reply "+r.code+" "+strings.TrimPrefix(line, "reply "))); err != nil {
			r.t.Fatal(err)
		}
	case strings.HasPrefix(line, "> "):
		in := hotline.InboundMessage{Channel: r.channel, Source: "test", DeliveryKey: key, Contact: r.contact(), LanguageHint: r.hint,
			Kind: hotline.KindText, Text: strings.ReplaceAll(strings.TrimPrefix(line, "> "), "{CODE}", r.code), ReceivedAt: r.now}
		switch text := in.Text; {
		case strings.HasPrefix(text, "[") && strings.HasSuffix(text, "]"):
			in.Kind, in.Text = bot.KindButton, strings.Trim(text, "[]")
		case strings.HasPrefix(text, "{location "):
			in.Kind, in.Text = hotline.KindLocation, ""
			in.Media = []hotline.Media{{Kind: hotline.KindLocation}}
			if _, err := fmt.Sscanf(text, "{location %g %g}", &in.Latitude, &in.Longitude); err != nil {
				r.t.Fatalf("%s: %v", text, err)
			}
		case strings.HasPrefix(text, "~"):
			in.Kind, in.Text = "edited_"+hotline.KindText, strings.TrimPrefix(text, "~")
		case strings.HasPrefix(text, "{") && strings.HasSuffix(text, "}"):
			in.Kind, in.Text = strings.Trim(text, "{}"), ""
			in.Media = []hotline.Media{{Kind: in.Kind, FileID: "file-" + key}}
		}
		rc, err := r.svc.FromPublic(r.ctx, in)
		if err != nil {
			r.t.Fatal(err)
		}
		if r.code == "" && rc.ReferenceCode != "" {
			r.code = rc.ReferenceCode
		}
		r.dispatch()
	default:
		r.t.Fatalf("unknown action %q", line)
	}
	return r.sent()
}

func (r *transcriptRun) dispatch() {
	rows, err := r.conn.Query(r.ctx, `SELECT id FROM tips WHERE dispatch_pending ORDER BY id`)
	if err != nil {
		r.t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		r.t.Fatal(err)
	}
	for _, id := range ids {
		if _, err := r.db.Dispatch(r.ctx, id, r.now, 5*time.Minute, bot.Composer{Catalogue: r.svc.Catalogue}); err != nil {
			r.t.Fatal(err)
		}
	}
}

// sent renders the outbox items written since the last call; with a reply
// window, the sender's send-time check runs first, as it would.
func (r *transcriptRun) sent() []string {
	if _, err := r.db.HoldOutsideWindow(r.ctx, r.now, 15*time.Minute); err != nil {
		r.t.Fatal(err)
	}
	rows, err := r.conn.Query(r.ctx, `SELECT o.id, o.kind, o.body, o.buttons::text, o.state, COALESCE(p.role, '')
		FROM outbox o LEFT JOIN responders p ON p.id = o.responder_id
		WHERE o.id > $1 OR (o.kind = 'relay' AND o.state = 'pending' AND o.sent_at IS NULL AND o.next_attempt_at >= $2) ORDER BY o.id`, r.lastID, r.now)
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var id int64
		var kind, body, buttons, state, role string
		if err := rows.Scan(&id, &kind, &body, &buttons, &state, &role); err != nil {
			r.t.Fatal(err)
		}
		if id > r.lastID {
			r.lastID = id
		}
		if kind == "alert" || kind == "escalation" {
			continue
		}
		if role == "" && r.channel == hotline.ChannelSMS && kind != "relay" {
			// Every SMS the bot writes to a reporter fits in 3 segments.
			if n, _ := hotline.SMSSegments(body); n > bot.SMSMaxSegments {
				r.t.Errorf("an SMS to the reporter takes %d segments: %q", n, body)
			}
		}
		body = strings.ReplaceAll(body, "\n", `\n`)
		if r.code != "" {
			body = strings.ReplaceAll(body, r.code, "{CODE}")
		}
		if role == "" {
			line := "< " + body
			if buttons != "[]" {
				line += "  [buttons: " + renderButtons(buttons) + "]"
			}
			if state != "pending" {
				line += "  (" + state + ")"
			}
			out = append(out, line)
			continue
		}
		out = append(out, "@"+role+": "+body)
	}
	if err := rows.Err(); err != nil {
		r.t.Fatal(err)
	}
	// Sent: a later call shows only what is new.
	if _, err := r.conn.Exec(r.ctx, `UPDATE outbox SET state = 'sent', sent_at = $1 WHERE state = 'pending'`, r.now); err != nil {
		r.t.Fatal(err)
	}
	return out
}

func renderButtons(raw string) string {
	var bs []hotline.Button
	if err := json.Unmarshal([]byte(raw), &bs); err != nil {
		return raw
	}
	var parts []string
	for _, b := range bs {
		parts = append(parts, b.Text+"="+b.Data)
	}
	return strings.Join(parts, " | ")
}

// state renders the tip's classification and consent.
func (r *transcriptRun) state() string {
	var level, intake, county string
	var danger, child bool
	var consent *bool
	err := r.conn.QueryRow(r.ctx, `SELECT level, intake, county, (classification->>'danger_now')::bool, (classification->>'child')::bool, police_consent
		FROM tips WHERE reference_code = $1`, r.code).Scan(&level, &intake, &county, &danger, &child, &consent)
	if err != nil {
		r.t.Fatal(err)
	}
	c := "unknown"
	if consent != nil {
		c = fmt.Sprint(*consent)
	}
	var roles []string
	rows, err := r.conn.Query(r.ctx, `SELECT DISTINCT p.role FROM outbox o JOIN responders p ON p.id = o.responder_id JOIN tips t ON t.id = o.tip_id
		WHERE t.reference_code = $1 AND o.kind = 'alert' ORDER BY p.role`, r.code)
	if err != nil {
		r.t.Fatal(err)
	}
	if roles, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		r.t.Fatal(err)
	}
	return fmt.Sprintf("= level=%s intake=%s county=%s danger=%t child=%t consent=%s alerted=%s", level, intake, county, danger, child, c, strings.Join(roles, ","))
}

func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/transcripts/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			var script []string
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				script = append(script, sc.Text())
			}
			f.Close()
			r := newTranscriptRun(t)
			var got []string
			firstDone := false
			for i := 0; i < len(script); i++ {
				line := script[i]
				switch {
				case strings.HasPrefix(line, "< ") || strings.HasPrefix(line, "@"):
					continue // expected output: compared below
				case line == "=" || strings.HasPrefix(line, "= "):
					got = append(got, r.state())
					continue
				case strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
					got = append(got, line)
					continue
				}
				got = append(got, line)
				out := r.do(line)
				got = append(got, out...)
				if strings.HasPrefix(line, "> ") && !firstDone {
					// The first contact by SMS: at most two messages (the
					// first reply, then rights or the first question), three
					// when it must also say that police were told without
					// consent (danger now, a child).
					firstDone = true
					limit := 2
					if r.policeToldIn(out) {
						limit = 3
					}
					if n := countPrefix(out, "< "); r.channel == hotline.ChannelSMS && n > limit {
						t.Errorf("the first contact by SMS sends %d messages, want at most %d", n, limit)
					}
				}
			}
			want := strings.Join(script, "\n")
			have := strings.Join(got, "\n")
			if *update {
				if err := os.WriteFile(file, []byte(have+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want != have {
				t.Errorf("transcript differs (run with -update and read the diff):\n%s", diff(script, got))
			}
		})
	}
}

// policeToldIn reports whether lines hold the notice that police were told
// without consent, in any language.
func (r *transcriptRun) policeToldIn(lines []string) bool {
	joined := strings.Join(lines, "\n")
	for _, lang := range bot.Languages {
		for _, id := range []string{"police_told_danger", "police_told_child"} {
			if strings.Contains(joined, r.svc.Catalogue.Text(lang, id, nil)) {
				return true
			}
		}
	}
	return false
}

func countPrefix(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// diff shows the first lines where want and got part.
func diff(want, got []string) string {
	var b strings.Builder
	for i := 0; i < max(len(want), len(got)); i++ {
		w, g := "", ""
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			fmt.Fprintf(&b, "line %d\n  want: %s\n  got:  %s\n", i+1, w, g)
		}
	}
	return b.String()
}
