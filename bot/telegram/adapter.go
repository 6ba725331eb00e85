package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/hotline-al/hotline/bot"
	"github.com/hotline-al/hotline/hotline"
)

// Source is the de-duplication source of Telegram updates (key: update_id).
const Source = "telegram"

// Store is what the adapter needs beyond bot.Service.
type Store interface {
	ResponderByTelegramChat(ctx context.Context, chatID int64) (hotline.Responder, error)
	// KeepUnplaced stores an update that carries no message for a tip (a
	// reaction, a chat member change, an undecodable update), sealed, so
	// that nothing is lost and its redelivery is recognised.
	KeepUnplaced(ctx context.Context, source, key string, channel hotline.Channel, kind string, raw []byte, at time.Time) error
	// TipOfSentMessage returns the code of the tip the bot's Telegram
	// message messageID to a responder was about (hotline.ErrNotFound otherwise).
	TipOfSentMessage(ctx context.Context, responderID int64, messageID string) (string, error)
}

// Adapter turns Telegram updates into calls of bot.Service and sends
// outbox items to Telegram chats.
type Adapter struct {
	API     API
	Service *bot.Service
	Store   Store
	Log     *slog.Logger
	// WebhookSecret is compared with X-Telegram-Bot-Api-Secret-Token in webhook mode.
	WebhookSecret string
	limits        sendLimits
	// Shared, when set, paces sends across processes (Redis); on a Redis
	// error a send falls back to this process's own pacing.
	Shared *SharedLimits
}

// HandleUpdate processes one raw update and returns nil once its effect is
// committed (or it was a repeat). An error means nothing was committed and
// the update must be offered again.
func (a *Adapter) HandleUpdate(ctx context.Context, raw []byte) error {
	var head struct {
		UpdateID *int64 `json:"update_id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.UpdateID == nil {
		a.Log.Warn("telegram update without update_id skipped", "bytes", len(raw))
		return nil
	}
	key := strconv.FormatInt(*head.UpdateID, 10)
	now := a.Service.Now()
	var u tgbotapi.Update
	if err := json.Unmarshal(raw, &u); err != nil {
		a.Log.Warn("telegram update not understood: kept and skipped", "update_id", key, "error_kind", fmt.Sprintf("%T", err))
		return a.Store.KeepUnplaced(ctx, Source, key, hotline.ChannelTelegram, hotline.KindUnknown, raw, now)
	}
	switch {
	case u.CallbackQuery != nil:
		return a.callback(ctx, key, u.CallbackQuery)
	case u.Message != nil:
		return a.message(ctx, key, u.Message, false, raw)
	case u.EditedMessage != nil:
		return a.message(ctx, key, u.EditedMessage, true, raw)
	}
	kind := "update"
	if u.MyChatMember != nil {
		kind = "my_chat_member"
	}
	a.Log.Info("telegram update kept without a tip", "update_id", key, "kind", kind)
	return a.Store.KeepUnplaced(ctx, Source, key, hotline.ChannelTelegram, kind, raw, now)
}

func (a *Adapter) callback(ctx context.Context, key string, cq *tgbotapi.CallbackQuery) error {
	chatID := cq.From.ID
	if cq.Message != nil && cq.Message.Chat != nil {
		chatID = cq.Message.Chat.ID
	}
	r, err := a.Store.ResponderByTelegramChat(ctx, chatID)
	if errors.Is(err, hotline.ErrNotFound) && chatID != cq.From.ID {
		r, err = a.Store.ResponderByTelegramChat(ctx, cq.From.ID)
	}
	if errors.Is(err, hotline.ErrNotFound) {
		if err := a.reporterButton(ctx, key, cq); err != nil {
			return err
		}
		a.answer(ctx, cq.ID, "")
		return nil
	}
	if err != nil {
		return err
	}
	cmd, ok := bot.ParseCallbackData(cq.Data)
	if !ok {
		cmd = bot.Command{Action: bot.ActionHelp}
	}
	act := a.Service.FromResponder
	if cq.Message != nil && cq.Message.Chat != nil && !cq.Message.Chat.IsPrivate() {
		act = a.Service.FromResponderGroup // no /reply from a group
	}
	if err := act(ctx, Source, key, r, hotline.ChannelTelegram, cmd); err != nil {
		return err
	}
	a.answer(ctx, cq.ID, cmd.Code)
	return nil
}

// answer stops the button's spinner; best effort (the confirmation itself
// goes through the outbox).
func (a *Adapter) answer(ctx context.Context, id, text string) {
	if err := a.API.AnswerCallback(ctx, id, text); err != nil {
		a.Log.Warn("answerCallbackQuery failed", "err", err)
	}
}

func (a *Adapter) message(ctx context.Context, key string, m *tgbotapi.Message, edited bool, raw []byte) error {
	if m.Chat == nil {
		return a.Store.KeepUnplaced(ctx, Source, key, hotline.ChannelTelegram, hotline.KindUnknown, raw, a.Service.Now())
	}
	if handled, err := a.roster(ctx, key, m, raw); handled {
		return err // linking a chat, or a group that became a supergroup
	}
	// Responders (and their county group chats) are known by chat id.
	r, err := a.Store.ResponderByTelegramChat(ctx, m.Chat.ID)
	switch {
	case err == nil:
		text := m.Text
		if strings.HasPrefix(text, "/start") {
			text = "" // linking a chat is the roster's business (issue 5); answer with help
		}
		cmd := bot.ParseResponderText(text)
		if code := a.replyTarget(ctx, r, m); code != "" && cmd.Action == bot.ActionHelp && strings.TrimSpace(m.Text) != "" {
			cmd = bot.Command{Action: bot.ActionReply, Code: code, Text: m.Text}
			if strings.EqualFold(strings.Trim(m.Text, " .!\n"), "ok") {
				cmd = bot.Command{Action: bot.ActionAcknowledge, Code: code} // "OK" to an alert acknowledges it; it is not for the reporter
			}
		}
		if !m.Chat.IsPrivate() {
			return a.Service.FromResponderGroup(ctx, Source, key, r, hotline.ChannelTelegram, cmd) // no /reply from a group
		}
		return a.Service.FromResponder(ctx, Source, key, r, hotline.ChannelTelegram, cmd)
	case !errors.Is(err, hotline.ErrNotFound):
		return err
	}
	if !m.Chat.IsPrivate() {
		// The bot was added to a group nobody linked: keep, do not open tips.
		return a.Store.KeepUnplaced(ctx, Source, key, hotline.ChannelTelegram, "group_message", raw, a.Service.Now())
	}
	in := hotline.InboundMessage{
		Channel:     hotline.ChannelTelegram,
		Source:      Source,
		DeliveryKey: key,
		Contact:     strconv.FormatInt(m.Chat.ID, 10),
		Raw:         raw,
		ReceivedAt:  a.Service.Now(),
	}
	if m.From != nil {
		in.LanguageHint = m.From.LanguageCode
	}
	in.Kind, in.Text, in.Media = describe(m)
	if strings.HasPrefix(in.Text, "/start") {
		// Deep-link payloads from the public are not information.
		in.Text = strings.TrimSpace(strings.TrimPrefix(in.Text, "/start"))
		if strings.HasPrefix(in.Text, "r_") {
			// A link code that a.roster did not accept (expired, used, mistyped):
			// not information for a tip.
			in.Text = ""
		}
	}
	if m.Location != nil {
		in.Latitude, in.Longitude = m.Location.Latitude, m.Location.Longitude
	}
	if edited {
		in.Kind = "edited_" + in.Kind
	} else if forwarded(raw) {
		in.Kind = "forwarded_" + in.Kind
	}
	_, err = a.Service.FromPublic(ctx, in)
	return err
}

// describe returns the kind, text (or caption) and attachments of a
// message: for a photo only the largest size is kept.
func describe(m *tgbotapi.Message) (string, string, []hotline.Media) {
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	switch {
	case len(m.Photo) > 0:
		best := m.Photo[0]
		for _, p := range m.Photo[1:] {
			if p.Width*p.Height > best.Width*best.Height {
				best = p
			}
		}
		return hotline.KindPhoto, text, []hotline.Media{{Kind: hotline.KindPhoto, FileID: best.FileID, Size: int64(best.FileSize), ContentType: "image/jpeg"}}
	case m.Voice != nil:
		return hotline.KindVoice, text, []hotline.Media{{Kind: hotline.KindVoice, FileID: m.Voice.FileID, Size: int64(m.Voice.FileSize), ContentType: m.Voice.MimeType}}
	case m.Audio != nil:
		return hotline.KindAudio, text, []hotline.Media{{Kind: hotline.KindAudio, FileID: m.Audio.FileID, Size: int64(m.Audio.FileSize), ContentType: m.Audio.MimeType}}
	case m.Video != nil:
		return hotline.KindVideo, text, []hotline.Media{{Kind: hotline.KindVideo, FileID: m.Video.FileID, Size: int64(m.Video.FileSize), ContentType: m.Video.MimeType}}
	case m.Document != nil:
		return hotline.KindDocument, text, []hotline.Media{{Kind: hotline.KindDocument, FileID: m.Document.FileID, Size: int64(m.Document.FileSize), ContentType: m.Document.MimeType}}
	case m.Sticker != nil:
		return hotline.KindSticker, text, nil
	case m.Location != nil:
		return hotline.KindLocation, text, []hotline.Media{{Kind: hotline.KindLocation}}
	case m.Contact != nil:
		// A shared contact may be a third party's: it stays in the sealed raw payload only.
		return hotline.KindContact, text, []hotline.Media{{Kind: hotline.KindContact}}
	}
	return hotline.KindText, text, nil
}

// Poller runs hotline's own getUpdates loop: the offset advances past an
// update only after HandleUpdate committed it, so a crash loses nothing and
// Telegram's redelivery after a restart is de-duplicated by update_id.
type Poller struct {
	API     API
	Adapter *Adapter
	// Timeout is the long-poll timeout per getUpdates call.
	Timeout time.Duration
	Log     *slog.Logger
	// Report, when set, is told the outcome of every getUpdates call (nil
	// for a success), for the heartbeat monitor.
	Report func(err error)
}

// Run polls until ctx ends. It calls deleteWebhook first.
func (p *Poller) Run(ctx context.Context) error {
	if err := p.API.DeleteWebhook(ctx); err != nil {
		p.Log.Warn("deleteWebhook failed", "err", err)
	}
	var offset int64
	backoff := time.Second
	for ctx.Err() == nil {
		raws, err := p.API.GetUpdates(ctx, offset, p.Timeout)
		if ctx.Err() != nil {
			break
		}
		if p.Report != nil {
			p.Report(err)
		}
		if err != nil {
			p.Log.Warn("getUpdates failed", "err", err, "retry_in", backoff)
			sleep(ctx, backoff)
			backoff = min(2*backoff, 30*time.Second)
			continue
		}
		backoff = time.Second
		for _, raw := range raws {
			id := updateID(raw)
			if err := p.Adapter.HandleUpdate(ctx, raw); err != nil {
				p.Log.Error("update not stored; will be fetched again", "update_id", id, "err", err)
				sleep(ctx, time.Second)
				break
			}
			if id >= offset {
				offset = id + 1
			}
		}
	}
	return nil
}

func updateID(raw []byte) int64 {
	var head struct {
		UpdateID int64 `json:"update_id"`
	}
	_ = json.Unmarshal(raw, &head)
	return head.UpdateID
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// maxUpdateBytes bounds a webhook body.
const maxUpdateBytes = 1 << 20

// ServeHTTP is the webhook endpoint (POST /webhooks/telegram): it checks
// X-Telegram-Bot-Api-Secret-Token in constant time (403 when wrong or
// missing), stores the update and answers 200; 500 makes Telegram resend.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if a.WebhookSecret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(a.WebhookSecret)) != 1 {
		a.Log.Warn("telegram webhook rejected: bad secret token", "remote", r.RemoteAddr)
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxUpdateBytes+1))
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	if len(body) > maxUpdateBytes {
		a.Log.Warn("telegram webhook body too large", "bytes", len(body))
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := a.HandleUpdate(r.Context(), body); err != nil {
		a.Log.Error("telegram update not stored", "err", err)
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// pace waits until one more message to chat is within Telegram's limits:
// shared by every process when Shared is set, else this process's own.
func (a *Adapter) pace(ctx context.Context, chat int64) error {
	if a.Shared != nil {
		err := a.Shared.wait(ctx, chat)
		if err == nil || ctx.Err() != nil {
			return err
		}
		a.Log.Warn("shared send limits unavailable; pacing this process only", "err", err)
	}
	return a.limits.wait(ctx, chat)
}

// Send delivers an outbox item to chat (a chat id in decimal): long texts
// are split on rune boundaries, the buttons ride on the last part. It
// returns the parts' message_ids, comma-separated ("101,102"), so that a
// reply to any part finds the tip.
func (a *Adapter) Send(ctx context.Context, chat string, m hotline.OutboundMessage) (string, error) {
	chatID, err := strconv.ParseInt(chat, 10, 64)
	if err != nil {
		return "", &hotline.DeliveryError{Permanent: true, Code: "bad_chat", Err: errors.New("chat id is not a number")}
	}
	parts := Split(m.Body, MaxMessageLength-96)
	ids := make([]string, 0, len(parts))
	for i, p := range parts {
		out := Outgoing{ChatID: chatID, Text: p, Silent: m.Silent}
		if i == len(parts)-1 {
			out.Buttons = m.Buttons
		}
		if err := a.pace(ctx, chatID); err != nil {
			return "", &hotline.DeliveryError{Code: "rate_limit", Err: err}
		}
		id, err := a.API.Send(ctx, out)
		if err != nil {
			return "", err
		}
		ids = append(ids, strconv.Itoa(id))
	}
	return strings.Join(ids, ","), nil
}
