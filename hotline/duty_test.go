package hotline

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func localDate(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, Tirane) }

// Europe/Tirane: summer time ends 2026-10-25 03:00 CEST → 02:00 CET and
// starts 2027-03-28 02:00 CET → 03:00 CEST.
func TestRotationMemberAtAcrossDST(t *testing.T) {
	monday8 := Rotation{FirstHandover: localDate(2026, 10, 19), HandoverMinute: 8 * 60, Members: []int64{1, 2, 3}}
	sunday230 := Rotation{FirstHandover: localDate(2027, 3, 21), HandoverMinute: 2*60 + 30, Members: []int64{1, 2}}
	tests := []struct {
		name string
		rot  Rotation
		at   string
		want int64 // 0 = nobody
	}{
		{"before the first handover", monday8, "2026-10-19T05:59:59Z", 0},
		{"first handover (08:00 CEST = 06:00Z)", monday8, "2026-10-19T06:00:00Z", 1},
		{"a week later, 07:30 CET: 7×24 h passed but not yet 08:00 local", monday8, "2026-10-26T06:30:00Z", 1},
		{"second handover at 08:00 CET = 07:00Z", monday8, "2026-10-26T07:00:00Z", 2},
		{"third week", monday8, "2026-11-02T07:00:00Z", 3},
		{"round again", monday8, "2026-11-09T07:00:00Z", 1},
		{"one second before a winter handover", monday8, "2026-11-16T06:59:59Z", 1},
		{"23 weeks later, after spring forward: 08:00 CEST = 06:00Z", monday8, "2027-03-29T06:00:00Z", 3},
		{"just before that", monday8, "2027-03-29T05:59:59Z", 2},
		{"handover in the spring-forward gap moves to 03:30 CEST", sunday230, "2027-03-28T01:29:59Z", 1},
		{"gap handover done at 03:30 CEST = 01:30Z", sunday230, "2027-03-28T01:30:00Z", 2},
		{"the week before, 02:30 CET = 01:30Z", sunday230, "2027-03-21T01:30:00Z", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.rot.MemberAt(utc(tt.at))
			if !ok {
				got = 0
			}
			if got != tt.want {
				t.Errorf("MemberAt(%s) = %d, want %d", tt.at, got, tt.want)
			}
		})
	}
}

func TestRotationHandoversKeepLocalTime(t *testing.T) {
	r := Rotation{FirstHandover: localDate(2026, 3, 2), HandoverMinute: 20*60 + 15, Members: []int64{7}}
	for k := 0; k < 60; k++ {
		h := r.Handover(k).In(Tirane)
		if h.Weekday() != time.Monday || h.Hour() != 20 || h.Minute() != 15 {
			t.Fatalf("handover %d = %s, want Monday 20:15 local", k, h)
		}
		if got, _ := r.Turn(h); got != k {
			t.Fatalf("Turn(handover %d) = %d", k, got)
		}
		if got, _ := r.Turn(h.Add(-time.Second)); k > 0 && got != k-1 {
			t.Fatalf("Turn(1 s before handover %d) = %d", k, got)
		}
	}
}

func TestParseHandover(t *testing.T) {
	tests := []struct {
		in     string
		day    time.Weekday
		minute int
		ok     bool
	}{
		{"mon 08:00", time.Monday, 480, true},
		{"Sunday 20:30", time.Sunday, 1230, true},
		{"  SAT   00:00 ", time.Saturday, 0, true},
		{"fri 23:59", time.Friday, 1439, true},
		{"fri 24:00", 0, 0, false},
		{"fri 8:00", 0, 0, false},
		{"holiday 08:00", 0, 0, false},
		{"mon", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tt := range tests {
		day, minute, err := ParseHandover(tt.in)
		if (err == nil) != tt.ok || (tt.ok && (day != tt.day || minute != tt.minute)) {
			t.Errorf("ParseHandover(%q) = %v, %d, %v", tt.in, day, minute, err)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseHandover(%q) error %v is not ErrInvalid", tt.in, err)
		}
	}
}

func TestFirstHandoverOnOrAfter(t *testing.T) {
	// 2026-12-06 23:30Z is already Monday 2026-12-07 00:30 in Tirane.
	got := FirstHandoverOnOrAfter(utc("2026-12-06T23:30:00Z"), time.Monday)
	if want := localDate(2026, 12, 7); !got.Equal(want) {
		t.Errorf("got %s, want %s", got, want)
	}
	got = FirstHandoverOnOrAfter(utc("2026-12-08T10:00:00Z"), time.Monday)
	if want := localDate(2026, 12, 14); !got.Equal(want) {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestDutyRosterOnDutyAt(t *testing.T) {
	arben := Responder{ID: 1, Name: "Arben", Role: RolePolice, County: "AL-10", Active: true}
	besnik := Responder{ID: 2, Name: "Besnik", Role: RolePolice, County: "AL-10", Active: true}
	drita := Responder{ID: 3, Name: "Drita", Role: RoleSocialWorker, County: "AL-10", Active: true}
	vera := Responder{ID: 4, Name: "Vera", Role: RoleNationalDesk, Active: true}
	gone := Responder{ID: 5, Name: "Gone", Role: RolePolice, County: "AL-10", Active: false}
	ilir := Responder{ID: 6, Name: "Ilir", Role: RolePolice, County: "AL-10", Active: true}
	rot := Rotation{FirstHandover: localDate(2026, 11, 30), HandoverMinute: 8 * 60, Members: []int64{1, 2, 5}}
	base := DutyRoster{
		Responders:   []Responder{arben, besnik, drita, vera, gone, ilir},
		AlwaysOnDuty: map[int64]bool{1: true, 2: true, 4: true, 5: true}, // rotation members are not "always"
		Shifts:       map[int64][]Shift{3: {{Start: utc("2026-12-01T07:00:00Z"), End: utc("2026-12-01T15:00:00Z")}}},
		Rotations:    []Rotation{rot},
	}
	withOverrides := base
	withOverrides.Overrides = []Override{
		{CoveringID: 6, CoveredID: 1, Start: utc("2026-12-02T00:00:00Z"), End: utc("2026-12-03T00:00:00Z")},
		{CoveringID: 2, CoveredID: 3, Start: utc("2026-12-01T00:00:00Z"), End: utc("2026-12-01T08:00:00Z")}, // (different role: the store refuses; here it applies)
		{CoveringID: 6, CoveredID: 4, Start: utc("2026-12-05T00:00:00Z"), End: utc("2026-12-06T00:00:00Z")},
		{CoveringID: 5, CoveredID: 2, Start: utc("2026-12-07T07:00:00Z"), End: utc("2026-12-14T07:00:00Z")}, // covering is inactive
	}
	ids := func(rs []Responder) []int64 {
		out := []int64{}
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	tests := []struct {
		name   string
		roster DutyRoster
		at     string
		want   []int64
	}{
		{"before the rotation starts only the desk", base, "2026-11-30T06:59:00Z", []int64{4}},
		{"Arben's week, Drita's shift", base, "2026-12-01T09:00:00Z", []int64{4, 1, 3}},
		{"Besnik's week", base, "2026-12-07T07:00:00Z", []int64{4, 2}},
		{"inactive member's week: nobody of the rotation", base, "2026-12-14T07:00:00Z", []int64{4}},
		{"Ilir covers Arben", withOverrides, "2026-12-02T10:00:00Z", []int64{4, 6}},
		{"override of someone off duty does nothing", withOverrides, "2026-12-01T06:30:00Z", []int64{4, 1}},
		{"override of a social worker on shift", withOverrides, "2026-12-01T07:30:00Z", []int64{4, 1, 2}},
		{"override ends", withOverrides, "2026-12-03T00:00:00Z", []int64{4, 1}},
		{"national desk covered", withOverrides, "2026-12-05T10:00:00Z", []int64{1, 6}},
		{"an inactive cover leaves the covered on duty", withOverrides, "2026-12-08T10:00:00Z", []int64{4, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(tt.roster.OnDutyAt(utc(tt.at))); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("on duty at %s = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}
