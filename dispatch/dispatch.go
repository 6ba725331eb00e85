// Package dispatch runs hotline's background stages: the router (triage
// queue → alerts in the outbox), the sweeper (rebuilds the queue from
// Postgres), the sender (outbox → Telegram / SMS, with retries and
// fallback) and the escalator (unacknowledged alerts → coordinator →
// national desk). Each stage is safe to run in several processes at once.
package dispatch

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
	"github.com/hotline-al/hotline/hotline/privacy"
	"github.com/hotline-al/hotline/triage"
)

// Store is what the stages need from Postgres (hotline/postgres.DB).
type Store interface {
	Dispatch(ctx context.Context, tipID int64, now time.Time, escalateAfter time.Duration, compose hotline.Composer) (postgres.DispatchResult, error)
	PendingDispatch(ctx context.Context, before time.Time, limit int) ([]postgres.QueueEntry, error)
	EscalateDue(ctx context.Context, now time.Time, escalateAfter time.Duration, compose hotline.Composer, limit int) (int, error)
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]hotline.OutboundMessage, error)
	MarkSent(ctx context.Context, id int64, externalID string, now time.Time) error
	MarkRetry(ctx context.Context, id int64, reason string, next time.Time) error
	MarkFailed(ctx context.Context, id int64, reason string, now time.Time) (bool, error)
	ReporterContact(ctx context.Context, reporterID int64) (hotline.Channel, string, error)
	MarkContactBroken(ctx context.Context, responderID int64, ch hotline.Channel, code string, now time.Time, notices hotline.ContactNotices) (bool, error)
	QueueWakeCalls(ctx context.Context, now time.Time, after time.Duration, words func(hotline.TipSummary) string, limit int) (int, error)
	QueueReminders(ctx context.Context, now time.Time, every time.Duration, words func(hotline.TipSummary, int) (string, []hotline.Button), limit int) (int, error)
	CheckSilence(ctx context.Context, now time.Time, silence time.Duration, sources []string, words func(source string, silent bool) string) (raised, cleared []string, err error)
	RecentSMS(ctx context.Context, responderID int64, since time.Time) (count int, oldest time.Time, err error)
	HoldOutbox(ctx context.Context, id int64, until time.Time, reason string) error
	CheckComponents(ctx context.Context, now time.Time, process string, failing map[string]bool, via func(component string) hotline.Channel,
		words func(component string, failing bool) string) (raised, cleared []string, err error)
	HandOver(ctx context.Context, now time.Time, words func(hotline.TipSummary, []string) string) (int, error)
}

// Queue is the triage queue (triage.Queue).
type Queue interface {
	Ensure(ctx context.Context) error
	Enqueue(ctx context.Context, e triage.QueueEntry) error
	Next(ctx context.Context, block time.Duration) ([]triage.Delivery, error)
	Ack(ctx context.Context, d triage.Delivery) error
	Retry(d triage.Delivery)
}

// Channel sends one outbox item to an address: a Telegram chat id or an
// E.164 phone. It returns the channel's id for the message, or an error
// (a *hotline.DeliveryError says whether to retry).
type Channel interface {
	Send(ctx context.Context, to string, m hotline.OutboundMessage) (string, error)
}

// Stages holds the shared parts of every stage.
type Stages struct {
	Store    Store
	Queue    Queue
	Composer hotline.Composer
	// Channels by name; a missing channel means it is switched off: items
	// for it fail over to the other contact method.
	Channels map[hotline.Channel]Channel
	// Now is the clock.
	Now func() time.Time
	// EscalateAfter is ESCALATE_AFTER.
	EscalateAfter time.Duration
	Log           *slog.Logger
	// Lease is how long a claimed outbox item is this sender's before
	// another may take it (OUTBOX_LEASE; 0 = 60 s).
	Lease time.Duration
	// WakeCallAfter: a P1 tip still unacknowledged this long after its
	// alert also calls the alerted responders by phone (WAKE_CALL_AFTER; 0 = off).
	WakeCallAfter time.Duration
	// RemindAfter: an acknowledged tip not closed this long after (and
	// every this long since) reminds those who acknowledged it (REMIND_AFTER; 0 = off).
	RemindAfter time.Duration
	// SilenceAfter: a channel that received nothing this long is told to the
	// national desk (HEARTBEAT_SILENCE; 0 = off).
	SilenceAfter     time.Duration
	lastSilenceCheck time.Time
	lastHandover     time.Time
	// Health collects how this process's Telegram poller and sender fare;
	// FailingAfter is how long one may fail without a success before the
	// national desk is told (HEARTBEAT_FAILING; 0 = off).
	Health       *Health
	FailingAfter time.Duration
	// Process names this process in heartbeat conditions (e.g. host and
	// pid); "" is one process.
	Process            string
	lastComponentCheck time.Time
	// SMSPerMinute: alert SMS to one responder beyond this many a minute
	// are bundled (0 = 3).
	SMSPerMinute int
	// Notices words messages about delivery problems; optional.
	Notices Notices
	// Metrics, optional.
	Metrics *Metrics
	wake    chan struct{}
}

// Wake nudges the sender to look at the outbox now (after new items were
// queued); it never blocks.
func (s *Stages) Wake() {
	select {
	case s.wakeChan() <- struct{}{}:
	default:
	}
}

func (s *Stages) wakeChan() chan struct{} {
	if s.wake == nil {
		s.wake = make(chan struct{}, 1)
	}
	return s.wake
}

// Init prepares the stages before they run (creates the queue's groups).
func (s *Stages) Init(ctx context.Context) error {
	s.wakeChan()
	return s.Queue.Ensure(ctx)
}

// RouteOnce routes whatever the queue hands out now (blocking up to block
// when it is empty) and returns how many deliveries it handled. An entry is
// acknowledged only after Dispatch committed; one that failed stays
// unacknowledged and is given back (Queue.Retry: handed out again a few
// seconds later, other entries meanwhile) and the others of the batch are
// still routed. The first error is returned.
func (s *Stages) RouteOnce(ctx context.Context, block time.Duration) (int, error) {
	ds, err := s.Queue.Next(ctx, block)
	if err != nil {
		return 0, err
	}
	var firstErr error
	done := 0
	for _, d := range ds {
		res, err := s.Store.Dispatch(ctx, d.TipID, s.Now(), s.EscalateAfter, s.Composer)
		if errors.Is(err, hotline.ErrNotFound) {
			s.Log.Warn("queued tip does not exist; dropped", "tip_id", d.TipID)
		} else if err != nil {
			s.Queue.Retry(d)
			firstErr = cmp.Or(firstErr, fmt.Errorf("route tip %d: %w", d.TipID, err))
			continue
		}
		if err := s.Queue.Ack(ctx, d); err != nil {
			firstErr = cmp.Or(firstErr, err)
			continue
		}
		done++
		if res.Alerts > 0 {
			s.Log.Info("tip routed", "tip_id", d.TipID, "level", d.Level, "county", d.County, "alerts", res.Alerts)
			s.Wake()
		}
	}
	return done, firstErr
}

// Sweep re-enqueues tips whose routing is pending and older than grace:
// after a crash between commit and enqueue, or a Redis loss. Routing is
// idempotent, so a tip queued twice is routed once.
func (s *Stages) Sweep(ctx context.Context, grace time.Duration) (int, error) {
	entries, err := s.Store.PendingDispatch(ctx, s.Now().Add(-grace), 500)
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		if err := s.Queue.Enqueue(ctx, triage.QueueEntry{TipID: e.TipID, Level: e.Level, County: e.County}); err != nil {
			return 0, err
		}
	}
	if len(entries) > 0 {
		s.Log.Info("pending tips re-enqueued", "count", len(entries))
	}
	return len(entries), nil
}

// EscalateOnce escalates every tip whose deadline passed.
func (s *Stages) EscalateOnce(ctx context.Context) (int, error) {
	if err := s.queueWakeCalls(ctx); err != nil {
		return 0, err
	}
	if err := s.queueReminders(ctx); err != nil {
		return 0, err
	}
	if err := s.checkSilence(ctx); err != nil {
		return 0, err
	}
	if err := s.checkComponents(ctx); err != nil {
		return 0, err
	}
	if err := s.handOver(ctx); err != nil {
		return 0, err
	}
	n, err := s.Store.EscalateDue(ctx, s.Now(), s.EscalateAfter, s.Composer, 100)
	if n > 0 {
		s.Log.Info("tips escalated", "count", n)
		s.Wake()
	}
	return n, err
}

// defaultSendLease is how long a claimed item is ours before another
// sender may take it (a sender that died mid-send), unless Stages.Lease.
const defaultSendLease = 60 * time.Second

// SendOnce sends the outbox items due now and returns how many it handled.
func (s *Stages) SendOnce(ctx context.Context) (int, error) {
	// Not cancelled by shutdown: claimed items are then drained below, not
	// left leased (a cancelled claim may still have committed).
	lease := s.Lease
	if lease <= 0 {
		lease = defaultSendLease
	}
	items, err := s.Store.ClaimOutbox(context.WithoutCancel(ctx), s.Now(), lease, 20)
	if err != nil {
		return 0, err
	}
	n := len(items)
	items = s.throttleSMS(context.WithoutCancel(ctx), items)
	for _, m := range items {
		// An item in hand is finished even during shutdown (drain), within
		// a bound; leaving it leased would delay it by the lease.
		itemCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
		s.send(itemCtx, m)
		cancel()
	}
	return n, nil
}

func (s *Stages) send(ctx context.Context, m hotline.OutboundMessage) {
	log := s.Log.With("outbox_id", m.ID, "kind", m.Kind, "channel", m.Channel, "tip", m.ReferenceCode)
	to := ""
	switch {
	case m.Responder != nil && m.Channel == hotline.ChannelTelegram:
		to = strconv.FormatInt(m.Responder.TelegramChatID, 10)
	case m.Responder != nil:
		to = m.Responder.Phone
	default:
		ch, contact, err := s.Store.ReporterContact(ctx, m.ReporterID)
		if errors.Is(err, hotline.ErrNotFound) || errors.Is(err, hotline.ErrUnauthorized) {
			log.Info("reporter erased or opted out: not sent")
			_, _ = s.Store.MarkFailed(ctx, m.ID, "reporter unreachable by choice", s.Now())
			return
		}
		if errors.Is(err, privacy.ErrCannotOpen) {
			// Sealed with another HOTLINE_SECRET_KEY: no retry will open it.
			log.Error("reporter contact cannot be unsealed (secret key changed?): not sent")
			_, _ = s.Store.MarkFailed(ctx, m.ID, "reporter contact cannot be unsealed", s.Now())
			s.Metrics.failed(m)
			return
		}
		if err != nil {
			log.Error("reporter contact unavailable", "err", err)
			_ = s.Store.MarkRetry(ctx, m.ID, "contact unavailable", s.Now().Add(backoff(m.Attempts)))
			return
		}
		m.Channel, to = ch, contact
	}
	channel, ok := s.Channels[m.Channel]
	if !ok || to == "" || to == "0" {
		fellBack, err := s.Store.MarkFailed(ctx, m.ID, "channel off or no address", s.Now())
		log.Warn("channel unavailable", "fell_back", fellBack, "err", err)
		return
	}
	s.markRepeat(&m, log)
	start := s.Now()
	externalID, err := channel.Send(ctx, to, m)
	s.reportSend(m.Channel, err)
	s.settle(ctx, m, externalID, err, start, log)
}

// settle records the outcome of sending m (the channel's id for it, or
// err): sent; or, for a permanent error or the 8th attempt, failed (and
// queued on the responder's other contact method); else retried later.
func (s *Stages) settle(ctx context.Context, m hotline.OutboundMessage, externalID string, err error, start time.Time, log *slog.Logger) {
	if err == nil {
		if err := s.Store.MarkSent(ctx, m.ID, externalID, s.Now()); err != nil {
			log.Error("sent but not recorded; may be sent again", "err", err)
		}
		s.Metrics.sent(m, s.Now().Sub(start))
		log.Info("sent")
		return
	}
	var de *hotline.DeliveryError
	errors.As(err, &de)
	switch {
	case de != nil && de.Permanent, m.Attempts >= 8:
		s.contactFailed(ctx, m, de, log)
		fellBack, ferr := s.Store.MarkFailed(ctx, m.ID, err.Error(), s.Now())
		s.Metrics.failed(m)
		log.Warn("delivery failed", "err", err, "fell_back", fellBack, "store_err", ferr)
		if fellBack {
			s.Wake()
		}
	default:
		wait := backoff(m.Attempts)
		if de != nil && de.RetryAfter > wait {
			wait = de.RetryAfter
		}
		_ = s.Store.MarkRetry(ctx, m.ID, err.Error(), s.Now().Add(wait))
		log.Warn("delivery will be retried", "err", err, "retry_in", wait)
	}
}

// backoff is the wait before retry n (1-based): 1 s, 2 s, 4 s … capped at
// 5 minutes, with jitter.
func backoff(attempt int) time.Duration {
	d := time.Second << min(max(attempt-1, 0), 8)
	d = min(d, 5*time.Minute)
	return d + time.Duration(rand.Int64N(int64(d/4)+1))
}

// Run runs every stage until ctx ends.
func (s *Stages) Run(ctx context.Context) {
	done := make(chan struct{}, 4)
	loop := func(name string, every time.Duration, f func() error) {
		defer func() { done <- struct{}{} }()
		t := time.NewTicker(every)
		defer t.Stop()
		for ctx.Err() == nil {
			if err := f(); err != nil && ctx.Err() == nil {
				s.Log.Error("stage failed", "stage", name, "err", err)
				sleepCtx(ctx, time.Second)
			}
			if name == "sender" {
				select {
				case <-ctx.Done():
				case <-t.C:
				case <-s.wakeChan():
				}
				continue
			}
			if name != "router" {
				select {
				case <-ctx.Done():
				case <-t.C:
				}
			}
		}
	}
	go loop("router", time.Second, func() error { _, err := s.RouteOnce(ctx, time.Second); return err })
	go loop("sweeper", 15*time.Second, func() error { _, err := s.Sweep(ctx, 10*time.Second); return err })
	go loop("escalator", time.Second, func() error { _, err := s.EscalateOnce(ctx); return err })
	go loop("sender", 500*time.Millisecond, func() error {
		for {
			n, err := s.SendOnce(ctx)
			if err != nil || n == 0 || ctx.Err() != nil {
				return err
			}
		}
	})
	for range 4 {
		<-done
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
