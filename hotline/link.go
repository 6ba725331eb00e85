package hotline

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"
	"time"
)

// LinkCodeTTL is how long a Telegram link code stays valid.
const LinkCodeTTL = 24 * time.Hour

// linkCodeLength is the number of Crockford base32 characters of a link
// code: 12 × 5 = 60 random bits, within Telegram's 64-character start
// parameter together with the "r_" prefix.
const linkCodeLength = 12

// NewLinkCode returns a random one-time code that links a responder's
// Telegram chat (`/start r_CODE`), 12 characters of Crockford's base32.
// r is the randomness source (nil = crypto/rand).
func NewLinkCode(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, linkCodeLength)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("link code: %w", err)
	}
	for i, v := range b {
		b[i] = crockford[int(v)%32]
	}
	return string(b), nil
}

// HashLinkCode returns the SHA-256 of a link code, as stored (the code
// itself is never stored). Case does not matter.
func HashLinkCode(code string) []byte {
	h := sha256.Sum256([]byte(strings.ToUpper(strings.TrimSpace(code))))
	return h[:]
}

// LinkCodeFromStart returns the link code of a /start payload "r_CODE",
// or false for any other payload (a member of the public).
func LinkCodeFromStart(payload string) (string, bool) {
	code, ok := strings.CutPrefix(strings.TrimSpace(payload), "r_")
	if !ok || code == "" || len(code) > 64 {
		return "", false
	}
	return code, true
}

// TelegramDeepLink returns https://t.me/<bot>?start=r_CODE, or "" when the
// bot's username is unknown.
func TelegramDeepLink(botUsername, code string) string {
	bot := strings.TrimPrefix(strings.TrimSpace(botUsername), "@")
	if bot == "" {
		return ""
	}
	return "https://t.me/" + bot + "?start=r_" + code
}

// LinkResult says what a `/start r_CODE` did.
type LinkResult struct {
	// Duplicate: this delivery was handled before; nothing changed.
	Duplicate bool
	// Linked: the code was valid and the chat now alerts Responder.
	Linked    bool
	Responder Responder
}

// AcknowledgedTip is an open tip a responder acknowledged (`/mytips`).
type AcknowledgedTip struct {
	ReferenceCode  string
	Level          Level
	County         string // ISO code, "" unknown
	Municipality   string
	AcknowledgedAt time.Time
}

// ActionResult says what a responder's close or reassignment did.
type ActionResult struct {
	TipID int64
	// Done is false when nothing changed: the tip was no longer active
	// (closed, spam, merged) or already in that county.
	Done   bool
	Status TipStatus
	Level  Level
	County string // the tip's county afterwards
}

// ContactNotices words the messages about a contact method that failed for
// good (bot.Composer implements it).
type ContactNotices interface {
	// ContactBroken tells a coordinator (or the national desk) that r can no
	// longer be reached on ch (code: the channel's error code).
	ContactBroken(r Responder, ch Channel, code string) string
	// SMSOptedOut tells r, by Telegram, that SMS no longer reach them
	// (Twilio 21610) and how to opt back in.
	SMSOptedOut(r Responder) string
}

// BrokenContact reports whether a permanent delivery error with this code
// means the responder's contact method on ch is unusable (not a problem of
// hotline's own account): Telegram 403 (blocked, kicked) and 400 "chat not
// found"; Twilio 21610 (opted out), 21211 (invalid number), 21614 (not a
// mobile). message is the channel's error text.
func BrokenContact(ch Channel, code, message string) bool {
	switch ch {
	case ChannelTelegram:
		return code == "403" || code == "400" && strings.Contains(strings.ToLower(message), "chat not found")
	case ChannelSMS:
		return code == "21610" || code == "21211" || code == "21614"
	}
	return false
}

// ChannelVoice is a wake-up phone call (Twilio Calls API) to a responder;
// outbox items of kind OutboxWakeCall use it.
const ChannelVoice Channel = "voice"

// OutboxWakeCall is an outbox item that calls a responder about a P1 tip
// still unacknowledged after WAKE_CALL_AFTER.
const OutboxWakeCall OutboxKind = "wake_call"

// OutboxReminder reminds the responders who acknowledged a tip that it is
// still not closed (REMIND_AFTER).
const OutboxReminder OutboxKind = "reminder"
