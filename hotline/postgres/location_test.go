package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// A location shared near a county seat gives the tip its county when the
// text names no place, and keeps it for the tip's later messages; a place
// the text names wins.
func TestSharedLocationGivesTheCounty(t *testing.T) {
	db := openDB(t)
	send := func(key string, lat, lon float64, c hotline.Classification, at time.Time) hotline.Receipt {
		t.Helper()
		kind := hotline.KindText
		if lat != 0 {
			kind = hotline.KindLocation
		}
		rc, err := db.ReceiveReporterMessage(context.Background(), hotline.InboundMessage{
			Channel: hotline.ChannelTelegram, Source: "telegram", DeliveryKey: key, Contact: "100000777", Kind: kind,
			Text: "ndihme", Latitude: lat, Longitude: lon, ReceivedAt: at,
		}, 15*time.Minute, func(hotline.TipContext) hotline.IntakeDecision { return hotline.IntakeDecision{Classification: c} })
		if err != nil {
			t.Fatal(err)
		}
		return rc
	}
	p1 := hotline.Classification{Level: hotline.LevelP1, DangerNow: true}
	if rc := send("1", 0, 0, p1, t0); rc.County != "" {
		t.Fatalf("no place, no location: county %q", rc.County)
	}
	if rc := send("2", 39.875, 20.005, p1, t0.Add(time.Minute)); rc.County != "" {
		t.Fatalf("a location far from any county seat gave %q", rc.County)
	}
	if rc := send("3", 42.07, 19.51, p1, t0.Add(2*time.Minute)); rc.County != "AL-10" {
		t.Fatalf("location in Shkodër: county %q, want AL-10", rc.County)
	}
	if rc := send("4", 0, 0, p1, t0.Add(3*time.Minute)); rc.County != "AL-10" {
		t.Fatalf("the next message lost the located county: %q", rc.County)
	}
	named := p1
	named.County = "AL-11"
	if rc := send("5", 0, 0, named, t0.Add(4*time.Minute)); rc.County != "AL-11" {
		t.Fatalf("a place the text names: county %q, want AL-11", rc.County)
	}
}
