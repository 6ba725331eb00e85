package telegram

import (
	"context"
	"encoding/json"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/hotline-al/hotline/bot"
	"github.com/hotline-al/hotline/hotline"
)

// reporterButton turns a member of the public's press on one of the bot's
// inline buttons (menu, yes/no, county) into a message of the
// conversation: kind bot.KindButton, text the button's data. Presses in
// group chats are kept without a tip.
func (a *Adapter) reporterButton(ctx context.Context, key string, cq *tgbotapi.CallbackQuery) error {
	if cq.Message == nil || cq.Message.Chat == nil || !cq.Message.Chat.IsPrivate() || len(cq.Data) > 64 {
		return a.Store.KeepUnplaced(ctx, Source, key, hotline.ChannelTelegram, "callback_query", nil, a.Service.Now())
	}
	in := hotline.InboundMessage{
		Channel:     hotline.ChannelTelegram,
		Source:      Source,
		DeliveryKey: key,
		Contact:     strconv.FormatInt(cq.Message.Chat.ID, 10),
		Kind:        bot.KindButton,
		Text:        cq.Data,
		ReceivedAt:  a.Service.Now(),
	}
	if cq.From != nil {
		in.LanguageHint = cq.From.LanguageCode
	}
	_, err := a.Service.FromPublic(ctx, in)
	return err
}

// replyTarget returns the reference code of the tip a responder's message
// answers when it is a reply to a message the bot sent them (an alert, a
// "new information" note); "" otherwise. Replies to other messages do not count.
func (a *Adapter) replyTarget(ctx context.Context, r hotline.Responder, m *tgbotapi.Message) string {
	if m.ReplyToMessage == nil {
		return ""
	}
	code, err := a.Store.TipOfSentMessage(ctx, r.ID, strconv.Itoa(m.ReplyToMessage.MessageID))
	if err != nil {
		return ""
	}
	return code
}

// forwarded reports whether the update's message was forwarded from
// elsewhere (forward_origin, or the older forward_date): information, not
// the reporter's answer to a question.
func forwarded(raw []byte) bool {
	var u struct {
		Message *struct {
			ForwardOrigin json.RawMessage `json:"forward_origin"`
			ForwardDate   int64           `json:"forward_date"`
		} `json:"message"`
	}
	return json.Unmarshal(raw, &u) == nil && u.Message != nil && (len(u.Message.ForwardOrigin) > 0 || u.Message.ForwardDate != 0)
}
