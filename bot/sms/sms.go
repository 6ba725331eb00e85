// Package sms is hotline's SMS channel through Twilio: it verifies and
// parses inbound webhooks (twilio-go's request validator against
// PUBLIC_URL), hands messages to package bot, sends through twilio-go's
// Messages API, and applies delivery status callbacks.
package sms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	twilio "github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/hotline-al/hotline/bot"
	"github.com/hotline-al/hotline/hotline"
)

// Source is the de-duplication source of Twilio messages (key: MessageSid).
const Source = "twilio"

// maxFormBytes bounds a webhook body (Twilio's are a few KiB).
const maxFormBytes = 64 << 10

// MaxBody is the longest SMS body Twilio accepts, in characters.
const MaxBody = 1600

// Store is what the adapter needs beyond bot.Service.
type Store interface {
	ResponderByPhone(ctx context.Context, phone string) (hotline.Responder, error)
	RecordDeliveryStatus(ctx context.Context, externalID, status, errorCode string, now time.Time) (hotline.OutboundMessage, bool, error)
}

// Adapter is the SMS channel.
type Adapter struct {
	Service *bot.Service
	Store   Store
	Log     *slog.Logger
	// PublicURL is the external base URL Twilio calls (PUBLIC_URL): signatures are checked against it.
	PublicURL string
	Validator client.RequestValidator
	Client    *twilio.RestClient
	// From is the sending number (E.164) or Messaging Service SID ("MG…").
	From string
	// ActionHint words the line appended to SMS alerts (no buttons in SMS).
	ActionHint func(code string) string
	// Wake, when set, nudges the outbox sender (e.g. after a fallback was queued).
	Wake func()
}

// RewriteTransport sends every request to Base's scheme and host instead of
// the one asked for (TWILIO_API_URL: tests and proxies).
type RewriteTransport struct {
	Base *url.URL
	Next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t RewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = t.Base.Scheme, t.Base.Host, t.Base.Host
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(r)
}

// NewClient returns a twilio-go client for the account; apiURL ("" = the
// official API) replaces scheme and host of every request.
func NewClient(accountSID, authToken, apiURL string) (*twilio.RestClient, error) {
	httpClient := &http.Client{Timeout: 20 * time.Second}
	if apiURL != "" {
		u, err := url.Parse(apiURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("TWILIO_API_URL %q: need scheme and host", apiURL)
		}
		httpClient.Transport = RewriteTransport{Base: u}
	}
	c := &client.Client{Credentials: client.NewCredentials(accountSID, authToken), HTTPClient: httpClient}
	c.SetAccountSid(accountSID)
	return twilio.NewRestClientWithParams(twilio.ClientParams{Client: c}), nil
}

func (a *Adapter) verified(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		a.Log.Warn("twilio webhook: unreadable form", "path", r.URL.Path)
		http.Error(w, "bad form", http.StatusBadRequest)
		return nil, false
	}
	params := map[string]string{}
	for k, v := range r.PostForm {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	sig := r.Header.Get("X-Twilio-Signature")
	full := strings.TrimRight(a.PublicURL, "/") + r.URL.Path
	if r.URL.RawQuery != "" {
		full += "?" + r.URL.RawQuery
	}
	if sig == "" || !a.Validator.Validate(full, params, sig) {
		a.Log.Warn("twilio webhook rejected: bad or missing signature", "path", r.URL.Path, "remote", r.RemoteAddr)
		http.Error(w, "forbidden", http.StatusForbidden)
		return nil, false
	}
	return r.PostForm, true
}

// InboundHandler serves POST /webhooks/twilio/sms: verify the signature
// (403 otherwise), store the message (500 if that fails, so Twilio retries),
// answer 200 with an empty TwiML <Response/>. Replies go through the REST
// API, never TwiML, so their delivery is tracked.
func (a *Adapter) InboundHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		form, ok := a.verified(w, r)
		if !ok {
			return
		}
		sid := form.Get("MessageSid")
		if sid == "" {
			sid = form.Get("SmsSid")
		}
		from := form.Get("From")
		if sid == "" || from == "" {
			a.Log.Warn("twilio webhook without MessageSid or From")
			http.Error(w, "missing MessageSid or From", http.StatusBadRequest)
			return
		}
		if err := a.inbound(r.Context(), sid, from, form); err != nil {
			a.Log.Error("sms not stored", "err", err)
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Response/>`))
	})
}

func (a *Adapter) inbound(ctx context.Context, sid, from string, form url.Values) error {
	body := form.Get("Body")
	if r, err := a.Store.ResponderByPhone(ctx, from); err == nil {
		return a.Service.FromResponder(ctx, Source, sid, r, hotline.ChannelSMS, bot.ParseResponderText(body))
	} else if !errors.Is(err, hotline.ErrNotFound) {
		return err
	}
	in := hotline.InboundMessage{
		Channel:     hotline.ChannelSMS,
		Source:      Source,
		DeliveryKey: sid,
		Contact:     from,
		Kind:        hotline.KindText,
		Text:        body,
		Raw:         []byte(form.Encode()),
		ReceivedAt:  a.Service.Now(),
	}
	n, _ := strconv.Atoi(form.Get("NumMedia"))
	for i := 0; i < n && i < 10; i++ {
		in.Media = append(in.Media, hotline.Media{Kind: hotline.KindMedia, URL: form.Get(fmt.Sprintf("MediaUrl%d", i)),
			ContentType: form.Get(fmt.Sprintf("MediaContentType%d", i))})
	}
	if n > 0 {
		in.Kind = hotline.KindMedia
	}
	_, err := a.Service.FromPublic(ctx, in)
	return err
}

// StatusHandler serves POST /webhooks/twilio/status: verified, idempotent,
// safe out of order; undelivered/failed queue the next contact method.
func (a *Adapter) StatusHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		form, ok := a.verified(w, r)
		if !ok {
			return
		}
		sid, status := form.Get("MessageSid"), form.Get("MessageStatus")
		if status == "" {
			status = form.Get("SmsStatus")
		}
		_, failed, err := a.Store.RecordDeliveryStatus(r.Context(), sid, status, form.Get("ErrorCode"), a.Service.Now())
		switch {
		case errors.Is(err, hotline.ErrNotFound):
			a.Log.Info("status before its send was recorded: kept", "status", status)
		case err != nil:
			a.Log.Error("status not stored", "err", err)
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		case failed:
			a.Log.Warn("sms not delivered; next contact method queued", "status", status, "error_code", form.Get("ErrorCode"))
			if a.Wake != nil {
				a.Wake()
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// Send delivers an outbox item to phone (E.164) as one Twilio message,
// with a status callback; the carrier splits it into segments on character
// boundaries (Twilio takes up to MaxBody characters, and a retry after a
// failure can then never repeat a part already delivered). SMS alerts end
// with the acknowledge hint; a longer alert is shortened to fit, the hint
// kept (the whole text is in Telegram and the console); relays are at most
// hotline.MaxRelayLength. It returns the message's sid.
func (a *Adapter) Send(ctx context.Context, phone string, m hotline.OutboundMessage) (string, error) {
	hint := ""
	if m.Responder != nil && a.ActionHint != nil && len(m.Buttons) > 0 && m.ReferenceCode != "" {
		hint = "\n" + a.ActionHint(m.ReferenceCode)
	}
	body := fitBody(m.Body, hint)
	p := &openapi.CreateMessageParams{}
	p.SetTo(phone)
	p.SetBody(body)
	if strings.HasPrefix(a.From, "MG") {
		p.SetMessagingServiceSid(a.From)
	} else {
		p.SetFrom(a.From)
	}
	p.SetStatusCallback(strings.TrimRight(a.PublicURL, "/") + "/webhooks/twilio/status")
	resp, err := a.Client.Api.CreateMessage(p)
	if err != nil {
		return "", classify(err)
	}
	if resp.Sid == nil {
		return "", nil
	}
	return *resp.Sid, nil
}

// fitBody returns body followed by tail, body shortened on a character
// boundary (ending in "…") when both would pass MaxBody characters.
func fitBody(body, tail string) string {
	room := MaxBody - utf8.RuneCountInString(tail)
	if r := []rune(body); len(r) > room {
		body = string(r[:room-1]) + "…"
	}
	return body + tail
}

// classify turns twilio-go errors into hotline.DeliveryError: 21610 (opted
// out), 21211/21614 (invalid or landline), 21408 (region) and other 4xx are
// permanent; 429 and 5xx and network errors are temporary.
func classify(err error) error {
	var te *client.TwilioRestError
	if errors.As(err, &te) {
		// te.Message may name the destination ("Invalid 'To' Phone Number:
		// +355…"): keep only the code and status, which are logged and stored.
		de := &hotline.DeliveryError{Code: strconv.Itoa(te.Code), Err: fmt.Errorf("twilio error %d (HTTP %d)", te.Code, te.Status)}
		switch {
		case te.Status == http.StatusTooManyRequests || te.Code == 20429:
			de.RetryAfter = 5 * time.Second
		case te.Status >= 400 && te.Status < 500:
			de.Permanent = true
		}
		return de
	}
	// Transport errors name the API URL only, never the recipient.
	return &hotline.DeliveryError{Code: "network", Err: err}
}
