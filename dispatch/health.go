package dispatch

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// Components watched by Health: the Telegram poller, and the outbox sender
// per channel.
const (
	ComponentTelegramPoller = "telegram_poller"
	ComponentSenderTelegram = "sender_telegram"
	ComponentSenderSMS      = "sender_sms"
)

// Health records, in this process, when each component last worked and
// when it started failing since. The zero Health is ready; it is safe for
// concurrent use.
type Health struct {
	mu      sync.Mutex
	since   map[string]time.Time // first failure since the last success
	touched map[string]bool      // components that reported anything
}

// Report records one attempt of component at now: a success (err nil) ends
// a failure; a failure starts one unless it already runs.
func (h *Health) Report(component string, err error, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.since == nil {
		h.since, h.touched = map[string]time.Time{}, map[string]bool{}
	}
	h.touched[component] = true
	if err == nil {
		delete(h.since, component)
		return
	}
	if _, failing := h.since[component]; !failing {
		h.since[component] = now
	}
}

// Failing returns, for every component that reported anything, whether it
// has failed without a success for at least after at now.
func (h *Health) Failing(now time.Time, after time.Duration) map[string]bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]bool{}
	for c := range h.touched {
		since, failing := h.since[c]
		out[c] = failing && now.Sub(since) >= after
	}
	return out
}

// componentNoticeChannel is how to reach the national desk about a failing
// component: not through the channel that fails.
func componentNoticeChannel(component string) hotline.Channel {
	if component == ComponentSenderSMS {
		return hotline.ChannelTelegram
	}
	return hotline.ChannelSMS
}

// checkComponents tells the national desk, once, when the Telegram poller or
// the sender on a channel has failed for FailingAfter without a success, and
// again when it works (off when 0), checked every minute.
func (s *Stages) checkComponents(ctx context.Context) error {
	now := s.Now()
	if s.FailingAfter <= 0 || s.Notices == nil || s.Health == nil || now.Sub(s.lastComponentCheck) < silenceCheckEvery {
		return nil
	}
	s.lastComponentCheck = now
	states := s.Health.Failing(now, s.FailingAfter)
	if len(states) == 0 {
		return nil
	}
	raised, cleared, err := s.Store.CheckComponents(ctx, now, s.Process, states, componentNoticeChannel, func(component string, failing bool) string {
		return s.Notices.Failing(component, failing, s.FailingAfter)
	})
	if len(raised)+len(cleared) > 0 {
		sort.Strings(raised)
		s.Log.Warn("component health", "raised", raised, "cleared", cleared)
		s.Wake()
	}
	return err
}

// reportSend records a send on ch in Health: a success, or a failure of the
// channel itself (a temporary error: network, 5xx, 429; not a recipient
// who blocked the bot or a wrong number, which say nothing of the sender).
func (s *Stages) reportSend(ch hotline.Channel, err error) {
	if s.Health == nil {
		return
	}
	component := map[hotline.Channel]string{hotline.ChannelTelegram: ComponentSenderTelegram, hotline.ChannelSMS: ComponentSenderSMS}[ch]
	if component == "" {
		return
	}
	var de *hotline.DeliveryError
	if err != nil && errors.As(err, &de) && de.Permanent {
		return
	}
	s.Health.Report(component, err, s.Now())
}
