package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
	"github.com/hotline-al/hotline/hotline/privacy"
	"github.com/hotline-al/hotline/internal/testenv"
)

var t0 = time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)

func openDB(t *testing.T) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	secret, _ := privacy.ParseSecret(privacy.NewSecret())
	keys, _ := privacy.NewKeys(secret)
	db, err := postgres.Open(ctx, testenv.DatabaseURL(t), keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.CheckSchema(ctx); err != postgres.ErrMigrationsPending {
		t.Fatalf("CheckSchema on an empty database = %v, want ErrMigrationsPending", err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckSchema(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

const roster = `name,role,county,telegram_chat_id,phone,shift_start,shift_end
Arben Hoxha,police,AL-10,100000201,,,
Drita Leka,social_worker,Shkodra,,+355690000302,,
Night Officer,police,AL-10,100000209,,2026-11-30T20:00:00Z,2026-12-01T06:00:00Z
Gent Coordinator,coordinator,Shkodër,100000203,+355690000303,,
Vera Desk,national_desk,,100000401,,,
Ilir Control,internal_control,,100000501,,,
Besa Police,police,AL-11,100000601,,,
`

func importRoster(t *testing.T, db *postgres.DB, csv string) hotline.RosterSummary {
	t.Helper()
	entries, err := hotline.ParseRoster(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := db.ImportRoster(context.Background(), entries, false)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// classifier returns a fixed classification whatever the text.
type classifier hotline.Classification

func (c classifier) Classify(string) hotline.Classification { return hotline.Classification(c) }

type composer struct{}

func (composer) Alert(t hotline.TipSummary, r hotline.Responder, ch hotline.Channel, standsIn hotline.Role) (string, []hotline.Button) {
	return fmt.Sprintf("alert %s %s %s", t.ReferenceCode, t.Classification.Level, t.Text), []hotline.Button{{Text: "ok", Data: "ack:" + t.ReferenceCode}}
}
func (composer) Escalation(t hotline.TipSummary, r hotline.Responder, ch hotline.Channel, step int, not []string) (string, []hotline.Button) {
	return fmt.Sprintf("escalation %d %s not acked by %s", step, t.ReferenceCode, strings.Join(not, ",")), nil
}

func receive(t *testing.T, db *postgres.DB, key, contact, text string, at time.Time, c hotline.Classification) hotline.Receipt {
	t.Helper()
	rc, err := db.ReceiveReporterMessage(context.Background(), hotline.InboundMessage{
		Channel: hotline.ChannelSMS, Source: "twilio", DeliveryKey: key, Contact: contact, Kind: hotline.KindText,
		Text: text, Raw: []byte("From=" + contact), ReceivedAt: at,
	}, 15*time.Minute, func(tc hotline.TipContext) hotline.IntakeDecision {
		return hotline.IntakeDecision{Classification: c, Reply: "your code " + tc.ReferenceCode}
	})
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

var p1Shkoder = hotline.Classification{Level: hotline.LevelP1, Intake: hotline.IntakeThirdParty, County: "AL-10", DangerNow: true}

func TestIntakeDeduplicatesAndExtends(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	first := receive(t, db, "SM1", "+355690001234", "Në Shkodër mbajnë një vajzë", t0, p1Shkoder)
	if !first.NewTip || first.Duplicate || first.ReferenceCode == "" {
		t.Fatalf("first message: %+v", first)
	}
	again := receive(t, db, "SM1", "+355690001234", "Në Shkodër mbajnë një vajzë", t0, p1Shkoder)
	if !again.Duplicate {
		t.Fatalf("repeated MessageSid not recognised: %+v", again)
	}
	more := receive(t, db, "SM2", "+355690001234", "te tregu", t0.Add(time.Minute), p1Shkoder)
	if more.NewTip || more.TipID != first.TipID {
		t.Fatalf("follow-up within the window opened another tip: %+v", more)
	}
	later := receive(t, db, "SM3", "+355690001234", "tjetër gjë", t0.Add(time.Hour), p1Shkoder)
	if !later.NewTip {
		t.Fatalf("message after the window joined the old tip: %+v", later)
	}
	byCode := receive(t, db, "SM4", "+355690009999", "për "+strings.ToLower(strings.ReplaceAll(first.ReferenceCode, "-", ""))+" kam më shumë", t0.Add(2*time.Hour), p1Shkoder)
	if byCode.TipID != first.TipID {
		t.Fatalf("message naming the code did not join its tip: %+v", byCode)
	}
	pending, err := db.PendingDispatch(ctx, t0.Add(3*time.Hour), 10)
	if err != nil || len(pending) != 2 {
		t.Fatalf("PendingDispatch = %v, %v; want 2 tips", pending, err)
	}
}

func TestConcurrentMessagesOfOneReporterOpenOneTip(t *testing.T) {
	db := openDB(t)
	var wg sync.WaitGroup
	tips := make([]int64, 8)
	for i := range tips {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tips[i] = receive(t, db, fmt.Sprintf("SM-c%d", i), "+355690005555", "ndihmë", t0, p1Shkoder).TipID
		}()
	}
	wg.Wait()
	for _, id := range tips[1:] {
		if id != tips[0] {
			t.Fatalf("concurrent messages opened several tips: %v", tips)
		}
	}
}

func TestRosterImport(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	if sum := importRoster(t, db, "\ufeff"+roster); sum.Added != 7 {
		t.Fatalf("first import: %+v", sum)
	}
	if sum := importRoster(t, db, roster); sum.Added != 0 || sum.Updated != 0 || sum.Unchanged != 7 {
		t.Fatalf("second import of the same file changed something: %+v", sum)
	}
	bad := roster + "Nobody,police,Atlantis,1,,,\n"
	if _, err := hotline.ParseRoster(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 9") {
		t.Fatalf("bad county: err = %v, want line 9", err)
	}
	entries, _ := hotline.ParseRoster(strings.NewReader("name,role,county,telegram_chat_id,phone,shift_start,shift_end\nVera Desk,national_desk,,100000401,,,\n"))
	sum, err := db.ImportRoster(ctx, entries, true)
	if err != nil || sum.Deactivated != 6 {
		t.Fatalf("--replace: %+v, %v", sum, err)
	}
}

func TestParseRosterErrors(t *testing.T) {
	head := "name,role,county,telegram_chat_id,phone,shift_start,shift_end\n"
	for _, tc := range []struct{ name, body, want string }{
		{"no contact", "A,police,AL-10,,,,\n", "line 2: needs telegram_chat_id or phone"},
		{"bad role", "A,sheriff,AL-10,1,,,\n", "line 2: unknown role"},
		{"national with county", "A,national_desk,AL-10,1,,,\n", "line 2: role national_desk is national"},
		{"county missing", "A,police,,1,,,\n", "line 2: role police needs a county"},
		{"bad phone", "A,police,AL-10,,0690000,,\n", "line 2: phone"},
		{"half shift", "A,police,AL-10,1,,2026-11-30T08:00:00Z,\n", "line 2: shift_start and shift_end go together"},
		{"bad time", "A,police,AL-10,1,,yesterday,today\n", "line 2: shift_start"},
		{"wrong field count", "A,police\n", "line 2:"},
		{"third row bad", "A,police,AL-10,1,,,\nB,police,AL-10,2,,,\nC,police,AL-99,3,,,\n", "line 4: unknown county"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := hotline.ParseRoster(strings.NewReader(head + tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := hotline.ParseRoster(strings.NewReader("nom,role\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("bad header: %v", err)
	}
}

func alertsOf(t *testing.T, db *postgres.DB, now time.Time) map[string]hotline.OutboundMessage {
	t.Helper()
	items, err := db.ClaimOutbox(context.Background(), now, time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]hotline.OutboundMessage{}
	for _, m := range items {
		if m.Responder != nil {
			out[string(m.Kind)+":"+m.Responder.Name] = m
		} else {
			out[string(m.Kind)+":reporter"] = m
		}
		if err := db.MarkSent(context.Background(), m.ID, "x", now); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestRoutingEscalationAndAcknowledgement(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, roster)
	rc := receive(t, db, "SM1", "+355690001234", "Në Shkodër mbajnë një vajzë", t0, p1Shkoder)

	res, err := db.Dispatch(ctx, rc.TipID, t0, 5*time.Minute, composer{})
	if err != nil || !res.Done || res.Alerts != 2 {
		t.Fatalf("Dispatch = %+v, %v; want 2 alerts", res, err)
	}
	if again, _ := db.Dispatch(ctx, rc.TipID, t0, 5*time.Minute, composer{}); again.Done || again.Alerts != 0 {
		t.Fatalf("second Dispatch of a routed tip did something: %+v", again)
	}
	got := alertsOf(t, db, t0)
	for _, want := range []string{"alert:Arben Hoxha", "alert:Drita Leka", "reporter_reply:reporter"} {
		if _, ok := got[want]; !ok {
			t.Errorf("missing %s in %v", want, keys(got))
		}
	}
	if _, ok := got["alert:Night Officer"]; ok {
		t.Error("off-duty responder alerted")
	}
	if m := got["alert:Drita Leka"]; m.Channel != hotline.ChannelSMS {
		t.Errorf("responder without chat id alerted by %s", m.Channel)
	}
	for k, m := range got {
		if strings.Contains(m.Body, "690001234") {
			t.Errorf("%s carries the reporter's number: %q", k, m.Body)
		}
	}

	// Nobody acknowledges: escalation to the coordinator after 5 minutes, not before.
	if n, _ := db.EscalateDue(ctx, t0.Add(4*time.Minute), 5*time.Minute, composer{}, 10); n != 0 {
		t.Fatalf("escalated early: %d", n)
	}
	if n, err := db.EscalateDue(ctx, t0.Add(5*time.Minute), 5*time.Minute, composer{}, 10); n != 1 || err != nil {
		t.Fatalf("EscalateDue = %d, %v", n, err)
	}
	got = alertsOf(t, db, t0.Add(5*time.Minute))
	esc, ok := got["escalation:Gent Coordinator"]
	if !ok || !strings.Contains(esc.Body, "Arben Hoxha") || !strings.Contains(esc.Body, "Drita Leka") {
		t.Fatalf("step 1 should reach the coordinator naming who did not acknowledge: %v", got)
	}
	if n, _ := db.EscalateDue(ctx, t0.Add(10*time.Minute), 5*time.Minute, composer{}, 10); n != 1 {
		t.Fatal("step 2 did not happen")
	}
	if _, ok := alertsOf(t, db, t0.Add(10*time.Minute))["escalation:Vera Desk"]; !ok {
		t.Fatal("step 2 should reach the national desk")
	}

	arben, _ := db.ResponderByTelegramChat(ctx, 100000201)
	ack, err := db.Acknowledge(ctx, "telegram", "u1", rc.ReferenceCode, arben, hotline.ChannelTelegram, t0.Add(11*time.Minute),
		func(r hotline.AckResult) string { return fmt.Sprintf("first=%v by=%s", r.First, r.AlreadyBy) })
	if err != nil || !ack.First {
		t.Fatalf("Acknowledge = %+v, %v", ack, err)
	}
	if n, _ := db.EscalateDue(ctx, t0.Add(time.Hour), 5*time.Minute, composer{}, 10); n != 0 {
		t.Fatal("escalation went on after acknowledgement")
	}
	drita, _ := db.ResponderByPhone(ctx, "+355690000302")
	ack2, err := db.Acknowledge(ctx, "twilio", "SMx", strings.ToLower(rc.ReferenceCode), drita, hotline.ChannelSMS, t0.Add(12*time.Minute), func(hotline.AckResult) string { return "" })
	if err == nil {
		t.Fatalf("lower-case code should not be found by the store (callers normalise): %+v", ack2)
	}
	ack2, err = db.Acknowledge(ctx, "twilio", "SMy", rc.ReferenceCode, drita, hotline.ChannelSMS, t0.Add(12*time.Minute), func(hotline.AckResult) string { return "again" })
	if err != nil || ack2.First || ack2.AlreadyBy != "Arben Hoxha" {
		t.Fatalf("second acknowledgement = %+v, %v", ack2, err)
	}
	// A redelivered button press changes nothing and queues nothing.
	if _, err := db.Acknowledge(ctx, "telegram", "u1", rc.ReferenceCode, arben, hotline.ChannelTelegram, t0.Add(13*time.Minute), func(hotline.AckResult) string { return "dup" }); err != nil {
		t.Fatal(err)
	}
	got = alertsOf(t, db, t0.Add(13*time.Minute))
	if len(got) != 2 {
		t.Fatalf("confirmations: %v, want one each for Arben and Drita", keys(got))
	}
}

func TestRoutingFallbacks(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, roster)
	cases := []struct {
		name string
		c    hotline.Classification
		want []string
	}{
		{"county unknown goes to the national desk", hotline.Classification{Level: hotline.LevelP1, Intake: hotline.IntakeThirdParty}, []string{"Vera Desk"}},
		{"official complicity skips the county", hotline.Classification{Level: hotline.LevelP1, Intake: hotline.IntakeOfficialComplicity, County: "AL-10"}, []string{"Ilir Control", "Vera Desk"}},
		{"no social worker on duty in Tiranë: national desk stands in", hotline.Classification{Level: hotline.LevelP1, Intake: hotline.IntakeThirdParty, County: "AL-11"}, []string{"Besa Police", "Vera Desk"}},
		{"P2 alerts police only", hotline.Classification{Level: hotline.LevelP2, Intake: hotline.IntakeThirdParty, County: "AL-10"}, []string{"Arben Hoxha"}},
		{"P3 alerts nobody", hotline.Classification{Level: hotline.LevelP3, Intake: hotline.IntakeThirdParty, County: "AL-10"}, nil},
		{"night shift", hotline.Classification{Level: hotline.LevelP2, Intake: hotline.IntakeThirdParty, County: "AL-10"}, []string{"Arben Hoxha", "Night Officer"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			at := t0.Add(time.Duration(i) * 24 * time.Hour)
			if tc.name == "night shift" {
				at = time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)
			}
			rc := receive(t, db, fmt.Sprintf("SM-f%d", i), fmt.Sprintf("+35569000%04d", i), "x", at, tc.c)
			if _, err := db.Dispatch(ctx, rc.TipID, at, 5*time.Minute, composer{}); err != nil {
				t.Fatal(err)
			}
			var names []string
			for k := range alertsOf(t, db, at) {
				if n, ok := strings.CutPrefix(k, "alert:"); ok {
					names = append(names, n)
				}
			}
			if strings.Join(sorted(names), ",") != strings.Join(tc.want, ",") {
				t.Fatalf("alerted %v, want %v", sorted(names), tc.want)
			}
		})
	}
}

func TestOutboxLeaseAndFallback(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, roster)
	rc := receive(t, db, "SM1", "+355690001234", "x", t0, hotline.Classification{Level: hotline.LevelP2, Intake: hotline.IntakeThirdParty, County: "AL-10"})
	if _, err := db.Dispatch(ctx, rc.TipID, t0, 5*time.Minute, composer{}); err != nil {
		t.Fatal(err)
	}
	first, _ := db.ClaimOutbox(ctx, t0, time.Minute, 10)
	if len(first) != 2 {
		t.Fatalf("claimed %d items, want reply + alert", len(first))
	}
	if again, _ := db.ClaimOutbox(ctx, t0.Add(30*time.Second), time.Minute, 10); len(again) != 0 {
		t.Fatalf("leased items claimed again before the lease ended: %d", len(again))
	}
	// The sender died: after the lease, the items come back (sent at least once).
	back, _ := db.ClaimOutbox(ctx, t0.Add(2*time.Minute), time.Minute, 10)
	if len(back) != 2 {
		t.Fatalf("items of a dead sender not reclaimed: %d", len(back))
	}
	for _, m := range back {
		if m.Responder == nil {
			ch, contact, err := db.ReporterContact(ctx, m.ReporterID)
			if err != nil || ch != hotline.ChannelSMS || contact != "+355690001234" {
				t.Fatalf("ReporterContact = %s %q %v", ch, contact, err)
			}
			continue
		}
		// Arben has no phone: a Telegram failure cannot fall back.
		fell, err := db.MarkFailed(ctx, m.ID, "403 blocked", t0.Add(2*time.Minute))
		if err != nil || fell {
			t.Fatalf("MarkFailed = %v, %v", fell, err)
		}
	}
}

func TestNoReporterContactOutsideTheSealedTable(t *testing.T) {
	db := openDB(t)
	importRoster(t, db, roster)
	rc := receive(t, db, "SM1", "+355690001234", "Në Shkodër", t0, p1Shkoder)
	if _, err := db.Dispatch(context.Background(), rc.TipID, t0, time.Minute, composer{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.EscalateDue(context.Background(), t0.Add(time.Hour), time.Minute, composer{}, 10); err != nil {
		t.Fatal(err)
	}
	n, err := db.CountText(context.Background(), "690001234")
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("the reporter's number appears in %d stored text values", n)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return sorted(out)
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestCloseTip(t *testing.T) {
	db, raw := openDBWithConn(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	rec := receive(t, db, "c1", "+355691110001", "Ne Shkoder mbajne vajza", now, hotline.Classification{Level: hotline.LevelP2, County: "AL-10"})
	code := rec.ReferenceCode
	if _, err := db.CloseTip(ctx, "cli", code, "solved", now); !errors.Is(err, hotline.ErrInvalid) {
		t.Fatalf("unknown outcome: err = %v, want ErrInvalid", err)
	}
	if _, err := db.CloseTip(ctx, "cli", "ZZZ-ZZZ", hotline.OutcomeReferred, now); !errors.Is(err, hotline.ErrNotFound) {
		t.Fatalf("unknown code: err = %v, want ErrNotFound", err)
	}
	res, err := db.CloseTip(ctx, postgres.ResponderActor(7), code, hotline.OutcomeReferred, now)
	if err != nil || !res.Closed || res.Status != hotline.StatusClosed {
		t.Fatalf("first close = %+v, %v", res, err)
	}
	again, err := db.CloseTip(ctx, "cli", code, hotline.OutcomeNoAction, now.Add(time.Minute))
	if err != nil || again.Closed {
		t.Fatalf("second close = %+v, %v; want no change", again, err)
	}
	var outcome, actor string
	var audits int
	if err := raw.QueryRow(ctx, `SELECT outcome FROM tips WHERE reference_code = $1`, code).Scan(&outcome); err != nil || outcome != "referred" {
		t.Fatalf("outcome = %q, %v; want referred", outcome, err)
	}
	if err := raw.QueryRow(ctx, `SELECT count(*), min(actor) FROM audit_log WHERE action = 'close' AND tip_id = $1`, res.TipID).Scan(&audits, &actor); err != nil || audits != 1 || actor != "responder:7" {
		t.Fatalf("audit rows = %d by %q, %v; want 1 by responder:7", audits, actor, err)
	}
}
