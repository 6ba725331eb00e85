package dispatch

import (
	"context"
	"log/slog"
	"sort"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// Notices words what the sender tells people about delivery problems
// (bot.Composer implements it).
type Notices interface {
	hotline.ContactNotices
	// PossibleRepeat starts a message claimed again after a sender died
	// mid-send: the recipient may have it already.
	PossibleRepeat() string
	// WakeCall is what a wake-up call says about an unacknowledged P1 tip.
	WakeCall(t hotline.TipSummary) string
	// Reminder reminds those who acknowledged a tip hours ago to close it.
	Reminder(t hotline.TipSummary, hours int) (string, []hotline.Button)
	// Silence tells the national desk that a channel has received nothing
	// for silence (silent true), or receives again (false).
	Silence(source string, silent bool, silence time.Duration) string
	// Handover tells the next on-duty responder that an acknowledged open
	// tip is now theirs (from: who had it).
	Handover(t hotline.TipSummary, from []string) string
	// Failing tells the national desk that a component (ComponentTelegramPoller,
	// ComponentSenderTelegram, ComponentSenderSMS) has failed for after without a
	// success (failing true), or works again (false).
	Failing(component string, failing bool, after time.Duration) string
	// Bundle is one SMS carrying several alerts, given one line each
	// ("P2 · Shkodër · K7Q-4MP: the start of the tip's text").
	Bundle(titles []string) string
}

// handOver hands acknowledged open tips to the next shift, once a minute.
func (s *Stages) handOver(ctx context.Context) error {
	now := s.Now()
	if s.Notices == nil || now.Sub(s.lastHandover) < silenceCheckEvery {
		return nil
	}
	s.lastHandover = now
	n, err := s.Store.HandOver(ctx, now, s.Notices.Handover)
	if n > 0 {
		s.Log.Info("tips handed over at shift change", "count", n)
		s.Wake()
	}
	return err
}

// silenceCheckEvery spaces the checks for silent channels.
const silenceCheckEvery = time.Minute

// checkSilence tells the national desk, once, when an enabled channel has
// received nothing for SilenceAfter, and again when it recovers (off when 0).
func (s *Stages) checkSilence(ctx context.Context) error {
	now := s.Now()
	if s.SilenceAfter <= 0 || s.Notices == nil || now.Sub(s.lastSilenceCheck) < silenceCheckEvery {
		return nil
	}
	s.lastSilenceCheck = now
	var sources []string
	for ch, source := range map[hotline.Channel]string{hotline.ChannelSMS: "twilio", hotline.ChannelTelegram: "telegram"} {
		if _, on := s.Channels[ch]; on {
			sources = append(sources, source)
		}
	}
	sort.Strings(sources)
	raised, cleared, err := s.Store.CheckSilence(ctx, now, s.SilenceAfter, sources, func(source string, silent bool) string {
		return s.Notices.Silence(source, silent, s.SilenceAfter)
	})
	if len(raised)+len(cleared) > 0 {
		s.Log.Warn("channel silence", "raised", raised, "cleared", cleared)
		s.Wake()
	}
	return err
}

// queueReminders reminds responders of acknowledged tips not closed after
// RemindAfter (off when 0).
func (s *Stages) queueReminders(ctx context.Context) error {
	if s.RemindAfter <= 0 || s.Notices == nil {
		return nil
	}
	n, err := s.Store.QueueReminders(ctx, s.Now(), s.RemindAfter, s.Notices.Reminder, 50)
	if n > 0 {
		s.Log.Info("reminders queued", "count", n)
		s.Wake()
	}
	return err
}

// queueWakeCalls queues wake-up calls for P1 tips unacknowledged after
// WakeCallAfter (off when 0).
func (s *Stages) queueWakeCalls(ctx context.Context) error {
	if s.WakeCallAfter <= 0 || s.Notices == nil {
		return nil
	}
	n, err := s.Store.QueueWakeCalls(ctx, s.Now(), s.WakeCallAfter, s.Notices.WakeCall, 50)
	if n > 0 {
		s.Log.Info("wake-up calls queued", "count", n)
		s.Wake()
	}
	return err
}

// markRepeat labels a responder's message that may be a duplicate.
func (s *Stages) markRepeat(m *hotline.OutboundMessage, log *slog.Logger) {
	if !m.PossibleDuplicate {
		return
	}
	log.Warn("sent again after an expired lease: possible duplicate")
	s.Metrics.duplicate(*m)
	if m.Responder != nil && s.Notices != nil {
		m.Body = s.Notices.PossibleRepeat() + "\n" + m.Body
	}
}

// contactFailed records a responder's contact method as broken when a
// permanent error says so, telling the county coordinator once.
func (s *Stages) contactFailed(ctx context.Context, m hotline.OutboundMessage, de *hotline.DeliveryError, log *slog.Logger) {
	if de == nil || !de.Permanent || m.Responder == nil || !hotline.BrokenContact(m.Channel, de.Code, de.Error()) ||
		m.Kind == hotline.OutboxPhoneVerification { // a number being verified is not the responder's phone yet
		return
	}
	var notices hotline.ContactNotices
	if s.Notices != nil {
		notices = s.Notices
	}
	newly, err := s.Store.MarkContactBroken(ctx, m.Responder.ID, m.Channel, de.Code, s.Now(), notices)
	if err != nil {
		log.Error("could not mark the contact method broken", "err", err)
		return
	}
	if newly {
		log.Warn("responder contact method marked broken; coordinator told", "responder", m.Responder.ID, "code", de.Code)
	}
}
