package dispatch

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/hotline-al/hotline/hotline"
)

// MediaStore is what the media stage needs (implemented by hotline/postgres).
type MediaStore interface {
	ClaimMedia(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]hotline.MediaItem, error)
	StoreMedia(ctx context.Context, id int64, data []byte, contentType string, now time.Time) error
	MediaNotStored(ctx context.Context, id int64, state, reason string, size int64, retryAt time.Time) error
}

// MediaSource downloads an attachment of one channel, at most max bytes
// (hotline.ErrMediaTooLarge beyond).
type MediaSource interface {
	FetchMedia(ctx context.Context, locator string, max int64) ([]byte, string, error)
}

// MediaStage fetches attachments after their message was stored, so the
// file itself stays with the tip (links expire). Failed downloads are
// retried with backoff up to 8 times.
type MediaStage struct {
	Store    MediaStore
	Sources  map[hotline.Channel]MediaSource
	MaxBytes int64 // MEDIA_MAX_BYTES
	Now      func() time.Time
	Log      *slog.Logger
}

// FetchOnce fetches the attachments due now and returns how many it handled.
func (m *MediaStage) FetchOnce(ctx context.Context) (int, error) {
	items, err := m.Store.ClaimMedia(ctx, m.Now(), 2*time.Minute, 8)
	if err != nil {
		return 0, err
	}
	for _, it := range items {
		log := m.Log.With("media_id", it.ID, "channel", it.Channel, "kind", it.Kind)
		src, ok := m.Sources[it.Channel]
		if !ok {
			_ = m.Store.MediaNotStored(ctx, it.ID, "failed", "channel off", 0, time.Time{})
			continue
		}
		fetchCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
		data, contentType, err := src.FetchMedia(fetchCtx, it.Locator, m.MaxBytes)
		cancel()
		switch {
		case err == nil:
			if err := m.Store.StoreMedia(ctx, it.ID, data, contentType, m.Now()); err != nil {
				log.Error("media fetched but not stored; will fetch again", "err", err)
				continue
			}
			log.Info("media stored", "bytes", len(data))
		case errors.Is(err, hotline.ErrMediaTooLarge):
			log.Warn("media over MEDIA_MAX_BYTES: metadata kept, file not stored")
			_ = m.Store.MediaNotStored(ctx, it.ID, "too_large", err.Error(), m.MaxBytes+1, time.Time{})
		case it.Attempts >= 8:
			log.Warn("media not fetched; giving up", "err", err)
			_ = m.Store.MediaNotStored(ctx, it.ID, "failed", err.Error(), 0, time.Time{})
		default:
			wait := backoff(it.Attempts)
			log.Warn("media not fetched; will retry", "err", err, "retry_in", wait)
			_ = m.Store.MediaNotStored(ctx, it.ID, "pending", err.Error(), 0, m.Now().Add(wait))
		}
	}
	return len(items), nil
}

// Run fetches every second until ctx ends.
func (m *MediaStage) Run(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := m.FetchOnce(ctx)
		if err != nil && ctx.Err() == nil {
			m.Log.Warn("media stage", "err", err)
		}
		if n == 0 {
			sleepCtx(ctx, time.Second)
		}
	}
}
