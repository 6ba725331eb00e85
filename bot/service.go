// Package bot is the conversation with the public and the responders, shared
// by every channel: it decides the classification and reply of each
// reporter message, words alerts, and carries out responder commands.
// Channel adapters (bot/telegram, bot/sms) verify, parse and send for one
// channel each and call Service; Service knows no wire format.
package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/triage"
)

// Store is what the conversation needs from the system of record
// (implemented by hotline/postgres).
type Store interface {
	ReceiveReporterMessage(ctx context.Context, in hotline.InboundMessage, window time.Duration, decide func(hotline.TipContext) hotline.IntakeDecision) (hotline.Receipt, error)
	ClaimDelivery(ctx context.Context, source, key string, at time.Time) (bool, error)
	ResponderByTelegramChat(ctx context.Context, chatID int64) (hotline.Responder, error)
	ResponderByPhone(ctx context.Context, phone string) (hotline.Responder, error)
	AcknowledgeAndReassure(ctx context.Context, source, key, code string, r hotline.Responder, ch hotline.Channel, now time.Time,
		confirm func(hotline.AckResult) string, window time.Duration, notice func(lang string) string) (hotline.AckResult, error)
	EscalateNow(ctx context.Context, source, key, code string, r hotline.Responder, now time.Time) error
	TellResponder(ctx context.Context, source, key string, r hotline.Responder, ch hotline.Channel, tipID int64, body string, now time.Time) error
	RelayToReporter(ctx context.Context, source, key, code string, r hotline.Responder, ch hotline.Channel, text string,
		now time.Time, window time.Duration, allowed func(channel, reporterText string) bool, tell func(hotline.RelayResult) string) (hotline.RelayResult, error)
	TellReporter(ctx context.Context, code string, now time.Time, window time.Duration, body func(lang string) string) (bool, error)
	ConsoleRelay(ctx context.Context, v hotline.Viewer, key, code, text string, now time.Time, window time.Duration,
		discreet func(channel, reporterText string) bool) (hotline.RelayResult, error)
}

// Queue takes routed work (implemented by triage.Queue).
type Queue interface {
	Enqueue(ctx context.Context, e triage.QueueEntry) error
}

// Service is the channel-independent conversation.
type Service struct {
	Store      Store
	Queue      Queue
	Classifier hotline.Classifier
	Catalogue  *Catalogue
	// Now is the clock (time.Now in production, a fake in tests).
	Now func() time.Time
	// ConversationWindow: a reporter's message within this time of their
	// last one extends the same tip (REPLY_WINDOW).
	ConversationWindow time.Duration
	// DiscreetSMS: messages relayed to SMS reporters never name trafficking
	// unless the reporter did (DISCREET_SMS).
	DiscreetSMS bool
	// Roster answers /duty and /mytips and links Telegram chats; nil = those answer with help.
	Roster RosterStore
	// Wake, when set, is called after work was queued (nudges the sender and router).
	Wake func()
	Log  *slog.Logger
	// Flood, when set, limits how many messages per reporter are classified
	// and answered at once; see flood.go.
	Flood FloodLimiter
	// HeldBack, when set, is where ReclassifyHeldBack finds held-back tips.
	HeldBack HeldBackStore

	floodOnce  sync.Once
	floodSlots chan struct{}
}

// FromPublic stores a message from a member of the public (before the
// channel acknowledges it), then queues its tip for routing. A redelivered
// message changes nothing. The returned error means nothing was stored and
// the channel must answer with a failure so the message is sent again.
func (s *Service) FromPublic(ctx context.Context, in hotline.InboundMessage) (hotline.Receipt, error) {
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = s.Now()
	}
	if in.Kind == hotline.KindText || in.Kind == "" {
		in.Keyword = ParseKeyword(in.Text)
	}
	decide := s.decide
	heldBack := s.overLimit(ctx, in)
	if heldBack {
		decide = nil // stored now, classified later, not answered
		defer s.floodSlot(ctx)()
	}
	rc, err := s.Store.ReceiveReporterMessage(ctx, in, s.ConversationWindow, decide)
	if err != nil {
		return rc, err
	}
	if rc.Duplicate {
		s.Log.Info("duplicate delivery ignored", "channel", in.Channel, "source", in.Source)
		return rc, nil
	}
	if heldBack {
		s.Log.Info("message held back: reporter over the flood limit", "channel", in.Channel, "tip", rc.ReferenceCode, "bytes", len(in.Text))
		return rc, nil
	}
	s.Log.Info("message stored", "channel", in.Channel, "kind", in.Kind, "tip", rc.ReferenceCode,
		"new_tip", rc.NewTip, "level", rc.Level, "county", rc.County, "bytes", len(in.Text), "media", len(in.Media))
	if rc.TipID == 0 || rc.Level == "" {
		s.wake() // a keyword: no tip to route
		return rc, nil
	}
	// Committed: from here a failure only delays routing (the sweeper
	// re-enqueues tips whose routing is pending).
	if err := s.Queue.Enqueue(ctx, triage.QueueEntry{TipID: rc.TipID, Level: rc.Level, County: rc.County}); err != nil {
		s.Log.Warn("enqueue failed; the sweeper will retry", "tip", rc.ReferenceCode, "err", err)
	}
	s.wake()
	return rc, nil
}

func (s *Service) wake() {
	if s.Wake != nil {
		s.Wake()
	}
}

// decide is called inside intake's transaction: classify the whole tip,
// carry the conversation one step (see conversation.go), choose the
// language and the replies.
func (s *Service) decide(tc hotline.TipContext) hotline.IntakeDecision {
	lang := tc.Language
	if tc.NewTip {
		lang = DetectLanguage(tc.Message.Text, tc.Message.LanguageHint)
	}
	if lang == "" {
		lang = "sq"
	}
	if tc.Message.Keyword != "" {
		return s.keyword(tc, lang)
	}
	c := s.Classifier.Classify(tc.Text).Normalized()
	if strings.TrimSpace(tc.Text) == "" && c.Level == hotline.LevelP4 && (len(tc.Message.Media) > 0 || tc.Message.Kind != hotline.KindText) {
		// A photo or voice note with no words is never "just a question".
		c.Level = hotline.LevelP3
		c.Reasons = append(c.Reasons, "media without text")
	}
	d, conv := s.converse(tc, c, lang)
	d.Conversation, _ = json.Marshal(conv)
	if tc.OptedOut {
		d.Replies = nil
	}
	return d
}

// keyword answers STOP, START, DELETE and HELP. STOP and DELETE get no
// answer: after them nothing is sent, ever (Twilio itself confirms STOP).
func (s *Service) keyword(tc hotline.TipContext, lang string) hotline.IntakeDecision {
	d := hotline.IntakeDecision{Language: lang}
	data := map[string]any{"Code": tc.ReferenceCode}
	switch tc.Message.Keyword {
	case hotline.KeywordStop:
		d.ReporterAction = hotline.ReporterOptOut
	case hotline.KeywordDelete:
		d.ReporterAction = hotline.ReporterErase
	case hotline.KeywordStart:
		d.ReporterAction = hotline.ReporterOptIn
		d.Replies = []hotline.Reply{{Text: s.Catalogue.Text(lang, "started", data)}}
	case hotline.KeywordHelp:
		if !tc.OptedOut {
			d.Replies = []hotline.Reply{{Text: s.Catalogue.Text(lang, "help", data)}}
		}
	}
	return d
}

// FromResponder carries out a responder's command received on ch as
// delivery (source, key): acknowledge, escalate now, or answer with help.
// A repeated delivery changes nothing; a repeated acknowledgement is
// answered politely.
func (s *Service) FromResponder(ctx context.Context, source, key string, r hotline.Responder, ch hotline.Channel, cmd Command) error {
	now := s.Now()
	switch cmd.Action {
	case ActionAcknowledge:
		res, err := s.Store.AcknowledgeAndReassure(ctx, source, key, cmd.Code, r, ch, now, func(res hotline.AckResult) string {
			if res.WaitingFor != "" {
				return s.Catalogue.Text("sq", "ack_waiting", map[string]any{"Code": cmd.Code, "Role": s.roleName(res.WaitingFor)})
			}
			if res.First {
				return s.Catalogue.Text("sq", "ack_first", map[string]any{"Code": cmd.Code})
			}
			return s.Catalogue.Text("sq", "ack_again", map[string]any{"Code": cmd.Code, "Name": res.AlreadyBy})
		}, s.ConversationWindow, func(lang string) string {
			// Reassure the reporter (within the reply window): a person, no name.
			return s.Catalogue.Text(lang, "ack_notice", map[string]any{"Code": cmd.Code})
		})
		if errors.Is(err, hotline.ErrNotFound) {
			return s.Store.TellResponder(ctx, source, key, r, ch, 0, s.Catalogue.Text("sq", "ack_unknown", map[string]any{"Code": cmd.Code}), now)
		}
		if err != nil {
			return fmt.Errorf("responder %d acknowledges %s: %w", r.ID, cmd.Code, err)
		}
		s.Log.Info("acknowledged", "tip", cmd.Code, "responder", r.ID, "first", res.First, "channel", ch)
	case ActionReply:
		if err := s.relay(ctx, source, key, r, ch, cmd, now); err != nil {
			return err
		}
	case ActionEscalate:
		err := s.Store.EscalateNow(ctx, source, key, cmd.Code, r, now)
		if errors.Is(err, hotline.ErrNotFound) {
			return s.Store.TellResponder(ctx, source, key, r, ch, 0, s.Catalogue.Text("sq", "ack_unknown", map[string]any{"Code": cmd.Code}), now)
		}
		if err != nil {
			return fmt.Errorf("responder %d escalates %s: %w", r.ID, cmd.Code, err)
		}
		s.Log.Info("escalated by responder", "tip", cmd.Code, "responder", r.ID)
	case ActionClose, ActionReassign:
		if s.Roster == nil {
			return s.FromResponder(ctx, source, key, r, ch, Command{Action: ActionHelp})
		}
		return s.act(ctx, source, key, r, ch, cmd)
	case ActionPhone, ActionVerify:
		if s.Roster == nil {
			return s.FromResponder(ctx, source, key, r, ch, Command{Action: ActionHelp})
		}
		if err := s.phone(ctx, source, key, r, ch, cmd); err != nil {
			return err
		}
	case ActionDuty, ActionMyTips:
		if s.Roster == nil {
			return s.FromResponder(ctx, source, key, r, ch, Command{Action: ActionHelp})
		}
		text, err := s.rosterAnswer(ctx, r, cmd.Action)
		if err != nil {
			return fmt.Errorf("answer /%s of responder %d: %w", cmd.Action, r.ID, err)
		}
		if err := s.Store.TellResponder(ctx, source, key, r, ch, 0, text, now); err != nil {
			return fmt.Errorf("answer responder %d: %w", r.ID, err)
		}
	default:
		if err := s.Store.TellResponder(ctx, source, key, r, ch, 0, s.Catalogue.Text("sq", "responder_help", nil), now); err != nil {
			return fmt.Errorf("answer responder %d: %w", r.ID, err)
		}
	}
	s.wake()
	return nil
}

// relay passes a responder's message to the reporter of a tip, by code,
// through the reporter's channel, and tells the responder what happened:
// sent, waiting (reporter silent longer than the reply window), or never
// (reporter opted out or erased their contact).
func (s *Service) relay(ctx context.Context, source, key string, r hotline.Responder, ch hotline.Channel, cmd Command, now time.Time) error {
	data := map[string]any{"Code": cmd.Code, "Window": int(s.ConversationWindow.Minutes()), "Max": hotline.MaxRelayLength}
	if utf8.RuneCountInString(cmd.Text) > hotline.MaxRelayLength {
		// Refused whole, not cut: the responder decides what to leave out.
		return s.Store.TellResponder(ctx, source, key, r, ch, 0, s.Catalogue.Text("sq", "relay_too_long", data), now)
	}
	res, err := s.Store.RelayToReporter(ctx, source, key, cmd.Code, r, ch, cmd.Text, now, s.ConversationWindow, s.discreet(cmd.Text), func(res hotline.RelayResult) string {
		switch {
		case res.Withheld:
			return s.Catalogue.Text("sq", "relay_withheld", data)
		case res.Unreachable:
			return s.Catalogue.Text("sq", "relay_unreachable", data)
		case res.Held:
			return s.Catalogue.Text("sq", "relay_held", data)
		}
		return s.Catalogue.Text("sq", "relay_sent", data)
	})
	switch {
	case errors.Is(err, hotline.ErrNotFound):
		return s.Store.TellResponder(ctx, source, key, r, ch, 0, s.Catalogue.Text("sq", "ack_unknown", data), now)
	case errors.Is(err, hotline.ErrUnauthorized):
		return s.Store.TellResponder(ctx, source, key, r, ch, 0, s.Catalogue.Text("sq", "relay_not_allowed", data), now)
	case err != nil:
		return fmt.Errorf("responder %d relays on %s: %w", r.ID, cmd.Code, err)
	}
	s.Log.Info("relayed to reporter", "tip", cmd.Code, "responder", r.ID, "held", res.Held, "unreachable", res.Unreachable, "withheld", res.Withheld)
	return nil
}
