package telegram

import (
	"context"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/hotline-al/hotline/bot"
	"github.com/hotline-al/hotline/hotline"
)

// roster handles the duty roster's updates: `/start r_CODE` (in a private
// chat or a group) links the chat to a responder; a group that became a
// supergroup (migrate_to_chat_id in the old group, migrate_from_chat_id in
// the new one) takes its links along. handled is false for other messages.
func (a *Adapter) roster(ctx context.Context, key string, m *tgbotapi.Message, raw []byte) (handled bool, err error) {
	from, to := int64(0), int64(0)
	switch {
	case m.MigrateToChatID != 0:
		from, to = m.Chat.ID, m.MigrateToChatID
	case m.MigrateFromChatID != 0:
		from, to = m.MigrateFromChatID, m.Chat.ID
	default:
		code, ok := bot.LinkCodeOfStart(m.Text)
		if !ok || a.Service.Roster == nil {
			return false, nil
		}
		res, err := a.Service.LinkTelegram(ctx, Source, key, code, m.Chat.ID)
		if err != nil {
			return true, err
		}
		if !res.Linked && !res.Duplicate {
			// Not through the outbox: the chat belongs to no responder. Best effort.
			if _, err := a.API.Send(ctx, Outgoing{ChatID: m.Chat.ID, Text: a.Service.InvalidLinkText()}); err != nil {
				a.Log.Warn("could not answer a refused link code", "err", err)
			}
		}
		return true, nil
	}
	if a.Service.Roster != nil {
		if err := a.Service.MigrateTelegramChat(ctx, from, to); err != nil {
			return true, err
		}
	}
	return true, a.Store.KeepUnplaced(ctx, Source, key, hotline.ChannelTelegram, "chat_migrated", raw, a.Service.Now())
}
