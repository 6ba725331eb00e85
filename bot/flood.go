package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/triage"
)

// FloodLimiter says whether a reporter's message is within their allowance
// (triage.FloodLimiter). An error means the limiter could not tell; the
// message is then treated as within it.
type FloodLimiter interface {
	Allow(ctx context.Context, channel hotline.Channel, contact string) (bool, error)
}

// controlWords always take effect at once, whatever the flood limit: opting
// out (Twilio's words and Albanian NDALO) and erasure.
var controlWords = map[string]bool{
	"STOP": true, "STOPALL": true, "UNSUBSCRIBE": true, "CANCEL": true, "END": true, "QUIT": true,
	"OPTOUT": true, "REVOKE": true, "NDALO": true, "FSHIJ": true, "DELETE": true,
}

// isControlWord reports whether text is one of controlWords (any case,
// surrounding spaces and punctuation ignored).
func isControlWord(text string) bool {
	w := strings.ToUpper(strings.Trim(strings.TrimSpace(text), ".!, "))
	return controlWords[w]
}

// overLimit reports whether in should be held back: its reporter is over
// the flood limit and it is not a control word. Without a limiter, or when
// the limiter fails, nothing is held back.
func (s *Service) overLimit(ctx context.Context, in hotline.InboundMessage) bool {
	if s.Flood == nil || in.Contact == "" || in.Keyword != "" || isControlWord(in.Text) {
		return false
	}
	ok, err := s.Flood.Allow(ctx, in.Channel, in.Contact)
	if err != nil {
		s.Log.Warn("flood limiter unavailable; message handled at once", "err", err)
	}
	return !ok
}

// floodWriters bounds how many held-back messages are stored at once, so
// that a flood leaves database connections free for everyone else's
// messages and for routing; a held-back message waits its turn here (its
// webhook answers a little later, still well within the channel's timeout).
const floodWriters = 2

// floodSlot waits for one of floodWriters slots and returns its release.
func (s *Service) floodSlot(ctx context.Context) func() {
	s.floodOnce.Do(func() { s.floodSlots = make(chan struct{}, floodWriters) })
	select {
	case s.floodSlots <- struct{}{}:
		return func() { <-s.floodSlots }
	case <-ctx.Done():
		return func() {} // store anyway: the write itself is detached from ctx
	}
}

// HeldBackStore is what ReclassifyHeldBack needs (hotline/postgres.DB).
type HeldBackStore interface {
	HeldBack(ctx context.Context, limit int) ([]int64, error)
	Reclassify(ctx context.Context, tipID int64, classify func(string) hotline.Classification, now time.Time) (hotline.Level, string, bool, error)
}

// ReclassifyHeldBack classifies up to limit tips whose messages were held
// back by the flood limit and queues them for routing: a P1 hidden in a
// flood is routed at the next pass. It returns how many it reclassified.
func (s *Service) ReclassifyHeldBack(ctx context.Context, limit int) (int, error) {
	if s.HeldBack == nil {
		return 0, nil
	}
	ids, err := s.HeldBack.HeldBack(ctx, limit)
	if err != nil {
		return 0, err
	}
	classify := func(text string) hotline.Classification { return s.Classifier.Classify(text) }
	n := 0
	for _, id := range ids {
		level, county, ok, err := s.HeldBack.Reclassify(ctx, id, classify, s.Now())
		if err != nil {
			return n, fmt.Errorf("reclassify held-back tip %d: %w", id, err)
		}
		if !ok {
			continue
		}
		n++
		if err := s.Queue.Enqueue(ctx, triage.QueueEntry{TipID: id, Level: level, County: county}); err != nil {
			s.Log.Warn("enqueue failed; the sweeper will retry", "tip_id", id, "err", err)
		}
	}
	if n > 0 {
		s.Log.Info("held-back tips reclassified", "count", n)
		s.wake()
	}
	return n, nil
}
