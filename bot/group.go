package bot

import (
	"context"
	"fmt"

	"github.com/hotline-al/hotline/hotline"
)

// FromResponderGroup carries out a command sent in a group chat linked to
// responder r (a county's duty group). A group is many people, not all
// known to the roster: its members may acknowledge, escalate, close,
// reassign and ask /duty or /mytips as r, but a reply to a reporter is
// refused there with an explanation (relay_in_group: write from your own
// chat with the bot), so no reporter talks with a crowd, and so are /phone
// and /verify (phone_only_private). Otherwise as FromResponder.
func (s *Service) FromResponderGroup(ctx context.Context, source, key string, r hotline.Responder, ch hotline.Channel, cmd Command) error {
	var body string
	switch cmd.Action {
	case ActionReply:
		body = s.Catalogue.Text("sq", "relay_in_group", map[string]any{"Code": cmd.Code})
	case ActionPhone, ActionVerify:
		// A group's phone is nobody's own: numbers are changed from a private chat.
		body = s.Catalogue.Text("sq", "phone_only_private", nil)
	default:
		return s.FromResponder(ctx, source, key, r, ch, cmd)
	}
	if err := s.Store.TellResponder(ctx, source, key, r, ch, 0, body, s.Now()); err != nil {
		return fmt.Errorf("refuse %s from the group of responder %d: %w", cmd.Action, r.ID, err)
	}
	s.Log.Info("command from a group chat refused", "action", cmd.Action, "tip", cmd.Code, "responder", r.ID)
	s.wake()
	return nil
}
