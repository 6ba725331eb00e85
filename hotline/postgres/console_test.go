package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
)

// matrixTip is a tip of the access matrix test.
type matrixTip struct {
	code, contact string
	county        string
	complicity    bool
}

// sees is the expected answer, written out independently of hotline.Access:
// who may list and open a tip.
func sees(role hotline.Role, county string, tip matrixTip) bool {
	switch role {
	case hotline.RoleNationalDesk:
		return true
	case hotline.RoleInternalControl:
		return tip.complicity
	case hotline.RoleOperator:
		return !tip.complicity
	}
	return !tip.complicity && tip.county == county
}

// works is the expected answer for acting on a tip (acknowledge, close,
// notes, relay to the reporter).
func works(role hotline.Role, county string, tip matrixTip) bool {
	return role != hotline.RoleOperator && sees(role, county, tip)
}

// assigns is the expected answer for assigning a case owner and for the
// supervisor actions (change level or county, merge, spam).
func assigns(role hotline.Role, county string, tip matrixTip) bool {
	switch role {
	case hotline.RoleCoordinator, hotline.RoleNationalDesk, hotline.RoleInternalControl:
		return sees(role, county, tip)
	}
	return false
}

// matrixRoster is a roster CSV with one responder of every county role in
// every county ("police AL-10") and one of each national role ("operator
// desk"), Telegram chat ids from chatBase+1.
func matrixRoster(chatBase int) string {
	countyRoles := []hotline.Role{hotline.RolePolice, hotline.RoleSocialWorker, hotline.RoleChildProtection, hotline.RoleBorderPolice, hotline.RoleCoordinator}
	var csv strings.Builder
	csv.WriteString("name,role,county,telegram_chat_id,phone,shift_start,shift_end\n")
	chat := chatBase
	for _, c := range hotline.Counties {
		for _, r := range countyRoles {
			chat++
			fmt.Fprintf(&csv, "%s %s,%s,%s,%d,,,\n", r, c.Code, r, c.Code, chat)
		}
	}
	for _, r := range []hotline.Role{hotline.RoleNationalDesk, hotline.RoleInternalControl, hotline.RoleOperator} {
		chat++
		fmt.Fprintf(&csv, "%s desk,%s,,%d,,,\n", r, r, chat)
	}
	return csv.String()
}

func relayErr(_ hotline.RelayResult, err error) error { return err }

func denied(err error) bool {
	return errors.Is(err, hotline.ErrNotFound) || errors.Is(err, hotline.ErrUnauthorized)
}

// TestAccessMatrix checks every role of every county against tips of every
// county (and official-complicity tips, and a tip of unknown county) for
// every tip action the console has, against real Postgres.
func TestAccessMatrix(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, matrixRoster(500000))
	responders, err := db.Responders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var deskID int64
	for _, r := range responders {
		if r.Role == hotline.RoleNationalDesk {
			deskID = r.ID
		}
	}

	var tips []matrixTip
	add := func(county string, complicity bool) {
		n := len(tips)
		contact := fmt.Sprintf("+35569%07d", 1000+n)
		c := hotline.Classification{Level: hotline.LevelP2, Intake: hotline.IntakeThirdParty, County: county}
		if complicity {
			c.Intake = hotline.IntakeOfficialComplicity
		}
		rc := receive(t, db, fmt.Sprintf("SMM%d", n), contact, "tip text", t0.Add(time.Duration(n)*time.Minute), c)
		tips = append(tips, matrixTip{code: rc.ReferenceCode, contact: contact, county: county, complicity: complicity})
	}
	for _, c := range hotline.Counties {
		add(c.Code, false)
	}
	add("AL-11", true)
	add("AL-10", true)
	add("", false)
	// Complicity that a witness threat outranked as intake: the flag decides.
	witness := hotline.Classification{Level: hotline.LevelP1, Intake: hotline.IntakeWitnessThreat, County: "AL-11", OfficialComplicity: true}
	rc := receive(t, db, "SMMW", "+355690009990", "tip text", t0.Add(30*time.Minute), witness)
	tips = append(tips, matrixTip{code: rc.ReferenceCode, contact: "+355690009990", county: "AL-11", complicity: true})

	now := t0.Add(time.Hour)
	for _, r := range responders {
		v := hotline.Viewer{ResponderID: r.ID, Name: r.Name, Role: r.Role, County: r.County}
		t.Run(r.Name, func(t *testing.T) {
			queue, err := db.Queue(ctx, v, postgres.QueueFilter{}, 1000)
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			var listed, want []string
			for _, q := range queue {
				listed = append(listed, q.ReferenceCode)
			}
			for _, tip := range tips {
				if sees(v.Role, v.County, tip) {
					want = append(want, tip.code)
				}
			}
			slices.Sort(listed)
			slices.Sort(want)
			if !slices.Equal(listed, want) {
				t.Errorf("list = %v, want %v", listed, want)
			}
			for _, tip := range tips {
				d, err := db.ConsoleTip(ctx, v, tip.code, now)
				if sees(v.Role, v.County, tip) != (err == nil) || err != nil && !denied(err) {
					t.Errorf("view %+v: err = %v", tip, err)
				}
				if strings.Contains(fmt.Sprintf("%+v", d), tip.contact) {
					t.Errorf("view %s shows the reporter's contact", tip.code)
				}
				checks := []struct {
					action string
					want   bool
					err    error
				}{
					{"acknowledge", works(v.Role, v.County, tip), db.ConsoleAcknowledge(ctx, v, tip.code, now)},
					{"note", works(v.Role, v.County, tip), db.AddNote(ctx, v, tip.code, "checked", now)},
					{"reference", works(v.Role, v.County, tip), db.RecordReference(ctx, v, tip.code, "TIMS-1", now)},
					{"assign", assigns(v.Role, v.County, tip), db.AssignOwner(ctx, v, tip.code, deskID, now)},
					// supervise: the same level again (checked, changes nothing); merge, spam and
					// moves go through the same scope check (superviseScope).
					{"change level", assigns(v.Role, v.County, tip), db.ConsoleChangeLevel(ctx, v, tip.code, hotline.LevelP2, now)},
					{"relay", works(v.Role, v.County, tip), relayErr(db.ConsoleRelay(ctx, v, fmt.Sprintf("%d-%s", r.ID, tip.code), tip.code, "Ku jeni?", now, time.Hour, nil))},
				}
				for _, c := range checks {
					if c.want != (c.err == nil) || c.err != nil && !denied(c.err) {
						t.Errorf("%s %+v: err = %v, want allowed %v", c.action, tip, c.err, c.want)
					}
				}
				if !works(v.Role, v.County, tip) {
					if _, err := db.ConsoleClose(ctx, v, tip.code, hotline.OutcomeNoAction, now); !denied(err) {
						t.Errorf("close %+v: err = %v, want refused", tip, err)
					}
				}
			}
		})
	}
	// Each tip is still open (nobody out of scope closed it); someone in scope can close it.
	for _, tip := range tips {
		for _, r := range responders {
			v := hotline.Viewer{ResponderID: r.ID, Name: r.Name, Role: r.Role, County: r.County}
			if !works(v.Role, v.County, tip) || r.Role == hotline.RoleNationalDesk {
				continue
			}
			res, err := db.ConsoleClose(ctx, v, tip.code, hotline.OutcomeReferred, now)
			if err != nil || !res.Closed {
				t.Errorf("close %s by %s = %+v, %v; want closed", tip.code, r.Name, res, err)
			}
			break
		}
	}
}

func TestQueueFilters(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	importRoster(t, db, roster)
	shkoder := receive(t, db, "F1", "+355690002001", "a", t0, hotline.Classification{Level: hotline.LevelP2, County: "AL-10",
		Municipality: "Pukë", Intake: hotline.IntakeThirdParty, Exploitation: []string{"labour"}})
	child := receive(t, db, "F2", "+355690002002", "b", t0.Add(time.Minute), hotline.Classification{Level: hotline.LevelP1, County: "AL-10",
		Municipality: "Shkodër", Intake: hotline.IntakeSelfIdentification, Exploitation: []string{"sexual", "begging"}, Child: true})
	older := receive(t, db, "F3", "+355690002003", "c", t0.Add(-time.Hour), hotline.Classification{Level: hotline.LevelP2, County: "AL-11"})
	desk := hotline.Viewer{ResponderID: 1, Role: hotline.RoleNationalDesk}
	for _, tc := range []struct {
		name string
		f    postgres.QueueFilter
		want []string
	}{
		{"all: P1 first, then oldest first", postgres.QueueFilter{}, []string{child.ReferenceCode, older.ReferenceCode, shkoder.ReferenceCode}},
		{"county", postgres.QueueFilter{County: "AL-10"}, []string{child.ReferenceCode, shkoder.ReferenceCode}},
		{"municipality", postgres.QueueFilter{Municipality: "Pukë"}, []string{shkoder.ReferenceCode}},
		{"intake", postgres.QueueFilter{Intake: hotline.IntakeSelfIdentification}, []string{child.ReferenceCode}},
		{"exploitation", postgres.QueueFilter{Exploitation: "begging"}, []string{child.ReferenceCode}},
		{"child", postgres.QueueFilter{Child: "yes"}, []string{child.ReferenceCode}},
		{"no child", postgres.QueueFilter{Child: "no", Level: "P2"}, []string{older.ReferenceCode, shkoder.ReferenceCode}},
	} {
		got, err := db.Queue(ctx, desk, tc.f, 100)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, q := range got {
			codes = append(codes, q.ReferenceCode)
		}
		if !slices.Equal(codes, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, codes, tc.want)
		}
	}
	if _, err := db.Queue(ctx, hotline.Viewer{Role: hotline.RolePolice}, postgres.QueueFilter{}, 10); !errors.Is(err, hotline.ErrUnauthorized) {
		t.Errorf("police without county: %v, want ErrUnauthorized", err)
	}
}
