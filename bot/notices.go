package bot

import (
	"strings"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// ContactBroken implements hotline.ContactNotices.
func (c Composer) ContactBroken(r hotline.Responder, ch hotline.Channel, code string) string {
	place := c.Catalogue.Text("sq", "whole_country", nil)
	if county, err := hotline.CountyByCode(r.County); err == nil {
		place = county.Name
	}
	return c.Catalogue.Text("sq", "contact_broken", map[string]any{"Channel": c.Catalogue.Text("sq", "channel_"+string(ch), nil),
		"Name": r.Name, "Role": c.Catalogue.Text("sq", "role_"+string(r.Role), nil), "Place": place, "Code": code})
}

// SMSOptedOut implements hotline.ContactNotices.
func (c Composer) SMSOptedOut(hotline.Responder) string {
	return c.Catalogue.Text("sq", "sms_opted_out", nil)
}

// PossibleRepeat is the line that starts a message sent again after a
// sender died mid-send.
func (c Composer) PossibleRepeat() string { return c.Catalogue.Text("sq", "possible_repeat", nil) }

// WakeCall implements dispatch.Notices: the words of a wake-up call, with
// the reference code spelled out character by character (never the tip's text).
func (c Composer) WakeCall(t hotline.TipSummary) string {
	spelled := strings.Join(strings.Split(strings.ReplaceAll(t.ReferenceCode, "-", ""), ""), " ")
	return c.Catalogue.Text("sq", "wake_call", map[string]any{"Place": c.place(t.Classification), "Code": spelled})
}

// Reminder implements dispatch.Notices: a tip acknowledged hours ago is still
// not closed; the button asks for the outcome.
func (c Composer) Reminder(t hotline.TipSummary, hours int) (string, []hotline.Button) {
	return c.Catalogue.Text("sq", "reminder", map[string]any{"Code": t.ReferenceCode, "Level": t.Classification.Level,
			"Place": c.place(t.Classification), "Hours": hours}),
		[]hotline.Button{{Text: c.Catalogue.Text("sq", "button_close", nil), Data: ActionClose + ":" + t.ReferenceCode}}
}

// Silence implements dispatch.Notices.
func (c Composer) Silence(source string, silent bool, silence time.Duration) string {
	id := "silence_recovered"
	if silent {
		id = "silence_raised"
	}
	return c.Catalogue.Text("sq", id, map[string]any{"Channel": c.Catalogue.Text("sq", "source_"+source, nil), "Hours": silence.Hours()})
}

// Bundle implements dispatch.Notices.
func (c Composer) Bundle(titles []string) string {
	return c.Catalogue.Text("sq", "sms_bundle", map[string]any{"Count": len(titles), "Lines": strings.Join(titles, "\n")})
}

// Failing implements dispatch.Notices.
func (c Composer) Failing(component string, failing bool, after time.Duration) string {
	id := "failing_recovered"
	if failing {
		id = "failing_raised"
	}
	return c.Catalogue.Text("sq", id, map[string]any{"Component": c.Catalogue.Text("sq", "component_"+component, nil), "Minutes": int(after.Minutes())})
}

// Handover implements dispatch.Notices.
func (c Composer) Handover(t hotline.TipSummary, from []string) string {
	return c.Catalogue.Text("sq", "handover", map[string]any{"Code": t.ReferenceCode, "Level": t.Classification.Level,
		"Place": c.place(t.Classification), "Names": strings.Join(from, ", ")})
}
