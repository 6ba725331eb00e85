package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// MarkContactBroken records that responder id cannot be reached on ch any
// more (code: the channel's error code), so that alerts use their other
// contact method until they link Telegram again or an administrator
// imports a new number. The first time only (it returns true), it queues
// notices worded by notices: to the on-duty coordinator of the responder's
// county (the national desk for national roles, for a coordinator, or when
// none is on duty), and for an SMS opt-out (21610) to the responder by
// Telegram, saying how to opt back in.
func (db *DB) MarkContactBroken(ctx context.Context, id int64, ch hotline.Channel, code string, now time.Time, notices hotline.ContactNotices) (bool, error) {
	column := "phone_broken_at"
	if ch == hotline.ChannelTelegram {
		column = "telegram_broken_at"
	}
	newly := false
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE responders SET `+column+` = $2 WHERE id = $1 AND `+column+` IS NULL`, id, now)
		if err != nil {
			return fmt.Errorf("mark contact of responder %d broken: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		newly = true
		if err := audit(ctx, tx, now, "system", "contact_broken", 0, map[string]any{"responder": id, "channel": string(ch), "code": code}); err != nil {
			return err
		}
		if notices == nil {
			return nil
		}
		r, err := scanResponder(tx.QueryRow(ctx, `SELECT `+responderColumns+` FROM responders r WHERE r.id = $1`, id))
		if err != nil {
			return fmt.Errorf("responder %d: %w", id, err)
		}
		onDuty, err := onDutyAt(ctx, tx, now)
		if err != nil {
			return err
		}
		duty := OnDutyFunc(onDuty)
		var tell []hotline.Responder
		if !r.Role.National() && r.Role != hotline.RoleCoordinator {
			tell = duty(hotline.RoleCoordinator, r.County)
		}
		if len(tell) == 0 {
			tell = duty(hotline.RoleNationalDesk, "")
		}
		body := notices.ContactBroken(r, ch, code)
		for _, c := range tell {
			if c.ID == id {
				continue
			}
			if _, err := insertResponderMessage(ctx, tx, 0, hotline.OutboxConfirmation, c, responderChannel(c), body, nil, 1, 0, now); err != nil {
				return err
			}
		}
		if ch == hotline.ChannelSMS && code == "21610" && r.TelegramChatID != 0 {
			if _, err := insertResponderMessage(ctx, tx, 0, hotline.OutboxConfirmation, r, hotline.ChannelTelegram, notices.SMSOptedOut(r), nil, 1, 0, now); err != nil {
				return err
			}
		}
		return nil
	})
	return newly, err
}
