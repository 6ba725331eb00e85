package bot

import (
	"context"
	"fmt"

	"github.com/hotline-al/hotline/hotline"
)

// discreet is the discreet-SMS rule for a responder's message text: it may
// go to a reporter on channel unless DISCREET_SMS is on, the channel is SMS,
// the text names trafficking and the reporter never did (reporterText is
// everything they wrote).
func (s *Service) discreet(text string) func(channel, reporterText string) bool {
	return func(channel, reporterText string) bool {
		return !s.DiscreetSMS || channel != string(hotline.ChannelSMS) || !sensitive(text) || sensitive(reporterText)
	}
}

// RelayFromConsole relays text from a console viewer to the reporter of the
// tip with this code through the same relay path as a responder's /reply
// (reply window, discreet SMS, STOP/DELETE), once per key, then nudges the
// sender. The result says whether the message was sent, held, withheld or
// cannot be sent. Errors wrap hotline.ErrInvalid, hotline.ErrNotFound (out
// of the viewer's reach) or hotline.ErrUnauthorized.
func (s *Service) RelayFromConsole(ctx context.Context, v hotline.Viewer, key, code, text string) (hotline.RelayResult, error) {
	res, err := s.Store.ConsoleRelay(ctx, v, key, code, text, s.Now(), s.ConversationWindow, s.discreet(text))
	if err != nil {
		return res, fmt.Errorf("console relay by responder %d: %w", v.ResponderID, err)
	}
	s.Log.Info("relayed to reporter from the console", "tip", code, "responder", v.ResponderID,
		"held", res.Held, "unreachable", res.Unreachable, "withheld", res.Withheld)
	s.wake()
	return res, nil
}
