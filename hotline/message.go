package hotline

import (
	"errors"
	"fmt"
	"time"
)

// Kinds of inbound message.
const (
	KindText     = "text"
	KindPhoto    = "photo"
	KindVoice    = "voice"
	KindAudio    = "audio"
	KindVideo    = "video"
	KindDocument = "document"
	KindLocation = "location"
	KindContact  = "contact"
	KindSticker  = "sticker"
	KindMedia    = "media"   // MMS attachments
	KindUnknown  = "unknown" // an update we could not understand: stored, skipped
)

// Media describes one attachment of an inbound message. URL or FileID says
// where the channel keeps it; the file itself is fetched by the channel
// adapter within MEDIA_MAX_BYTES.
type Media struct {
	Kind        string `json:"kind"`
	ContentType string `json:"content_type,omitempty"`
	FileID      string `json:"file_id,omitempty"` // Telegram file_id
	URL         string `json:"url,omitempty"`     // Twilio MediaUrlN
	Size        int64  `json:"size,omitempty"`    // bytes, when the channel says
}

// InboundMessage is a message from a member of the public, as a channel
// adapter hands it to intake. Contact is the reporter's phone number (E.164)
// or Telegram chat id: it is sealed before storage and never logged.
type InboundMessage struct {
	Channel Channel
	// Source and DeliveryKey de-duplicate redelivery: "twilio" + MessageSid,
	// "telegram" + update_id.
	Source, DeliveryKey string
	Contact             string
	// LanguageHint is the channel's hint ("sq", "en", Telegram's language_code), or "".
	LanguageHint string
	Kind         string
	Text         string
	Media        []Media
	// Latitude and Longitude are set for a location share (degrees).
	Latitude, Longitude float64
	// Raw is the payload as received; stored encrypted, never logged.
	Raw        []byte
	ReceivedAt time.Time
	// Keyword is set (by the conversation, before intake) when the whole
	// message is a keyword that must not open a tip: KeywordStop,
	// KeywordStart, KeywordDelete, KeywordHelp. "" otherwise.
	Keyword string
}

// Keywords a reporter's whole message can be (see bot.ParseKeyword).
const (
	KeywordStop   = "stop"   // STOP, NDALO, Twilio's opt-out words: nothing more is sent
	KeywordStart  = "start"  // START, Twilio's opt-in words: undoes STOP
	KeywordDelete = "delete" // FSHIJ, DELETE, /delete: erase the contact now
	KeywordHelp   = "help"   // NDIHMË, HELP, /help
)

// Reporter actions a conversation decision can ask intake to apply.
const (
	ReporterOptOut = "opt_out" // set opted_out_at, cancel pending messages
	ReporterOptIn  = "opt_in"  // clear opted_out_at
	ReporterErase  = "erase"   // delete contact and keyed hash, cancel pending messages
)

// Reply is one message to a reporter: text, and inline buttons for
// Telegram (SMS shows numbered options in the text instead).
type Reply struct {
	Text    string
	Buttons []Button
}

// TipContext is what intake knows about the tip a message joined, handed to
// the conversation to decide the classification and the reply.
type TipContext struct {
	TipID         int64
	ReferenceCode string
	NewTip        bool
	// Text is the whole text of the tip so far, oldest first.
	Text     string
	Language string
	// ByOtherReporter is true when the message named the code of a tip that
	// someone else opened: it adds information but is not let into the relay.
	ByOtherReporter bool
	OptedOut        bool
	Message         InboundMessage
	// Conversation is the bot's stored state of the conversation about the
	// tip (JSON, "{}" or empty when new); the conversation package owns its shape.
	Conversation []byte
	// Status is the tip's status ("open", "acknowledged", "closed"...), "" without a tip.
	Status string
	// PoliceConsent is the stored consent to alert police (nil: not given either way).
	PoliceConsent *bool
	// DeleteHintSent is true once this (SMS) reporter was told how to delete the thread.
	DeleteHintSent bool
}

// IntakeDecision is the conversation's answer to a reporter's message:
// the tip's classification and the reply to send ("" = none).
type IntakeDecision struct {
	Classification Classification
	Language       string
	Reply          string
	// Replies are sent after Reply, in order (Reply, when set, goes first).
	Replies []Reply
	// Conversation is the new conversation state to store (nil: unchanged).
	Conversation []byte
	// PoliceConsent, when set, is stored on the tip and used by routing.
	PoliceConsent *bool
	// ReporterAction is ReporterOptOut, ReporterOptIn, ReporterErase or "".
	ReporterAction string
	// ResponderNote, when set, is sent to the responders who acknowledged
	// the tip (else to those alerted about it): "new information on <code>".
	ResponderNote string
	// DeleteHintSent records that Replies tell the reporter how to delete the thread.
	DeleteHintSent bool
}

// Receipt tells a channel adapter what intake did with a message.
type Receipt struct {
	// Duplicate is true when the delivery key was seen before: nothing changed.
	Duplicate     bool
	TipID         int64
	ReferenceCode string
	ReporterID    int64
	NewTip        bool
	Level         Level
	County        string
}

// OutboxKind says what an outbox item is.
type OutboxKind string

// Outbox kinds.
const (
	OutboxAlert         OutboxKind = "alert"
	OutboxEscalation    OutboxKind = "escalation"
	OutboxReporterReply OutboxKind = "reporter_reply"
	OutboxConfirmation  OutboxKind = "confirmation"
	// OutboxTipUpdate tells responders of new information on a tip.
	OutboxTipUpdate OutboxKind = "tip_update"
	// OutboxRelay is a responder's message relayed to the reporter.
	OutboxRelay OutboxKind = "relay"
)

// RelayResult says what became of a responder's message to a reporter.
type RelayResult struct {
	// Held is true when the reporter has not written within the reply
	// window: the message waits until they write again.
	Held bool
	// Unreachable is true when the reporter opted out or erased their
	// contact: nothing will ever be sent.
	Unreachable bool
	// Withheld is true when the message was not sent because it would put
	// the reporter at risk (discreet SMS: a word the reporter never used).
	Withheld bool
	// Repeated is true when this delivery (or console form) was handled
	// before: nothing new was stored or sent.
	Repeated bool
}

// Button is an inline keyboard button: Text shown, Data sent back as
// callback data ("ack:K7Q-4MP").
type Button struct {
	Text string `json:"text"`
	Data string `json:"data"`
}

// OutboundMessage is one outbox item ready to send. Exactly one of
// Responder and ReporterID is set. For a reporter, the channel adapter looks
// up the contact itself: it never travels in this struct beyond the sender.
type OutboundMessage struct {
	ID            int64
	Kind          OutboxKind
	TipID         int64
	ReferenceCode string
	Channel       Channel
	Responder     *Responder
	ReporterID    int64
	Body          string
	Buttons       []Button
	Priority      int // 1 (P1) … 4
	Attempts      int
	// Silent asks for a notification without sound (P3 digests).
	Silent bool
	// PossibleDuplicate: claimed again after a sender died mid-send; the
	// recipient may already have it.
	PossibleDuplicate bool
	// Held: the sender held it back to bundle it with other alerts to the
	// same phone (more than a few SMS a minute).
	Held bool
}

// DeliveryError is a failed send, saying whether to retry. Channel adapters
// return it (wrapped or not); the sender branches on it with errors.As.
type DeliveryError struct {
	// Permanent: this contact method will not work (blocked, invalid number): do not retry.
	Permanent bool
	// RetryAfter is the wait the channel asked for (Telegram 429 retry_after), or 0.
	RetryAfter time.Duration
	// Code is the channel's error code ("403", "21610"), for the record.
	Code string
	Err  error
}

func (e *DeliveryError) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	return fmt.Sprintf("%s delivery error %s: %v", kind, e.Code, e.Err)
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a permanent DeliveryError.
func IsPermanent(err error) bool {
	var de *DeliveryError
	return errors.As(err, &de) && de.Permanent
}

// AckResult tells how an acknowledgement went.
type AckResult struct {
	ReferenceCode string
	// First is true when this acknowledgement stopped escalation; false when
	// the tip had already been acknowledged (by this or another responder).
	First bool
	// AlreadyBy is the name of who acknowledged first, when First is false.
	AlreadyBy string
	// WaitingFor is the role whose acknowledgement a P1 tip still needs
	// (EscalationPolicy.P1NeedsBoth); escalation goes on. "" otherwise.
	WaitingFor Role
}

// TipSummary is what alerts say about a tip: never the reporter's contact.
type TipSummary struct {
	ID             int64
	ReferenceCode  string
	Channel        Channel
	Classification Classification
	// Text is the tip's text so far, oldest message first.
	Text string
}

// Composer words what hotline sends to responders. The bot package
// implements it from its message catalogues.
type Composer interface {
	// Alert is the first alert about a tip to r over ch. standsInFor is the
	// role nobody was on duty for when r is a fallback, else "".
	Alert(t TipSummary, r Responder, ch Channel, standsInFor Role) (body string, buttons []Button)
	// Escalation is the alert of escalation step (1-based), naming who did
	// not acknowledge.
	Escalation(t TipSummary, r Responder, ch Channel, step int, notAcknowledgedBy []string) (body string, buttons []Button)
}

// MaxRelayLength is the longest message, in characters, relayed to a
// reporter: what Twilio takes in one message (1,600), so an SMS relay is
// never cut or sent in pieces.
const MaxRelayLength = 1600
