package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/hotline-al/hotline/hotline"
)

// phone carries out "/phone [number]" and "/verify CODE" of responder r, in
// a private Telegram chat only: a number a responder adds themselves is used
// for alerts once the code sent to it by SMS comes back (see
// hotline/postgres DB.ClaimPhone and DB.VerifyPhone). The number is never
// logged.
func (s *Service) phone(ctx context.Context, source, key string, r hotline.Responder, ch hotline.Channel, cmd Command) error {
	now := s.Now()
	tell := func(id string, data map[string]any) error {
		return s.Store.TellResponder(ctx, source, key, r, ch, 0, s.Catalogue.Text("sq", id, data), now)
	}
	if ch != hotline.ChannelTelegram {
		return tell("responder_help", nil)
	}
	if cmd.Action == ActionVerify {
		res, err := s.Roster.VerifyPhone(ctx, source, key, r, ch, cmd.Argument, now, func(res hotline.PhoneVerification) string {
			data := map[string]any{"Phone": hotline.MaskPhone(res.Phone), "Left": res.AttemptsLeft}
			switch {
			case res.Verified:
				return s.Catalogue.Text("sq", "phone_verified", data)
			case res.Wrong:
				return s.Catalogue.Text("sq", "phone_wrong", data)
			case res.Expired:
				return s.Catalogue.Text("sq", "phone_expired", data)
			}
			return s.Catalogue.Text("sq", "phone_no_claim", data)
		})
		if err != nil {
			return fmt.Errorf("verify phone of responder %d: %w", r.ID, err)
		}
		s.Log.Info("phone verification", "responder", r.ID, "verified", res.Verified, "wrong", res.Wrong, "expired", res.Expired)
		return nil
	}
	if cmd.Argument == "" {
		current, pending, err := s.Roster.PhoneState(ctx, r)
		if err != nil {
			return fmt.Errorf("phone of responder %d: %w", r.ID, err)
		}
		data := map[string]any{"Current": s.Catalogue.Text("sq", "phone_none", nil), "Pending": ""}
		if current != "" {
			data["Current"] = hotline.MaskPhone(current)
		}
		if pending != "" {
			data["Pending"] = hotline.MaskPhone(pending)
		}
		return tell("phone_state", data)
	}
	number, err := hotline.ParseOwnPhone(cmd.Argument)
	if err != nil {
		return tell("phone_invalid", nil)
	}
	code, err := hotline.NewPhoneCode(nil)
	if err != nil {
		return err
	}
	masked := map[string]any{"Phone": hotline.MaskPhone(number)}
	err = s.Roster.ClaimPhone(ctx, source, key, r, ch, number,
		code, s.Catalogue.Text("sq", "phone_code_sms", map[string]any{"Code": code}),
		s.Catalogue.Text("sq", "phone_code_sent", masked), now)
	switch {
	case errors.Is(err, hotline.ErrConflict):
		return tell("phone_taken", masked)
	case errors.Is(err, hotline.ErrInvalid):
		return tell("phone_same", masked)
	case err != nil:
		return fmt.Errorf("claim phone of responder %d: %w", r.ID, err)
	}
	s.Log.Info("phone code sent for verification", "responder", r.ID)
	return nil
}
