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
// chat with the bot), so no reporter talks with a crowd. Otherwise as
// FromResponder.
func (s *Service) FromResponderGroup(ctx context.Context, source, key string, r hotline.Responder, ch hotline.Channel, cmd Command) error {
	if cmd.Action != ActionReply {
		return s.FromResponder(ctx, source, key, r, ch, cmd)
	}
	body := s.Catalogue.Text("sq", "relay_in_group", map[string]any{"Code": cmd.Code})
	if err := s.Store.TellResponder(ctx, source, key, r, ch, 0, body, s.Now()); err != nil {
		return fmt.Errorf("refuse a reply from the group of responder %d: %w", r.ID, err)
	}
	s.Log.Info("reply from a group chat refused", "tip", cmd.Code, "responder", r.ID)
	s.wake()
	return nil
}
