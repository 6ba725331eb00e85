package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// RosterStore is what the duty roster's responder commands and the
// responder actions close and reassign need (implemented by hotline/postgres).
type RosterStore interface {
	ResponderCloseTip(ctx context.Context, r hotline.Responder, code string, outcome hotline.Outcome, now time.Time) (hotline.ActionResult, error)
	ReassignTip(ctx context.Context, r hotline.Responder, code, county string, now time.Time) (hotline.ActionResult, error)
	AskResponder(ctx context.Context, source, key string, r hotline.Responder, ch hotline.Channel, body string, buttons []hotline.Button, now time.Time) error
	LinkTelegramChat(ctx context.Context, source, key, code string, chatID int64, now time.Time, welcome func(hotline.Responder) string) (hotline.LinkResult, error)
	MigrateTelegramChat(ctx context.Context, from, to int64, now time.Time) (int, error)
	OnDutyAt(ctx context.Context, t time.Time) ([]hotline.Responder, error)
	AcknowledgedOpenTips(ctx context.Context, responderID int64) ([]hotline.AcknowledgedTip, error)
	ClaimPhone(ctx context.Context, source, key string, r hotline.Responder, ch hotline.Channel, phone, code, sms, answer string, now time.Time) error
	VerifyPhone(ctx context.Context, source, key string, r hotline.Responder, ch hotline.Channel, code string, now time.Time,
		answer func(hotline.PhoneVerification) string) (hotline.PhoneVerification, error)
	PhoneState(ctx context.Context, r hotline.Responder) (current, pending string, err error)
}

// LinkCodeOfStart returns the link code of a Telegram "/start r_CODE" (or
// "/start@bot r_CODE" in a group); false for any other text.
func LinkCodeOfStart(text string) (string, bool) {
	f := strings.Fields(text)
	if len(f) != 2 || (f[0] != "/start" && !strings.HasPrefix(f[0], "/start@")) {
		return "", false
	}
	return hotline.LinkCodeFromStart(f[1])
}

// LinkTelegram links Telegram chat chatID to the responder of a one-time
// link code (delivery source, key), and queues a welcome to it. An invalid,
// used or expired code links nothing (Linked false): the caller answers with
// InvalidLinkText.
func (s *Service) LinkTelegram(ctx context.Context, source, key, code string, chatID int64) (hotline.LinkResult, error) {
	res, err := s.Roster.LinkTelegramChat(ctx, source, key, code, chatID, s.Now(), func(r hotline.Responder) string {
		return s.Catalogue.Text("sq", "link_welcome", map[string]any{"Name": r.Name, "Role": s.roleName(r.Role), "Place": s.countyLabel(r.County)})
	})
	if err != nil {
		return res, fmt.Errorf("link telegram chat: %w", err)
	}
	if res.Linked {
		s.Log.Info("telegram chat linked", "responder", res.Responder.ID, "group", chatID < 0)
		s.wake()
	} else if !res.Duplicate {
		s.Log.Warn("telegram link code refused", "group", chatID < 0)
	}
	return res, nil
}

// InvalidLinkText is the answer to a link code that is wrong, used or expired.
func (s *Service) InvalidLinkText() string { return s.Catalogue.Text("sq", "link_invalid", nil) }

// MigrateTelegramChat moves the responders linked to a group to the
// supergroup it became (Telegram's migrate_to_chat_id). Idempotent.
func (s *Service) MigrateTelegramChat(ctx context.Context, from, to int64) error {
	n, err := s.Roster.MigrateTelegramChat(ctx, from, to, s.Now())
	if err != nil {
		return fmt.Errorf("migrate telegram chat: %w", err)
	}
	if n > 0 {
		s.Log.Info("telegram group became a supergroup; links moved", "responders", n)
	}
	return nil
}

// rosterAnswer words the answer to /duty or /mytips for responder r.
func (s *Service) rosterAnswer(ctx context.Context, r hotline.Responder, action string) (string, error) {
	if action == ActionMyTips {
		tips, err := s.Roster.AcknowledgedOpenTips(ctx, r.ID)
		if err != nil {
			return "", err
		}
		if len(tips) == 0 {
			return s.Catalogue.Text("sq", "mytips_none", nil), nil
		}
		lines := []string{s.Catalogue.Text("sq", "mytips_title", nil)}
		for _, t := range tips {
			place := s.countyLabel(t.County)
			if t.Municipality != "" {
				place = t.Municipality + ", " + place
			}
			lines = append(lines, s.Catalogue.Text("sq", "mytips_line", map[string]any{"Code": t.ReferenceCode, "Level": t.Level,
				"Place": place, "At": t.AcknowledgedAt.In(hotline.Tirane).Format("02.01 15:04")}))
		}
		return strings.Join(lines, "\n"), nil
	}
	onDuty, err := s.Roster.OnDutyAt(ctx, s.Now())
	if err != nil {
		return "", err
	}
	// County responders see their county's roles and the national desk;
	// national responders see the national roles.
	var roles []hotline.Role
	for _, role := range hotline.Roles {
		if r.County == "" && !role.National() {
			continue
		}
		if r.County != "" && role.National() && role != hotline.RoleNationalDesk {
			continue
		}
		roles = append(roles, role)
	}
	lines := []string{s.Catalogue.Text("sq", "duty_title", map[string]any{"Place": s.countyLabel(r.County)})}
	for _, role := range roles {
		var names []string
		for _, o := range onDuty {
			if o.Role == role && (role.National() || o.County == r.County) {
				names = append(names, o.Name)
			}
		}
		if len(names) == 0 {
			if role != hotline.RolePolice && role != hotline.RoleSocialWorker && role != hotline.RoleCoordinator && role != hotline.RoleNationalDesk {
				continue // optional roles are listed only when someone holds them
			}
			names = []string{s.Catalogue.Text("sq", "duty_nobody", nil)}
		}
		lines = append(lines, s.Catalogue.Text("sq", "duty_line", map[string]any{"Role": s.roleName(role), "Names": strings.Join(names, ", ")}))
	}
	return strings.Join(lines, "\n"), nil
}

func (s *Service) roleName(role hotline.Role) string {
	return s.Catalogue.Text("sq", "role_"+string(role), nil)
}

// countyLabel names a county in Albanian, or the whole country for "".
func (s *Service) countyLabel(county string) string {
	if county == "" {
		return s.Catalogue.Text("sq", "whole_country", nil)
	}
	if c, err := hotline.CountyByCode(county); err == nil {
		return c.Name
	}
	return county
}
