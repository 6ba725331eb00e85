// Package telegram is hotline's Telegram channel: it receives updates (its
// own getUpdates loop, or webhooks checked against the secret token),
// parses them for the conversation in package bot, and sends through
// go-telegram-bot-api v5 behind the API interface.
package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/hotline-al/hotline/hotline"
)

// MaxMessageLength is Telegram's limit per message, in UTF-16 code units.
const MaxMessageLength = 4096

// Outgoing is one message to send.
type Outgoing struct {
	ChatID  int64
	Text    string // sent without parse mode: user text is never interpreted
	Buttons []hotline.Button
	Silent  bool // disable_notification
}

// API is the part of the Bot API hotline uses. BotAPI implements it with
// go-telegram-bot-api; tests point that at a fake server.
type API interface {
	// GetUpdates returns raw updates from offset, long-polling up to timeout.
	GetUpdates(ctx context.Context, offset int64, timeout time.Duration) ([]json.RawMessage, error)
	// Send sends one message (≤ MaxMessageLength) and returns its message_id.
	Send(ctx context.Context, m Outgoing) (int, error)
	AnswerCallback(ctx context.Context, callbackID, text string) error
	SetWebhook(ctx context.Context, url, secret string) error
	DeleteWebhook(ctx context.Context) error
}

// BotAPI implements API with go-telegram-bot-api v5.
type BotAPI struct {
	bot          *tgbotapi.BotAPI
	token        string
	fileEndpoint string
}

// NewBotAPI connects with token (it calls getMe). apiEndpoint and
// fileEndpoint are formats as the library's APIEndpoint ("…/bot%s/%s") and
// FileEndpoint ("…/file/bot%s/%s"); "" takes the official ones.
func NewBotAPI(token, apiEndpoint, fileEndpoint string, client *http.Client) (*BotAPI, error) {
	if apiEndpoint == "" {
		apiEndpoint = tgbotapi.APIEndpoint
	}
	if client == nil {
		client = &http.Client{Timeout: 70 * time.Second}
	}
	b, err := tgbotapi.NewBotAPIWithClient(token, apiEndpoint, client)
	if err != nil {
		return nil, fmt.Errorf("telegram getMe: %s", redact(err, token))
	}
	if fileEndpoint == "" {
		fileEndpoint = tgbotapi.FileEndpoint
	}
	// The library's FileEndpoint is a package variable; keep ours per bot.
	return &BotAPI{bot: b, token: token, fileEndpoint: fileEndpoint}, nil
}

// Username is the bot's @username (for deep links).
func (b *BotAPI) Username() string { return b.bot.Self.UserName }

// redact removes the token from library errors, which print request URLs.
func redact(err error, token string) string {
	if token == "" {
		return err.Error()
	}
	return strings.ReplaceAll(err.Error(), token, "<token>")
}

// classify turns a library error into a hotline.DeliveryError: 429 waits
// retry_after; 403 (blocked, never started) and 400 "chat not found" are
// permanent for the contact; other 400s are permanent for this message;
// anything else (network, 5xx) is temporary.
func (b *BotAPI) classify(err error) error {
	var te *tgbotapi.Error // v5.5.1 returns a pointer
	if errors.As(err, &te) {
		de := &hotline.DeliveryError{Code: strconv.Itoa(te.Code), Err: errors.New(te.Message)}
		switch {
		case te.Code == http.StatusTooManyRequests:
			de.RetryAfter = time.Duration(te.ResponseParameters.RetryAfter) * time.Second
			if de.RetryAfter == 0 {
				de.RetryAfter = time.Second
			}
		case te.Code == http.StatusForbidden, te.Code == http.StatusBadRequest, te.Code == http.StatusUnauthorized:
			de.Permanent = true
		}
		return de
	}
	return &hotline.DeliveryError{Code: "network", Err: errors.New(redact(err, b.token))}
}

// do runs f unless ctx ends first (the library takes no context).
func do[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() { v, err := f(); ch <- result{v, err} }()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// GetUpdates implements API. Updates are returned raw so that one the
// library cannot decode never stalls the rest.
func (b *BotAPI) GetUpdates(ctx context.Context, offset int64, timeout time.Duration) ([]json.RawMessage, error) {
	resp, err := do(ctx, func() (*tgbotapi.APIResponse, error) {
		return b.bot.Request(tgbotapi.UpdateConfig{Offset: int(offset), Limit: 100, Timeout: int(timeout / time.Second)})
	})
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, fmt.Errorf("getUpdates: %w", b.classify(err))
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(resp.Result, &raws); err != nil {
		return nil, fmt.Errorf("getUpdates: result is not a list: %w", err)
	}
	return raws, nil
}

// Send implements API: plain text, an inline keyboard from Buttons.
func (b *BotAPI) Send(ctx context.Context, m Outgoing) (int, error) {
	msg := tgbotapi.NewMessage(m.ChatID, m.Text)
	msg.DisableNotification = m.Silent
	if len(m.Buttons) > 0 {
		// Two buttons a row: readable on a phone, within Telegram's 8 a row.
		var rows [][]tgbotapi.InlineKeyboardButton
		for i, bt := range m.Buttons {
			if i%2 == 0 {
				rows = append(rows, nil)
			}
			rows[len(rows)-1] = append(rows[len(rows)-1], tgbotapi.NewInlineKeyboardButtonData(bt.Text, bt.Data))
		}
		msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(rows...)
	}
	sent, err := do(ctx, func() (tgbotapi.Message, error) { return b.bot.Send(msg) })
	if err != nil {
		if ctx.Err() != nil {
			return 0, &hotline.DeliveryError{Code: "cancelled", Err: ctx.Err()}
		}
		return 0, fmt.Errorf("sendMessage: %w", b.classify(err))
	}
	return sent.MessageID, nil
}

// AnswerCallback implements API (the small notice a button press shows).
func (b *BotAPI) AnswerCallback(ctx context.Context, callbackID, text string) error {
	_, err := do(ctx, func() (*tgbotapi.APIResponse, error) {
		return b.bot.Request(tgbotapi.NewCallback(callbackID, text))
	})
	if err != nil {
		return fmt.Errorf("answerCallbackQuery: %w", b.classify(err))
	}
	return nil
}

// SetWebhook implements API, passing secret_token (which the library's
// WebhookConfig cannot carry).
func (b *BotAPI) SetWebhook(ctx context.Context, url, secret string) error {
	params := tgbotapi.Params{"url": url, "secret_token": secret}
	_, err := do(ctx, func() (*tgbotapi.APIResponse, error) { return b.bot.MakeRequest("setWebhook", params) })
	if err != nil {
		return fmt.Errorf("setWebhook: %w", b.classify(err))
	}
	return nil
}

// DeleteWebhook implements API (polling mode needs no webhook).
func (b *BotAPI) DeleteWebhook(ctx context.Context) error {
	_, err := do(ctx, func() (*tgbotapi.APIResponse, error) {
		return b.bot.Request(tgbotapi.DeleteWebhookConfig{DropPendingUpdates: false})
	})
	if err != nil {
		return fmt.Errorf("deleteWebhook: %w", b.classify(err))
	}
	return nil
}

// Split cuts text into parts of at most max UTF-16 code units, on rune
// boundaries, preferring a line break or space in the last fifth of a part.
// It never returns an empty list.
func Split(text string, max int) []string {
	var parts []string
	runes := []rune(text)
	for len(runes) > 0 {
		units, cut := 0, 0
		for cut < len(runes) {
			n := len(utf16.Encode(runes[cut : cut+1]))
			if units+n > max {
				break
			}
			units += n
			cut++
		}
		if cut < len(runes) {
			for i := cut - 1; i > cut*4/5; i-- {
				if runes[i] == '\n' || runes[i] == ' ' {
					cut = i + 1
					break
				}
			}
		}
		parts = append(parts, string(runes[:cut]))
		runes = runes[cut:]
	}
	if len(parts) == 0 {
		parts = []string{""}
	}
	return parts
}
