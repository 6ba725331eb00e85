package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// queueMedia records each attachment of an inbound message for the media
// stage to fetch (in the intake transaction, after the de-duplication claim).
func (db *DB) queueMedia(ctx context.Context, tx pgx.Tx, messageID int64, tipID *int64, in hotline.InboundMessage) error {
	for _, m := range in.Media {
		locator := m.FileID
		if locator == "" {
			locator = m.URL
		}
		if locator == "" {
			continue // a location or a contact: nothing to fetch
		}
		sealed := db.keys.Seal([]byte(locator), "media-locator")
		if _, err := tx.Exec(ctx, `INSERT INTO media_files (message_id, tip_id, channel, kind, locator_encrypted, content_type, next_attempt_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, messageID, tipID, string(in.Channel), m.Kind, sealed, m.ContentType, in.ReceivedAt); err != nil {
			return fmt.Errorf("queue media of message %d: %w", messageID, err)
		}
	}
	return nil
}

// ClaimMedia returns up to limit attachments due for fetching at now and
// pushes their next attempt lease later, so that another process does not
// fetch them at the same time (SKIP LOCKED).
func (db *DB) ClaimMedia(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]hotline.MediaItem, error) {
	rows, err := db.pool.Query(ctx, `
		WITH due AS (SELECT id FROM media_files WHERE state = 'pending' AND next_attempt_at <= $1
			ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
		UPDATE media_files m SET attempts = m.attempts + 1, next_attempt_at = $2 FROM due WHERE m.id = due.id
		RETURNING m.id, m.channel, m.kind, m.locator_encrypted, m.content_type, m.attempts`, now, now.Add(lease), limit)
	if err != nil {
		return nil, fmt.Errorf("claim media: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (hotline.MediaItem, error) {
		var it hotline.MediaItem
		var channel string
		var sealed []byte
		if err := r.Scan(&it.ID, &channel, &it.Kind, &sealed, &it.ContentType, &it.Attempts); err != nil {
			return it, err
		}
		it.Channel = hotline.Channel(channel)
		plain, err := db.keys.Open(sealed, "media-locator")
		it.Locator = string(plain)
		return it, err
	})
	if err != nil {
		return nil, fmt.Errorf("claim media: %w", err)
	}
	return items, nil
}

// StoreMedia keeps the fetched file of attachment id, sealed.
func (db *DB) StoreMedia(ctx context.Context, id int64, data []byte, contentType string, now time.Time) error {
	_, err := db.pool.Exec(ctx, `UPDATE media_files SET state = 'stored', data_encrypted = $2, bytes = $3,
		content_type = COALESCE(NULLIF($4, ''), content_type), stored_at = $5, error = '' WHERE id = $1`,
		id, db.keys.Seal(data, "media"), len(data), contentType, now)
	if err != nil {
		return fmt.Errorf("store media %d: %w", id, err)
	}
	return nil
}

// MediaNotStored records why attachment id was not fetched: state
// 'too_large' or 'failed' (final), or, with retryAt set, pending again then.
func (db *DB) MediaNotStored(ctx context.Context, id int64, state, reason string, size int64, retryAt time.Time) error {
	if !retryAt.IsZero() {
		state = "pending"
	}
	_, err := db.pool.Exec(ctx, `UPDATE media_files SET state = $2, error = $3, bytes = GREATEST(bytes, $4),
		next_attempt_at = CASE WHEN $5::timestamptz IS NULL THEN next_attempt_at ELSE $5 END WHERE id = $1`,
		id, state, reason, size, nullTime(retryAt))
	if err != nil {
		return fmt.Errorf("record media %d %s: %w", id, state, err)
	}
	return nil
}

// MediaFile returns the stored file of attachment id (unsealed) and its
// content type: for the console and tests. hotline.ErrNotFound when it was
// not stored.
func (db *DB) MediaFile(ctx context.Context, id int64) ([]byte, string, error) {
	var sealed []byte
	var contentType string
	err := db.pool.QueryRow(ctx, `SELECT data_encrypted, content_type FROM media_files WHERE id = $1 AND state = 'stored'`, id).Scan(&sealed, &contentType)
	if err == pgx.ErrNoRows {
		return nil, "", fmt.Errorf("media %d: %w", id, hotline.ErrNotFound)
	}
	if err != nil {
		return nil, "", fmt.Errorf("media %d: %w", id, err)
	}
	data, err := db.keys.Open(sealed, "media")
	return data, contentType, err
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
