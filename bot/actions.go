package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/triage"
)

// Callback data of the choices that follow a "close:" or "move:" button:
// "close_<outcome>:CODE" ("close_referred:K7Q-4MP") and
// "move_<county ISO code>:CODE" ("move_AL-05:K7Q-4MP"); at most 26 bytes.
func parseChoiceCallback(action, code string) (Command, bool) {
	if o, ok := strings.CutPrefix(action, ActionClose+"_"); ok {
		if outcome, err := hotline.ParseOutcome(o); err == nil {
			return Command{Action: ActionClose, Code: code, Outcome: outcome}, true
		}
	}
	if c, ok := strings.CutPrefix(action, ActionReassign+"_"); ok {
		if county, err := hotline.CountyByCode(c); err == nil {
			return Command{Action: ActionReassign, Code: code, County: county.Code}, true
		}
	}
	return Command{}, false
}

// parseOutcomeWord reads an outcome written by a responder: referred,
// no_action, duplicate, false_report (any case; "-" or a space for "_");
// "" when s names none.
func parseOutcomeWord(s string) hotline.Outcome {
	w := strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
	if o, err := hotline.ParseOutcome(w); err == nil {
		return o
	}
	return ""
}

// parseCountyWords reads a county in any spelling GLOSSARY.md lists, or an
// ISO code; "" when s names none.
func parseCountyWords(s string) string {
	if c, err := hotline.ParseCounty(strings.TrimSpace(s)); err == nil {
		return c.Code
	}
	return ""
}

// act carries out close and reassign for responder r (cmd.Action is
// ActionClose or ActionReassign): without an outcome or county it asks for
// one (buttons on Telegram, the syntax by SMS); late or repeated actions
// change nothing and are answered politely.
func (s *Service) act(ctx context.Context, source, key string, r hotline.Responder, ch hotline.Channel, cmd Command) error {
	now := s.Now()
	if cmd.Action == ActionClose && cmd.Outcome == "" || cmd.Action == ActionReassign && cmd.County == "" {
		body, buttons := s.askChoice(cmd, ch)
		if err := s.Roster.AskResponder(ctx, source, key, r, ch, body, buttons, now); err != nil {
			return fmt.Errorf("ask responder %d: %w", r.ID, err)
		}
		s.wake()
		return nil
	}
	var res hotline.ActionResult
	var err error
	if cmd.Action == ActionClose {
		res, err = s.Roster.ResponderCloseTip(ctx, r, cmd.Code, cmd.Outcome, now)
	} else {
		res, err = s.Roster.ReassignTip(ctx, r, cmd.Code, cmd.County, now)
	}
	data := map[string]any{"Code": cmd.Code, "Outcome": s.outcomeName(cmd.Outcome), "Place": s.countyLabel(cmd.County)}
	var id string
	switch {
	case errors.Is(err, hotline.ErrNotFound):
		id = "ack_unknown"
	case errors.Is(err, hotline.ErrUnauthorized):
		id = "action_not_yours"
	case err != nil:
		return fmt.Errorf("responder %d %s %s: %w", r.ID, cmd.Action, cmd.Code, err)
	case res.Done && cmd.Action == ActionClose:
		id = "close_done"
		s.Log.Info("tip closed by responder", "tip", cmd.Code, "responder", r.ID, "outcome", cmd.Outcome)
	case res.Done:
		id = "move_done"
		s.Log.Info("tip reassigned by responder", "tip", cmd.Code, "responder", r.ID, "county", cmd.County)
		if err := s.Queue.Enqueue(ctx, triage.QueueEntry{TipID: res.TipID, Level: res.Level, County: res.County}); err != nil {
			s.Log.Warn("enqueue failed; the sweeper will retry", "tip", cmd.Code, "err", err)
		}
	case !res.Status.Active():
		id = "action_tip_inactive"
		data["Status"] = s.Catalogue.Text("sq", "tip_status_"+string(res.Status), nil)
	default:
		id = "move_already"
	}
	if err := s.Store.TellResponder(ctx, source, key, r, ch, res.TipID, s.Catalogue.Text("sq", id, data), now); err != nil {
		return fmt.Errorf("answer responder %d: %w", r.ID, err)
	}
	s.wake()
	return nil
}

// askChoice words the question that follows a "close" or "move" without
// its outcome or county.
func (s *Service) askChoice(cmd Command, ch hotline.Channel) (string, []hotline.Button) {
	var buttons []hotline.Button
	if cmd.Action == ActionClose {
		var names []string
		for _, o := range hotline.Outcomes {
			names = append(names, string(o))
			buttons = append(buttons, hotline.Button{Text: s.outcomeName(o), Data: ActionClose + "_" + string(o) + ":" + cmd.Code})
		}
		if ch != hotline.ChannelTelegram {
			return s.Catalogue.Text("sq", "close_ask_sms", map[string]any{"Code": cmd.Code, "Outcomes": strings.Join(names, " | ")}), nil
		}
		return s.Catalogue.Text("sq", "close_ask", map[string]any{"Code": cmd.Code}), buttons
	}
	if ch != hotline.ChannelTelegram {
		return s.Catalogue.Text("sq", "move_ask_sms", map[string]any{"Code": cmd.Code}), nil
	}
	for _, c := range hotline.Counties {
		buttons = append(buttons, hotline.Button{Text: c.Name, Data: ActionReassign + "_" + c.Code + ":" + cmd.Code})
	}
	return s.Catalogue.Text("sq", "move_ask", map[string]any{"Code": cmd.Code}), buttons
}

func (s *Service) outcomeName(o hotline.Outcome) string {
	if o == "" {
		return ""
	}
	return s.Catalogue.Text("sq", "outcome_"+string(o), nil)
}
