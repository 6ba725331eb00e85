package dispatch

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// defaultSMSPerMinute is how many SMS one responder gets singly within a
// minute before further alerts are bundled.
const defaultSMSPerMinute = 3

// bundleable reports whether m is an alert-like SMS to a responder that may
// go inside a bundle: an alert, an escalation or new information on a tip.
func bundleable(m hotline.OutboundMessage) bool {
	if m.Responder == nil || m.Channel != hotline.ChannelSMS || m.Responder.Phone == "" {
		return false
	}
	switch m.Kind {
	case hotline.OutboxAlert, hotline.OutboxEscalation, hotline.OutboxTipUpdate:
		return true
	}
	return false
}

// throttleSMS keeps a responder's phone from getting more than SMSPerMinute
// SMS a minute: of the claimed alert SMS to one responder, as many go singly
// as the last minute leaves room for; two or more beyond that go at once as
// one bundled SMS (each item is recorded sent with the bundle's id, so
// delivery reports, fallback and acknowledgement by OK <code> work for each);
// a single one beyond waits, without losing an attempt, until the minute
// frees up, unless it is P1 (P1 is never delayed); items held back together
// go together as one bundle when due. It returns the items to send singly.
func (s *Stages) throttleSMS(ctx context.Context, items []hotline.OutboundMessage) []hotline.OutboundMessage {
	limit := s.SMSPerMinute
	if limit <= 0 {
		limit = defaultSMSPerMinute
	}
	if s.Notices == nil {
		return items
	}
	byResponder := map[int64][]hotline.OutboundMessage{}
	var singles []hotline.OutboundMessage
	for _, m := range items {
		if bundleable(m) {
			byResponder[m.Responder.ID] = append(byResponder[m.Responder.ID], m)
		} else {
			singles = append(singles, m)
		}
	}
	ids := make([]int64, 0, len(byResponder))
	for id := range byResponder {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	now := s.Now()
	for _, id := range ids {
		group := byResponder[id] // in claim order: most urgent first
		var held []hotline.OutboundMessage
		group = slices.DeleteFunc(group, func(m hotline.OutboundMessage) bool {
			if m.Held {
				held = append(held, m)
			}
			return m.Held
		})
		if len(held) >= 2 {
			// Held back together: they go together.
			itemCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
			s.sendBundle(itemCtx, held)
			cancel()
		} else {
			group = append(held, group...)
		}
		if len(group) == 0 {
			continue
		}
		recent, oldest, err := s.Store.RecentSMS(ctx, id, now.Add(-time.Minute))
		if err != nil {
			s.Log.Warn("recent SMS not counted; sent singly", "responder", id, "err", err)
			singles = append(singles, group...)
			continue
		}
		free := min(max(limit-recent, 0), len(group))
		singles = append(singles, group[:free]...)
		rest := group[free:]
		switch {
		case len(rest) == 0:
		case len(rest) == 1 && rest[0].Priority == 1:
			singles = append(singles, rest[0]) // P1 never waits
		case len(rest) == 1:
			until := now.Add(time.Minute)
			if recent > 0 {
				until = oldest.Add(time.Minute)
			}
			if err := s.Store.HoldOutbox(ctx, rest[0].ID, until, "held: more than a few SMS a minute to this responder"); err != nil {
				s.Log.Warn("SMS not held; sent singly", "outbox_id", rest[0].ID, "err", err)
				singles = append(singles, rest[0])
			}
		default:
			itemCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
			s.sendBundle(itemCtx, rest)
			cancel()
		}
	}
	return singles
}

// sendBundle sends alert SMS items (two or more, to one responder) as one
// SMS naming each tip, and settles each with its outcome.
func (s *Stages) sendBundle(ctx context.Context, items []hotline.OutboundMessage) {
	first := items[0]
	log := s.Log.With("outbox_ids", len(items), "kind", "bundle", "channel", first.Channel)
	channel, ok := s.Channels[hotline.ChannelSMS]
	if !ok {
		for _, m := range items {
			fellBack, err := s.Store.MarkFailed(ctx, m.ID, "channel off or no address", s.Now())
			log.Warn("channel unavailable", "fell_back", fellBack, "err", err)
		}
		return
	}
	titles := make([]string, len(items))
	for i, m := range items {
		s.markRepeat(&m, log)
		titles[i] = bundleLine(m.Body)
	}
	bundle := first
	bundle.Body, bundle.Buttons = s.Notices.Bundle(titles), nil
	start := s.Now()
	externalID, err := channel.Send(ctx, first.Responder.Phone, bundle)
	s.reportSend(hotline.ChannelSMS, err)
	for _, m := range items {
		s.settle(ctx, m, externalID, err, start, log.With("outbox_id", m.ID, "tip", m.ReferenceCode))
	}
	if err == nil {
		log.Info("alerts bundled in one SMS", "count", len(items))
	}
}

// bundleExcerpt is how much of each tip's text a bundle carries, in
// characters.
const bundleExcerpt = 160

// bundleLine is an alert's line in a bundle: its title (the first line:
// level, place, code) and the start of the tip's text (after the first
// blank line), on one line.
func bundleLine(body string) string {
	title, rest, _ := strings.Cut(body, "\n")
	if _, text, ok := strings.Cut(rest, "\n\n"); ok {
		rest = text
	}
	excerpt := []rune(strings.Join(strings.Fields(rest), " "))
	if len(excerpt) > bundleExcerpt {
		excerpt = append(excerpt[:bundleExcerpt], '…')
	}
	if len(excerpt) == 0 {
		return title
	}
	return title + ": " + string(excerpt)
}
