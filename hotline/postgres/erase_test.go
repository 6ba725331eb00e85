package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// DELETE (FSHIJ) leaves the reporter's contact nowhere: not in
// reporter_contacts, not in the sealed raw payloads of their messages (the
// SMS form holds From=+355…), not in the locators of fetched attachments,
// not in early delivery statuses; the tip and what they wrote stay.
func TestDeleteErasesEveryTraceOfTheContact(t *testing.T) {
	db, raw := openDBWithConn(t)
	ctx := context.Background()
	const number = "+355690001234"
	rc := receive(t, db, "SM1", number, "Në Shkodër mbajnë vajza", t0, p1Shkoder)
	photo := hotline.InboundMessage{Channel: hotline.ChannelSMS, Source: "twilio", DeliveryKey: "SM2", Contact: number, Kind: "photo",
		Media: []hotline.Media{{Kind: "photo", URL: "https://api.twilio.com/Media/ME1"}}, Raw: []byte("From=" + number + "&NumMedia=1"), ReceivedAt: t0.Add(time.Minute)}
	if _, err := db.ReceiveReporterMessage(ctx, photo, 15*time.Minute, func(hotline.TipContext) hotline.IntakeDecision {
		return hotline.IntakeDecision{Classification: p1Shkoder}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(ctx, `UPDATE media_files SET state = 'stored'`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(ctx, `UPDATE outbox SET external_id = 'SMout1' WHERE reporter_id = $1`, rc.ReporterID); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(ctx, `INSERT INTO delivery_statuses_early (external_id, status, received_at) VALUES ('SMout1', 'delivered', $1)`, t0); err != nil {
		t.Fatal(err)
	}
	// Another reporter's payload stays.
	receive(t, db, "SM9", "+355690009999", "Në Vlorë", t0, p1Shkoder)

	erase := hotline.InboundMessage{Channel: hotline.ChannelSMS, Source: "twilio", DeliveryKey: "SM3", Contact: number, Kind: hotline.KindText,
		Text: "FSHIJ", Keyword: hotline.KeywordDelete, Raw: []byte("From=" + number + "&Body=FSHIJ"), ReceivedAt: t0.Add(2 * time.Minute)}
	if _, err := db.ReceiveReporterMessage(ctx, erase, 15*time.Minute, func(hotline.TipContext) hotline.IntakeDecision {
		return hotline.IntakeDecision{ReporterAction: hotline.ReporterErase}
	}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		what, query string
		want        int
	}{
		{"contacts", `SELECT count(*) FROM reporter_contacts WHERE reporter_id = $1`, 0},
		{"raw payloads of the erased reporter", `SELECT count(*) FROM messages WHERE reporter_id = $1 AND raw_encrypted IS NOT NULL`, 0},
		{"raw payloads of another reporter", `SELECT count(*) FROM messages WHERE reporter_id <> $1 AND raw_encrypted IS NOT NULL`, 1},
		{"media locators", `SELECT count(*) FROM media_files f JOIN messages m ON m.id = f.message_id WHERE m.reporter_id = $1 AND length(f.locator_encrypted) > 0`, 0},
		{"early delivery statuses", `SELECT count(*) FROM delivery_statuses_early WHERE $1 > 0`, 0},
		{"what they wrote", `SELECT count(*) FROM messages WHERE reporter_id = $1 AND body = 'Në Shkodër mbajnë vajza'`, 1},
	} {
		var n int
		if err := raw.QueryRow(ctx, tc.query, rc.ReporterID).Scan(&n); err != nil {
			t.Fatalf("%s: %v", tc.what, err)
		}
		if n != tc.want {
			t.Errorf("%s: %d rows, want %d", tc.what, n, tc.want)
		}
	}
	if n, err := db.CountText(ctx, "690001234"); err != nil || n != 0 {
		t.Errorf("the number appears in %d stored text values (%v)", n, err)
	}
}
