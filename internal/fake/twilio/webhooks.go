package faketwilio

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

var statusRank = map[string]int{"accepted": 0, "queued": 0, "sending": 1, "sent": 2, "delivered": 3, "undelivered": 3, "failed": 3, "read": 4}

// scheduleCallbacksLocked posts the message's status callbacks asynchronously:
// "sent" then the outcome ("failed" alone, since a failed message was never
// sent), or the reverse with OutOfOrderCallbacks.
func (s *Server) scheduleCallbacksLocked(m *Message) {
	out, ok := s.outcomes[m.To]
	if !ok || out.status == "" {
		out = outcome{status: "delivered"}
	}
	if m.StatusCallback == "" || s.ctx.Err() != nil {
		m.Status, m.ErrorCode = out.status, out.code
		return
	}
	statuses := []string{"sent", out.status}
	if out.status == "failed" || out.status == "sent" {
		statuses = []string{out.status}
	}
	if s.outOfOrder {
		slices.Reverse(statuses)
	}
	from := m.From
	if from == "" {
		from = s.opts.serviceNumber
	}
	forms := make([]url.Values, 0, len(statuses))
	for _, st := range statuses {
		v := url.Values{}
		v.Set("SmsSid", m.Sid)
		v.Set("SmsStatus", st)
		v.Set("MessageStatus", st)
		v.Set("To", m.To)
		if m.MessagingServiceSid != "" {
			v.Set("MessagingServiceSid", m.MessagingServiceSid)
		}
		v.Set("MessageSid", m.Sid)
		v.Set("AccountSid", s.accountSID)
		v.Set("From", from)
		v.Set("ApiVersion", APIVersion)
		if (st == "undelivered" || st == "failed") && out.code != 0 {
			v.Set("ErrorCode", strconv.Itoa(out.code))
		}
		if st == "delivered" {
			v.Set("RawDlrDoneDate", s.now().UTC().Format("0601021504"))
		}
		forms = append(forms, v)
	}
	target, delay := m.StatusCallback, s.callbackDelay
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for _, form := range forms {
			if delay > 0 {
				t := time.NewTimer(delay)
				select {
				case <-t.C:
				case <-s.ctx.Done():
					t.Stop()
					return
				}
			}
			if s.ctx.Err() != nil {
				return
			}
			s.postCallback(m, target, form, out.code)
		}
	}()
}

func (s *Server) postCallback(m *Message, target string, form url.Values, code int) {
	sig := s.Sign(target, form)
	attempt := CallbackAttempt{URL: target, Params: form, Signature: sig, Time: s.now()}
	status, _, err := s.post(s.ctx, target, form, sig)
	attempt.StatusCode = status
	if err != nil {
		attempt.Err = err.Error()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := form.Get("MessageStatus")
	if statusRank[st] > statusRank[m.Status] {
		m.Status = st
		if st == "undelivered" || st == "failed" {
			m.ErrorCode = code
		}
	}
	s.callbackLog = append(s.callbackLog, attempt)
	s.broadcastLocked()
}

func idempotencyToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// post sends a form the way Twilio posts webhooks; signature "" sends none.
func (s *Server) post(ctx context.Context, target string, params url.Values, signature string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(params.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("Accept", "*/*")
	req.Header.Set("I-Twilio-Idempotency-Token", idempotencyToken())
	if signature != "" {
		req.Header.Set(SignatureHeader, signature)
	}
	resp, err := s.opts.callbackClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(body), err
}

// PostForm posts params to url as Twilio posts webhooks (form-encoded, with
// X-Twilio-Signature unless signature is empty). Use it for forged or
// tampered requests and to redeliver the same MessageSid.
func (s *Server) PostForm(ctx context.Context, url string, params url.Values, signature string) (status int, respBody string, err error) {
	return s.post(ctx, url, params, signature)
}

var (
	optOutWords = []string{"STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
	optInWords  = []string{"START", "UNSTOP", "YES"}
	helpWords   = []string{"HELP", "INFO"}
)

var countryPrefixes = []struct{ prefix, country string }{
	{"+355", "AL"}, {"+383", "XK"}, {"+389", "MK"}, {"+382", "ME"}, {"+381", "RS"}, {"+30", "GR"},
	{"+39", "IT"}, {"+44", "GB"}, {"+49", "DE"}, {"+33", "FR"}, {"+1", "US"},
}

func country(number string) string {
	for _, c := range countryPrefixes {
		if strings.HasPrefix(number, c.prefix) {
			return c.country
		}
	}
	return ""
}

// InboundParams builds the form Twilio posts to the messaging webhook when
// from texts to: a fresh MessageSid ("SM…", "MM…" with media) repeated in
// SmsSid and SmsMessageSid, NumSegments, NumMedia, MediaUrlN and
// MediaContentTypeN (media served by this server, see SetBaseURL), and
// OptOutType for Twilio's opt-out, opt-in and help words. An opt-out word
// makes later messages to from fail with 21610, as Twilio's Advanced Opt-Out
// does; an opt-in word lifts it.
func (s *Server) InboundParams(from, to, body string, media ...Media) url.Values {
	prefix := "SM"
	if len(media) > 0 {
		prefix = "MM"
	}
	sid := newSid(prefix)
	segments, _ := Segments(body)
	v := url.Values{}
	for _, k := range []string{"ToState", "ToCity", "ToZip", "FromZip", "FromState", "FromCity"} {
		v.Set(k, "")
	}
	v.Set("ToCountry", country(to))
	v.Set("FromCountry", country(from))
	v.Set("SmsMessageSid", sid)
	v.Set("SmsSid", sid)
	v.Set("MessageSid", sid)
	v.Set("NumMedia", strconv.Itoa(len(media)))
	v.Set("NumSegments", strconv.Itoa(segments))
	v.Set("ReferralNumMedia", "0")
	v.Set("SmsStatus", "received")
	v.Set("Body", body)
	v.Set("To", to)
	v.Set("From", from)
	v.Set("AccountSid", s.accountSID)
	v.Set("ApiVersion", APIVersion)
	if s.opts.messagingServiceSid != "" {
		v.Set("MessagingServiceSid", s.opts.messagingServiceSid)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for i, m := range media {
		u := s.addMediaLocked(sid, m.Content, m.ContentType)
		v.Set(fmt.Sprintf("MediaUrl%d", i), u)
		v.Set(fmt.Sprintf("MediaContentType%d", i), m.ContentType)
	}
	word := strings.ToUpper(strings.Join(strings.Fields(body), " "))
	switch {
	case slices.Contains(optOutWords, word):
		v.Set("OptOutType", "STOP")
		s.optedOut[from] = true
	case slices.Contains(optInWords, word):
		v.Set("OptOutType", "START")
		delete(s.optedOut, from)
	case slices.Contains(helpWords, word):
		v.Set("OptOutType", "HELP")
	}
	return v
}

// InboundSMS plays from texting body (and media) to the hotline number to:
// it builds the form as InboundParams does, signs it for webhookURL with the
// auth token and posts it there, returning the webhook's answer.
func (s *Server) InboundSMS(ctx context.Context, webhookURL, from, to, body string, media ...Media) (status int, respBody string, err error) {
	params := s.InboundParams(from, to, body, media...)
	return s.PostForm(ctx, webhookURL, params, s.Sign(webhookURL, params))
}

// AddMedia registers a file as the media of a fresh message and returns its
// URL (…/Messages/MM…/Media/ME…), fetchable with the account's credentials.
func (s *Server) AddMedia(content []byte, contentType string) (url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addMediaLocked(newSid("MM"), content, contentType)
}

func (s *Server) addMediaLocked(messageSid string, content []byte, contentType string) string {
	me := &mediaEntry{
		sid: newSid("ME"), messageSid: messageSid, contentType: contentType,
		content: slices.Clone(content), created: s.now(),
	}
	path := fmt.Sprintf("/%s/Accounts/%s/Messages/%s/Media/%s", APIVersion, s.accountSID, messageSid, me.sid)
	s.media[path] = me
	return s.baseURL + path
}

func (s *Server) mediaResource(w http.ResponseWriter, r *http.Request, messageSid, name string) {
	asJSON := strings.HasSuffix(name, ".json")
	mediaSid := strings.TrimSuffix(name, ".json")
	path := fmt.Sprintf("/%s/Accounts/%s/Messages/%s/Media/%s", APIVersion, s.accountSID, messageSid, mediaSid)
	s.mu.Lock()
	me := s.media[path]
	if me != nil && r.Method == http.MethodDelete {
		delete(s.media, path)
	}
	s.mu.Unlock()
	switch {
	case me == nil:
		writeRestError(w, newRestError(20404, 0, r.URL.Path))
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case asJSON:
		date := s.formatDate(me.created)
		writeJSON(w, http.StatusOK, map[string]any{
			"account_sid": s.accountSID, "content_type": me.contentType, "date_created": date,
			"date_updated": date, "parent_sid": me.messageSid, "sid": me.sid, "uri": path + ".json",
		})
	default:
		w.Header().Set("Content-Type", me.contentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(me.content)))
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(me.content)
		}
	}
}
