package bot

import (
	"strings"

	"github.com/hotline-al/hotline/hotline"
)

// Composer words alerts and escalations for responders from the catalogue.
// It implements hotline.Composer. Alerts never carry reporter contact: they
// are built only from a hotline.TipSummary.
type Composer struct {
	Catalogue *Catalogue
}

var _ hotline.Composer = Composer{}

func (c Composer) place(cl hotline.Classification) string {
	if cl.County == "" {
		return c.Catalogue.Text("sq", "county_unknown", nil)
	}
	p := hotline.CountyName(cl.County)
	if cl.Municipality != "" && cl.Municipality != p {
		p += " (" + cl.Municipality + ")"
	}
	return p
}

func (c Composer) details(t hotline.TipSummary) string {
	cl := t.Classification
	parts := []string{cl.Intake}
	if cl.DangerNow {
		parts = append(parts, c.Catalogue.Text("sq", "danger_now", nil))
	}
	if cl.Child {
		parts = append(parts, c.Catalogue.Text("sq", "child", nil))
	}
	if len(cl.Exploitation) > 0 {
		parts = append(parts, strings.Join(cl.Exploitation, ", "))
	}
	if cl.BorderCrossing != "" {
		parts = append(parts, cl.BorderCrossing)
	}
	parts = append(parts, string(t.Channel))
	return strings.Join(parts, " · ")
}

func (c Composer) buttons(code string) []hotline.Button {
	return []hotline.Button{
		{Text: c.Catalogue.Text("sq", "button_ack", nil), Data: "ack:" + code},
		{Text: c.Catalogue.Text("sq", "button_escalate", nil), Data: "esc:" + code},
		{Text: c.Catalogue.Text("sq", "button_close", nil), Data: ActionClose + ":" + code},
		{Text: c.Catalogue.Text("sq", "button_move", nil), Data: ActionReassign + ":" + code},
	}
}

func (c Composer) text(t hotline.TipSummary) string {
	if strings.TrimSpace(t.Text) == "" {
		return c.Catalogue.Text("sq", "no_media_text", map[string]any{"Kinds": "media"})
	}
	return t.Text
}

// Alert implements hotline.Composer: title (level, place, code), details
// (intake, danger, child, forms, crossing, channel), then the tip's text.
func (c Composer) Alert(t hotline.TipSummary, r hotline.Responder, ch hotline.Channel, standsInFor hotline.Role) (string, []hotline.Button) {
	lines := []string{
		c.Catalogue.Text("sq", "alert_title", map[string]any{"Level": t.Classification.Level, "Place": c.place(t.Classification), "Code": t.ReferenceCode}),
		c.details(t),
	}
	if standsInFor != "" {
		lines = append(lines, c.Catalogue.Text("sq", "stands_in_for", map[string]any{"Role": c.Catalogue.Text("sq", "role_"+string(standsInFor), nil)}))
	}
	lines = append(lines, "", c.text(t))
	return strings.Join(lines, "\n"), c.buttons(t.ReferenceCode)
}

// Escalation implements hotline.Composer: like Alert, titled with the step
// and naming who did not acknowledge.
func (c Composer) Escalation(t hotline.TipSummary, r hotline.Responder, ch hotline.Channel, step int, notAcknowledgedBy []string) (string, []hotline.Button) {
	lines := []string{
		c.Catalogue.Text("sq", "escalation_title", map[string]any{"Step": step, "Level": t.Classification.Level, "Place": c.place(t.Classification), "Code": t.ReferenceCode}),
		c.details(t),
	}
	if len(notAcknowledgedBy) > 0 {
		lines = append(lines, c.Catalogue.Text("sq", "not_acknowledged_by", map[string]any{"Names": strings.Join(notAcknowledgedBy, ", ")}))
	}
	lines = append(lines, "", c.text(t))
	return strings.Join(lines, "\n"), c.buttons(t.ReferenceCode)
}

// SMSActionHint is the line an SMS alert ends with, telling how to
// acknowledge by reply, since SMS has no buttons.
func (c Composer) SMSActionHint(code string) string {
	return c.Catalogue.Text("sq", "sms_ack_hint", map[string]any{"Code": code})
}
