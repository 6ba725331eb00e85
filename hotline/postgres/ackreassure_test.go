package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// TestFirstAcknowledgementReassuresTheReporterInTheSameTransaction: the
// first acknowledgement queues the reporter's notice with it (in the tip's
// language); a second acknowledgement, a redelivered one and one outside
// the reply window queue none.
func TestFirstAcknowledgementReassuresTheReporterInTheSameTransaction(t *testing.T) {
	db, conn := openDBWithConn(t)
	ctx := context.Background()
	c := hotline.Classification{Level: hotline.LevelP1, Intake: hotline.IntakeThirdParty, County: "AL-10", DangerNow: true}
	rc := receive(t, db, "SMA1", "+355690007001", "Në Shkodër mbajnë një vajzë", t0, c)
	late := receive(t, db, "SMA2", "+355690007002", "Në Shkodër mbajnë një djalë", t0, c)
	arben, _ := db.ResponderByTelegramChat(ctx, 100000201)
	drita, _ := db.ResponderByPhone(ctx, "+355690000302")
	notices := func(code string) int {
		t.Helper()
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM outbox o JOIN tips t ON t.id = o.tip_id
			WHERE t.reference_code = $1 AND o.kind = 'reporter_reply' AND o.body LIKE 'seen%'`, code).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	ok := func(hotline.AckResult) string { return "" }
	notice := func(lang string) string { return "seen (" + lang + ")" }
	for i, step := range []struct {
		key  string
		who  hotline.Responder
		code string
		at   time.Duration
	}{
		{"a1", arben, rc.ReferenceCode, time.Minute},
		{"a1", arben, rc.ReferenceCode, time.Minute},     // redelivered
		{"a2", drita, rc.ReferenceCode, 2 * time.Minute}, // not the first
		{"a3", arben, late.ReferenceCode, time.Hour},     // the reporter wrote an hour ago
	} {
		if _, err := db.AcknowledgeAndReassure(ctx, "test", step.key, step.code, step.who, hotline.ChannelTelegram, t0.Add(step.at), ok, 15*time.Minute, notice); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if n := notices(rc.ReferenceCode); n != 1 {
		t.Errorf("%d notices to the reporter, want 1", n)
	}
	if n := notices(late.ReferenceCode); n != 0 {
		t.Errorf("%d notices outside the reply window, want 0", n)
	}
}
