package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"github.com/twilio/twilio-go/client"

	"github.com/hotline-al/hotline/bot"
	"github.com/hotline-al/hotline/bot/sms"
	"github.com/hotline-al/hotline/bot/telegram"
	"github.com/hotline-al/hotline/dispatch"
	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
	"github.com/hotline-al/hotline/hotline/privacy"
	"github.com/hotline-al/hotline/triage"
	"github.com/hotline-al/hotline/web"
	"github.com/hotline-al/hotline/web/console"
)

// errMissingSecret is the answer to `serve` without HOTLINE_SECRET_KEY.
var errMissingSecret = errors.New("HOTLINE_SECRET_KEY is required: 32 random bytes, base64 (e.g. `openssl rand -base64 32`)")

// App is the hotline service: every part wired, started in dependency order
// by Run and stopped in reverse. End-to-end tests run it on port 0.
type App struct {
	Config   Config
	Log      *slog.Logger
	DB       *postgres.DB
	Redis    *redis.Client
	Stages   *dispatch.Stages
	Service  *bot.Service
	Telegram *telegram.Adapter
	Poller   *telegram.Poller
	SMS      *sms.Adapter
	// Simulator is mounted at /simulator/ when set (hotline demo).
	Simulator http.Handler
	// Console is the console at /console/ (web/console).
	Console http.Handler
	// Now is the clock (time.Now unless a test sets it).
	Now      func() time.Time
	registry *prometheus.Registry
	listener net.Listener
	// Media fetches attachments after their message was stored.
	Media *dispatch.MediaStage
}

// NewApp connects to Postgres and Redis, refuses a database with pending
// migrations, and wires every part. Close releases what it opened.
func NewApp(ctx context.Context, cfg Config, log *slog.Logger, now func() time.Time) (*App, error) {
	if cfg.SecretKey == nil {
		return nil, errMissingSecret
	}
	if now == nil {
		now = time.Now
	}
	keys, err := privacy.NewKeys(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL, keys)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: db, Now: now}
	db.SetReplyWindow(cfg.ReplyWindow)
	if cfg.Escalation.Steps != nil { // LoadConfig sets it; absent = DESIGN.md's default
		db.SetEscalationPolicy(cfg.Escalation)
	}
	if err := db.CheckSchema(ctx); err != nil {
		a.Close()
		return nil, err
	}
	ropt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	a.Redis = redis.NewClient(ropt)
	if err := a.Redis.Ping(ctx).Err(); err != nil {
		a.Close()
		return nil, fmt.Errorf("connect to redis: %w", err)
	}
	if err := claimDeployment(ctx, db, a.Redis, cfg.Training, now()); err != nil {
		a.Close()
		return nil, err
	}

	catalogue, err := bot.NewCatalogue()
	if err != nil {
		a.Close()
		return nil, err
	}
	classifier, err := triage.New()
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("load triage rules: %w", err)
	}
	composer := bot.Composer{Catalogue: catalogue}
	host, _ := os.Hostname()
	queue := triage.NewQueue(a.Redis, "dispatch-"+host)
	queue.ReclaimIdle = cfg.QueueReclaimIdle
	// A supervisor's correction routes the tip again at once (else the sweeper does).
	db.OnReroute(func(ctx context.Context, e postgres.QueueEntry) {
		if err := queue.Enqueue(ctx, triage.QueueEntry{TipID: e.TipID, Level: e.Level, County: e.County}); err != nil {
			log.Warn("enqueue after correction failed; the sweeper will retry", "tip_id", e.TipID, "err", err)
		}
	})
	a.registry = prometheus.NewRegistry()
	a.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		triage.NewQueueCollector(queue))
	a.registry.MustRegister(dispatch.NewAckTimeCollector(db))
	a.Stages = &dispatch.Stages{
		Store: db, Queue: queue, Composer: composer, Channels: map[hotline.Channel]dispatch.Channel{},
		Now: now, EscalateAfter: cfg.EscalateAfter, Log: log.With("part", "dispatch"),
		Metrics: dispatch.NewMetrics(a.registry), Notices: composer, Lease: cfg.OutboxLease, RemindAfter: cfg.RemindAfter, SilenceAfter: cfg.SilenceAfter,
		Health: &dispatch.Health{}, FailingAfter: cfg.FailingAfter, Process: processName(),
	}
	a.Service = &bot.Service{Store: db, Queue: queue, Classifier: classifier, Catalogue: catalogue, Now: now,
		ConversationWindow: cfg.ReplyWindow, DiscreetSMS: cfg.DiscreetSMS, Wake: a.Stages.Wake, Log: log.With("part", "conversation"),
		Flood: triage.NewFloodLimiter(a.Redis, keys.ContactHash, cfg.FloodPerMinute), HeldBack: db, Roster: db}

	a.Console, err = (&console.Console{Store: db, Now: now, IdleTimeout: cfg.ConsoleIdleTimeout,
		Secure: strings.HasPrefix(cfg.PublicURL, "https://"), Log: log.With("part", "console"), Classifier: classifier,
		Relay: a.Service.RelayFromConsole, Training: cfg.Training, TrainingURL: cfg.TrainingURL,
		Routed: func(ctx context.Context, rc hotline.Receipt) error {
			return queue.Enqueue(ctx, triage.QueueEntry{TipID: rc.TipID, Level: rc.Level, County: rc.County})
		}}).Handler()
	if err != nil {
		a.Close()
		return nil, err
	}

	if cfg.TelegramBotToken != "" {
		api, err := telegram.NewBotAPI(cfg.TelegramBotToken, cfg.TelegramAPIEndpoint, cfg.TelegramFileEndpoint, nil)
		if err != nil {
			a.Close()
			return nil, err
		}
		a.Telegram = &telegram.Adapter{API: api, Service: a.Service, Store: db, Log: log.With("part", "telegram"), WebhookSecret: cfg.TelegramSecret,
			Shared: telegram.NewSharedLimits(a.Redis, "hotline:telegram-send:")}
		a.Stages.Channels[hotline.ChannelTelegram] = a.Telegram
		if cfg.TelegramMode == "webhook" {
			if err := api.SetWebhook(ctx, cfg.PublicURL+"/webhooks/telegram", cfg.TelegramSecret); err != nil {
				a.Close()
				return nil, err
			}
		} else {
			health := a.Stages.Health
			a.Poller = &telegram.Poller{API: api, Adapter: a.Telegram, Timeout: 10 * time.Second, Log: a.Telegram.Log,
				Report: func(err error) { health.Report(dispatch.ComponentTelegramPoller, err, a.Stages.Now()) }}
		}
	}
	if cfg.TwilioAccountSID != "" {
		tc, err := sms.NewClient(cfg.TwilioAccountSID, cfg.TwilioAuthToken, cfg.TwilioAPIURL)
		if err != nil {
			a.Close()
			return nil, err
		}
		a.SMS = &sms.Adapter{Service: a.Service, Store: db, Log: log.With("part", "sms"), PublicURL: cfg.PublicURL,
			Validator: client.NewRequestValidator(cfg.TwilioAuthToken), Client: tc, From: cfg.TwilioFrom,
			ActionHint: composer.SMSActionHint, Wake: a.Stages.Wake}
		a.Stages.Channels[hotline.ChannelSMS] = a.SMS
		if cfg.TwilioVoiceFrom != "" {
			a.Stages.Channels[hotline.ChannelVoice] = &sms.Voice{Client: tc, From: cfg.TwilioVoiceFrom}
			a.Stages.WakeCallAfter = cfg.WakeCallAfter
		}
	}
	a.Media = newMediaStage(cfg, db, a.Telegram, now, log)
	return a, nil
}

// Handler is the HTTP surface.
func (a *App) Handler() http.Handler {
	r := web.Routes{
		Simulator: a.Simulator,
		Gatherer:  a.registry,
		Checks: []web.Check{
			{Name: "postgres", Run: a.DB.Ping},
			{Name: "redis", Run: func(ctx context.Context) error { return a.Redis.Ping(ctx).Err() }},
			{Name: "migrations", Run: a.DB.CheckSchema},
		},
	}
	if a.SMS != nil {
		r.TwilioSMS, r.TwilioStatus = a.SMS.InboundHandler(), a.SMS.StatusHandler()
	}
	if a.Telegram != nil && a.Config.TelegramMode == "webhook" {
		r.Telegram = a.Telegram
	}
	r.Console = a.Console
	return web.Handler(r)
}

// Listen binds HTTP_ADDR (":0" picks a free port; see Addr).
func (a *App) Listen() error {
	l, err := net.Listen("tcp", a.Config.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.HTTPAddr, err)
	}
	a.listener = l
	return nil
}

// Addr is the bound address after Listen.
func (a *App) Addr() string { return a.listener.Addr().String() }

// Run serves until ctx ends, then stops taking work, lets work in hand
// finish, and returns within 10 s.
func (a *App) Run(ctx context.Context) error {
	if a.listener == nil {
		if err := a.Listen(); err != nil {
			return err
		}
	}
	if err := a.Stages.Init(ctx); err != nil {
		return err
	}
	// Rebuild the queue from Postgres at once (Redis may have lost it).
	if _, err := a.Stages.Sweep(ctx, 0); err != nil {
		a.Log.Warn("initial sweep failed", "err", err)
	}
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	parts := 1
	go func() { a.Stages.Run(work); done <- struct{}{} }()
	parts++
	go func() { a.reclassifyHeldBack(work); done <- struct{}{} }()
	parts++
	go func() { a.Media.Run(work); done <- struct{}{} }()
	if a.Poller != nil {
		parts++
		// One poller across processes (Telegram answers 409 to a second one).
		go func() {
			a.DB.RunExclusive(work, postgres.TelegramPollerLock, 2*time.Second, func(ctx context.Context) { _ = a.Poller.Run(ctx) })
			done <- struct{}{}
		}()
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(a.listener) }()
	a.Log.Info("hotline serving", "addr", a.listener.Addr().String(), "telegram", a.Telegram != nil, "sms", a.SMS != nil)

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		stopWork()
		return fmt.Errorf("http server: %w", err)
	}
	a.Log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx) // stops taking requests, finishes those in hand
	stopWork()
	for range parts {
		select {
		case <-done:
		case <-shutdownCtx.Done():
		}
	}
	return err
}

// Close releases connections.
func (a *App) Close() {
	if a.Redis != nil {
		_ = a.Redis.Close()
	}
	if a.DB != nil {
		a.DB.Close()
	}
}

// processName names this process in heartbeat conditions: host and pid.
func processName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d", host, os.Getpid())
}
