package main

import (
	"log/slog"
	"time"

	"github.com/hotline-al/hotline/bot/sms"
	"github.com/hotline-al/hotline/bot/telegram"
	"github.com/hotline-al/hotline/dispatch"
	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
)

// newMediaStage wires the media stage to the channels that are on.
func newMediaStage(cfg Config, db *postgres.DB, tg *telegram.Adapter, now func() time.Time, log *slog.Logger) *dispatch.MediaStage {
	m := &dispatch.MediaStage{Store: db, Sources: map[hotline.Channel]dispatch.MediaSource{}, MaxBytes: cfg.MediaMaxBytes,
		Now: now, Log: log.With("part", "media")}
	if tg != nil {
		if api, ok := tg.API.(*telegram.BotAPI); ok {
			m.Sources[hotline.ChannelTelegram] = api
		}
	}
	if cfg.TwilioAccountSID != "" {
		m.Sources[hotline.ChannelSMS] = sms.MediaSource{AccountSID: cfg.TwilioAccountSID, AuthToken: cfg.TwilioAuthToken, APIURL: cfg.TwilioAPIURL}
	}
	return m
}
