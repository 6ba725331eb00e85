package main

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/privacy"
)

// Config is hotline's configuration, from the environment variables of
// DESIGN.md. Load validates it.
type Config struct {
	DatabaseURL          string
	RedisURL             string
	HTTPAddr             string
	PublicURL            string
	SecretKey            []byte // 32 bytes; nil when HOTLINE_SECRET_KEY is unset
	TelegramBotToken     string
	TelegramAPIEndpoint  string
	TelegramFileEndpoint string
	TelegramMode         string // polling or webhook
	TelegramSecret       string
	TelegramBotUsername  string // without "@"; "" = unknown (link codes without a deep link)
	TwilioAccountSID     string
	TwilioAuthToken      string
	TwilioFrom           string
	TwilioAPIURL         string
	EscalateAfter        time.Duration
	Escalation           hotline.EscalationPolicy // ESCALATION_* (escalation_config.go)
	OutboxLease          time.Duration            // OUTBOX_LEASE: how long a sender holds a claimed item
	WakeCallAfter        time.Duration            // WAKE_CALL_AFTER; 0 = off
	RemindAfter          time.Duration            // REMIND_AFTER; 0 = off
	SilenceAfter         time.Duration            // HEARTBEAT_SILENCE; 0 = off
	FailingAfter         time.Duration            // HEARTBEAT_FAILING; 0 = off
	TwilioVoiceFrom      string                   // TWILIO_VOICE_FROM: caller id of wake-up calls
	ReplyWindow          time.Duration
	DiscreetSMS          bool
	MediaMaxBytes        int64
	// QueueReclaimIdle is QUEUE_RECLAIM_IDLE: how long a triage queue entry
	// may stay claimed but unacknowledged before another worker takes it.
	QueueReclaimIdle time.Duration
	// FloodPerMinute is FLOOD_PER_MINUTE: messages a reporter gets classified
	// and answered at once per minute; more are stored and classified later.
	FloodPerMinute     int
	ConsoleIdleTimeout time.Duration // CONSOLE_IDLE_TIMEOUT: a console session unused this long ends
	// TrainingURL is TRAINING_URL: the training instance (`hotline demo`,
	// its own databases) the live console links to; "" for no link.
	TrainingURL string
	// Training is set by `hotline demo` (not from the environment): the
	// console is marked as training on every page; see claimDeployment.
	Training bool
}

// telegramBotUsername is the shape of a Telegram bot's username.
var telegramBotUsername = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{2,29}[Bb][Oo][Tt]$`)

// defaultDatabaseURL is the local instance scripts/demo starts.
const defaultDatabaseURL = "postgres://hotline@127.0.0.1:5432/hotline?sslmode=disable"

// LoadConfig reads the configuration from getenv and validates it; the
// error names the variable and the reason in one line.
func LoadConfig(getenv func(string) string) (Config, error) {
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		DatabaseURL:          get("DATABASE_URL", defaultDatabaseURL),
		RedisURL:             get("REDIS_URL", "redis://127.0.0.1:6379/0"),
		HTTPAddr:             get("HTTP_ADDR", ":8080"),
		PublicURL:            strings.TrimRight(get("PUBLIC_URL", "http://localhost:8080"), "/"),
		TrainingURL:          get("TRAINING_URL", ""),
		TelegramBotToken:     get("TELEGRAM_BOT_TOKEN", ""),
		TelegramAPIEndpoint:  get("TELEGRAM_API_ENDPOINT", ""),
		TelegramFileEndpoint: get("TELEGRAM_FILE_ENDPOINT", ""),
		TelegramMode:         get("TELEGRAM_MODE", "polling"),
		TelegramSecret:       get("TELEGRAM_WEBHOOK_SECRET", ""),
		TelegramBotUsername:  strings.TrimPrefix(get("TELEGRAM_BOT_USERNAME", ""), "@"),
		TwilioAccountSID:     get("TWILIO_ACCOUNT_SID", ""),
		TwilioAuthToken:      get("TWILIO_AUTH_TOKEN", ""),
		TwilioFrom:           get("TWILIO_FROM", ""),
		TwilioAPIURL:         get("TWILIO_API_URL", ""),
	}
	var errs []error
	if s := getenv("HOTLINE_SECRET_KEY"); s != "" {
		key, err := privacy.ParseSecret(s)
		if err != nil {
			errs = append(errs, err)
		}
		c.SecretKey = key
	}
	errs = append(errs, checkAddresses(c)...)
	duration := func(k, def string) time.Duration {
		d, err := time.ParseDuration(get(k, def))
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s must be a positive Go duration such as 5m", k))
		}
		return d
	}
	c.EscalateAfter = duration("ESCALATE_AFTER", "5m")
	c.ReplyWindow = duration("REPLY_WINDOW", "15m")
	c.QueueReclaimIdle = duration("QUEUE_RECLAIM_IDLE", "30s")
	c.ConsoleIdleTimeout = duration("CONSOLE_IDLE_TIMEOUT", "30m")
	c.OutboxLease = duration("OUTBOX_LEASE", "60s")
	var perr error
	if c.Escalation, perr = escalationPolicy(get, c.EscalateAfter); perr != nil {
		errs = append(errs, perr)
	}
	if c.WakeCallAfter, c.TwilioVoiceFrom, perr = wakeCallConfig(get, c.TwilioFrom); perr != nil {
		errs = append(errs, perr)
	}
	if c.RemindAfter, perr = offOrDuration(get, "REMIND_AFTER", "24h"); perr != nil {
		errs = append(errs, perr)
	}
	if c.SilenceAfter, perr = offOrDuration(get, "HEARTBEAT_SILENCE", "6h"); perr != nil {
		errs = append(errs, perr)
	}
	if c.FailingAfter, perr = offOrDuration(get, "HEARTBEAT_FAILING", "5m"); perr != nil {
		errs = append(errs, perr)
	}
	var err error
	if c.FloodPerMinute, err = strconv.Atoi(get("FLOOD_PER_MINUTE", "20")); err != nil || c.FloodPerMinute <= 0 {
		errs = append(errs, errors.New("FLOOD_PER_MINUTE must be a positive number of messages"))
	}
	if c.DiscreetSMS, err = strconv.ParseBool(get("DISCREET_SMS", "true")); err != nil {
		errs = append(errs, errors.New("DISCREET_SMS must be true or false"))
	}
	if c.MediaMaxBytes, err = strconv.ParseInt(get("MEDIA_MAX_BYTES", "20971520"), 10, 64); err != nil || c.MediaMaxBytes <= 0 {
		errs = append(errs, errors.New("MEDIA_MAX_BYTES must be a positive number of bytes"))
	}
	if u, err := url.Parse(c.PublicURL); err != nil || u.Scheme == "" || u.Host == "" {
		errs = append(errs, errors.New("PUBLIC_URL must be an absolute URL such as https://hotline.example.al"))
	}
	if u, err := url.Parse(c.TrainingURL); c.TrainingURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		errs = append(errs, errors.New("TRAINING_URL must be an absolute http(s) URL such as https://training.hotline.example.al/console/"))
	}
	switch c.TelegramMode {
	case "polling":
	case "webhook":
		if c.TelegramBotToken != "" && c.TelegramSecret == "" {
			errs = append(errs, errors.New("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_MODE=webhook"))
		}
	default:
		errs = append(errs, errors.New("TELEGRAM_MODE must be polling or webhook"))
	}
	for _, k := range []string{"TELEGRAM_API_ENDPOINT", "TELEGRAM_FILE_ENDPOINT"} {
		if v := get(k, ""); v != "" && strings.Count(v, "%s") != 2 {
			errs = append(errs, fmt.Errorf("%s must contain two %%s (token, method or path)", k))
		}
	}
	if u := c.TelegramBotUsername; u != "" && !telegramBotUsername.MatchString(u) {
		errs = append(errs, errors.New("TELEGRAM_BOT_USERNAME must be a bot's username: 5-32 letters, digits or _, ending in bot"))
	}
	if (c.TwilioAccountSID == "") != (c.TwilioAuthToken == "") {
		errs = append(errs, errors.New("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN go together"))
	}
	for _, v := range []struct{ name, value string }{{"TWILIO_ACCOUNT_SID", c.TwilioAccountSID}, {"TWILIO_AUTH_TOKEN", c.TwilioAuthToken}} {
		if strings.IndexFunc(v.value, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') }) >= 0 {
			errs = append(errs, fmt.Errorf("%s must be letters and digits only (twilio-go refuses others)", v.name))
		}
	}
	if c.TwilioAccountSID != "" && c.TwilioFrom == "" {
		errs = append(errs, errors.New("TWILIO_FROM is required when Twilio is configured"))
	}
	if len(errs) > 0 {
		return c, errs[0]
	}
	return c, nil
}
