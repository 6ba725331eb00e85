package hotline

import "errors"

// ErrMediaTooLarge is returned by a media source when a file is larger than
// MEDIA_MAX_BYTES: its metadata stays with the tip, the file is not kept.
var ErrMediaTooLarge = errors.New("media larger than MEDIA_MAX_BYTES")

// MediaItem is an attachment awaiting its fetch: Locator is the Telegram
// file_id or the Twilio MediaUrl (never logged: the URL is a capability).
type MediaItem struct {
	ID          int64
	Channel     Channel
	Kind        string
	Locator     string
	ContentType string
	Attempts    int
}
