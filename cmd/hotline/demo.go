package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
	faketelegram "github.com/hotline-al/hotline/internal/fake/telegram"
	faketwilio "github.com/hotline-al/hotline/internal/fake/twilio"
	"github.com/hotline-al/hotline/internal/simulator"
)

//go:embed demo_roster.csv
var demoRoster []byte

// Demo credentials for the in-process fakes; they open nothing real.
const (
	demoBotToken   = "7000001:demo-token"
	demoAccountSID = "AC00000000000000000000000000000001"
	demoAuthToken  = "demoauthtoken0123456789abcdef"
	demoNumber     = "+35542000000"
)

// serveFake serves h on a free loopback port and returns its base URL.
func serveFake(ctx context.Context, h http.Handler) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	return "http://" + l.Addr().String(), nil
}

// demo runs the service with in-process fake Telegram and Twilio servers
// (the real client libraries talk to them), the example roster, and the
// simulator at /simulator/. It needs Postgres and Redis (scripts/demo
// starts them) and no credentials.
//
// Its secret key is HOTLINE_SECRET_KEY when set, else the one kept in
// demoDir (written there on the first start).
func demo(ctx context.Context, cfg Config, demoDir string, log *slog.Logger, stdout io.Writer) error {
	if cfg.SecretKey == nil {
		key, err := demoSecret(demoDir)
		if err != nil {
			return err
		}
		cfg.SecretKey = key
	}
	tg := faketelegram.New(demoBotToken, faketelegram.WithFirstUpdateID(demoFirstUpdateID(time.Now())))
	tw := faketwilio.New(demoAccountSID, demoAuthToken)
	defer tg.Close()
	defer tw.Close()
	tgURL, err := serveFake(ctx, tg)
	if err != nil {
		return err
	}
	twURL, err := serveFake(ctx, tw)
	if err != nil {
		return err
	}
	tw.SetBaseURL(twURL)
	cfg.TelegramBotToken = demoBotToken
	cfg.TelegramAPIEndpoint, cfg.TelegramFileEndpoint = tg.Endpoints(tgURL)
	cfg.TelegramMode = "polling"
	cfg.TwilioAccountSID, cfg.TwilioAuthToken, cfg.TwilioFrom, cfg.TwilioAPIURL = demoAccountSID, demoAuthToken, demoNumber, twURL
	cfg.Training = true // its own databases only (claimDeployment); every console page says so

	db, err := postgres.Open(ctx, cfg.DatabaseURL, nil)
	if err != nil {
		return err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return err
	}
	entries, err := hotline.ParseRoster(bytes.NewReader(demoRoster))
	if err != nil {
		db.Close()
		return err
	}
	if _, err := db.ImportRoster(ctx, entries, false); err != nil {
		db.Close()
		return err
	}
	responders, err := db.Responders(ctx)
	db.Close()
	if err != nil {
		return err
	}

	l, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	cfg.PublicURL = fmt.Sprintf("http://127.0.0.1:%d", port) // where the fake Twilio posts
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	app, err := NewApp(ctx, cfg, log, now)
	if err != nil {
		l.Close()
		return err
	}
	defer app.Close()
	app.listener = l
	app.Simulator = &simulator.Simulator{
		Telegram: tg, Twilio: tw, SMSWebhook: cfg.PublicURL + "/webhooks/twilio/sms", HotlineNumber: demoNumber,
		Responders: responders, Advance: func(d time.Duration) { offset.Add(int64(d)) },
	}
	fmt.Fprintf(stdout, "hotline demo: open http://localhost:%d/simulator/ (demo data only; Ctrl-C stops)\n", port)
	return app.Run(ctx)
}
