package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// The console's supervisor actions and relay box. Each checks the viewer's
// grant (hotline.Access) on the tip first, then calls the function that
// does the work and writes the one audit row: DB.ChangeLevel, DB.MoveCounty,
// DB.MergeTips, DB.MarkSpam (issue 4) and the relay path the bot uses.

// superviseScope checks that the viewer may supervise every tip in codes.
// Out of scope or unknown: hotline.ErrNotFound; not allowed at all:
// hotline.ErrUnauthorized.
func (db *DB) superviseScope(ctx context.Context, v hotline.Viewer, codes ...string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		for _, code := range codes {
			if _, _, err := tipInScope(ctx, tx, v, hotline.ActionSupervise, code); err != nil {
				return err
			}
		}
		return nil
	})
}

// ConsoleChangeLevel sets the tip's triage level through DB.ChangeLevel
// when the viewer may supervise the tip.
func (db *DB) ConsoleChangeLevel(ctx context.Context, v hotline.Viewer, code string, level hotline.Level, now time.Time) error {
	if err := db.superviseScope(ctx, v, code); err != nil {
		return fmt.Errorf("change level of %s: %w", code, err)
	}
	return db.ChangeLevel(ctx, ResponderActor(v.ResponderID), code, level, now)
}

// ConsoleMoveCounty moves the tip to another county (and municipality, ""
// for none) through DB.MoveCounty when the viewer may supervise the tip.
// The tip may leave the viewer's reach.
func (db *DB) ConsoleMoveCounty(ctx context.Context, v hotline.Viewer, code, county, municipality string, now time.Time) error {
	if err := db.superviseScope(ctx, v, code); err != nil {
		return fmt.Errorf("move %s: %w", code, err)
	}
	return db.MoveCounty(ctx, ResponderActor(v.ResponderID), code, county, municipality, now)
}

// ConsoleMerge folds the tip duplicateCode into survivorCode through
// DB.MergeTips when the viewer may supervise both.
func (db *DB) ConsoleMerge(ctx context.Context, v hotline.Viewer, survivorCode, duplicateCode string, now time.Time) error {
	if err := db.superviseScope(ctx, v, survivorCode, duplicateCode); err != nil {
		return fmt.Errorf("merge %s into %s: %w", duplicateCode, survivorCode, err)
	}
	return db.MergeTips(ctx, ResponderActor(v.ResponderID), survivorCode, duplicateCode, now)
}

// ConsoleMarkSpam marks the tip spam through DB.MarkSpam when the viewer
// may supervise it.
func (db *DB) ConsoleMarkSpam(ctx context.Context, v hotline.Viewer, code string, now time.Time) error {
	if err := db.superviseScope(ctx, v, code); err != nil {
		return fmt.Errorf("mark %s spam: %w", code, err)
	}
	return db.MarkSpam(ctx, ResponderActor(v.ResponderID), code, now)
}

// MaxRelayLength is the longest message (in characters) the console relays
// (hotline.MaxRelayLength).
const MaxRelayLength = hotline.MaxRelayLength

// ConsoleRelay sends text (1 to MaxRelayLength characters) from the viewer
// to the reporter of the tip through the bot's relay path (RelayToReporter's
// rules: reply window, discreet SMS, STOP/DELETE), once per key (the form's
// idempotency key). The viewer needs hotline.ActionRelay on the tip (not
// having been alerted, as the bot requires). Errors: hotline.ErrInvalid,
// hotline.ErrNotFound, hotline.ErrUnauthorized.
func (db *DB) ConsoleRelay(ctx context.Context, v hotline.Viewer, key, code, text string, now time.Time, window time.Duration,
	discreet func(channel, reporterText string) bool) (hotline.RelayResult, error) {
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > MaxRelayLength || key == "" {
		return hotline.RelayResult{}, fmt.Errorf("relay on %s: message of 1 to %d characters: %w", code, MaxRelayLength, hotline.ErrInvalid)
	}
	r := hotline.Responder{ID: v.ResponderID, Name: v.Name, Role: v.Role, County: v.County}
	noConfirmation := func(hotline.RelayResult) string { return "" } // the page says what happened
	return db.relay(ctx, "console", key, code, r, "", text, now, window, discreet, noConfirmation, func(tx pgx.Tx, _ int64) error {
		_, _, err := tipInScope(ctx, tx, v, hotline.ActionRelay, code)
		return err
	})
}
