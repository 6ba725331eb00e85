package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
	"github.com/hotline-al/hotline/triage"
)

const complicityRoster = `name,role,county,telegram_chat_id,phone,shift_start,shift_end
Besa Police,police,AL-11,100000601,,,
Tirana Social,social_worker,AL-11,100000602,,,
Tirana Child,child_protection,AL-11,100000603,,,
Tirana Coordinator,coordinator,AL-11,100000604,,,
Vera Desk,national_desk,,100000401,,,
Ilir Control,internal_control,,100000501,,,
`

// The review's repro at store level: a complicity tip about Tirana police to
// which a witness threat is added (intake witness_threat, P1) keeps going
// only to internal control and the national desk, even when a later
// classification no longer finds the complicity, and stays in internal
// control's console, out of the county's.
func TestComplicityStaysWhenWitnessThreatIsAdded(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, complicityRoster)
	classifier := triage.MustNew()
	send := func(key, text string, at time.Time, classify func(string) hotline.Classification) hotline.Receipt {
		t.Helper()
		rc, err := db.ReceiveReporterMessage(ctx, hotline.InboundMessage{
			Channel: hotline.ChannelSMS, Source: "twilio", DeliveryKey: key, Contact: "+355690007777", Kind: hotline.KindText,
			Text: text, Raw: []byte("From=x"), ReceivedAt: at,
		}, 15*time.Minute, func(tc hotline.TipContext) hotline.IntakeDecision {
			return hotline.IntakeDecision{Classification: classify(tc.Text), Reply: "ok"}
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Dispatch(ctx, rc.TipID, at, 5*time.Minute, composer{}); err != nil {
			t.Fatal(err)
		}
		return rc
	}
	county := map[string]bool{"Besa Police": true, "Tirana Social": true, "Tirana Coordinator": true}
	noCounty := func(what string, now time.Time) map[string]hotline.OutboundMessage {
		t.Helper()
		got := alertsOf(t, db, now)
		for k, m := range got {
			if m.Responder != nil && county[m.Responder.Name] {
				t.Errorf("%s: %s sent for an official-complicity tip", what, k)
			}
		}
		return got
	}

	rc := send("SMC1", "komisari i policise ne tirane merr leke nga trafikantet", t0, classifier.Classify) // P3: no alert yet
	send("SMC2", "jam deshmitare ne gjyq dhe me kercenuan se do me vrasin", t0.Add(time.Minute), classifier.Classify)
	if got := noCounty("after the witness threat", t0.Add(time.Minute)); got["alert:Ilir Control"].Responder == nil {
		t.Errorf("the P1 complicity tip did not reach internal control: %v", keys(got))
	}
	// A classification that no longer sees the complicity does not clear it.
	lost := hotline.Classification{Level: hotline.LevelP1, Intake: hotline.IntakeWitnessThreat, County: "AL-11", Child: true}
	send("SMC3", "edhe vajza ime 12 vjec", t0.Add(2*time.Minute), func(string) hotline.Classification { return lost })
	noCounty("after a classification without complicity", t0.Add(2*time.Minute))
	for i := 1; i <= 3; i++ {
		now := t0.Add(time.Duration(2+5*i) * time.Minute)
		if _, err := db.EscalateDue(ctx, now, 5*time.Minute, composer{}, 10); err != nil {
			t.Fatal(err)
		}
		noCounty("escalation", now)
	}

	responders, err := db.Responders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := t0.Add(time.Hour)
	for _, r := range responders {
		v := hotline.Viewer{ResponderID: r.ID, Name: r.Name, Role: r.Role, County: r.County}
		want := r.Role == hotline.RoleInternalControl || r.Role == hotline.RoleNationalDesk
		queue, err := db.Queue(ctx, v, postgres.QueueFilter{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		listed := false
		for _, q := range queue {
			if q.ReferenceCode == rc.ReferenceCode {
				listed = true
				if q.Intake != hotline.IntakeWitnessThreat || !q.Complicity {
					t.Errorf("%s: listed as %s, complicity %v", r.Name, q.Intake, q.Complicity)
				}
			}
		}
		if p1, _, ok, err := db.UnacknowledgedP1(ctx, v); err != nil || ok != want || ok && (p1.ReferenceCode != rc.ReferenceCode || !p1.Complicity) {
			t.Errorf("%s: unacknowledged P1 = %+v, %v, %v; want alarm %v", r.Name, p1, ok, err, want)
		}
		_, viewErr := db.ConsoleTip(ctx, v, rc.ReferenceCode, now)
		if listed != want || (viewErr == nil) != want {
			t.Errorf("%s: listed %v, view error %v; want seen %v", r.Name, listed, viewErr, want)
		}
		if r.Role == hotline.RoleInternalControl {
			rep, err := db.Report(ctx, v, t0, now, "count", now)
			if err != nil {
				t.Fatal(err)
			}
			counted := false
			for _, row := range rep.Rows {
				counted = counted || row.Measure == "official_complicity" && row.County == "AL-11" && row.Municipality == "" && row.Value == 1
			}
			if !counted {
				t.Errorf("internal control's report does not count the tip as official complicity: %+v", rep.Rows)
			}
		}
	}
}
