package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
	"github.com/hotline-al/hotline/hotline/privacy"
	"github.com/hotline-al/hotline/internal/testenv"
)

// openDBWithConn is openDB plus a raw connection to the same database, to
// read what the store does not expose (the audit log).
func openDBWithConn(t *testing.T) (*postgres.DB, *pgx.Conn) {
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
	raw, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close(ctx) })
	importRoster(t, db, roster)
	return db, raw
}

type auditRow struct {
	Actor  string
	Detail map[string]any
}

func auditRows(t *testing.T, raw *pgx.Conn, action string) []auditRow {
	t.Helper()
	rows, err := raw.Query(context.Background(), `SELECT actor, detail FROM audit_log WHERE action = $1 ORDER BY id`, action)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auditRow, error) {
		var a auditRow
		var dj []byte
		if err := r.Scan(&a.Actor, &dj); err != nil {
			return a, err
		}
		return a, json.Unmarshal(dj, &a.Detail)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func dispatched(t *testing.T, db *postgres.DB, tipID int64, now time.Time) postgres.DispatchResult {
	t.Helper()
	res, err := db.Dispatch(context.Background(), tipID, now, 5*time.Minute, composer{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func tipField(t *testing.T, raw *pgx.Conn, code, column string) string {
	t.Helper()
	var v string
	if err := raw.QueryRow(context.Background(), `SELECT `+column+`::text FROM tips WHERE reference_code = $1`, code).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestChangeLevelReroutesAndSurvivesReclassification(t *testing.T) {
	db, raw := openDBWithConn(t)
	ctx := context.Background()
	var rerouted []postgres.QueueEntry
	db.OnReroute(func(_ context.Context, e postgres.QueueEntry) { rerouted = append(rerouted, e) })
	p3 := hotline.Classification{Level: hotline.LevelP3, Intake: hotline.IntakeThirdParty, County: "AL-10"}
	rc := receive(t, db, "SM1", "+355690002001", "Ne Shkoder nje lokal i dyshimte", t0, p3)
	if res := dispatched(t, db, rc.TipID, t0); res.Alerts != 0 {
		t.Fatalf("P3 alerted %d", res.Alerts)
	}

	for _, tc := range []struct {
		code  string
		level hotline.Level
		want  error
	}{
		{rc.ReferenceCode, "P9", hotline.ErrInvalid},
		{rc.ReferenceCode, "", hotline.ErrInvalid},
		{"ZZZ-ZZZ", hotline.LevelP1, hotline.ErrNotFound},
	} {
		if err := db.ChangeLevel(ctx, "cli", tc.code, tc.level, t0); !errors.Is(err, tc.want) {
			t.Errorf("ChangeLevel(%s, %q) = %v, want %v", tc.code, tc.level, err, tc.want)
		}
	}
	if err := db.ChangeLevel(ctx, postgres.ResponderActor(5), rc.ReferenceCode, hotline.LevelP1, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if len(rerouted) != 1 || rerouted[0].Level != hotline.LevelP1 || rerouted[0].TipID != rc.TipID {
		t.Fatalf("reroute hook got %+v", rerouted)
	}
	if res := dispatched(t, db, rc.TipID, t0.Add(time.Minute)); res.Alerts != 2 {
		t.Fatalf("P1 after correction alerted %d, want police and social worker", res.Alerts)
	}
	// The same level again changes nothing and audits nothing.
	if err := db.ChangeLevel(ctx, "cli", rc.ReferenceCode, hotline.LevelP1, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	audits := auditRows(t, raw, "change_level")
	if len(audits) != 1 || audits[0].Actor != "responder:5" || audits[0].Detail["before"] != "P3" || audits[0].Detail["after"] != "P1" {
		t.Fatalf("audit = %+v, want one row responder:5 P3 → P1", audits)
	}
	// The reporter writes again; the classifier still says P3: the correction stays.
	receive(t, db, "SM2", "+355690002001", "edhe dicka", t0.Add(3*time.Minute), p3)
	if got := tipField(t, raw, rc.ReferenceCode, "level"); got != "P1" {
		t.Fatalf("level after the reporter's next message = %s, want P1 (corrected)", got)
	}
	if got := tipField(t, raw, rc.ReferenceCode, "corrected->>'level'"); got != "P1" {
		t.Fatalf("tips.corrected level = %q", got)
	}
	// The escalation deadline is P1's (5 minutes), not P3's (none).
	if n, _ := db.EscalateDue(ctx, t0.Add(6*time.Minute), 5*time.Minute, composer{}, 10); n != 1 {
		t.Fatalf("escalated %d tips at P1's deadline, want 1", n)
	}
}

func TestMoveCountyAlertsTheNewCounty(t *testing.T) {
	db, raw := openDBWithConn(t)
	ctx := context.Background()
	p2 := hotline.Classification{Level: hotline.LevelP2, Intake: hotline.IntakeThirdParty, County: "AL-10", Municipality: "Shkodër"}
	rc := receive(t, db, "SM1", "+355690002002", "Ne Shkoder punojne pa pagese", t0, p2)
	dispatched(t, db, rc.TipID, t0)
	if got := alertsOf(t, db, t0); len(got) != 2 || got["alert:Arben Hoxha"].ID == 0 {
		t.Fatalf("first routing: %v", keys(got))
	}
	for _, tc := range []struct {
		county, municipality string
		want                 error
	}{
		{"AL-13", "", hotline.ErrInvalid},
		{"Narnia", "", hotline.ErrInvalid},
		{"AL-11", "Shkodër", hotline.ErrInvalid}, // a municipality of another county
	} {
		if err := db.MoveCounty(ctx, "cli", rc.ReferenceCode, tc.county, tc.municipality, t0); !errors.Is(err, tc.want) {
			t.Errorf("MoveCounty(%q, %q) = %v, want %v", tc.county, tc.municipality, err, tc.want)
		}
	}
	if err := db.MoveCounty(ctx, "cli", "ZZZ-ZZZ", "AL-11", "", t0); !errors.Is(err, hotline.ErrNotFound) {
		t.Errorf("unknown code: %v", err)
	}
	if err := db.MoveCounty(ctx, "cli", rc.ReferenceCode, "Tirana", "Kamëz", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	dispatched(t, db, rc.TipID, t0.Add(time.Minute))
	if got := alertsOf(t, db, t0.Add(time.Minute)); len(got) != 1 || got["alert:Besa Police"].ID == 0 {
		t.Fatalf("after the move: %v, want only Tirana's police", keys(got))
	}
	audits := auditRows(t, raw, "move_county")
	before, _ := audits[0].Detail["before"].(map[string]any)
	after, _ := audits[0].Detail["after"].(map[string]any)
	if len(audits) != 1 || before["county"] != "AL-10" || after["county"] != "AL-11" || after["municipality"] != "Kamëz" {
		t.Fatalf("audit = %+v", audits)
	}
	receive(t, db, "SM2", "+355690002002", "ne Shkoder", t0.Add(2*time.Minute), p2)
	if c, m := tipField(t, raw, rc.ReferenceCode, "county"), tipField(t, raw, rc.ReferenceCode, "municipality"); c != "AL-11" || m != "Kamëz" {
		t.Fatalf("after the reporter's next message: %s %s, want AL-11 Kamëz (corrected)", c, m)
	}
}

func TestMergeTipsRedirectsTheDuplicate(t *testing.T) {
	db, raw := openDBWithConn(t)
	ctx := context.Background()
	p2 := hotline.Classification{Level: hotline.LevelP2, Intake: hotline.IntakeThirdParty, County: "AL-10"}
	p1 := hotline.Classification{Level: hotline.LevelP1, Intake: hotline.IntakeThirdParty, County: "AL-10", DangerNow: true}
	official := hotline.Classification{Level: hotline.LevelP2, Intake: hotline.IntakeOfficialComplicity, County: "AL-10"}
	survivor := receive(t, db, "SM1", "+355690002003", "lokali te ura", t0, p2)
	dup := receive(t, db, "SM2", "+355690002004", "vajza te mbyllura te ura", t0.Add(time.Minute), p1)
	other := receive(t, db, "SM3", "+355690002005", "policia merr para", t0, official)

	for _, tc := range []struct {
		survivor, duplicate string
		want                error
	}{
		{survivor.ReferenceCode, survivor.ReferenceCode, hotline.ErrInvalid},
		{survivor.ReferenceCode, "ZZZ-ZZZ", hotline.ErrNotFound},
		{survivor.ReferenceCode, other.ReferenceCode, hotline.ErrConflict}, // official complicity stays apart
		{other.ReferenceCode, dup.ReferenceCode, hotline.ErrConflict},
	} {
		if err := db.MergeTips(ctx, "cli", tc.survivor, tc.duplicate, t0); !errors.Is(err, tc.want) {
			t.Errorf("MergeTips(%s, %s) = %v, want %v", tc.survivor, tc.duplicate, err, tc.want)
		}
	}
	if err := db.MergeTips(ctx, "cli", survivor.ReferenceCode, dup.ReferenceCode, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.MergeTips(ctx, "cli", survivor.ReferenceCode, dup.ReferenceCode, t0.Add(3*time.Minute)); !errors.Is(err, hotline.ErrConflict) {
		t.Fatalf("merging twice: %v, want ErrConflict", err)
	}
	if err := db.MergeTips(ctx, "cli", dup.ReferenceCode, other.ReferenceCode, t0.Add(3*time.Minute)); !errors.Is(err, hotline.ErrConflict) {
		t.Fatalf("a merged tip as survivor: %v, want ErrConflict", err)
	}
	if s, into := tipField(t, raw, dup.ReferenceCode, "status"), tipField(t, raw, dup.ReferenceCode, "merged_into"); s != "merged" || into != tipField(t, raw, survivor.ReferenceCode, "id") {
		t.Fatalf("duplicate: status %s merged_into %s", s, into)
	}
	// The survivor holds both transcripts and took the more urgent level.
	var n int
	if err := raw.QueryRow(ctx, `SELECT count(*) FROM messages WHERE tip_id = $1`, survivor.TipID).Scan(&n); err != nil || n != 2 {
		t.Fatalf("survivor has %d messages, %v; want 2", n, err)
	}
	if got := tipField(t, raw, survivor.ReferenceCode, "level"); got != "P1" {
		t.Fatalf("survivor level %s, want P1 (the duplicate's)", got)
	}
	// The duplicate's reporter writes its code: the message reaches the survivor.
	later := receive(t, db, "SM4", "+355690002004", "kodi im "+dup.ReferenceCode+" ka me shume", t0.Add(time.Hour), p2)
	if later.TipID != survivor.TipID || later.NewTip {
		t.Fatalf("message naming the merged code went to tip %d (new %v), want survivor %d", later.TipID, later.NewTip, survivor.TipID)
	}
	// The duplicate never escalates; the survivor routes once at P1.
	dispatched(t, db, dup.TipID, t0.Add(time.Hour))
	if res := dispatched(t, db, survivor.TipID, t0.Add(time.Hour)); res.Alerts != 2 {
		t.Fatalf("survivor alerted %d, want 2", res.Alerts)
	}
	if got := tipField(t, raw, dup.ReferenceCode, "escalate_at IS NULL"); got != "true" {
		t.Fatal("merged tip keeps an escalation deadline")
	}
	audits := auditRows(t, raw, "merge")
	if len(audits) != 1 || audits[0].Detail["survivor"] != survivor.ReferenceCode || audits[0].Detail["duplicate"] != dup.ReferenceCode {
		t.Fatalf("audit = %+v", audits)
	}
}

func TestMarkSpamStopsEscalation(t *testing.T) {
	db, raw := openDBWithConn(t)
	ctx := context.Background()
	rc := receive(t, db, "SM1", "+355690002006", "Ne Shkoder mbajne vajza", t0, p1Shkoder)
	dispatched(t, db, rc.TipID, t0) // two alerts pending, escalation at t0+5m
	if err := db.MarkSpam(ctx, "cli", "ZZZ-ZZZ", t0); !errors.Is(err, hotline.ErrNotFound) {
		t.Fatalf("unknown code: %v", err)
	}
	if err := db.MarkSpam(ctx, "cli", rc.ReferenceCode, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSpam(ctx, "cli", rc.ReferenceCode, t0); err != nil {
		t.Fatalf("marking spam twice: %v", err)
	}
	if got := alertsOf(t, db, t0); len(got) != 1 || got["reporter_reply:reporter"].ID == 0 {
		t.Fatalf("outbox after spam: %v, want only the reply to the reporter", keys(got))
	}
	if n, _ := db.EscalateDue(ctx, t0.Add(time.Hour), 5*time.Minute, composer{}, 10); n != 0 {
		t.Fatalf("spam escalated %d", n)
	}
	receive(t, db, "SM2", "+355690002006", "tani po me rrahin", t0.Add(time.Minute), p1Shkoder)
	if res := dispatched(t, db, rc.TipID, t0.Add(time.Minute)); res.Alerts != 0 {
		t.Fatalf("a spam tip's next message alerted %d", res.Alerts)
	}
	if got := tipField(t, raw, rc.ReferenceCode, "status"); got != "spam" {
		t.Fatalf("status %s", got)
	}
	audits := auditRows(t, raw, "mark_spam")
	if len(audits) != 1 || audits[0].Detail["before"] != "open" || audits[0].Detail["after"] != "spam" {
		t.Fatalf("audit = %+v", audits)
	}
	// A merged tip cannot become spam (hotline.CanMove).
	other := receive(t, db, "SM3", "+355690002007", "lokali", t0, hotline.Classification{Level: hotline.LevelP3, County: "AL-10"})
	third := receive(t, db, "SM4", "+355690002008", "lokali", t0, hotline.Classification{Level: hotline.LevelP3, County: "AL-10"})
	if err := db.MergeTips(ctx, "cli", third.ReferenceCode, other.ReferenceCode, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSpam(ctx, "cli", other.ReferenceCode, t0); !errors.Is(err, hotline.ErrConflict) {
		t.Fatalf("spam of a merged tip: %v, want ErrConflict", err)
	}
}
